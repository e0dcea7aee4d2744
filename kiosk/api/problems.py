"""RFC 9457 problem details: the one shape of every API error."""

from __future__ import annotations

from flask import Response, jsonify

from kiosk.services.errors import DomainError


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
