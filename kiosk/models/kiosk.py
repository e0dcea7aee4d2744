"""Kiosks: touchscreens enrolled as devices of one event, each with its badge and receipt printer."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kiosk.models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from kiosk.models.event import Event
    from kiosk.models.printing import Printer


class Kiosk(Base):
    """A self-service check-in screen; its browser holds a device secret (only a hash is kept)."""

    __tablename__ = "kiosks"
    __table_args__ = (UniqueConstraint("event_id", "name", name="uq_kiosks_event_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    badge_printer_id: Mapped[int | None] = mapped_column(ForeignKey("printers.id"))
    receipt_printer_id: Mapped[int | None] = mapped_column(ForeignKey("printers.id"))
    #: SHA-256 of the secret in the kiosk browser's cookie; None until the kiosk is enrolled.
    secret_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: SHA-256 of the one-time enrolment link's secret, and until when the link works.
    enrol_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    enrol_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()
    badge_printer: Mapped[Printer | None] = relationship(foreign_keys=[badge_printer_id])
    receipt_printer: Mapped[Printer | None] = relationship(foreign_keys=[receipt_printer_id])

    @property
    def active(self) -> bool:
        """Enrolled and not revoked: its browser may check delegates in."""
        return self.secret_hash is not None and self.revoked_at is None


class KioskCode(Base):
    """The one-time code a participant asked a kiosk to e-mail them (only its keyed hash is kept).

    One row per participant: a new request replaces the code. The code proves, at a kiosk, that the
    person reads the participant's mailbox; it works once, until `expires_at`.
    """

    __tablename__ = "kiosk_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), unique=True
    )
    #: HMAC-SHA256 (keyed by the application's secret) of the salt, the participant and the code.
    code_hash: Mapped[str] = mapped_column(String(64))
    salt: Mapped[str] = mapped_column(String(32))
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosks.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The check-in request that used it: the same request sent again is answered, not refused.
    used_request_id: Mapped[str | None] = mapped_column(String(64))
    #: The e-mail that carried it, scrubbed of the code once the code is used or replaced.
    mail_id: Mapped[int | None] = mapped_column(ForeignKey("outgoing_mail.id", ondelete="SET NULL"))
