"""One-time codes from a kiosk: hashed, short-lived, single use, replaced, limited; an address is no proof."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta

import pytest

from kiosk.extensions import db
from kiosk.models import AuditEntry, Event, KioskCode, MailStatus, OutgoingMail, Participant, Status
from kiosk.models.base import utcnow
from kiosk.services import checkin, kiosk_codes
from kiosk.services.audit import Actor
from kiosk.services.errors import CodeExpired, NoAddress, ProofMismatch, TooManyAttempts, UnknownCode
from kiosk.services.ratelimit import RateLimit
from tests.checkin_fixtures import *  # noqa: F403 (fixtures)
from tests.checkin_fixtures import code_in_mail

KEY = kiosk_codes.hash_key("test secret")
KIOSK_ACTOR = Actor("kiosk:1")


def send(app, setting, participant_id: int | None = None, **kwargs) -> tuple[str, int]:
    """Ask for a code; return it (read from the e-mail queued) and the row's id."""
    with app.app_context():
        event = db.session.get(Event, setting.event_id)
        row = kiosk_codes.send_code(
            db.session, event, participant_id or setting.ana, KEY, KIOSK_ACTOR, **kwargs
        )
        db.session.commit()
        return code_in_mail(db.session.get(OutgoingMail, row.mail_id).message), row.id


def check(app, setting, code: str, attempts=None, **kwargs) -> int:
    with app.app_context():
        event = db.session.get(Event, setting.event_id)
        return kiosk_codes.participant_for_code(
            db.session, event, setting.ana, code, KEY, attempts or RateLimit(5, 600), **kwargs
        ).id


def spend(app, setting, code: str, request_id: str = "r1") -> None:
    with app.app_context():
        kiosk_codes.spend(db.session, db.session.get(Participant, setting.ana), code, request_id)
        db.session.commit()


def other(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_the_email_address_alone_is_no_longer_a_proof(app, setting):
    """Addresses of delegates are often public: typing one at a kiosk proves nothing."""
    with app.app_context():
        event = db.session.get(Event, setting.event_id)
        for address in ("ana.perez@example.org", " Ana.Perez@Example.org "):
            with pytest.raises(ProofMismatch, match="e-mail address is not enough"):
                checkin.participant_for_proof(db.session, event, setting.ana, address)


def test_only_a_keyed_hash_is_stored_and_the_mail_says_how_long(app, setting):
    code, row_id = send(app, setting, minutes=7)
    assert len(code) == 6 and code.isdigit()
    with app.app_context():
        row = db.session.get(KioskCode, row_id)
        assert code not in (row.code_hash, row.salt) and len(row.code_hash) == 64
        assert row.expires_at - row.created_at == timedelta(minutes=7)
        audit = db.session.query(AuditEntry).filter_by(action="participant.kiosk_code_sent").one()
        assert code not in str(audit.changes)
        sent = db.session.get(OutgoingMail, row.mail_id)
        assert sent.recipient == "ana.perez@example.org" and code not in sent.subject
        text = email.message_from_bytes(sent.message, policy=email.policy.default).get_body(("plain",))
        assert "7 minutes" in text.get_content()
        assert "ignore this message and tell the secretariat" in text.get_content()
    assert check(app, setting, code) == setting.ana
    assert check(app, setting, f" {code[:3]} {code[3:]} ") == setting.ana  # spaces aside


def test_the_mail_is_in_the_participants_language(app, setting):
    with app.app_context():
        db.session.get(Participant, setting.ana).language = "fr"
        db.session.commit()
    send(app, setting)
    with app.app_context():
        row = db.session.execute(db.select(KioskCode)).scalar_one()
        sent = db.session.get(OutgoingMail, row.mail_id)
        body = email.message_from_bytes(sent.message, policy=email.policy.default).get_body(("plain",))
        assert "minutes" in body.get_content() and "secrétariat" in body.get_content()


def test_a_code_expires(app, setting):
    code, _row = send(app, setting, minutes=10)
    later = utcnow() + timedelta(minutes=10, seconds=1)
    with pytest.raises(CodeExpired, match="Ask for a new code"):
        check(app, setting, code, now=later)
    assert check(app, setting, code, now=later - timedelta(seconds=2)) == setting.ana


def test_a_code_works_once_except_for_the_same_request_sent_again(app, setting):
    code, row_id = send(app, setting)
    spend(app, setting, code, "first")
    with pytest.raises(CodeExpired, match="already been used"):
        check(app, setting, code)
    with pytest.raises(CodeExpired):
        check(app, setting, code, request_id="second")
    assert check(app, setting, code, request_id="first") == setting.ana  # a retry of that check-in
    with app.app_context():
        row = db.session.get(KioskCode, row_id)
        assert row.used_at is not None
        assert code.encode() not in db.session.get(OutgoingMail, row.mail_id).message  # scrubbed


def test_a_new_request_replaces_the_code(app, setting):
    first, first_row = send(app, setting)
    with app.app_context():
        db.session.get(OutgoingMail, db.session.get(KioskCode, first_row).mail_id).status = MailStatus.QUEUED
        db.session.commit()
    second, second_row = send(app, setting)
    assert second_row == first_row  # one row per participant
    if first != second:
        with pytest.raises(ProofMismatch):
            check(app, setting, first)
    assert check(app, setting, second) == setting.ana
    with app.app_context():
        mails = db.session.query(OutgoingMail).order_by(OutgoingMail.id).all()
        assert len(mails) == 2
        assert mails[0].status == MailStatus.FAILED  # the replaced code, still queued, is never sent
        assert first.encode() not in mails[0].message


def test_wrong_codes_are_limited_per_code(app, setting):
    code, _row = send(app, setting)
    attempts = RateLimit(3, 600)
    for left in (2, 1):
        with pytest.raises(ProofMismatch, match=f"try {left} more time"):
            check(app, setting, other(code), attempts)
    with pytest.raises(TooManyAttempts, match="registration desk"):
        check(app, setting, other(code), attempts)
    with pytest.raises(TooManyAttempts):
        check(app, setting, code, attempts)  # even the right code, now
    code, _row = send(app, setting)
    assert check(app, setting, code, attempts) == setting.ana  # a new code starts afresh


def test_no_code_for_people_find_me_does_not_list_or_without_an_address(app, setting, make_participant):
    with pytest.raises(UnknownCode):
        send(app, setting, setting.bruno)  # pending
    with app.app_context():
        db.session.get(Participant, setting.ana).delegation.focal_point_email = ""
        db.session.commit()
    with app.app_context():
        chile = db.session.get(Participant, setting.ana).delegation
    silent = make_participant(
        chile, status=Status.ACCREDITED, given_name="Eva", family_name="Pérez", email=None
    )
    with pytest.raises(NoAddress):
        send(app, setting, silent.id)
    with pytest.raises(CodeExpired):
        check(app, setting, "123456")  # none was asked for
