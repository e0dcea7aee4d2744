"""Organizer door pages: checkpoints, who is inside, the evacuation list, offline conflicts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import Checkpoint, Direction, Event, Meeting, Role, ScanResult, Venue
from kiosk.models.base import utcnow
from kiosk.services import door, keys
from tests.door.scenario import accredited, new_event


def _event(app):
    with app.app_context():
        event = new_event(db.session, slug="im2024")
        db.session.add(Venue(name="CICG", address="Rue de Varembé 17"))
        meeting = Meeting(
            event_id=event.id, title="Preparatory Meeting", starts_at=utcnow(), ends_at=utcnow()
        )
        db.session.add(meeting)
        person = accredited(db.session, event, "=Ana", "García", "Chile")
        code = keys.badge_code(db.session, person)
        db.session.commit()
        return event.id, event.venue_id, meeting.id, code


def test_organizer_manages_checkpoints(app, client, login):
    event_id, venue_id, meeting_id, _code = _event(app)
    login(Role.ORGANIZER)
    page = client.get("/admin/events/im2024/door/")
    assert page.status_code == 200 and "No checkpoint yet" in page.text
    added = client.post(
        "/admin/events/im2024/door/checkpoints",
        data={
            "name": "Pregny gate",
            "direction": "in",
            "anti_passback": "1",
            "meetings": [str(meeting_id)],
            "venue": str(venue_id),
            "active": ["0", "1"],
        },
        follow_redirects=True,
    )
    assert "Checkpoint “Pregny gate” saved." in added.text
    with app.app_context():
        checkpoint = db.session.execute(select(Checkpoint)).scalar_one()
        assert (checkpoint.direction.value, checkpoint.anti_passback, checkpoint.active) == ("in", True, True)
        assert [m.id for m in checkpoint.meetings] == [meeting_id] and checkpoint.venue_id == venue_id
        checkpoint_id = checkpoint.id
    client.post(
        f"/admin/events/im2024/door/checkpoints/{checkpoint_id}",
        data={"name": "Pregny gate", "direction": "both", "active": "0"},
    )
    with app.app_context():
        checkpoint = db.session.get(Checkpoint, checkpoint_id)
        assert (checkpoint.direction.value, checkpoint.anti_passback, checkpoint.active) == (
            "both",
            False,
            False,
        )
        assert checkpoint.meetings == []
    refused = client.post(
        "/admin/events/im2024/door/checkpoints",
        data={"name": "", "direction": "sideways"},
        follow_redirects=True,
    )
    assert "The checkpoint was not saved." in refused.text


def test_evacuation_list_and_conflicts(app, client, login):
    event_id, venue_id, _meeting, code = _event(app)
    with app.app_context():
        event = db.session.get(Event, event_id)
        main = door.save_checkpoint(
            db.session, event, None, name="Main", direction="both", anti_passback=True
        )
        side = door.save_checkpoint(
            db.session, event, None, name="Side", direction="both", anti_passback=True
        )
        earlier = utcnow() - timedelta(minutes=5)
        for checkpoint, nonce, minutes in ((main, "a", 1), (side, "b", 2)):
            door.record_scan(
                db.session,
                event,
                door.ScanInput(
                    code,
                    checkpoint.id,
                    Direction.IN,
                    nonce,
                    scanned_at=earlier + timedelta(minutes=minutes),
                    device="token:1 tablet-7",
                    offline_result=ScanResult.ACCEPTED,
                ),
            )
        db.session.commit()
    login(Role.ORGANIZER)
    doors = client.get("/admin/events/im2024/door/")
    assert "Offline conflicts" in doors.text and "tablet-7" in doors.text and "Already inside" in doors.text
    inside = client.get(f"/admin/events/im2024/door/inside?venue={venue_id}")
    assert "=Ana GARCÍA" in inside.text and "1 person inside" in inside.text
    csv = client.get(f"/admin/events/im2024/door/inside.csv?venue={venue_id}")
    assert csv.mimetype == "text/csv"
    rows = csv.text.lstrip("\ufeff").splitlines()
    assert rows[1].startswith("García,'=Ana,Chile,State party,Main,")  # no formula reaches a spreadsheet
    printable = client.get(f"/admin/events/im2024/door/inside?venue={venue_id}&print=1")
    assert "Accounted for" in printable.text
    french = client.get(f"/admin/events/im2024/door/inside?venue={venue_id}&print=1&lang=fr")
    assert "Chili" in french.text and "Chile" not in french.text  # a State by its UN name in French


def test_only_organizers_see_the_door_pages(app, client, login):
    _event(app)
    login(Role.SECURITY)
    for path in (
        "/admin/events/im2024/door/",
        "/admin/events/im2024/door/inside",
        "/admin/events/im2024/door/inside.csv",
    ):
        assert client.get(path).status_code == 403
    assert client.post("/admin/events/im2024/door/checkpoints", data={"name": "x"}).status_code == 403
