"""Identity details a secretariat may need for security badges, kept encrypted.

See kiosk/services/identity_details.py.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.models.base import Base, UTCDateTime, utcnow


class IdentityDetails(Base):
    """One participant's nationality, date of birth and identity document, each field sealed with
    AES-GCM; the associated data names the participant and the field, so cells cannot be swapped."""

    __tablename__ = "identity_details"

    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    nationality: Mapped[bytes] = mapped_column(LargeBinary)
    birth_date: Mapped[bytes] = mapped_column(LargeBinary)
    document_type: Mapped[bytes] = mapped_column(LargeBinary)
    document_number: Mapped[bytes] = mapped_column(LargeBinary)
    document_expiry: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
