"""Delegations: the States, organizations and NGOs that send participants."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kiosk.models.base import Base, UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from kiosk.models.event import Event
    from kiosk.models.participant import Participant


class Category(enum.StrEnum):
    """The kind of delegation; it decides badge colour and access."""

    STATE_PARTY = "state_party"
    STATE_NOT_PARTY = "state_not_party"
    UNITED_NATIONS = "united_nations"
    IGO = "igo"
    ICRC = "icrc"
    NGO = "ngo"
    OTHER = "other"


#: Categories that are States and therefore carry an ISO country code.
STATE_CATEGORIES = frozenset({Category.STATE_PARTY, Category.STATE_NOT_PARTY})


class Delegation(Base):
    """A delegation to one event, reached by its focal point through a private link."""

    __tablename__ = "delegations"
    __table_args__ = (UniqueConstraint("event_id", "name", name="uq_delegations_event_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    #: As registered: a State's or organisation's English name (a State is shown by its UN names).
    name: Mapped[str] = mapped_column(String(200))
    #: An organisation's own names in the other languages and its words after "delegation",
    #: {language: {"name": …, "after_delegation": …}} (kiosk.services.countries.Names); {} for a State.
    names: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    category: Mapped[Category] = mapped_column(str_enum(Category))
    country: Mapped[str | None] = mapped_column(String(2))
    cap_override: Mapped[int | None]
    focal_point_name: Mapped[str] = mapped_column(String(200), default="")
    focal_point_email: Mapped[str] = mapped_column(String(200), default="")
    access_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: Bumped whenever the delegation's places may change; updating it locks the row.
    revision: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship(back_populates="delegations")
    participants: Mapped[list[Participant]] = relationship(
        back_populates="delegation", order_by="Participant.id"
    )

    @property
    def cap(self) -> int:
        """The number of in-person places: the override, else the event's default."""
        return self.cap_override if self.cap_override is not None else self.event.default_cap
