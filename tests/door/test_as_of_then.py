"""Offline scans judged as of the moment they were made; organizers resolve the real conflicts."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import AuditEntry, Direction, Event, Participant, Role, Scan, ScanResult, Status, User
from kiosk.models.base import utcnow
from kiosk.services import badging, door, keys, registration
from kiosk.services.audit import SYSTEM, Actor
from kiosk.services.errors import NotFound
from tests.door.scenario import accredited, new_event


def _door(app):
    """An event, one checkpoint, Ana García accredited with her first badge, and an officer."""
    with app.app_context():
        session = db.session
        event = new_event(session)
        ana = accredited(session, event, "Ana", "García", "Chile")
        ana.title = "Ms."
        checkpoint = door.save_checkpoint(
            session, event, None, name="Pregny gate", direction="both", anti_passback=True
        )
        officer = User(email="officer@un.example", role=Role.SECURITY)
        officer.set_password("x" * 12)
        session.add(officer)
        code = keys.badge_code(session, ana)
        session.commit()
        return event.slug, ana.id, checkpoint.id, officer.id, code


def _upload(app, slug: str, code: str, checkpoint: int, officer: int, at: datetime) -> door.Verdict:
    """An entry this scanner accepted offline at `at`, uploaded now."""
    with app.app_context():
        event = door.event_ref(db.session, slug)
        sent = door.ScanInput(
            code=code,
            checkpoint_id=checkpoint,
            direction=Direction.IN,
            nonce=uuid.uuid4().hex,
            scanned_at=at,
            device=f"user:{officer} door-de057f11",
            officer_id=officer,
            offline_result=ScanResult.ACCEPTED,
        )
        [verdict] = door.record_offline_batch(db.session, event, [sent])
        db.session.commit()
        return verdict


def _change(app, participant_id: int, how) -> datetime:
    """Apply a change to the participant now; return the moment just after it."""
    with app.app_context():
        how(db.session, db.session.get(Participant, participant_id))
        db.session.commit()
    return utcnow()


def _reissue(session, person):
    badging.reissue_badge(session, person, SYSTEM)


def _withdraw(session, person):
    registration.change_status(session, person, Status.WITHDRAWN, SYSTEM)


@pytest.mark.parametrize(
    ("change", "reason"),
    [(_reissue, "revoked"), (_withdraw, "not_accredited")],
    ids=["reissue", "withdrawal"],
)
def test_an_offline_entry_is_judged_as_of_the_moment_it_was_made(app, change, reason):
    slug, ana, checkpoint, officer, code = _door(app)
    before = utcnow() - timedelta(seconds=3)
    after = _change(app, ana, change) + timedelta(milliseconds=5)
    # Shown 3 s before the change: the badge was good then. No conflict, and Ana is inside.
    first = _upload(app, slug, code, checkpoint, officer, before)
    assert (first.scan.result, first.scan.conflict) == (ScanResult.ACCEPTED, False)
    assert first.inside_now == 1
    # The same old badge shown after the change, on a scanner that had not heard of it: a conflict.
    with app.app_context():
        db.session.query(Scan).delete()  # a fresh presence, so that anti-passback says nothing here
        db.session.execute(db.text("DELETE FROM presence"))
        db.session.commit()
    second = _upload(app, slug, code, checkpoint, officer, after)
    assert second.scan.conflict is True
    with app.app_context():
        stored = db.session.get(Scan, second.scan.id)
        assert stored.server_reason == reason


def test_a_badge_older_than_the_one_valid_then_is_a_conflict_even_before_the_last_reissue(app):
    slug, ana, checkpoint, officer, first_code = _door(app)
    _change(app, ana, _reissue)  # serial 2
    between = utcnow() + timedelta(milliseconds=5)
    _change(app, ana, _reissue)  # serial 3, a moment later
    # Serial 1 was already replaced when shown (between the two reissues): a conflict.
    verdict = _upload(app, slug, first_code, checkpoint, officer, between)
    assert verdict.scan.conflict is True
    with app.app_context():
        assert db.session.get(Scan, verdict.scan.id).server_reason == "revoked"


def test_conflicts_name_people_and_scanners_and_an_organizer_resolves_them(app):
    slug, ana, checkpoint, officer, code = _door(app)
    after = _change(app, ana, _reissue) + timedelta(milliseconds=5)
    verdict = _upload(app, slug, code, checkpoint, officer, after)
    with app.app_context():
        event = db.session.execute(select(Event).filter_by(slug=slug)).scalar_one()
        [conflict] = door.conflicts(db.session, event)
        assert conflict.participant == "Ms. Ana GARCÍA"
        assert conflict.checkpoint == "Pregny gate"
        assert (conflict.officer, conflict.device) == ("officer@un.example", "door-de057f11")
        assert conflict.server_reason == "revoked" and conflict.resolved_at is None
        organizer = Actor("user:77", Role.ORGANIZER)
        door.resolve_conflict(db.session, event, verdict.scan.id, organizer, officer)
        db.session.commit()
        [resolved] = door.conflicts(db.session, event)
        assert resolved.resolved_at is not None and resolved.resolved_by == "officer@un.example"
        audit = db.session.execute(
            select(AuditEntry).filter_by(action="door.conflict_resolved", entity_id=verdict.scan.id)
        ).scalar_one()
        assert (audit.actor, audit.event_id) == ("user:77", event.id)
        # Twice is once: no second audit entry, the first resolution stands.
        door.resolve_conflict(db.session, event, verdict.scan.id, organizer, None)
        db.session.commit()
        assert door.conflicts(db.session, event)[0].resolved_at == resolved.resolved_at
        assert (
            len(db.session.execute(select(AuditEntry).filter_by(action="door.conflict_resolved")).all()) == 1
        )
        # A scan that is no conflict, or one of another event, cannot be resolved.
        other = new_event(db.session)
        with pytest.raises(NotFound):
            door.resolve_conflict(db.session, other, verdict.scan.id, organizer, None)
        fine = _scan_without_conflict(db.session)
        with pytest.raises(NotFound):
            door.resolve_conflict(db.session, event, fine, organizer, None)


def _scan_without_conflict(session) -> int:
    scan = session.execute(select(Scan).where(Scan.conflict.is_(False))).scalars().first()
    if scan is not None:
        return scan.id
    return 2**31 - 1  # no such scan at all


def test_an_organizer_marks_a_conflict_resolved_on_the_doors_page(app, client, login):
    slug, ana, checkpoint, officer, code = _door(app)
    after = _change(app, ana, _reissue) + timedelta(milliseconds=5)
    verdict = _upload(app, slug, code, checkpoint, officer, after)
    login(Role.ORGANIZER)
    page = client.get(f"/admin/events/{slug}/door/")
    assert "Ms. Ana GARCÍA" in page.text and "officer@un.example" in page.text
    assert "door-de057f11" in page.text and "user:" not in page.text
    # Seconds are shown (h:mm:ss), through services/dates.py.
    with app.app_context():
        event = db.session.execute(select(Event).filter_by(slug=slug)).scalar_one()
        shown = door.conflicts(db.session, event)[0].scanned_at.astimezone(event.tz).strftime("%H:%M:%S")
    assert shown in page.text
    # Without the page's CSRF token the form is refused.
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get(f"/admin/events/{slug}/door/")
    refused = client.post(f"/admin/events/{slug}/door/conflicts/{verdict.scan.id}/resolve")
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.get(Scan, verdict.scan.id).resolved_at is None
    done = client.post(
        f"/admin/events/{slug}/door/conflicts/{verdict.scan.id}/resolve",
        data={"csrf_token": _csrf(page.text)},
        follow_redirects=True,
    )
    assert done.status_code == 200 and "The conflict is marked resolved." in done.text
    with app.app_context():
        assert db.session.get(Scan, verdict.scan.id).resolved_at is not None


def _csrf(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]
