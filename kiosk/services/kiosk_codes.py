"""One-time codes e-mailed from a kiosk: the proof by name that a stranger cannot have.

At a kiosk, a person who found their name proves it is them with the confirmation QR code, the
reference from the confirmation e-mail, or a code of six digits the kiosk sends to the address
registered for them. The address is never shown: knowing it (diplomats' addresses are often
public) proves nothing; reading its mailbox does.

A code is kept only as an HMAC keyed by the application's secret (so a copy of the database alone
does not give it back), works once, for a few minutes, and a new request replaces it. Wrong codes
are counted by the caller's shared rate limit (Redis when set), per code, so that the limit holds
across workers and servers. The e-mail that carried a code is scrubbed of it once it is used or
replaced (and never delivered if it is replaced while still queued).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Protocol

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kiosk.models import Event, Kiosk, KioskCode, MailStatus, Mode, OutgoingMail, Participant, Status
from kiosk.models.base import utcnow
from kiosk.services import mail
from kiosk.services.audit import Actor, record
from kiosk.services.checkin import participant_by_id
from kiosk.services.errors import CodeExpired, NoAddress, ProofMismatch, TooManyAttempts, UnknownCode

#: Digits of a code: a million possibilities, five tries each.
DIGITS = 6
#: Minutes a code works (KIOSK_CODE_MINUTES overrides it).
DEFAULT_MINUTES = 10


class Attempts(Protocol):
    """A rate limit per key (ratelimit.SharedRateLimit): wrong codes are counted there."""

    def exceeded(self, key: str) -> bool: ...
    def hit(self, key: str) -> None: ...
    def remaining(self, key: str) -> int: ...


def _desk() -> str:
    return _("Please go to the registration desk.")


def hash_key(secret_key: str | bytes) -> bytes:
    """The key of the codes' HMAC, derived from the application's SECRET_KEY."""
    secret = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return hmac.new(secret, b"kiosk one-time codes", hashlib.sha256).digest()


def is_code(proof: str) -> bool:
    """Whether a proof is shaped like a one-time code (six digits; spaces aside)."""
    digits = "".join((proof or "").split())
    return len(digits) == DIGITS and digits.isascii() and digits.isdigit()


def _digest(key: bytes, participant_id: int, salt: str, code: str) -> str:
    return hmac.new(key, f"{participant_id}:{salt}:{code}".encode(), hashlib.sha256).hexdigest()


def _code_of(session: Session, participant: Participant) -> KioskCode | None:
    return session.execute(
        select(KioskCode).where(KioskCode.participant_id == participant.id)
    ).scalar_one_or_none()


def _scrub(session: Session, mail_id: int | None) -> None:
    """The e-mail of a code used or replaced: no longer holding the code, and not sent if still queued."""
    message = session.get(OutgoingMail, mail_id) if mail_id else None
    if message is None:
        return
    if message.status == MailStatus.QUEUED:
        message.status = MailStatus.FAILED
        message.last_error = "Not sent: the one-time code was replaced before delivery"
    message.message = b"Subject: " + message.subject.encode() + b"\r\n\r\n(one-time code removed)\r\n"


def send_code(
    session: Session,
    event: Event,
    participant_id: int,
    key: bytes,
    actor: Actor,
    *,
    minutes: int = DEFAULT_MINUTES,
    kiosk: Kiosk | None = None,
    now: datetime | None = None,
) -> KioskCode:
    """Make a new code for the participant (replacing any other) and queue the e-mail that gives it.

    Only people "find me" lists (accredited, in person) get one. Someone already checked in gets
    one too, as "find me" lists them alike: the kiosk tells them after the code, not before.
    """
    participant = participant_by_id(session, event, participant_id)
    if participant.status != Status.ACCREDITED or participant.mode != Mode.IN_PERSON:
        raise UnknownCode(_("We cannot find this registration.") + " " + _desk())
    if not mail.recipient(participant):
        raise NoAddress(
            _("No e-mail address is registered for you.")
            + " "
            + _("Type the reference from your confirmation e-mail, or please go to the registration desk.")
        )
    now = now or utcnow()
    code = f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"
    row = _code_of(session, participant)
    if row is None:
        row = KioskCode(participant_id=participant.id)
        session.add(row)
    else:
        _scrub(session, row.mail_id)
    row.salt = secrets.token_hex(16)
    row.code_hash = _digest(key, participant.id, row.salt, code)
    row.kiosk_id = kiosk.id if kiosk else None
    row.created_at = now
    row.expires_at = now + timedelta(minutes=minutes)
    row.used_at = None
    row.used_request_id = None
    message = mail.queue_kiosk_code(session, participant, code, minutes)
    try:
        session.flush()
    except IntegrityError:
        # Two requests for one person at the same moment: the other one's code stands.
        session.rollback()
        raise TooManyAttempts(_("A code was sent a moment ago: wait for it.")) from None
    row.mail_id = message.id if message else None
    record(
        session,
        actor,
        "participant.kiosk_code_sent",
        "participant",
        participant.id,
        event_id=event.id,
        changes={"kiosk_id": row.kiosk_id, "expires_at": row.expires_at.isoformat()},
    )
    session.flush()
    return row


def _attempts_key(row: KioskCode) -> str:
    """Wrong tries are counted per code: a new code starts afresh (its requests are limited)."""
    return f"{row.participant_id}:{row.salt}"


def participant_for_code(
    session: Session,
    event: Event,
    participant_id: int,
    code: str,
    key: bytes,
    attempts: Attempts,
    *,
    request_id: str | None = None,
    now: datetime | None = None,
) -> Participant:
    """The participant, once the code typed is the one last e-mailed to them, unused and in time.

    A code already used answers only the check-in request that used it, sent again (`request_id`).
    """
    participant = participant_by_id(session, event, participant_id)
    row = _code_of(session, participant)
    now = now or utcnow()
    if row is None or now >= row.expires_at:
        raise CodeExpired(_("This code is no longer valid.") + " " + _("Ask for a new code."))
    counted = _attempts_key(row)
    if attempts.exceeded(counted):
        raise TooManyAttempts(_("Too many attempts.") + " " + _desk())
    typed = "".join(code.split())
    if not hmac.compare_digest(_digest(key, participant.id, row.salt, typed), row.code_hash):
        attempts.hit(counted)
        left = attempts.remaining(counted)
        if left <= 0:
            raise TooManyAttempts(_("Too many attempts.") + " " + _desk())
        raise ProofMismatch(
            _("This is not the code we sent.")
            + " "
            + ngettext("You may try %(num)d more time.", "You may try %(num)d more times.", left)
        )
    if row.used_at is not None:
        replay = request_id and row.used_request_id and hmac.compare_digest(row.used_request_id, request_id)
        if not replay:
            raise CodeExpired(_("This code has already been used.") + " " + _("Ask for a new code."))
    return participant


def spend(
    session: Session,
    participant: Participant,
    proof: str,
    request_id: str | None,
    now: datetime | None = None,
) -> None:
    """Mark the participant's code used by this check-in (nothing if the proof was not a code).

    Called in the check-in's transaction: if the check-in is refused and rolled back, the code
    stays unused. Two check-ins racing with one code: one marks it, the other is refused.
    """
    if not is_code(proof):
        return
    row = _code_of(session, participant)
    if row is None or row.used_at is not None:
        return  # the same request sent again (participant_for_code let only that through)
    request_id = (request_id or "").strip()[:64] or None
    marked = session.execute(
        update(KioskCode)
        .where(KioskCode.id == row.id, KioskCode.used_at.is_(None))
        .values(used_at=now or utcnow(), used_request_id=request_id)
        .execution_options(synchronize_session="fetch")
    )
    if marked.rowcount != 1:
        raise CodeExpired(_("This code has already been used.") + " " + _("Ask for a new code."))
    _scrub(session, row.mail_id)
