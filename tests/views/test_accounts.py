"""Organizer pages for staff accounts and tokens."""

from __future__ import annotations

from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import ApiToken, Role, User
from tests.conftest import bearer


def test_only_organizers_open_the_accounts_page(client, login):
    assert client.get("/admin/accounts/").status_code == 302  # to the sign-in page
    login(Role.DESK)
    assert client.get("/admin/accounts/").status_code == 403


def test_organizer_creates_a_user_who_can_sign_in(app, client, login):
    login(Role.ORGANIZER)
    refused = client.post("/admin/accounts/users", data={"email": "x", "role": "desk", "password": "short"})
    assert refused.status_code == 422
    assert "at least 10 characters" in refused.text and "Enter an e-mail address" in refused.text
    created = client.post(
        "/admin/accounts/users",
        data={"email": "Desk@Example.org", "role": "desk", "password": "desk password 1"},
    )
    assert created.status_code == 302
    other = app.test_client()
    assert (
        other.post("/login", data={"email": "desk@example.org", "password": "desk password 1"}).status_code
        == 302
    )


def test_token_is_shown_once_works_and_can_be_revoked(app, client, login):
    login(Role.ORGANIZER)
    page = client.post("/admin/accounts/tokens", data={"name": "Kiosk 3", "role": "kiosk", "event_id": ""})
    assert page.status_code == 200
    secret = page.text.split('<code class="secret" dir="ltr">')[1].split("</code>")[0]
    assert client.get("/api/v1/events", headers=bearer(secret)).status_code == 200
    with app.app_context():
        token = db.session.execute(select(ApiToken)).scalar_one()
        assert token.role == Role.KIOSK and secret not in token.token_hash
    assert secret not in client.get("/admin/accounts/").text
    client.post(f"/admin/accounts/tokens/{token.id}/revoke")
    assert client.get("/api/v1/events", headers=bearer(secret)).status_code == 401


def test_deactivated_user_cannot_sign_in(app, client, login, make_user):
    login(Role.ORGANIZER)
    desk = make_user(Role.DESK, email="desk2@example.org")
    client.post(f"/admin/accounts/users/{desk.id}/active", data={"active": "0"})
    with app.app_context():
        assert db.session.get(User, desk.id).active is False
    other = app.test_client()
    response = other.post("/login", data={"email": "desk2@example.org", "password": "correct horse battery"})
    assert response.status_code == 200 and "not right" in response.text
