"""The secretariat's live dashboard of an event: figures pushed by the event stream."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import pgettext
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import Category, Delegation, Gender, Role
from kiosk.services import countries, live_figures
from kiosk.services.fields import CHOICE_LABELS
from kiosk.services.vocabulary import CATEGORY_LABELS
from kiosk.views.auth import staff_required
from kiosk.views.secretariat import bp
from kiosk.web.pages import event_or_404


def page_texts() -> dict[str, object]:
    """The words the dashboard's script shows, translated for the page."""
    return {
        "live": _("Live: figures change as people arrive."),
        "reconnecting": _("Connection lost. Reconnecting…"),
        "signed_out": _("You are signed out: the figures no longer change."),
        "sign_in_again": _("Sign in again"),
        "categories": {c.value: str(CATEGORY_LABELS[c.value]) for c in Category},
        "category_order": [c.value for c in Category],
        "genders": {g.value: str(CHOICE_LABELS["gender"][g.value]) for g in Gender},
        "no_capacity": _("capacity unknown"),
        "of_capacity": _("%(inside)s of %(capacity)s seats (%(share)s %%)"),
        "warning": _("%(venue)s is at %(share)s %% of its capacity."),
        "nobody": pgettext("list", "None"),
        "all": _("All participants"),
        "worker_stopped": _("The print worker has stopped: badges will not print."),
        "unreachable": _("Unreachable"),
        "reachable": _("Reachable"),
        "unchecked": _("Not checked yet"),
        "disabled": _("Disabled"),
        "arrivals": _("Check-ins"),
        "kiosk_states": {
            "online": pgettext("kiosk", "Online"),
            "offline": pgettext("kiosk", "Offline"),
            "not_enrolled": pgettext("kiosk", "Not enrolled"),
            "revoked": pgettext("kiosk", "Revoked"),
        },
        "no_arrivals": _("No check-in yet."),
    }


@bp.get("/events/<slug>/dashboard")
@staff_required(Role.ORGANIZER)
def live(slug: str):
    event = event_or_404(slug)
    initial = live_figures.with_health(db.session, event)
    db.session.commit()
    config = {
        "stream": url_for("api_headcount.stream", slug=event.slug),
        "headcount": url_for("api_headcount.get_headcount", slug=event.slug),
        "sign_in": url_for("auth.login", next=request.path),
        "timezone": event.timezone,
        "texts": page_texts(),
        "figures": initial,
        # The live figures name delegations as registered (every watcher shares them): the page
        # shows them in its own language (States by their UN name).
        "delegation_names": countries.delegation_labels(
            db.session.execute(
                select(
                    Delegation.id, Delegation.name, Delegation.category, Delegation.country, Delegation.names
                ).where(Delegation.event_id == event.id)
            )
        ),
    }
    return render_template("dashboard/live.html", event=event, figures=initial, config=config)
