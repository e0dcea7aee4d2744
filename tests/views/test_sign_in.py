"""Sign-in: same-site `next` only, rate limits per account and per address, sign-out ends the session."""

from __future__ import annotations

import email
import email.policy
import shutil
import uuid
from datetime import timedelta

import pytest
import redis
from sqlalchemy import func, select, update

from kiosk import create_app
from kiosk.extensions import db
from kiosk.models import OutgoingMail, Role, UserSession
from kiosk.models.base import utcnow
from tests.conftest import PASSWORD, base_config


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example",
        "/%0a/evil.example",
        "//evil.example",
        "/\\evil.example",
        "/%5Cevil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "%2F%2Fevil.example",
        " /admin/",
    ],
)
def test_next_must_be_a_path_on_this_site(client, make_user, target):
    user = make_user(Role.ORGANIZER)
    response = client.post(f"/login?next={target}", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"


def test_a_same_site_next_is_followed(client, make_user):
    user = make_user(Role.ORGANIZER)
    response = client.post(
        "/login?next=/admin/accounts/%3Fx%3D1", data={"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/admin/accounts/?x=1"


def fail(client, email: str, address: str = "192.0.2.1"):
    return client.post(
        "/login", data={"email": email, "password": "wrong"}, environ_base={"REMOTE_ADDR": address}
    )


def sign_in(client, email: str, address: str):
    return client.post(
        "/login", data={"email": email, "password": PASSWORD}, environ_base={"REMOTE_ADDR": address}
    )


@pytest.fixture
def pauses(monkeypatch) -> list[float]:
    """The waits imposed on sign-ins (recorded, not slept)."""
    waited: list[float] = []
    monkeypatch.setattr("kiosk.views.auth._pause", waited.append, raising=False)
    return waited


def test_failed_sign_ins_are_limited_per_account_and_address(app, client, make_user, pauses):
    app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"] = "3 per minute"
    user = make_user(Role.ORGANIZER)
    for _n in range(3):
        assert fail(client, user.email, "192.0.2.66").status_code == 200
    refused = sign_in(client, user.email, "192.0.2.66")  # the right password, from that address
    assert refused.status_code == 429
    assert "Too many sign-in attempts. Wait a few minutes, then try again." in refused.text
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    # Another account from that address, and the account from another address, are not refused.
    other = make_user(Role.DESK)
    assert sign_in(client, other.email, "192.0.2.66").status_code == 302
    assert sign_in(client, user.email, "192.0.2.9").status_code == 302


def test_an_attacker_failing_many_times_does_not_lock_the_owner_out(app, client, make_user, pauses):
    app.config["LOGIN_SLOWDOWN_SECONDS"] = 2.5
    user = make_user(Role.SECURITY)
    # Five wrong passwords a minute from one address (the default limits), then more from others.
    for _n in range(5):
        assert fail(client, user.email, "203.0.113.66").status_code == 200
    assert fail(client, user.email, "203.0.113.66").status_code == 429
    for n in range(10):
        assert fail(client, user.email, f"203.0.113.{100 + n}").status_code == 200
    assert pauses == [2.5] * 10  # beyond 5 failures a minute on the account, every attempt waits
    pauses.clear()
    owner = sign_in(client, user.email, "192.0.2.10")
    assert owner.status_code == 302 and owner.headers["Location"] == "/door/"
    assert pauses == [2.5]  # slowed down, not refused
    assert fail(client, "someone.else@example.org", "203.0.113.200").status_code == 200
    assert pauses == [2.5]  # other accounts are not slowed


def test_failed_sign_ins_are_limited_per_address(app, client, make_user):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "4 per minute"
    for n in range(4):
        assert fail(client, f"nobody{n}@example.org", "198.51.100.7").status_code == 200
    assert fail(client, "someone.else@example.org", "198.51.100.7").status_code == 429
    assert fail(client, "someone.else@example.org", "198.51.100.8").status_code == 200


def test_successful_sign_ins_do_not_count(app, client, make_user, pauses):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per minute"
    app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"] = "2 per minute"
    user = make_user(Role.ORGANIZER)
    for _n in range(4):
        ok = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert ok.status_code == 302
    assert pauses == []


def test_limits_live_in_redis_when_redis_url_is_set(database, tmp_path, monkeypatch):
    """With REDIS_URL, every worker and server counts the same attempts."""
    monkeypatch.setenv("KIOSK_INSTANCE_PATH", str(tmp_path / "instance"))
    backend, location = database
    if backend == "sqlite":
        shutil.copyfile(location, tmp_path / "redis.sqlite")
        location = str(tmp_path / "redis.sqlite")
    uri = f"sqlite:///{location}" if backend == "sqlite" else location
    config = {**base_config(uri, tmp_path), "REDIS_URL": "redis://127.0.0.1:6379/0"}
    config["LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"] = "2 per minute"
    email = f"redis-{uuid.uuid4().hex}@example.org"
    first, second = create_app(config), create_app(config)  # two workers
    try:
        assert first.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
        for _n in range(2):
            assert fail(first.test_client(), email).status_code == 200
        keys = redis.Redis.from_url("redis://127.0.0.1:6379/0").keys(f"*{email}*")
        assert keys, "the attempts are counted in Redis"
        assert fail(second.test_client(), email).status_code == 429
    finally:
        for worker in (first, second):
            with worker.app_context():
                db.engine.dispose()


def test_sign_out_ends_the_session_on_the_server(app, client, login):
    login(Role.ORGANIZER)
    assert client.get("/admin/").status_code == 200
    saved = client.get_cookie("session").value
    assert client.post("/logout").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", saved)
    response = replay.get("/admin/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def _signed_in(app, user, devices: int = 2):
    clients = [app.test_client() for _ in range(devices)]
    for device in clients:
        assert device.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
        assert not _signed_out(device)
    return clients


def _signed_out(device) -> bool:
    """Sent to the sign-in page (a 403 would mean signed in, with another role)."""
    response = device.get("/admin/")
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_signing_out_on_one_device_leaves_the_others_signed_in(app, make_user):
    laptop, wall_screen = _signed_in(app, make_user(Role.ORGANIZER))
    saved = laptop.get_cookie("session").value
    laptop.post("/logout")
    assert _signed_out(laptop)
    assert wall_screen.get("/admin/").status_code == 200
    replay = app.test_client()
    replay.set_cookie("session", saved)
    assert _signed_out(replay)


def test_deactivating_a_user_signs_them_out_everywhere_for_good(app, client, login, make_user):
    login(Role.ORGANIZER)
    user = make_user(Role.SECURITY)
    phone, tablet = _signed_in(app, user)
    assert client.post(f"/admin/accounts/users/{user.id}/active", data={"active": "0"}).status_code == 302
    assert _signed_out(phone) and _signed_out(tablet)
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(UserSession.user_id == user.id)) == 0
    assert client.post(f"/admin/accounts/users/{user.id}/active", data={"active": "1"}).status_code == 302
    assert _signed_out(phone) and _signed_out(tablet)


def test_a_sign_in_older_than_the_session_lifetime_is_refused(app, make_user):
    user, gone = make_user(Role.ORGANIZER), make_user(Role.DESK)
    (laptop,) = _signed_in(app, user, devices=1)
    _signed_in(app, gone, devices=1)  # someone who never signs in again
    with app.app_context():
        db.session.execute(
            update(UserSession).values(
                created_at=utcnow() - app.permanent_session_lifetime - timedelta(minutes=1)
            )
        )
        db.session.commit()
    assert _signed_out(laptop)
    _signed_in(app, user, devices=1)  # a new sign-in drops every expired one, anyone's
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(UserSession.user_id == user.id)) == 1
        assert db.session.scalar(select(func.count()).where(UserSession.user_id == gone.id)) == 0


def test_a_cookie_from_before_per_browser_sign_ins_is_refused(app, make_user):
    user = make_user(Role.ORGANIZER)
    (laptop,) = _signed_in(app, user, devices=1)
    with laptop.session_transaction() as cookie:
        cookie["_user_id"] = f"{user.id}:{'0' * 32}"  # the per-user nonce of 0007
    assert _signed_out(laptop)


def test_forms_work_over_https_without_a_referer(app, client, make_user):
    """Behind the TLS proxy pages ask for no Referer (Referrer-Policy); the CSRF token is enough."""
    app.config["WTF_CSRF_ENABLED"] = True
    user = make_user(Role.ORGANIZER)
    page = client.get("/login", base_url="https://venue.example")
    token = page.text.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/login",
        base_url="https://venue.example",
        data={"csrf_token": token, "email": user.email, "password": PASSWORD},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    forged = client.post(
        "/login", base_url="https://venue.example", data={"email": user.email, "password": PASSWORD}
    )
    assert forged.status_code == 400  # without the token: refused


def test_the_owner_of_an_account_under_attack_is_told_once_an_hour(app, client, make_user, pauses):
    user = make_user(Role.ORGANIZER)
    for n in range(12):  # beyond 5 failures a minute on the account, from many addresses
        assert fail(client, user.email, f"203.0.113.{10 + n}").status_code == 200
    for n in range(12):  # and on an address that is not an account: nobody to tell
        assert fail(client, "nobody@example.org", f"203.0.113.{50 + n}").status_code == 200
    with app.app_context():
        warnings = db.session.scalars(select(OutgoingMail)).all()
    assert [mail.recipient for mail in warnings] == [user.email]
    text = email.message_from_bytes(warnings[0].message, policy=email.policy.default).get_content()
    assert warnings[0].subject == "Failed sign-ins to your account"
    assert f"the accreditation account {user.email}" in text and "not locked" in text
    assert "203.0.113" not in text  # nothing about the attempts but that they happen
