"""Write kiosk/data/state_phrases.json: each State's UN short name as running text writes it.

For every country of kiosk/data/countries.json: English and Spanish with the article UNTERM gives
("the Philippines", "el Reino Unido"), French with its article ("la Suisse", "le Mexique",
"l'Iraq", "les États-Unis d'Amérique") and Russian in the genitive ("Швейцарии"), the case that
follows "делегация"; Arabic as it follows "وفد". Names that UNTERM lists with a parenthesis
("Bolivia (Plurinational State of)") are written as running text writes them ("the
Plurinational State of Bolivia"). The rules
below give the regular forms; the lists the exceptions, from UNTERM's short names with article
(https://unterm.un.org, "Country names" collection). Run: python scripts/make-state-phrases.py
"""

from __future__ import annotations

import json
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "kiosk" / "data"

RUNNING = {  # names UNTERM lists with a parenthesis, as running text writes them
    "BO": ("the Plurinational State of Bolivia", "l'État plurinational de Bolivie",
           "el Estado Plurinacional de Bolivia", "Многонационального Государства Боливия"),
    "IR": ("the Islamic Republic of Iran", "la République islamique d'Iran",
           "la República Islámica del Irán", "Исламской Республики Иран"),
    "FM": ("the Federated States of Micronesia", "les États fédérés de Micronésie",
           "los Estados Federados de Micronesia", "Федеративных Штатов Микронезии"),
    "NL": ("the Kingdom of the Netherlands", "le Royaume des Pays-Bas",
           "el Reino de los Países Bajos", "Королевства Нидерландов"),
    "VE": ("the Bolivarian Republic of Venezuela", "la République bolivarienne du Venezuela",
           "la República Bolivariana de Venezuela", "Боливарианской Республики Венесуэла"),
}  # fmt: skip
RUNNING_AR = {
    "BO": "دولة بوليفيا المتعددة القوميات", "IR": "جمهورية إيران الإسلامية",
    "FM": "ولايات ميكرونيزيا الموحدة", "NL": "مملكة هولندا", "VE": "جمهورية فنزويلا البوليفارية",
}  # fmt: skip

EN_THE = set("BS CF KM CG CD CK DO GM VA KP LA MV MH NE PH KR MD RU SB SD SY TZ AE GB US PS".split())

FR_NONE = set("AG BH CU CY DJ SV HT IL KI MG MT MU MC NR NU OM LC KN VC SM ST SG TV TT".split())
FR_LES = set("BS KM CK FJ MV MH PW PH SC SB TO AE US".split())
FR_LE = set("MX KH MZ ZW BZ SR TL CV VA".split())  # masculine although ending in -e
FR_LA = set("SL".split())  # feminine although not ending in -e
FR_H_ASPIRATED = set("HN HU".split())  # "le Honduras", "la Hongrie", not l'

ES = {
    "el": "AF BR CM CA TD CG EC GA IQ JP LB NE PK PY PE SN SD SS UY YE TG GB PS",
    "la": "AR IN RU CF CD DO KP KR LA MD SY TZ VA",
    "los": "US AE",
    "las": "BS KM MV MH SB CK",
}

RU = {  # genitive forms the rules below do not give
    "BD": "Бангладеш", "BY": "Беларуси", "EG": "Египта", "MU": "Маврикия", "TO": "Тонга",
    "BS": "Багамских Островов", "KM": "Коморских Островов", "CK": "Островов Кука",
    "MV": "Мальдивских Островов", "MH": "Маршалловых Островов", "SB": "Соломоновых Островов",
    "SC": "Сейшельских Островов", "PH": "Филиппин", "US": "Соединенных Штатов Америки",
    "AE": "Объединенных Арабских Эмиратов", "CF": "Центральноафриканской Республики",
    "CD": "Демократической Республики Конго", "DO": "Доминиканской Республики",
    "KP": "Корейской Народно-Демократической Республики", "KR": "Республики Корея",
    "LA": "Лаосской Народно-Демократической Республики", "MD": "Республики Молдова",
    "SY": "Сирийской Арабской Республики", "TZ": "Объединенной Республики Танзания",
    "RU": "Российской Федерации", "GB": "Соединенного Королевства Великобритании и Северной Ирландии",
    "PS": "Государства Палестина", "VA": "Святого Престола", "BA": "Боснии и Герцеговины",
    "PG": "Папуа — Новой Гвинеи", "NZ": "Новой Зеландии", "MK": "Северной Македонии",
    "ZA": "Южной Африки", "GQ": "Экваториальной Гвинеи", "SA": "Саудовской Аравии",
    "SS": "Южного Судана", "AG": "Антигуа и Барбуды", "TT": "Тринидада и Тобаго",
    "GW": "Гвинеи-Бисау", "KN": "Сент-Китс и Невис", "VC": "Сент-Винсент и Гренадин",
    "ST": "Сан-Томе и Принсипи", "CI": "Кот-д'Ивуара", "BN": "Бруней-Даруссалама",
}  # fmt: skip
RU_INDECLINABLE_ENDINGS = ("о", "е", "и", "у", "э", "ю", "уа", "оа")


def french(code: str, name: str) -> str:
    if code in FR_NONE:
        return name
    if code in FR_LES or name.startswith(("Îles", "États", "Émirats")):
        return "les " + name
    if name[0] in "AEIOUÂÉÈÊÎÔÛ" or (name[0] == "H" and code not in FR_H_ASPIRATED):
        return "l'" + name
    if code in FR_LE or name.startswith(("Royaume", "Saint-")):
        return "le " + name
    first = name.split(" ")[0].split("-")[0]
    feminine = code in FR_LA or name.startswith(("République", "Fédération")) or first.endswith("e")
    return ("la " if feminine else "le ") + name


def russian(code: str, name: str) -> str:
    if code in RU:
        return RU[code]
    if name.endswith(RU_INDECLINABLE_ENDINGS):
        return name
    if name.endswith(("ия", "ея")):
        return name[:-1] + "и"
    if name.endswith("а"):
        return name[:-1] + ("и" if name[-2] in "гкхжшчщ" else "ы")
    if name.endswith("ь"):
        return name[:-1] + "я"
    if name.endswith("й"):
        return name[:-1] + "я"
    return name + "а"


def main() -> None:
    names = json.loads((DATA / "countries.json").read_text(encoding="utf-8"))["names"]
    spanish = {code: article for article, codes in ES.items() for code in codes.split()}
    out: dict[str, dict[str, str]] = {}
    for code, name in names.items():
        if code in RUNNING:
            en, fr, es, ru = RUNNING[code]
        else:
            en = ("the " if code in EN_THE else "") + name["en"]
            fr = french(code, name["fr"])
            es = (spanish[code] + " " if code in spanish else "") + name["es"]
            ru = russian(code, name["ru"])
        out[code] = {"en": en, "fr": fr, "es": es, "ru": ru, "ar": RUNNING_AR.get(code, name["ar"])}
    text = json.dumps(
        {"source": "UNTERM short names with article (https://unterm.un.org); Russian genitive; "
                   "made by scripts/make-state-phrases.py", "phrases": out},
        ensure_ascii=False, indent=0,
    )  # fmt: skip
    (DATA / "state_phrases.json").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
