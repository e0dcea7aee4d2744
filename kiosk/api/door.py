"""Door API: badge scans (online and uploaded after an outage), the offline bundle, holders' photos."""

from __future__ import annotations

import gzip
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from flask_babel import gettext as _

from kiosk.api.registration import event_or_404, participant_or_404, visible_event
from kiosk.extensions import db
from kiosk.inputs import MAX_ID
from kiosk.models import Reason, Role, ScanResult
from kiosk.services import door
from kiosk.services.errors import NotFound, ValidationFailed
from kiosk.services.vocabulary import CATEGORY_LABELS
from kiosk.web import responses
from kiosk.web.api import COMPONENTS, operation, parse_moment, validate

bp = Blueprint("api_door", __name__, url_prefix="/api/v1")

DOOR_ROLES = (Role.SECURITY, Role.ORGANIZER)

SCAN_REQUEST: dict[str, Any] = {
    "type": "object",
    "required": ["code", "checkpoint", "direction", "nonce"],
    "properties": {
        "code": {"type": "string", "maxLength": 1000, "description": "The badge's QR code as read"},
        "checkpoint": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        "direction": {"type": "string", "enum": ["in", "out"]},
        "nonce": {
            "type": "string",
            "maxLength": 64,
            "description": "New for each scan; re-sent scans keep it",
        },
        "scanned_at": {"type": "string", "format": "date-time", "description": "The scanner's clock"},
        "device": {"type": "string", "maxLength": 80, "description": "The scanner's own name"},
    },
}
#: A scan decided by a scanner while offline, uploaded later in a batch.
OFFLINE_SCAN: dict[str, Any] = COMPONENTS["schemas"].setdefault(
    "OfflineScan",
    {
        **SCAN_REQUEST,
        "required": [*SCAN_REQUEST["required"], "scanned_at", "result"],
        "properties": {
            **SCAN_REQUEST["properties"],
            "result": {"type": "string", "enum": [r.value for r in ScanResult]},
            "reason": {
                "type": ["string", "null"],
                "enum": [None, *(r.value for r in Reason)],
                "description": "Required when refused",
            },
        },
    },
)
SCAN_RESPONSE: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "result",
        "reason",
        "detail",
        "participant",
        "inside_now",
        "nonce",
        "scanned_at",
        "replayed",
        "conflict",
    ],
    "properties": {
        "result": {"type": "string", "enum": [r.value for r in ScanResult]},
        "reason": {"type": ["string", "null"], "enum": [None, *(r.value for r in Reason)]},
        "detail": {"type": ["string", "null"], "description": "The refusal in words"},
        "participant": {
            "type": ["object", "null"],
            "additionalProperties": False,
            "required": ["id", "name", "delegation", "category", "category_label", "photo_url"],
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "delegation": {"type": "string"},
                "category": {"type": "string"},
                "category_label": {"type": "string"},
                "photo_url": {"type": ["string", "null"]},
            },
        },
        "inside_now": {"type": "integer", "description": "People inside the checkpoint's venue now"},
        "nonce": {"type": "string"},
        "scanned_at": {"type": "string", "format": "date-time"},
        "replayed": {"type": "boolean", "description": "True when this nonce was already recorded"},
        "conflict": {"type": "boolean"},
    },
}


def category_label(category: str) -> str:
    """A delegation category in the reader's language."""
    return str(CATEGORY_LABELS.get(category, category))


def _scan_input(data: dict[str, Any], *, offline: bool) -> door.ScanInput:
    """The scan a validated request (SCAN_REQUEST, or a batch item) describes."""
    result = ScanResult(data["result"]) if offline else None
    reason = None
    if result is ScanResult.REFUSED:
        if data.get("reason") is None:
            raise ValidationFailed(
                _("Say what the scanner decided."),
                {"result": [_("Send accepted, or refused with a reason.")]},
            )
        reason = Reason(data["reason"])
    return door.ScanInput(
        code=data["code"],
        checkpoint_id=data["checkpoint"],
        direction=door.parse_direction(data["direction"]),
        nonce=data["nonce"].strip(),
        scanned_at=parse_moment(data["scanned_at"]) if "scanned_at" in data else None,
        device=f"{g.principal.label} {data.get('device', '')}".strip(),
        officer_id=g.principal.user_id,
        offline_result=result,
        offline_reason=reason,
    )


def verdict_json(verdict: door.Verdict) -> dict[str, Any]:
    """A scan's answer as the API shows it."""
    scan, who = verdict.scan, verdict.participant
    reason = scan.reason.value if scan.reason else None
    return {
        "result": scan.result.value,
        "reason": reason,
        "detail": str(door.REASON_TEXT[reason]) if reason else None,
        "participant": {
            "id": who.id,
            "name": who.name,
            "delegation": who.delegation,
            "category": who.category,
            "category_label": str(category_label(who.category)),
            "photo_url": door.photo_url(who.id, who.photo_version) if who.has_photo else None,
        }
        if who
        else None,
        "inside_now": verdict.inside_now,
        "nonce": scan.nonce,
        "scanned_at": scan.scanned_at.isoformat(),
        "replayed": verdict.replayed,
        "conflict": scan.conflict,
    }


def _event_at_door(slug: str) -> door.EventRef:
    """The event named `slug` as a scan needs it (visible to the caller), or a 404."""
    return visible_event(door.event_ref(db.session, slug), slug)


@operation(
    bp,
    "/events/<slug>/scans",
    "POST",
    summary="Scan a badge at a checkpoint: accepted or refused, with the reason",
    roles=DOOR_ROLES,
    request_body=SCAN_REQUEST,
    response=SCAN_RESPONSE,
    errors=(NotFound, ValidationFailed),
    tag="door",
    find=_event_at_door,
    commit=False,  # the service commits: on SQLite, concurrent scans in one transaction
)
def scan(event: door.EventRef, body: dict[str, Any]):
    read = _scan_input(body, offline=False)
    verdict = door.record_and_commit(db.session, event, read, db.session.commit)
    return jsonify(verdict_json(verdict))


@operation(
    bp,
    "/events/<slug>/scans/batch",
    "POST",
    summary="Upload scans a scanner decided offline; applied in the order they happened",
    roles=DOOR_ROLES,
    request_body={
        "type": "object",
        "required": ["scans"],
        "properties": {
            "scans": {
                "type": "array",
                "maxItems": door.MAX_BATCH,
                "items": {
                    "type": "object",
                    "description": "An OfflineScan. Each is checked on its own: one that does not match "
                    "OfflineScan is answered with `error` (code `invalid`), and the others are recorded",
                },
            }
        },
    },
    response={
        "type": "object",
        "additionalProperties": False,
        "required": ["results"],
        "properties": {
            "results": {
                "type": "array",
                "description": "The scans refused as they were sent, then the others in the order applied "
                "(a scan that cannot be recorded has `error` instead of a verdict)",
                "items": {
                    "oneOf": [
                        SCAN_RESPONSE,
                        {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["nonce", "error"],
                            "properties": {
                                "nonce": {"type": "string"},
                                "error": {
                                    "type": "object",
                                    "additionalProperties": False,
                                    "required": ["code", "detail", "errors"],
                                    "properties": {
                                        "code": {"type": "string"},
                                        "detail": {"type": "string"},
                                        "errors": {
                                            "type": "object",
                                            "additionalProperties": {
                                                "type": "array",
                                                "items": {"type": "string"},
                                            },
                                        },
                                    },
                                },
                            },
                        },
                    ]
                },
            }
        },
    },
    errors=(NotFound, ValidationFailed),
    tag="door",
    find=_event_at_door,
    commit=False,  # committed inside the writer's turn, which is held from the decision to the commit
)
def scan_batch(event: door.EventRef, body: dict[str, Any]):
    scans, refused = [], []
    for item in body["scans"]:
        try:
            validate(OFFLINE_SCAN, item)
            scans.append(_scan_input(item, offline=True))
        except ValidationFailed as error:  # one bad scan fails alone: the scanner has no way to fix it
            nonce = item.get("nonce")
            refused.append(door.Rejected(nonce if isinstance(nonce, str) else "", error))
    with door.writer_turn(db.session):
        try:
            verdicts = door.record_offline_batch(db.session, event, scans)
        except door.ScanRaceLost:
            db.session.rollback()
            verdicts = door.record_offline_batch(db.session, event, scans)
        db.session.commit()
    return jsonify({"results": [_batch_answer(v) for v in [*refused, *verdicts]]})


def _batch_answer(answer: door.Verdict | door.Rejected) -> dict[str, Any]:
    """One uploaded scan's answer: its verdict, or why it could not be recorded."""
    if isinstance(answer, door.Rejected):
        error = answer.error
        return {
            "nonce": answer.nonce,
            "error": {"code": error.code, "detail": error.detail, "errors": error.errors},
        }
    return verdict_json(answer)


@operation(
    bp,
    "/events/<slug>/offline-bundle",
    "GET",
    summary="What a scanner needs to decide while the network is down",
    roles=DOOR_ROLES,
    response={
        "type": "object",
        "additionalProperties": False,
        "required": [
            "event",
            "public_keys",
            "inside",
            "checkpoints",
            "category_labels",
            "delegation_labels",
            "not_accredited",
            "participants",
            "revoked",
            "generated_at",
        ],
        "properties": {
            "event": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "slug", "venue_id", "photos_until"],
                "properties": {
                    "id": {"type": "integer"},
                    "slug": {"type": "string"},
                    "venue_id": {"type": "integer", "description": "0 when the event has no venue"},
                    "photos_until": {
                        "type": "string",
                        "format": "date-time",
                        "description": "When the event is over: scanners drop their offline photos then",
                    },
                },
            },
            "public_keys": {
                "type": "object",
                "description": "Raw Ed25519 public keys in hex, by key id",
                "additionalProperties": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            },
            "revoked": {
                "type": "array",
                "description": "Badges with a serial below below_serial are revoked",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["participant_id", "below_serial"],
                    "properties": {
                        "participant_id": {"type": "integer"},
                        "below_serial": {"type": "integer"},
                    },
                },
            },
            "not_accredited": {"type": "array", "items": {"type": "integer"}},
            "participants": {
                "type": "object",
                "description": "Accredited holders to show, by id",
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name", "delegation", "category", "serial", "photo_url"],
                    "properties": {
                        "name": {"type": "string"},
                        "delegation": {"type": "string"},
                        "category": {"type": "string"},
                        "serial": {"type": "integer"},
                        "photo_url": {
                            "type": ["string", "null"],
                            "description": "The small offline copy of the photo (door-photos), to fetch "
                            "after the bundle and keep on the device until sign-out or the event's end",
                        },
                    },
                },
            },
            "inside": {
                "type": "object",
                "description": "Participant ids inside, by venue id",
                "additionalProperties": {"type": "array", "items": {"type": "integer"}},
            },
            "checkpoints": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["id", "name", "venue_id", "direction", "anti_passback", "meetings"],
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "venue_id": {"type": ["integer", "null"]},
                        "direction": {"type": "string"},
                        "anti_passback": {"type": "boolean"},
                        "meetings": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "additionalProperties": False,
                                "required": ["id", "title", "opens_at", "ends_at"],
                                "properties": {
                                    "id": {"type": "integer"},
                                    "title": {"type": "string"},
                                    "opens_at": {"type": "string", "format": "date-time"},
                                    "ends_at": {"type": "string", "format": "date-time"},
                                },
                            },
                        },
                    },
                },
            },
            "category_labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "delegation_labels": {
                "type": "object",
                "description": "Delegations' names in the reader's language, by registered name",
                "additionalProperties": {"type": "string"},
            },
            "generated_at": {"type": "string", "format": "date-time"},
        },
    },
    errors=(NotFound,),
    tag="door",
)
def offline_bundle(slug: str):
    event = event_or_404(slug)
    body, tag = door.offline_bundle(db.session, event, category_label)
    if request.if_none_match.contains(tag):
        response = Response(status=304)
    elif "gzip" in request.accept_encodings:  # about a fourteenth of the size, for a venue's Wi-Fi
        response = Response(_gzipped(tag, body), mimetype="application/json")
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = Response(body, mimetype="application/json")
    response.set_etag(tag)
    response.vary.add("Accept-Encoding")
    response.headers["Cache-Control"] = "private, no-cache"
    return response


_last_gzipped: dict[str, bytes] = {}


def _gzipped(tag: str, body: str) -> bytes:
    """The body compressed; the latest is kept, since every scanner of a venue asks for it in turn."""
    found = _last_gzipped.get(tag)
    if found is None:
        found = gzip.compress(body.encode(), compresslevel=6, mtime=0)
        _last_gzipped.clear()
        _last_gzipped[tag] = found
    return found


@operation(
    bp,
    "/participants/<int:participant_id>/photo",
    "GET",
    summary="A participant's photo, for the door to compare with the face (desk and security: "
    "accredited participants of events not over)",
    roles=(Role.SECURITY, Role.ORGANIZER, Role.DESK),
    response={"type": "string", "format": "binary"},
    media_type="image/jpeg",
    errors=(NotFound,),
    tag="door",
)
def participant_photo(participant_id: int):
    participant = participant_or_404(participant_id)
    if g.principal.role != Role.ORGANIZER and not door.photo_at_the_door(db.session, participant):
        raise NotFound(_("There is no participant %(id)d.", id=participant_id))
    return responses.photo(participant)


@operation(
    bp,
    "/events/<slug>/door-photos/<int:participant_id>",
    "GET",
    summary="The small copy of a badge holder's photo a scanner keeps for offline use (at most 12 KB, "
    "150 × 200): accredited participants of this event, until it is over; never kept by HTTP caches",
    roles=DOOR_ROLES,
    query=(("v", {"type": "integer"}, "The photo's version, from the offline bundle"),),
    response={"type": "string", "format": "binary"},
    media_type="image/jpeg",
    errors=(NotFound,),
    tag="door",
)
def offline_photo(slug: str, participant_id: int, query: dict[str, Any]):
    return Response(
        door.offline_photo(db.session, event_or_404(slug), participant_id),
        mimetype="image/jpeg",
        headers={"Cache-Control": "private, no-store"},
    )
