"""The door pages: the officers' scanner (works offline) and the organizers' checkpoints and headcount."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, ngettext, pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import CheckpointDirection, Event, Role, Venue
from kiosk.models.base import utcnow
from kiosk.services import counters, dates, door, exports
from kiosk.services.vocabulary import CATEGORY_LABELS
from kiosk.views.auth import current_actor, staff_required
from kiosk.web.pages import attempt, event_or_404

bp = Blueprint("door", __name__, url_prefix="/door")
admin_bp = Blueprint("door_admin", __name__, url_prefix="/admin/events/<slug>/door")

DIRECTION_LABELS = {
    CheckpointDirection.IN.value: _l("Entrance only"),
    CheckpointDirection.OUT.value: _l("Exit only"),
    CheckpointDirection.BOTH.value: _l("Entrance and exit"),
}
WORKER = Path(__file__).resolve().parent.parent.parent / "static" / "js" / "door-sw.js"


def plural_forms(render: Callable[[int], str]) -> dict[str, str]:
    """A counted sentence for each plural category of the page's language (Intl.PluralRules picks one)."""
    locale = get_locale()
    forms: dict[str, str] = {}
    for n in range(200):
        forms.setdefault(locale.plural_form(n) if locale else ("one" if n == 1 else "other"), render(n))
    return forms


def scanner_strings() -> dict[str, Any]:
    """Every word the scanner page shows from JavaScript, in the officer's language.

    Placeholders stay %(name)s, as gettext writes them; static/js/messages.js fills them in.
    """
    return {
        "accepted": _("ACCEPTED"),
        "refused": _("REFUSED"),
        "reasons": {reason: str(text) for reason, text in door.REASON_TEXT.items()},
        "categories": {key: str(label) for key, label in CATEGORY_LABELS.items()},
        "in": _("In"),
        "out": _("Out"),
        "online": pgettext("kiosk", "Online"),  # connected, as a kiosk is: not "participating online"
        "offline": _("Offline: badges are checked on this device."),
        "queued": plural_forms(
            lambda n: ngettext(
                "%(count)s scan waiting to be sent.",
                "%(count)s scans waiting to be sent.",
                n,
                count="%(count)s",
            )
        ),
        "bundle_at": _("Badge list updated at %(time)s."),
        "bundle_never": _("The badge list has not been loaded yet: badges cannot be checked offline."),
        "inside_now": plural_forms(
            lambda n: ngettext(
                "%(count)s person inside now", "%(count)s people inside now", n, count="%(count)s"
            )
        ),
        "camera_failed": _("The camera could not be started. Use a hand scanner or allow the camera."),
        "ready": _("Ready: show the next badge."),
        "server_error": _("The server refused the scan: %(detail)s"),
        "signed_out": _("You are signed out: this device no longer checks badges. Sign in again."),
        "evacuation_note": plural_forms(
            lambda n: ngettext(
                "%(count)s person inside, from the badge list of %(time)s and this device’s scans since.",
                "%(count)s people inside, from the badge list of %(time)s and this device’s scans since.",
                n,
                count="%(count)s",
                time="%(time)s",
            )
        ),
    }


@bp.get("/")
@staff_required(Role.SECURITY, Role.ORGANIZER)
def index():
    events = db.session.execute(select(Event).order_by(Event.starts_on.desc())).scalars().all()
    if len(events) == 1:
        return redirect(url_for("door.scanner", slug=events[0].slug))
    return render_template("door/index.html", events=events)


@bp.get("/<slug>/")
@staff_required(Role.SECURITY, Role.ORGANIZER)
def scanner(slug: str):
    event = event_or_404(slug)
    checkpoints = door.event_checkpoints(db.session, event, active_only=True)
    response = Response(
        render_template(
            "door/scanner.html",
            event=event,
            checkpoints=[door.checkpoint_json(event, c) for c in checkpoints],
            strings=scanner_strings(),
        )
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/sw.js")
def service_worker():
    """The scanner's service worker, allowed to control every page under /door/."""
    response = Response(WORKER.read_bytes(), mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/door/"
    response.headers["Cache-Control"] = "no-cache"
    return response


# --- organizers ----------------------------------------------------------------------------------


@admin_bp.context_processor
def door_context() -> dict[str, Any]:
    return {
        "direction_labels": DIRECTION_LABELS,
        "category_labels": CATEGORY_LABELS,
        "format_clock": dates.format_clock,
    }


@admin_bp.get("/")
@staff_required(Role.ORGANIZER)
def checkpoints(slug: str):
    event = event_or_404(slug)
    figures = counters.values(db.session, event.id, "inside:")
    scans = counters.values(db.session, event.id, "scans:")
    return render_template(
        "door/checkpoints.html",
        event=event,
        checkpoints=door.event_checkpoints(db.session, event),
        venues=door.venues_of(db.session, event),
        figures=figures,
        scans=scans,
        conflicts=door.conflicts(db.session, event),
        all_venues=db.session.execute(select(Venue).order_by(Venue.name)).scalars().all(),
        reason_texts={reason: str(text) for reason, text in door.REASON_TEXT.items()},
    )


def _save(slug: str, checkpoint_id: int | None):
    event = event_or_404(slug)
    checkpoint = door.get_checkpoint(db.session, event, checkpoint_id) if checkpoint_id else None
    form = request.form
    with attempt() as tried:
        saved = door.save_checkpoint(
            db.session,
            event,
            checkpoint,
            name=form.get("name", ""),
            direction=form.get("direction", ""),
            anti_passback=form.get("anti_passback") == "1",
            meeting_ids=[int(m) for m in form.getlist("meetings") if m.isdigit()],
            venue_id=int(form["venue"]) if form.get("venue", "").isdigit() else None,
            active="1" in form.getlist("active"),
        )
    if refused := tried.error:
        flash(refused.detail + " " + " ".join(m for ms in refused.errors.values() for m in ms), "error")
        return redirect(url_for("door_admin.checkpoints", slug=slug))
    flash(_("Checkpoint “%(name)s” saved.", name=saved.name), "success")
    return redirect(url_for("door_admin.checkpoints", slug=slug))


@admin_bp.post("/checkpoints")
@staff_required(Role.ORGANIZER)
def add_checkpoint(slug: str):
    return _save(slug, None)


@admin_bp.post("/checkpoints/<int:checkpoint_id>")
@staff_required(Role.ORGANIZER)
def edit_checkpoint(slug: str, checkpoint_id: int):
    return _save(slug, checkpoint_id)


@admin_bp.post("/conflicts/<int:scan_id>/resolve")
@staff_required(Role.ORGANIZER)
def resolve_conflict(slug: str, scan_id: int):
    event = event_or_404(slug)
    with attempt() as tried:
        door.resolve_conflict(db.session, event, scan_id, current_actor(), current_user.id)
    if refused := tried.error:
        flash(refused.detail, "error")
    else:
        flash(_("The conflict is marked resolved."), "success")
    return redirect(url_for("door_admin.checkpoints", slug=slug, _anchor="conflicts"))


def _venue(event: Event) -> tuple[int, str]:
    venues = door.venues_of(db.session, event)
    asked = request.args.get("venue", type=int)
    if asked is not None and asked in venues:
        return asked, venues[asked]
    if not venues:
        return 0, _("Venue")
    first = next(iter(venues))
    return first, venues[first]


@admin_bp.get("/inside")
@staff_required(Role.ORGANIZER)
def inside(slug: str):
    event = event_or_404(slug)
    venue_id, venue_name = _venue(event)
    people = door.who_is_inside(db.session, event, venue_id)
    return render_template(
        "door/inside.html",
        event=event,
        venue_id=venue_id,
        venue_name=venue_name,
        venues=door.venues_of(db.session, event),
        people=people,
        printed_at=dates.format_moment(utcnow(), event.tz),
        printable=request.args.get("print") == "1",
    )


@admin_bp.get("/inside.csv")
@staff_required(Role.ORGANIZER)
def inside_csv(slug: str):
    event = event_or_404(slug)
    venue_id, _venue_name = _venue(event)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [_("Family name"), _("Given name"), _("Delegation"), _("Category"), _("Entered through"), _("Since")]
    )
    for person in door.who_is_inside(db.session, event, venue_id):
        writer.writerow(
            [
                _csv_safe(person["family_name"]),
                _csv_safe(person["given_name"]),
                _csv_safe(person["delegation"]),
                str(CATEGORY_LABELS.get(person["category"], person["category"])),
                _csv_safe(person["checkpoint"]),
                dates.machine_moment(person["since"], event.tz)[:16],
            ]
        )
    response = Response("\ufeff" + out.getvalue(), content_type=exports.CSV_CONTENT_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="inside-{event.slug}-{venue_id}.csv"'
    response.headers["Cache-Control"] = "no-store"
    current_app.logger.info("evacuation list exported for event %s venue %s", event.slug, venue_id)
    return response


def _csv_safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
