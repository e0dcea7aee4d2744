"""A confirmation code replaced by a reissue: the right advice before and after check-in, in six languages."""

from __future__ import annotations

import re

import pytest
from flask_babel import gettext
from sqlalchemy import func, select

from kiosk.extensions import db
from kiosk.models import Delegation, OutgoingMail, Participant, Role
from tests.checkin_fixtures import *  # noqa: F403 (fixtures)
from tests.conftest import bearer

LANGUAGES = ("en", "fr", "es", "ar", "zh", "ru")
NEWEST_EMAIL = "This code has been replaced by a newer one. Use the most recent confirmation e-mail."
NO_EMAIL = "This code has been replaced by a newer one."
AFTER_CHECK_IN = "For a new badge, please go to the registration desk."
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def translated(app, language: str, message: str) -> str:
    with app.test_request_context(headers={"Accept-Language": language}):
        return gettext(message)


def mails_of(app, participant_id: int) -> int:
    with app.app_context():
        return db.session.execute(
            select(func.count())
            .select_from(OutgoingMail)
            .where(OutgoingMail.participant_id == participant_id)
        ).scalar_one()


def reissue(client, participant_id: int, token: str) -> None:
    response = client.post(f"/api/v1/participants/{participant_id}/badge/reissue", headers=bearer(token))
    assert response.status_code == 200, response.json


def refusal(kiosk_client, setting, code: str, language: str):
    response = kiosk_client.post(
        f"/api/v1/events/{setting.slug}/checkins/preview",
        json={"code": code},
        headers={"Accept-Language": language},
    )
    assert response.status_code == 409, response.json
    return response.json


def check_language(app, language: str, detail: str, message: str) -> None:
    sentence = translated(app, language, message)
    assert sentence in detail
    if language != "en":
        assert sentence != message, f"{message!r} is not translated into {language}"
    if language in ("ar", "ru", "zh"):
        assert not LATIN_WORD.search(detail), detail


@pytest.mark.parametrize("language", LANGUAGES)
def test_reissued_before_check_in_the_newest_email_has_the_code(
    app, client, setting, kiosk_client, code_of, make_token, language
):
    old = code_of(setting.ana)
    before = mails_of(app, setting.ana)
    reissue(client, setting.ana, make_token(Role.DESK))
    assert mails_of(app, setting.ana) == before + 1  # the new code is on its way
    body = refusal(kiosk_client, setting, old, language)
    assert body["code"] == "code_replaced"
    check_language(app, language, body["detail"], NEWEST_EMAIL)
    assert (
        kiosk_client.post(
            f"/api/v1/events/{setting.slug}/checkins", json={"code": code_of(setting.ana)}
        ).status_code
        == 201
    )  # the newest code works


@pytest.mark.parametrize("language", LANGUAGES)
def test_reissued_after_check_in_the_desk_is_the_way(
    app, client, setting, kiosk_client, code_of, make_token, language
):
    code = code_of(setting.ana)
    assert (
        kiosk_client.post(f"/api/v1/events/{setting.slug}/checkins", json={"code": code}).status_code == 201
    )
    before = mails_of(app, setting.ana)
    reissue(client, setting.ana, make_token(Role.DESK))  # the badge was lost after check-in
    assert mails_of(app, setting.ana) == before  # no e-mail: none to point to
    body = refusal(kiosk_client, setting, code, language)
    assert body["code"] == "already_checked_in"
    assert "most recent" not in body["detail"]
    check_language(app, language, body["detail"], AFTER_CHECK_IN)


def test_replaced_without_an_address_to_send_it_to_the_desk_is_the_way(
    app, client, setting, kiosk_client, code_of, make_token
):
    with app.app_context():
        db.session.get(Participant, setting.ana).email = ""
        db.session.get(Delegation, setting.chile).focal_point_email = ""
        db.session.commit()
    old = code_of(setting.ana)
    reissue(client, setting.ana, make_token(Role.ORGANIZER))
    body = refusal(kiosk_client, setting, old, "en")
    assert body["code"] == "code_replaced"
    assert body["detail"] == f"{NO_EMAIL} Please go to the registration desk."
