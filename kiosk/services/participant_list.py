"""The List of participants as UN secretariats publish it, rendered to PDF with WeasyPrint.

Accredited participants, grouped by category (States Parties, States not parties, United Nations,
other international organizations, ICRC, non-governmental organizations, others), delegations in
alphabetical order within each (States by their name in the list's language), and in each
delegation the head of delegation first, then by function, then by family name. Names as protocol
prints them (badges.names, the badge style: "Ms. Amina DIALLO", "王小明先生"). In six languages:
headings, States (UN names, in that language's UN order), categories and functions in the list's
language; Arabic right to left.

Making the PDF is slow (WeasyPrint balancing two columns over every page: about 2 s for 50 people
on a busy 2-core machine, plus 1.3 s to import WeasyPrint once per process), so pages ask for it
through `prepare`: the PDF is kept on disk under the instance folder, named by a digest of the
HTML it is made from, so any change to what it shows (a participant, a delegation, the event, a
translation) names another file, and a missing one is made in a background thread while the page
says so. Every worker and server agrees on the name, so one of them making it serves them all.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from flask import render_template
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kiosk.models import Category, Delegation, Event, Participant, Status
from kiosk.services import collation, countries, dates, titles, vocabulary
from kiosk.services.errors import DomainError
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
#: The languages of the list: the six of the United Nations.
LANGUAGES = ("en", "fr", "es", "ar", "zh", "ru")
#: Languages written right to left.
RIGHT_TO_LEFT = frozenset({"ar"})
STATE_CATEGORIES = frozenset({Category.STATE_PARTY, Category.STATE_NOT_PARTY})
STYLESHEET = Path(__file__).resolve().parent.parent.parent / "static" / "css" / "list-of-participants.css"


def function_rank(function: str) -> int:
    """A function's place in a delegation: the protocol order of the listed functions, others last."""
    order = list(FUNCTIONS)
    code = function if function in FUNCTIONS else vocabulary.function_code(function) if function else None
    if code is None:
        text = function.casefold()
        code = next((c for words, c in FREE_TEXT_RANKS if any(w in text for w in words)), None)
    return order.index(code) if code in order else len(order)


class UnknownLanguage(DomainError):
    code, status, title = "unknown_language", 400, "Unknown language"


class ListNotMade(DomainError):
    code, status, title = "list_not_made", 503, "List not made"


def check_language(language: str) -> str:
    """`language` if the list exists in it; otherwise UnknownLanguage with a sentence."""
    if language in LANGUAGES:
        return language
    raise UnknownLanguage(
        gettext(
            "The List of participants exists in English (en), French (fr), Spanish (es), Arabic (ar), "
            "Chinese (zh) and Russian (ru); “%(language)s” is not one of them.",
            language=language[:20],
        )
    )


def listed_name(participant: Participant, language: str) -> str:
    """The name with its title as the list in `language` prints it: "Mme Amina DIALLO", "王小明先生"."""
    return titles.participant_name(participant, language)


def function_in(function: str, language: str, known: dict[str, str | None], gender: Any = None) -> str:
    """A function in the list's language: a listed one (as its code or its name in any of the six
    languages) in `language` and for the person's gender, free text as typed; `known` keeps what was
    already looked up."""
    if not function:
        return ""
    if function not in known:
        known[function] = vocabulary.function_code(function)
    code = known[function]
    return vocabulary.function_label(code, language, gender) if code else function


def delegation_order(delegation: ListedDelegation, language: str) -> tuple:
    """A delegation's place in its section: States in the UN order of `language`, then the others
    alphabetically in that language."""
    order = _state_order(language)
    if delegation.country in order:
        return (0, order[delegation.country], None)
    return (1, 0, collation.key(delegation.name, language))


@cache
def _state_order(language: str) -> dict[str, int]:
    return {code: rank for rank, code in enumerate(countries._table()["order"][language])}


@dataclass
class ListedDelegation:
    """One delegation of the list with its members in protocol order."""

    name: str
    members: list[tuple[str, str]]  # (name as printed, function)
    country: str | None = None  # the State's code, for the UN order; None for others


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
    known: dict[str, str | None] = {}  # function as typed → its code, once per distinct text
    for delegation in delegations:
        people = [p for p in delegation.participants if p.status == Status.ACCREDITED]
        if not people:
            continue
        people.sort(
            key=lambda p: (
                function_rank(p.function),
                collation.key(p.family_name, language),
                collation.key(p.given_name, language),
            )
        )
        name = countries.label(delegation, language)
        by_category.setdefault(delegation.category, []).append(
            ListedDelegation(
                name=name,
                members=[
                    (listed_name(p, language), function_in(p.function, language, known, p.gender))
                    for p in people
                ],
                country=delegation.country.upper()
                if delegation.country and delegation.category in STATE_CATEGORIES
                else None,
            )
        )
    result = []
    with force_locale(language):
        for category, title in SECTIONS:
            listed = sorted(by_category.get(category, []), key=lambda d: delegation_order(d, language))
            if listed:
                result.append(Section(category=category, title=str(title), delegations=listed))
    return result


def count(listed: list[Section]) -> int:
    """How many people the list names."""
    return sum(len(d.members) for s in listed for d in s.delegations)


def document(session: Session, event: Event, language: str = "en") -> tuple[str, str]:
    """The list's HTML and its page-number stylesheet: everything the PDF is made from."""
    language = check_language(language)
    listed = sections(session, event, language)
    with force_locale(language):
        html = render_template(
            "dashboard/list_of_participants.html",
            event=event,
            sections=listed,
            total=count(listed),
            language=language,
            direction="rtl" if language in RIGHT_TO_LEFT else "ltr",
            dates=dates.format_days(event.starts_on, event.ends_on, language),
        )
        folio = gettext("Page %(page)d of %(pages)d", page=_PAGE, pages=_PAGES)
    return html, "@page { @bottom-center { content: " + _css_content(folio) + "; } }"


#: Stand-ins for the page numbers in the translated folio ("第 %(page)d 页，共 %(pages)d 页").
_PAGE, _PAGES = 987654321, 987654322


def _css_content(folio: str) -> str:
    """The folio as a CSS `content` value: its words quoted, the numbers as the page counters."""
    parts = re.split(f"({_PAGE}|{_PAGES})", folio)
    counters = {str(_PAGE): "counter(page)", str(_PAGES): "counter(pages)"}
    words = (part.replace("\\", "").replace('"', "") for part in parts if part)
    return " ".join(counters.get(word) or f'"{word}"' for word in words)


def pdf_from(html: str, folios: str) -> bytes:
    """The PDF of a list's HTML (A4, page numbers, every script shaped): the slow part."""
    from weasyprint import CSS, HTML  # imported here: WeasyPrint loads Pango, which only this needs

    return HTML(string=html, base_url=str(STYLESHEET.parent)).write_pdf(
        stylesheets=[CSS(filename=STYLESHEET), CSS(string=folios)]
    )


def render_pdf(session: Session, event: Event, language: str = "en") -> bytes:
    """The List of participants of `event` as a PDF, made now (the CLI; pages use `prepare`)."""
    return pdf_from(*document(session, event, language))


# The kept PDFs

#: A build that has not finished after this long is taken as dead (its worker stopped) and redone.
STALE_BUILD_SECONDS = 300
#: After a failed build, pages say so for this long before the next request tries again.
FAILED_BUILD_SECONDS = 60
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    """Where a list stands: `path` is the PDF when `ready`, else being made in the background."""

    ready: bool
    path: Path


def digest(html: str, folios: str) -> str:
    """The name of what a list shows: its HTML, page numbers, stylesheet and WeasyPrint's version."""
    import weasyprint

    made_from = "\0".join((html, folios, STYLESHEET.read_text(encoding="utf-8"), weasyprint.__version__))
    return hashlib.sha256(made_from.encode()).hexdigest()[:32]


def prepare(session: Session, event: Event, language: str, folder: Path) -> Prepared:
    """The kept PDF of the list as it is now, or start making it in the background (once, for every
    worker and server sharing `folder`): ready at once when nothing it shows has changed."""
    html, folios = document(session, event, language)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{event.id}-{language}-"
    path = folder / f"{stem}{digest(html, folios)}.pdf"
    if path.exists():
        return Prepared(ready=True, path=path)
    failed = path.with_suffix(".failed")
    if failed.exists() and time.time() - failed.stat().st_mtime < FAILED_BUILD_SECONDS:
        raise ListNotMade(gettext("The List of participants could not be made; the server log says why."))
    lock = path.with_suffix(".building")
    if lock.exists() and time.time() - lock.stat().st_mtime > STALE_BUILD_SECONDS:
        lock.unlink(missing_ok=True)
    try:
        os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return Prepared(ready=False, path=path)  # another worker or server is making it
    threading.Thread(target=_build, args=(html, folios, path, lock, stem), daemon=True).start()
    return Prepared(ready=False, path=path)


def _build(html: str, folios: str, path: Path, lock: Path, stem: str) -> None:
    """Make the PDF into `path` (whole or not at all), then drop the older ones of the same list."""
    try:
        partial = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.part")
        partial.write_bytes(pdf_from(html, folios))
        os.replace(partial, path)
        for old in path.parent.glob(f"{stem}*.pdf"):
            if old != path:
                old.unlink(missing_ok=True)
    except Exception:  # said to the waiting page for a while (ListNotMade), then tried again
        log.exception("The List of participants could not be made")
        path.with_suffix(".failed").touch()
    finally:
        lock.unlink(missing_ok=True)
