"""The doors: checkpoints, every badge scan, and who is inside each venue."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kiosk.models.base import Base, UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from kiosk.models.event import Meeting, Venue

#: A 64-bit key that is still SQLite's auto-incrementing rowid.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class CheckpointDirection(enum.StrEnum):
    """Which way people pass a checkpoint."""

    IN = "in"
    OUT = "out"
    BOTH = "both"


class Direction(enum.StrEnum):
    """Which way one scanned person passed."""

    IN = "in"
    OUT = "out"


class ScanResult(enum.StrEnum):
    """The verdict shown to the officer."""

    ACCEPTED = "accepted"
    REFUSED = "refused"


class Reason(enum.StrEnum):
    """Why a badge is refused (the API's `reason`)."""

    INVALID_CODE = "invalid_code"
    NOT_A_BADGE = "not_a_badge"
    REVOKED = "revoked"
    WRONG_EVENT = "wrong_event"
    NOT_VALID_NOW = "not_valid_now"
    NOT_ACCREDITED = "not_accredited"
    ALREADY_INSIDE = "already_inside"
    NOT_INSIDE = "not_inside"


checkpoint_meetings = Table(
    "checkpoint_meetings",
    Base.metadata,
    Column("checkpoint_id", ForeignKey("checkpoints.id", ondelete="CASCADE"), primary_key=True),
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
)


class Checkpoint(Base):
    """An entrance or exit of a venue where security scans badges."""

    __tablename__ = "checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id"))
    name: Mapped[str] = mapped_column(String(120))
    direction: Mapped[CheckpointDirection] = mapped_column(
        str_enum(CheckpointDirection), default=CheckpointDirection.BOTH
    )
    #: Refuse an entry of someone inside, and an exit of someone outside.
    anti_passback: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    venue: Mapped[Venue | None] = relationship()
    #: The meetings this checkpoint admits to; none means the whole event.
    meetings: Mapped[list[Meeting]] = relationship(
        secondary=checkpoint_meetings, order_by="Meeting.starts_at"
    )

    def allows(self, direction: Direction) -> bool:
        """Whether people may pass this checkpoint in `direction`."""
        return self.direction == CheckpointDirection.BOTH or self.direction.value == direction.value


class Scan(Base):
    """One badge shown at a checkpoint, accepted or refused, as the officer saw it."""

    __tablename__ = "scans"
    __table_args__ = (
        Index("ix_scans_event_scanned_at", "event_id", "scanned_at"),
        Index("ix_scans_participant", "participant_id"),
        Index("ix_scans_event_conflict", "event_id", "conflict"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("checkpoints.id"))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"))
    direction: Mapped[Direction] = mapped_column(str_enum(Direction, 3))
    result: Mapped[ScanResult] = mapped_column(str_enum(ScanResult, 10))
    reason: Mapped[Reason | None] = mapped_column(str_enum(Reason))
    #: Chosen by the scanner for each scan; a re-sent scan carries the same nonce.
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    #: When the badge was shown (the device's clock); received_at is the server's.
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    device: Mapped[str] = mapped_column(String(120), default="")
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    badge_serial: Mapped[int | None]
    #: Decided by the scanner while the server was unreachable, uploaded later.
    offline: Mapped[bool] = mapped_column(default=False)
    #: An offline verdict the server's records contradict (e.g. one badge entering at two doors).
    conflict: Mapped[bool] = mapped_column(default=False)
    #: The server's own verdict of an offline scan when it differs, e.g. "already_inside".
    server_reason: Mapped[str | None] = mapped_column(String(20))
    #: When an organizer marked the conflict resolved, and who (None while it is open).
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class HolderChange(Base):
    """A change of what a door checks of a badge holder (badge serial, accreditation), and when.

    Offline scans are judged as of the moment they were made: the state at that moment is the
    "before" of the first change after it, or the participant's current state if none.
    """

    __tablename__ = "holder_changes"
    __table_args__ = (Index("ix_holder_changes_participant_at", "participant_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    serial_before: Mapped[int]
    accredited_before: Mapped[bool]


class Presence(Base):
    """Whether a participant is inside a venue now: one row per participant and venue."""

    __tablename__ = "presence"
    __table_args__ = (Index("ix_presence_event_venue_inside", "event_id", "venue_id", "inside"),)

    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), primary_key=True)
    #: 0 when the event has no venue.
    venue_id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    inside: Mapped[bool] = mapped_column(default=False)
    #: The checkpoint of the last accepted scan (the entrance, while inside).
    checkpoint_id: Mapped[int | None] = mapped_column(ForeignKey("checkpoints.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
