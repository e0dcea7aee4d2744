"""What a door checked of a badge holder at a past moment: their badge serial and accreditation.

Every reissue and status change notes the holder's state before it (`note_change`, called by the
registration service, the one place both change); `state_at` reads it back for offline scans,
which are judged as of the moment they were made, not the moment they reached the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.models import Participant, Status
from kiosk.models.base import utcnow
from kiosk.models.door import HolderChange


@dataclass(frozen=True)
class HolderState:
    """What a door checks of a badge holder: the serial of the valid badge, and accreditation."""

    serial: int
    accredited: bool


def note_change(
    session: Session, participant: Participant, serial_before: int, status_before: Status
) -> None:
    """Remember the holder's state just before a reissue or a status change (made now)."""
    if participant.id is None:  # being created: no badge of theirs was ever shown
        return
    session.add(
        HolderChange(
            participant_id=participant.id,
            at=utcnow(),
            serial_before=serial_before,
            accredited_before=status_before == Status.ACCREDITED,
        )
    )


def state_at(session: Session, participant_id: int, moment: datetime) -> HolderState | None:
    """The holder's state at `moment`, or None when nothing changed since (the current state holds)."""
    row = session.execute(
        select(HolderChange.serial_before, HolderChange.accredited_before)
        .where(HolderChange.participant_id == participant_id, HolderChange.at > moment)
        .order_by(HolderChange.at, HolderChange.id)
        .limit(1)
    ).one_or_none()
    return HolderState(*row) if row else None
