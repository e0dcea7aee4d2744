"""A new private link for a delegation: asked for, issued, and e-mailed if wanted."""

from __future__ import annotations

from flask import flash, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from kiosk.extensions import db
from kiosk.models import Role
from kiosk.services import delegations, mail
from kiosk.views.auth import current_actor, staff_required
from kiosk.views.forms import CsrfForm
from kiosk.views.secretariat import bp
from kiosk.web.pages import delegation_or_404, event_or_404

# A new private link for a delegation


@bp.route("/events/<slug>/delegations/<int:delegation_id>/new-link", methods=["GET", "POST"])
@staff_required(Role.ORGANIZER)
def confirm_new_link(slug: str, delegation_id: int):
    """Ask before issuing a new private link; then issue it and, if asked, e-mail it to the focal point."""
    event = event_or_404(slug)
    delegation = delegation_or_404(event, delegation_id)
    if request.method == "GET":
        return render_template(
            "dashboard/link_confirm.html", event=event, delegation=delegation, form=CsrfForm()
        )
    secret = delegations.issue_private_link(db.session, delegation, current_actor())
    link = url_for("link.enter", secret=secret, _external=True)
    sent = request.form.get("send_email") == "yes" and mail.queue_private_link(
        db.session, delegation, link, get_locale().language if get_locale() else "en"
    )
    db.session.commit()
    if sent:
        flash(_("The new link was e-mailed to %(email)s.", email=delegation.focal_point_email), "success")
    response = render_template("admin/link.html", event=event, delegation=delegation, link=link)
    return response, 200, {"Cache-Control": "no-store"}
