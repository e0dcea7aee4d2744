"""Recording changes in the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from kiosk.models import AuditEntry, Role


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user, a device token, a focal point link, or the system."""

    label: str
    role: Role | None = None
    delegation_id: int | None = None

    @property
    def is_staff(self) -> bool:
        """Organizers and desk staff may act after the registration deadline."""
        return self.role in (Role.ORGANIZER, Role.DESK) or self.role is None


SYSTEM = Actor("system")


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int | None,
    *,
    event_id: int | None = None,
    changes: dict[str, Any] | None = None,
) -> None:
    """Add one audit entry to the session (the caller commits)."""
    session.add(
        AuditEntry(
            actor=actor.label,
            action=action,
            entity=entity,
            entity_id=entity_id,
            event_id=event_id,
            changes=changes or {},
        )
    )
