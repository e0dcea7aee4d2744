"""Kiosk devices: an organizer enrols a screen; its browser then holds a secret that opens the kiosk.

Enrolment is a one-time link (valid `ENROL_VALID`): opened on the kiosk's browser, it sets a
long-lived HttpOnly cookie with the device secret. Only SHA-256 hashes of both secrets are kept.
Revoking a kiosk clears its secret: the next request from that browser is refused.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.models import Event, Kiosk, Printer, PrinterKind
from kiosk.models.base import utcnow
from kiosk.services import printing
from kiosk.services.audit import Actor, record
from kiosk.services.auth import hash_secret, new_secret
from kiosk.services.errors import KioskNotEnrolled, ValidationFailed

#: How long an enrolment link works.
ENROL_VALID = timedelta(hours=24)
#: How often a kiosk's last_seen_at is written (not on every request).
SEEN_EVERY = timedelta(minutes=1)


def _printer(session: Session, value: Any, kind: PrinterKind, errors: dict[str, list[str]], field: str):
    if value in (None, "", 0, "0"):
        return None
    try:
        printer = session.get(Printer, int(value))
    except (TypeError, ValueError):
        printer = None
    if printer is None or printer.kind != kind:
        errors[field] = [
            _("Choose a badge printer.") if kind == PrinterKind.BADGE else _("Choose a receipt printer.")
        ]
        return None
    return printer


def save_kiosk(
    session: Session, kiosk: Kiosk | None, event: Event, data: Mapping[str, Any], actor: Actor
) -> Kiosk:
    """Create a kiosk of `event` (kiosk=None) or change its name and printers."""
    name = " ".join(str(data.get("name") or "").split())[:80]
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the kiosk a name, e.g. “Kiosk 1, main entrance”.")]
    badge = _printer(session, data.get("badge_printer_id"), PrinterKind.BADGE, errors, "badge_printer_id")
    receipt = _printer(
        session, data.get("receipt_printer_id"), PrinterKind.RECEIPT, errors, "receipt_printer_id"
    )
    clash = session.execute(
        select(Kiosk.id).where(Kiosk.event_id == event.id, Kiosk.name == name)
    ).scalar_one_or_none()
    if name and clash is not None and (kiosk is None or clash != kiosk.id):
        errors["name"] = [_("Another kiosk is called %(name)s.", name=name)]
    if errors:
        raise ValidationFailed(_("The kiosk settings are not complete or not right."), errors)
    if kiosk is None:
        kiosk = Kiosk(event_id=event.id, name=name)
        session.add(kiosk)
    kiosk.name = name
    kiosk.badge_printer = badge
    kiosk.receipt_printer = receipt
    session.flush()
    record(
        session,
        actor,
        "kiosk.save",
        "kiosk",
        kiosk.id,
        event_id=event.id,
        changes={
            "name": name,
            "badge_printer_id": kiosk.badge_printer_id,
            "receipt_printer_id": kiosk.receipt_printer_id,
        },
    )
    return kiosk


def enrolment_link_secret(session: Session, kiosk: Kiosk, actor: Actor, now: datetime | None = None) -> str:
    """A new one-time enrolment secret for `kiosk` (an earlier link stops working); shown once."""
    secret = new_secret()
    kiosk.enrol_hash = hash_secret(secret)
    kiosk.enrol_expires_at = (now or utcnow()) + ENROL_VALID
    session.flush()
    record(session, actor, "kiosk.enrolment_link", "kiosk", kiosk.id, event_id=kiosk.event_id)
    return secret


def kiosk_for_enrolment(session: Session, secret: str, now: datetime | None = None) -> Kiosk:
    """The kiosk an unused, unexpired enrolment link belongs to."""
    digest = hash_secret(secret or "")
    kiosk = session.execute(select(Kiosk).where(Kiosk.enrol_hash == digest)).scalar_one_or_none()
    if (
        kiosk is None
        or not hmac.compare_digest(kiosk.enrol_hash or "", digest)
        or kiosk.enrol_expires_at is None
        or kiosk.enrol_expires_at < (now or utcnow())
    ):
        raise KioskNotEnrolled(
            _("This enrolment link has been used or has expired. Ask an organizer for a new one.")
        )
    return kiosk


def enrol(session: Session, kiosk: Kiosk, now: datetime | None = None) -> str:
    """Use the enrolment link: return the device secret for this browser's cookie (shown once)."""
    secret = new_secret()
    kiosk.secret_hash = hash_secret(secret)
    kiosk.enrol_hash = None
    kiosk.enrol_expires_at = None
    kiosk.enrolled_at = now or utcnow()
    kiosk.revoked_at = None
    session.flush()
    record(session, Actor(f"kiosk:{kiosk.id}"), "kiosk.enrolled", "kiosk", kiosk.id, event_id=kiosk.event_id)
    return secret


def revoke(session: Session, kiosk: Kiosk, actor: Actor, now: datetime | None = None) -> None:
    """Stop the kiosk at once: its browser's secret no longer opens anything."""
    kiosk.secret_hash = None
    kiosk.enrol_hash = None
    kiosk.enrol_expires_at = None
    kiosk.revoked_at = now or utcnow()
    session.flush()
    record(session, actor, "kiosk.revoked", "kiosk", kiosk.id, event_id=kiosk.event_id)


def kiosk_for_secret(session: Session, secret: str) -> Kiosk | None:
    """The enrolled, unrevoked kiosk whose browser holds `secret`, if any."""
    if not secret:
        return None
    digest = hash_secret(secret)
    kiosk = session.execute(
        select(Kiosk).where(Kiosk.secret_hash == digest, Kiosk.revoked_at.is_(None))
    ).scalar_one_or_none()
    if kiosk is None or not hmac.compare_digest(kiosk.secret_hash or "", digest):
        return None
    return kiosk


def mark_seen(kiosk: Kiosk, now: datetime | None = None) -> None:
    """Note that the kiosk is alive (at most once a minute, so polling writes nothing)."""
    now = now or utcnow()
    if kiosk.last_seen_at is None or now - kiosk.last_seen_at > SEEN_EVERY:
        kiosk.last_seen_at = now


def demo_kiosk(session: Session, event: Event, printed: Path, actor: Actor) -> tuple[Kiosk, str]:
    """The demo's kiosk, printing PNG badges and raw receipts into `printed`; with a new enrolment secret."""
    printed.mkdir(parents=True, exist_ok=True)
    wanted = {
        "Badge printer 1": ("badge", {"type": "png_folder", "path": str(printed)}),
        "Receipt printer 1": ("receipt", {"type": "folder", "path": str(printed)}),
    }
    found: dict[str, Printer] = {}
    for name, (kind, connection) in wanted.items():
        printer = session.execute(select(Printer).filter_by(name=name)).scalar_one_or_none()
        found[name] = printing.save_printer(session, printer, name=name, kind=kind, connection=connection)
    kiosk = session.execute(
        select(Kiosk).where(Kiosk.event_id == event.id, Kiosk.name == "Demo kiosk")
    ).scalar_one_or_none()
    kiosk = save_kiosk(
        session,
        kiosk,
        event,
        {
            "name": "Demo kiosk",
            "badge_printer_id": found["Badge printer 1"].id,
            "receipt_printer_id": found["Receipt printer 1"].id,
        },
        actor,
    )
    return kiosk, enrolment_link_secret(session, kiosk, actor)
