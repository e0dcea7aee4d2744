"""Outgoing e-mail, kept until it is delivered so a mail server outage loses nothing."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.models.base import Base, UTCDateTime, utcnow


class MailStatus(enum.StrEnum):
    """Delivery state of a message."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class OutgoingMail(Base):
    """A complete MIME message waiting for (or done with) delivery."""

    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    message: Mapped[bytes] = mapped_column(LargeBinary)
    participant_id: Mapped[int | None]
    status: Mapped[MailStatus] = mapped_column(
        Enum(MailStatus, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e]),
        default=MailStatus.QUEUED,
        index=True,
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
