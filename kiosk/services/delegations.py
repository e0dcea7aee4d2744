"""Delegations: adding one, and importing a list of them from CSV or XLSX, all rows or none."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any
from zipfile import BadZipFile

import openpyxl
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.models import STATE_CATEGORIES, Category, Delegation, Event
from kiosk.services import countries
from kiosk.services.audit import Actor, record
from kiosk.services.auth import reset_delegation_link
from kiosk.services.errors import ImportFailed, ValidationFailed
from kiosk.services.fields import EMAIL_RE

COLUMNS = ("name", "category", "country", "cap", "focal_point_name", "focal_point_email")
_CATEGORY_ALIASES = {
    **{c.value: c for c in Category},
    "state party": Category.STATE_PARTY,
    "state not party": Category.STATE_NOT_PARTY,
    "observer state": Category.STATE_NOT_PARTY,
    "un": Category.UNITED_NATIONS,
    "united nations": Category.UNITED_NATIONS,
    "international organization": Category.IGO,
    "regional organization": Category.IGO,
    "intergovernmental organization": Category.IGO,
    "icrc": Category.ICRC,
    "ngo": Category.NGO,
    "non-governmental organization": Category.NGO,
}


def _country_code(value: str) -> str | None:
    return countries.lookup(value) if value else None


def clean_delegation(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate one delegation's fields; raise ValidationFailed with field errors."""
    errors: dict[str, list[str]] = {}
    name = " ".join(str(data.get("name") or "").split())
    if not name:
        errors["name"] = [_("The delegation's name is required.")]
    elif len(name) > 200:
        errors["name"] = [_("The delegation's name is too long (at most 200 characters).")]
    raw_category = str(data.get("category") or "").strip().lower().replace("-", " ").replace("_", " ")
    category = _CATEGORY_ALIASES.get(raw_category) or _CATEGORY_ALIASES.get(raw_category.replace(" ", "_"))
    if category is None:
        errors["category"] = [
            _(
                "Unknown category “%(value)s”; use one of: %(choices)s.",
                value=data.get("category") or "",
                choices=", ".join(c.value for c in Category),
            )
        ]
    raw_country = str(data.get("country") or "").strip()
    country = _country_code(raw_country) if raw_country else None
    if raw_country and country is None:
        errors["country"] = [_("Unknown country “%(value)s”; use an ISO code such as CH.", value=raw_country)]
    if category in STATE_CATEGORIES and country is None and not raw_country:
        country = _country_code(name)
        if country is None:
            errors["country"] = [_("A State needs its ISO country code (e.g. CH).")]
    cap = data.get("cap")
    if cap in (None, ""):
        cap = None
    else:
        try:
            number = float(str(cap).strip())
            if number != int(number) or not 0 <= number <= 1000:
                raise ValueError
            cap = int(number)
        except ValueError:
            errors["cap"] = [_("The cap must be a whole number from 0 to 1000.")]
    email = str(data.get("focal_point_email") or "").strip().lower()
    if email and not EMAIL_RE.match(email):
        errors["focal_point_email"] = [_("Enter an e-mail address such as name@example.org.")]
    if errors:
        raise ValidationFailed(_("Some fields need correcting."), errors)
    return {
        "name": name,
        "category": category,
        "country": country,
        "cap_override": cap,
        "focal_point_name": " ".join(str(data.get("focal_point_name") or "").split())[:200],
        "focal_point_email": email,
    }


def add_delegation(session: Session, event: Event, data: Mapping[str, Any], actor: Actor) -> Delegation:
    """Create one delegation in `event`."""
    values = clean_delegation(data)
    exists = session.execute(
        select(Delegation.id).where(Delegation.event_id == event.id, Delegation.name == values["name"])
    ).first()
    if exists:
        message = _("A delegation named %(name)s already exists.", name=values["name"])
        raise ValidationFailed(message, {"name": [message]})
    delegation = Delegation(event_id=event.id, **values)
    session.add(delegation)
    session.flush()
    record(
        session,
        actor,
        "delegation.create",
        "delegation",
        delegation.id,
        event_id=event.id,
        changes={"name": values["name"], "category": values["category"].value},
    )
    return delegation


def read_rows(filename: str, content: bytes) -> list[dict[str, Any]]:
    """Rows of a CSV or XLSX file as dicts keyed by the lower-cased header."""
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        return _xlsx_rows(content)
    if lower.endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportFailed(_("The CSV file must be saved as UTF-8.")) from None
        header = text.split("\n", 1)[0]
        delimiter = max(",;\t", key=header.count)  # Excel writes ";" in some locales
        return list(_normalise_headers(csv.DictReader(io.StringIO(text), delimiter=delimiter)))
    raise ImportFailed(_("Upload a .csv or .xlsx file."))


def _normalise_headers(rows: Iterable[Mapping[str | None, Any]]) -> Iterable[dict[str, Any]]:
    for row in rows:
        yield {str(k).strip().lower().replace(" ", "_"): v for k, v in row.items() if k}


def _xlsx_rows(content: bytes) -> list[dict[str, Any]]:
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError):
        raise ImportFailed(_("This file is not a readable .xlsx workbook.")) from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if not header:
        return []
    keys = [str(h or "").strip() for h in header]
    result = [dict(zip(keys, row, strict=False)) for row in rows if any(c not in (None, "") for c in row)]
    book.close()
    return list(_normalise_headers(result))


def import_delegations(
    session: Session, event: Event, rows: list[dict[str, Any]], actor: Actor
) -> list[Delegation]:
    """Create every delegation in `rows`, or none: raise ImportFailed listing each bad row."""
    if not rows:
        raise ImportFailed(_("The file has no delegations in it."))
    missing = {"name", "category"} - set(rows[0])
    if missing:
        raise ImportFailed(_("The file needs columns named: %(cols)s.", cols=", ".join(COLUMNS)))
    existing = set(session.execute(select(Delegation.name).where(Delegation.event_id == event.id)).scalars())
    errors: dict[str, list[str]] = {}
    cleaned = []
    for number, row in enumerate(rows, start=2):
        try:
            values = clean_delegation(row)
        except ValidationFailed as exc:
            errors[_("Row %(n)d", n=number)] = [m for messages in exc.errors.values() for m in messages]
            continue
        if values["name"] in existing:
            errors[_("Row %(n)d", n=number)] = [
                _("A delegation named %(name)s already exists.", name=values["name"])
            ]
            continue
        existing.add(values["name"])
        cleaned.append(values)
    if errors:
        raise ImportFailed(
            ngettext(
                "Nothing was imported: %(num)d row needs correcting.",
                "Nothing was imported: %(num)d rows need correcting.",
                len(errors),
            ),
            errors,
        )
    delegations = [Delegation(event_id=event.id, **values) for values in cleaned]
    session.add_all(delegations)
    session.flush()
    record(
        session,
        actor,
        "delegation.import",
        "event",
        event.id,
        event_id=event.id,
        changes={"count": len(delegations)},
    )
    return delegations


def set_cap_override(session: Session, delegation: Delegation, cap: Any, actor: Actor) -> Delegation:
    """Set a delegation's own cap (empty: the event's default); it may go below the places used."""
    if cap in (None, ""):
        value = None
    else:
        try:
            value = int(str(cap).strip())
            if not 0 <= value <= 1000:
                raise ValueError
        except ValueError:
            message = _("The cap must be a whole number from 0 to 1000.")
            raise ValidationFailed(message, {"cap": [message]}) from None
    old = delegation.cap_override
    if old != value:
        delegation.cap_override = value
        record(
            session,
            actor,
            "delegation.cap",
            "delegation",
            delegation.id,
            event_id=delegation.event_id,
            changes={"cap_override": [old, value]},
        )
    session.flush()
    return delegation


def issue_private_link(session: Session, delegation: Delegation, actor: Actor) -> str:
    """Give the delegation a new private link secret (audited); the old link stops working."""
    secret = reset_delegation_link(session, delegation)
    record(session, actor, "delegation.link", "delegation", delegation.id, event_id=delegation.event_id)
    session.flush()
    return secret
