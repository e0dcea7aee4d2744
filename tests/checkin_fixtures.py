"""Fixtures shared by the check-in, kiosk and desk tests: an event with people, printers and a kiosk."""

from __future__ import annotations

import email
import email.policy
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import Category, Event, Kiosk, KioskCode, Meeting, OutgoingMail, Participant, Role, Status
from kiosk.models.base import utcnow
from kiosk.services import kiosks, printing, printwake
from kiosk.services.audit import SYSTEM
from kiosk.services.keys import confirmation_code


@dataclass
class Setting:
    """Ids of what a test works with."""

    event_id: int
    slug: str
    chile: int
    kenya: int
    ana: int  # accredited, in person, with a reference and an e-mail address
    bruno: int  # pending
    badge_printer: int
    receipt_printer: int


@pytest.fixture
def setting(app: Flask, make_event, make_delegation, make_participant, tmp_path) -> Setting:
    """Chile (Ana accredited, Bruno pending) and Kenya, a PNG badge printer and a file receipt printer."""
    event = make_event(slug=f"im{utcnow():%H%M%S%f}"[:12], title="Intersessional Meetings")
    chile = make_delegation(event=event, name="Chile")
    kenya = make_delegation(event=event, name="Kenya", category=Category.NGO, country=None)
    ana = make_participant(
        chile,
        status=Status.ACCREDITED,
        title="H.E. Ms.",
        given_name="Ana",
        family_name="Pérez Soto",
        function="Head of delegation",
        email="ana.perez@example.org",
    )
    bruno = make_participant(chile, status=Status.PENDING, given_name="Bruno", family_name="Pérez")
    with app.app_context():
        stored = db.session.get(Event, event.id)
        start = utcnow() + timedelta(days=30)
        stored.meetings.append(
            Meeting(
                title="First Preparatory Meeting",
                starts_at=start,
                ends_at=start + timedelta(hours=3),
                room="Room XIX",
            )
        )
        badge = printing.save_printer(
            db.session,
            None,
            name="Printer 2",
            kind="badge",
            connection={"type": "png_folder", "path": str(tmp_path / "printed")},
        )
        receipt = printing.save_printer(
            db.session,
            None,
            name="Receipts 2",
            kind="receipt",
            connection={"type": "file", "path": str(tmp_path / "receipt.bin")},
        )
        db.session.commit()
        badge_id, receipt_id = badge.id, receipt.id
    return Setting(event.id, event.slug, chile.id, kenya.id, ana.id, bruno.id, badge_id, receipt_id)


@pytest.fixture
def code_of(app: Flask) -> Callable[[int], str]:
    """The confirmation code of a participant (as in the e-mail)."""

    def make(participant_id: int) -> str:
        with app.app_context():
            code = confirmation_code(db.session, db.session.get(Participant, participant_id))
            db.session.commit()
        return code

    return make


@pytest.fixture
def reference_of(app: Flask) -> Callable[[int], str]:
    def read(participant_id: int) -> str:
        with app.app_context():
            return db.session.get(Participant, participant_id).reference

    return read


@pytest.fixture
def make_kiosk(app: Flask, setting: Setting) -> Callable[..., tuple[int, str]]:
    """Create and enrol a kiosk of the event; return its id and its device secret."""

    def make(name: str = "Kiosk 1") -> tuple[int, str]:
        with app.app_context():
            kiosk = kiosks.save_kiosk(
                db.session,
                None,
                db.session.get(Event, setting.event_id),
                {
                    "name": name,
                    "badge_printer_id": setting.badge_printer,
                    "receipt_printer_id": setting.receipt_printer,
                },
                SYSTEM,
            )
            link = kiosks.enrolment_link_secret(db.session, kiosk, SYSTEM)
            secret = kiosks.enrol(db.session, kiosks.kiosk_for_enrolment(db.session, link))
            db.session.commit()
            return kiosk.id, secret

    return make


@pytest.fixture
def kiosk_client(app: Flask, make_kiosk):
    """A test client whose cookie is an enrolled kiosk's; .kiosk_id says which."""
    kiosk_id, secret = make_kiosk()
    client = app.test_client()
    client.set_cookie("kiosk_device", secret)
    client.kiosk_id = kiosk_id
    return client


@pytest.fixture
def print_worker(app) -> Iterator[None]:
    """The print worker beside the server, woken by each queued job as in production."""
    stop = threading.Event()
    ready = threading.Event()

    def run() -> None:
        with app.app_context():
            waker = printwake.Waker(printwake.socket_path(app.config, app.instance_path))
            ready.set()
            try:
                while not stop.is_set():
                    printing.process_print_jobs(db.session)
                    db.session.remove()
                    waker.wait(0.5)
            finally:
                waker.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(5)
    yield
    stop.set()
    thread.join(10)


def revoke_kiosk(app: Flask, kiosk_id: int) -> None:
    with app.app_context():
        kiosks.revoke(db.session, db.session.get(Kiosk, kiosk_id), SYSTEM)
        db.session.commit()


__all__ = [
    "Role",
    "code_in_mail",
    "code_of",
    "kiosk_client",
    "mailed_code",
    "make_kiosk",
    "print_worker",
    "reference_of",
    "revoke_kiosk",
    "setting",
]


def code_in_mail(message: bytes) -> str:
    """The one-time code in a kiosk-code e-mail (six digits on a line of their own)."""
    body = email.message_from_bytes(message, policy=email.policy.default).get_body(("plain",))
    found = re.findall(r"^\s*(\d{6})\s*$", body.get_content(), flags=re.MULTILINE)
    assert len(found) == 1, body.get_content()
    return found[0]


@pytest.fixture
def mailed_code(app: Flask) -> Callable[[int], str]:
    """The code in the kiosk-code e-mail last queued for a participant, read from the mail table."""

    def read(participant_id: int) -> str:
        with app.app_context():
            row = db.session.execute(
                select(KioskCode).where(KioskCode.participant_id == participant_id)
            ).scalar_one()
            return code_in_mail(db.session.get(OutgoingMail, row.mail_id).message)

    return read
