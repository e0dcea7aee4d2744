"""The glossary of docs/glossary.md holds in every catalogue: one word per key term and language,
no variant that the glossary sets aside, and each language's punctuation (French non-breaking
spaces, no space after Chinese full-width punctuation)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "docs" / "glossary.md"
LANGUAGES = ("fr", "es", "ru", "ar", "zh")

#: term: (what finds it in an English msgid, {language: what its msgstr must hold}).
#: The patterns allow the language's inflections ("délégations", "стойку регистрации", "شارتك").
TERMS: dict[str, tuple[str, dict[str, str]]] = {
    "registration desk": (r"registration desk", {
        "fr": r"bureau d’inscription", "es": r"mostrador de inscripción", "ru": r"стойк\w* регистрации",
        "ar": r"مكتب التسجيل", "zh": r"登记服务台"}),
    "badge": (r"\bbadges?\b", {
        "fr": r"badge", "es": r"credencial", "ru": r"бейдж", "ar": r"شار(ة|ات|ت)", "zh": r"证件"}),
    "accreditation": (r"\baccreditation\b", {
        "fr": r"accréditation", "es": r"acreditación", "ru": r"аккредитаци", "ar": r"اعتماد", "zh": r"认证"}),
    "delegation": (r"\bdelegations?\b", {
        "fr": r"délégation", "es": r"delegaci[óo]n", "ru": r"делегаци", "ar": r"وف[دو]", "zh": r"代表团"}),
    "focal point": (r"\bfocal points?\b", {
        "fr": r"points? foca(l|ux)", "es": r"puntos? focal", "ru": r"координатор", "ar": r"جه[ةا]ت? الاتصال",
        "zh": r"联络人"}),
    "checkpoint": (r"\bcheckpoints?\b", {
        "fr": r"points? de contrôle", "es": r"puntos? de control", "ru": r"пункт\w* контроля",
        "ar": r"تفتيش", "zh": r"检查点"}),
}  # fmt: skip

#: Variants the glossary sets aside, and punctuation each language does not write.
FORBIDDEN: dict[str, dict[str, str]] = {
    "fr": {
        "bureau d’enregistrement": r"bureau d[’']enregistrement",
        "a breaking space before : ; ! ? »": r" [:;!?»]",
        "a breaking space after «": r"« ",
    },
    "zh": {
        "注册处 / 注册服务台": r"注册处|注册服务台",
        "胸卡": r"胸卡",
        "a space after full-width punctuation": r"[。！？；：，] ",
    },
    "ru": {"контактное лицо": r"контактн\w* лиц", "пропуск": r"пропуск"},
    "es": {},
    "ar": {},
}

#: English msgids where a term is a code the user types, not the word ("Use badge or receipt.").
CODES = re.compile(r"\b(badge or receipt|receipt or badge)\b|%\(\w+\)[sd]")


def _catalog(language: str):
    with (ROOT / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f)


def _pairs(language: str):
    """(English text, translation) of every translated message, each plural form on its own."""
    for message in _catalog(language):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            yield ids[-1] if len(ids) > 1 else ids[0], text


def _glossary_rows() -> dict[str, dict[str, str]]:
    """The table of docs/glossary.md: English term → {language: word}."""
    rows = {}
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 6 and cells[0] in TERMS:
            rows[cells[0]] = dict(zip(("en", "fr", "es", "ru", "ar", "zh"), cells, strict=True))
    return rows


def test_the_glossary_page_and_this_check_agree():
    rows = _glossary_rows()
    assert set(rows) == set(TERMS)
    for term, (_finder, words) in TERMS.items():
        for language in LANGUAGES:
            assert re.search(words[language], rows[term][language]), (term, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_key_term_has_one_translation(language):
    wrong = []
    for english, text in _pairs(language):
        plain = CODES.sub("", english)
        for term, (finder, words) in TERMS.items():
            if re.search(finder, plain, re.IGNORECASE) and not re.search(
                words[language], text, re.IGNORECASE
            ):
                wrong.append(f"{term}: {english!r} → {text!r}")
    assert wrong == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_variant_the_glossary_sets_aside(language):
    wrong = [
        f"{what}: {text!r}"
        for _english, text in _pairs(language)
        for what, pattern in FORBIDDEN[language].items()
        if re.search(pattern, text)
    ]
    assert wrong == []


def test_the_checks_can_fail():
    assert re.search(TERMS["registration desk"][1]["fr"], "au bureau d’enregistrement") is None
    assert re.search(FORBIDDEN["zh"]["a space after full-width punctuation"], "请前往。 谢谢") is not None
    assert re.search(FORBIDDEN["fr"]["a breaking space before : ; ! ? »"], "Ligne 3 : erreur") is not None
    assert re.search(FORBIDDEN["fr"]["a breaking space before : ; ! ? »"], "Ligne 3\u00a0: erreur") is None
