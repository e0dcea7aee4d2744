"""The List of participants as UN secretariats publish it, rendered to PDF with WeasyPrint.

Accredited participants, grouped by category (States Parties, States not parties, United Nations,
other international organizations, ICRC, non-governmental organizations, others), delegations in
alphabetical order within each (States by their name in the list's language), and in each
delegation the head of delegation first, then by function, then by family name. Names as protocol
prints them (badges.names, the badge style: "Ms. Amina DIALLO", "王小明先生").
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kiosk.models import Category, Delegation, Event, Status
from kiosk.services import countries, dates, titles, vocabulary
from kiosk.services.vocabulary import FUNCTIONS

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
#: Free-text functions placed by their words (English and French) among the listed ones.
FREE_TEXT_RANKS = (
    (("deputy", "adjoint", "adjointe"), "deputy_head_of_delegation"),
    (("head", "chef", "cheffe"), "head_of_delegation"),
    (("alternate", "suppléant", "suppléante"), "alternate_representative"),
    (("representative", "représentant", "représentante"), "representative"),
    (("delegate", "délégué", "déléguée"), "delegate"),
    (("adviser", "advisor", "conseiller", "conseillère"), "adviser"),
    (("expert", "experte"), "expert"),
)
LANGUAGES = ("en", "fr")
STYLESHEET = Path(__file__).resolve().parent.parent.parent / "static" / "css" / "list-of-participants.css"


def function_rank(function: str) -> int:
    """A function's place in a delegation: the protocol order of the listed functions, others last."""
    order = list(FUNCTIONS)
    code = function if function in FUNCTIONS else vocabulary.function_code(function) if function else None
    if code is None:
        text = function.casefold()
        code = next((c for words, c in FREE_TEXT_RANKS if any(w in text for w in words)), None)
    return order.index(code) if code in order else len(order)


def sort_key(text: str) -> str:
    """Alphabetical order that ignores accents and case (É sorts with E)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


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
        name = countries.delegation_name(delegation.name, delegation.category, delegation.country, language)
        by_category.setdefault(delegation.category, []).append(
            ListedDelegation(
                name=name,
                members=[
                    (
                        titles.participant_name(p, language),
                        vocabulary.function_label(p.function, language, p.gender),
                    )
                    for p in people
                ],
            )
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
            dates=dates.format_days(event.starts_on, event.ends_on, language),
        )
        page = str(_l("Page")).replace("\\", "").replace('"', "")
    folios = CSS(
        string=f'@page {{ @bottom-center {{ content: "{page} " counter(page) " / " counter(pages); }} }}'
    )
    return HTML(string=html, base_url=str(STYLESHEET.parent)).write_pdf(
        stylesheets=[CSS(filename=STYLESHEET), folios]
    )
