"""Registering participants: the delegation cap, the deadline and the status rules."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from badges.names import NameStyle, compose, usually_family_first
from kiosk.models import (
    ACTIVE_STATUSES,
    TRANSITIONS,
    Delegation,
    Event,
    Participant,
    Status,
)
from kiosk.models.base import utcnow
from kiosk.models.participant import holds_a_place
from kiosk.services import countries, documents, live, mail
from kiosk.services.audit import Actor, record
from kiosk.services.dates import format_moment
from kiosk.services.door import history
from kiosk.services.errors import (
    DelegationFull,
    DomainError,
    DuplicateParticipant,
    InvalidTransition,
    NotFound,
    RegistrationClosed,
)
from kiosk.services.fields import BADGE_FIELDS, IDENTITY_FIELDS, clean_participant, comparable_name
from kiosk.services.vocabulary import label


def registration_open(event: Event, now: datetime | None = None) -> bool:
    """Whether focal points may still change their delegation."""
    now = now or utcnow()
    if event.registration_opens_at and now < event.registration_opens_at:
        return False
    return not (event.registration_deadline and now > event.registration_deadline)


def ensure_open(event: Event, actor: Actor, now: datetime | None = None) -> None:
    """Refuse focal points outside the registration period; staff may always act."""
    if actor.is_staff or registration_open(event, now):
        return
    contact = event.contact_email or _("the secretariat")
    if event.registration_opens_at and (now or utcnow()) < event.registration_opens_at:
        when = format_moment(event.registration_opens_at, event.tz, weekday=True)
        raise RegistrationClosed(
            _("Registration for %(event)s opens on %(when)s.", event=event.title, when=when)
        )
    when = format_moment(event.registration_deadline, event.tz, weekday=True)
    raise RegistrationClosed(
        _(
            "Registration for %(event)s closed on %(when)s. To change your delegation, "
            "please write to %(contact)s.",
            event=event.title,
            when=when,
            contact=contact,
        )
    )


def places_used(session: Session, delegation_id: int, *, exclude_id: int | None = None) -> int:
    """In-person participants, pending or accredited, who hold a place in the delegation."""
    query = select(func.count()).where(Participant.delegation_id == delegation_id, Participant.holds_place)
    if exclude_id is not None:
        query = query.where(Participant.id != exclude_id)
    return session.execute(query).scalar_one()


def lock_delegation(session: Session, delegation: Delegation) -> None:
    """Take the delegation's row lock until commit, so cap checks cannot race.

    An UPDATE locks the row on PostgreSQL and takes SQLite's write lock, so a concurrent
    request waits here and then counts what this one wrote.
    """
    session.execute(
        update(Delegation)
        .where(Delegation.id == delegation.id)
        .values(revision=Delegation.revision + 1)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        select(Delegation).where(Delegation.id == delegation.id).execution_options(populate_existing=True)
    ).scalar_one()


def reread(session: Session, participant: Participant) -> Participant:
    """Read the participant's row again (call it holding the lock), so rules judge what is committed now."""
    session.execute(
        select(Participant).where(Participant.id == participant.id).execution_options(populate_existing=True)
    ).scalar_one()
    return participant


def raise_badge_serial(session: Session, participant: Participant) -> tuple[int, int]:
    """Give the participant a new badge serial, which revokes every badge printed before; (old, new)."""
    old = participant.badge_serial
    history.note_change(session, participant, old, participant.status)
    # An atomic increment: two desks reissuing at once get two different serials.
    participant.badge_serial = Participant.badge_serial + 1
    session.flush()
    new = session.execute(
        select(Participant.badge_serial).where(Participant.id == participant.id)
    ).scalar_one()
    session.expire(participant, ["badge_serial"])
    return old, new


def _photo_digest(photo: bytes | None) -> str | None:
    """What the audit log keeps of a photo: a short fingerprint, not the picture."""
    return hashlib.sha256(photo).hexdigest()[:16] if photo else None


def _after_change(session: Session, participant: Participant, changes: dict[str, Any], actor: Actor) -> None:
    """Audit a change; revoke the printed badge if what it shows changed; send an accredited
    participant whose identity a focal point changed back to pending for review."""
    if not changes:
        return
    live.touch(session, participant.event_id)
    if set(changes) & BADGE_FIELDS:
        changes["badge_serial"] = list(raise_badge_serial(session, participant))
    identity_changed = bool(set(changes) & IDENTITY_FIELDS)
    review = participant.status == Status.ACCREDITED and not actor.is_staff and identity_changed
    record(
        session,
        actor,
        "participant.update",
        "participant",
        participant.id,
        event_id=participant.event_id,
        changes=changes,
    )
    if review:
        _set_status(participant, Status.PENDING, actor, session)
    elif participant.status == Status.ACCREDITED and "badge_serial" in changes:
        # The confirmation code sent before carries the old serial: send the new one.
        mail.queue_confirmation(session, participant)


def ensure_place(
    session: Session, delegation: Delegation, *, exclude_id: int | None = None, unsaved: int = 0
) -> None:
    """Refuse when one more in-person participant would exceed the cap (caller holds the lock).

    `unsaved` counts places asked for by people not stored yet (an import's rows that have errors),
    so every row over the cap is reported at once, not after the others are corrected."""
    if not delegation.event.cap_in_person:
        return
    used = places_used(session, delegation.id, exclude_id=exclude_id) + unsaved
    if used + 1 > delegation.cap:
        raise DelegationFull(
            _(
                "The delegation %(of_delegation)s has %(used)d of %(cap)d places. Withdraw or "
                "substitute a participant, or register this person to follow the meeting online.",
                of_delegation=countries.of_delegation(delegation),
                used=used,
                cap=delegation.cap,
            )
        )


def _ensure_not_duplicate(
    session: Session, delegation: Delegation, values: Mapping[str, str], exclude_id: int | None
) -> None:
    active = Participant.status.in_(ACTIVE_STATUSES)
    others = (Participant.id != exclude_id,) if exclude_id is not None else ()
    # Compared in Python, after the names' normalisation (comparable_name): SQLite's lower() knows
    # only ASCII, and a name registered before invisible characters were refused may hold one.
    # A delegation has a handful of people.
    wanted = (comparable_name(values["given_name"]), comparable_name(values["family_name"]))
    names = session.execute(
        select(Participant.given_name, Participant.family_name).where(
            Participant.delegation_id == delegation.id, active, *others
        )
    )
    if any((comparable_name(given), comparable_name(family)) == wanted for given, family in names):
        raise DuplicateParticipant(
            _(
                "%(name)s is already registered in the delegation %(of_delegation)s.",
                name=compose(
                    values.get("title", ""),
                    values["given_name"],
                    values["family_name"],
                    NameStyle.SENTENCE,
                    values.get("badge_name", ""),
                    values.get("family_name_first"),
                ),
                of_delegation=countries.of_delegation(delegation),
            )
        )
    if values.get("email"):
        same_email = select(Participant.id).where(
            Participant.event_id == delegation.event_id, Participant.email == values["email"], active, *others
        )
        if session.execute(same_email.limit(1)).first():
            raise DuplicateParticipant(
                _(
                    "Someone is already registered for this event with the e-mail %(email)s.",
                    email=values["email"],
                )
            )


def _cannot_change(old: Status, new: Status) -> InvalidTransition:
    return InvalidTransition(
        _("The status “%(old)s” cannot change to “%(new)s”.", old=label(old), new=label(new))
    )


def _set_status(participant: Participant, new: Status, actor: Actor, session: Session) -> None:
    old = participant.status
    if new not in TRANSITIONS[old]:
        raise _cannot_change(old, new)
    if new == Status.ACCREDITED:
        documents.ensure_may_accredit(session, participant)
    history.note_change(session, participant, participant.badge_serial, old)
    participant.status = new
    participant.status_changed_at = utcnow()
    live.touch(session, participant.event_id)
    record(
        session,
        actor,
        f"participant.{new.value}",
        "participant",
        participant.id,
        event_id=participant.event_id,
        changes={"status": [old.value, new.value]},
    )
    if new == Status.ACCREDITED:
        mail.queue_confirmation(session, participant)


def add_participant(
    session: Session,
    delegation: Delegation,
    data: Mapping[str, Any],
    actor: Actor,
    *,
    now: datetime | None = None,
    substitute_for: Participant | None = None,
) -> Participant:
    """Register a new participant in `delegation`, within its cap and the deadline."""
    values = clean_participant(data)
    if values.get("family_name_first") is None:
        values["family_name_first"] = usually_family_first(
            values["given_name"], values["family_name"], delegation.country
        )
    event = delegation.event
    ensure_open(event, actor, now)
    lock_delegation(session, delegation)
    _ensure_not_duplicate(session, delegation, values, None)
    if holds_a_place(Status.PENDING, values["mode"]):  # a new participant starts pending
        ensure_place(session, delegation)
    participant = Participant(
        event_id=event.id,
        delegation_id=delegation.id,
        status=Status.PENDING,
        substitute_for_id=substitute_for.id if substitute_for else None,
        **values,
    )
    session.add(participant)
    session.flush()
    live.touch(session, event.id)
    record(
        session,
        actor,
        "participant.create",
        "participant",
        participant.id,
        event_id=event.id,
        changes={k: v for k, v in values.items() if k != "email"},
    )
    if event.auto_accredit and not event.credentials_required:  # no document can name them yet
        _set_status(participant, Status.ACCREDITED, actor, session)
    return participant


def update_participant(
    session: Session,
    participant: Participant,
    data: Mapping[str, Any],
    actor: Actor,
    *,
    now: datetime | None = None,
) -> Participant:
    """Edit a participant; switching to in person takes a place and checks the cap.

    A change to what the badge shows raises the badge serial; a focal point's change to the
    identity of an accredited participant sends them back to pending (see services.fields).
    """
    values = clean_participant(data, partial=True)
    delegation = participant.delegation
    ensure_open(delegation.event, actor, now)
    lock_delegation(session, delegation)
    reread(session, participant)
    _ensure_editable(participant)
    merged = {
        "given_name": participant.given_name,
        "family_name": participant.family_name,
        "email": participant.email,
        **values,
    }
    if {"given_name", "family_name", "email"} & set(values):
        _ensure_not_duplicate(session, delegation, merged, participant.id)
    _settle_name_order(participant, values, merged)
    takes_a_place = holds_a_place(participant.status, values.get("mode", participant.mode))
    if takes_a_place and not participant.holds_place:
        ensure_place(session, delegation, exclude_id=participant.id)
    changes: dict[str, Any] = {}
    for name, value in values.items():
        old = getattr(participant, name)
        old = old.value if hasattr(old, "value") else old
        if old != value:
            changes[name] = [old, value] if name != "email" else ["…", "…"]
            setattr(participant, name, value)
    _after_change(session, participant, changes, actor)
    return participant


def _settle_name_order(participant: Participant, values: dict[str, Any], merged: Mapping[str, Any]) -> None:
    """The name order after an edit: as asked; as usual when asked so (null) or when the names
    change and the order was the usual one for the old names (a choice the person made stays)."""
    country = participant.delegation.country
    usual_now = usually_family_first(merged["given_name"], merged["family_name"], country)
    if "family_name_first" in values:
        if values["family_name_first"] is None:
            values["family_name_first"] = usual_now
        return
    if {"given_name", "family_name"} & set(values):
        usual_before = usually_family_first(participant.given_name, participant.family_name, country)
        if participant.family_name_first in (None, usual_before):
            values["family_name_first"] = usual_now


def _ensure_editable(participant: Participant) -> None:
    """Only pending and accredited participants may be changed."""
    if participant.status not in ACTIVE_STATUSES:
        raise InvalidTransition(
            _(
                "%(name)s has the status “%(status)s” and can no longer be edited.",
                name=participant.full_name,
                status=label(participant.status),
            )
        )


def set_photo(
    session: Session,
    participant: Participant,
    photo: bytes,
    photo_type: str,
    actor: Actor,
    *,
    now: datetime | None = None,
) -> None:
    """Attach a cleaned badge photo (see services.photos) to a participant, with the rules of an edit."""
    ensure_open(participant.delegation.event, actor, now)
    lock_delegation(session, participant.delegation)
    reread(session, participant)
    _ensure_editable(participant)
    old = _photo_digest(participant.photo)
    participant.photo = photo
    participant.photo_type = photo_type
    new = _photo_digest(photo)
    _after_change(session, participant, {"photo": [old, new]} if old != new else {}, actor)


def change_status(
    session: Session,
    participant: Participant,
    new: Status,
    actor: Actor,
    *,
    now: datetime | None = None,
    only_from: frozenset[Status] | None = None,
) -> Participant:
    """Move a participant to `new` along the transition table, checking the cap if needed.

    `only_from` narrows the statuses the participant may come from (a reinstatement brings back
    only the withdrawn and the rejected).
    """
    delegation = participant.delegation
    if new in (Status.WITHDRAWN, Status.PENDING):
        ensure_open(delegation.event, actor, now)
    lock_delegation(session, delegation)
    reread(session, participant)
    if only_from is not None and participant.status not in only_from:
        raise _cannot_change(participant.status, new)
    if holds_a_place(new, participant.mode) and new in TRANSITIONS[participant.status]:
        ensure_place(session, delegation, exclude_id=participant.id)
    _set_status(participant, new, actor, session)
    return participant


class StatusChangeRefused(DomainError):
    """One of several status changes was refused (`cause`, for `participant`): commit none."""

    def __init__(self, participant: Participant, cause: DomainError) -> None:
        super().__init__(cause.detail, cause.errors)
        self.participant, self.cause = participant, cause
        self.code, self.status, self.title = cause.code, cause.status, cause.title


def change_statuses(
    session: Session, event_id: int, participant_ids: Iterable[int], new: Status, actor: Actor
) -> list[Participant]:
    """Move these participants of the event to `new` (accredit or reject a selection), all or none.

    NotFound if one is not of the event; StatusChangeRefused for the first refused, after which
    the caller rolls back, so that none is changed.
    """
    ids = sorted(set(participant_ids))
    chosen = list(
        session.execute(
            select(Participant)
            .where(Participant.event_id == event_id, Participant.id.in_(ids))
            .order_by(Participant.delegation_id, Participant.id)
        ).scalars()
    )
    if len(chosen) != len(ids):
        raise NotFound(_("Some of the selected participants are not of this event."))
    for participant in chosen:
        try:
            change_status(session, participant, new, actor)
        except DomainError as error:
            raise StatusChangeRefused(participant, error) from error
    return chosen


def participant_of_delegation(session: Session, delegation_id: int, participant_id: int) -> Participant:
    """A participant of this delegation, or NotFound: a focal point acts on their own people only."""
    participant = session.get(Participant, participant_id)
    if participant is None or participant.delegation_id != delegation_id:
        raise NotFound(_("There is no participant %(id)d.", id=participant_id))
    return participant


def substitute(
    session: Session,
    old: Participant,
    data: Mapping[str, Any],
    actor: Actor,
    *,
    now: datetime | None = None,
) -> Participant:
    """Withdraw `old` and register a new person in their place, in one transaction."""
    clean_participant(data)
    delegation = old.delegation
    ensure_open(delegation.event, actor, now)
    lock_delegation(session, delegation)
    reread(session, old)
    _set_status(old, Status.WITHDRAWN, actor, session)
    session.flush()
    return add_participant(session, delegation, data, actor, now=now, substitute_for=old)
