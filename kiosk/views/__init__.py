"""The HTML pages: sign-in, focal-point pages and organizer pages."""

from __future__ import annotations

from flask import Flask
from flask_babel import get_locale

from kiosk.services.fields import CHOICE_LABELS, STATUS_LABELS
from kiosk.views import accounts, admin, auth, desk, kiosk, printers, registration

BLUEPRINTS = (auth.bp, registration.bp, admin.bp, accounts.bp, printers.bp, kiosk.bp, kiosk.admin_bp, desk.bp)


def init_app(app: Flask) -> None:
    """Register the page blueprints and what every template may use."""
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)

    @app.context_processor
    def labels() -> dict:
        return {"choice_labels": CHOICE_LABELS, "status_labels": STATUS_LABELS, "get_locale": get_locale}
