"""Credentials API: a delegation's documents, an upload, the secretariat's decision, the report."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from flask import Blueprint, current_app, g, jsonify
from flask_babel import gettext as _

from kiosk.api.registration import event_or_404
from kiosk.api.schemas import array_of, ref
from kiosk.extensions import db
from kiosk.inputs import MAX_ID
from kiosk.models import Authority, CredentialDocument, Decision, Delegation, DocumentKind, Event, Role
from kiosk.services import credentials, documents
from kiosk.services.errors import InvalidTransition, NotFound, ValidationFailed
from kiosk.web.api import COMPONENTS, operation

bp = Blueprint("api_credentials", __name__, url_prefix="/api/v1")

ORGANIZER, FOCAL_POINT = Role.ORGANIZER, Role.FOCAL_POINT
_STANDINGS = list(credentials.STANDINGS)

COMPONENTS["schemas"]["CredentialDocument"] = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "id",
        "delegation_id",
        "kind",
        "authority",
        "issued_on",
        "reference",
        "original",
        "participant_ids",
        "content_type",
        "size",
        "pages",
        "decision",
        "decision_reason",
        "decision_note",
        "uploaded_at",
    ],
    "properties": {
        "id": {"type": "integer"},
        "delegation_id": {"type": "integer"},
        "kind": {"type": "string", "enum": [k.value for k in DocumentKind]},
        "authority": {"type": "string", "enum": [a.value for a in Authority]},
        "issued_on": {"type": ["string", "null"], "format": "date"},
        "reference": {"type": "string"},
        "original": {"type": "boolean", "description": "The secretariat holds the original (else a copy)"},
        "participant_ids": {"type": "array", "items": {"type": "integer"}},
        "content_type": {"type": "string", "enum": list(documents.EXTENSIONS)},
        "size": {"type": "integer"},
        "pages": {"type": "integer"},
        "decision": {"type": "string", "enum": [d.value for d in Decision]},
        "decision_reason": {"type": "string", "enum": ["", *documents.RETURN_REASONS]},
        "decision_note": {"type": "string"},
        "uploaded_at": {"type": "string", "format": "date-time"},
    },
}
_LINE = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "delegation_id",
        "name",
        "received",
        "issued_on",
        "authority",
        "reference",
        "representatives",
        "awaiting_review",
    ],
    "properties": {
        "delegation_id": {"type": "integer"},
        "name": {"type": "string"},
        "received": {"type": "string", "enum": _STANDINGS},
        "issued_on": {"type": ["string", "null"], "format": "date"},
        "authority": {"type": ["string", "null"], "enum": [None, *(a.value for a in Authority)]},
        "reference": {"type": "string"},
        "representatives": {
            "type": "integer",
            "description": "Pending or accredited people an accepted document names",
        },
        "awaiting_review": {"type": "integer"},
    },
}
COMPONENTS["schemas"]["CredentialsReport"] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["event", "counts", "awaiting_review", "states_parties", "states_not_parties", "observers"],
    "properties": {
        "event": {"type": "string"},
        "counts": {
            "type": "object",
            "description": "States Parties by what the secretariat has accepted",
            "additionalProperties": False,
            "required": [*_STANDINGS, "total"],
            "properties": {name: {"type": "integer"} for name in [*_STANDINGS, "total"]},
        },
        "awaiting_review": {"type": "integer"},
        "states_parties": {"type": "array", "items": _LINE},
        "states_not_parties": {"type": "array", "items": _LINE},
        "observers": {"type": "array", "items": _LINE},
    },
}

UPLOAD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["delegation_id", "kind", "authority", "content_base64"],
    "additionalProperties": False,
    "properties": {
        "delegation_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        "kind": {"type": "string", "enum": [k.value for k in DocumentKind]},
        "authority": {"type": "string", "enum": [a.value for a in Authority]},
        "issued_on": {"type": ["string", "null"], "format": "date"},
        "reference": {"type": "string", "maxLength": 120},
        "original": {"type": "boolean"},
        "participant_ids": {
            "type": "array",
            "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
            "maxItems": 500,
        },
        "content_base64": {
            "type": "string",
            "minLength": 1,
            "maxLength": 8 * 1024 * 1024,
            "description": "The file (PDF, JPEG or PNG), base64; at most DOCUMENT_MAX_BYTES once decoded",
        },
    },
}
DECISION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["decision"],
    "additionalProperties": False,
    "properties": {
        "decision": {"type": "string", "enum": [Decision.ACCEPTED.value, Decision.RETURNED.value]},
        "reason": {"type": "string", "enum": list(documents.RETURN_REASONS)},
        "note": {"type": "string", "maxLength": 1000},
    },
}


def document_json(document: CredentialDocument) -> dict[str, Any]:
    """A document as the API shows it (never its file)."""
    return {
        "id": document.id,
        "delegation_id": document.delegation_id,
        **documents.described(document),
        "decision": document.decision.value,
        "decision_reason": document.decision_reason,
        "decision_note": document.decision_note,
        "uploaded_at": document.uploaded_at.isoformat(),
    }


def delegation_or_404(slug: str, delegation_id: int) -> Delegation:
    """A delegation of the event the caller may see: a focal point only their own."""
    event = event_or_404(slug)
    delegation = db.session.get(Delegation, delegation_id)
    principal = g.principal
    if (
        delegation is None
        or delegation.event_id != event.id
        or (principal.role == FOCAL_POINT and delegation.id != principal.delegation_id)
    ):
        raise NotFound(_("There is no delegation %(id)d.", id=delegation_id))
    return delegation


def document_or_404(slug: str, document_id: int) -> CredentialDocument:
    """A document of the event the caller's token may see."""
    event = event_or_404(slug)
    return documents.document_of(db.session, document_id, event_id=event.id)


@operation(
    bp,
    "/events/<slug>/delegations/<int:delegation_id>/documents",
    "GET",
    summary="A delegation's credentials documents",
    roles=(ORGANIZER, FOCAL_POINT),
    response=array_of("CredentialDocument"),
    errors=(NotFound,),
    find=delegation_or_404,
    tag="credentials",
)
def list_documents(delegation: Delegation):
    return jsonify([document_json(d) for d in documents.documents_of(db.session, delegation.id)])


@operation(
    bp,
    "/events/<slug>/documents",
    "POST",
    summary="File a credentials document (the file checked, rewritten and previewed)",
    roles=(ORGANIZER, FOCAL_POINT),
    status=201,
    request_body=UPLOAD_SCHEMA,
    response=ref("CredentialDocument"),
    errors=(NotFound, ValidationFailed),
    find=event_or_404,
    tag="credentials",
)
def upload_document(event: Event, body: dict[str, Any]):
    delegation = delegation_or_404(event.slug, body["delegation_id"])
    try:
        data = base64.b64decode(body["content_base64"], validate=True)
    except (binascii.Error, ValueError):
        message = _("The file must be sent as base64.")
        raise ValidationFailed(message, {"content_base64": [message]}) from None
    clean = documents.clean_file(
        data, current_app.config["DOCUMENT_MAX_BYTES"], current_app.config["DOCUMENT_MAX_PAGES"]
    )
    values = {**body, "original": "original" if body.get("original") else ""}
    values.pop("delegation_id")
    document = documents.add_document(db.session, delegation, values, clean, g.principal.actor)
    return jsonify(document_json(document)), 201


@operation(
    bp,
    "/events/<slug>/documents/<int:document_id>/decision",
    "POST",
    summary="Accept a credentials document or send it back",
    roles=(ORGANIZER,),
    request_body=DECISION_SCHEMA,
    response=ref("CredentialDocument"),
    errors=(NotFound, ValidationFailed, InvalidTransition),
    find=document_or_404,
    tag="credentials",
)
def decide_document(document: CredentialDocument, body: dict[str, Any]):
    documents.decide(
        db.session,
        document,
        body["decision"],
        g.principal.actor,
        reason=body.get("reason", ""),
        note=body.get("note", ""),
    )
    return jsonify(document_json(document))


@operation(
    bp,
    "/events/<slug>/credentials",
    "GET",
    summary="The credentials report",
    roles=(ORGANIZER,),
    response=ref("CredentialsReport"),
    query=(("language", {"type": "string", "enum": ["en", "fr"]}, "Language of the delegations' names"),),
    errors=(NotFound,),
    find=event_or_404,
    tag="credentials",
)
def credentials_report(event, query: dict[str, Any]):
    return jsonify(credentials.as_json(credentials.build(db.session, event, query.get("language") or "en")))
