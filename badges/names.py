"""Names as their owners use them: the one place that composes a person's displayed name."""

from __future__ import annotations

import enum
import unicodedata
from functools import cache

from fontTools import unicodedata as ucd

__all__ = ["NameStyle", "compose", "family_first", "set_apart", "usually_family_first"]

_FAMILY_FIRST_SCRIPTS = frozenset({"Hani", "Hira", "Kana", "Hang"})
#: Countries (ISO 3166 alpha-2) whose names are written family name first, in Latin letters too:
#: China, Japan, the two Koreas, Viet Nam, Cambodia and Hungary.
FAMILY_FIRST_COUNTRIES = frozenset({"CN", "JP", "KR", "KP", "VN", "KH", "HU"})
#: Letters only Vietnamese writes (ơ ư đ ă and the stacked tone marks of U+1EA0–U+1EF9), and the
#: double acute accents only Hungarian writes (ő ű).
_VIETNAMESE = frozenset("ơưđăƠƯĐĂ") | frozenset(map(chr, range(0x1EA0, 0x1EFA)))
_HUNGARIAN = frozenset("őűŐŰ")
_GREEK_ACCENTS = frozenset({0x0300, 0x0301, 0x0342, 0x0313, 0x0314, 0x0345})


class NameStyle(enum.StrEnum):
    """Where a name is shown, which decides its order, case and title."""

    #: On a badge or receipt: "Ms. Amina DIALLO", "王小明先生".
    BADGE = "badge"
    #: In lists sorted by family name: "DIALLO, Amina", "王小明".
    LIST = "list"
    #: Inside a sentence: "Amina Diallo", "王小明".
    SENTENCE = "sentence"
    #: Addressing the person, with the title: "Ms. Amina Diallo", "王小明先生".
    FORMAL = "formal"


@cache
def _script(char: str) -> str:
    """Return the script of one character (kept: a door composes a name per scan, a bundle thousands)."""
    return ucd.script(char)


def _scripts(text: str) -> set[str]:
    """Return the scripts of the letters of text."""
    return {_script(char) for char in text if char.isalpha()}


def family_first(given: str, family: str) -> bool:
    """Return True for names written family name first: those in Chinese, Japanese or Korean script."""
    return bool(_scripts(given + family) & _FAMILY_FIRST_SCRIPTS)


def usually_family_first(given: str, family: str, country: str | None = None) -> bool:
    """Whether a name is written family name first by convention, when its owner has not said.

    From the name itself first: Chinese, Japanese or Korean script, or letters only Vietnamese
    or Hungarian use ("Nguyễn", "Győző"); else from the country of the person's delegation
    (FAMILY_FIRST_COUNTRIES), for a name typed without its accents ("Nguyen Thi Minh Khai").
    """
    if family_first(given, family):
        return True
    letters = set(given + family)
    if letters & (_VIETNAMESE | _HUNGARIAN):
        return True
    return (country or "").upper() in FAMILY_FIRST_COUNTRIES


def set_apart(family: str) -> str:
    """Return a family name in capitals where the script has them (Greek capitals lose accents)."""
    upper = family.upper()
    if "Grek" in _scripts(upper):
        decomposed = unicodedata.normalize("NFD", upper)
        upper = unicodedata.normalize("NFC", "".join(c for c in decomposed if ord(c) not in _GREEK_ACCENTS))
    return upper


def _joined(*parts: str) -> str:
    """Return the non-empty parts joined by single spaces."""
    return " ".join(part.strip() for part in parts if part and part.strip())


def _with_title(title: str, name: str) -> str:
    """Put the title where its script puts it: a title in CJK script after the name, others before."""
    title = title.strip()
    if not title:
        return name
    title_scripts = _scripts(title)
    if title_scripts and title_scripts <= _FAMILY_FIRST_SCRIPTS:
        close = "Hang" not in title_scripts and _scripts(name) & _FAMILY_FIRST_SCRIPTS
        return f"{name}{title}" if close else f"{name} {title}"
    return _joined(title, name)


def compose(
    title: str,
    given: str,
    family: str,
    style: NameStyle = NameStyle.BADGE,
    badge_name: str = "",
    family_name_first: bool | None = None,
) -> str:
    """Return a person's name composed for a style, following UN practice: the one place that does.

    `family_name_first` is the person's choice (None: as names in their script are written).
    Names in Chinese, Japanese or Korean script family name first are written without a space
    ("王小明"); names in other scripts with a space, the family name in capitals on badges and
    in lists ("Ms. NGUYỄN Thị Minh Khai", "NGUYỄN Thị Minh Khai"); given name first, "Ms. Amina
    DIALLO", "DIALLO, Amina". `badge_name`, when a focal point has filled it, replaces the
    composed name on badges, in sentences and in addresses (not in sorted lists).
    """
    given, family, badge_name = _joined(given), _joined(family), _joined(badge_name)
    if badge_name and style is not NameStyle.LIST:
        return badge_name if style is NameStyle.SENTENCE else _with_title(title, badge_name)
    cjk = family_first(given, family)
    first = cjk if family_name_first is None else family_name_first
    if first and cjk:
        name = f"{family}{given}"
        return _with_title(title, name) if style in (NameStyle.BADGE, NameStyle.FORMAL) else name
    if first:
        if style in (NameStyle.BADGE, NameStyle.LIST):
            name = _joined(set_apart(family), given)
            return name if style is NameStyle.LIST else _with_title(title, name)
        name = _joined(family, given)
        return _with_title(title, name) if style is NameStyle.FORMAL else name
    if style is NameStyle.LIST:
        return f"{set_apart(family)}, {given}" if given and family else set_apart(family) or given
    if style is NameStyle.BADGE:
        return _with_title(title, _joined(given, set_apart(family)))
    if style is NameStyle.FORMAL:
        return _with_title(title, _joined(given, family))
    return _joined(given, family)
