"""Participants and the rules of their status."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, ForeignKey, Index, LargeBinary, String, UniqueConstraint, and_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from badges.names import NameStyle, compose
from kiosk.models.base import Base, UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from kiosk.models.delegation import Delegation


class Status(enum.StrEnum):
    """Where a participant stands in accreditation."""

    PENDING = "pending"
    ACCREDITED = "accredited"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


#: The only status changes allowed; everything else is refused.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.PENDING: frozenset({Status.ACCREDITED, Status.REJECTED, Status.WITHDRAWN}),
    # Back to pending: a focal point changed who the person is, the secretariat reviews it again.
    Status.ACCREDITED: frozenset({Status.WITHDRAWN, Status.PENDING}),
    Status.REJECTED: frozenset({Status.PENDING}),
    Status.WITHDRAWN: frozenset({Status.PENDING}),
}

#: Statuses that hold a place in the delegation.
ACTIVE_STATUSES = frozenset({Status.PENDING, Status.ACCREDITED})


#: Crockford's base32 alphabet: no I, L, O or U, so a reference read aloud or typed is unambiguous.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_REFERENCE_READS_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_reference() -> str:
    """A short random reference a person can read and type, e.g. "K7M4-QX2P" (40 bits)."""
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{code[:4]}-{code[4:]}"


def normalise_reference(text: str) -> str:
    """A typed reference in its stored form: upper case, O read as 0, I and L as 1, the dash put back."""
    code = "".join(ch for ch in text.upper().translate(_REFERENCE_READS_AS) if ch in REFERENCE_ALPHABET)
    return f"{code[:4]}-{code[4:]}" if len(code) == 8 else code


class Mode(enum.StrEnum):
    """How a participant attends; only in-person participants take a place at the venue."""

    IN_PERSON = "in_person"
    ONLINE = "online"


def holds_a_place(status: Status | str, mode: Mode | str) -> bool:
    """Who holds a place (counts against the delegation's cap): in person, pending or accredited.

    The one definition: `Participant.holds_place` applies it to a row or, in a query, as SQL;
    the headcount applies it to the status and mode in its counters' names.
    """
    return mode == Mode.IN_PERSON and status in ACTIVE_STATUSES


class Gender(enum.StrEnum):
    """Gender as declared by the delegation, for the balance figures."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNDISCLOSED = "undisclosed"


class Participant(Base):
    """A person registered by a delegation."""

    __tablename__ = "participants"
    __table_args__ = (
        Index("ix_participants_delegation_status", "delegation_id", "status"),
        Index("ix_participants_event_email", "event_id", "email"),
        UniqueConstraint("event_id", "reference", name="uq_participants_event_reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    # Counted attributes (services.counters) keep their old value when changed: active_history.
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegations.id"), active_history=True)
    title: Mapped[str] = mapped_column(String(40), default="")
    given_name: Mapped[str] = mapped_column(String(120))
    family_name: Mapped[str] = mapped_column(String(120))
    #: The name exactly as printed on the badge, when the usual order is wrong for this person.
    badge_name: Mapped[str] = mapped_column(String(120), default="")
    #: Whether the name is written family name first (NGUYỄN Thị Minh Khai, NAGY Péter, 王小明):
    #: the person's choice, filled from conventions when they register (see
    #: badges.names.usually_family_first). None: as names in its script are written.
    family_name_first: Mapped[bool | None] = mapped_column(default=None)
    function: Mapped[str] = mapped_column(String(120), default="")
    gender: Mapped[Gender] = mapped_column(str_enum(Gender), default=Gender.UNDISCLOSED, active_history=True)
    email: Mapped[str] = mapped_column(String(200), default="")
    mode: Mapped[Mode] = mapped_column(str_enum(Mode), default=Mode.IN_PERSON, active_history=True)
    language: Mapped[str] = mapped_column(String(5), default="en")
    status: Mapped[Status] = mapped_column(
        str_enum(Status), default=Status.PENDING, index=True, active_history=True
    )
    photo: Mapped[bytes | None] = mapped_column(LargeBinary)
    photo_type: Mapped[str | None] = mapped_column(String(20))
    badge_serial: Mapped[int] = mapped_column(default=1)
    #: A short reference printed in the confirmation e-mail, for the kiosk and the desk.
    reference: Mapped[str] = mapped_column(String(9), default=new_reference)
    substitute_for_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    delegation: Mapped[Delegation] = relationship(back_populates="participants")

    def name_as(self, style: NameStyle) -> str:
        """The name composed for a place (list, sentence), without the title; see badges.names.

        The name with its title, in a language, is kiosk.services.titles.participant_name.
        """
        parts = (self.given_name, self.family_name)
        return compose(
            "",
            *(part or "" for part in parts),
            style=style,
            badge_name=self.badge_name or "",
            family_name_first=self.family_name_first,
        )

    @property
    def full_name(self) -> str:
        """The name inside a sentence: "Amina Diallo", "王小明"."""
        return self.name_as(NameStyle.SENTENCE)

    @property
    def list_name(self) -> str:
        """The name in lists sorted by family name: "DIALLO, Amina"."""
        return self.name_as(NameStyle.LIST)

    @hybrid_property
    def holds_place(self) -> bool:
        """Whether this participant counts against the delegation's cap (see `holds_a_place`)."""
        return holds_a_place(self.status, self.mode)

    @holds_place.inplace.expression
    @classmethod
    def _holds_place_where(cls) -> ColumnElement[bool]:
        """The same rule as SQL, for counting places in the database."""
        return and_(cls.mode == Mode.IN_PERSON, cls.status.in_(ACTIVE_STATUSES))


#: Search keys are cut to this many characters (a longer name is found by its beginning).
NAME_KEY_LENGTH = 200


class NameKey(Base):
    """One way into a participant's name for search: the folded name from one of its words on.

    Written by kiosk.services.name_search on every flush that adds or renames a participant. Compared
    in code point order ("C" collation on PostgreSQL), so that a prefix is one range of the index.
    """

    __tablename__ = "name_keys"
    __table_args__ = (Index("ix_name_keys_event_key", "event_id", "key", "participant_id"),)

    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(
        String(NAME_KEY_LENGTH).with_variant(String(NAME_KEY_LENGTH, collation="C"), "postgresql"),
        primary_key=True,
    )
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    #: Whether the key starts in the family name (the kiosk searches family names only).
    family: Mapped[bool]
