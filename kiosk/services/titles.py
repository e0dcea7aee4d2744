"""Titles (honorifics) as data: the listed titles in six languages, and "title + name" in one place.

A participant's `title` holds the code of a listed title ("he_ms") or, for the rare title that is
not listed, the text as typed ("Rt Hon."), which is then shown as typed in every language. The
table is `kiosk/data/titles.json`; the secretariat adds titles or forms in a file of the same
format named by the `TITLES_FILE` setting (docs/titles.md).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from flask_babel import get_locale

from badges.names import NameStyle, compose, family_first

LANGUAGES = ("en", "fr", "es", "ar", "zh", "ru")
SHIPPED = Path(__file__).resolve().parent.parent / "data" / "titles.json"
#: The form's choice for a title that is not in the list.
OTHER_TITLE = "other"
#: First strong isolate and pop directional isolate: a name or a Latin title inside an Arabic line.
FSI, PDI = "\u2068", "\u2069"
_FEMALE, _MALE = "female", "male"


@dataclass(frozen=True)
class Table:
    """The listed titles: code -> language -> form(s), and the languages that put titles after names."""

    titles: dict[str, dict[str, Any]]
    after: frozenset[str]


class TitlesFileError(ValueError):
    """A titles file that cannot be used, with the sentence that says why."""


def _check(titles: Any, source: str) -> dict[str, dict[str, Any]]:
    """The titles of one file, refused with a sentence when a code or a form is malformed."""
    if not isinstance(titles, dict):
        raise TitlesFileError(f"{source}: 'titles' must be an object of codes.")
    for code, forms in titles.items():
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", code) or code == OTHER_TITLE:
            raise TitlesFileError(f"{source}: the code {code!r} must be lower-case letters, digits or _.")
        if not isinstance(forms, dict) or "en" not in forms:
            raise TitlesFileError(f"{source}: the title {code!r} needs at least its English form ('en').")
        aliases = forms.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            raise TitlesFileError(f"{source}: the aliases of {code!r} must be a list of texts.")
        for language, form in forms.items():
            if language == "aliases":
                continue
            if language not in LANGUAGES:
                raise TitlesFileError(f"{source}: {code!r} has an unknown language {language!r}.")
            if isinstance(form, dict):
                if set(form) - {_FEMALE, _MALE, "neutral"} or not form.get("neutral"):
                    raise TitlesFileError(
                        f"{source}: {code!r} in {language!r} needs 'neutral' and only female/male/neutral."
                    )
            elif not isinstance(form, str) or not form.strip():
                raise TitlesFileError(f"{source}: {code!r} in {language!r} must be text.")
    return titles


@cache
def _load(extra: str | None) -> Table:
    """The shipped table, with the titles of the file `extra` added (a listed code replaced)."""
    shipped = json.loads(SHIPPED.read_text(encoding="utf-8"))
    titles = dict(_check(shipped["titles"], str(SHIPPED)))
    after = set(shipped.get("after", []))
    if extra:
        try:
            added = json.loads(Path(extra).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise TitlesFileError(f"{extra}: cannot be read as JSON ({exc}).") from None
        titles.update(_check(added.get("titles", {}), extra))
    return Table(titles, frozenset(after))


def table() -> Table:
    """The titles in use: the shipped list plus the secretariat's file (setting TITLES_FILE)."""
    extra = current_app.config.get("TITLES_FILE") if has_app_context() else None
    return _load(str(extra) if extra else None)


def codes() -> tuple[str, ...]:
    """The codes of the listed titles, in the list's order."""
    return tuple(table().titles)


def _gender_key(gender: Any) -> str:
    value = getattr(gender, "value", gender)
    return value if value in (_FEMALE, _MALE) else "neutral"


def form(title: str, language: str, gender: Any = None) -> str:
    """The title as written in `language` for a person of `gender`; free text comes back as typed."""
    forms = table().titles.get(title)
    if forms is None:
        return " ".join(title.split())
    chosen = forms.get(language) or forms["en"]
    if isinstance(chosen, dict):
        return chosen.get(_gender_key(gender)) or chosen["neutral"]
    return chosen


def _folded(text: str) -> str:
    """A title as compared: case folded, without dots, spaces or apostrophes ("H.E. Mr" is "hemr")."""
    return re.sub(r"[\s.’'\-]", "", text.casefold())


@cache
def _by_written(extra: str | None) -> dict[str, str]:
    found: dict[str, str] = {}
    for code in _load(extra).titles:
        found.setdefault(_folded(code), code)
    for code, forms in _load(extra).titles.items():
        for language, chosen in forms.items():
            if language == "aliases":
                continue
            for written in chosen.values() if isinstance(chosen, dict) else (chosen,):
                found.setdefault(_folded(written), code)
    for code, forms in _load(extra).titles.items():
        for written in forms.get("aliases", []):
            found.setdefault(_folded(written), code)
    return found


def title_code(text: str) -> str | None:
    """The code of a listed title written as its code or any of its forms ("H.E. Ms", "Sra."), else None."""
    extra = current_app.config.get("TITLES_FILE") if has_app_context() else None
    return _by_written(str(extra) if extra else None).get(_folded(text)) if text.strip() else None


def normalize(text: str) -> str:
    """The stored value of a typed title: its code when it is listed, else the text as typed."""
    return title_code(text) or " ".join(text.split())


def titled(
    title: str,
    given: str,
    family: str,
    language: str,
    gender: Any = None,
    style: NameStyle = NameStyle.BADGE,
    badge_name: str = "",
    isolate: bool = False,
    family_name_first: bool | None = None,
) -> str:
    """The name with its title in `language`, the title before or after the name as that language puts it.

    A listed title takes its form in the language and for the gender ("S.E. Mme Amina DIALLO",
    "王小明先生", "Excmo. Sr. Juan PÉREZ"); a free-text title is placed as typed (before the name,
    after it when written in Chinese, Japanese or Korean script). `isolate` wraps the name and a
    free-text title in bidi isolates, for a sentence in Arabic (so "H.E." does not read ".H.E").
    """
    name = compose("", given, family, style=style, badge_name=badge_name, family_name_first=family_name_first)
    if style in (NameStyle.LIST, NameStyle.SENTENCE) or not title.strip():
        return f"{FSI}{name}{PDI}" if isolate and name else name
    if title not in table().titles:
        if isolate:
            whole = compose(
                title, given, family, style=style, badge_name=badge_name, family_name_first=family_name_first
            )
            return f"{FSI}{whole}{PDI}"
        return compose(
            title, given, family, style=style, badge_name=badge_name, family_name_first=family_name_first
        )
    written = form(title, language, gender)
    shown = f"{FSI}{name}{PDI}" if isolate else name
    if language in table().after:
        # Joined in a sentence ("尊敬的Diallo女士"); on a badge a name in another script keeps a space.
        cjk = family_first(badge_name, "") if badge_name.strip() else family_first(given, family)
        close = style is NameStyle.FORMAL or cjk
        return f"{shown}{written}" if close else f"{shown} {written}"
    return f"{written} {shown}"


def choices(language: str) -> list[tuple[str, str]]:
    """The listed titles for a form's list in `language`: (code, "S.E. M. / S.E. Mme" …)."""
    shown: list[tuple[str, str]] = []
    for code in codes():
        forms = {form(code, language, g) for g in (_FEMALE, _MALE)}
        neutral = form(code, language)
        words = [neutral] + sorted(forms - {neutral})
        shown.append((code, " / ".join(words)))
    return shown


def current_language() -> str:
    """The language of the page or message being written (en outside a request)."""
    locale = get_locale() if has_app_context() else None
    return locale.language if locale is not None and locale.language in LANGUAGES else "en"


def participant_name(
    participant: Any,
    language: str | None = None,
    style: NameStyle = NameStyle.BADGE,
    isolate: bool = False,
) -> str:
    """A participant's name with their title in `language` (default: the current one): "Mme Amina DIALLO"."""
    style = NameStyle(style)
    return titled(
        participant.title or "",
        participant.given_name or "",
        participant.family_name or "",
        language or current_language(),
        participant.gender,
        style=style,
        badge_name=participant.badge_name or "",
        isolate=isolate,
        family_name_first=getattr(participant, "family_name_first", None),
    )
