"""Organizer pages: events, delegations, participants and accreditation."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext, ngettext
from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from badges.render import BADGE_LANGUAGES
from kiosk.extensions import db
from kiosk.inputs import MAX_ID, optional_number, whole_number
from kiosk.models import STATE_CATEGORIES, Category, Delegation, Event, Mode, Participant, Role, Status
from kiosk.models.base import utcnow
from kiosk.services import (
    badging,
    countries,
    dates,
    delegations,
    documents,
    events,
    name_search,
    printing,
    registration,
)
from kiosk.services.errors import ImportFailed, NotFound
from kiosk.services.fields import CHOICE_LABELS
from kiosk.services.vocabulary import CATEGORY_LABELS, DECISION_LABELS, DOCUMENT_KIND_LABELS
from kiosk.views.auth import current_actor, staff_required
from kiosk.views.forms import CsrfForm
from kiosk.views.languages import SWITCH, set_page_url
from kiosk.web.pages import attempt, delegation_or_404, event_or_404, participant_or_404

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE_SIZE = 100
#: The bulk and per-row actions on participants, and the status each one sets.
ACTIONS = {"accredit": Status.ACCREDITED, "reject": Status.REJECTED}
DELEGATION_FIELDS = (
    ("name", lazy_pgettext("delegation", "Name")),
    ("category", _l("Category")),
    ("country", _l("Country")),
    ("cap", _l("Cap (empty: the event's default)")),
    ("focal_point_name", _l("Focal point")),
    ("focal_point_email", _l("Focal point's e-mail")),
)


@bp.context_processor
def admin_context() -> dict[str, Any]:
    return {
        "Status": Status,
        "country_name": countries.country_name,
        "country_choices": countries.country_choices,
        "badge_languages": {code: CHOICE_LABELS["language"][code] for code in BADGE_LANGUAGES},
    }


def local_input(moment: datetime | None, event: Event) -> str:
    """A moment as an input value (ISO, "2024-06-18 09:00") in the event's time zone."""
    return dates.input_moment(moment, event.tz) if moment else ""


# Events


@bp.get("/")
@staff_required(Role.ORGANIZER)
def index():
    all_events = (
        db.session.execute(select(Event).options(selectinload(Event.venue)).order_by(Event.starts_on.desc()))
        .scalars()
        .all()
    )
    counts = events.headcounts(db.session, [e.id for e in all_events])
    return render_template("admin/index.html", events=all_events, counts=counts)


def settings_values(event: Event) -> dict[str, Any]:
    return {
        "registration_opens_at": local_input(event.registration_opens_at, event),
        "registration_deadline": local_input(event.registration_deadline, event),
        "default_cap": str(event.default_cap),
        "cap_in_person": event.cap_in_person,
        "auto_accredit": event.auto_accredit,
        "identity_details": event.identity_details,
        "credentials_required": event.credentials_required,
        "contact_email": event.contact_email,
        "mail_sender": event.mail_sender,
        "badge_language": event.badge_language,
    }


def render_event(event: Event, status: int = 200, **context):
    """The event overview with its settings form and the add-a-meeting form."""
    context.setdefault("values", settings_values(event))
    context.setdefault("errors", {})
    context.setdefault("meeting_values", {})
    context.setdefault("meeting_errors", {})
    return render_template(
        "admin/event.html",
        event=event,
        count=events.headcounts(db.session, [event.id])[event.id],
        balance=events.gender_balance(db.session, event.id),
        is_open=registration.registration_open(event),
        now=utcnow(),
        form=CsrfForm(),
        **context,
    ), status


@bp.route("/events/<slug>", methods=["GET", "POST"])
@staff_required(Role.ORGANIZER)
def event(slug: str):
    event = event_or_404(slug)
    if request.method == "GET":
        return render_event(event)
    values = {
        "registration_opens_at": request.form.get("registration_opens_at", ""),
        "registration_deadline": request.form.get("registration_deadline", ""),
        "default_cap": request.form.get("default_cap", ""),
        "cap_in_person": "cap_in_person" in request.form,
        "auto_accredit": "auto_accredit" in request.form,
        "identity_details": "identity_details" in request.form,
        "credentials_required": "credentials_required" in request.form,
        "contact_email": request.form.get("contact_email", ""),
        "mail_sender": request.form.get("mail_sender", ""),
        "badge_language": request.form.get("badge_language", ""),
    }
    with attempt() as tried:
        events.update_event_settings(db.session, event, values, current_actor())
    if refused := tried.error:
        return render_event(event, refused.status, values=values, errors=refused.errors, error=refused.detail)
    flash(_("The settings of %(event)s are saved.", event=event.title), "success")
    return redirect(url_for(".event", slug=event.slug))


@bp.route("/events/new", methods=["GET", "POST"])
@staff_required(Role.ORGANIZER)
def new_event():
    values: dict[str, Any] = {"timezone": "Europe/Zurich", "default_cap": "3", "cap_in_person": True}
    errors: dict[str, list[str]] = {}
    error, status = None, 200
    if request.method == "POST":
        values = {
            **request.form.to_dict(),
            "cap_in_person": "cap_in_person" in request.form,
            "auto_accredit": "auto_accredit" in request.form,
            "identity_details": "identity_details" in request.form,
            "credentials_required": "credentials_required" in request.form,
        }
        values.pop("csrf_token", None)
        with attempt() as tried:
            created = events.create_event(db.session, values, current_actor())
        if refused := tried.error:
            error, errors, status = refused.detail, refused.errors, refused.status
        else:
            flash(
                _("The event %(title)s is created. Now add its delegations.", title=created.title), "success"
            )
            return redirect(url_for(".delegation_list", slug=created.slug))
    return render_template(
        "admin/new_event.html", values=values, errors=errors, error=error, form=CsrfForm()
    ), status


@bp.post("/events/<slug>/meetings")
@staff_required(Role.ORGANIZER)
def add_meeting(slug: str):
    event = event_or_404(slug)
    values = {name: request.form.get(name, "") for name in ("meeting_title", "starts_at", "ends_at", "room")}
    with attempt() as tried:
        events.add_meeting(db.session, event, {**values, "title": values["meeting_title"]}, current_actor())
    if refused := tried.error:
        errors = {("meeting_title" if k == "title" else k): v for k, v in refused.errors.items()}
        return render_event(
            event, refused.status, meeting_values=values, meeting_errors=errors, error=refused.detail
        )
    flash(_("The meeting %(title)s is added.", title=values["meeting_title"]), "success")
    return redirect(url_for(".event", slug=event.slug))


# Delegations


def delegation_query(event: Event, args: MultiDict) -> Select:
    query = select(Delegation).where(Delegation.event_id == event.id)
    if search := args.get("q", "").strip():
        pattern = f"%{search.lower()}%"
        query = query.where(
            or_(
                func.lower(Delegation.name).like(pattern),
                func.lower(Delegation.focal_point_name).like(pattern),
                func.lower(Delegation.country) == search.lower(),
                Delegation.country.in_(countries.matching(search)),
            )
        )
    if args.get("category") in CATEGORY_LABELS:
        query = query.where(Delegation.category == Category(args["category"]))
    return query


def render_delegations(event: Event, status: int = 200, **context):
    """The delegation list, a page of PAGE_SIZE at a time, with the add and import forms: in the
    page language's alphabetical order of the names shown (an event has a few hundred at most)."""
    found = countries.by_label(db.session.execute(delegation_query(event, request.args)).scalars())
    matching = len(found)
    pages = max(1, math.ceil(matching / PAGE_SIZE))
    page = min(optional_number(request.args, "page", 1, minimum=1, maximum=MAX_ID) or 1, pages)
    rows = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    filters = {"q": request.args.get("q", ""), "category": request.args.get("category", "")}
    context.setdefault("values", {})
    context.setdefault("errors", {})
    return render_template(
        "admin/delegations.html",
        event=event,
        delegations=rows,
        matching=matching,
        page=page,
        pages=pages,
        page_url=lambda n: url_for(
            ".delegation_list", slug=event.slug, **filter_args(filters, ("q", "category")), page=n
        ),
        total=db.session.execute(
            select(func.count()).select_from(Delegation).where(Delegation.event_id == event.id)
        ).scalar_one(),
        used=events.places_used_by_delegation(db.session, event.id),
        balance=events.gender_balance(db.session, event.id),
        filters=filters,
        fields=DELEGATION_FIELDS,
        form=CsrfForm(),
        **context,
    ), status


@bp.get("/events/<slug>/delegations")
@staff_required(Role.ORGANIZER)
def delegation_list(slug: str):
    return render_delegations(event_or_404(slug))


@bp.post("/events/<slug>/delegations")
@staff_required(Role.ORGANIZER)
def add_delegation(slug: str):
    event = event_or_404(slug)
    data = {name: request.form.get(name, "") for name, _label in DELEGATION_FIELDS}
    with attempt() as tried:
        delegation = delegations.add_delegation(db.session, event, data, current_actor())
    if refused := tried.error:
        return render_delegations(
            event, refused.status, error=refused.detail, errors=refused.errors, values=data
        )
    flash(
        _("The delegation %(of_delegation)s is added.", of_delegation=countries.of_delegation(delegation)),
        "success",
    )
    return redirect(url_for(".delegation_list", slug=event.slug))


@bp.post("/events/<slug>/delegations/import")
@staff_required(Role.ORGANIZER)
def import_delegations(slug: str):
    event = event_or_404(slug)
    upload = request.files.get("file")
    with attempt() as tried:
        if upload is None or not upload.filename:
            raise ImportFailed(_("Choose a .csv or .xlsx file to import."))
        rows = delegations.read_rows(
            upload.filename,
            upload.read(current_app.config["IMPORT_MAX_BYTES"] + 1),
            max_bytes=current_app.config["IMPORT_MAX_BYTES"],
            max_rows=current_app.config["IMPORT_MAX_ROWS"],
        )
        created = delegations.import_delegations(db.session, event, rows, current_actor())
    if refused := tried.error:
        detail = (
            refused.detail if refused.errors else _("Nothing was imported. %(detail)s", detail=refused.detail)
        )
        return render_delegations(
            event, refused.status, error=detail, import_errors=refused.errors, import_failed=True
        )
    message = ngettext(
        "%(num)d delegation was imported from %(file)s.",
        "%(num)d delegations were imported from %(file)s.",
        len(created),
        file=upload.filename,
    )
    flash(message, "success")
    return redirect(url_for(".delegation_list", slug=event.slug))


@bp.post("/events/<slug>/delegations/<int:delegation_id>/cap")
@staff_required(Role.ORGANIZER)
def set_cap(slug: str, delegation_id: int):
    event = event_or_404(slug)
    delegation = delegation_or_404(event, delegation_id)
    with attempt() as tried:
        delegations.set_cap_override(db.session, delegation, request.form.get("cap", ""), current_actor())
    if refused := tried.error:
        return render_delegations(event, refused.status, error=f"{delegation.name}: {refused.detail}")
    flash(_("The cap of %(name)s is now %(cap)d.", name=delegation.name, cap=delegation.cap), "success")
    used = registration.places_used(db.session, delegation.id)
    if event.cap_in_person and used > delegation.cap:
        flash(
            _(
                "%(name)s already has %(used)d participants in person, more than the new cap of %(cap)d. "
                "No one was removed; the focal point cannot add anyone in person until places are freed.",
                name=delegation.name,
                used=used,
                cap=delegation.cap,
            ),
            "warning",
        )
    return redirect(
        url_for(".delegation_list", slug=event.slug, **filter_args(request.form, ("q", "category", "page")))
    )


#: An example of the words after "delegation", in the language of the field it explains.
AFTER_DELEGATION_EXAMPLES = {
    "en": ("the delegation ", "of the European Union"),
    "fr": ("la délégation ", "de l'Union européenne"),
    "es": ("la delegación ", "de la Unión Europea"),
    "ru": ("делегации ", "Европейского союза"),
}


@bp.route("/events/<slug>/delegations/<int:delegation_id>/names", methods=["GET", "POST"])
@staff_required(Role.ORGANIZER)
def delegation_names(slug: str, delegation_id: int):
    """An organisation's names in the six languages, as the secretariat corrects or completes them."""
    event = event_or_404(slug)
    delegation = delegation_or_404(event, delegation_id)
    if delegation.category in STATE_CATEGORIES:
        flash(_("A State is named by its UN names; only an organisation's names can be edited."), "warning")
        return redirect(url_for(".delegation_list", slug=event.slug))
    values = delegations.names_shown(delegation)
    errors: dict[str, list[str]] = {}
    error = None
    status = 200
    if request.method == "POST":
        values = {}
        for part, language in delegations.NAME_FIELDS:
            values.setdefault(language, {})[part] = request.form.get(
                delegations.field_key(part, language), ""
            )
        with attempt() as tried:
            delegations.set_names(db.session, delegation, values, current_actor())
        if refused := tried.error:
            error, errors, status = refused.detail, refused.errors, refused.status
        else:
            flash(
                _(
                    "The names of the delegation %(of_delegation)s are saved.",
                    of_delegation=countries.of_delegation(delegation),
                ),
                "success",
            )
            return redirect(url_for(".delegation_names", slug=event.slug, delegation_id=delegation.id))
    return render_template(
        "admin/delegation_names.html",
        event=event,
        delegation=delegation,
        values=values,
        errors=errors,
        error=error,
        fields=[
            (delegations.field_key(part, language), part, language, label)
            for (part, language), label in delegations.NAME_FIELDS.items()
        ],
        examples=AFTER_DELEGATION_EXAMPLES,
        known=countries.organization(delegation.name) is not None,
        languages=SWITCH,
        of_delegation=countries.of_delegation,
        form=CsrfForm(),
    ), status


@bp.post("/events/<slug>/delegations/<int:delegation_id>/link")
@staff_required(Role.ORGANIZER)
def new_link(slug: str, delegation_id: int):
    event = event_or_404(slug)
    delegation = delegation_or_404(event, delegation_id)
    secret = delegations.issue_private_link(db.session, delegation, current_actor())
    db.session.commit()
    link = url_for("link.enter", secret=secret, _external=True)
    response = render_template("admin/link.html", event=event, delegation=delegation, link=link)
    return response, 200, {"Cache-Control": "no-store"}


# Participants


def filter_args(source: MultiDict, names: tuple[str, ...]) -> dict[str, str]:
    """The non-empty filters among `names` in a query string or a form."""
    return {name: source.get(name, "") for name in names if source.get(name, "")}


PARTICIPANT_FILTERS = ("delegation", "status", "category", "mode", "q", "page")


def participant_query(event: Event, args: MultiDict) -> Select:
    query = (
        select(Participant)
        .join(Participant.delegation)
        .where(Participant.event_id == event.id)
        .options(selectinload(Participant.delegation))
    )
    if (delegation_id := optional_number(args, "delegation", minimum=1)) is not None:
        query = query.where(Participant.delegation_id == delegation_id)
    if args.get("status") in {s.value for s in Status}:
        query = query.where(Participant.status == Status(args["status"]))
    if args.get("category") in CATEGORY_LABELS:
        query = query.where(Delegation.category == Category(args["category"]))
    if args.get("mode") in {m.value for m in Mode}:
        query = query.where(Participant.mode == Mode(args["mode"]))
    if search := args.get("q", "").strip():
        query = query.where(Participant.id.in_(name_search.search_ids(db.session, event.id, search)))
    return query


def render_participants(event: Event, args: MultiDict, status: int = 200, **context):
    """A page of the event's participants: delegations in the page language's alphabetical order of
    the names shown (ranked here, ordered in SQL by that rank), then family and given name."""
    query = participant_query(event, args)
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(optional_number(args, "page", 1, minimum=1, maximum=MAX_ID) or 1, pages)
    delegations = countries.by_label(
        db.session.execute(select(Delegation).where(Delegation.event_id == event.id)).scalars()
    )
    ranks = {d.id: rank for rank, d in enumerate(delegations)}
    rank = case(ranks, value=Participant.delegation_id, else_=-1) if ranks else Participant.delegation_id
    rows = (
        db.session.execute(
            query.order_by(rank, Participant.family_name, Participant.given_name, Participant.id)
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
        .scalars()
        .all()
    )
    filters = filter_args(args, PARTICIPANT_FILTERS[:-1])
    context.setdefault("selected", set())
    set_page_url(url_for(".participants", slug=event.slug, **filters, **({"page": page} if page > 1 else {})))
    return render_template(
        "admin/participants.html",
        event=event,
        participants=rows,
        named_in=documents.naming(db.session, [p.id for p in rows]),
        document_kind_labels=DOCUMENT_KIND_LABELS,
        decision_labels=DECISION_LABELS,
        total=total,
        page=page,
        pages=pages,
        filters=filters,
        page_url=lambda n: url_for(".participants", slug=event.slug, **filters, page=n),
        all_delegations=[(d.id, countries.label(d)) for d in delegations],
        form=CsrfForm(),
        **context,
    ), status


@bp.get("/events/<slug>/participants")
@staff_required(Role.ORGANIZER)
def participants(slug: str):
    return render_participants(event_or_404(slug), request.args)


@bp.post("/events/<slug>/participants/status")
@staff_required(Role.ORGANIZER)
def change_status(slug: str):
    """Accredit or reject the selected participants (or one, from its row), all or none."""
    event = event_or_404(slug)
    if single := request.form.get("single", ""):
        action, _sep, ident = single.partition(":")
        ids = [whole_number(ident, "single", minimum=1)] if ident else []
    else:
        action = request.form.get("action", "")
        ids = sorted({whole_number(i, "ids", minimum=1) for i in request.form.getlist("ids")})
    back = url_for(".participants", slug=event.slug, **filter_args(request.form, PARTICIPANT_FILTERS))
    if action not in ACTIONS:
        abort(400)
    if not ids:
        flash(_("Select at least one participant first."), "warning")
        return redirect(back)
    new = ACTIONS[action]
    with attempt() as tried:  # all or none
        chosen = registration.change_statuses(db.session, event.id, ids, new, current_actor())
    refused = tried.error
    if isinstance(refused, NotFound):
        abort(404)
    if refused is not None and not isinstance(refused, registration.StatusChangeRefused):
        raise refused
    if refused:
        name, failed_id = refused.participant.full_name, refused.participant.id
        if new == Status.ACCREDITED:
            failed = _("%(name)s could not be accredited: %(reason)s", name=name, reason=refused.detail)
        else:
            failed = _("%(name)s could not be rejected: %(reason)s", name=name, reason=refused.detail)
        message = failed
        if len(ids) > 1:
            message = ngettext(
                "Nothing was changed: the %(num)d selected participant was not updated. %(failed)s",
                "Nothing was changed: none of the %(num)d selected participants were updated. %(failed)s",
                len(ids),
                failed=failed,
            )
        return render_participants(
            event, request.form, refused.status, error=message, selected=set(ids), failed_id=failed_id
        )
    if new == Status.ACCREDITED:
        done = ngettext("%(num)d participant accredited.", "%(num)d participants accredited.", len(chosen))
    else:
        done = ngettext("%(num)d participant rejected.", "%(num)d participants rejected.", len(chosen))
    flash(done, "success")
    return redirect(back)


# Badges of accredited participants


def back_to_list(event: Event) -> Response:
    """Return to the participant list the action came from."""
    target = request.args.get("next", "")
    if not target.startswith("/admin/") or target.startswith("//"):
        target = url_for(".participants", slug=event.slug)
    return redirect(target)


@bp.get("/events/<slug>/participants/<int:participant_id>/badge.png")
@staff_required(Role.ORGANIZER)
def badge_png(slug: str, participant_id: int):
    participant = participant_or_404(event_or_404(slug), participant_id)
    with attempt() as tried:
        png = badging.badge_png(db.session, participant)
    if refused := tried.error:
        abort(409, refused.detail)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, no-store"})


def badge_action(slug: str, participant_id: int, act: Callable[[Participant], str]) -> Response:
    """Run one badge action for a participant, commit, and show its message (or the refusal)."""
    event = event_or_404(slug)
    participant = participant_or_404(event, participant_id)
    with attempt() as tried:
        message = act(participant)
    if refused := tried.error:
        flash(refused.detail, "error")
        return back_to_list(event)
    flash(message, "success")
    return back_to_list(event)


@bp.post("/events/<slug>/participants/<int:participant_id>/print-badge")
@staff_required(Role.ORGANIZER)
def print_badge(slug: str, participant_id: int):
    def act(participant: Participant) -> str:
        job = printing.queue_print(db.session, participant, "badge")
        return _(
            "The badge of %(name)s is queued on %(printer)s.",
            name=participant.full_name,
            printer=printing.shown_name(job.printer),
        )

    return badge_action(slug, participant_id, act)


@bp.post("/events/<slug>/participants/<int:participant_id>/reissue")
@staff_required(Role.ORGANIZER)
def reissue_badge(slug: str, participant_id: int):
    def act(participant: Participant) -> str:
        badging.reissue_badge(db.session, participant, current_actor())
        return _(
            "%(name)s has a new badge, number %(number)s; the earlier badge no longer opens doors.",
            name=participant.full_name,
            number=badging.badge_number(participant),
        )

    return badge_action(slug, participant_id, act)
