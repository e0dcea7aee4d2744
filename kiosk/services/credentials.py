"""The credentials report a secretariat submits to a Meeting of States Parties.

For every State Party: what the secretariat has accepted (formal credentials in original, formal
credentials in copy, a note verbale or a letter only, or nothing), the date and the authority of
that document, and how many representatives it names; then the States not parties and the
observers (the United Nations, other organizations, the ICRC, NGOs), separately. Only documents the
secretariat has accepted count: one awaiting review is shown as such on the live page, not in the
report. As a memorandum (PDF, English or French, like the List of participants), XLSX and JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from kiosk.models import (
    ACTIVE_STATUSES,
    Authority,
    Category,
    CredentialDocument,
    Decision,
    Delegation,
    DocumentKind,
    Event,
)
from kiosk.models.base import utcnow
from kiosk.services import collation, countries, dates, exports
from kiosk.services.participant_list import LANGUAGES, STYLESHEET
from kiosk.services.vocabulary import AUTHORITY_LABELS

#: What was received, from the strongest to nothing (the report's columns, in this order).
ORIGINAL, COPY, NOTE, NOTHING = "original", "copy", "note", "none"
STANDINGS = (ORIGINAL, COPY, NOTE, NOTHING)
STANDING_LABELS: dict[str, Any] = {
    ORIGINAL: _l("Formal credentials (original)"),
    COPY: _l("Formal credentials (copy)"),
    NOTE: _l("Note verbale or letter only"),
    NOTHING: _l("Nothing received"),
}
#: The report's groups of delegations.
GROUPS = (
    ("states_parties", _l("States Parties")),
    ("states_not_parties", _l("States not parties")),
    ("observers", _l("Observers")),
)


def group_of(category: Category) -> str:
    """Which group of the report a delegation belongs to."""
    if category == Category.STATE_PARTY:
        return "states_parties"
    if category == Category.STATE_NOT_PARTY:
        return "states_not_parties"
    return "observers"


def standing_of(document: CredentialDocument | None) -> str:
    """What one accepted document amounts to."""
    if document is None:
        return NOTHING
    if document.kind == DocumentKind.CREDENTIALS:
        return ORIGINAL if document.original else COPY
    return NOTE


@dataclass
class Line:
    """One delegation of the report."""

    delegation_id: int
    name: str
    standing: str
    issued_on: date | None
    authority: Authority | None
    reference: str
    representatives: int
    awaiting_review: int


@dataclass
class Report:
    """The report: its groups of lines, in alphabetical order, and the counts of States Parties."""

    event: Event
    language: str
    groups: dict[str, list[Line]] = field(default_factory=dict)

    def counts(self, group: str = "states_parties") -> dict[str, int]:
        """How many delegations of the group are at each standing, and in all."""
        lines = self.groups.get(group, [])
        figures = {standing: sum(1 for line in lines if line.standing == standing) for standing in STANDINGS}
        figures["total"] = len(lines)
        return figures

    @property
    def awaiting_review(self) -> int:
        return sum(line.awaiting_review for lines in self.groups.values() for line in lines)


def build(session: Session, event: Event, language: str = "en") -> Report:
    """The credentials report of `event`, delegation names in `language`."""
    delegations = session.execute(select(Delegation).where(Delegation.event_id == event.id)).scalars().all()
    documents = session.execute(
        select(CredentialDocument)
        .where(CredentialDocument.event_id == event.id)
        .options(selectinload(CredentialDocument.participants))
    ).scalars()
    accepted: dict[int, list[CredentialDocument]] = {}
    waiting: dict[int, int] = {}
    for document in documents:
        if document.decision == Decision.ACCEPTED:
            accepted.setdefault(document.delegation_id, []).append(document)
        elif document.decision == Decision.PENDING:
            waiting[document.delegation_id] = waiting.get(document.delegation_id, 0) + 1
    report = Report(event=event, language=language, groups={key: [] for key, _title in GROUPS})
    for delegation in delegations:
        held = accepted.get(delegation.id, [])
        # The strongest document, the most recent of its standing.
        best = min(
            held,
            key=lambda d: (STANDINGS.index(standing_of(d)), -(d.issued_on or date.min).toordinal(), -d.id),
            default=None,
        )
        named = {p.id for d in held for p in d.participants if p.status in ACTIVE_STATUSES}
        report.groups[group_of(delegation.category)].append(
            Line(
                delegation_id=delegation.id,
                name=countries.label(delegation, language),
                standing=standing_of(best),
                issued_on=best.issued_on if best else None,
                authority=best.authority if best else None,
                reference=best.reference if best else "",
                representatives=len(named),
                awaiting_review=waiting.get(delegation.id, 0),
            )
        )
    for lines in report.groups.values():
        lines.sort(key=lambda line: collation.key(line.name, language))
    return report


def awaiting_review(session: Session, event: Event) -> int:
    """How many documents of the event wait for the secretariat's review."""
    return session.execute(
        select(func.count())
        .select_from(CredentialDocument)
        .where(CredentialDocument.event_id == event.id, CredentialDocument.decision == Decision.PENDING)
    ).scalar_one()


def as_json(report: Report) -> dict[str, Any]:
    """The report for the API."""
    return {
        "event": report.event.slug,
        "counts": report.counts(),
        "awaiting_review": report.awaiting_review,
        **{
            group: [
                {
                    "delegation_id": line.delegation_id,
                    "name": line.name,
                    "received": line.standing,
                    "issued_on": line.issued_on.isoformat() if line.issued_on else None,
                    "authority": line.authority.value if line.authority else None,
                    "reference": line.reference,
                    "representatives": line.representatives,
                    "awaiting_review": line.awaiting_review,
                }
                for line in lines
            ]
            for group, lines in report.groups.items()
        },
    }


def day(line: Line, language: str) -> str:
    """The document's date as the report prints it."""
    return dates.format_day(line.issued_on, language) if line.issued_on else ""


def authority_label(line: Line) -> str:
    return str(AUTHORITY_LABELS[line.authority.value]) if line.authority else ""


def render_pdf(session: Session, event: Event, language: str = "en") -> bytes:
    """The report as a short memorandum (A4): the counts, then the lists."""
    from weasyprint import CSS, HTML  # imported here: WeasyPrint loads Pango, which only this needs

    language = language if language in LANGUAGES else "en"
    report = build(session, event, language)
    with force_locale(language):
        html = render_template(
            "dashboard/credentials_report_pdf.html",
            event=event,
            report=report,
            groups=[(key, str(title)) for key, title in GROUPS],
            standings=[(key, str(STANDING_LABELS[key])) for key in STANDINGS],
            day=lambda line: day(line, language),
            authority=authority_label,
            standing_label=lambda key: str(STANDING_LABELS[key]),
            language=language,
            today=dates.format_day(utcnow().astimezone(event.tz).date(), language),
            dates=dates.format_days(event.starts_on, event.ends_on, language),
        )
    return HTML(string=html, base_url=str(STYLESHEET.parent)).write_pdf(
        stylesheets=[CSS(filename=STYLESHEET), CSS(filename=STYLESHEET.parent / "credentials-report.css")]
    )


def to_table(report: Report) -> exports.Table:
    """The report as one table: a row per delegation, its group first."""
    rows = []
    with force_locale(report.language):
        for key, title in GROUPS:
            for line in report.groups[key]:
                rows.append(
                    [
                        str(title),
                        line.name,
                        str(STANDING_LABELS[line.standing]),
                        line.issued_on.isoformat() if line.issued_on else "",
                        authority_label(line),
                        line.reference,
                        line.representatives,
                        line.awaiting_review,
                    ]
                )
    header = [
        "group",
        "delegation",
        "received",
        "date",
        "authority",
        "reference",
        "representatives",
        "awaiting_review",
    ]
    return exports.Table(title="credentials", header=header, rows=rows)


def to_text(report: Report) -> str:
    """The report as plain text (the CLI)."""
    counts = report.counts()
    out = [
        f"Credentials report — {report.event.title}",
        f"States Parties: {counts['total']}; formal credentials in original: {counts[ORIGINAL]}, "
        f"in copy: {counts[COPY]}; note verbale or letter only: {counts[NOTE]}; nothing: {counts[NOTHING]}.",
    ]
    if report.awaiting_review:
        out.append(f"Documents awaiting review (not counted): {report.awaiting_review}.")
    for key, title in GROUPS:
        lines = report.groups[key]
        if not lines:
            continue
        out.append("")
        out.append(f"{title} ({len(lines)})")
        for line in lines:
            details = ", ".join(
                x for x in (day(line, report.language), authority_label(line), line.reference) if x
            )
            out.append(
                f"  {line.name}: {STANDING_LABELS[line.standing]}"
                + (f" ({details})" if details else "")
                + f"; representatives named: {line.representatives}"
            )
    return "\n".join(out)
