"""Sign-ins that end: idle and absolute timeouts per role, focal points' sign-ins on the server."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from config import minutes_by_role
from kiosk.extensions import db
from kiosk.models import DelegationSession, Role, UserSession
from kiosk.models.base import utcnow
from kiosk.services import auth
from tests.conftest import PASSWORD


def signed_in(app, user):
    device = app.test_client()
    assert device.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return device


def can_work(device, path: str = "/admin/") -> bool:
    """True when the page answers (200 or a 403 for another role), False when sent to sign in."""
    response = device.get(path)
    return not (response.status_code == 302 and response.headers["Location"].startswith("/login"))


def age(app, model, **ago: timedelta) -> None:
    """Move every sign-in's `created_at` / `last_seen_at` back in time."""
    with app.app_context():
        db.session.execute(update(model).values({column: utcnow() - delta for column, delta in ago.items()}))
        db.session.commit()


def test_a_staff_sign_in_ends_after_its_roles_idle_time(app, make_user):
    organizer, guard = signed_in(app, make_user(Role.ORGANIZER)), signed_in(app, make_user(Role.SECURITY))
    age(app, UserSession, last_seen_at=timedelta(minutes=45))  # organizers: 30 min, door and desk: 120
    assert not can_work(organizer)
    assert can_work(guard, "/door/")


def test_a_staff_sign_in_ends_at_the_end_of_its_shift_even_when_busy(app, make_user):
    guard = signed_in(app, make_user(Role.SECURITY))
    age(app, UserSession, created_at=timedelta(hours=14, minutes=1), last_seen_at=timedelta(seconds=5))
    assert not can_work(guard, "/door/")


def test_the_timeouts_are_configurable_per_role(app, make_user, monkeypatch):
    monkeypatch.setenv("STAFF_IDLE_MINUTES", "desk=5, security=240")
    assert minutes_by_role("STAFF_IDLE_MINUTES", "organizer=30,desk=120,security=120,kiosk=120") == {
        "organizer": 30,
        "desk": 5,
        "security": 240,
        "kiosk": 120,
    }
    app.config["STAFF_IDLE_MINUTES"] = {"organizer": 30, "desk": 5, "security": 240, "kiosk": 120}
    desk, guard = signed_in(app, make_user(Role.DESK)), signed_in(app, make_user(Role.SECURITY))
    age(app, UserSession, last_seen_at=timedelta(minutes=180))
    assert not can_work(desk, "/desk/")
    assert can_work(guard, "/door/")


def test_a_request_renews_the_sign_in_at_most_once_a_minute(app, make_user):
    user = make_user(Role.DESK)
    desk = signed_in(app, user)
    age(app, UserSession, last_seen_at=timedelta(minutes=100))
    assert can_work(desk, "/desk/")
    with app.app_context():
        first = db.session.scalar(select(UserSession.last_seen_at))
    assert utcnow() - first < timedelta(seconds=30)  # renewed: another 120 minutes from now
    age(app, UserSession, last_seen_at=timedelta(seconds=30))
    assert can_work(desk, "/desk/")
    with app.app_context():
        second = db.session.scalar(select(UserSession.last_seen_at))
    assert utcnow() - second >= timedelta(seconds=30)  # not written again within the minute


def test_an_open_event_stream_does_not_keep_an_idle_sign_in_alive(app, make_user):
    user = make_user(Role.ORGANIZER)
    device = signed_in(app, user)
    with device.session_transaction() as cookie:
        key = cookie["_user_id"].partition(":")[2]
    age(app, UserSession, last_seen_at=timedelta(minutes=10))
    rules = auth.SessionRules.from_config(app.config)
    with app.app_context():
        before = db.session.scalar(select(UserSession.last_seen_at))
        # The stream's check (kiosk.api.spec.still_signed_in) asks without renewing.
        assert auth.session_user(db.session, user.id, key, rules, touch=False) is not None
        assert db.session.scalar(select(UserSession.last_seen_at)) == before
        assert auth.session_user(db.session, user.id, key, rules) is not None  # a request does renew
        db.session.rollback()
        assert db.session.scalar(select(UserSession.last_seen_at)) > before


def test_stay_signed_in_renews_and_tells_when_the_sign_in_now_ends(app, make_user):
    guard = signed_in(app, make_user(Role.SECURITY))
    age(app, UserSession, last_seen_at=timedelta(minutes=117))
    answer = guard.post("/session/keep-alive")
    assert answer.status_code == 200, answer.text
    idle_ends = datetime.fromisoformat(answer.json["idle_ends_at"])
    assert timedelta(minutes=119) < idle_ends - utcnow() <= timedelta(minutes=120)
    assert datetime.fromisoformat(answer.json["ends_at"]) - utcnow() > timedelta(hours=13)


def test_staff_pages_carry_the_warning_with_the_time_left(app, make_user):
    guard = signed_in(app, make_user(Role.SECURITY))
    age(app, UserSession, last_seen_at=timedelta(minutes=30))  # renewed by this very request
    html = guard.get("/door/").text
    assert 'id="session-expiry"' in html and 'data-idle="7200"' in html
    assert "This sign-in ends soon for inactivity" in html and "js/session.js" in html


def test_focal_points_sign_out_ends_a_copy_of_the_cookie(app, client, make_delegation, delegation_link):
    delegation = make_delegation(name="Chile")
    client.get(f"/d/{delegation_link(delegation)}/")
    assert client.get("/delegation/").status_code == 200
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)  # taken on a shared mission PC
    assert copy.get("/delegation/").status_code == 200
    assert client.post("/delegation/sign-out").status_code == 200
    assert copy.get("/delegation/").status_code == 403
    assert client.get("/delegation/").status_code == 403
    assert 'id="session-expiry"' not in client.get("/delegation/").text


def test_a_new_private_link_ends_every_focal_point_sign_in(app, client, make_delegation, delegation_link):
    delegation = make_delegation(name="Chile")
    client.get(f"/d/{delegation_link(delegation)}/")
    assert client.get("/delegation/").status_code == 200
    delegation_link(delegation)  # the secretariat sends a new link
    assert client.get("/delegation/").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DelegationSession)) == 0


@pytest.mark.parametrize(
    ("ago", "works"),
    [
        ({"last_seen_at": timedelta(minutes=59)}, True),
        ({"last_seen_at": timedelta(minutes=61)}, False),
        ({"created_at": timedelta(hours=24, minutes=1), "last_seen_at": timedelta(minutes=1)}, False),
    ],
)
def test_a_focal_points_sign_in_times_out(app, client, make_delegation, delegation_link, ago, works):
    delegation = make_delegation(name="Chile")
    client.get(f"/d/{delegation_link(delegation)}/")
    age(app, DelegationSession, **ago)
    assert (client.get("/delegation/").status_code == 200) is works
