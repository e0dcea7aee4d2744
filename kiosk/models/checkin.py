"""Check-ins: a participant's arrival, recorded once (who let them in, when, at which kiosk)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kiosk.models.base import Base, UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from kiosk.models.kiosk import Kiosk
    from kiosk.models.participant import Participant


class CheckInMethod(enum.StrEnum):
    """How the participant was found."""

    CODE = "code"  # the confirmation QR code, by camera or hand scanner
    NAME = "name"  # "find me" by name, with the reference or a one-time code e-mailed as proof
    DESK = "desk"  # staff at the registration desk


class CheckIn(Base):
    """One participant's check-in; the unique participant_id makes a second one impossible."""

    __tablename__ = "checkins"
    __table_args__ = (Index("ix_checkins_event_at", "event_id", "checked_in_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), unique=True)
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    method: Mapped[CheckInMethod] = mapped_column(str_enum(CheckInMethod, 10))
    #: Who: "kiosk:3", "user:12", "token:5" (the principal's label).
    actor: Mapped[str] = mapped_column(String(60))
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosks.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The client's idempotency key: the same request sent again gets the same answer.
    request_id: Mapped[str | None] = mapped_column(String(64))
    #: The badge serial current at check-in.
    badge_serial: Mapped[int]
    #: The print jobs queued by this check-in, "12,13" (their ids), so a replay shows the same jobs.
    print_job_ids: Mapped[str] = mapped_column(String(60), default="")

    participant: Mapped[Participant] = relationship()
    kiosk: Mapped[Kiosk | None] = relationship()

    @property
    def job_ids(self) -> list[int]:
        """The ids of the print jobs this check-in queued."""
        return [int(part) for part in self.print_job_ids.split(",") if part]
