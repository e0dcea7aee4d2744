"""Confirmation e-mail through a real SMTP server on loopback, QR code included."""

from __future__ import annotations

import email
import email.policy
import io
import socket
from datetime import timedelta

import pytest
import zxingcpp
from aiosmtpd.controller import Controller
from PIL import Image
from sqlalchemy import select

from badges import codes
from kiosk.extensions import db
from kiosk.models import Event, MailStatus, OutgoingMail, Participant, Status
from kiosk.models.base import utcnow
from kiosk.services import keys, mail, registration
from kiosk.services.audit import Actor

ORGANIZER = Actor("user:test")


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def smtp(smtp_port):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield inbox
    controller.stop()


def accredit(app, participant_id: int) -> None:
    with app.app_context():
        participant = db.session.get(Participant, participant_id)
        registration.change_status(db.session, participant, Status.ACCREDITED, ORGANIZER)
        db.session.commit()


def decode_qr(png: bytes) -> str:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)), formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(results) == 1
    return results[0].text


def test_accreditation_sends_the_confirmation_with_a_qr_code_that_verifies(
    app, smtp, smtp_port, make_participant
):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_port, MAIL_SENDER="isu@example.org")
    participant = make_participant(email="lucia@example.org", given_name="Lucía", family_name="Reyes")
    accredit(app, participant.id)
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["To"] == "lucia@example.org"
    assert message["From"] == "isu@example.org"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Lucía Reyes" in text
    images = [part for part in message.walk() if part.get_content_type() == "image/png"]
    assert len(images) == 1
    code = decode_qr(images[0].get_content())
    assert code not in text  # nobody is asked to type 144 characters: the short reference is given instead
    with app.app_context():
        reference = db.session.get(Participant, participant.id).reference
    assert reference in text
    with app.app_context():
        event = db.session.get(Event, db.session.get(Participant, participant.id).event_id)
        result = codes.verify(
            code, keys.public_keys(db.session, event), event_id=event.id, kind=codes.CodeKind.CONFIRMATION
        )
        assert result.ok, result.reason
        assert result.payload.participant_id == participant.id
        sent = db.session.execute(select(OutgoingMail)).scalar_one()
        assert sent.status == MailStatus.SENT and sent.attempts == 1


def test_a_mail_server_that_is_down_loses_nothing(app, smtp_port, make_participant):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_port, MAIL_TIMEOUT=2)
    participant = make_participant(email="omar@example.org")
    accredit(app, participant.id)  # nobody listens on the port yet
    with app.app_context():
        assert db.session.get(Participant, participant.id).status == Status.ACCREDITED
        queued = db.session.execute(select(OutgoingMail)).scalar_one()
        assert (queued.status, queued.attempts) == (MailStatus.QUEUED, 1)
        assert "Connection" in queued.last_error or "refused" in queued.last_error.lower()
        assert queued.next_attempt_at > utcnow()
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        with app.app_context():
            transport = mail.transport_from_config(app.config)
            assert mail.deliver_due(db.session, transport, "isu@example.org") == (0, 0)  # not due yet
            later = utcnow() + timedelta(minutes=5)
            assert mail.deliver_due(db.session, transport, "isu@example.org", now=later) == (1, 0)
            assert db.session.execute(select(OutgoingMail)).scalar_one().status == MailStatus.SENT
    finally:
        controller.stop()
    assert [m["To"] for m in inbox.messages] == ["omar@example.org"]


def test_without_a_mail_server_messages_land_in_the_outbox(app, make_participant, tmp_path):
    participant = make_participant(email="anna@example.org", language="ru")
    accredit(app, participant.id)
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert message["To"] == "anna@example.org"


def test_a_rolled_back_accreditation_sends_nothing(app, make_participant, tmp_path):
    participant = make_participant(email="anna@example.org")
    with app.app_context():
        someone = db.session.get(Participant, participant.id)
        registration.change_status(db.session, someone, Status.ACCREDITED, ORGANIZER)
        db.session.rollback()
        db.session.commit()  # a later commit of the same session delivers nothing it forgot
    assert not list((tmp_path / "outbox").glob("*.eml"))


def test_a_delivery_that_breaks_after_the_commit_keeps_the_commit(app, make_participant, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("the transport broke")

    monkeypatch.setattr(mail, "deliver_due", broken)
    participant = make_participant(email="anna@example.org")
    accredit(app, participant.id)  # does not raise
    with app.app_context():
        assert db.session.get(Participant, participant.id).status == Status.ACCREDITED
        assert db.session.execute(select(OutgoingMail)).scalar_one().status == MailStatus.QUEUED


def test_no_address_means_no_message(app, make_delegation, make_participant):
    participant = make_participant(delegation=make_delegation(focal_point_email=""), email="")
    accredit(app, participant.id)
    with app.app_context():
        assert db.session.execute(select(OutgoingMail)).first() is None


@pytest.mark.parametrize(
    ("language", "subject_start", "body_words"),
    [
        ("fr", "Votre accréditation", "délégation"),
        ("es", "Su acreditación", "delegación"),
        ("ru", "Ваша аккредитация", "делегации"),
        ("ar", None, "وفد"),
        ("zh", None, "代表团"),
    ],
)
def test_confirmation_is_written_in_the_participants_language(
    app, make_participant, tmp_path, language, subject_start, body_words
):
    participant = make_participant(email=f"{language}@example.org", language=language)
    accredit(app, participant.id)
    (path,) = (tmp_path / "outbox").glob("*.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "You are accredited" not in text
    assert body_words in text
    if subject_start:
        assert message["Subject"].startswith(subject_start)
    html = message.get_body(preferencelist=("html",)).get_content()
    assert f'lang="{language}"' in html
