"""The small photos a door scanner keeps for offline use: who may fetch them, how big, never cached."""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image
from sqlalchemy import event as sa_event

from kiosk.extensions import db
from kiosk.models import Event, Participant, Role, Status
from kiosk.services import photos
from tests.conftest import bearer
from tests.door.scenario import accredited, new_event


def _photo() -> bytes:
    """A stored photo as the registration keeps it (600 × 800 JPEG), noisy: the hardest to shrink."""
    image = Image.effect_noise((600, 800), 90).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88)
    return out.getvalue()


def _people(app):
    with app.app_context():
        session = db.session
        event, other = new_event(session), new_event(session)
        people = {
            "ana": accredited(session, event, "Ana", "García"),
            "bruno": accredited(session, event, "Bruno", "Soto"),  # no photo
            "pending": accredited(session, event, "Pia", "Moreno"),
            "elsewhere": accredited(session, other, "Eli", "Ross"),
        }
        for name in ("ana", "pending", "elsewhere"):
            people[name].photo, people[name].photo_type = _photo(), "image/jpeg"
        people["pending"].status = Status.PENDING
        session.commit()
        return event.slug, other.slug, {name: p.id for name, p in people.items()}


def test_the_bundle_links_each_photo_to_its_small_offline_copy(app, client, make_token):
    slug, _other, ids = _people(app)
    token = make_token(Role.SECURITY)
    bundle = client.get(f"/api/v1/events/{slug}/offline-bundle", headers=bearer(token)).get_json()
    url = bundle["participants"][str(ids["ana"])]["photo_url"]
    assert url.startswith(f"/api/v1/events/{slug}/door-photos/{ids['ana']}?v=")
    assert bundle["participants"][str(ids["bruno"])]["photo_url"] is None
    assert bundle["event"]["photos_until"] > bundle["generated_at"]
    small = client.get(url, headers=bearer(token))
    assert small.status_code == 200 and small.mimetype == "image/jpeg"
    assert small.headers["Cache-Control"] == "private, no-store"
    assert len(small.data) <= photos.DOOR_MAX_BYTES
    image = Image.open(io.BytesIO(small.data))
    assert image.format == "JPEG" and image.width <= 150 and image.height <= 200
    assert client.get(url, headers=bearer(make_token(Role.ORGANIZER))).status_code == 200


def test_only_the_door_gets_them_and_only_of_accredited_holders_of_the_event_until_it_ends(
    app, client, make_token
):
    slug, other, ids = _people(app)
    token = make_token(Role.SECURITY)

    def get(event_slug, name, who=token):
        return client.get(f"/api/v1/events/{event_slug}/door-photos/{ids[name]}", headers=bearer(who))

    assert get(slug, "ana").status_code == 200
    assert get(slug, "ana", make_token(Role.DESK)).status_code == 403
    assert get(slug, "ana", make_token(Role.KIOSK)).status_code == 403
    assert get(slug, "bruno").status_code == 404  # no photo
    assert get(slug, "pending").status_code == 404  # not accredited
    assert get(slug, "elsewhere").status_code == 404  # another event's participant
    assert get(other, "elsewhere").status_code == 200
    with app.app_context():
        event = db.session.get(Event, db.session.get(Participant, ids["ana"]).event_id)
        event.starts_on -= timedelta(days=10)
        event.ends_on -= timedelta(days=5)
        db.session.commit()
    assert get(slug, "ana").status_code == 404  # the event is over


def test_each_small_copy_is_made_once_per_photo_version(app, client, make_token):
    slug, _other, ids = _people(app)
    token = make_token(Role.SECURITY)
    url = f"/api/v1/events/{slug}/door-photos/{ids['ana']}"
    first = client.get(url, headers=bearer(token))
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_rest):
        statements.append(statement)

    sa_event.listen(engine, "before_cursor_execute", record)
    try:
        again = client.get(url, headers=bearer(token))
    finally:
        sa_event.remove(engine, "before_cursor_execute", record)
    assert again.data == first.data
    assert not any("SELECT participants.photo " in s for s in statements), "the photo was read again"
    # A new photo is a new version: its own small copy.
    with app.app_context():
        ana = db.session.get(Participant, ids["ana"])
        image = Image.new("RGB", (600, 800), (20, 40, 200))
        out = io.BytesIO()
        image.save(out, format="JPEG")
        ana.photo = out.getvalue()
        db.session.commit()
    changed = client.get(url, headers=bearer(token))
    assert changed.status_code == 200 and changed.data != first.data
