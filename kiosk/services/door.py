"""The doors: the ONE place a badge scan's verdict is decided, and what follows from it.

A scan costs a fixed handful of indexed statements whatever the number of participants and
past scans: the participant by id, the presence row of the participant at the venue
(anti-passback), one insert into `scans` (unique on its nonce: idempotency) and one upsert of
the counters. The API reads the token and the event first, as plain rows. On SQLite, which
writes one transaction at a time, the scans waiting for the turn to write are written together
(`record_and_commit`).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import threading
import time
from collections import Counter as Tally
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from badges import codes
from badges.names import NameStyle, compose
from kiosk.models import Counter, Delegation, Event, EventKey, Meeting, Participant, Status, Venue
from kiosk.models.base import utcnow
from kiosk.models.door import (
    Checkpoint,
    CheckpointDirection,
    Direction,
    Presence,
    Reason,
    Scan,
    ScanResult,
)
from kiosk.services import counters, countries, live
from kiosk.services.errors import NotFound, ValidationFailed
from kiosk.services.participant_list import sort_key

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

#: A checkpoint that admits to given meetings opens this long before the first one starts.
MEETING_DOORS_OPEN = timedelta(minutes=60)
#: The most scans one offline upload may carry.
MAX_BATCH = 500
#: The largest checkpoint id (an INTEGER column, 32 bits on PostgreSQL).
MAX_CHECKPOINT_ID = 2**31 - 1
#: How long public keys stay cached in a process (a new key id is looked up at once).
_KEY_CACHE_SECONDS = 30.0


@dataclass(frozen=True)
class ScanInput:
    """One badge shown at a checkpoint, as the scanner reports it."""

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


_sqlite_writer = threading.Lock()
#: Lock files by (process, database): a lock taken through a file opened before a fork would be
#: shared with the child, so each process opens its own.
_turn_files: dict[tuple[int, str], int] = {}
_turn_files_lock = threading.Lock()


def _turn_file(database: str | None) -> int | None:
    """This process's open lock file beside a SQLite database file (None for one in memory)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    key = (os.getpid(), database)
    if key not in _turn_files:
        with _turn_files_lock:
            if key not in _turn_files:
                _turn_files[key] = os.open(f"{database}-door-turn", os.O_RDWR | os.O_CREAT, 0o600)
    return _turn_files[key]


@contextmanager
def _server_turn(session: Session) -> Iterator[None]:
    """The turn among the processes of this server (gunicorn's workers): a lock file."""
    shared = _turn_file(session.get_bind().url.database)
    if shared is None:
        yield
        return
    fcntl.flock(shared, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(shared, fcntl.LOCK_UN)


@contextmanager
def writer_turn(session: Session) -> Iterator[None]:
    """Hold the turn to write scans (SQLite), from the decision until the commit.

    SQLite lets one transaction write at a time, and a connection that finds the database locked
    sleeps (1, 2, 5 … ms) before trying again: under a queue at the doors, requests would sleep
    for up to a second. Writers take turns instead, which wakes the next one at once: threads of
    a process on a lock, and the processes of a server on a lock file beside the database.
    PostgreSQL locks rows and needs no turn.
    """
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    with _sqlite_writer, _server_turn(session):
        yield


@dataclass
class _Ticket:
    """A judged scan waiting for its turn to be written, and then its answer."""

    event: EventRef
    judged: Judged
    done: bool = False
    verdict: Verdict | None = None
    error: BaseException | None = None
    #: Refused as input (a nonce another scan took meanwhile): its own request says why.
    alone: bool = False


_waiting: list[_Ticket] = []
_waiting_lock = threading.Lock()


def record_and_commit(
    session: Session, event: EventRef, request: ScanInput, commit: Callable[[], None]
) -> Verdict:
    """Record one scan and `commit` it; a nonce seen before answers as a replay.

    SQLite writes one transaction at a time and syncs each commit to disk. So each request
    judges its scan first, reading only (a nonce seen before is found by its insert, as in
    `record_scan(optimistic=True)`), and then waits for the turn to write; whichever request
    gets it writes every scan waiting in its process, in one transaction with one sync (group
    commit), and the others find their answer ready. If that transaction fails, each scan is
    written on its own, so that one bad scan fails alone. PostgreSQL writes concurrent
    transactions side by side: each scan is judged and written in a transaction of its own.
    """
    if session.get_bind().dialect.name != "sqlite":
        return _alone(session, event, request, commit)
    judged = judge_scan(session, event, request, look_up_nonce=False)
    assert isinstance(judged, Judged)  # a nonce seen before is found by its insert
    ticket = _Ticket(event, judged)
    with _waiting_lock:
        _waiting.append(ticket)
    with _sqlite_writer:
        if not ticket.done:
            with _waiting_lock:
                group = list(_waiting)
                _waiting.clear()
            with _server_turn(session):
                _write_group(session, group, commit)
        if ticket.alone:
            with _server_turn(session):
                return _alone(session, event, request, commit)
    if ticket.error is not None:
        raise ticket.error
    assert ticket.verdict is not None
    return ticket.verdict


def _alone(session: Session, event: EventRef, request: ScanInput, commit: Callable[[], None]) -> Verdict:
    """Record one scan in a transaction of its own, and commit."""
    try:
        verdict = record_scan(session, event, request, optimistic=True)
    except ScanRaceLost:
        session.rollback()
        verdict = record_scan(session, event, request)
    commit()
    return verdict


def _write_group(session: Session, group: list[_Ticket], commit: Callable[[], None]) -> None:
    try:
        try:
            for ticket in group:
                try:
                    ticket.verdict = write_scan(session, ticket.event, ticket.judged)
                except ValidationFailed:  # nothing of it written
                    ticket.alone = True
            commit()
            return
        except Exception:
            session.rollback()
            for ticket in group:
                ticket.verdict, ticket.alone = None, False
        for ticket in group:
            try:
                ticket.verdict = _alone(session, ticket.event, ticket.judged.request, commit)
            except ValidationFailed:
                session.rollback()
                ticket.alone = True
            except Exception as error:
                session.rollback()
                ticket.error = error
    finally:
        for ticket in group:
            if ticket.verdict is None and ticket.error is None and not ticket.alone:
                ticket.error = RuntimeError("the scan was not written")
            ticket.done = True


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


# --- public keys, cached per process --------------------------------------------------------------

_key_cache: dict[int, tuple[float, dict[int, bytes], dict[int, Ed25519PublicKey]]] = {}
_key_lock = threading.Lock()


def _keys(
    session: Session, event_id: int, need: int | None
) -> tuple[dict[int, bytes], dict[int, Ed25519PublicKey]]:
    now = time.monotonic()
    cached = _key_cache.get(event_id)
    if cached and now - cached[0] < _KEY_CACHE_SECONDS and (need is None or need in cached[1]):
        return cached[1], cached[2]
    rows = session.execute(
        select(EventKey.key_id, EventKey.public_key).where(
            EventKey.event_id == event_id, EventKey.active.is_(True)
        )
    )
    raw = {key_id: bytes(public) for key_id, public in rows}
    objects = {key_id: Ed25519PublicKey.from_public_bytes(public) for key_id, public in raw.items()}
    with _key_lock:
        _key_cache[event_id] = (now, raw, objects)
    return raw, objects


def event_public_keys(session: Session, event_id: int, need: int | None = None) -> dict[int, bytes]:
    """Every active public key of an event (cached briefly; reloaded when `need` is unknown)."""
    return _keys(session, event_id, need)[0]


def forget_keys() -> None:
    """Drop cached public keys (tests, key rotation)."""
    with _key_lock:
        _key_cache.clear()


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
    Participant.status,
    Participant.badge_serial,
    Participant.photo.is_not(None),
    Participant.updated_at,
)


def _holder_name(title: str | None, given: str | None, family: str | None, badge_name: str | None) -> str:
    """The name the officer reads: the one printed on the badge ("Ms. Amina DIALLO")."""
    return compose(title or "", given or "", family or "", NameStyle.BADGE, badge_name or "")


_SHOWN = (
    select(*_HOLDER, Delegation.name, Delegation.category, Delegation.country)
    .join(Delegation, Delegation.id == Participant.delegation_id)
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
    pid, title, given, family, badge_name, status, serial, has_photo, updated = row[:9]
    delegation, category, country = row[9:]
    shown = Shown(
        pid,
        _holder_name(title, given, family, badge_name),
        countries.delegation_name(delegation, category, country),
        category.value,
        bool(has_photo),
        int(updated.timestamp()),
    )
    return shown, status, serial


@dataclass(frozen=True)
class Gate:
    """What a scan needs to know of its checkpoint (kept a few seconds per process)."""

    id: int
    event_id: int
    venue_id: int | None
    direction: CheckpointDirection
    anti_passback: bool
    active: bool
    #: (doors open, meeting ends) of each meeting the checkpoint admits to; empty: the whole event.
    windows: tuple[tuple[datetime, datetime], ...]

    def allows(self, direction: Direction) -> bool:
        """Whether people may pass this checkpoint in `direction`."""
        return self.direction == CheckpointDirection.BOTH or self.direction.value == direction.value

    def open_at(self, moment: datetime) -> bool:
        """Whether a checkpoint that admits only to some meetings is open at `moment`."""
        return not self.windows or any(opens <= moment <= ends for opens, ends in self.windows)


#: How long a process keeps a checkpoint's settings; saving a checkpoint clears them at once.
_GATE_SECONDS = 5.0
_gates: dict[int, tuple[float, Gate]] = {}


def _gate(session: Session, checkpoint_id: int) -> Gate | None:
    now = time.monotonic()
    cached = _gates.get(checkpoint_id)
    if cached and now - cached[0] < _GATE_SECONDS:
        return cached[1]
    checkpoint = session.get(Checkpoint, checkpoint_id)
    if checkpoint is None:
        return None
    gate = Gate(
        checkpoint.id,
        checkpoint.event_id,
        checkpoint.venue_id,
        checkpoint.direction,
        checkpoint.anti_passback,
        checkpoint.active,
        tuple((m.starts_at - MEETING_DOORS_OPEN, m.ends_at) for m in checkpoint.meetings),
    )
    _gates[checkpoint_id] = (now, gate)
    return gate


def forget_gates() -> None:
    """Drop the checkpoints kept by this process (after a change, and in tests)."""
    _gates.clear()


def judge_code(
    session: Session, event: EventRef, code: str, moment: datetime
) -> tuple[Reason | None, codes.CodePayload | None, tuple[Shown, Status, int] | None]:
    """Check a code's signature, kind, event, validity, serial and holder's status (no state)."""
    payload = codes.decode_unverified(code)
    if payload is None:
        return Reason.INVALID_CODE, None, None
    if payload.event_id != event.id:
        other = _keys(session, payload.event_id, payload.key_id)[1]
        checked = codes.verify(code, other)  # type: ignore[arg-type]
        wrong = checked.ok or checked.reason == "not_valid_now"
        return (Reason.WRONG_EVENT if wrong else Reason.INVALID_CODE), checked.payload, None
    public = _keys(session, event.id, payload.key_id)[1]
    checked = codes.verify(code, public, event_id=event.id, now=moment)  # type: ignore[arg-type]
    if checked.payload is None:
        return Reason.INVALID_CODE, None, None
    payload = checked.payload
    holder = _shown(session, payload.participant_id, event.id)
    if payload.kind is not codes.CodeKind.BADGE:
        return Reason.NOT_A_BADGE, payload, holder
    if checked.reason == "not_valid_now":
        return Reason.NOT_VALID_NOW, payload, holder
    if holder is None:
        return Reason.NOT_ACCREDITED, payload, None
    _who, status, serial = holder
    if payload.serial < serial:
        return Reason.REVOKED, payload, holder
    if payload.serial > serial:
        return Reason.INVALID_CODE, payload, None
    if status != Status.ACCREDITED:
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


def _replay(
    session: Session, event: EventRef, scan: ScanRecord, request: ScanInput, venue_id: int
) -> Verdict:
    if scan.event_id != event.id or scan.checkpoint_id != request.checkpoint_id:
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

    request: ScanInput
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
    request: ScanInput,
    *,
    now: datetime | None = None,
    look_up_nonce: bool = True,
) -> Judged | Verdict:
    """Check a scan's input, checkpoint and code, reading only (no turn needed): a Judged scan to
    write, the first answer to a nonce already stored (a replay), or a 422."""
    received = now or utcnow()
    checkpoint = checkpoint_of(
        session, event, request.checkpoint_id, closed_too=request.offline_result is not None
    )
    venue_id = venue_of(event, checkpoint)
    if not request.nonce or len(request.nonce) > 64:
        raise ValidationFailed(_("Each scan needs a nonce."), {"nonce": [_("Send 1 to 64 characters.")]})
    existing = _stored(session, request.nonce) if look_up_nonce else None
    if existing is not None:
        return _replay(session, event, existing, request, venue_id)
    if not checkpoint.allows(request.direction):
        raise ValidationFailed(
            _("This checkpoint is only for the other direction."),
            {"direction": [_("Pick the checkpoint's direction.")]},
        )
    offline = request.offline_result is not None
    moment = request.scanned_at if (offline and request.scanned_at) else received
    reason, payload, holder = judge_code(session, event, request.code, moment)
    if reason is None and request.direction is Direction.IN and not checkpoint.open_at(moment):
        reason = Reason.NOT_VALID_NOW
    return Judged(request, checkpoint, venue_id, received, moment, reason, payload, holder)


def record_scan(
    session: Session,
    event: EventRef,
    request: ScanInput,
    *,
    now: datetime | None = None,
    optimistic: bool = False,
) -> Verdict:
    """Decide a scan, store it with its verdict, move the holder in or out, count it.

    The same nonce sent again returns the first answer and stores nothing. An offline scan
    (request.offline_result set) keeps the scanner's verdict, since the person did or did not
    pass; the server's own verdict is compared and a difference is flagged as a conflict. A code
    the server proves invalid (a forgery) is stored refused whatever the scanner said.

    `optimistic` skips looking the nonce up first, since nearly every nonce is new: a repeated
    one is then found by the insert, and ScanRaceLost asks the caller to roll back and call
    again without it. Only a caller that owns the transaction may ask for it.
    """
    judged = judge_scan(session, event, request, now=now, look_up_nonce=not optimistic)
    return judged if isinstance(judged, Verdict) else write_scan(session, event, judged)


def write_scan(session: Session, event: EventRef, judged: Judged) -> Verdict:
    """Store a judged scan with its verdict, move the holder in or out (anti-passback), count it."""
    request, checkpoint, venue_id = judged.request, judged.checkpoint, judged.venue_id
    reason, payload, holder, moment = judged.reason, judged.payload, judged.holder, judged.moment
    offline = request.offline_result is not None
    moved_at: int | None = None
    participant_id = holder[0].id if holder else None
    if offline:
        server_reason = reason
        result = request.offline_result
        if reason is Reason.INVALID_CODE:
            # The server proves the code was never issued (damaged, bad signature, unknown serial):
            # whatever the scanner said, the scan is stored refused, and no one moves for it.
            result = ScanResult.REFUSED
        if reason is None and checkpoint.anti_passback and participant_id is not None:
            server_reason = _passback_reason(session, participant_id, venue_id, request.direction)
        if result is ScanResult.ACCEPTED and participant_id is not None:
            if not _is_stale(session, participant_id, venue_id, moment):
                moved_at = _move(
                    session,
                    event_id=event.id,
                    participant_id=participant_id,
                    venue_id=venue_id,
                    checkpoint_id=checkpoint.id,
                    direction=request.direction,
                    moment=moment,
                )
        stored_reason = request.offline_reason if result is ScanResult.REFUSED else None
        server_result = ScanResult.ACCEPTED if server_reason is None else ScanResult.REFUSED
        conflict = server_result is not result
        if reason is Reason.INVALID_CODE:
            stored_reason = Reason.INVALID_CODE
            conflict = request.offline_result is not ScanResult.REFUSED
    else:
        if reason is None and participant_id is not None:
            moved_at = _move(
                session,
                event_id=event.id,
                participant_id=participant_id,
                venue_id=venue_id,
                checkpoint_id=checkpoint.id,
                direction=request.direction,
                moment=moment,
            )
            if moved_at is None and checkpoint.anti_passback:
                reason = Reason.ALREADY_INSIDE if request.direction is Direction.IN else Reason.NOT_INSIDE
        result = ScanResult.ACCEPTED if reason is None else ScanResult.REFUSED
        stored_reason, server_reason, conflict = reason, reason, False

    scanned_at = request.scanned_at or judged.received
    values = {
        "event_id": event.id,
        "checkpoint_id": checkpoint.id,
        "participant_id": participant_id,
        "direction": request.direction,
        "result": result,
        "reason": stored_reason,
        "nonce": request.nonce,
        "scanned_at": scanned_at,
        "received_at": judged.received,
        "device": request.device[:120],
        "officer_id": request.officer_id,
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
            raise ScanRaceLost(request.nonce)
        first = _stored(session, request.nonce)
        assert first is not None
        return _replay(session, event, first, request, venue_id)

    step = 0 if moved_at is None else (1 if request.direction is Direction.IN else -1)
    venue_counter = f"inside:venue:{venue_id}"
    counted = connection.execute(
        _statement(dialect, "count"),
        {
            "eid": event.id,
            "n0": f"scans:{checkpoint.id}:{request.direction.value}:{result.value}",
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
        request.nonce,
        scanned_at,
        conflict,
    )
    return Verdict(record, holder[0] if holder else None, int(dict(counted).get(venue_counter, 0)))


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


# --- what organizers and offline scanners read ---------------------------------------------------


#: The heavy part of each event's offline bundle (its holders, who is withdrawn, which badges are
#: revoked), kept by this process with the version of the rows it was built from: every scanner
#: fetches the bundle each minute, and at 100,000 participants building it took a second.
_holders: dict[int, tuple[tuple, str, str, frozenset[str]]] = {}


def _holders_version(session: Session, event_id: int) -> tuple:
    """What changes whenever a holder, a status, a serial or a delegation of the event changes.

    The latest update time catches every change; the sum of serials and the count of accredited
    people catch a reissue or a withdrawal even if two servers' clocks disagree.
    """
    participants = session.execute(
        select(
            func.count(),
            func.max(Participant.updated_at),
            func.sum(Participant.badge_serial),
            func.count().filter(Participant.status == Status.ACCREDITED),
        ).where(Participant.event_id == event_id)
    ).one()
    delegations = session.execute(
        select(Delegation.id, Delegation.name, Delegation.category, Delegation.country)
        .where(Delegation.event_id == event_id)
        .order_by(Delegation.id)
    ).all()
    return tuple(participants), tuple(tuple(row) for row in delegations)


def _holders_json(session: Session, event_id: int, version: tuple) -> tuple[str, frozenset[str]]:
    """The holders part of a bundle as JSON members (without braces), and the categories in it.

    `version` is `_holders_version`'s, whose second part is the event's delegations.
    """
    delegations = {d_id: (name, category.value) for d_id, name, category, _country in version[1]}
    participants, not_accredited, revoked = {}, [], []
    rows = session.execute(
        select(*_HOLDER, Participant.delegation_id)
        .where(Participant.event_id == event_id)
        .order_by(Participant.id)
    )
    for pid, title, given, family, badge_name, status, serial, has_photo, updated, delegation_id in rows:
        if serial > 1:
            revoked.append({"participant_id": pid, "below_serial": serial})
        if status != Status.ACCREDITED:
            not_accredited.append(pid)
            continue
        delegation, category = delegations.get(delegation_id, ("", ""))
        participants[str(pid)] = {
            "name": _holder_name(title, given, family, badge_name),
            "delegation": delegation,
            "category": category,
            "serial": serial,
            "photo_url": photo_url(pid, int(updated.timestamp())) if has_photo else None,
        }
    text = _json({"not_accredited": not_accredited, "participants": participants, "revoked": revoked})
    return text[1:-1], frozenset(c["category"] for c in participants.values())


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def offline_bundle(
    session: Session, event: Event, label: Callable[[str], str], now: datetime | None = None
) -> tuple[str, str]:
    """Everything a scanner needs to decide alone, as JSON text, and a tag of its content.

    Keys, revocations, holders, checkpoints, who is inside, the category labels (`label`
    translates one) and the delegations' names in the reader's language where they differ. The
    tag is the same for the same content, whenever it was generated.
    """
    version = _holders_version(session, event.id)
    cached = _holders.get(event.id)
    if cached is None or cached[0] != version:
        members, categories = _holders_json(session, event.id, version)
        digest = hashlib.sha256(members.encode()).hexdigest()
        cached = _holders[event.id] = (version, members, digest, categories)
    _version, members, digest, categories = cached
    inside_by_venue: dict[str, list[int]] = {}
    for venue_id, participant_id in session.execute(
        select(Presence.venue_id, Presence.participant_id)
        .where(Presence.event_id == event.id, Presence.inside.is_(True))
        .order_by(Presence.venue_id, Presence.participant_id)
    ):
        inside_by_venue.setdefault(str(venue_id), []).append(participant_id)
    checkpoints = session.execute(
        select(Checkpoint)
        .where(Checkpoint.event_id == event.id, Checkpoint.active.is_(True))
        .order_by(Checkpoint.name)
    ).scalars()
    light = _json(
        {
            "event": {"id": event.id, "slug": event.slug, "venue_id": event.venue_id or 0},
            "public_keys": {
                str(key_id): public.hex()
                for key_id, public in sorted(event_public_keys(session, event.id).items())
            },
            "inside": inside_by_venue,
            "checkpoints": [checkpoint_json(event, c) for c in checkpoints],
            "category_labels": {c: label(c) for c in sorted(categories)},
            "delegation_labels": countries.delegation_labels(
                (name, name, category, country) for _id, name, category, country in version[1]
            ),
        }
    )
    tag = hashlib.sha256(f"{digest}{light}".encode()).hexdigest()[:32]
    stamp = _json({"generated_at": (now or utcnow()).isoformat()})[1:-1]
    return f"{light[:-1]},{members},{stamp}}}", tag


def forget_caches() -> None:
    """Drop everything the doors keep in this process: keys, checkpoints, bundle parts (tests)."""
    forget_keys()
    forget_gates()
    _holders.clear()


def photo_at_the_door(session: Session, participant: Participant, now: datetime | None = None) -> bool:
    """Whether the door and the desk may see this participant's photo: accredited, event not over.

    Staff accounts are not bound to events, so "the events they serve" are those still running
    or to come; an event token (ApiToken.event_id) narrows it to its event (participant_or_404).
    """
    event = session.get(Event, participant.event_id)
    assert event is not None
    over_at = event.local_midnight(event.ends_on + timedelta(days=1))
    return participant.status == Status.ACCREDITED and (now or utcnow()) < over_at


def photo_url(participant_id: int, version: int) -> str:
    """Where a door scanner fetches a badge holder's photo (the version changes with the photo)."""
    return f"/api/v1/participants/{participant_id}/photo?v={version}"


def checkpoint_json(event: Event, checkpoint: Checkpoint) -> dict[str, Any]:
    """A checkpoint as scanners and the API see it."""
    return {
        "id": checkpoint.id,
        "name": checkpoint.name,
        "venue_id": venue_of(event, checkpoint),
        "direction": checkpoint.direction.value,
        "anti_passback": checkpoint.anti_passback,
        "meetings": [
            {
                "id": m.id,
                "title": m.title,
                "opens_at": (m.starts_at - MEETING_DOORS_OPEN).isoformat(),
                "ends_at": m.ends_at.isoformat(),
            }
            for m in checkpoint.meetings
        ],
    }


def who_is_inside(session: Session, event: Event, venue_id: int) -> list[dict[str, Any]]:
    """The people inside a venue now, by delegation then name, with where and when they entered."""
    rows = session.execute(
        select(
            Participant.id,
            Participant.title,
            Participant.given_name,
            Participant.family_name,
            Participant.badge_name,
            Delegation.name,
            Delegation.category,
            Delegation.country,
            Checkpoint.name,
            Presence.changed_at,
        )
        .join(Participant, Participant.id == Presence.participant_id)
        .join(Delegation, Delegation.id == Participant.delegation_id)
        .outerjoin(Checkpoint, Checkpoint.id == Presence.checkpoint_id)
        .where(Presence.event_id == event.id, Presence.venue_id == venue_id, Presence.inside.is_(True))
        .order_by(Participant.family_name, Participant.given_name)
    )
    people = [
        {
            "id": pid,
            "name": _holder_name(title, given, family, badge_name),
            "family_name": family,
            "given_name": given,
            "delegation": countries.delegation_name(delegation, category, country),
            "category": category.value,
            "checkpoint": checkpoint or "",
            "since": since,
        }
        for pid, title, given, family, badge_name, delegation, category, country, checkpoint, since in rows
    ]
    people.sort(key=lambda person: sort_key(person["delegation"]))  # stable: by name within each
    return people


def conflicts(session: Session, event: Event, limit: int = 200) -> list[Scan]:
    """Offline scans the server's records contradict, newest first, for organizers to look into."""
    return list(
        session.execute(
            select(Scan)
            .where(Scan.event_id == event.id, Scan.conflict.is_(True))
            .order_by(Scan.scanned_at.desc())
            .limit(limit)
        ).scalars()
    )


def venues_of(session: Session, event: Event) -> dict[int, str]:
    """The venues an event's checkpoints guard, by id (0: the event has no venue)."""
    ids = {
        venue_of(event, c)
        for c in session.execute(select(Checkpoint).where(Checkpoint.event_id == event.id)).scalars()
    }
    if event.venue_id:
        ids.add(event.venue_id)
    names = dict(session.execute(select(Venue.id, Venue.name).where(Venue.id.in_(ids))).all()) if ids else {}
    return {venue_id: names.get(venue_id, _("Venue")) for venue_id in sorted(ids)}


# --- checkpoints ------------------------------------------------------------------------------------


def save_checkpoint(
    session: Session,
    event: Event,
    checkpoint: Checkpoint | None,
    *,
    name: str,
    direction: str,
    anti_passback: bool,
    meeting_ids: Iterable[int] = (),
    venue_id: int | None = None,
    active: bool = True,
) -> Checkpoint:
    """Create or change a checkpoint of the event."""
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name or len(name) > 120:
        errors["name"] = [_("Give the checkpoint a name (up to 120 characters).")]
    try:
        kind = CheckpointDirection(direction)
    except ValueError:
        errors["direction"] = [_("Choose in, out or both.")]
    wanted = set(meeting_ids)
    meetings = (
        list(
            session.execute(
                select(Meeting).where(Meeting.event_id == event.id, Meeting.id.in_(wanted))
            ).scalars()
        )
        if wanted
        else []
    )
    if len(meetings) != len(wanted):
        errors["meetings"] = [_("Pick meetings of this event.")]
    if venue_id is not None and session.get(Venue, venue_id) is None:
        errors["venue"] = [_("Pick one of the venues.")]
    if errors:
        raise ValidationFailed(_("The checkpoint was not saved."), errors)
    if checkpoint is None:
        checkpoint = Checkpoint(event_id=event.id)
        session.add(checkpoint)
    checkpoint.name = name
    checkpoint.direction = kind
    checkpoint.anti_passback = anti_passback
    checkpoint.meetings = meetings
    checkpoint.venue_id = venue_id
    checkpoint.active = active
    session.flush()
    forget_gates()
    return checkpoint


def get_checkpoint(session: Session, event: Event, checkpoint_id: int) -> Checkpoint:
    """A checkpoint of the event, or NotFound."""
    checkpoint = session.get(Checkpoint, checkpoint_id)
    if checkpoint is None or checkpoint.event_id != event.id:
        raise NotFound(_("There is no checkpoint %(id)d.", id=checkpoint_id))
    return checkpoint


def event_checkpoints(session: Session, event: Event, *, active_only: bool = False) -> list[Checkpoint]:
    """The event's checkpoints by name."""
    query = select(Checkpoint).where(Checkpoint.event_id == event.id).order_by(Checkpoint.name)
    if active_only:
        query = query.where(Checkpoint.active.is_(True))
    return list(session.execute(query).scalars())


# --- recount ---------------------------------------------------------------------------------------


@counters.recounter
def count_door(session: Session, event_id: int) -> Mapping[str, int]:
    """The door counters, from the presence and scans tables."""
    tally: Tally = Tally()
    for venue_id, checkpoint_id, count in session.execute(
        select(Presence.venue_id, Presence.checkpoint_id, func.count())
        .where(Presence.event_id == event_id, Presence.inside.is_(True))
        .group_by(Presence.venue_id, Presence.checkpoint_id)
    ):
        tally[f"inside:venue:{venue_id}"] += count
        tally[f"inside:checkpoint:{checkpoint_id}"] += count
    for checkpoint_id, direction, result, count in session.execute(
        select(Scan.checkpoint_id, Scan.direction, Scan.result, func.count())
        .where(Scan.event_id == event_id)
        .group_by(Scan.checkpoint_id, Scan.direction, Scan.result)
    ):
        tally[f"scans:{checkpoint_id}:{direction.value}:{result.value}"] += count
    return tally
