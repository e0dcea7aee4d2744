"""Events: their registration settings, and the headcounts organizers watch."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from badges.render import BADGE_LANGUAGES
from kiosk.models import ACTIVE_STATUSES, Delegation, Event, Gender, Meeting, Participant, Status, Venue
from kiosk.services import live
from kiosk.services.audit import Actor, record
from kiosk.services.errors import ValidationFailed
from kiosk.services.fields import EMAIL_RE, has_unsafe_characters

#: Largest cap an event or a delegation may have.
MAX_CAP = 1000
_TRUE = {"1", "true", "on", "yes", "y"}


@dataclass(frozen=True)
class Headcount:
    """How many delegations and participants an event has, by status."""

    delegations: int = 0
    pending: int = 0
    accredited: int = 0
    rejected: int = 0
    withdrawn: int = 0

    @property
    def registered(self) -> int:
        """Participants who hold a registration: pending or accredited."""
        return self.pending + self.accredited


def running_today(events: Iterable[Event], now: datetime) -> list[Event]:
    """The events whose days include today, each in its own time zone."""
    return [event for event in events if event.starts_on <= now.astimezone(event.tz).date() <= event.ends_on]


def headcounts(session: Session, event_ids: Iterable[int]) -> dict[int, Headcount]:
    """Delegation and participant counts for each event, in two grouped queries."""
    ids = list(event_ids)
    if not ids:
        return {}
    delegations = dict(
        session.execute(
            select(Delegation.event_id, func.count())
            .where(Delegation.event_id.in_(ids))
            .group_by(Delegation.event_id)
        ).all()
    )
    by_status: dict[int, dict[str, int]] = {i: {} for i in ids}
    rows = session.execute(
        select(Participant.event_id, Participant.status, func.count())
        .where(Participant.event_id.in_(ids))
        .group_by(Participant.event_id, Participant.status)
    ).all()
    for event_id, status, number in rows:
        by_status[event_id][Status(status).value] = number
    return {i: Headcount(delegations=delegations.get(i, 0), **by_status[i]) for i in ids}


def places_used_by_delegation(session: Session, event_id: int) -> dict[int, int]:
    """In-person pending or accredited participants per delegation of an event (absent means 0)."""
    rows = session.execute(
        select(Participant.delegation_id, func.count())
        .where(Participant.event_id == event_id, Participant.holds_place)
        .group_by(Participant.delegation_id)
    ).all()
    return dict(rows)


def parse_local_datetime(value: Any, tz: ZoneInfo) -> datetime | None:
    """A datetime-local value ("2024-06-18T09:00") read in `tz`; None when empty; ValueError if unreadable."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        moment = datetime.fromisoformat(str(value).strip())
    if not 1970 <= moment.year <= 2999:
        raise ValueError("out of range")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in _TRUE


def clean_event_settings(event: Event, data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the registration settings of `event`; raise ValidationFailed with field errors."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name in ("registration_opens_at", "registration_deadline"):
        try:
            values[name] = parse_local_datetime(data.get(name), event.tz)
        except ValueError:
            errors[name] = [_("Enter a date and time such as 2024-06-18 09:00.")]
    opens, deadline = values.get("registration_opens_at"), values.get("registration_deadline")
    if opens and deadline and deadline <= opens:
        errors["registration_deadline"] = [_("The deadline must be after registration opens.")]
    raw_cap = str(data.get("default_cap") if data.get("default_cap") is not None else "").strip()
    try:
        cap = int(raw_cap)
        if not 0 <= cap <= MAX_CAP:
            raise ValueError
        values["default_cap"] = cap
    except ValueError:
        errors["default_cap"] = [_("The cap must be a whole number from 0 to %(max)d.", max=MAX_CAP)]
    values["cap_in_person"] = _flag(data.get("cap_in_person"))
    values["auto_accredit"] = _flag(data.get("auto_accredit"))
    values["identity_details"] = _flag(data.get("identity_details"))
    values["credentials_required"] = _flag(data.get("credentials_required"))
    email = str(data.get("contact_email") or "").strip().lower()
    if email and not EMAIL_RE.match(email):
        errors["contact_email"] = [_("Enter an e-mail address such as name@example.org.")]
    elif len(email) > 200:
        errors["contact_email"] = [_("The e-mail address is too long (at most 200 characters).")]
    values["contact_email"] = email
    sender = str(data.get("mail_sender") or "").strip().lower()
    if sender and not EMAIL_RE.match(sender):
        errors["mail_sender"] = [_("Enter an e-mail address such as name@example.org.")]
    elif len(sender) > 200:
        errors["mail_sender"] = [_("The e-mail address is too long (at most 200 characters).")]
    values["mail_sender"] = sender
    language = str(data.get("badge_language") or event.badge_language or "en").strip()
    if language not in BADGE_LANGUAGES:
        errors["badge_language"] = [_("Choose the language of the badges from the list.")]
    values["badge_language"] = language
    if errors:
        raise ValidationFailed(_("Some fields need correcting."), errors)
    return values


def update_event_settings(session: Session, event: Event, data: Mapping[str, Any], actor: Actor) -> Event:
    """Change the registration period, caps, auto-accreditation and contact of an event (audited)."""
    values = clean_event_settings(event, data)
    changes = _apply(event, values)
    if changes:
        record(session, actor, "event.settings", "event", event.id, event_id=event.id, changes=changes)
    session.flush()
    return event


def _apply(target: object, values: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Set the values that differ on `target`; return them as {name: [old, new]} for the audit log."""
    changes: dict[str, list[Any]] = {}
    for name, value in values.items():
        old = getattr(target, name)
        if old != value:
            changes[name] = [_jsonable(old), _jsonable(value)]
            setattr(target, name, value)
    return changes


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


@dataclass(frozen=True)
class GenderBalance:
    """Active (pending or accredited) participants by gender, overall and per delegation."""

    overall: dict[str, int]
    by_delegation: dict[int, dict[str, int]]

    @property
    def total(self) -> int:
        """Everyone counted."""
        return sum(self.overall.values())

    def share(self, gender: str) -> int:
        """Whole-number percentage of `gender` among those counted (0 when nobody is)."""
        return round(100 * self.overall.get(gender, 0) / self.total) if self.total else 0


def gender_balance(session: Session, event_id: int) -> GenderBalance:
    """How balanced the delegations of an event are, in one grouped query."""
    rows = session.execute(
        select(Participant.delegation_id, Participant.gender, func.count())
        .where(Participant.event_id == event_id, Participant.status.in_(ACTIVE_STATUSES))
        .group_by(Participant.delegation_id, Participant.gender)
    ).all()
    overall = {g.value: 0 for g in Gender}
    by_delegation: dict[int, dict[str, int]] = {}
    for delegation_id, gender, number in rows:
        key = Gender(gender).value
        overall[key] += number
        by_delegation.setdefault(delegation_id, {g.value: 0 for g in Gender})[key] += number
    return GenderBalance(overall=overall, by_delegation=by_delegation)


SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,59}$")


def _parse_date(value: Any) -> date:
    day = value if isinstance(value, date) else date.fromisoformat(str(value or "").strip())
    if not 1970 <= day.year <= 2999:
        raise ValueError("out of range")
    return day


def _clean_days(data: Mapping[str, Any], errors: dict[str, list[str]]) -> dict[str, date]:
    """The event's first and last days (`starts_on`, `ends_on`), the same checks on create and edit."""
    dates: dict[str, date] = {}
    for name in ("starts_on", "ends_on"):
        try:
            dates[name] = _parse_date(data.get(name))
        except ValueError:
            errors[name] = [_("Enter a date such as 2024-06-18.")]
    if len(dates) == 2 and dates["ends_on"] < dates["starts_on"]:
        errors["ends_on"] = [_("The last day cannot be before the first.")]
    return dates


def _clean_title(data: Mapping[str, Any], errors: dict[str, list[str]], message: str) -> str:
    """The title of an event or a meeting, spaces tidied; a problem goes to `errors` (`message`: none)."""
    title = " ".join(str(data.get("title") or "").split())
    if not title:
        errors["title"] = [message]
    elif has_unsafe_characters(str(data.get("title"))):
        errors["title"] = [_("The title contains characters that are not allowed.")]
    elif len(title) > 300:
        errors["title"] = [_("The title is too long (at most 300 characters).")]
    return title


def create_event(session: Session, data: Mapping[str, Any], actor: Actor) -> Event:
    """Create an event with its venue and registration settings; raise ValidationFailed with field errors."""
    errors: dict[str, list[str]] = {}
    title = _clean_title(data, errors, _("The event needs a title."))
    slug = str(data.get("slug") or "").strip().lower()
    if not SLUG_RE.match(slug) or slug == "new":
        errors["slug"] = [_("Use 2 to 60 lower-case letters, digits and hyphens, e.g. im2024.")]
    elif session.execute(select(Event.id).filter_by(slug=slug)).first():
        errors["slug"] = [_("Another event already uses “%(slug)s”.", slug=slug)]
    dates = _clean_days(data, errors)
    timezone_name = str(data.get("timezone") or "Europe/Zurich").strip()
    try:
        ZoneInfo(timezone_name)
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = [_("Unknown time zone; use a name such as Europe/Zurich.")]
        timezone_name = "Europe/Zurich"
    venue_name = " ".join(str(data.get("venue_name") or "").split())
    if not venue_name:
        errors["venue_name"] = [_("Say where the event takes place.")]
    capacity: int | None = None
    if str(data.get("venue_capacity") or "").strip():
        try:
            capacity = int(str(data["venue_capacity"]).strip())
            if not 1 <= capacity <= 1_000_000:
                raise ValueError
        except ValueError:
            errors["venue_capacity"] = [_("The capacity must be a whole number of seats.")]
    probe = Event(timezone=timezone_name)
    try:
        settings = clean_event_settings(probe, data)
    except ValidationFailed as exc:
        errors.update(exc.errors)
        settings = {}
    if errors:
        raise ValidationFailed(_("Some fields need correcting."), errors)
    venue = Venue(
        name=venue_name[:200],
        address=" ".join(str(data.get("venue_address") or "").split())[:300],
        capacity=capacity,
    )
    event = Event(
        slug=slug,
        title=title,
        starts_on=dates["starts_on"],
        ends_on=dates["ends_on"],
        timezone=timezone_name,
        venue=venue,
        **settings,
    )
    session.add(event)
    session.flush()
    record(session, actor, "event.create", "event", event.id, event_id=event.id, changes={"slug": slug})
    return event


def meeting_values(event: Event, data: Mapping[str, Any]) -> dict[str, Any]:
    """A meeting's title, times and room, checked to lie within the event's days; else ValidationFailed."""
    errors: dict[str, list[str]] = {}
    title = _clean_title(data, errors, _("The meeting needs a title."))
    moments: dict[str, datetime | None] = {}
    for name in ("starts_at", "ends_at"):
        try:
            moments[name] = parse_local_datetime(data.get(name), event.tz)
        except ValueError:
            moments[name] = None
        if moments[name] is None:
            errors[name] = [_("Enter a date and time such as 2024-06-18 09:00.")]
    starts, ends = moments.get("starts_at"), moments.get("ends_at")
    if starts and ends:
        if ends <= starts:
            errors["ends_at"] = [_("The meeting must end after it starts.")]
        first = event.local_midnight(event.starts_on)
        last = event.local_midnight(event.ends_on + timedelta(days=1))
        if starts < first or ends > last:
            errors["starts_at"] = [_("The meeting must take place during the event's days.")]
    if errors:
        raise ValidationFailed(_("Some fields need correcting."), errors)
    return {
        "title": title,
        "starts_at": starts,
        "ends_at": ends,
        "room": " ".join(str(data.get("room") or "").split())[:120],
    }


def add_meeting(session: Session, event: Event, data: Mapping[str, Any], actor: Actor) -> Meeting:
    """Add a meeting (segment) inside the event's days; raise ValidationFailed with field errors."""
    meeting = Meeting(event_id=event.id, **meeting_values(event, data))
    session.add(meeting)
    session.flush()
    record(
        session,
        actor,
        "meeting.create",
        "meeting",
        meeting.id,
        event_id=event.id,
        changes={"title": meeting.title},
    )
    return meeting


# Event details, meetings and venues, as the secretariat edits them


def update_event_details(session: Session, event: Event, data: Mapping[str, Any], actor: Actor) -> Event:
    """Change an event's title, days and venue (audited); meetings must stay within the days."""
    errors: dict[str, list[str]] = {}
    title = _clean_title(data, errors, _("The event needs a title."))
    dates = _clean_days(data, errors)
    venue_id: int | None = None
    raw_venue = str(data.get("venue_id") or "").strip()
    if raw_venue:
        venue = session.get(Venue, int(raw_venue)) if raw_venue.isdigit() else None
        if venue is None:
            errors["venue_id"] = [_("Choose one of the venues.")]
        else:
            venue_id = venue.id
    if len(dates) == 2 and not errors:
        first = datetime.combine(dates["starts_on"], datetime.min.time(), tzinfo=event.tz)
        last = datetime.combine(dates["ends_on"] + timedelta(days=1), datetime.min.time(), tzinfo=event.tz)
        outside = [m.title for m in event.meetings if m.starts_at < first or m.ends_at > last]
        if outside:
            errors["starts_on"] = [
                _(
                    "These meetings would fall outside the event's days: %(titles)s.",
                    titles=", ".join(outside),
                )
            ]
    if errors:
        raise ValidationFailed(_("Some fields need correcting."), errors)
    values = {
        "title": title,
        "starts_on": dates["starts_on"],
        "ends_on": dates["ends_on"],
        "venue_id": venue_id,
    }
    changes = _apply(event, values)
    if changes:
        live.touch(session, event.id)
        record(session, actor, "event.details", "event", event.id, event_id=event.id, changes=changes)
    session.flush()
    return event


def update_meeting(session: Session, meeting: Meeting, data: Mapping[str, Any], actor: Actor) -> Meeting:
    """Change a meeting's title, times or room, within the event's days (audited)."""
    event = meeting.event
    values = meeting_values(event, data)
    changes = _apply(meeting, values)
    if changes:
        record(session, actor, "meeting.update", "meeting", meeting.id, event_id=event.id, changes=changes)
    session.flush()
    return meeting


def delete_meeting(session: Session, meeting: Meeting, actor: Actor) -> None:
    """Remove a meeting from its event (audited)."""
    record(
        session,
        actor,
        "meeting.delete",
        "meeting",
        meeting.id,
        event_id=meeting.event_id,
        changes={"title": meeting.title},
    )
    session.delete(meeting)
    session.flush()


def save_venue(session: Session, venue: Venue | None, data: Mapping[str, Any], actor: Actor) -> Venue:
    """Create a venue, or change one, with its name, address and capacity in seats (audited)."""
    errors: dict[str, list[str]] = {}
    name = " ".join(str(data.get("name") or "").split())
    if not name:
        errors["name"] = [_("Give the venue a name.")]
    elif len(name) > 200:
        errors["name"] = [_("The name is too long (at most 200 characters).")]
    address = " ".join(str(data.get("address") or "").split())
    if len(address) > 300:
        errors["address"] = [_("The address is too long (at most 300 characters).")]
    capacity: int | None = None
    raw = str(data.get("capacity") or "").strip()
    if raw:
        try:
            capacity = int(raw)
            if not 1 <= capacity <= 1_000_000:
                raise ValueError
        except ValueError:
            errors["capacity"] = [_("The capacity must be a whole number of seats.")]
    if errors:
        raise ValidationFailed(_("Some fields need correcting."), errors)
    if venue is None:
        venue = Venue(name=name, address=address, capacity=capacity)
        session.add(venue)
        session.flush()
        record(
            session, actor, "venue.create", "venue", venue.id, changes={"name": name, "capacity": capacity}
        )
        return venue
    changes = {}
    for field, value in (("name", name), ("address", address), ("capacity", capacity)):
        if getattr(venue, field) != value:
            changes[field] = [getattr(venue, field), value]
            setattr(venue, field, value)
    if changes:
        for event_id in session.execute(select(Event.id).where(Event.venue_id == venue.id)).scalars():
            live.touch(session, event_id)
        record(session, actor, "venue.update", "venue", venue.id, changes=changes)
    session.flush()
    return venue
