"""Venues, events and the meetings (segments) inside an event."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kiosk.models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from kiosk.models.delegation import Delegation


class Venue(Base):
    """A building where meetings are held, with its capacity in seats."""

    __tablename__ = "venues"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    capacity: Mapped[int | None]


class Event(Base):
    """A conference or meeting series that delegations register for."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    timezone: Mapped[str] = mapped_column(String(60), default="Europe/Zurich")
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id"))
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    default_cap: Mapped[int] = mapped_column(default=3)
    cap_in_person: Mapped[bool] = mapped_column(default=True)
    auto_accredit: Mapped[bool] = mapped_column(default=False)
    #: Accreditation needs an accepted credentials document naming the person (services.documents).
    credentials_required: Mapped[bool] = mapped_column(default=False)
    contact_email: Mapped[str] = mapped_column(String(200), default="")
    #: The From address of the event's e-mail (empty: the server's MAIL_SENDER); replies go to contact_email.
    mail_sender: Mapped[str] = mapped_column(String(200), default="")
    secretariat: Mapped[str] = mapped_column(String(300), default="")
    #: The language of the words printed on badges (the category band): "en" or "fr".
    badge_language: Mapped[str] = mapped_column(String(5), default="en")
    #: Ask nationality, date of birth and identity document (kept encrypted: services/identity_details.py).
    identity_details: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    venue: Mapped[Venue | None] = relationship()
    meetings: Mapped[list[Meeting]] = relationship(
        back_populates="event", order_by="Meeting.starts_at", cascade="all, delete-orphan"
    )
    delegations: Mapped[list[Delegation]] = relationship(back_populates="event")
    keys: Mapped[list[EventKey]] = relationship(
        back_populates="event", order_by="EventKey.key_id", cascade="all, delete-orphan"
    )

    @property
    def tz(self) -> ZoneInfo:
        """The event's time zone."""
        return ZoneInfo(self.timezone)

    def local_midnight(self, day: date) -> datetime:
        """Midnight at the start of `day` in the event's time zone."""
        return datetime.combine(day, time(0, 0), tzinfo=self.tz)


class Meeting(Base):
    """A segment of an event, e.g. a preparatory meeting on one afternoon."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    room: Mapped[str] = mapped_column(String(120), default="")

    event: Mapped[Event] = relationship(back_populates="meetings")


class EventKey(Base):
    """One Ed25519 key of an event; the private half lives in a file, never in the database."""

    __tablename__ = "event_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    key_id: Mapped[int]
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    private_key_path: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship(back_populates="keys")
