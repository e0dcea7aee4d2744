"""The List of participants as UN secretariats publish it, rendered to PDF with WeasyPrint.

Accredited participants, grouped by category (States Parties, States not parties, United Nations,
other international organizations, ICRC, non-governmental organizations, others), delegations in
alphabetical order within each (States by their name in the list's language), and in each
delegation the head of delegation first, then by function, then by family name.
"""

from __future__ import annotations

import gettext
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pycountry
from babel.dates import format_date
from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kiosk.models import STATE_CATEGORIES, Category, Delegation, Event, Status
from kiosk.services import badging

#: The list's sections, in the order the protocol prints them.
SECTIONS = (
    (Category.STATE_PARTY, _l("States Parties")),
    (Category.STATE_NOT_PARTY, _l("States not parties (observers)")),
    (Category.UNITED_NATIONS, _l("United Nations")),
    (Category.IGO, _l("Other international organizations")),
    (Category.ICRC, _l("International Committee of the Red Cross")),
    (Category.NGO, _l("Non-governmental organizations")),
    (Category.OTHER, _l("Others")),
)
#: Words that place a function in the protocol's order (English and French); the first match wins.
FUNCTION_RANKS = (
    (("deputy head", "chef adjoint", "cheffe adjointe", "adjoint", "adjointe", "deputy"), 1),
    (("head of delegation", "chef de la délégation", "cheffe de la délégation", "chef de délégation"), 0),
    (("alternate", "suppléant", "suppléante"), 2),
    (("delegate", "délégué", "déléguée", "representative", "représentant", "représentante"), 3),
    (("adviser", "advisor", "conseiller", "conseillère"), 4),
    (("expert", "experte"), 5),
)
LANGUAGES = ("en", "fr")
STYLESHEET = Path(__file__).resolve().parent.parent.parent / "static" / "css" / "list-of-participants.css"


def function_rank(function: str) -> int:
    """A function's place: head 0, deputy 1, alternate 2, delegate 3, adviser 4, expert 5, others 6."""
    text = function.casefold()
    for words, rank in FUNCTION_RANKS:
        if any(word in text for word in words):
            return rank
    return 6


def sort_key(text: str) -> str:
    """Alphabetical order that ignores accents and case (É sorts with E)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@cache
def _country_names(language: str) -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True)


def delegation_name(delegation: Delegation, language: str) -> str:
    """A delegation's name in the list's language: States by their country name, others as registered."""
    if language != "en" and delegation.category in STATE_CATEGORIES and delegation.country:
        country = pycountry.countries.get(alpha_2=delegation.country)
        if country is not None:
            return _country_names(language).gettext(country.name)
    return delegation.name


@dataclass
class ListedDelegation:
    """One delegation of the list with its members in protocol order."""

    name: str
    members: list[tuple[str, str]]  # (name as printed, function)


@dataclass
class Section:
    """One category of the list."""

    category: Category
    title: str
    delegations: list[ListedDelegation] = field(default_factory=list)


def sections(session: Session, event: Event, language: str = "en") -> list[Section]:
    """The list's sections with their delegations and accredited members, in order; empty ones left out."""
    delegations = session.execute(
        select(Delegation)
        .where(Delegation.event_id == event.id)
        .options(selectinload(Delegation.participants))
    ).scalars()
    by_category: dict[Category, list[ListedDelegation]] = {}
    for delegation in delegations:
        people = [p for p in delegation.participants if p.status == Status.ACCREDITED]
        if not people:
            continue
        people.sort(
            key=lambda p: (function_rank(p.function), sort_key(p.family_name), sort_key(p.given_name))
        )
        name = delegation_name(delegation, language)
        by_category.setdefault(delegation.category, []).append(
            ListedDelegation(name=name, members=[(badging.printed_name(p), p.function) for p in people])
        )
    result = []
    with force_locale(language):
        for category, title in SECTIONS:
            listed = sorted(by_category.get(category, []), key=lambda d: sort_key(d.name))
            if listed:
                result.append(Section(category=category, title=str(title), delegations=listed))
    return result


def count(listed: list[Section]) -> int:
    """How many people the list names."""
    return sum(len(d.members) for s in listed for d in s.delegations)


def event_dates(event: Event, language: str) -> str:
    """The event's days in the list's language, e.g. "18–20 June 2024" or "18–20 juin 2024"."""
    start, end = event.starts_on, event.ends_on
    last = format_date(end, "d MMMM y", locale=language)
    if start == end:
        return last
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{last}"
    return f"{format_date(start, 'd MMMM', locale=language)} – {last}"


def render_pdf(session: Session, event: Event, language: str = "en") -> bytes:
    """The List of participants of `event` as a PDF (A4, page numbers, every script shaped)."""
    from weasyprint import CSS, HTML  # imported here: WeasyPrint loads Pango, which only this needs

    language = language if language in LANGUAGES else "en"
    listed = sections(session, event, language)
    with force_locale(language):
        html = render_template(
            "dashboard/list_of_participants.html",
            event=event,
            sections=listed,
            total=count(listed),
            language=language,
            dates=event_dates(event, language),
        )
        page = str(_l("Page")).replace("\\", "").replace('"', "")
    folios = CSS(
        string=f'@page {{ @bottom-center {{ content: "{page} " counter(page) " / " counter(pages); }} }}'
    )
    return HTML(string=html, base_url=str(STYLESHEET.parent)).write_pdf(
        stylesheets=[CSS(filename=STYLESHEET), folios]
    )
