"""States and organisations named as UN documents name them, in the six languages: in the words after
"delegation" (with the French and Spanish articles, the Russian genitive), in e-mails, on receipts,
in exports, on the focal point's page."""

from __future__ import annotations

import csv
import email
import email.policy
import io

import pytest
from flask_babel import force_locale

from kiosk.extensions import db
from kiosk.models import Category, Event, Gender, Participant, Status
from kiosk.services import countries, exports, printing, registration
from kiosk.services.audit import Actor

ORGANIZER = Actor("user:test")

# code: en, fr, es, ru, ar, zh — the words after "delegation" / "délégation" / "delegación" / …
OF_STATE = {
    "CH": ("of Switzerland", "de la Suisse", "de Suiza", "Швейцарии", "سويسرا", "瑞士"),
    "MX": ("of Mexico", "du Mexique", "de México", "Мексики", "المكسيك", "墨西哥"),
    "IQ": ("of Iraq", "de l'Iraq", "del Iraq", "Ирака", "العراق", "伊拉克"),
    "US": ("of the United States of America", "des États-Unis d'Amérique",
           "de los Estados Unidos de América", "Соединенных Штатов Америки",
           "الولايات المتحدة الأمريكية", "美利坚合众国"),
    "PH": ("of the Philippines", "des Philippines", "de Filipinas", "Филиппин", "الفلبين", "菲律宾"),
    "GB": ("of the United Kingdom of Great Britain and Northern Ireland",
           "du Royaume-Uni de Grande-Bretagne et d'Irlande du Nord",
           "del Reino Unido de Gran Bretaña e Irlanda del Norte",
           "Соединенного Королевства Великобритании и Северной Ирландии",
           "المملكة المتحدة لبريطانيا العظمى وأيرلندا الشمالية", "大不列颠及北爱尔兰联合王国"),
    "JO": ("of Jordan", "de la Jordanie", "de Jordania", "Иордании", "الأردن", "约旦"),
    "IL": ("of Israel", "d'Israël", "de Israel", "Израиля", "إسرائيل", "以色列"),
    "HT": ("of Haiti", "d'Haïti", "de Haití", "Гаити", "هايتي", "海地"),
    "HN": ("of Honduras", "du Honduras", "de Honduras", "Гондураса", "هندوراس", "洪都拉斯"),
    "PE": ("of Peru", "du Pérou", "del Perú", "Перу", "بيرو", "秘鲁"),
    "BO": ("of the Plurinational State of Bolivia", "de l'État plurinational de Bolivie",
           "del Estado Plurinacional de Bolivia", "Многонационального Государства Боливия",
           "دولة بوليفيا المتعددة القوميات", "多民族玻利维亚国"),
    "AR": ("of Argentina", "de l'Argentine", "de la Argentina", "Аргентины", "الأرجنتين", "阿根廷"),
}  # fmt: skip
LANGUAGES = ("en", "fr", "es", "ru", "ar", "zh")
CASES = [
    (code, language, words[i]) for code, words in OF_STATE.items() for i, language in enumerate(LANGUAGES)
]

#: The confirmation e-mail's sentence around the words naming the delegation, per language.
SENTENCE = {
    "en": "as a member of the delegation {}.",
    "fr": "en tant que membre de la délégation {}.",
    "es": "como miembro de la delegación {}.",
    "ru": "в качестве члена делегации {}.",
    "ar": "في وفد {}.",  # "بصفتكِ عضوةً" for a woman, "بصفتكَ عضوًا" for a man (kiosk/services/mail.py)
    "zh": "您已作为{}代表团成员",
}


@pytest.mark.parametrize(("code", "language", "words"), CASES)
def test_the_words_naming_a_state_after_delegation(code, language, words):
    assert countries.of_state(code, language) == words


def test_every_state_has_its_running_form_in_french_spanish_english_and_russian():
    """No State is left without its article data (a new country in countries.json needs one)."""
    for code in countries._table()["names"]:
        assert set(countries._phrases()[code]) >= {"en", "fr", "es", "ru", "ar"}, code
    assert countries.of_state("XK", "fr") == "de XK"  # not a UN State: its code, never a crash


@pytest.mark.parametrize(
    ("language", "words", "name"),
    [
        ("en", "of the International Committee of the Red Cross", "International Committee of the Red Cross"),
        ("fr", "du Comité international de la Croix-Rouge", "Comité international de la Croix-Rouge"),
        ("es", "del Comité Internacional de la Cruz Roja", "Comité Internacional de la Cruz Roja"),
        ("ru", "Международного комитета Красного Креста", "Международный комитет Красного Креста"),
        ("ar", "لجنة الصليب الأحمر الدولية", "لجنة الصليب الأحمر الدولية"),
        ("zh", "红十字国际委员会", "红十字国际委员会"),
    ],
)
def test_organisations_are_named_from_data_in_six_languages(language, words, name):
    for registered in ("ICRC", "International Committee of the Red Cross", " icrc "):
        assert countries.delegation_of(registered, Category.ICRC, None, {}, language) == words
    if language != "en":  # English shows the name as registered
        assert countries.delegation_name("ICRC", Category.ICRC, None, None, language) == name
    unknown = countries.delegation_of("Mines Advisory Group", Category.NGO, None, {}, language)
    assert unknown.endswith("Mines Advisory Group")  # as registered, with the language's "of"


def _confirmation(app, participant_id: int, tmp_path) -> str:
    with app.app_context():
        participant = db.session.get(Participant, participant_id)
        registration.change_status(db.session, participant, Status.ACCREDITED, ORGANIZER)
        db.session.commit()
    (path,) = (tmp_path / "outbox").glob("*.eml")
    path_text = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    text = path_text.get_body(("plain",)).get_content()
    path.unlink()
    return " ".join(text.split())


@pytest.mark.parametrize("code", ["CH", "MX", "IQ", "US", "PH", "GB"])
def test_the_confirmation_email_names_the_state_in_each_language(
    app, make_event, make_delegation, make_participant, tmp_path, code
):
    event = make_event(default_cap=10)
    delegation = make_delegation(event=event, name=countries.country_name(code, "en"), country=code)
    for i, language in enumerate(LANGUAGES):
        person = make_participant(
            delegation=delegation, email="a@example.org", language=language, gender=Gender.FEMALE
        )
        text = _confirmation(app, person.id, tmp_path)
        assert SENTENCE[language].format(OF_STATE[code][i]) in text, (language, text)
        assert " of Switzerland" not in text or language == "en"


@pytest.mark.parametrize("code", ["CH", "IQ", "US"])
def test_the_receipt_names_the_state_in_its_language(app, make_delegation, make_participant, code):
    delegation = make_delegation(name=countries.country_name(code, "en"), country=code)
    person = make_participant(delegation=delegation, status=Status.ACCREDITED)
    with app.app_context():
        participant = db.session.get(Participant, person.id)
        shown = {
            language: printing._receipt_data(db.session, participant, language).delegation
            for language in LANGUAGES
        }
    assert shown == {language: countries.country_name(code, language) for language in LANGUAGES}
    if code == "CH":
        assert shown["ar"] == "سويسرا" and shown["zh"] == "瑞士" and shown["fr"] == "Suisse"


def test_exports_are_in_words_in_the_organizers_language_with_codes_apart(
    app, make_delegation, make_participant
):
    delegation = make_delegation(name="Switzerland", country="CH")
    make_participant(
        delegation=delegation, gender=Gender.FEMALE, function="head_of_delegation", status=Status.ACCREDITED
    )
    with app.test_request_context("/?lang=fr"), force_locale("fr"):
        event = db.session.get(Event, delegation.event_id)
        table = exports.build(db.session, event, "participants")
        rows = list(csv.reader(io.StringIO(exports.to_csv(table).decode("utf-8-sig"))))
    header, row = rows[0], dict(zip(table.keys, rows[1], strict=True))
    assert header[:4] == ["Référence", "Délégation", "Catégorie", "Pays"]
    assert row["delegation"] == "Suisse" and row["country"] == "Suisse"
    assert row["category"] == "État partie"
    assert row["function"] == "Cheffe de délégation"  # for a woman
    assert row["gender"] == "Femme"
    assert row["status"] == "Accrédité"
    # the codes, in their own columns, headed by their machine names in every language
    assert header[table.keys.index("category_code")] == "category_code"
    assert (row["category_code"], row["country_code"], row["function_code"], row["gender_code"]) == (
        "state_party",
        "CH",
        "head_of_delegation",
        "female",
    )
    assert row["status_code"] == "accredited"


def test_the_focal_points_page_names_the_state_in_the_page_language(client, make_delegation, delegation_link):
    delegation = make_delegation(name="Jordan", country="JO")
    assert client.get(f"/d/{delegation_link(delegation)}/").status_code == 303  # signs in
    for language, name in (("ar", "الأردن"), ("fr", "Jordanie"), ("zh", "约旦")):
        page = client.get(f"/delegation/?lang={language}")
        assert page.status_code == 200
        assert f'<p class="eyebrow">{name}</p>' in page.get_data(as_text=True)
