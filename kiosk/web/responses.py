"""Responses built one way for pages and API alike: RFC 9457 problem details, a participant's photo."""

from __future__ import annotations

from flask import Response, jsonify
from flask_babel import gettext as _

from kiosk.models import Participant
from kiosk.services.errors import DomainError, NotFound


def problem(
    status: int, code: str, title: str, detail: str, errors: dict[str, list[str]] | None = None, **extra
) -> Response:
    """An application/problem+json response."""
    body = {
        "type": f"/api/v1/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def from_domain_error(exc: DomainError) -> Response:
    """The problem response for a broken business rule."""
    return problem(exc.status, exc.code, exc.title, exc.detail, exc.errors or None)


def photo(participant: Participant) -> Response:
    """The participant's photo, or NotFound; each route keeps its own access rule.

    Kept in no cache: desk screens and door phones are shared (the door's service worker keeps
    the last few hundred photos itself, for scanning offline).
    """
    if participant.photo is None:
        raise NotFound(_("There is no photo of this participant."))
    return Response(
        participant.photo,
        mimetype=participant.photo_type or "image/jpeg",
        headers={"Cache-Control": "private, no-store"},
    )
