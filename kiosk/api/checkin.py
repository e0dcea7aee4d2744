"""Check-in API: a kiosk or the desk checks a participant in (by code, or by name with a proof)."""

from __future__ import annotations

import base64
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import get_locale
from flask_babel import gettext as _

from kiosk.api.badges import PRINT_JOB_SCHEMA, job_json, printer_or_409
from kiosk.api.registration import event_or_404
from kiosk.api.schemas import local_iso
from kiosk.extensions import db
from kiosk.inputs import MAX_ID
from kiosk.models import CheckInMethod, Event, Kiosk, Participant, Role
from kiosk.services import badging, checkin, collation, countries, kiosk_codes, name_search, ratelimit, titles
from kiosk.services.errors import (
    AlreadyCheckedIn,
    CodeExpired,
    CodeReplaced,
    InvalidCode,
    NoAddress,
    NoPrinter,
    NotAccredited,
    NotFound,
    ProofMismatch,
    TooManyAttempts,
    UnknownCode,
    ValidationFailed,
    WrongEvent,
)
from kiosk.services.ratelimit import SharedRateLimit
from kiosk.services.vocabulary import function_label
from kiosk.web.api import operation

bp = Blueprint("api_checkin", __name__, url_prefix="/api/v1")

ORGANIZER, DESK, KIOSK = Role.ORGANIZER, Role.DESK, Role.KIOSK
CHECKIN_ROLES = (KIOSK, DESK, ORGANIZER)
CHECKIN_ERRORS = (
    UnknownCode,
    InvalidCode,
    WrongEvent,
    NotAccredited,
    AlreadyCheckedIn,
    CodeReplaced,
    ProofMismatch,
    CodeExpired,
    TooManyAttempts,
    ValidationFailed,
)

CHECKIN_PARTICIPANT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "id",
        "name",
        "title",
        "given_name",
        "family_name",
        "function",
        "delegation",
        "delegation_id",
        "category",
        "status",
        "photo",
    ],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string", "description": "The name as printed on the badge"},
        "title": {"type": "string"},
        "given_name": {"type": "string"},
        "family_name": {"type": "string"},
        "function": {"type": "string"},
        "delegation": {"type": "string"},
        "delegation_id": {"type": "integer"},
        "category": {"type": "string"},
        "status": {"type": "string"},
        "photo": {"type": ["string", "null"], "description": "A data: URL of the photo, if any"},
    },
}
CHECKIN_REQUEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Either `code`, or `participant_id` (kiosks must add `proof`).",
    "properties": {
        "code": {"type": "string", "description": "The confirmation code (QR code of the e-mail)"},
        "participant_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        "proof": {
            "type": "string",
            "description": "For a kiosk finding someone by name: the reference from the confirmation "
            "e-mail, or the one-time code of six digits e-mailed by `POST …/checkins/codes`. "
            "An e-mail address is not a proof.",
        },
        "request_id": {
            "type": "string",
            "description": "Idempotency key (also as the Idempotency-Key header): "
            "the same request sent again gets the first answer",
        },
        "badge_printer_id": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_ID,
            "description": "Desk and organizers only",
        },
        "receipt_printer_id": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_ID,
            "description": "Desk and organizers only",
        },
    },
}
CHECKIN_RESPONSE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["participant", "badge_serial", "print_jobs", "checked_in_at", "kiosk", "replayed"],
    "properties": {
        "participant": CHECKIN_PARTICIPANT_SCHEMA,
        "badge_serial": {"type": "integer"},
        "print_jobs": {"type": "array", "items": PRINT_JOB_SCHEMA},
        "checked_in_at": {"type": "string", "format": "date-time"},
        "kiosk": {"type": ["string", "null"]},
        "replayed": {"type": "boolean", "description": "True when this answers a request sent again"},
    },
}


def limit(name: str) -> SharedRateLimit:
    """This application's kiosk rate limit `name` (checkin.KIOSK_LIMITS)."""
    return ratelimit.app_limit(current_app._get_current_object(), name, checkin.KIOSK_LIMITS)


def participant_summary(participant: Participant) -> dict[str, Any]:
    """What a kiosk or the desk shows before and after check-in (never the e-mail address)."""
    delegation = participant.delegation
    photo = None
    if participant.photo:
        kind = participant.photo_type or "image/jpeg"
        photo = f"data:{kind};base64,{base64.b64encode(participant.photo).decode()}"
    return {
        "id": participant.id,
        "name": badging.printed_name(participant),
        "title": participant.title,
        "given_name": participant.given_name,
        "family_name": participant.family_name,
        "function": function_label(participant.function, gender=participant.gender),
        "delegation": countries.label(delegation),
        "delegation_id": delegation.id,
        "category": delegation.category.value,
        "status": participant.status.value,
        "photo": photo,
    }


def caller_kiosk() -> Kiosk | None:
    """The kiosk calling, when the caller is an enrolled kiosk device."""
    kiosk_id = g.principal.kiosk_id
    return db.session.get(Kiosk, kiosk_id) if kiosk_id else None


def resolve(event: Event, data: dict[str, Any]) -> tuple[Participant, CheckInMethod]:
    """The participant the request names, by code or by id (with a proof for kiosks).

    `data` is the validated request body (CHECKIN_REQUEST_SCHEMA).
    """
    code = data.get("code")
    if isinstance(code, str) and code.strip():
        return checkin.participant_for_code(db.session, event, code), CheckInMethod.CODE
    participant_id = data.get("participant_id")
    if participant_id is None:
        raise ValidationFailed(
            _("Send a confirmation code or a participant."),
            {"code": [_("Send the code of the QR code, or participant_id.")]},
        )
    if g.principal.role != KIOSK:
        return checkin.participant_by_id(db.session, event, participant_id), CheckInMethod.DESK
    proof = str(data.get("proof") or "")
    participant = checkin.participant_for_kiosk_proof(
        db.session,
        event,
        participant_id,
        proof,
        kiosk=g.principal.label,
        limits=limit,
        code_key=code_key(),
        request_id=request_id_of(data).strip()[:64] or None,
    )
    return participant, CheckInMethod.NAME


def request_id_of(data: dict[str, Any]) -> str:
    """The idempotency key of a check-in request (body or Idempotency-Key header)."""
    return str(data.get("request_id") or request.headers.get("Idempotency-Key") or "")


def code_key() -> bytes:
    """The key one-time codes are kept under (derived from SECRET_KEY)."""
    return kiosk_codes.hash_key(current_app.config["SECRET_KEY"])


@operation(
    bp,
    "/events/<slug>/checkins/preview",
    "POST",
    summary="Whose code (or name with its proof) this is, and whether they may check in; changes nothing",
    roles=CHECKIN_ROLES,
    request_body=CHECKIN_REQUEST_SCHEMA,
    response={
        "type": "object",
        "additionalProperties": False,
        "required": ["participant"],
        "properties": {"participant": CHECKIN_PARTICIPANT_SCHEMA},
    },
    errors=(NotFound, *CHECKIN_ERRORS),
    tag="check-in",
    find=event_or_404,
)
def preview_checkin(event: Event, body: dict[str, Any]):
    participant, _method = resolve(event, body)
    checkin.ensure_can_check_in(db.session, participant)
    return jsonify({"participant": participant_summary(participant)})


@operation(
    bp,
    "/events/<slug>/checkins",
    "POST",
    summary="Check a participant in: one check-in, the badge and receipt queued (idempotent)",
    roles=CHECKIN_ROLES,
    status=201,
    request_body=CHECKIN_REQUEST_SCHEMA,
    response=CHECKIN_RESPONSE_SCHEMA,
    errors=(NotFound, NoPrinter, *CHECKIN_ERRORS),
    tag="check-in",
    find=event_or_404,
)
def create_checkin(event: Event, body: dict[str, Any]):
    participant, method = resolve(event, body)
    if method == CheckInMethod.NAME:
        kiosk_codes.spend(db.session, participant, str(body.get("proof") or ""), request_id_of(body))
    kiosk = caller_kiosk()
    printers = {}
    if g.principal.role != KIOSK:
        for field in ("badge_printer_id", "receipt_printer_id"):
            if field in body:
                printers[field] = printer_or_409(body[field])
    arrival = checkin.check_in(
        db.session,
        participant,
        g.principal.actor,
        method=method,
        kiosk=kiosk,
        user_id=g.principal.user_id,
        request_id=request_id_of(body),
        badge_printer=printers.get("badge_printer_id"),
        receipt_printer=printers.get("receipt_printer_id"),
        # A kiosk's delegate reads the receipt in the language they chose on its screen; the
        # desk's staff work in theirs, so there the participant's own language stays.
        language=get_locale().language if g.principal.role == KIOSK and get_locale() else None,
    )
    row = arrival.checkin
    return jsonify(
        {
            "participant": participant_summary(arrival.participant),
            "badge_serial": row.badge_serial,
            "print_jobs": [job_json(job) for job in arrival.jobs],
            "checked_in_at": local_iso(row.checked_in_at, event),
            "kiosk": row.kiosk.name if row.kiosk else None,
            "replayed": arrival.replayed,
        }
    ), 201


@operation(
    bp,
    "/events/<slug>/checkins/find",
    "GET",
    summary="Find me: accredited people, by the first letters of their family name "
    "(those already checked in are told so after their proof)",
    roles=CHECKIN_ROLES,
    query=(("family_name", "string", "At least two letters; nothing is listed for fewer"),),
    response={
        "type": "object",
        "additionalProperties": False,
        "required": ["delegations"],
        "properties": {
            "delegations": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["id", "name", "people"],
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "people": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "additionalProperties": False,
                                "required": ["id", "name", "function", "list_name"],
                                "properties": {
                                    "id": {"type": "integer"},
                                    "name": {"type": "string"},
                                    "function": {"type": "string"},
                                    "list_name": {
                                        "type": "string",
                                        "description": "The name as sorted in lists, family name "
                                        "first (DIALLO, Amina; 王小明): the page sorts people by it "
                                        "with its language's collation (Intl.Collator).",
                                    },
                                },
                            },
                        },
                    },
                },
            }
        },
    },
    errors=(NotFound, TooManyAttempts),
    tag="check-in",
    find=event_or_404,
)
def find_participants(event: Event, query: dict[str, Any]):
    text = query.get("family_name", "")
    if not name_search.searchable(text):
        return jsonify({"delegations": []})
    if g.principal.role == KIOSK:
        checkin.kiosk_may_find(limit, g.principal.label)
    groups: dict[int, dict[str, Any]] = {}
    for person in checkin.find_by_family_name(db.session, event, text):
        delegation = person.delegation
        group = groups.setdefault(
            delegation.id,
            {
                "id": delegation.id,
                "name": countries.label(delegation),
                "people": [],
            },
        )
        group["people"].append(
            {
                "id": person.id,
                "name": badging.printed_name(person),
                "function": function_label(person.function, gender=person.gender),
                "list_name": person.list_name,
            }
        )
    language = titles.current_language()
    return jsonify({"delegations": collation.sort(groups.values(), language, lambda group: group["name"])})


@operation(
    bp,
    "/events/<slug>/checkins/codes",
    "POST",
    summary="Send me a code: e-mail a one-time code (six digits) to the address registered for a "
    "participant found by name, to give as `proof`; the address is never shown",
    roles=(KIOSK,),
    status=202,
    request_body={
        "type": "object",
        "required": ["participant_id"],
        "properties": {"participant_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID}},
    },
    response={
        "type": "object",
        "required": ["sent", "minutes"],
        "properties": {
            "sent": {"type": "boolean"},
            "minutes": {"type": "integer", "description": "How long the code works"},
        },
        "additionalProperties": False,
    },
    errors=(NotFound, UnknownCode, NoAddress, TooManyAttempts),
    tag="check-in",
    find=event_or_404,
)
def send_checkin_code(event: Event, body: dict[str, Any]):
    participant_id = body["participant_id"]
    checkin.kiosk_may_send_code(limit, g.principal.label, event, participant_id)
    minutes = int(current_app.config.get("KIOSK_CODE_MINUTES", kiosk_codes.DEFAULT_MINUTES))
    kiosk_codes.send_code(
        db.session,
        event,
        participant_id,
        code_key(),
        g.principal.actor,
        minutes=minutes,
        kiosk=caller_kiosk(),
    )
    return jsonify({"sent": True, "minutes": minutes}), 202
