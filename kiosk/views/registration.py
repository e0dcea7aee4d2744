"""Focal-point pages: register, edit, substitute and withdraw, signed in through the private link.

The secret appears in one address only, `/d/<secret>/`, which signs the focal point in (a
session) and redirects to `/delegation/`: the pages themselves, their links and the addresses a
browser may send as `Referer` never carry the secret.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _

from kiosk.extensions import db
from kiosk.models import Mode, Participant, Role, Status
from kiosk.services import documents, identity_details, keys, mail, photos, registration
from kiosk.services.audit import Actor
from kiosk.services.auth import (
    delegation_for_secret,
    delegation_for_session,
    end_delegation_session,
    start_delegation_session,
)
from kiosk.services.errors import NotFound
from kiosk.services.fields import LANGUAGES, PARTICIPANT_FIELDS
from kiosk.services.vocabulary import AUTHORITY_LABELS, DECISION_LABELS, DOCUMENT_KIND_LABELS
from kiosk.views.auth import session_rules
from kiosk.views.forms import (
    CsrfForm,
    identity_form,
    participant_values,
    submitted_fields,
    submitted_identity,
)
from kiosk.web import responses
from kiosk.web.pages import attempt

#: The private link itself: signs in and redirects.
link_bp = Blueprint("link", __name__)
#: The focal point's pages, reached once signed in through the link.
bp = Blueprint("registration", __name__, url_prefix="/delegation")

SESSION_KEY = "delegation"


@link_bp.get("/d/<secret>/")
def enter(secret: str) -> Response:
    """Sign the focal point in to their delegation and go to an address without the secret."""
    delegation = delegation_for_secret(db.session, secret)
    if delegation is None:
        abort(404, _("This link is not valid. Ask the secretariat for your delegation's current link."))
    key = start_delegation_session(db.session, delegation, session_rules())
    db.session.commit()
    session[SESSION_KEY] = key
    lang = request.args.get("lang")
    if lang not in current_app.config["LANGUAGES"]:
        lang = None
    target = url_for("registration.delegation", lang=lang)
    return redirect(target, 303)


@bp.before_request
def load_delegation() -> None:
    """Every page of the blueprint belongs to the delegation the focal point signed in to."""
    delegation = delegation_for_session(db.session, session.get(SESSION_KEY), session_rules())
    if delegation is None:
        session.pop(SESSION_KEY, None)
        abort(
            403,
            _(
                "Open your delegation's private link to see this page. "
                "If it no longer works, ask the secretariat for the current link."
            ),
        )
    g.delegation = delegation
    g.actor = Actor(f"delegation:{delegation.id}", Role.FOCAL_POINT, delegation.id)


def own_participant(participant_id: int) -> Participant:
    """A participant of this delegation, or 404."""
    try:
        return registration.participant_of_delegation(db.session, g.delegation.id, participant_id)
    except NotFound:
        abort(404)


def back_to_review(participant: Participant) -> str:
    """The sentence after an accredited participant's identity changed."""
    return _(
        "The changes to %(name)s are saved. %(name)s is pending again: the secretariat "
        "will review the new details before accrediting them.",
        name=participant.full_name,
    )


def new_participant_values(full: bool) -> dict[str, str]:
    """The registration form's first values: the page's language; online when no place is left."""
    values = participant_values(None)
    locale = get_locale()
    if locale is not None and locale.language in LANGUAGES:
        values["language"] = locale.language
    if full:
        values["mode"] = Mode.ONLINE.value
    return values


def render_page(status: int = 200, **context) -> tuple[str, int]:
    """The delegation page with its list, places and forms."""
    delegation = g.delegation
    used = registration.places_used(db.session, delegation.id)
    full = bool(delegation.event.cap_in_person and used >= delegation.cap)
    context.setdefault("values", new_participant_values(full))
    context.setdefault("errors", {})
    context.setdefault("document_values", {})
    context.setdefault("document_errors", {})
    return render_template(
        "registration/delegation.html",
        delegation=delegation,
        event=delegation.event,
        participants=delegation.participants,
        used=used,
        full=full,
        is_open=registration.registration_open(delegation.event),
        fields=PARTICIPANT_FIELDS,
        identity_form=identity_form(delegation.event),
        form=CsrfForm(),
        Status=Status,
        documents=documents.documents_of(db.session, delegation.id),
        missing=documents.missing(db.session, delegation),
        document_kind_labels=DOCUMENT_KIND_LABELS,
        authority_labels=AUTHORITY_LABELS,
        decision_labels=DECISION_LABELS,
        reason_text=documents.reason_text,
        **context,
    ), status


def done(message: str) -> Response:
    """Confirm to the user and go back to the list."""
    flash(message, "success")
    return redirect(url_for(".delegation"))


@bp.get("/")
def delegation():
    return render_page()


@bp.post("/sign-out")
def sign_out():
    end_delegation_session(db.session, session.pop(SESSION_KEY, None))
    db.session.commit()
    message = _("You are signed out. Open your delegation's private link to come back.")
    return render_template("error.html", title=_("Signed out"), message=message)


@bp.post("/participants")
def add():
    data = submitted_fields()
    asked = identity_details.enabled(g.delegation.event)
    details = submitted_identity() if asked else {}
    with attempt() as tried:
        checked = identity_details.clean(details, required=True) if asked else None
        participant = registration.add_participant(db.session, g.delegation, data, g.actor)
        if checked is not None:
            identity_details.store(db.session, participant, checked, g.actor)
    if refused := tried.error:
        return render_page(
            refused.status,
            error=refused.detail,
            errors=refused.errors,
            values={**data, **details},
            open_add=True,
        )
    return done(_("%(name)s has been registered.", name=participant.full_name))


def participant_form(
    participant: Participant,
    mode: str,
    values: dict[str, str],
    save: Callable[[dict], tuple[str, Participant]],
):
    """The edit or substitute form: on a valid POST, `save` applies the change and returns the
    message and the person it now concerns.

    When the event asks for identity details, the edit form shows those on file masked (the focal
    point entered them but does not read them back) and blank fields keep them; a substitute
    must give them.
    """
    form = CsrfForm()
    errors, error, status = {}, None, 200
    event = g.delegation.event
    asked = identity_details.enabled(event)
    on_file = identity_details.read(db.session, participant) if asked and mode == "edit" else None
    if request.method == "POST":
        values = submitted_fields()
        details = submitted_identity() if asked else {}
        with attempt() as tried:
            checked = identity_details.clean(details, required=on_file is None) if asked else None
            message, person = save(values)
            if checked is not None:
                identity_details.store(db.session, person, checked, g.actor)
        values = {**values, **details}
        if refused := tried.error:
            error, errors, status = refused.detail, refused.errors, refused.status
        else:
            return done(message)
    return render_template(
        "registration/participant_form.html",
        mode=mode,
        participant=participant,
        delegation=g.delegation,
        event=g.delegation.event,
        fields=PARTICIPANT_FIELDS,
        identity_form=identity_form(event),
        identity_on_file=on_file.masked(str(get_locale())) if on_file else None,
        values=values,
        errors=errors,
        error=error,
        form=form,
        Status=Status,
    ), status


@bp.route("/participants/<int:participant_id>/edit", methods=["GET", "POST"])
def edit(participant_id: int):
    participant = own_participant(participant_id)

    def save(values: dict) -> tuple[str, Participant]:
        was = participant.status
        registration.update_participant(db.session, participant, values, g.actor)
        if was == Status.ACCREDITED and participant.status == Status.PENDING:
            return back_to_review(participant), participant
        return _("The changes to %(name)s are saved.", name=participant.full_name), participant

    return participant_form(participant, "edit", participant_values(participant), save)


@bp.route("/participants/<int:participant_id>/substitute", methods=["GET", "POST"])
def substitute(participant_id: int):
    participant = own_participant(participant_id)

    def save(values: dict) -> tuple[str, Participant]:
        new = registration.substitute(db.session, participant, values, g.actor)
        return _("%(new)s replaces %(old)s.", new=new.full_name, old=participant.full_name), new

    blank = {**participant_values(None), "function": participant.function, "language": participant.language}
    return participant_form(participant, "substitute", blank, save)


@bp.post("/participants/<int:participant_id>/withdraw")
def withdraw(participant_id: int):
    participant = own_participant(participant_id)
    with attempt() as tried:
        registration.change_status(db.session, participant, Status.WITHDRAWN, g.actor)
    if refused := tried.error:
        return render_page(refused.status, error=refused.detail)
    return done(_("%(name)s has been withdrawn.", name=participant.full_name))


@bp.post("/participants/<int:participant_id>/photo")
def upload_photo(participant_id: int):
    participant = own_participant(participant_id)
    upload = request.files.get("photo")
    was = participant.status
    with attempt() as tried:
        data, kind = photos.clean_photo(
            upload.read() if upload else b"", current_app.config["PHOTO_MAX_BYTES"]
        )
        registration.set_photo(db.session, participant, data, kind, g.actor)
    if refused := tried.error:
        return render_page(refused.status, error=refused.detail)
    if was == Status.ACCREDITED and participant.status == Status.PENDING:
        return done(back_to_review(participant))
    return done(_("The photo of %(name)s is saved.", name=participant.full_name))


@bp.get("/participants/<int:participant_id>/photo")
def photo(participant_id: int):
    return responses.photo(own_participant(participant_id))


@bp.get("/participants/<int:participant_id>/qr.png")
def confirmation_qr(participant_id: int):
    participant = own_participant(participant_id)
    if participant.status != Status.ACCREDITED:
        abort(404)
    code = keys.confirmation_code(db.session, participant)
    db.session.commit()  # the event's first key may just have been created
    return Response(mail.qr_png(code), mimetype="image/png", headers={"Cache-Control": "private, no-store"})


# Credentials documents: the focal point files them; the secretariat reviews them (views/credentials.py).


def cleaned_document() -> documents.CleanFile:
    """The uploaded file, checked and rewritten (ValidationFailed otherwise)."""
    upload = request.files.get("file")
    return documents.clean_file(
        upload.read() if upload else b"",
        current_app.config["DOCUMENT_MAX_BYTES"],
        current_app.config["DOCUMENT_MAX_PAGES"],
    )


@bp.post("/documents")
def upload_document():
    data = {**request.form.to_dict(), "participant_ids": request.form.getlist("participant_ids")}
    with attempt() as tried:
        documents.add_document(db.session, g.delegation, data, cleaned_document(), g.actor)
    if refused := tried.error:
        return render_page(
            refused.status,
            document_error=refused.detail,
            document_errors=refused.errors,
            document_values=data,
        )
    flash(_("Thank you: the document is sent to the secretariat for review."), "success")
    return redirect(url_for(".delegation") + "#documents")


def own_document(document_id: int):
    """A document of this delegation, or 404."""
    try:
        return documents.document_of(db.session, document_id, delegation_id=g.delegation.id)
    except NotFound:
        abort(404)


@bp.post("/documents/<int:document_id>/file")
def replace_document(document_id: int):
    document = own_document(document_id)
    with attempt() as tried:
        documents.replace_file(db.session, document, cleaned_document(), g.actor)
    if refused := tried.error:
        return render_page(refused.status, document_error=refused.detail)
    flash(_("Thank you: the new file is sent to the secretariat for review."), "success")
    return redirect(url_for(".delegation") + "#documents")


@bp.get("/documents/<int:document_id>/file")
def document_file(document_id: int):
    return responses.document_file(own_document(document_id))
