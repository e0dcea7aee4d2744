"""Checkpoints (their settings and admin) and who is inside a venue, as organizers read it."""

from __future__ import annotations

import re
from collections import Counter as Tally
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from kiosk.models import Delegation, Event, Meeting, Participant, User, Venue
from kiosk.models.base import utcnow
from kiosk.models.door import (
    Checkpoint,
    CheckpointDirection,
    Direction,
    Presence,
    Scan,
    ScanResult,
)
from kiosk.services import collation, counters, countries, titles
from kiosk.services.audit import Actor, record
from kiosk.services.door.caches import MEETING_DOORS_OPEN, forget_gates
from kiosk.services.door.verdict import _holder_name, venue_of
from kiosk.services.errors import NotFound, ValidationFailed


def checkpoint_json(event: Event, checkpoint: Checkpoint) -> dict[str, Any]:
    """A checkpoint as scanners and the API see it."""
    return {
        "id": checkpoint.id,
        "name": checkpoint.name,
        "venue_id": venue_of(event, checkpoint),
        "direction": checkpoint.direction.value,
        "anti_passback": checkpoint.anti_passback,
        "meetings": [
            {
                "id": m.id,
                "title": m.title,
                "opens_at": (m.starts_at - MEETING_DOORS_OPEN).isoformat(),
                "ends_at": m.ends_at.isoformat(),
            }
            for m in checkpoint.meetings
        ],
    }


#: What the door needs to write a holder's name as printed on the badge (`_holder_name`'s arguments).
_NAME_PARTS = (
    Participant.title,
    Participant.given_name,
    Participant.family_name,
    Participant.badge_name,
    Participant.family_name_first,
    Participant.gender,
)


def who_is_inside(session: Session, event: Event, venue_id: int) -> list[dict[str, Any]]:
    """The people inside a venue now, by delegation then name, with where and when they entered."""
    rows = session.execute(
        select(
            Participant.id,
            *_NAME_PARTS,
            Delegation.name,
            Delegation.category,
            Delegation.country,
            Delegation.names,
            Checkpoint.name,
            Presence.changed_at,
        )
        .join(Participant, Participant.id == Presence.participant_id)
        .join(Delegation, Delegation.id == Participant.delegation_id)
        .outerjoin(Checkpoint, Checkpoint.id == Presence.checkpoint_id)
        .where(Presence.event_id == event.id, Presence.venue_id == venue_id, Presence.inside.is_(True))
    )
    people = [
        {
            "id": pid,
            "name": _holder_name(title, given, family, badge_name, first, gender, event.badge_language),
            "family_name": family,
            "given_name": given,
            "delegation": countries.delegation_name(delegation, category, country, names),
            "category": category.value,
            "checkpoint": checkpoint or "",
            "since": at,
        }
        for (
            pid,
            title,
            given,
            family,
            badge_name,
            first,
            gender,
            delegation,
            category,
            country,
            names,
            checkpoint,
            at,
        ) in rows
    ]
    language = titles.current_language()
    return collation.sort(people, language, lambda p: (p["delegation"], p["family_name"], p["given_name"]))


@dataclass(frozen=True)
class Conflict:
    """An offline scan the server's records contradict, as organizers read it."""

    id: int
    nonce: str
    scanned_at: datetime
    received_at: datetime
    checkpoint: str
    direction: Direction
    result: ScanResult
    #: The server's verdict ("already_inside" …), or None: the server would have accepted it.
    server_reason: str | None
    #: The name printed on the badge, and the delegation; "" when the code named no one.
    participant: str
    delegation: str
    #: Who scanned (the officer's sign-in) and the scanner's own name, without the account number.
    officer: str
    device: str
    resolved_at: datetime | None
    resolved_by: str


#: The caller's label the API puts before a scanner's own name ("user:2 door-de057f11").
_CALLER_LABEL = re.compile(r"^[a-z]+:\S+\s*")


def conflicts(session: Session, event: Event, limit: int = 200) -> list[Conflict]:
    """Offline scans the server's records contradict, open ones first then newest first."""
    officer, resolver = aliased(User), aliased(User)
    rows = session.execute(
        select(
            Scan,
            Checkpoint.name,
            *_NAME_PARTS,
            Delegation.name,
            Delegation.category,
            Delegation.country,
            Delegation.names,
            officer.email,
            resolver.email,
        )
        .join(Checkpoint, Checkpoint.id == Scan.checkpoint_id)
        .outerjoin(Participant, Participant.id == Scan.participant_id)
        .outerjoin(Delegation, Delegation.id == Participant.delegation_id)
        .outerjoin(officer, officer.id == Scan.officer_id)
        .outerjoin(resolver, resolver.id == Scan.resolved_by_id)
        .where(Scan.event_id == event.id, Scan.conflict.is_(True))
        .order_by(Scan.resolved_at.is_not(None), Scan.scanned_at.desc(), Scan.id.desc())
        .limit(limit)
    )
    found = []
    for (
        scan,
        checkpoint,
        title,
        given,
        family,
        badge_name,
        first,
        gender,
        delegation,
        category,
        country,
        names,
        by,
        fixer,
    ) in rows:
        named = scan.participant_id is not None and given is not None
        found.append(
            Conflict(
                id=scan.id,
                nonce=scan.nonce,
                scanned_at=scan.scanned_at,
                received_at=scan.received_at,
                checkpoint=checkpoint,
                direction=scan.direction,
                result=scan.result,
                server_reason=scan.server_reason,
                participant=(
                    _holder_name(title, given, family, badge_name, first, gender, event.badge_language)
                    if named
                    else ""
                ),
                delegation=countries.delegation_name(delegation, category, country, names) if named else "",
                officer=by or "",
                device=_CALLER_LABEL.sub("", scan.device),
                resolved_at=scan.resolved_at,
                resolved_by=fixer or "",
            )
        )
    return found


def resolve_conflict(session: Session, event: Event, scan_id: int, actor: Actor, user_id: int | None) -> Scan:
    """Mark an offline conflict resolved (an organizer looked into it); audited. Twice is once."""
    scan = session.get(Scan, scan_id)
    if scan is None or scan.event_id != event.id or not scan.conflict:
        raise NotFound(_("There is no such conflict at this event."))
    if scan.resolved_at is None:
        scan.resolved_at = utcnow()
        scan.resolved_by_id = user_id
        record(
            session,
            actor,
            "door.conflict_resolved",
            "scan",
            scan.id,
            event_id=event.id,
            changes={"resolved": [False, True]},
        )
        session.flush()
    return scan


def venues_of(session: Session, event: Event) -> dict[int, str]:
    """The venues an event's checkpoints guard, by id (0: the event has no venue)."""
    ids = {
        venue_of(event, c)
        for c in session.execute(select(Checkpoint).where(Checkpoint.event_id == event.id)).scalars()
    }
    if event.venue_id:
        ids.add(event.venue_id)
    names = dict(session.execute(select(Venue.id, Venue.name).where(Venue.id.in_(ids))).all()) if ids else {}
    return {venue_id: names.get(venue_id, _("Venue")) for venue_id in sorted(ids)}


# --- checkpoints ------------------------------------------------------------------------------------


def save_checkpoint(
    session: Session,
    event: Event,
    checkpoint: Checkpoint | None,
    *,
    name: str,
    direction: str,
    anti_passback: bool,
    meeting_ids: Iterable[int] = (),
    venue_id: int | None = None,
    active: bool = True,
) -> Checkpoint:
    """Create or change a checkpoint of the event."""
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name or len(name) > 120:
        errors["name"] = [_("Give the checkpoint a name (up to 120 characters).")]
    try:
        kind = CheckpointDirection(direction)
    except ValueError:
        errors["direction"] = [_("Choose in, out or both.")]
    wanted = set(meeting_ids)
    meetings = (
        list(
            session.execute(
                select(Meeting).where(Meeting.event_id == event.id, Meeting.id.in_(wanted))
            ).scalars()
        )
        if wanted
        else []
    )
    if len(meetings) != len(wanted):
        errors["meetings"] = [_("Pick meetings of this event.")]
    if venue_id is not None and session.get(Venue, venue_id) is None:
        errors["venue"] = [_("Pick one of the venues.")]
    if errors:
        raise ValidationFailed(_("The checkpoint was not saved."), errors)
    if checkpoint is None:
        checkpoint = Checkpoint(event_id=event.id)
        session.add(checkpoint)
    checkpoint.name = name
    checkpoint.direction = kind
    checkpoint.anti_passback = anti_passback
    checkpoint.meetings = meetings
    checkpoint.venue_id = venue_id
    checkpoint.active = active
    session.flush()
    forget_gates()
    return checkpoint


def get_checkpoint(session: Session, event: Event, checkpoint_id: int) -> Checkpoint:
    """A checkpoint of the event, or NotFound."""
    checkpoint = session.get(Checkpoint, checkpoint_id)
    if checkpoint is None or checkpoint.event_id != event.id:
        raise NotFound(_("There is no checkpoint %(id)d.", id=checkpoint_id))
    return checkpoint


def event_checkpoints(session: Session, event: Event, *, active_only: bool = False) -> list[Checkpoint]:
    """The event's checkpoints by name."""
    query = select(Checkpoint).where(Checkpoint.event_id == event.id).order_by(Checkpoint.name)
    if active_only:
        query = query.where(Checkpoint.active.is_(True))
    return list(session.execute(query).scalars())


# --- recount ---------------------------------------------------------------------------------------


@counters.recounter
def count_door(session: Session, event_id: int) -> Mapping[str, int]:
    """The door counters, from the presence and scans tables."""
    tally: Tally = Tally()
    for venue_id, checkpoint_id, count in session.execute(
        select(Presence.venue_id, Presence.checkpoint_id, func.count())
        .where(Presence.event_id == event_id, Presence.inside.is_(True))
        .group_by(Presence.venue_id, Presence.checkpoint_id)
    ):
        tally[f"inside:venue:{venue_id}"] += count
        tally[f"inside:checkpoint:{checkpoint_id}"] += count
    for checkpoint_id, direction, result, count in session.execute(
        select(Scan.checkpoint_id, Scan.direction, Scan.result, func.count())
        .where(Scan.event_id == event_id)
        .group_by(Scan.checkpoint_id, Scan.direction, Scan.result)
    ):
        tally[f"scans:{checkpoint_id}:{direction.value}:{result.value}"] += count
    return tally
