"""What the API sends and accepts: JSON Schemas and the functions that build the JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kiosk.inputs import MAX_ID
from kiosk.models import STATE_CATEGORIES, Category, Delegation, Event, Participant, Status
from kiosk.services.countries import NAMED_LANGUAGES
from kiosk.services.delegations import NAME_FIELDS, names_shown
from kiosk.services.fields import PARTICIPANT_FIELDS
from kiosk.web.api import COMPONENTS


def ref(name: str) -> dict[str, str]:
    """A reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def array_of(name: str) -> dict[str, Any]:
    """A JSON array of a component schema."""
    return {"type": "array", "items": ref(name)}


def local_iso(moment: datetime | None, event: Event) -> str | None:
    """ISO 8601 with the event's local offset."""
    return moment.astimezone(event.tz).isoformat() if moment else None


def event_json(event: Event) -> dict[str, Any]:
    """An event as the API shows it."""
    return {
        "slug": event.slug,
        "title": event.title,
        "starts_on": event.starts_on.isoformat(),
        "ends_on": event.ends_on.isoformat(),
        "timezone": event.timezone,
        "venue": {"name": event.venue.name, "address": event.venue.address, "capacity": event.venue.capacity}
        if event.venue
        else None,
        "registration_opens_at": local_iso(event.registration_opens_at, event),
        "registration_deadline": local_iso(event.registration_deadline, event),
        "default_cap": event.default_cap,
        "auto_accredit": event.auto_accredit,
        "contact_email": event.contact_email,
        "meetings": [
            {
                "id": m.id,
                "title": m.title,
                "starts_at": local_iso(m.starts_at, event),
                "ends_at": local_iso(m.ends_at, event),
                "room": m.room,
            }
            for m in event.meetings
        ],
    }


def participant_json(participant: Participant) -> dict[str, Any]:
    """A participant as the API shows it."""
    return {
        "id": participant.id,
        "delegation_id": participant.delegation_id,
        **{f.name: getattr(participant, f.name) for f in PARTICIPANT_FIELDS},
        "status": participant.status.value,
        "has_photo": participant.photo is not None,
        "substitute_for_id": participant.substitute_for_id,
        "created_at": participant.created_at.isoformat(),
        "updated_at": participant.updated_at.isoformat(),
    }


def delegation_json(delegation: Delegation, places_used: int) -> dict[str, Any]:
    """A delegation as the API shows it, with its places."""
    return {
        "id": delegation.id,
        "name": delegation.name,
        "category": delegation.category.value,
        "country": delegation.country,
        "cap": delegation.cap,
        "places_used": places_used,
        "focal_point_name": delegation.focal_point_name,
        "names": {} if delegation.category in STATE_CATEGORIES else names_shown(delegation),
    }


_participant_input = {
    "type": "object",
    "additionalProperties": False,
    "properties": {f.name: f.schema() for f in PARTICIPANT_FIELDS},
    "required": [f.name for f in PARTICIPANT_FIELDS if f.required],
}

COMPONENTS["schemas"].update(
    {
        "Problem": {
            "type": "object",
            "required": ["type", "title", "status", "detail", "code"],
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "code": {"type": "string"},
                "errors": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
        "Event": {
            "type": "object",
            "additionalProperties": False,
            "required": [
                "slug",
                "title",
                "starts_on",
                "ends_on",
                "timezone",
                "venue",
                "registration_opens_at",
                "registration_deadline",
                "default_cap",
                "auto_accredit",
                "contact_email",
                "meetings",
            ],
            "properties": {
                "slug": {"type": "string"},
                "title": {"type": "string"},
                "starts_on": {"type": "string", "format": "date"},
                "ends_on": {"type": "string", "format": "date"},
                "timezone": {"type": "string"},
                "venue": {
                    "type": ["object", "null"],
                    "additionalProperties": False,
                    "required": ["name", "address", "capacity"],
                    "properties": {
                        "name": {"type": "string"},
                        "address": {"type": "string"},
                        "capacity": {"type": ["integer", "null"]},
                    },
                },
                "registration_opens_at": {"type": ["string", "null"], "format": "date-time"},
                "registration_deadline": {"type": ["string", "null"], "format": "date-time"},
                "default_cap": {"type": "integer"},
                "auto_accredit": {"type": "boolean"},
                "contact_email": {"type": "string"},
                "meetings": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["id", "title", "starts_at", "ends_at", "room"],
                        "properties": {
                            "id": {"type": "integer"},
                            "title": {"type": "string"},
                            "starts_at": {"type": "string", "format": "date-time"},
                            "ends_at": {"type": "string", "format": "date-time"},
                            "room": {"type": "string"},
                        },
                    },
                },
            },
        },
        "ParticipantInput": _participant_input,
        "ParticipantCreate": {
            **_participant_input,
            "properties": {
                **_participant_input["properties"],
                "delegation_id": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_ID,
                    "description": "Required for organizers; a focal point's own delegation otherwise",
                },
            },
        },
        "ParticipantPatch": {**_participant_input, "required": []},
        "Participant": {
            "type": "object",
            "additionalProperties": False,
            "required": [
                "id",
                "delegation_id",
                *(f.name for f in PARTICIPANT_FIELDS),
                "status",
                "has_photo",
                "substitute_for_id",
                "created_at",
                "updated_at",
            ],
            "properties": {
                "id": {"type": "integer"},
                "delegation_id": {"type": "integer"},
                **{f.name: f.schema() for f in PARTICIPANT_FIELDS},
                "status": {"type": "string", "enum": [s.value for s in Status]},
                "has_photo": {"type": "boolean"},
                "substitute_for_id": {"type": ["integer", "null"]},
                "created_at": {"type": "string", "format": "date-time"},
                "updated_at": {"type": "string", "format": "date-time"},
            },
        },
        "Delegation": {
            "type": "object",
            "required": ["id", "name", "category", "country", "cap", "places_used", "focal_point_name"],
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "category": {"type": "string", "enum": [c.value for c in Category]},
                "country": {"type": ["string", "null"]},
                "cap": {"type": "integer"},
                "places_used": {"type": "integer"},
                "focal_point_name": {"type": "string"},
                "names": ref("DelegationNames"),
            },
        },
        "DelegationNames": {
            "type": "object",
            "description": (
                "An organisation's names in the other languages, as the product uses them: those the"
                " secretariat entered on its names page, else those of the built-in list of"
                " organisations (kiosk/data/organizations.json). By language, its name ('name'; the"
                " registered 'name' is the English one) and the words a sentence writes after the word"
                " 'delegation' ('after_delegation': English, French and Spanish with the preposition"
                " and article, Russian in the genitive). A language left out is named as registered."
                " Empty for a State, named by its UN names. Example:"
                ' {"fr": {"name": "Union européenne", "after_delegation": "de l\'Union européenne"},'
                ' "en": {"after_delegation": "of the European Union"}}.'
            ),
            "additionalProperties": False,
            "properties": {
                language: {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        part: {"type": "string", "maxLength": 200}
                        for part, known in NAME_FIELDS
                        if known == language
                    },
                }
                for language in NAMED_LANGUAGES
            },
        },
        "DelegationWithParticipants": {
            "allOf": [ref("Delegation")],
            "required": ["participants", "event"],
            "properties": {"participants": array_of("Participant"), "event": ref("Event")},
        },
    }
)
