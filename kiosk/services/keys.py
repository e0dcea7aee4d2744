"""Event signing keys and the signed codes built from them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from badges import codes
from kiosk.models import Event, EventKey, Participant
from kiosk.models.base import utcnow
from kiosk.services.dates import format_day
from kiosk.services.errors import CodeNeverValid


def _keys_dir() -> Path:
    return Path(current_app.config["KEYS_DIR"])


def generate_event_key(session: Session, event: Event) -> EventKey:
    """Create a new signing key for `event`; older keys stay valid for verification."""
    last = session.execute(
        select(func.max(EventKey.key_id)).where(EventKey.event_id == event.id)
    ).scalar_one()
    key_id = (last or 0) + 1
    pem, public = codes.generate_key()
    path = _keys_dir() / f"event-{event.id}-key-{key_id}.pem"
    codes.save_private_key(path, pem)
    key = EventKey(event_id=event.id, key_id=key_id, public_key=public, private_key_path=str(path))
    session.add(key)
    session.flush()
    return key


@lru_cache(maxsize=256)
def _load(path: str) -> Ed25519PrivateKey:
    return codes.load_private_key(Path(path))


def signing_key(session: Session, event: Event) -> tuple[int, Ed25519PrivateKey]:
    """The newest active key of `event` (created on first use) and its key id."""
    key = session.execute(
        select(EventKey)
        .where(EventKey.event_id == event.id, EventKey.active.is_(True))
        .order_by(EventKey.key_id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if key is None:
        key = generate_event_key(session, event)
    return key.key_id, _load(key.private_key_path)


def read_public_keys(session: Session, event_id: int) -> dict[int, bytes]:
    """Every active public key of an event, by key id: the one place they are read."""
    rows = session.execute(
        select(EventKey.key_id, EventKey.public_key).where(
            EventKey.event_id == event_id, EventKey.active.is_(True)
        )
    )
    return {key_id: bytes(public) for key_id, public in rows}


def public_keys(session: Session, event: Event) -> dict[int, bytes]:
    """Every active public key of `event`, by key id."""
    return read_public_keys(session, event.id)


# --- the one ladder a shown code climbs (kiosk and doors; static/js/door-offline.js alike) --------


class CodeProblem(StrEnum):
    """Why a code is not a genuine, current code of the asked kind for the event's participant."""

    UNREADABLE = "unreadable"  # not one of our codes at all
    INVALID = "invalid"  # damaged or forged, or a serial never issued
    WRONG_EVENT = "wrong_event"  # genuine, for another event
    WRONG_KIND = "wrong_kind"  # a confirmation code where a badge is asked for, or the other way
    NOT_VALID_NOW = "not_valid_now"  # outside its validity window
    UNKNOWN_HOLDER = "unknown_holder"  # no such participant in the event
    REPLACED = "replaced"  # an older serial: the badge or code was reissued


@dataclass(frozen=True)
class CodeCheck:
    """What the ladder found: a problem (None: the code is good) and the payload, once trusted."""

    problem: CodeProblem | None
    payload: codes.CodePayload | None


#: The public keys of an event, given the event id and the key id a code names.
KeysOf = Callable[[int, int], Mapping[int, bytes] | Mapping[int, Ed25519PublicKey]]


def check_code(
    code: str,
    *,
    event_id: int,
    kind: codes.CodeKind,
    now: datetime,
    keys_of: KeysOf,
    serial_of: Callable[[int], int | None],
) -> CodeCheck:
    """Check a code step by step: readable, event, signature, kind, validity, holder, serial.

    `serial_of` gives a participant's current badge serial, None if they are not of the event;
    it is asked once, as soon as the signature holds. A participant's status is the caller's
    to judge. The browser's offline verifier (static/js/door-offline.js) climbs the same steps,
    and both are tested against tests/door/cases.json.
    """
    payload = codes.decode_unverified(code or "")
    if payload is None:
        return CodeCheck(CodeProblem.UNREADABLE, None)
    if payload.event_id != event_id:
        other = codes.verify(code, keys_of(payload.event_id, payload.key_id), now=now)  # type: ignore[arg-type]
        genuine = other.ok or other.reason == "not_valid_now"
        return CodeCheck(CodeProblem.WRONG_EVENT if genuine else CodeProblem.INVALID, other.payload)
    checked = codes.verify(code, keys_of(event_id, payload.key_id), event_id=event_id, now=now)  # type: ignore[arg-type]
    if checked.payload is None:
        return CodeCheck(CodeProblem.INVALID, None)
    payload = checked.payload
    serial = serial_of(payload.participant_id)
    if payload.kind is not kind:
        return CodeCheck(CodeProblem.WRONG_KIND, payload)
    if checked.reason == "not_valid_now":
        return CodeCheck(CodeProblem.NOT_VALID_NOW, payload)
    if serial is None:
        return CodeCheck(CodeProblem.UNKNOWN_HOLDER, payload)
    if payload.serial < serial:
        return CodeCheck(CodeProblem.REPLACED, payload)
    if payload.serial > serial:
        return CodeCheck(CodeProblem.INVALID, payload)
    return CodeCheck(None, payload)


def confirmation_window(event: Event) -> tuple[datetime, datetime]:
    """A confirmation code works from the event's creation to the end of its last day, local time."""
    start = event.created_at.replace(microsecond=0)
    return start, event.local_midnight(event.ends_on + timedelta(days=1))


def badge_window(event: Event) -> tuple[datetime, datetime]:
    """A badge opens doors from midnight of the event's first day to midnight after its last day."""
    return event.local_midnight(event.starts_on), event.local_midnight(event.ends_on + timedelta(days=1))


def codes_can_be_valid(event: Event) -> bool:
    """Whether both kinds of code of `event` have a validity window that is not empty or over."""
    now = utcnow()
    return all(start < end and now < end for start, end in (confirmation_window(event), badge_window(event)))


def participant_code(session: Session, participant: Participant, kind: codes.CodeKind) -> str:
    """The signed code of `kind` for the participant's current badge serial (the same every time).

    A code that could never be valid is refused: its window is empty (an event that ended
    before it was created) or over.
    """
    event = participant.delegation.event
    window = confirmation_window if kind == codes.CodeKind.CONFIRMATION else badge_window
    valid_from, valid_until = window(event)
    if valid_until <= valid_from or valid_until <= utcnow():
        raise CodeNeverValid(
            _(
                "No code can be issued for %(event)s: it ended on %(day)s, so the code would never be valid.",
                event=event.title,
                day=format_day(event.ends_on),
            )
        )
    key_id, private = signing_key(session, event)
    payload = codes.CodePayload(
        kind=kind,
        event_id=event.id,
        participant_id=participant.id,
        serial=participant.badge_serial,
        valid_from=valid_from,
        valid_until=valid_until,
        key_id=key_id,
    )
    return codes.sign(payload, private)


def confirmation_code(session: Session, participant: Participant) -> str:
    """The code a participant shows at the kiosk (in the confirmation e-mail)."""
    return participant_code(session, participant, codes.CodeKind.CONFIRMATION)


def badge_code(session: Session, participant: Participant) -> str:
    """The code printed on the participant's badge, for the doors."""
    return participant_code(session, participant, codes.CodeKind.BADGE)
