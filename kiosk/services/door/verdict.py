"""A badge scan's verdict: the ONE place it is decided, and how a scan is stored and counted.

A scan costs a fixed handful of indexed statements whatever the number of participants and
past scans: the participant by id, the presence row of the participant at the venue
(anti-passback), one insert into `scans` (unique on its nonce: idempotency) and one upsert of
the counters. The API reads the token and the event first, as plain rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from badges import codes
from badges.names import NameStyle
from kiosk.models import Counter, Delegation, Event, Gender, Participant, Status
from kiosk.models.base import utcnow
from kiosk.models.door import (
    Checkpoint,
    Direction,
    Presence,
    Reason,
    Scan,
    ScanResult,
)
from kiosk.services import countries, live, titles
from kiosk.services.door import history
from kiosk.services.door.caches import Gate, _gate, _gates, _keys
from kiosk.services.errors import ValidationFailed
from kiosk.services.keys import CodeProblem, check_code

#: What each refusal means, in words the officer reads (translated when shown).
REASON_TEXT: dict[str, Any] = {
    Reason.INVALID_CODE.value: _l("Not a valid badge: the code is damaged or forged."),
    Reason.NOT_A_BADGE.value: _l(
        "This is a confirmation code, not a badge. Send the person to registration."
    ),
    Reason.REVOKED.value: _l("This badge was replaced by a newer one (lost badge)."),
    Reason.WRONG_EVENT.value: _l("This badge is for another event."),
    Reason.NOT_VALID_NOW.value: _l("This badge is not valid at this time."),
    Reason.NOT_ACCREDITED.value: _l("This person is no longer accredited."),
    Reason.ALREADY_INSIDE.value: _l("Already inside: this badge entered and has not gone out."),
    Reason.NOT_INSIDE.value: _l("Not inside: this badge has not entered."),
}

#: The most scans one offline upload may carry.
MAX_BATCH = 500
#: The largest checkpoint id (an INTEGER column, 32 bits on PostgreSQL).
MAX_CHECKPOINT_ID = 2**31 - 1


@dataclass(frozen=True)
class ScanInput:
    """One badge shown at a checkpoint, as the scanner reports it (called `sent` where it is used)."""

    code: str
    checkpoint_id: int
    direction: Direction
    nonce: str
    scanned_at: datetime | None = None
    device: str = ""
    officer_id: int | None = None
    #: The verdict the scanner gave while offline (uploaded later), else None.
    offline_result: ScanResult | None = None
    offline_reason: Reason | None = None


@dataclass(frozen=True)
class Shown:
    """What the officer sees of the badge holder."""

    id: int
    name: str
    delegation: str
    category: str
    has_photo: bool
    photo_version: int


@dataclass(frozen=True)
class ScanRecord:
    """A stored scan, as its answer needs it."""

    id: int
    event_id: int
    checkpoint_id: int
    participant_id: int | None
    result: ScanResult
    reason: Reason | None
    nonce: str
    scanned_at: datetime
    conflict: bool


@dataclass(frozen=True)
class Verdict:
    """The answer to a scan: the stored scan, who it was, and how many are inside the venue now."""

    scan: ScanRecord
    participant: Shown | None
    inside_now: int
    replayed: bool = False


@dataclass(frozen=True)
class EventRef:
    """What a scan needs of its event: a plain row, so that the scan path builds no ORM objects.

    An `Event` has the same attributes and serves as well.
    """

    id: int
    venue_id: int | None


_EVENT = select(Event.id, Event.venue_id).where(Event.slug == bindparam("slug"))


def event_ref(session: Session, slug: str) -> EventRef | None:
    """The event named `slug`, as a scan needs it."""
    row = session.connection().execute(_EVENT, {"slug": slug}).one_or_none()
    return EventRef(*row) if row else None


class ScanRaceLost(Exception):
    """The scan's nonce was already stored (meanwhile, or before, when not looked up first) after
    this scan had moved someone: roll back and record it again, which then answers as a replay."""


def parse_direction(value: Any) -> Direction:
    """The direction sent by a scanner, or a 422."""
    try:
        return Direction(value)
    except ValueError:
        raise ValidationFailed(
            _("Say which way the person goes."), {"direction": [_("Send “in” or “out”.")]}
        ) from None


# --- statements of the hot path, built once (and per dialect where they differ) --------------------

_NONCE = select(
    Scan.id,
    Scan.event_id,
    Scan.checkpoint_id,
    Scan.participant_id,
    Scan.result,
    Scan.reason,
    Scan.nonce,
    Scan.scanned_at,
    Scan.conflict,
).where(Scan.nonce == bindparam("nonce"))

#: What the door reads of a badge holder, online (`_shown`) and for offline bundles (`_holders_json`).
_HOLDER = (
    Participant.id,
    Participant.title,
    Participant.given_name,
    Participant.family_name,
    Participant.badge_name,
    Participant.family_name_first,
    Participant.status,
    Participant.badge_serial,
    Participant.photo.is_not(None),
    Participant.updated_at,
    Participant.gender,
)


def _holder_name(
    title: str | None,
    given: str | None,
    family: str | None,
    badge_name: str | None,
    family_name_first: bool | None,
    gender: Gender | None,
    language: str | None,
) -> str:
    """The name the officer reads: as printed on the badge, in the badge's language ("Mme Amina DIALLO")."""
    return titles.titled(
        title or "",
        given or "",
        family or "",
        language or "en",
        gender,
        NameStyle.BADGE,
        badge_name or "",
        family_name_first=family_name_first,
    )


_SHOWN = (
    select(
        *_HOLDER,
        Delegation.name,
        Delegation.category,
        Delegation.country,
        Delegation.names,
        Event.badge_language,
    )
    .join(Delegation, Delegation.id == Participant.delegation_id)
    .join(Event, Event.id == Participant.event_id)
    .where(Participant.id == bindparam("pid"), Participant.event_id == bindparam("eid"))
)

_PRESENCE_KEY = (Presence.participant_id == bindparam("pid"), Presence.venue_id == bindparam("venue"))
_ENTRANCE = select(Presence.checkpoint_id).where(*_PRESENCE_KEY, Presence.inside.is_(True))
_EXIT = (
    update(Presence)
    .where(*_PRESENCE_KEY, Presence.inside.is_(True))
    .values(inside=False, checkpoint_id=bindparam("checkpoint"), changed_at=bindparam("moment"))
    .returning(Presence.participant_id)
)
_CHANGED_AT = select(Presence.changed_at).where(*_PRESENCE_KEY)
_INSIDE_NOW = select(Presence.inside).where(*_PRESENCE_KEY)
_SCAN_COLUMNS = (
    "event_id",
    "checkpoint_id",
    "participant_id",
    "direction",
    "result",
    "reason",
    "nonce",
    "scanned_at",
    "received_at",
    "device",
    "officer_id",
    "badge_serial",
    "offline",
    "conflict",
    "server_reason",
)
_built: dict[tuple[str, str], Any] = {}


def _dialect_insert(dialect: str):
    return sqlite_insert if dialect == "sqlite" else pg_insert


def _statement(dialect: str, name: str):
    """An upsert of the hot path for this database, built once."""
    key = (dialect, name)
    if key not in _built:
        insert = _dialect_insert(dialect)
        if name == "enter":
            statement = insert(Presence).values(
                participant_id=bindparam("pid"),
                venue_id=bindparam("venue"),
                event_id=bindparam("eid"),
                inside=True,
                checkpoint_id=bindparam("checkpoint"),
                changed_at=bindparam("moment"),
            )
            _built[key] = statement.on_conflict_do_update(
                index_elements=[Presence.participant_id, Presence.venue_id],
                set_={
                    "inside": True,
                    "checkpoint_id": statement.excluded.checkpoint_id,
                    "changed_at": statement.excluded.changed_at,
                },
                where=Presence.inside.is_(False),
            ).returning(Presence.participant_id)
        elif name == "scan":
            _built[key] = (
                insert(Scan)
                .values({column: bindparam(column) for column in _SCAN_COLUMNS})
                .on_conflict_do_nothing(index_elements=[Scan.nonce])
                .returning(Scan.id)
            )
        elif name == "count":
            # Three counters in one round trip. Written as text: SQLAlchemy cannot cache a
            # multi-row INSERT and would compile it again for every scan.
            rows = ", ".join(f"(:eid, :n{i}, :v{i})" for i in range(3))
            _built[key] = text(
                f"INSERT INTO counters (event_id, name, value) VALUES {rows} "
                "ON CONFLICT (event_id, name) DO UPDATE SET value = counters.value + excluded.value "
                "RETURNING name, value"
            )
        else:
            raise KeyError(name)
    return _built[key]


# --- the verdict ----------------------------------------------------------------------------------


def _shown(session: Session, participant_id: int, event_id: int) -> tuple[Shown, Status, int] | None:
    """The badge holder as shown, their status and current badge serial: one indexed query."""
    row = session.connection().execute(_SHOWN, {"pid": participant_id, "eid": event_id}).one_or_none()
    if row is None:
        return None
    pid, title, given, family, badge_name, first, status, serial, has_photo, updated, gender = row[:11]
    delegation, category, country, names, language = row[11:]
    shown = Shown(
        pid,
        _holder_name(title, given, family, badge_name, first, gender, language),
        countries.delegation_name(delegation, category, country, names),
        category.value,
        bool(has_photo),
        int(updated.timestamp()),
    )
    return shown, status, serial


#: The door's word for each of the code ladder's problems (keys.check_code).
_DOOR_REASON = {
    CodeProblem.UNREADABLE: Reason.INVALID_CODE,
    CodeProblem.INVALID: Reason.INVALID_CODE,
    CodeProblem.WRONG_EVENT: Reason.WRONG_EVENT,
    CodeProblem.WRONG_KIND: Reason.NOT_A_BADGE,
    CodeProblem.NOT_VALID_NOW: Reason.NOT_VALID_NOW,
    CodeProblem.UNKNOWN_HOLDER: Reason.NOT_ACCREDITED,
    CodeProblem.REPLACED: Reason.REVOKED,
}
#: The problems after which the officer still sees whose code it is.
_HOLDER_SHOWN = {None, CodeProblem.WRONG_KIND, CodeProblem.NOT_VALID_NOW, CodeProblem.REPLACED}


def judge_code(
    session: Session, event: EventRef, code: str, moment: datetime
) -> tuple[Reason | None, codes.CodePayload | None, tuple[Shown, Status, int] | None]:
    """Check a code (keys.check_code's ladder) and its holder's status, reading only."""
    holders: dict[int, tuple[Shown, Status, int] | None] = {}

    def serial_of(participant_id: int) -> int | None:
        holder = holders[participant_id] = _shown(session, participant_id, event.id)
        return holder[2] if holder else None

    checked = check_code(
        code,
        event_id=event.id,
        kind=codes.CodeKind.BADGE,
        now=moment,
        keys_of=lambda event_id, key_id: _keys(session, event_id, key_id)[1],
        serial_of=serial_of,
    )
    payload = checked.payload
    holder = holders.get(payload.participant_id) if payload else None
    if checked.problem is not None:
        shown = holder if checked.problem in _HOLDER_SHOWN else None
        return _DOOR_REASON[checked.problem], payload, shown
    assert holder is not None
    if holder[1] != Status.ACCREDITED:
        return Reason.NOT_ACCREDITED, payload, holder
    return None, payload, holder


def _move(
    session: Session,
    *,
    event_id: int,
    participant_id: int,
    venue_id: int,
    checkpoint_id: int,
    direction: Direction,
    moment: datetime,
) -> int | None:
    """Move a participant in or out of a venue if they are not there yet, atomically.

    Returns the checkpoint the count moves at (the new entrance for an entry, the old entrance
    for an exit), or None if the participant already was on that side (nothing changed).
    """
    connection = session.connection()
    key = {"pid": participant_id, "venue": venue_id}
    if direction is Direction.IN:
        statement = _statement(connection.dialect.name, "enter")
        entered = connection.execute(
            statement, {**key, "eid": event_id, "checkpoint": checkpoint_id, "moment": moment}
        ).first()
        return checkpoint_id if entered else None
    entrance = connection.execute(_ENTRANCE, key).first()
    if entrance is None:
        return None
    left = connection.execute(_EXIT, {**key, "checkpoint": checkpoint_id, "moment": moment}).first()
    return (entrance[0] or checkpoint_id) if left else None


def _is_stale(session: Session, participant_id: int, venue_id: int, moment: datetime) -> bool:
    """Whether the server already knows of a movement newer than `moment` (late offline uploads)."""
    changed_at = (
        session.connection()
        .execute(_CHANGED_AT, {"pid": participant_id, "venue": venue_id})
        .scalar_one_or_none()
    )
    return changed_at is not None and changed_at > moment


def _replay(session: Session, event: EventRef, scan: ScanRecord, sent: ScanInput, venue_id: int) -> Verdict:
    if scan.event_id != event.id or scan.checkpoint_id != sent.checkpoint_id:
        raise ValidationFailed(
            _("This nonce was already used for another scan."),
            {"nonce": [_("Send a new nonce for each scan.")]},
        )
    holder = _shown(session, scan.participant_id, event.id) if scan.participant_id else None
    return Verdict(scan, holder[0] if holder else None, inside(session, event.id, venue_id), replayed=True)


def _stored(session: Session, nonce: str) -> ScanRecord | None:
    row = session.connection().execute(_NONCE, {"nonce": nonce}).one_or_none()
    return ScanRecord(*row) if row else None


def checkpoint_of(session: Session, event: EventRef, checkpoint_id: Any, *, closed_too: bool = False) -> Gate:
    """An active checkpoint of the event (or a closed one, for scans made before it closed), or a 422."""
    # An id a column can hold (JSON allows any size; SQLite raised OverflowError past 2**63: a 500).
    is_id = type(checkpoint_id) is int and 0 < checkpoint_id <= MAX_CHECKPOINT_ID
    checkpoint = _gate(session, checkpoint_id) if is_id else None
    if checkpoint is not None and checkpoint.event_id != event.id:  # kept from before a change: look again
        _gates.pop(checkpoint.id, None)
        checkpoint = _gate(session, checkpoint_id)
    if checkpoint is None or checkpoint.event_id != event.id or not (checkpoint.active or closed_too):
        raise ValidationFailed(
            _("There is no such checkpoint at this event."),
            {"checkpoint": [_("Pick a checkpoint of this event.")]},
        )
    return checkpoint


def venue_of(event: EventRef, checkpoint: Checkpoint | Gate) -> int:
    """The venue a checkpoint guards (the event's venue unless set; 0 when there is none)."""
    return checkpoint.venue_id or event.venue_id or 0


def inside(session: Session, event_id: int, venue_id: int) -> int:
    """How many people are inside a venue now (a counter read)."""
    value = session.execute(
        select(Counter.value).where(Counter.event_id == event_id, Counter.name == f"inside:venue:{venue_id}")
    ).scalar_one_or_none()
    return int(value or 0)


@dataclass(frozen=True)
class Judged:
    """What a scan's checkpoint and code say, read before anything is written (no turn needed)."""

    sent: ScanInput
    checkpoint: Gate
    venue_id: int
    received: datetime
    #: When the person passed: the scanner's clock for an offline scan, else `received`.
    moment: datetime
    reason: Reason | None
    payload: codes.CodePayload | None
    holder: tuple[Shown, Status, int] | None


def judge_scan(
    session: Session,
    event: EventRef,
    sent: ScanInput,
    *,
    now: datetime | None = None,
    look_up_nonce: bool = True,
) -> Judged | Verdict:
    """Check a scan's input, checkpoint and code, reading only (no turn needed): a Judged scan to
    write, the first answer to a nonce already stored (a replay), or a 422."""
    received = now or utcnow()
    checkpoint = checkpoint_of(session, event, sent.checkpoint_id, closed_too=sent.offline_result is not None)
    venue_id = venue_of(event, checkpoint)
    if not sent.nonce or len(sent.nonce) > 64:
        raise ValidationFailed(_("Each scan needs a nonce."), {"nonce": [_("Send 1 to 64 characters.")]})
    existing = _stored(session, sent.nonce) if look_up_nonce else None
    if existing is not None:
        return _replay(session, event, existing, sent, venue_id)
    if not checkpoint.allows(sent.direction):
        raise ValidationFailed(
            _("This checkpoint is only for the other direction."),
            {"direction": [_("Pick the checkpoint's direction.")]},
        )
    offline = sent.offline_result is not None
    moment = sent.scanned_at if (offline and sent.scanned_at) else received
    reason, payload, holder = judge_code(session, event, sent.code, moment)
    if reason is None and sent.direction is Direction.IN and not checkpoint.open_at(moment):
        reason = Reason.NOT_VALID_NOW
    return Judged(sent, checkpoint, venue_id, received, moment, reason, payload, holder)


def record_scan(
    session: Session,
    event: EventRef,
    sent: ScanInput,
    *,
    now: datetime | None = None,
    optimistic: bool = False,
) -> Verdict:
    """Decide a scan, store it with its verdict, move the holder in or out, count it.

    The same nonce sent again returns the first answer and stores nothing. An offline scan
    (`sent.offline_result` set) keeps the scanner's verdict, since the person did or did not
    pass; the server's own verdict is compared and a difference is flagged as a conflict. A code
    the server proves invalid (a forgery) is stored refused whatever the scanner said.

    `optimistic` skips looking the nonce up first, since nearly every nonce is new: a repeated
    one is then found by the insert, and ScanRaceLost asks the caller to roll back and call
    again without it. Only a caller that owns the transaction may ask for it.
    """
    judged = judge_scan(session, event, sent, now=now, look_up_nonce=not optimistic)
    return judged if isinstance(judged, Verdict) else write_scan(session, event, judged)


def write_scan(session: Session, event: EventRef, judged: Judged) -> Verdict:
    """Store a judged scan with its verdict, move the holder in or out (anti-passback), count it."""
    sent, checkpoint, venue_id = judged.sent, judged.checkpoint, judged.venue_id
    reason, payload, holder, moment = judged.reason, judged.payload, judged.holder, judged.moment
    offline = sent.offline_result is not None
    moved_at: int | None = None
    participant_id = holder[0].id if holder else None
    if offline:
        server_reason = reason
        if reason in _AS_OF_THEN and participant_id is not None and payload is not None:
            server_reason = _reason_then(session, participant_id, payload.serial, moment, reason)
        result = sent.offline_result
        if reason is Reason.INVALID_CODE:
            # The server proves the code was never issued (damaged, bad signature, unknown serial):
            # whatever the scanner said, the scan is stored refused, and no one moves for it.
            result = ScanResult.REFUSED
        if server_reason is None and checkpoint.anti_passback and participant_id is not None:
            server_reason = _passback_reason(session, participant_id, venue_id, sent.direction)
        if result is ScanResult.ACCEPTED and participant_id is not None:
            if not _is_stale(session, participant_id, venue_id, moment):
                moved_at = _move(
                    session,
                    event_id=event.id,
                    participant_id=participant_id,
                    venue_id=venue_id,
                    checkpoint_id=checkpoint.id,
                    direction=sent.direction,
                    moment=moment,
                )
        stored_reason = sent.offline_reason if result is ScanResult.REFUSED else None
        server_result = ScanResult.ACCEPTED if server_reason is None else ScanResult.REFUSED
        conflict = server_result is not result
        if reason is Reason.INVALID_CODE:
            stored_reason = Reason.INVALID_CODE
            conflict = sent.offline_result is not ScanResult.REFUSED
    else:
        if reason is None and participant_id is not None:
            moved_at = _move(
                session,
                event_id=event.id,
                participant_id=participant_id,
                venue_id=venue_id,
                checkpoint_id=checkpoint.id,
                direction=sent.direction,
                moment=moment,
            )
            if moved_at is None and checkpoint.anti_passback:
                reason = Reason.ALREADY_INSIDE if sent.direction is Direction.IN else Reason.NOT_INSIDE
        result = ScanResult.ACCEPTED if reason is None else ScanResult.REFUSED
        stored_reason, server_reason, conflict = reason, reason, False

    scanned_at = sent.scanned_at or judged.received
    values = {
        "event_id": event.id,
        "checkpoint_id": checkpoint.id,
        "participant_id": participant_id,
        "direction": sent.direction,
        "result": result,
        "reason": stored_reason,
        "nonce": sent.nonce,
        "scanned_at": scanned_at,
        "received_at": judged.received,
        "device": sent.device[:120],
        "officer_id": sent.officer_id,
        "badge_serial": payload.serial if payload else None,
        "offline": offline,
        "conflict": conflict,
        "server_reason": (server_reason.value if server_reason else None) if conflict else None,
    }
    connection = session.connection()
    dialect = connection.dialect.name
    scan_id = connection.execute(_statement(dialect, "scan"), values).scalar_one_or_none()
    if scan_id is None:  # the same nonce was stored by a concurrent request meanwhile
        if moved_at is not None:
            raise ScanRaceLost(sent.nonce)
        first = _stored(session, sent.nonce)
        assert first is not None
        return _replay(session, event, first, sent, venue_id)

    step = 0 if moved_at is None else (1 if sent.direction is Direction.IN else -1)
    venue_counter = f"inside:venue:{venue_id}"
    counted = connection.execute(
        _statement(dialect, "count"),
        {
            "eid": event.id,
            "n0": f"scans:{checkpoint.id}:{sent.direction.value}:{result.value}",
            "v0": 1,
            "n1": venue_counter,
            "v1": step,
            "n2": f"inside:checkpoint:{moved_at or checkpoint.id}",
            "v2": step,
        },
    ).all()
    live.touch(session, event.id)
    record = ScanRecord(
        scan_id,
        event.id,
        checkpoint.id,
        participant_id,
        result,
        stored_reason,
        sent.nonce,
        scanned_at,
        conflict,
    )
    return Verdict(record, holder[0] if holder else None, int(dict(counted).get(venue_counter, 0)))


#: Refusals that depend on when the badge was shown: an offline scan is judged as of its moment.
_AS_OF_THEN = {Reason.REVOKED, Reason.NOT_ACCREDITED}


def _reason_then(
    session: Session, participant_id: int, serial: int, moment: datetime, reason_now: Reason
) -> Reason | None:
    """The refusal a badge deserved at `moment` (e.g. none, when scanned before its reissue)."""
    then = history.state_at(session, participant_id, moment)
    if then is None or serial > then.serial:  # nothing changed since, or not issued yet (a wrong clock)
        return reason_now
    if serial < then.serial:
        return Reason.REVOKED
    return None if then.accredited else Reason.NOT_ACCREDITED


def _passback_reason(
    session: Session, participant_id: int, venue_id: int, direction: Direction
) -> Reason | None:
    """What anti-passback would say about this movement given what the server knows now."""
    now_inside = (
        session.connection()
        .execute(_INSIDE_NOW, {"pid": participant_id, "venue": venue_id})
        .scalar_one_or_none()
    )
    if direction is Direction.IN and now_inside:
        return Reason.ALREADY_INSIDE
    if direction is Direction.OUT and not now_inside:
        return Reason.NOT_INSIDE
    return None


@dataclass(frozen=True)
class Rejected:
    """An uploaded scan the server cannot record (e.g. its nonce belongs to another scan)."""

    nonce: str
    error: ValidationFailed


def record_offline_batch(
    session: Session, event: EventRef, scans: Iterable[ScanInput]
) -> list[Verdict | Rejected]:
    """Apply scans decided offline in the order they happened (the scanners' clocks).

    A scan that cannot be recorded is answered with its reason and the others still apply, so
    that one bad scan never holds back a scanner's queue (it is refused before any write).
    """
    batch = list(scans)
    if len(batch) > MAX_BATCH:
        raise ValidationFailed(
            _("Send at most %(count)d scans at once.", count=MAX_BATCH), {"scans": [_("Too many scans.")]}
        )
    answers: list[Verdict | Rejected] = []
    for scan in sorted(batch, key=lambda s: (s.scanned_at or utcnow(), s.nonce)):
        try:
            answers.append(record_scan(session, event, scan))
        except ValidationFailed as error:
            answers.append(Rejected(scan.nonce, error))
    return answers
