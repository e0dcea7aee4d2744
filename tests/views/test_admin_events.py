"""Organizers create events and add their meetings."""

from __future__ import annotations

from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import Event, Meeting, Role

EVENT = {
    "title": "Twenty-Second Meeting of the States Parties",
    "slug": "22msp",
    "starts_on": "2025-12-01",
    "ends_on": "2025-12-05",
    "timezone": "Europe/Zurich",
    "venue_name": "CICG",
    "venue_address": "Rue de Varembé 17, 1211 Genève",
    "venue_capacity": "400",
    "registration_opens_at": "2025-09-01T09:00",
    "registration_deadline": "2025-11-21T23:59",
    "default_cap": "3",
    "cap_in_person": "1",
    "contact_email": "isu@apminebanconvention.org",
}


def test_organizer_creates_an_event(app, client, login):
    login(Role.ORGANIZER)
    assert client.get("/admin/events/new").status_code == 200
    response = client.post("/admin/events/new", data=EVENT)
    assert response.status_code == 302 and response.location.endswith("/admin/events/22msp/delegations")
    with app.app_context():
        event = db.session.execute(select(Event).filter_by(slug="22msp")).scalar_one()
        assert (event.venue.name, event.venue.capacity, event.default_cap) == ("CICG", 400, 3)
        assert event.registration_deadline.isoformat() == "2025-11-21T22:59:00+00:00"  # 23:59 in Geneva


def test_bad_event_input_is_shown_field_by_field(app, client, login, make_event):
    login(Role.ORGANIZER)
    make_event(slug="taken")
    bad = {
        **EVENT,
        "title": "",
        "slug": "taken",
        "ends_on": "2025-11-30",
        "timezone": "Mars/Olympus",
        "default_cap": "-2",
    }
    response = client.post("/admin/events/new", data=bad)
    assert response.status_code == 422
    for sentence in (
        "The event needs a title.",
        "Another event already uses",
        "cannot be before the first",
        "Unknown time zone",
        "The cap must be a whole number",
    ):
        assert sentence in response.text
    with app.app_context():
        assert db.session.execute(select(Event).filter_by(slug="22msp")).first() is None


def test_meetings_are_added_within_the_event(app, client, login, make_event):
    login(Role.ORGANIZER)
    event = make_event(slug="im")
    day = event.starts_on.isoformat()
    outside = client.post(
        "/admin/events/im/meetings",
        data={
            "meeting_title": "Side event",
            "starts_at": "2001-01-01T10:00",
            "ends_at": "2001-01-01T12:00",
            "room": "XX",
        },
    )
    assert outside.status_code == 422 and "during the event" in outside.text
    added = client.post(
        "/admin/events/im/meetings",
        data={
            "meeting_title": "First Preparatory Meeting",
            "starts_at": f"{day}T15:00",
            "ends_at": f"{day}T18:00",
            "room": "Salle A",
        },
    )
    assert added.status_code == 302
    with app.app_context():
        meeting = db.session.execute(select(Meeting)).scalar_one()
        local = meeting.starts_at.astimezone(db.session.get(Event, event.id).tz)
        assert (meeting.title, local.hour, meeting.room) == ("First Preparatory Meeting", 15, "Salle A")


def test_desk_staff_cannot_create_events(client, login):
    login(Role.DESK)
    assert client.post("/admin/events/new", data=EVENT).status_code == 403
