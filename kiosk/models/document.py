"""Credentials on file: the notes verbales, formal credentials and nomination letters a delegation sends."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, Date, ForeignKey, Integer, LargeBinary, String, Table, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from kiosk.models.base import Base, UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from kiosk.models.delegation import Delegation
    from kiosk.models.participant import Participant


class DocumentKind(enum.StrEnum):
    """What the document is."""

    CREDENTIALS = "credentials"  # formal credentials
    NOTE_VERBALE = "note_verbale"
    NOMINATION = "nomination"  # a letter of nomination
    OTHER = "other"


class Authority(enum.StrEnum):
    """Who issued the document."""

    HEAD_OF_STATE = "head_of_state"  # Head of State or Government
    FOREIGN_MINISTER = "foreign_minister"  # Minister for Foreign Affairs
    PERMANENT_MISSION = "permanent_mission"
    ORGANISATION = "organisation"


class Decision(enum.StrEnum):
    """Where the secretariat's review of a document stands."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    RETURNED = "returned"  # sent back with a sentence


#: The participants a document names (chosen from its delegation).
document_participants = Table(
    "credential_document_participants",
    Base.metadata,
    Column(
        "document_id", Integer, ForeignKey("credential_documents.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("participant_id", Integer, ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True),
)


class CredentialDocument(Base):
    """One document of a delegation: its description, its cleaned file and the secretariat's decision."""

    __tablename__ = "credential_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegations.id"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(str_enum(DocumentKind))
    issued_on: Mapped[date | None] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(120), default="")
    authority: Mapped[Authority] = mapped_column(str_enum(Authority))
    #: True when the secretariat holds the original, False for a copy (a scan, a fax).
    original: Mapped[bool] = mapped_column(default=False)
    #: The cleaned file (a sanitised PDF, or an image re-encoded without metadata); None once purged.
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    content_type: Mapped[str] = mapped_column(String(40), default="application/pdf")
    size: Mapped[int] = mapped_column(default=0)
    pages: Mapped[int] = mapped_column(default=1)
    #: A small PNG of the first page, made at upload in a limited subprocess; None if it could not be made.
    preview: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    decision: Mapped[Decision] = mapped_column(str_enum(Decision), default=Decision.PENDING)
    #: Why it was sent back: a code of services.documents.RETURN_REASONS (shown in the reader's language).
    decision_reason: Mapped[str] = mapped_column(String(30), default="")
    #: The sentence sent back to the focal point with a returned document.
    decision_note: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    delegation: Mapped[Delegation] = relationship()
    participants: Mapped[list[Participant]] = relationship(
        secondary=document_participants, order_by="Participant.id"
    )
