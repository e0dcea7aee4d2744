"""Live figures: `GET …/headcount` and the server-sent event stream `GET …/stream`.

The stream sends an event named `headcount`, with the body of `GET …/headcount`, each time a
figure changes. Its `id:` is a digest of that body: a client that reconnects with
`Last-Event-ID` is sent the figures at once only if they changed while it was away. Comment
lines (`: heartbeat`) keep proxies from closing a quiet stream. A stream holds no database
connection while it waits (see gunicorn.conf.py for why it holds no worker either).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from sqlalchemy.orm import Session

from kiosk.api.registration import event_or_404
from kiosk.api.schemas import ref
from kiosk.extensions import db
from kiosk.models import Event, Role
from kiosk.services import live_figures
from kiosk.services.errors import NotFound
from kiosk.services.live import Broker
from kiosk.web.api import COMPONENTS, operation
from kiosk.web.callers import still_signed_in

bp = Blueprint("api_headcount", __name__, url_prefix="/api/v1")

WATCHERS = (Role.ORGANIZER, Role.DESK, Role.SECURITY)

_figures = {"type": "integer", "minimum": 0}


def _record(properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """An object with exactly these properties, all present."""
    return {"type": "object", "required": list(properties), "properties": properties, **extra}


def _closed(properties: dict[str, Any]) -> dict[str, Any]:
    return _record(properties, additionalProperties=False)


#: People by gender (undisclosed included).
_GENDERS = {"type": "object", "additionalProperties": _figures}
_JOB_COUNTS = {"queued": _figures, "printing": _figures, "failed": _figures, "uncertain": _figures}
COMPONENTS["schemas"]["Headcount"] = _closed(
    {
        "event": {"type": "string", "description": "The event's slug"},
        "registered": {**_figures, "description": "Pending or accredited participants"},
        "accredited": _figures,
        "in_person": _figures,
        "checked_in": _figures,
        "inside": {**_figures, "description": "People inside the venues now"},
        "capacity": {"type": ["integer", "null"], "description": "Seats of the event's venue"},
        "venues": {
            "type": "array",
            "items": _closed(
                {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "capacity": {"type": ["integer", "null"]},
                    "inside": _figures,
                    "share": {"type": ["integer", "null"], "description": "Percent of the capacity in use"},
                    "warning": {"type": "boolean"},
                }
            ),
        },
        "by_category": {
            "type": "object",
            "additionalProperties": _closed(
                {
                    "registered": _figures,
                    "accredited": _figures,
                    "in_person": _figures,
                    "checked_in": _figures,
                }
            ),
        },
        "by_checkpoint": {
            "type": "array",
            "items": _record(
                {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "venue_id": {"type": ["integer", "null"]},
                    "inside": _figures,
                    "in": _figures,
                    "out": _figures,
                    "refused": _figures,
                }
            ),
        },
        "gender": _closed(
            {
                "overall": _GENDERS,
                "by_category": {"type": "object", "additionalProperties": _GENDERS},
                "by_delegation": {
                    "type": "array",
                    "items": _record(
                        {"id": {"type": "integer"}, "name": {"type": "string"}},
                        additionalProperties=_figures,
                        description="The delegation, then people by gender",
                    ),
                },
            }
        ),
        "delegations_at_cap": {
            "type": "array",
            "items": _closed(
                {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "category": {"type": "string"},
                    "cap": _figures,
                    "used": _figures,
                }
            ),
        },
        "arrivals": {
            "type": "array",
            "description": "Check-ins per minute (UTC)",
            "items": _closed({"at": {"type": "string"}, "count": _figures}),
        },
        "printing": _closed(
            {
                "printers": {
                    "type": "array",
                    "items": _closed(
                        {
                            "id": {"type": "integer"},
                            "name": {"type": "string"},
                            "kind": {"type": "string", "enum": ["badge", "receipt"]},
                            "enabled": {"type": "boolean"},
                            "reachable": {"type": ["boolean", "null"]},
                            "error": {"type": ["string", "null"]},
                            **_JOB_COUNTS,
                        }
                    ),
                },
                "unreachable": _figures,
                **_JOB_COUNTS,
                "worker_stopped": {"type": "boolean"},
            }
        ),
        "kiosks": {
            "type": "array",
            "items": _closed(
                {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "state": {"type": "string", "enum": ["online", "offline", "not_enrolled", "revoked"]},
                    "last_seen_at": {"type": ["string", "null"], "format": "date-time"},
                }
            ),
        },
    }
)


class LatestFigures:
    """The last body computed per event in this process, shared by every stream watching it.

    A change wakes every open stream of an event at once; the first computes the figures and
    the others reuse them. Printing health (not counted) is refreshed at most every `ttl` seconds.
    """

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._bodies: dict[int, tuple[int, float, str, str]] = {}

    def get(self, app: Flask, event_id: int, version: int) -> tuple[str, str]:
        """The JSON body and its digest for `event_id` as of broker version `version`."""
        with self._lock:
            cached = self._bodies.get(event_id)
            if cached and cached[0] == version and time.monotonic() - cached[1] < self.ttl:
                return cached[2], cached[3]
            with app.app_context():
                try:
                    event = db.session.get(Event, event_id)
                    if event is None:
                        raise NotFound("gone")
                    body = json.dumps(
                        live_figures.with_health(db.session, event), separators=(",", ":"), sort_keys=True
                    )
                finally:
                    db.session.remove()
            digest = hashlib.sha256(body.encode()).hexdigest()[:20]
            self._bodies[event_id] = (version, time.monotonic(), body, digest)
            return body, digest


@operation(
    bp,
    "/events/<slug>/headcount",
    "GET",
    summary="The event's live figures",
    roles=WATCHERS,
    response=ref("Headcount"),
    errors=(NotFound,),
    tag="headcount",
)
def get_headcount(slug: str):
    return jsonify(live_figures.with_health(db.session, event_or_404(slug)))


@operation(
    bp,
    "/events/<slug>/stream",
    "GET",
    summary="Server-sent events: `headcount` each time a figure changes (resume with Last-Event-ID)",
    roles=WATCHERS,
    response={"type": "string", "description": "event: headcount / id: … / data: the Headcount JSON"},
    errors=(NotFound,),
    media_type="text/event-stream",
    tag="headcount",
)
def stream(slug: str):
    event_id = event_or_404(slug).id
    allowed = still_signed_in()
    db.session.remove()  # the stream must not keep a database connection
    app = current_app._get_current_object()
    last_id = request.headers.get("Last-Event-ID", "").strip()
    return Response(
        headcount_events(app, event_id, last_id, allowed),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache, no-store", "X-Accel-Buffering": "no"},
    )


def headcount_events(
    app: Flask, event_id: int, last_id: str = "", allowed: Callable[[Session], bool] | None = None
) -> Iterator[str]:
    """The stream's text: a `headcount` event whenever the figures differ from the last sent.

    Every heartbeat, `allowed` is asked whether the caller is still signed in; if not, the
    stream ends, and the browser's next one is refused.
    """
    broker: Broker = app.extensions["live"]
    latest: LatestFigures = app.extensions["live_figures"]
    heartbeat = float(app.config.get("LIVE_HEARTBEAT_SECONDS", 15))
    lifetime = float(app.config.get("LIVE_STREAM_SECONDS", 3600))
    deadline = time.monotonic() + lifetime
    yield f"retry: {int(app.config.get('LIVE_RETRY_MS', 1000))}\n\n"
    spacing = float(app.config.get("LIVE_SPACING_SECONDS", 0.25))
    sent, sent_at = last_id, 0.0
    seen = broker.version(event_id)
    check_at = time.monotonic() + heartbeat
    while not broker.closed:
        if allowed and time.monotonic() >= check_at:
            if not _still(app, allowed):
                return
            check_at = time.monotonic() + heartbeat
        try:
            body, digest = latest.get(app, event_id, seen)
        except NotFound:
            return
        if digest != sent:
            yield f"event: headcount\nid: {digest}\ndata: {body}\n\n"
            sent, sent_at = digest, time.monotonic()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return  # the browser reconnects (after `retry`) and resumes with Last-Event-ID
        now = broker.wait(event_id, seen, timeout=min(heartbeat, remaining))
        if now == seen:
            yield ": heartbeat\n\n"
        else:
            # Changes come in bursts (a queue at a door): a first change is sent at once, then
            # at most one update per `spacing`, so figures are not recomputed for every scan.
            pause = sent_at + spacing - time.monotonic()
            if pause > 0:
                time.sleep(pause)
                now = broker.version(event_id)
        seen = now


def _still(app: Flask, allowed: Callable[[Session], bool]) -> bool:
    with app.app_context():
        try:
            return allowed(db.session)
        finally:
            db.session.remove()


def init_app(app: Flask) -> None:
    """Give the application the per-process cache that its streams share."""
    app.extensions["live_figures"] = LatestFigures(ttl=float(app.config.get("LIVE_HEARTBEAT_SECONDS", 15)))
