"""Registration API: events, delegations, participants and their status."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import Blueprint, g, jsonify
from flask_babel import gettext as _
from sqlalchemy import func, select

from kiosk.api.schemas import array_of, delegation_json, event_json, participant_json, ref
from kiosk.extensions import db
from kiosk.inputs import MAX_ID
from kiosk.models import Delegation, Event, Participant, Role, Status
from kiosk.services import events, name_search, registration
from kiosk.services.door import EventRef
from kiosk.services.errors import (
    CredentialsMissing,
    DelegationFull,
    DuplicateParticipant,
    InvalidTransition,
    NotFound,
    RegistrationClosed,
    ValidationFailed,
)
from kiosk.web.api import operation

bp = Blueprint("api_registration", __name__, url_prefix="/api/v1")

ORGANIZER, DESK, FOCAL_POINT = Role.ORGANIZER, Role.DESK, Role.FOCAL_POINT
ANY_ROLE = tuple(Role)
AnyEvent = TypeVar("AnyEvent", Event, EventRef)
ADD_ERRORS = (DelegationFull, RegistrationClosed, DuplicateParticipant, ValidationFailed)


def event_or_404(slug: str) -> Event:
    """The event named `slug`, visible to the caller's token."""
    return visible_event(db.session.execute(select(Event).filter_by(slug=slug)).scalar_one_or_none(), slug)


def visible_event(event: AnyEvent | None, slug: str) -> AnyEvent:
    """`event` (found by `slug`) if the caller's token may see it, else a 404."""
    if event is None or (g.principal.event_id and g.principal.event_id != event.id):
        raise NotFound(_("There is no event “%(slug)s”.", slug=slug))
    return event


def participant_or_404(participant_id: int) -> Participant:
    """A participant the caller may act on: focal points see only their own delegation."""
    participant = db.session.get(Participant, participant_id)
    principal = g.principal
    if (
        participant is None
        or (principal.role == FOCAL_POINT and participant.delegation_id != principal.delegation_id)
        or (principal.event_id and participant.event_id != principal.event_id)
    ):
        raise NotFound(_("There is no participant %(id)d.", id=participant_id))
    return participant


@operation(
    bp,
    "/events",
    "GET",
    summary="List events",
    roles=ANY_ROLE,
    response=array_of("Event"),
    tag="registration",
)
def list_events():
    query = select(Event).order_by(Event.starts_on)
    if g.principal.event_id:
        query = query.where(Event.id == g.principal.event_id)
    return jsonify([event_json(e) for e in db.session.execute(query).scalars()])


@operation(
    bp,
    "/delegations/me",
    "GET",
    summary="The focal point's own delegation",
    roles=(FOCAL_POINT,),
    response=ref("DelegationWithParticipants"),
    tag="registration",
)
def my_delegation():
    delegation = db.session.get(Delegation, g.principal.delegation_id)
    if delegation is None:
        raise NotFound(_("This token is not bound to a delegation."))
    body = delegation_json(delegation, registration.places_used(db.session, delegation.id))
    body["participants"] = [participant_json(p) for p in delegation.participants]
    body["event"] = event_json(delegation.event)
    return jsonify(body)


@operation(
    bp,
    "/events/<slug>/delegations",
    "GET",
    summary="List an event's delegations",
    roles=(ORGANIZER, DESK),
    response=array_of("Delegation"),
    errors=(NotFound,),
    tag="registration",
)
def list_delegations(slug: str):
    event = event_or_404(slug)
    used = events.places_used_by_delegation(db.session, event.id)
    delegations = db.session.execute(
        select(Delegation).where(Delegation.event_id == event.id).order_by(Delegation.name)
    ).scalars()
    return jsonify([delegation_json(d, used.get(d.id, 0)) for d in delegations])


@operation(
    bp,
    "/events/<slug>/participants",
    "GET",
    summary="List and search participants",
    roles=(ORGANIZER, DESK),
    response=array_of("Participant"),
    headers={
        200: {
            "X-Total-Count": {
                "description": "How many participants match, limit and offset aside",
                "required": True,
                "schema": {"type": "integer", "minimum": 0},
            }
        }
    },
    errors=(NotFound, ValidationFailed),
    query=(
        ("delegation_id", {"type": "integer", "minimum": 1, "maximum": MAX_ID}, "Only this delegation"),
        (
            "status",
            {"type": "string", "enum": [s.value for s in Status]},
            "pending, accredited, rejected or withdrawn",
        ),
        (
            "q",
            "string",
            "The start of a given or family name or of a word of it (accents and case aside), "
            "a reference, or an e-mail address in full",
        ),
        ("limit", {"type": "integer", "minimum": 1, "maximum": 5000}, "At most this many (default 500)"),
        ("offset", {"type": "integer", "minimum": 0, "maximum": MAX_ID}, "Skip this many"),
    ),
    tag="registration",
    find=event_or_404,
)
def list_participants(event: Event, query: dict[str, Any]):
    found = select(Participant).where(Participant.event_id == event.id)
    if "delegation_id" in query:
        found = found.where(Participant.delegation_id == query["delegation_id"])
    if "status" in query:
        found = found.where(Participant.status == Status(query["status"]))
    if query.get("q"):
        found = found.where(Participant.id.in_(name_search.search_ids(db.session, event.id, query["q"])))
    total = db.session.execute(select(func.count()).select_from(found.subquery())).scalar_one()
    rows = db.session.execute(
        found.order_by(Participant.family_name, Participant.id)
        .limit(query.get("limit", 500))
        .offset(query.get("offset", 0))
    ).scalars()
    response = jsonify([participant_json(p) for p in rows])
    response.headers["X-Total-Count"] = str(total)
    return response


@operation(
    bp,
    "/events/<slug>/participants",
    "POST",
    summary="Register a participant",
    roles=(FOCAL_POINT, ORGANIZER),
    status=201,
    request_body=ref("ParticipantCreate"),
    response=ref("Participant"),
    errors=(*ADD_ERRORS, NotFound),
    tag="registration",
    find=event_or_404,
)
def create_participant(event: Event, body: dict[str, Any]):
    principal = g.principal
    asked = body.get("delegation_id")
    if principal.role == FOCAL_POINT:
        delegation_id = principal.delegation_id
        if asked not in (None, delegation_id):
            raise ValidationFailed(
                _("You may only register people in your own delegation."),
                {"delegation_id": [_("This is not your delegation.")]},
            )
    else:
        delegation_id = asked
        if delegation_id is None:
            raise ValidationFailed(
                _("Say which delegation the participant belongs to."),
                {"delegation_id": [_("delegation_id is required.")]},
            )
    delegation = db.session.get(Delegation, delegation_id)
    if delegation is None or delegation.event_id != event.id:
        raise ValidationFailed(
            _("There is no such delegation in this event."), {"delegation_id": [_("Unknown delegation.")]}
        )
    fields = {k: v for k, v in body.items() if k != "delegation_id"}
    participant = registration.add_participant(db.session, delegation, fields, principal.actor)
    return jsonify(participant_json(participant)), 201


@operation(
    bp,
    "/participants/<int:participant_id>",
    "PATCH",
    summary="Edit a participant",
    roles=(FOCAL_POINT, ORGANIZER),
    request_body=ref("ParticipantPatch"),
    response=ref("Participant"),
    errors=(*ADD_ERRORS, InvalidTransition, NotFound),
    tag="registration",
    find=participant_or_404,
)
def patch_participant(participant: Participant, body: dict[str, Any]):
    registration.update_participant(db.session, participant, body, g.principal.actor)
    return jsonify(participant_json(participant))


def _status_route(
    rule: str,
    status: Status,
    summary: str,
    roles: tuple[Role, ...],
    errors: tuple,
    only_from: frozenset[Status] | None = None,
) -> None:
    def view(participant_id: int):
        participant = participant_or_404(participant_id)
        registration.change_status(db.session, participant, status, g.principal.actor, only_from=only_from)
        return jsonify(participant_json(participant))

    view.__name__ = f"{status.value}_participant"
    operation(
        bp,
        rule,
        "POST",
        summary=summary,
        roles=roles,
        response=ref("Participant"),
        errors=(*errors, InvalidTransition, NotFound),
        tag="registration",
    )(view)


_status_route(
    "/participants/<int:participant_id>/withdraw",
    Status.WITHDRAWN,
    "Withdraw a participant",
    (FOCAL_POINT, ORGANIZER),
    (RegistrationClosed,),
)
_status_route(
    "/participants/<int:participant_id>/accredit",
    Status.ACCREDITED,
    "Accredit a participant",
    (ORGANIZER,),
    (DelegationFull, CredentialsMissing),
)
_status_route(
    "/participants/<int:participant_id>/reject", Status.REJECTED, "Reject a participant", (ORGANIZER,), ()
)
_status_route(
    "/participants/<int:participant_id>/reinstate",
    Status.PENDING,
    "Bring a withdrawn or rejected participant back to pending",
    (FOCAL_POINT, ORGANIZER),
    (DelegationFull, RegistrationClosed),
    only_from=frozenset({Status.WITHDRAWN, Status.REJECTED}),
)


@operation(
    bp,
    "/participants/<int:participant_id>/substitute",
    "POST",
    summary="Replace a participant by another person, in one transaction",
    roles=(FOCAL_POINT, ORGANIZER),
    status=201,
    request_body=ref("ParticipantInput"),
    response=ref("Participant"),
    errors=(*ADD_ERRORS, InvalidTransition, NotFound),
    tag="registration",
    find=participant_or_404,
)
def substitute_participant(old: Participant, body: dict[str, Any]):
    new = registration.substitute(db.session, old, body, g.principal.actor)
    return jsonify(participant_json(new)), 201
