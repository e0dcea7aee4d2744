"""The offline bundle: everything a scanner needs to decide alone; and the photos it links to."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.models import Delegation, Event, Participant, Status
from kiosk.models.base import utcnow
from kiosk.models.door import (
    Checkpoint,
    Presence,
)
from kiosk.services import countries
from kiosk.services.door.caches import _holders, event_public_keys
from kiosk.services.door.checkpoints import checkpoint_json
from kiosk.services.door.verdict import _HOLDER, _holder_name

# --- what organizers and offline scanners read ---------------------------------------------------


def _holders_version(session: Session, event_id: int) -> tuple:
    """What changes whenever a holder, a status, a serial or a delegation of the event changes.

    The latest update time catches every change; the sum of serials and the count of accredited
    people catch a reissue or a withdrawal even if two servers' clocks disagree.
    """
    participants = session.execute(
        select(
            func.count(),
            func.max(Participant.updated_at),
            func.sum(Participant.badge_serial),
            func.count().filter(Participant.status == Status.ACCREDITED),
        ).where(Participant.event_id == event_id)
    ).one()
    delegations = session.execute(
        select(Delegation.id, Delegation.name, Delegation.category, Delegation.country)
        .where(Delegation.event_id == event_id)
        .order_by(Delegation.id)
    ).all()
    return tuple(participants), tuple(tuple(row) for row in delegations)


def _holders_json(
    session: Session, event_id: int, version: tuple, language: str = "en"
) -> tuple[str, frozenset[str]]:
    """The holders part of a bundle as JSON members (without braces), and the categories in it.

    `version` is `_holders_version`'s, whose second part is the event's delegations.
    """
    delegations = {d_id: (name, category.value) for d_id, name, category, _country in version[1]}
    participants, not_accredited, revoked = {}, [], []
    rows = session.execute(
        select(*_HOLDER, Participant.delegation_id)
        .where(Participant.event_id == event_id)
        .order_by(Participant.id)
    )
    for (
        pid,
        title,
        given,
        family,
        badge_name,
        status,
        serial,
        has_photo,
        updated,
        gender,
        delegation_id,
    ) in rows:
        if serial > 1:
            revoked.append({"participant_id": pid, "below_serial": serial})
        if status != Status.ACCREDITED:
            not_accredited.append(pid)
            continue
        delegation, category = delegations.get(delegation_id, ("", ""))
        participants[str(pid)] = {
            "name": _holder_name(title, given, family, badge_name, gender, language),
            "delegation": delegation,
            "category": category,
            "serial": serial,
            "photo_url": photo_url(pid, int(updated.timestamp())) if has_photo else None,
        }
    text = _json({"not_accredited": not_accredited, "participants": participants, "revoked": revoked})
    return text[1:-1], frozenset(c["category"] for c in participants.values())


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def offline_bundle(
    session: Session, event: Event, label: Callable[[str], str], now: datetime | None = None
) -> tuple[str, str]:
    """Everything a scanner needs to decide alone, as JSON text, and a tag of its content.

    Keys, revocations, holders, checkpoints, who is inside, the category labels (`label`
    translates one) and the delegations' names in the reader's language where they differ. The
    tag is the same for the same content, whenever it was generated.
    """
    # The names carry their title in the badge's language: a change of that language is a new version.
    version = (*_holders_version(session, event.id), event.badge_language or "en")
    cached = _holders.get(event.id)
    if cached is None or cached[0] != version:
        members, categories = _holders_json(session, event.id, version, event.badge_language or "en")
        digest = hashlib.sha256(members.encode()).hexdigest()
        cached = _holders[event.id] = (version, members, digest, categories)
    _version, members, digest, categories = cached
    inside_by_venue: dict[str, list[int]] = {}
    for venue_id, participant_id in session.execute(
        select(Presence.venue_id, Presence.participant_id)
        .where(Presence.event_id == event.id, Presence.inside.is_(True))
        .order_by(Presence.venue_id, Presence.participant_id)
    ):
        inside_by_venue.setdefault(str(venue_id), []).append(participant_id)
    checkpoints = session.execute(
        select(Checkpoint)
        .where(Checkpoint.event_id == event.id, Checkpoint.active.is_(True))
        .order_by(Checkpoint.name)
    ).scalars()
    light = _json(
        {
            "event": {"id": event.id, "slug": event.slug, "venue_id": event.venue_id or 0},
            "public_keys": {
                str(key_id): public.hex()
                for key_id, public in sorted(event_public_keys(session, event.id).items())
            },
            "inside": inside_by_venue,
            "checkpoints": [checkpoint_json(event, c) for c in checkpoints],
            "category_labels": {c: label(c) for c in sorted(categories)},
            "delegation_labels": countries.delegation_labels(
                (name, name, category, country) for _id, name, category, country in version[1]
            ),
        }
    )
    tag = hashlib.sha256(f"{digest}{light}".encode()).hexdigest()[:32]
    stamp = _json({"generated_at": (now or utcnow()).isoformat()})[1:-1]
    return f"{light[:-1]},{members},{stamp}}}", tag


def photo_at_the_door(session: Session, participant: Participant, now: datetime | None = None) -> bool:
    """Whether the door and the desk may see this participant's photo: accredited, event not over.

    Staff accounts are not bound to events, so "the events they serve" are those still running
    or to come; an event token (ApiToken.event_id) narrows it to its event (participant_or_404).
    """
    event = session.get(Event, participant.event_id)
    assert event is not None
    over_at = event.local_midnight(event.ends_on + timedelta(days=1))
    return participant.status == Status.ACCREDITED and (now or utcnow()) < over_at


def photo_url(participant_id: int, version: int) -> str:
    """Where a door scanner fetches a badge holder's photo (the version changes with the photo)."""
    return f"/api/v1/participants/{participant_id}/photo?v={version}"
