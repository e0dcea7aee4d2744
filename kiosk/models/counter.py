"""Counters: the figures organizers watch, kept up to date in the same transaction as each change."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.models.base import Base


class Counter(Base):
    """One named figure of an event, e.g. `checked_in` or `inside:venue:3` (see services.counters)."""

    __tablename__ = "counters"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
