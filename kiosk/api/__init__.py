"""The JSON API under /api/v1 (see shared/API.md): bearer tokens, problem+json errors."""

from __future__ import annotations

from flask import Flask

from kiosk.api import badges, checkin, credentials, door, headcount, meta, registration
from kiosk.extensions import csrf
from kiosk.web import api as entry

BLUEPRINTS = (meta.bp, registration.bp, credentials.bp, badges.bp, checkin.bp, door.bp, headcount.bp)


def init_app(app: Flask) -> None:
    """Register the API blueprints; they use bearer tokens, so no CSRF cookie applies."""
    for bp in BLUEPRINTS:
        csrf.exempt(bp)
        app.register_blueprint(bp)
    headcount.init_app(app)
    entry.init_app(app)
