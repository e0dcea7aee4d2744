"""What the doors keep in each process: public keys, checkpoints, the offline bundle's holders, photos."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session

from kiosk.models.door import (
    Checkpoint,
    CheckpointDirection,
    Direction,
)
from kiosk.services.keys import read_public_keys

#: A checkpoint that admits to given meetings opens this long before the first one starts.
MEETING_DOORS_OPEN = timedelta(minutes=60)
#: How long public keys stay cached in a process (a new key id is looked up at once).
_KEY_CACHE_SECONDS = 30.0


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
    raw = read_public_keys(session, event_id)
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


# --- checkpoints, kept a few seconds per process -------------------------------------------------


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


# --- the offline bundle's heavy part -------------------------------------------------------------


#: The heavy part of each event's offline bundle (its holders, who is withdrawn, which badges are
#: revoked), kept by this process with the version of the rows it was built from: every scanner
#: fetches the bundle each minute, and at 100,000 participants building it took a second.
_holders: dict[int, tuple[tuple, str, str, frozenset[str]]] = {}


# --- the small offline copies of photos, cached per process -----------------------------------------

#: The most the small photo copies may take in one process (each is 1 to 12 KB).
SMALL_PHOTOS_BYTES = 32 * 1024 * 1024


class SmallPhotos:
    """The latest small photo copies made, by (participant, version), within SMALL_PHOTOS_BYTES:
    every scanner of a venue fetches each one, and making one costs a few milliseconds."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.held: OrderedDict[tuple[int, int], bytes] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[int, int]) -> bytes | None:
        with self.lock:
            found = self.held.get(key)
            if found is not None:
                self.held.move_to_end(key)
            return found

    def put(self, key: tuple[int, int], small: bytes) -> None:
        with self.lock:
            if key in self.held:
                return
            self.held[key] = small
            self.size += len(small)
            while self.size > self.limit and self.held:
                _old, dropped = self.held.popitem(last=False)
                self.size -= len(dropped)

    def clear(self) -> None:
        with self.lock:
            self.held.clear()
            self.size = 0


_small_photos = SmallPhotos(SMALL_PHOTOS_BYTES)


def forget_caches() -> None:
    """Drop everything the doors keep in this process: keys, checkpoints, bundle parts (tests)."""
    forget_keys()
    forget_gates()
    _holders.clear()
    _small_photos.clear()
