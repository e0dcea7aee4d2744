"""Everyone lands where they work after signing in, and a refusal shows the way back."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kiosk.models import Role
from tests.conftest import PASSWORD


def today() -> date:
    """Today where the events are (their time zone, Europe/Zurich), whatever the machine's zone."""
    return datetime.now(ZoneInfo("Europe/Zurich")).date()


def sign_in(client, user):
    return client.post("/login", data={"email": user.email, "password": PASSWORD})


@pytest.mark.parametrize(
    ("role", "home"),
    [(Role.ORGANIZER, "/admin/"), (Role.DESK, "/desk/"), (Role.SECURITY, "/door/"), (Role.KIOSK, "/kiosk/")],
)
def test_each_role_lands_on_its_own_pages(client, make_user, role, home):
    response = sign_in(client, make_user(role))
    assert response.status_code == 302
    assert response.headers["Location"] == home
    assert client.get("/").headers["Location"] == home


def test_the_desk_opens_on_the_event_running_today(client, make_user, make_event):
    make_event(slug="later", title="Later meeting")
    running = make_event(slug="today", title="Meeting of today", starts_on=today(), ends_on=today())
    make_event(slug="past", starts_on=today() - timedelta(days=9), ends_on=today() - timedelta(days=8))
    sign_in(client, make_user(Role.DESK))
    assert client.get("/desk/").headers["Location"] == f"/desk/{running.slug}/"


def test_the_desk_offers_a_choice_when_several_events_or_none_run_today(client, make_user, make_event):
    make_event(slug="later", title="Later meeting")
    make_event(slug="past", title="Past meeting", starts_on=date(2024, 6, 18), ends_on=date(2024, 6, 20))
    sign_in(client, make_user(Role.DESK))
    none_today = client.get("/desk/")
    assert none_today.status_code == 200
    assert "Which event?" in none_today.text and "Later meeting" in none_today.text
    assert "Past meeting" in none_today.text
    days = {"starts_on": today() - timedelta(days=1), "ends_on": today() + timedelta(days=1)}
    make_event(slug="a", title="First of today", **days)
    make_event(slug="b", title="Second of today", **days)
    several = client.get("/desk/")
    assert several.status_code == 200
    text = several.text
    assert text.index("First of today") < text.index("Later meeting")  # today's events come first
    assert text.count(">Today<") == 2


def test_the_only_event_opens_its_desk_whatever_its_dates(client, make_user, make_event):
    event = make_event()
    sign_in(client, make_user(Role.DESK))
    assert client.get("/desk/").headers["Location"] == f"/desk/{event.slug}/"


@pytest.mark.parametrize(
    ("role", "refused", "home", "label"),
    [
        (Role.DESK, "/admin/", "/desk/", "Go to the registration desk"),
        (Role.SECURITY, "/desk/", "/door/", "Go to the door scanner"),
        (Role.DESK, "/door/", "/desk/", "Go to the registration desk"),
    ],
)
def test_a_refusal_offers_the_own_pages_and_sign_out(client, make_user, role, refused, home, label):
    user = make_user(role)
    sign_in(client, user)
    response = client.get(refused)
    assert response.status_code == 403
    assert "No access" in response.text and "Your account may not open this page." in response.text
    assert f'id="own-pages" href="{home}"' in response.text and label in response.text
    assert 'action="/logout"' in response.text and user.email in response.text


def test_a_refusal_in_arabic_is_translated(client, make_user):
    sign_in(client, make_user(Role.DESK))
    response = client.get("/admin/?lang=ar")
    assert response.status_code == 403
    assert 'dir="rtl"' in response.text
    assert "No access" not in response.text and "Go to the registration desk" not in response.text
    assert 'id="own-pages" href="/desk/"' in response.text


def test_a_refusal_without_a_sign_in_offers_the_staff_sign_in(client):
    response = client.get("/delegation/")
    assert response.status_code == 403
    assert 'id="staff-sign-in" href="/login"' in response.text
