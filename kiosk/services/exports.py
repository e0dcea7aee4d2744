"""Exports for the secretariat: participants, delegations, scans and the gender balance, as CSV or XLSX.

Each table is in words, in the organizer's language (the page's): column titles, categories,
genders, statuses, States by their UN names, dates as `dates.machine_moment` writes them. The codes
a program reads (category, country, gender, status …) follow in columns of their own, headed by
their stable machine names ("category_code"), the same in every language.

A cell a spreadsheet would run as a formula (text starting with =, +, -, @, a tab or a carriage
return) is neutralised: prefixed with an apostrophe in CSV, stored as plain text in XLSX.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import openpyxl
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext, pgettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from badges.names import NameStyle, compose
from kiosk.models import Checkpoint, Delegation, Direction, Event, Participant, Scan, ScanResult
from kiosk.services import collation, countries, events, identity_details, live_figures, titles
from kiosk.services.dates import machine_moment
from kiosk.services.door import REASON_TEXT
from kiosk.services.fields import CHOICE_LABELS
from kiosk.services.vocabulary import (
    CATEGORY_LABELS,
    FUNCTIONS,
    GENDER_LABELS,
    MODE_LABELS,
    STATUS_LABELS,
    function_label,
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATASETS = ("participants", "delegations", "scans", "gender")
FORMATS = ("csv", "xlsx")
#: The one content type of every CSV the product sends (Flask must not add a second charset).
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

DIRECTION_WORDS: dict[str, Any] = {Direction.IN.value: _l("In"), Direction.OUT.value: _l("Out")}
RESULT_WORDS: dict[str, Any] = {
    ScanResult.ACCEPTED.value: lazy_pgettext("scan result", "Accepted"),
    ScanResult.REFUSED.value: lazy_pgettext("scan result", "Refused"),
}


@dataclass
class Table:
    """A header row in words, the machine name of each column (`keys`) and the rows under them."""

    title: str
    header: list[str]
    rows: list[list[Any]]
    keys: list[str] = field(default_factory=list)


def _table(title: str, columns: Sequence[tuple[str, Any]], rows: list[list[Any]]) -> Table:
    """A table whose columns are (machine name, title in words); code columns are titled by name."""
    header = [str(label) if label is not None else key for key, label in columns]
    return Table(title, header, rows, [key for key, _label in columns])


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would read as a formula, made harmless for CSV (an apostrophe first)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _when(value: datetime | None, event: Event) -> str:
    return machine_moment(value, event.tz) if value else ""


def _words(labels: dict[str, Any], value: Any) -> str:
    """The word for a coded value (an enum or its code), or the value itself if it has none."""
    code = getattr(value, "value", value)
    if code is None:
        return ""
    word = labels.get(code)
    return str(word) if word is not None else str(code)


def _code(value: Any) -> Any:
    code = getattr(value, "value", value)
    return "" if code is None else code


def participants(session: Session, event: Event, *, with_identity: bool = False) -> Table:
    """Every participant of the event with their delegation, in the alphabetical order (in the page's
    language) of the delegation names shown, then of family and given names.

    Identity details (services/identity_details.py) only with `with_identity`: an organizer's explicit choice.
    """
    rows = session.execute(
        select(Participant, Delegation)
        .join(Delegation, Delegation.id == Participant.delegation_id)
        .where(Participant.event_id == event.id)
        .order_by(Participant.id)
    ).all()
    language = titles.current_language()
    ranks = {
        d.id: rank
        for rank, d in enumerate(countries.by_label({d.id: d for _p, d in rows}.values(), language))
    }
    rows = sorted(
        rows,
        key=lambda row: (
            ranks[row[1].id],
            collation.key(row[0].family_name, language),
            collation.key(row[0].given_name, language),
        ),
    )
    columns = [
        ("reference", _("Reference")),
        ("delegation", _("Delegation")),
        ("category", _("Category")),
        ("country", _("Country")),
        ("title", pgettext("honorific", "Title")),
        ("given_name", _("Given name")),
        ("family_name", _("Family name")),
        ("function", _("Function")),
        ("gender", _("Gender")),
        ("email", _("E-mail")),
        ("mode", _("Participation")),
        ("language", _("Language")),
        ("status", _("Status")),
        ("registered_at", _("Registered")),
        ("status_changed_at", _("Status changed")),
        ("id", None),
        ("category_code", None),
        ("country_code", None),
        ("title_code", None),
        ("family_name_first", None),
        ("function_code", None),
        ("gender_code", None),
        ("mode_code", None),
        ("language_code", None),
        ("status_code", None),
    ]
    listed_titles = set(titles.codes())
    body = [
        [
            p.reference,
            countries.label(d),
            _words(CATEGORY_LABELS, d.category),
            countries.country_name(d.country) if d.country else "",
            titles.form(p.title, language, p.gender) if p.title else "",
            p.given_name,
            p.family_name,
            function_label(p.function, language, p.gender) if p.function else "",
            _words(GENDER_LABELS, p.gender),
            p.email,
            _words(MODE_LABELS, p.mode),
            _words(CHOICE_LABELS["language"], p.language),
            _words(STATUS_LABELS, p.status),
            _when(p.created_at, event),
            _when(p.status_changed_at, event),
            p.id,
            _code(d.category),
            d.country or "",
            p.title if p.title in listed_titles else "",
            "" if p.family_name_first is None else ("yes" if p.family_name_first else "no"),
            p.function if p.function in FUNCTIONS else "",
            _code(p.gender),
            _code(p.mode),
            p.language or "",
            _code(p.status),
        ]
        for p, d in rows
    ]
    if with_identity:
        found = identity_details.of_event(session, event)
        columns += [(name, identity_details.LABELS[name]) for name in identity_details.FIELDS]
        for row, (p, _d) in zip(body, rows, strict=True):
            values = found[p.id].values() if p.id in found else {}
            row.extend(values.get(name, "") for name in identity_details.FIELDS)
    return _table(_("Participants"), columns, body)


def delegations(session: Session, event: Event) -> Table:
    """Every delegation with its cap, places used and focal point, in the alphabetical order (in the
    page's language) of the names shown."""
    used = events.places_used_by_delegation(session, event.id)
    rows = countries.by_label(
        session.execute(select(Delegation).where(Delegation.event_id == event.id)).scalars()
    )
    columns = [
        ("name", _("Delegation")),
        ("category", _("Category")),
        ("country", _("Country")),
        ("cap", _("Cap")),
        ("places_used", _("Places used")),
        ("focal_point_name", _("Focal point")),
        ("focal_point_email", _("Focal point's e-mail")),
        ("id", None),
        ("registered_name", None),
        ("category_code", None),
        ("country_code", None),
    ]
    body = [
        [
            countries.label(d),
            _words(CATEGORY_LABELS, d.category),
            countries.country_name(d.country) if d.country else "",
            d.cap,
            used.get(d.id, 0),
            d.focal_point_name,
            d.focal_point_email,
            d.id,
            d.name,
            d.category.value,
            d.country or "",
        ]
        for d in rows
    ]
    return _table(_("Delegations"), columns, body)


def scans(session: Session, event: Event) -> Table:
    """Every scan at the doors, oldest first, with the checkpoint and the person."""
    columns = [
        ("scanned_at", _("Scanned")),
        ("checkpoint", _("Checkpoint")),
        ("name", _("Name")),
        ("delegation", _("Delegation")),
        ("direction", _("Direction")),
        ("result", _("Result")),
        ("reason", _("Reason")),
        ("device", _("Device")),
        ("offline", _("Offline")),
        ("participant_id", None),
        ("direction_code", None),
        ("result_code", None),
        ("reason_code", None),
    ]
    rows = session.execute(
        select(
            Scan,
            Checkpoint.name,
            Participant.given_name,
            Participant.family_name,
            Participant.family_name_first,
            Delegation,
        )
        .join(Checkpoint, Checkpoint.id == Scan.checkpoint_id)
        .outerjoin(Participant, Participant.id == Scan.participant_id)
        .outerjoin(Delegation, Delegation.id == Participant.delegation_id)
        .where(Scan.event_id == event.id)
        .order_by(Scan.scanned_at, Scan.id)
    ).all()
    body = [
        [
            _when(scan.scanned_at, event),
            checkpoint,
            compose("", given or "", family or "", NameStyle.SENTENCE, family_name_first=first),
            countries.label(delegation) if delegation else "",
            _words(DIRECTION_WORDS, scan.direction),
            _words(RESULT_WORDS, scan.result),
            _words(REASON_TEXT, scan.reason),
            scan.device,
            _("Yes") if scan.offline else _("No"),
            scan.participant_id,
            _code(scan.direction),
            _code(scan.result),
            _code(scan.reason),
        ]
        for scan, checkpoint, given, family, first, delegation in rows
    ]
    return _table(_("Scans"), columns, body)


def gender(session: Session, event: Event) -> Table:
    """Registered participants by gender: all, per category, per delegation (from the counters)."""
    figures = live_figures.snapshot(session, event)["gender"]
    columns = [("group", _("Group"))]
    columns += [(g, GENDER_LABELS[g]) for g in live_figures.GENDERS]
    columns += [("total", _("Total")), ("female_percent", _("Women (%)")), ("group_code", None)]
    names = {
        d.id: countries.label(d)
        for d in session.execute(select(Delegation).where(Delegation.event_id == event.id)).scalars()
    }

    def line(label: str, counts: dict[str, int], code: Any) -> list[Any]:
        values = [counts.get(g, 0) for g in live_figures.GENDERS]
        total = sum(values)
        return [label, *values, total, round(100 * values[0] / total) if total else "", code]

    body = [line(_("All participants"), figures["overall"], "all")]
    body += [
        line(_words(CATEGORY_LABELS, category), counts, category)
        for category, counts in figures["by_category"].items()
        if any(counts.values())
    ]
    body += [line(names.get(d["id"], d["name"]), d, d["id"]) for d in figures["by_delegation"]]
    return _table(_("Gender balance"), columns, body)


BUILDERS = {"participants": participants, "delegations": delegations, "scans": scans, "gender": gender}


def build(session: Session, event: Event, dataset: str, *, with_identity: bool = False) -> Table:
    """One of DATASETS for `event`; the participants with identity details only if asked by name."""
    if with_identity:
        if dataset != "participants":
            raise ValueError("identity details are exported with the participants only")
        return participants(session, event, with_identity=True)
    return BUILDERS[dataset](session, event)


def to_csv(table: Table) -> bytes:
    """The table as UTF-8 CSV (with a byte-order mark, so Excel reads accents), formulas neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.header)
    writer.writerows([neutralise(v) for v in row] for row in table.rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    """The table as an XLSX workbook of one sheet; text is always stored as text, never as a formula."""
    book = openpyxl.Workbook(write_only=False)
    sheet = book.active
    sheet.title = table.title[:31] or "Sheet"
    _append(sheet, table.header)
    for row in table.rows:
        _append(sheet, row)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _append(sheet: Any, values: Sequence[Any]) -> None:
    sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        if cell.data_type == "f":  # openpyxl took text starting with "=" for a formula
            cell.data_type = "s"
