"""Door API: badge scans (online and uploaded after an outage), the offline bundle, holders' photos."""

from __future__ import annotations

import gzip
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from flask_babel import gettext as _

from kiosk.api.registration import event_or_404, json_body, participant_or_404, visible_event
from kiosk.api.spec import route
from kiosk.extensions import db
from kiosk.models import Reason, Role, ScanResult
from kiosk.services import door
from kiosk.services.errors import NotFound, ValidationFailed
from kiosk.services.vocabulary import CATEGORY_LABELS
from kiosk.web import responses

bp = Blueprint("api_door", __name__, url_prefix="/api/v1")

DOOR_ROLES = (Role.SECURITY, Role.ORGANIZER)

SCAN_REQUEST: dict[str, Any] = {
    "type": "object",
    "required": ["code", "checkpoint", "direction", "nonce"],
    "properties": {
        "code": {"type": "string", "description": "The badge's QR code as read"},
        "checkpoint": {"type": "integer"},
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
SCAN_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["result", "reason", "participant", "inside_now"],
    "properties": {
        "result": {"type": "string", "enum": [r.value for r in ScanResult]},
        "reason": {"type": ["string", "null"], "enum": [None, *(r.value for r in Reason)]},
        "detail": {"type": ["string", "null"], "description": "The refusal in words"},
        "participant": {
            "type": ["object", "null"],
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


def _moment(value: Any, field: str) -> datetime | None:
    """A time sent as ISO 8601 with an offset, or a 422."""
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValidationFailed(
            _("Send times in ISO 8601 with an offset."), {field: [_("Not a time with an offset.")]}
        )
    return moment


def _scan_input(data: dict[str, Any], *, offline: bool) -> door.ScanInput:
    """The scan described by a request's JSON."""
    code = data.get("code")
    if not isinstance(code, str) or len(code) > 1000:
        raise ValidationFailed(_("Send the code that was scanned."), {"code": [_("Send a string.")]})
    nonce = data.get("nonce")
    if not isinstance(nonce, str):
        raise ValidationFailed(_("Each scan needs a nonce."), {"nonce": [_("Send 1 to 64 characters.")]})
    result = reason = None
    if offline:
        try:
            result = ScanResult(data.get("result"))
            reason = Reason(data["reason"]) if result is ScanResult.REFUSED else None
        except (ValueError, KeyError):
            raise ValidationFailed(
                _("Say what the scanner decided."),
                {"result": [_("Send accepted, or refused with a reason.")]},
            ) from None
    device = data.get("device")
    label = f"{g.principal.label} {device if isinstance(device, str) else ''}".strip()
    return door.ScanInput(
        code=code,
        checkpoint_id=data.get("checkpoint"),
        direction=door.parse_direction(data.get("direction")),
        nonce=nonce.strip(),
        scanned_at=_moment(data.get("scanned_at"), "scanned_at"),
        device=label,
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


@route(
    bp,
    "/events/<slug>/scans",
    "POST",
    summary="Scan a badge at a checkpoint: accepted or refused, with the reason",
    roles=DOOR_ROLES,
    request_body=SCAN_REQUEST,
    response=SCAN_RESPONSE,
    errors=(NotFound, ValidationFailed),
    tag="door",
)
def scan(slug: str):
    event = _event_at_door(slug)
    read = _scan_input(json_body(), offline=False)
    verdict = door.record_and_commit(db.session, event, read, db.session.commit)
    return jsonify(verdict_json(verdict))


@route(
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
                    **SCAN_REQUEST,
                    "required": [*SCAN_REQUEST["required"], "scanned_at", "result"],
                    "properties": {
                        **SCAN_REQUEST["properties"],
                        "result": {"type": "string", "enum": [r.value for r in ScanResult]},
                        "reason": {"type": ["string", "null"]},
                    },
                },
            }
        },
    },
    response={
        "type": "object",
        "properties": {
            "results": {
                "type": "array",
                "description": "In the order applied; a scan that cannot be recorded has `error` instead",
                "items": {
                    "oneOf": [
                        SCAN_RESPONSE,
                        {
                            "type": "object",
                            "required": ["nonce", "error"],
                            "properties": {"nonce": {"type": "string"}, "error": {"type": "object"}},
                        },
                    ]
                },
            }
        },
    },
    errors=(NotFound, ValidationFailed),
    tag="door",
)
def scan_batch(slug: str):
    event = _event_at_door(slug)
    items = json_body().get("scans")
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ValidationFailed(_("Send a list of scans."), {"scans": [_("Send a list of scans.")]})
    scans = [_scan_input(item, offline=True) for item in items]
    if any(s.scanned_at is None for s in scans):
        raise ValidationFailed(
            _("Offline scans need the time they happened."), {"scanned_at": [_("Required.")]}
        )
    with door.writer_turn(db.session):
        try:
            verdicts = door.record_offline_batch(db.session, event, scans)
        except door.ScanRaceLost:
            db.session.rollback()
            verdicts = door.record_offline_batch(db.session, event, scans)
        db.session.commit()
    return jsonify({"results": [_batch_answer(v) for v in verdicts]})


def _batch_answer(answer: door.Verdict | door.Rejected) -> dict[str, Any]:
    """One uploaded scan's answer: its verdict, or why it could not be recorded."""
    if isinstance(answer, door.Rejected):
        error = answer.error
        return {
            "nonce": answer.nonce,
            "error": {"code": error.code, "detail": error.detail, "errors": error.errors},
        }
    return verdict_json(answer)


@route(
    bp,
    "/events/<slug>/offline-bundle",
    "GET",
    summary="What a scanner needs to decide while the network is down",
    roles=DOOR_ROLES,
    response={
        "type": "object",
        "required": ["public_keys", "revoked", "checkpoints", "generated_at"],
        "properties": {
            "public_keys": {"type": "object", "description": "Raw Ed25519 public keys in hex, by key id"},
            "revoked": {
                "type": "array",
                "description": "Badges with a serial below below_serial are revoked",
                "items": {
                    "type": "object",
                    "properties": {
                        "participant_id": {"type": "integer"},
                        "below_serial": {"type": "integer"},
                    },
                },
            },
            "not_accredited": {"type": "array", "items": {"type": "integer"}},
            "participants": {"type": "object", "description": "Accredited holders to show, by id"},
            "inside": {"type": "object", "description": "Participant ids inside, by venue id"},
            "checkpoints": {"type": "array", "items": {"type": "object"}},
            "category_labels": {"type": "object"},
            "delegation_labels": {
                "type": "object",
                "description": "Delegations' names in the reader's language, by registered name",
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


@route(
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
