"""Countries by their UN names (UNTERM) in the six languages, sorted as each language sorts, and
the words a sentence uses to name a State or an organisation ("the delegation of the Philippines",
"de la Suisse", "del Reino Unido", "Швейцарии"): `delegation_of` is the one place they are built.
An organisation's words come from its own stored names, else `organizations.json`, else its
registered name (`_organisation_words`)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import pycountry
from flask_babel import get_locale

from kiosk.models import STATE_CATEGORIES
from kiosk.services import collation

DATA = Path(__file__).resolve().parent.parent / "data" / "countries.json"
PHRASES = DATA.with_name("state_phrases.json")
ORGANIZATIONS = DATA.with_name("organizations.json")
#: Languages whose name of a State changes in running text (article, case); the others use the name.
RUNNING_LANGUAGES = ("en", "fr", "es", "ru", "ar")
#: The languages an organisation's stored names are kept in: its registered name is the English one.
NAMED_LANGUAGES = ("en", "fr", "es", "ru", "zh", "ar")
#: Languages whose words after "delegation" differ from the name (a preposition and article, a case):
#: Arabic and Chinese write the name itself ("وفد الاتحاد الأوروبي", "欧洲联盟代表团").
AFTER_DELEGATION_LANGUAGES = ("en", "fr", "es", "ru")
_CYRILLIC = re.compile("[\u0400-\u04ff]")

#: A delegation's own names, as stored: {language: {"name": …, "after_delegation": …}}, either may be
#: missing ("en" has only "after_delegation": the registered name is the English name).
Names = dict[str, dict[str, str]]


@cache
def _table() -> dict[str, Any]:
    return json.loads(DATA.read_text(encoding="utf-8"))


@cache
def _phrases() -> dict[str, dict[str, str]]:
    return json.loads(PHRASES.read_text(encoding="utf-8"))["phrases"]


@cache
def _organizations() -> dict[str, dict[str, Any]]:
    """Known organisations by the casefolded English name and acronyms they may be registered under."""
    table = json.loads(ORGANIZATIONS.read_text(encoding="utf-8"))["organizations"]
    found: dict[str, dict[str, Any]] = {}
    for english, entry in table.items():
        for key in (english, *entry.get("acronyms", ())):
            found[" ".join(key.split()).casefold()] = entry
    return found


def organization(name: str) -> dict[str, Any] | None:
    """The six-language entry of the organisation registered as `name` (English name or acronym)."""
    return _organizations().get(" ".join(name.split()).casefold())


def _language(locale: str | None) -> str:
    if locale is None:
        current = get_locale()
        locale = current.language if current else "en"
    return locale if locale in _table()["order"] else "en"


def country_name(code: str | None, locale: str | None = None) -> str:
    """The UN short name of the country `code` (ISO 3166 alpha-2) in `locale` (default: the page's)."""
    if not code:
        return ""
    names = _table()["names"].get(code.upper())
    if names:
        return names[_language(locale)]
    country = pycountry.countries.get(alpha_2=code.upper())
    return country.name if country else code


def delegation_name(
    name: str, category: str, country: str | None, names: Names | None, locale: str | None = None
) -> str:
    """A delegation's name for a reader of `locale` (default: the page's): States by their UN name
    in that language; an organisation by its own name in that language (`names`, the delegation's
    stored names), else by `organizations.json`'s, else as registered; every delegation in English
    as registered."""
    language = _language(locale)
    if language == "en":
        return name
    if country and category in STATE_CATEGORIES:
        return country_name(country, language) or name
    return _organisation_words(name, names, language)["name"] or name


def _after_of(running: str, language: str, state: bool = False) -> str:
    """`running` (a name with its article) after the preposition "of" in `language`. French elides
    "de" before a vowel, and before an H only in a State's name ("d'Haïti", the UN's list decides
    the others with its articles): an organisation's H is taken as aspirated, "de Human Rights Watch"."""
    if language == "en":
        return "of " + running
    if language == "fr":
        for article, contracted in (("le ", "du "), ("les ", "des ")):
            if running.startswith(article):
                return contracted + running[len(article) :]
        if running[:1] in "AEIOUYÂÉÈÊÎÔÛ" + ("H" if state else "") and not running.startswith(("la ", "l'")):
            return "d'" + running  # "d'Israël", "d'Haïti", "d'El Salvador"
        return "de " + running
    if language == "es":
        return "del " + running[3:] if running.startswith("el ") else "de " + running
    return running  # Russian: already in the genitive; Arabic: the name follows "وفد" as it is


def of_state(code: str, locale: str | None = None) -> str:
    """The words naming the State `code` after "delegation" in `locale`: "of the Philippines",
    "de la Suisse", "du Mexique", "de l'Iraq", "des États-Unis d'Amérique", "del Reino Unido",
    "Швейцарии" (genitive), "سويسرا", "瑞士"."""
    language = _language(locale)
    phrase = _phrases().get(code.upper())
    if language not in RUNNING_LANGUAGES or phrase is None:
        name = country_name(code, language)
        return _after_of(name, language, state=True) if language in ("en", "fr", "es") else name
    return _after_of(phrase[language], language, state=True)


def delegation_of(
    name: str, category: str, country: str | None, names: Names | None, locale: str | None = None
) -> str:
    """The words naming a delegation after the word "delegation" in `locale`: `of_state` for a
    State; for an organisation its own words (`names`), else `organizations.json`'s, else its name
    in that language with the language's "of" (`_after_of`; Russian: `_russian_genitive`)."""
    language = _language(locale)
    if country and category in STATE_CATEGORIES:
        return of_state(country, language)
    words = _organisation_words(name, names, language)
    if words["after_delegation"]:
        return words["after_delegation"]
    shown = words["name"] or name
    if language == "ru":
        return _russian_genitive(shown)
    return _after_of(shown, language) if language in ("en", "fr", "es") else shown


def _organisation_words(name: str, names: Names | None, language: str) -> dict[str, str]:
    """An organisation's name and its words after "delegation" in `language`, each the delegation's
    own (`names`) where it has them, else `organizations.json`'s, else "" (the one place of that order)."""
    own = (names or {}).get(language, {})
    known = organization(name)
    return {
        "name": own.get("name") or (known["names"].get(language, "") if known else ""),
        "after_delegation": own.get("after_delegation") or _known_after(known, language),
    }


def _known_after(known: dict[str, Any] | None, language: str) -> str:
    """The words after "delegation" that `organizations.json` gives an organisation, or ""."""
    if known is None or language not in known["running"]:
        return ""
    return _after_of(known["running"][language], language)


def _russian_genitive(name: str) -> str:
    """`name` after "делегации" when no genitive is known: a name in Latin script or an acronym is
    not declined ("Human Rights Watch", "МКК"); any other Russian name follows the word
    "организации" in quotation marks, which is in the genitive ("организации «Врачи мира»")."""
    if not _CYRILLIC.search(name) or not any(c.islower() for c in name):
        return name
    quoted = name if name.startswith("«") and name.endswith("»") else f"«{name}»"
    return f"организации {quoted}"


def default_names(name: str) -> Names:
    """The names `organizations.json` gives the organisation registered as `name`, in the stored
    shape (what the organizer's form starts from); {} for an organisation it does not know."""
    known = organization(name)
    if known is None:
        return {}
    found: Names = {}
    for language in NAMED_LANGUAGES:
        words = {"name": known["names"].get(language, "") if language != "en" else ""}
        if language in AFTER_DELEGATION_LANGUAGES:
            words["after_delegation"] = _known_after(known, language)
        if kept := {key: value for key, value in words.items() if value}:
            found[language] = kept
    return found


def delegation_labels(
    rows: Iterable[tuple[Any, str, str, str | None, Names | None]], locale: str | None = None
) -> dict:
    """`delegation_name` of each row (key, name, category, country, names), by key, where it differs
    from the registered name: what a page that has the registered names needs to show them to its reader."""
    return {
        key: shown
        for key, name, category, country, names in rows
        if (shown := delegation_name(name, category, country, names, locale)) != name
    }


def country_choices(locale: str | None = None) -> list[tuple[str, str]]:
    """(code, name) of every UN country, in the alphabetical order of `locale`."""
    language = _language(locale)
    names = _table()["names"]
    return [(code, names[code][language]) for code in _table()["order"][language]]


def lookup(value: str) -> str | None:
    """The ISO code of a country written as a code or a name (UN names in any of the six languages)."""
    text = " ".join(value.split()).replace("’", "'")
    if not text:
        return None
    if len(text) == 2 and text.upper() in _table()["names"]:
        return text.upper()
    wanted = text.casefold()
    for code, names in _table()["names"].items():
        if any(name.casefold() == wanted for name in names.values()):
            return code
    try:
        return pycountry.countries.lookup(text).alpha_2
    except LookupError:
        return None


def matching(text: str) -> set[str]:
    """Codes of the countries whose UN name, in any of the six languages, contains `text` (3+ letters)."""
    wanted = " ".join(text.split()).replace("’", "'").casefold()
    if len(wanted) < 3:
        return set()
    return {
        code
        for code, names in _table()["names"].items()
        if any(wanted in name.casefold() for name in names.values())
    }


def label(delegation: Any, locale: str | None = None) -> str:
    """`delegation_name` of a Delegation: what a page, list, export or receipt shows as its name."""
    return delegation_name(delegation.name, delegation.category, delegation.country, delegation.names, locale)


def by_label(delegations: Iterable[Any], locale: str | None = None) -> list[Any]:
    """Delegations in the alphabetical order of `locale` (default: the page's) of their `label`."""
    language = _language(locale)
    return collation.sort(delegations, language, lambda delegation: label(delegation, language))


def of_delegation(delegation: Any, locale: str | None = None) -> str:
    """`delegation_of` of a Delegation: what a sentence writes after the word "delegation"."""
    return delegation_of(delegation.name, delegation.category, delegation.country, delegation.names, locale)
