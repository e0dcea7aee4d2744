"""Door scenarios built from tests/door/cases.json: the same cases for the server and the browser."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from badges import codes
from kiosk.extensions import db
from kiosk.models import Category, Delegation, Direction, Event, Meeting, Participant, Status, Venue
from kiosk.models.base import utcnow
from kiosk.services import badging, door, keys
from kiosk.services.audit import SYSTEM

CASES: list[dict[str, Any]] = json.loads((Path(__file__).parent / "cases.json").read_text())["cases"]


@dataclass
class Scene:
    """One case set up in the database: the code to show, where, which way."""

    slug: str
    event_id: int
    checkpoint_id: int
    participant_id: int
    code: str
    direction: str
    expected: str | None


def new_event(session, *, title: str = "Intersessional Meetings", slug: str | None = None) -> Event:
    """An event on today and tomorrow, so today's badges are valid, at the WMO building."""
    event = Event(
        slug=slug or f"ev{uuid.uuid4().hex[:6]}",
        title=title,
        starts_on=date.today() - timedelta(days=1),
        ends_on=date.today() + timedelta(days=1),
        venue=Venue(name="WMO building", address="7bis Avenue de la Paix", capacity=300),
    )
    session.add(event)
    session.flush()
    return event


def accredited(session, event: Event, given: str = "Ana", family: str = "García", delegation: str = "Chile"):
    """An accredited participant of a (new or existing) delegation of the event."""
    found = session.execute(
        select(Delegation).filter_by(event_id=event.id, name=delegation)
    ).scalar_one_or_none()
    if found is None:
        country = {"Canada": "CA", "Kenya": "KE", "Norway": "NO"}.get(delegation, "CL")
        found = Delegation(event_id=event.id, name=delegation, category=Category.STATE_PARTY, country=country)
        session.add(found)
        session.flush()
    person = Participant(
        event_id=event.id,
        delegation_id=found.id,
        given_name=given,
        family_name=family,
        status=Status.ACCREDITED,
    )
    session.add(person)
    session.flush()
    return person


def _flip(code: str, position: int) -> str:
    """The code with one base32 character changed."""
    other = "A" if code[position] != "A" else "B"
    return code[:position] + other + code[position + 1 :]


def build(app: Flask, case: dict[str, Any]) -> Scene:
    """Set up the database for `case` and return what the scanner will show."""
    with app.app_context():
        session = db.session
        event = new_event(session)
        person = accredited(session, event)
        meetings = []
        if case.get("meeting"):
            now = utcnow()
            start = now - timedelta(minutes=30) if case["meeting"] == "now" else now + timedelta(hours=5)
            meeting = Meeting(
                event_id=event.id,
                title="Preparatory Meeting",
                starts_at=start,
                ends_at=start + timedelta(hours=3),
            )
            session.add(meeting)
            session.flush()
            meetings = [meeting.id]
        checkpoint = door.save_checkpoint(
            session,
            event,
            None,
            name="Main entrance",
            direction="both",
            anti_passback=case.get("anti_passback", True),
            meeting_ids=meetings,
        )
        kind = case["code"]
        if kind in ("badge", "new_badge", "forged", "tampered"):
            code = keys.badge_code(session, person)
        elif kind == "confirmation":
            code = keys.confirmation_code(session, person)
        elif kind == "garbled":
            code = "HELLO-THIS-IS-NOT-A-BADGE-CODE"
        elif kind == "other_event":
            other = new_event(session, title="Another meeting")
            code = keys.badge_code(session, accredited(session, other))
        elif kind == "expired":
            key_id, private = keys.signing_key(session, event)
            start, _end = keys.badge_window(event)
            payload = codes.CodePayload(
                kind=codes.CodeKind.BADGE,
                event_id=event.id,
                participant_id=person.id,
                serial=person.badge_serial,
                valid_from=start - timedelta(days=10),
                valid_until=start - timedelta(days=5),
                key_id=key_id,
            )
            code = codes.sign(payload, private)
        else:
            raise ValueError(kind)
        if kind == "forged":
            code = _flip(code, len(code) - 5)  # inside the signature
        if kind == "tampered":
            code = _flip(code, 20)  # inside the participant number
        if case.get("inside"):
            first = door.record_scan(
                session,
                event,
                door.ScanInput(
                    code=code, checkpoint_id=checkpoint.id, direction=Direction.IN, nonce=uuid.uuid4().hex
                ),
            )
            assert first.scan.reason is None, first.scan.reason
        if case.get("reissued"):
            badging.reissue_badge(session, person, SYSTEM)
            if kind == "new_badge":
                session.expire(person)
                code = keys.badge_code(session, person)
        if case.get("status"):
            person.status = Status(case["status"])
        session.commit()
        return Scene(
            event.slug, event.id, checkpoint.id, person.id, code, case["direction"], case["expected"]
        )
