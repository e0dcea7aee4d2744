"""Exports for the secretariat: participants, delegations, scans and the gender balance, as CSV or XLSX.

A cell a spreadsheet would run as a formula (text starting with =, +, -, @, a tab or a carriage
return) is neutralised: prefixed with an apostrophe in CSV, stored as plain text in XLSX.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import openpyxl
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from badges.names import NameStyle, compose
from kiosk.models import Checkpoint, Delegation, Event, Participant, Scan
from kiosk.services import events, live_figures

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATASETS = ("participants", "delegations", "scans", "gender")
FORMATS = ("csv", "xlsx")


@dataclass
class Table:
    """A header row and the rows under it."""

    title: str
    header: list[str]
    rows: list[list[Any]]


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would read as a formula, made harmless for CSV (an apostrophe first)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cell(value: Any, event: Event) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(event.tz).strftime("%Y-%m-%d %H:%M:%S")
    return getattr(value, "value", value)


def participants(session: Session, event: Event) -> Table:
    """Every participant of the event with their delegation, in delegation and name order."""
    rows = session.execute(
        select(Participant, Delegation)
        .join(Delegation, Delegation.id == Participant.delegation_id)
        .where(Participant.event_id == event.id)
        .order_by(Delegation.name, Participant.family_name, Participant.given_name, Participant.id)
    ).all()
    header = [
        "id",
        "reference",
        "delegation",
        "category",
        "country",
        "title",
        "given_name",
        "family_name",
        "function",
        "gender",
        "email",
        "mode",
        "language",
        "status",
        "registered_at",
        "status_changed_at",
    ]
    body = [
        [
            _cell(v, event)
            for v in (
                p.id,
                p.reference,
                d.name,
                d.category,
                d.country or "",
                p.title,
                p.given_name,
                p.family_name,
                p.function,
                p.gender,
                p.email,
                p.mode,
                p.language,
                p.status,
                p.created_at,
                p.status_changed_at,
            )
        ]
        for p, d in rows
    ]
    return Table(_("Participants"), header, body)


def delegations(session: Session, event: Event) -> Table:
    """Every delegation with its cap, places used and focal point."""
    used = events.places_used_by_delegation(session, event.id)
    rows = session.execute(
        select(Delegation).where(Delegation.event_id == event.id).order_by(Delegation.name)
    ).scalars()
    header = [
        "id",
        "name",
        "category",
        "country",
        "cap",
        "places_used",
        "focal_point_name",
        "focal_point_email",
    ]
    body = [
        [d.id, d.name, d.category.value, d.country or "", d.cap, used.get(d.id, 0)]
        + [d.focal_point_name, d.focal_point_email]
        for d in rows
    ]
    return Table(_("Delegations"), header, body)


def scans(session: Session, event: Event) -> Table:
    """Every scan at the doors, oldest first, with the checkpoint and the person."""
    header = [
        "scanned_at",
        "checkpoint",
        "participant_id",
        "name",
        "delegation",
        "direction",
        "result",
        "reason",
    ]
    header += ["device", "offline"]
    rows = session.execute(
        select(
            Scan,
            Checkpoint.name,
            Participant.given_name,
            Participant.family_name,
            Participant.family_name_first,
            Delegation.name,
        )
        .join(Checkpoint, Checkpoint.id == Scan.checkpoint_id)
        .outerjoin(Participant, Participant.id == Scan.participant_id)
        .outerjoin(Delegation, Delegation.id == Participant.delegation_id)
        .where(Scan.event_id == event.id)
        .order_by(Scan.scanned_at, Scan.id)
    ).all()
    body = [
        [
            _cell(scan.scanned_at, event),
            checkpoint,
            scan.participant_id,
            compose("", given or "", family or "", NameStyle.SENTENCE, family_name_first=first),
            delegation or "",
            _cell(scan.direction, event),
            _cell(scan.result, event),
            _cell(scan.reason, event) or "",
            scan.device,
            scan.offline,
        ]
        for scan, checkpoint, given, family, first, delegation in rows
    ]
    return Table(_("Scans"), header, body)


def gender(session: Session, event: Event) -> Table:
    """Registered participants by gender: all, per category, per delegation (from the counters)."""
    figures = live_figures.snapshot(session, event)["gender"]
    header = ["group", "female", "male", "other", "undisclosed", "total", "female_percent"]

    def line(label: str, counts: dict[str, int]) -> list[Any]:
        values = [counts.get(g, 0) for g in live_figures.GENDERS]
        total = sum(values)
        return [label, *values, total, round(100 * values[0] / total) if total else ""]

    body = [line(_("All participants"), figures["overall"])]
    body += [
        line(category, counts) for category, counts in figures["by_category"].items() if any(counts.values())
    ]
    body += [line(d["name"], d) for d in figures["by_delegation"]]
    return Table(_("Gender balance"), header, body)


BUILDERS = {"participants": participants, "delegations": delegations, "scans": scans, "gender": gender}


def build(session: Session, event: Event, dataset: str) -> Table:
    """One of DATASETS for `event`."""
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
