"""Health for load balancers and monitoring: /healthz (the process answers) and /readyz (it can serve).

Public, read-only, GET only (no CSRF token applies) and never rate-limited: a load balancer asks
every second. The answers hold no personal data and no secret (no host, user or path).
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from kiosk.extensions import limiter
from kiosk.services import health
from kiosk.web.api import document_public

bp = Blueprint("health", __name__)
limiter.exempt(bp)

READINESS_SCHEMA = {
    "type": "object",
    "required": ["status", "checks"],
    "properties": {
        "status": {"type": "string", "enum": ["ready", "unavailable"]},
        "checks": {
            "type": "object",
            "description": "database, redis (when REDIS_URL is set), migrations, printers",
            "additionalProperties": {
                "type": "object",
                "required": ["ok", "required", "ms"],
                "properties": {
                    "ok": {"type": "boolean"},
                    "required": {
                        "type": "boolean",
                        "description": "Whether a failure makes the server unready",
                    },
                    "detail": {"type": "string"},
                    "ms": {"type": "number"},
                },
            },
        },
        "failed": {
            "type": "array",
            "items": {"type": "string"},
            "description": "The required checks that failed",
        },
    },
}
document_public(
    "/healthz",
    "GET",
    summary="Liveness: the process answers (the database is not asked)",
    response={
        "type": "object",
        "required": ["status"],
        "properties": {"status": {"type": "string", "enum": ["alive"]}},
    },
    tag="health",
)
document_public(
    "/readyz",
    "GET",
    summary="Readiness: database, Redis, migrations at head, printers (503 names the failed checks)",
    response=READINESS_SCHEMA,
    other_responses={503: ("Not ready: `failed` names the required checks that failed", READINESS_SCHEMA)},
    tag="health",
)


@bp.get("/healthz")
def healthz():
    """The process is alive and answers; the database is not asked."""
    return jsonify({"status": "alive"})


@bp.get("/readyz")
def readyz():
    """200 when every required check passes, else 503 naming the checks that failed."""
    ready, body = health.readiness(current_app._get_current_object())
    return jsonify(body), 200 if ready else 503
