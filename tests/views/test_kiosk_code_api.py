"""Send me a code: a kiosk has a one-time code e-mailed, then checks in with it as the proof."""

from __future__ import annotations

import logging

from kiosk.extensions import db
from kiosk.models import CheckIn, KioskCode, MailStatus, OutgoingMail, Role
from tests.checkin_fixtures import *  # noqa: F403 (fixtures)
from tests.conftest import bearer


def url(setting, tail: str = "") -> str:
    return f"/api/v1/events/{setting.slug}/checkins{tail}"


def other(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_a_kiosk_checks_in_with_a_code_sent_by_mail(app, setting, kiosk_client, mailed_code, caplog):
    caplog.set_level(logging.DEBUG)
    sent = kiosk_client.post(url(setting, "/codes"), json={"participant_id": setting.ana})
    assert sent.status_code == 202, sent.json
    assert sent.json == {"sent": True, "minutes": 10}  # never the address, never the code
    code = mailed_code(setting.ana)
    assert code not in caplog.text and "ana.perez" not in caplog.text
    with app.app_context():
        assert db.session.query(OutgoingMail).one().status == MailStatus.SENT  # delivered to the outbox
    body = {"participant_id": setting.ana, "proof": code, "request_id": "r-1"}
    preview = kiosk_client.post(url(setting, "/preview"), json={"participant_id": setting.ana, "proof": code})
    assert preview.status_code == 200 and preview.json["participant"]["id"] == setting.ana
    first = kiosk_client.post(url(setting), json=body)
    assert first.status_code == 201, first.json
    again = kiosk_client.post(url(setting), json=body)  # the kiosk's retry of the same request
    assert again.status_code == 201 and again.json["replayed"] is True
    with app.app_context():
        assert db.session.query(CheckIn).one().method.value == "name"
        assert db.session.query(KioskCode).one().used_at is not None
    reused = kiosk_client.post(url(setting, "/preview"), json={"participant_id": setting.ana, "proof": code})
    assert reused.status_code == 403 and reused.json["code"] == "code_expired"


def test_wrong_codes_count_and_then_send_the_person_to_the_desk(app, setting, kiosk_client, mailed_code):
    app.config["KIOSK_RATE_LIMITS"] = {"code_attempts": (3, 600.0), "proof_participant": (10, 600.0)}
    kiosk_client.post(url(setting, "/codes"), json={"participant_id": setting.ana})
    code = mailed_code(setting.ana)
    wrong = {"participant_id": setting.ana, "proof": other(code)}
    first = kiosk_client.post(url(setting, "/preview"), json=wrong)
    assert first.status_code == 403 and first.json["code"] == "proof_mismatch"
    assert "not the code we sent" in first.json["detail"] and "2 more times" in first.json["detail"]
    kiosk_client.post(url(setting, "/preview"), json=wrong)
    third = kiosk_client.post(url(setting, "/preview"), json=wrong)
    assert third.status_code == 429 and "registration desk" in third.json["detail"]
    right = kiosk_client.post(url(setting), json={"participant_id": setting.ana, "proof": code})
    assert right.status_code == 429


def test_an_expired_code_asks_for_a_new_one(app, setting, kiosk_client, mailed_code):
    app.config["KIOSK_CODE_MINUTES"] = 0
    assert (
        kiosk_client.post(url(setting, "/codes"), json={"participant_id": setting.ana}).json["minutes"] == 0
    )
    response = kiosk_client.post(
        url(setting), json={"participant_id": setting.ana, "proof": mailed_code(setting.ana)}
    )
    assert response.status_code == 403 and response.json["code"] == "code_expired"
    assert "Ask for a new code" in response.json["detail"]


def test_a_kiosk_cannot_fill_a_mailbox(app, setting, kiosk_client):
    app.config["KIOSK_RATE_LIMITS"] = {"code_participant": (2, 3600.0)}
    for _n in range(2):
        assert (
            kiosk_client.post(url(setting, "/codes"), json={"participant_id": setting.ana}).status_code == 202
        )
    refused = kiosk_client.post(url(setting, "/codes"), json={"participant_id": setting.ana})
    assert refused.status_code == 429 and "registration desk" in refused.json["detail"]
    with app.app_context():
        assert db.session.query(OutgoingMail).count() == 2


def test_codes_per_kiosk_are_limited_too(app, setting, kiosk_client):
    app.config["KIOSK_RATE_LIMITS"] = {"code_kiosk": (1, 3600.0)}
    assert kiosk_client.post(url(setting, "/codes"), json={"participant_id": setting.ana}).status_code == 202
    assert (
        kiosk_client.post(url(setting, "/codes"), json={"participant_id": setting.bruno}).status_code == 429
    )


def test_no_code_for_someone_not_listed_and_a_sentence_for_bad_input(app, setting, kiosk_client):
    pending = kiosk_client.post(url(setting, "/codes"), json={"participant_id": setting.bruno})
    assert pending.status_code == 404 and pending.json["code"] == "unknown_code"
    assert kiosk_client.post(url(setting, "/codes"), json={"participant_id": "1"}).status_code == 422


def test_the_desk_does_not_send_codes(app, setting, make_token):
    response = app.test_client().post(
        url(setting, "/codes"), json={"participant_id": setting.ana}, headers=bearer(make_token(Role.DESK))
    )
    assert response.status_code == 403


def test_openapi_documents_send_me_a_code(client):
    document = client.get("/api/v1/openapi.json").json
    operation = document["paths"]["/api/v1/events/{slug}/checkins/codes"]["post"]
    assert "202" in operation["responses"] and "429" in operation["responses"]
    checkin = document["paths"]["/api/v1/events/{slug}/checkins"]["post"]
    assert "code_expired" in checkin["responses"]["403"]["description"]
