"""Countries by their UN names (UNTERM) in the six languages, sorted as each language sorts."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import pycountry
from flask_babel import get_locale

from kiosk.models import STATE_CATEGORIES

DATA = Path(__file__).resolve().parent.parent / "data" / "countries.json"


@cache
def _table() -> dict[str, Any]:
    return json.loads(DATA.read_text(encoding="utf-8"))


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


def delegation_name(name: str, category: str, country: str | None, locale: str | None = None) -> str:
    """A delegation's name for a reader of `locale` (default: the page's): States by their UN name
    in that language, everyone else, and every delegation in English, as registered."""
    language = _language(locale)
    if language != "en" and country and category in STATE_CATEGORIES:
        return country_name(country, language) or name
    return name


def delegation_labels(rows: Iterable[tuple[Any, str, str, str | None]], locale: str | None = None) -> dict:
    """`delegation_name` of each row (key, name, category, country), by key, where it differs from
    the registered name: what a page that has the registered names needs to show them to its reader."""
    return {
        key: shown
        for key, name, category, country in rows
        if (shown := delegation_name(name, category, country, locale)) != name
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
