"""The blueprint of the secretariat's pages under /admin, shared by the modules named for what they show.

Its name stays "dashboard" (every `url_for("dashboard.…")` and the access table use it); the
pages themselves live in dashboard (live figures), audit, participant_page, downloads, imports,
private_links, event_details and venues.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint

from kiosk.models import Event
from kiosk.services.dates import format_stamp
from kiosk.services.door import REASON_TEXT
from kiosk.services.vocabulary import JOB_STATUS_LABELS
from kiosk.views.admin import admin_context

bp = Blueprint("dashboard", __name__, url_prefix="/admin")
bp.context_processor(admin_context)


@bp.context_processor
def dashboard_context() -> dict[str, Any]:
    return {"clock": clock, "job_status_labels": JOB_STATUS_LABELS, "reason_text": REASON_TEXT}


def clock(moment: datetime | None, event: Event) -> str:
    """A moment to the second in the event's zone, e.g. "18 June 2024, 09:15:02" (the page names the zone)."""
    if moment is None:
        return ""
    return format_stamp(moment, event.tz, seconds=True)
