"""A second factor for staff sign-ins: TOTP enrolment, codes used once, recovery codes, resets."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from config import CONFIGS
from kiosk.extensions import db
from kiosk.models import AuditEntry, RecoveryCode, Role, User
from tests.conftest import PASSWORD


@pytest.fixture
def required(app):
    app.config["SECOND_FACTOR_ROLES"] = ("organizer",)


def password(client, user, follow: bool = False):
    return client.post("/login", data={"email": user.email, "password": PASSWORD}, follow_redirects=follow)


def enrol(client, user) -> tuple[pyotp.TOTP, list[str]]:
    """Password, then the enrolment page: the key typed by hand, a code; the recovery codes."""
    page = password(client, user, follow=True)
    assert page.request.path == "/login/enrol"
    assert "<svg" in page.text  # the QR code, drawn in the page
    secret = re.search(r'class="totp-secret" dir="ltr">([A-Z2-7 ]+)<', page.text).group(1).replace(" ", "")
    totp = pyotp.TOTP(secret)
    done = client.post("/login/enrol", data={"code": totp.now()})
    assert done.status_code == 200, done.text
    codes = re.findall(r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>", done.text)
    return totp, codes


def signed_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def later_code(totp: pyotp.TOTP, steps: int = 1) -> str:
    """The code of a coming time step (accepted one step early: clocks drift)."""
    return totp.at(time.time() + steps * totp.interval)


def test_production_requires_it_of_organizers_and_the_demo_does_not():
    assert CONFIGS["production"].SECOND_FACTOR_ROLES == ("organizer",)
    assert CONFIGS["development"].SECOND_FACTOR_ROLES == ()


def test_an_organizer_enrols_at_the_first_sign_in_and_gets_ten_recovery_codes(
    app, client, make_user, required
):
    user = make_user(Role.ORGANIZER)
    first = password(client, user)
    assert first.status_code == 302 and first.headers["Location"] == "/login/enrol"
    assert not signed_in(client)  # the password alone is not enough
    totp, codes = enrol(client, user)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert signed_in(client)
    with app.app_context():
        row = db.session.get(User, user.id)
        assert row.totp_confirmed and totp.secret not in row.totp_secret  # kept encrypted
        assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.entity_id == user.id)) == (
            "user.second_factor.enrol"
        )


def test_a_wrong_code_does_not_enrol(client, make_user, required):
    user = make_user(Role.ORGANIZER)
    password(client, user, follow=True)
    refused = client.post("/login/enrol", data={"code": "000000"})
    assert refused.status_code == 422 and "That code is not right" in refused.text
    assert not signed_in(client)


def test_the_next_sign_in_asks_for_a_code_and_each_code_works_once(app, make_user, required):
    user = make_user(Role.ORGANIZER)
    laptop = app.test_client()
    totp, _codes = enrol(laptop, user)
    tablet = app.test_client()
    assert password(tablet, user).headers["Location"] == "/login/code"
    used = totp.now()  # the enrolment's step is used; so is this one
    assert tablet.post("/login/code", data={"code": used}).status_code == 422
    assert not signed_in(tablet)
    assert tablet.post("/login/code", data={"code": later_code(totp)}).status_code == 302
    assert signed_in(tablet)
    phone = app.test_client()
    password(phone, user)
    assert phone.post("/login/code", data={"code": later_code(totp)}).status_code == 422  # replayed


def test_a_recovery_code_signs_in_once(app, make_user, required):
    user = make_user(Role.ORGANIZER)
    _totp, codes = enrol(app.test_client(), user)
    lost_phone = app.test_client()
    password(lost_phone, user)
    answer = lost_phone.post(
        "/login/code", data={"code": codes[3].upper().replace("-", " ")}, follow_redirects=True
    )
    assert "9 left" in answer.text and signed_in(lost_phone)
    again = app.test_client()
    password(again, user)
    assert again.post("/login/code", data={"code": codes[3]}).status_code == 422
    with app.app_context():
        assert (
            db.session.scalar(select(RecoveryCode.used_at).where(RecoveryCode.used_at.is_not(None)))
            is not None
        )


def test_five_wrong_codes_send_back_to_the_password(app, make_user, required):
    user = make_user(Role.ORGANIZER)
    totp, _codes = enrol(app.test_client(), user)
    guesser = app.test_client()
    password(guesser, user)
    for _ in range(5):
        assert guesser.post("/login/code", data={"code": "123456"}).status_code == 422
    stopped = guesser.post("/login/code", data={"code": later_code(totp)})
    assert stopped.status_code == 302 and stopped.headers["Location"] == "/login"
    assert not signed_in(guesser)
    # The count is kept on the server per account: a fresh password step does not reset it.
    password(guesser, user)
    assert guesser.post("/login/code", data={"code": later_code(totp)}).headers["Location"] == "/login"


def test_the_code_step_lasts_five_minutes_and_needs_the_password_first(app, client, make_user, required):
    assert client.get("/login/code").headers["Location"] == "/login"
    user = make_user(Role.ORGANIZER)
    totp, _codes = enrol(app.test_client(), user)
    password(client, user)
    with client.session_transaction() as cookie:
        pending = cookie["pending_sign_in"]
        cookie["pending_sign_in"] = {**pending, "at": pending["at"] - 301}
    assert client.post("/login/code", data={"code": later_code(totp)}).headers["Location"] == "/login"
    assert not signed_in(client)


def test_desk_staff_sign_in_with_a_password_and_may_enrol_by_choice(app, client, make_user, required):
    user = make_user(Role.DESK)
    assert password(client, user).headers["Location"] == "/desk/"
    page = client.get("/account/second-factor")
    assert page.status_code == 200 and "<svg" in page.text
    secret = re.search(r'class="totp-secret" dir="ltr">([A-Z2-7 ]+)<', page.text).group(1).replace(" ", "")
    assert client.post("/account/second-factor", data={"code": pyotp.TOTP(secret).now()}).status_code == 200
    assert "recovery codes are left" in client.get("/account/second-factor").text
    other = app.test_client()
    assert password(other, user).headers["Location"] == "/login/code"


def test_an_organizer_removes_a_lost_second_factor(app, client, login, make_user, required):
    guard = make_user(Role.SECURITY)
    enrol_client = app.test_client()
    password(enrol_client, guard)
    page = enrol_client.get("/account/second-factor")
    secret = re.search(r'class="totp-secret" dir="ltr">([A-Z2-7 ]+)<', page.text).group(1).replace(" ", "")
    enrol_client.post("/account/second-factor", data={"code": pyotp.TOTP(secret).now()})
    app.config["SECOND_FACTOR_ROLES"] = ()
    login(Role.ORGANIZER)
    assert "Remove second factor" in client.get("/admin/accounts/").text
    assert client.post(f"/admin/accounts/users/{guard.id}/second-factor/reset").status_code == 302
    with app.app_context():
        row = db.session.get(User, guard.id)
        assert row.totp_secret is None and not row.totp_confirmed
        assert db.session.scalar(select(RecoveryCode.id).where(RecoveryCode.user_id == guard.id)) is None
    assert password(app.test_client(), guard).headers["Location"] == "/door/"


def test_the_cli_removes_a_second_factor(app, make_user, required):
    user = make_user(Role.ORGANIZER)
    enrol(app.test_client(), user)
    result = app.test_cli_runner().invoke(args=["reset-second-factor", user.email.upper()])
    assert result.exit_code == 0, result.output
    assert "set it up again at their next sign-in" in result.output
    assert password(app.test_client(), user).headers["Location"] == "/login/enrol"
    missing = app.test_cli_runner().invoke(args=["reset-second-factor", "nobody@example.org"])
    assert missing.exit_code != 0 and "There is no user nobody@example.org" in missing.output


def test_a_changed_secret_key_asks_for_enrolment_again_instead_of_failing(app, make_user, required):
    user = make_user(Role.ORGANIZER)
    totp, _codes = enrol(app.test_client(), user)
    app.config["SECRET_KEY"] = "another-secret-key"
    device = app.test_client()
    password(device, user)
    assert device.post("/login/code", data={"code": later_code(totp)}).status_code == 422
