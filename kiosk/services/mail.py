"""Confirmation e-mail: composed in the participant's language, queued, delivered with retries."""

from __future__ import annotations

import email.policy
import io
import logging
import smtplib
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any, Protocol

import qrcode
from flask import Flask, current_app, has_app_context, render_template
from flask_babel import force_locale, pgettext
from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from badges.names import NameStyle
from kiosk.models import Delegation, Event, Gender, MailStatus, OutgoingMail, Participant, User
from kiosk.models.base import utcnow
from kiosk.services import countries, titles, vocabulary
from kiosk.services.dates import format_days, format_meeting
from kiosk.services.keys import confirmation_code

log = logging.getLogger(__name__)

#: Languages written right to left: names inside their sentences are isolated.
RTL_LANGUAGES = frozenset({"ar"})
#: Longest wait between two delivery attempts of one message.
MAX_BACKOFF = timedelta(hours=1)
_PENDING = "mail_delivery"


def qr_png(code: str, box_size: int = 6) -> bytes:
    """A PNG of `code` as a QR code (alphanumeric mode, error correction M)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=4)
    qr.add_data(code)
    qr.make(fit=True)
    buffer = io.BytesIO()
    qr.make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def salutation(participant: Participant, language: str | None = None) -> str:
    """The opening line in `language` (default: the current one), following the recorded gender.

    A listed title takes its form in the language and for the gender ("Excma. Sra.", "S.E. Mme",
    "سعادة السيدة", "女士阁下" after the name) and replaces Mr./Ms.; a free-text title is written as
    typed; without a title or a gender the full name alone is used. In Arabic the name and a
    Latin title are isolated, so the line reads right to left without moving their dots.
    """
    language = language or titles.current_language()
    with force_locale(language):
        return _salutation(participant, language)


def _salutation(participant: Participant, language: str) -> str:
    """The opening line in the current language (see `salutation`)."""
    isolate = language in RTL_LANGUAGES
    family = participant.family_name
    gender = vocabulary.gender_key(participant.gender)
    if participant.title.strip():
        name = titles.titled(
            participant.title, "", family, language, participant.gender, NameStyle.FORMAL, isolate=isolate
        )
        if gender == Gender.FEMALE:
            return pgettext("salutation, woman with title", "Dear %(titled_name)s,", titled_name=name)
        if gender == Gender.MALE:
            return pgettext("salutation, man with title", "Dear %(titled_name)s,", titled_name=name)
        return pgettext("salutation, title, gender not known", "Dear %(titled_name)s,", titled_name=name)
    if gender is None:
        family = participant.full_name
    if isolate:
        family = f"{titles.FSI}{family}{titles.PDI}"
    if gender == Gender.FEMALE:
        return pgettext("salutation, woman", "Dear Ms. %(name)s,", name=family)
    if gender == Gender.MALE:
        return pgettext("salutation, man", "Dear Mr. %(name)s,", name=family)
    return pgettext("salutation, gender not known", "Dear %(name)s,", name=family)


def accredited_line(participant: Participant, event: str, delegation: Delegation) -> str:
    """ "You are accredited …" in the current language, accrédité or accréditée as the gender says,
    the delegation with the words that follow "delegation" ("de la Suisse", "del Reino Unido")."""
    gender = vocabulary.gender_key(participant.gender)
    words = {"event": event, "of_delegation": countries.of_delegation(delegation)}
    if gender == Gender.FEMALE:
        return pgettext(
            "female",
            "You are accredited to %(event)s as a member of the delegation %(of_delegation)s.",
            **words,
        )
    if gender == Gender.MALE:
        return pgettext(
            "male",
            "You are accredited to %(event)s as a member of the delegation %(of_delegation)s.",
            **words,
        )
    return _("You are accredited to %(event)s as a member of the delegation %(of_delegation)s.", **words)


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip(" >") or "accreditation.invalid"


def recipient(participant: Participant) -> str:
    """Where the participant's confirmation e-mails go: their address, else the focal point's, else ""."""
    return participant.email or participant.delegation.focal_point_email or ""


def queue_confirmation(session: Session, participant: Participant) -> OutgoingMail | None:
    """Queue the confirmation e-mail with the participant's QR code and reference (None if no address)."""
    delegation = participant.delegation
    recipient_address = recipient(participant)
    if not recipient_address:
        return None
    event = delegation.event
    code = confirmation_code(session, participant)
    domain = _domain(event.mail_sender or event.contact_email)
    cid = make_msgid(domain=domain)
    language = participant.language or "en"
    with force_locale(language):
        subject = _("Your accreditation to %(event)s", event=event.title)
        context = {
            "participant": participant,
            "delegation": delegation,
            "event": event,
            "salutation": salutation(participant, language),
            "accredited": accredited_line(participant, event.title, delegation),
            "days": format_days(event.starts_on, event.ends_on, language),
            "meetings": [
                (meeting, format_meeting(meeting.starts_at, meeting.ends_at, event.tz, language))
                for meeting in event.meetings
            ],
            "reference": participant.reference,
            "qr_cid": cid[1:-1],
            "subject": subject,
        }
        text = render_template("mail/confirmation.txt", **context)
        html = render_template("mail/confirmation.html", **context)
    message = _message(event, subject, recipient_address, text)
    message.add_alternative(html, subtype="html")
    message.get_payload()[1].add_related(
        qr_png(code), maintype="image", subtype="png", cid=cid, filename="confirmation-qr.png"
    )
    return _queue(session, message, language, participant.id)


def _message(event: Event, subject: str, to: str, text: str) -> EmailMessage:
    """A message from the event's secretariat to one person, with its text part."""
    message = EmailMessage()
    message["Subject"] = subject
    if event.mail_sender:
        message["From"] = Address(event.secretariat or "", addr_spec=event.mail_sender)
    message["To"] = to
    if event.contact_email:
        message["Reply-To"] = event.contact_email
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=_domain(event.mail_sender or event.contact_email))
    message.set_content(text)
    return message


def _queue(session: Session, message: EmailMessage, language: str, participant_id: int) -> OutgoingMail:
    """Queue a participant's message; it is delivered after the commit."""
    message["Content-Language"] = language  # after the content: set_content drops Content-* headers
    mail = OutgoingMail(
        recipient=str(message["To"]),
        subject=str(message["Subject"]),
        message=message.as_bytes(policy=email.policy.SMTP),
        participant_id=participant_id,
    )
    session.add(mail)
    deliver_on_commit(session)
    return mail


class Transport(Protocol):
    """Something that hands messages over for delivery, or raises."""

    def connect(self) -> AbstractContextManager[Callable[[OutgoingMail, str], None]]:
        """Open one connection for a batch; yields a function that sends one message."""
        ...


@dataclass
class SmtpTransport:
    """Delivery through an SMTP server, one connection per batch."""

    host: str
    port: int = 25
    username: str | None = None
    password: str | None = None
    use_tls: bool = False
    timeout: float = 10

    @contextmanager
    def connect(self) -> Iterator[Callable[[OutgoingMail, str], None]]:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.use_tls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")

            def send(mail: OutgoingMail, sender: str) -> None:
                smtp.sendmail(sender, [mail.recipient], _with_sender(mail.message, sender))

            yield send


@dataclass
class OutboxTransport:
    """Writes each message as an .eml file, for demos and machines without a mail server."""

    directory: Path

    @contextmanager
    def connect(self) -> Iterator[Callable[[OutgoingMail, str], None]]:
        self.directory.mkdir(parents=True, exist_ok=True)

        def send(mail: OutgoingMail, sender: str) -> None:
            target = self.directory / f"{mail.id:06d}.eml"
            partial = target.with_suffix(".tmp")
            partial.write_bytes(_with_sender(mail.message, sender))
            partial.replace(target)

        yield send


def _with_sender(message: bytes, sender: str) -> bytes:
    """The message with a From header: the event's own sender if it has one, else `sender`."""
    head = message.split(b"\r\n\r\n", 1)[0]
    if any(line.lower().startswith(b"from:") for line in head.split(b"\r\n")):
        return message
    return f"From: {sender}\r\n".encode() + message


def transport_from_config(config: Mapping[str, Any]) -> Transport:
    """SMTP when MAIL_SERVER is set, else the outbox folder in the instance directory."""
    if config.get("MAIL_SERVER"):
        return SmtpTransport(
            host=config["MAIL_SERVER"],
            port=config.get("MAIL_PORT", 25),
            username=config.get("MAIL_USERNAME"),
            password=config.get("MAIL_PASSWORD"),
            use_tls=config.get("MAIL_USE_TLS", False),
            timeout=config.get("MAIL_TIMEOUT", 10),
        )
    return OutboxTransport(Path(config["MAIL_OUTBOX"]))


def deliver_due(
    session: Session, transport: Transport, sender: str, now: datetime | None = None, limit: int = 200
) -> tuple[int, int]:
    """Try every queued message that is due over one connection; return (sent, not sent)."""
    now = now or utcnow()
    due = (
        session.execute(
            select(OutgoingMail)
            .where(OutgoingMail.status == MailStatus.QUEUED, OutgoingMail.next_attempt_at <= now)
            .order_by(OutgoingMail.id)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    sent = 0
    pending = list(due)
    in_flight: OutgoingMail | None = None
    try:
        with transport.connect() as send:
            while pending:
                in_flight = pending[0]
                in_flight.attempts += 1
                try:
                    send(in_flight, sender)
                except smtplib.SMTPRecipientsRefused as exc:
                    in_flight.status = MailStatus.FAILED
                    in_flight.last_error = f"Recipient refused: {', '.join(exc.recipients)}"
                else:
                    in_flight.status = MailStatus.SENT
                    in_flight.sent_at = utcnow()
                    in_flight.last_error = None
                    sent += 1
                pending.pop(0)
                in_flight = None
                session.commit()
    except (OSError, smtplib.SMTPException) as exc:
        for mail in pending:
            if mail is not in_flight:
                mail.attempts += 1
            _postpone(mail, now, f"{type(exc).__name__}: {exc}")
        session.commit()
    return sent, len(pending)


def _postpone(mail: OutgoingMail, now: datetime, error: str) -> None:
    """Leave a message queued and try again later, waiting longer after each failure."""
    mail.last_error = error[:500]
    mail.next_attempt_at = now + min(timedelta(seconds=30 * 2 ** (max(mail.attempts, 1) - 1)), MAX_BACKOFF)


def deliver_on_commit(session: Session) -> None:
    """Once `session` commits, try to deliver the queued mail at once; the worker retries what fails.

    The transport and sender are taken from the application now (a commit may happen outside
    its context); nothing is sent for a transaction that rolls back.
    """
    if _PENDING not in session.info and has_app_context():
        config = current_app.config
        session.info[_PENDING] = (transport_from_config(config), config["MAIL_SENDER"])


def _deliver_after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending is None:
        return
    transport, sender = pending
    # The committed session can run no more SQL: deliver in a session of its own. Whatever goes
    # wrong here must not fail the request that committed; the message stays queued for the worker.
    try:
        with Session(bind=session.get_bind()) as own:
            deliver_due(own, transport, sender)
    except Exception as error:  # noqa: BLE001 - its text may hold an address: logged by class only
        log.warning("Queued mail not delivered now (%s); the worker will try again.", type(error).__name__)


def _forget(session: Session, _previous_transaction=None) -> None:
    session.info.pop(_PENDING, None)


def init_app(_app: Flask | None = None) -> None:
    """Deliver queued mail after every commit that queued some (once per process)."""
    if not event.contains(Session, "after_commit", _deliver_after_commit):
        event.listen(Session, "after_commit", _deliver_after_commit)
        event.listen(Session, "after_soft_rollback", _forget)


def queue_sign_in_warning(session: Session, user: User) -> OutgoingMail:
    """Tell a staff member that someone keeps failing to sign in to their account (it is not locked)."""
    with force_locale("en"):  # staff accounts keep no language; the secretariat works in English
        subject = _("Failed sign-ins to your account")
        text = render_template("mail/sign_in_warning.txt", email=user.email)
    message = EmailMessage()
    message["Subject"] = subject
    message["To"] = user.email
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain="accreditation")
    message.set_content(text)
    mail = OutgoingMail(
        recipient=user.email, subject=subject, message=message.as_bytes(policy=email.policy.SMTP)
    )
    session.add(mail)
    deliver_on_commit(session)
    return mail


def queue_private_link(
    session: Session, delegation: Delegation, link: str, language: str = "en"
) -> OutgoingMail | None:
    """Queue an e-mail giving the focal point the delegation's new private link (None if no address)."""
    if not delegation.focal_point_email:
        return None
    event = delegation.event
    with force_locale(language):
        subject = _("Your delegation's private link for %(event)s", event=event.title)
        text = render_template("mail/private_link.txt", delegation=delegation, event=event, link=link)
    message = EmailMessage()
    message["Subject"] = subject
    message["To"] = delegation.focal_point_email
    message["Message-ID"] = make_msgid(domain="accreditation")
    message.set_content(text)
    mail = OutgoingMail(
        recipient=delegation.focal_point_email,
        subject=subject,
        message=message.as_bytes(policy=email.policy.SMTP),
    )
    session.add(mail)
    deliver_on_commit(session)
    return mail


def queue_kiosk_code(
    session: Session, participant: Participant, code: str, minutes: int
) -> OutgoingMail | None:
    """Queue the e-mail giving the one-time code a kiosk asked for, in the participant's language."""
    recipient_address = recipient(participant)
    if not recipient_address:
        return None
    event = participant.delegation.event
    language = participant.language or "en"
    with force_locale(language):
        # The subject is kept in the outgoing_mail table and shown on locked phones: no code in it.
        subject = _("Your code for the kiosk at %(event)s", event=event.title)
        text = render_template(
            "mail/kiosk_code.txt",
            event=event,
            salutation=salutation(participant, language),
            code=code,
            minutes=minutes,
        )
    return _queue(session, _message(event, subject, recipient_address, text), language, participant.id)
