"""The offline bundle: everything a scanner needs to decide alone; and the photos it links to."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.models import Delegation, Event, Participant, Status
from kiosk.models.base import utcnow
from kiosk.models.door import (
    Checkpoint,
    Presence,
)
from kiosk.services import countries, photos
from kiosk.services.door.caches import _holders, _small_photos, event_public_keys
from kiosk.services.door.checkpoints import checkpoint_json
from kiosk.services.door.verdict import _HOLDER, _holder_name
from kiosk.services.errors import NotFound

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
        select(Delegation.id, Delegation.name, Delegation.category, Delegation.country, Delegation.names)
        .where(Delegation.event_id == event_id)
        .order_by(Delegation.id)
    ).all()
    return tuple(participants), tuple(tuple(row) for row in delegations)


def _holders_json(
    session: Session, event_id: int, slug: str, version: tuple, language: str = "en"
) -> tuple[str, frozenset[str]]:
    """The holders part of a bundle as JSON members (without braces), and the categories in it.

    `version` is `_holders_version`'s, whose second part is the event's delegations.
    """
    delegations = {d_id: (name, category.value) for d_id, name, category, _country, _names in version[1]}
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
        first,
        status,
        serial,
        has_photo,
        updated,
        gender,
        d_id,
    ) in rows:
        if serial > 1:
            revoked.append({"participant_id": pid, "below_serial": serial})
        if status != Status.ACCREDITED:
            not_accredited.append(pid)
            continue
        delegation, category = delegations.get(d_id, ("", ""))
        participants[str(pid)] = {
            "name": _holder_name(title, given, family, badge_name, first, gender, language),
            "delegation": delegation,
            "category": category,
            "serial": serial,
            "photo_url": offline_photo_url(slug, pid, int(updated.timestamp())) if has_photo else None,
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
    if cached is None or cached[0] != (version, event.slug):  # the photo links name the event
        members, categories = _holders_json(
            session, event.id, event.slug, version, event.badge_language or "en"
        )
        digest = hashlib.sha256(members.encode()).hexdigest()
        cached = _holders[event.id] = ((version, event.slug), members, digest, categories)
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
            "event": {
                "id": event.id,
                "slug": event.slug,
                "venue_id": event.venue_id or 0,
                "photos_until": photos_until(event).isoformat(),
            },
            "public_keys": {
                str(key_id): public.hex()
                for key_id, public in sorted(event_public_keys(session, event.id).items())
            },
            "inside": inside_by_venue,
            "checkpoints": [checkpoint_json(event, c) for c in checkpoints],
            "category_labels": {c: label(c) for c in sorted(categories)},
            "delegation_labels": countries.delegation_labels(
                (name, name, category, country, names) for _id, name, category, country, names in version[1]
            ),
        }
    )
    tag = hashlib.sha256(f"{digest}{light}".encode()).hexdigest()[:32]
    stamp = _json({"generated_at": (now or utcnow()).isoformat()})[1:-1]
    return f"{light[:-1]},{members},{stamp}}}", tag


def photos_until(event: Event) -> datetime:
    """When the event is over: the door and the desk see no photo after it, scanners drop theirs."""
    return event.local_midnight(event.ends_on + timedelta(days=1))


def photo_at_the_door(session: Session, participant: Participant, now: datetime | None = None) -> bool:
    """Whether the door and the desk may see this participant's photo: accredited, event not over.

    Staff accounts are not bound to events, so "the events they serve" are those still running
    or to come; an event token (ApiToken.event_id) narrows it to its event (participant_or_404).
    """
    event = session.get(Event, participant.event_id)
    assert event is not None
    return participant.status == Status.ACCREDITED and (now or utcnow()) < photos_until(event)


def offline_photo(session: Session, event: Event, participant_id: int, now: datetime | None = None) -> bytes:
    """The small copy of a holder's photo a scanner keeps for offline use, or NotFound.

    Only of an accredited participant of this event, while the event is not over. Made once per
    photo version and process (`caches.SmallPhotos`): the stored photo is read only then.
    """
    row = session.execute(
        select(
            Participant.event_id,
            Participant.status,
            Participant.updated_at,
            Participant.photo.is_not(None),
        ).where(Participant.id == participant_id)
    ).one_or_none()
    missing = NotFound(_("There is no photo of this participant."))
    if row is None or row[0] != event.id or row[1] != Status.ACCREDITED or not row[3]:
        raise missing
    if (now or utcnow()) >= photos_until(event):
        raise missing
    key = (participant_id, int(row[2].timestamp() * 1_000_000))  # any change of the row, to the µs
    small = _small_photos.get(key)
    if small is None:
        stored = session.execute(
            select(Participant.photo).where(Participant.id == participant_id)
        ).scalar_one()
        small = photos.door_photo(stored) if stored else None
        if small is None:
            raise missing
        _small_photos.put(key, small)
    return small


def offline_photo_url(slug: str, participant_id: int, version: int) -> str:
    """Where a scanner fetches the small copy of a holder's photo (the version changes with it)."""
    return f"/api/v1/events/{slug}/door-photos/{participant_id}?v={version}"


def photo_url(participant_id: int, version: int) -> str:
    """Where a door scanner fetches a badge holder's photo (the version changes with the photo)."""
    return f"/api/v1/participants/{participant_id}/photo?v={version}"
