"""The kiosk: enrolling a screen, then the self-service pages (language, scan or find, confirm, print).

Also the organizer's page for kiosks (/admin/kiosks/): enrol, change printers, revoke.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kiosk.extensions import db
from kiosk.models import Event, Kiosk, Printer, PrinterKind, Role
from kiosk.services import kiosk_codes, kiosks
from kiosk.views.auth import current_actor, staff_required
from kiosk.views.forms import CsrfForm
from kiosk.web.callers import KIOSK_COOKIE, kiosk_from_cookie
from kiosk.web.pages import attempt

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")
admin_bp = Blueprint("kiosk_admin", __name__, url_prefix="/admin/kiosks")

#: The six languages of the UN, each named in itself, in the order of their English names.
LANGUAGES = (
    ("ar", "العربية"),
    ("zh", "中文"),
    ("en", "English"),
    ("fr", "Français"),
    ("ru", "Русский"),
    ("es", "Español"),
)
#: Seconds without a touch before the kiosk returns to the start.
IDLE_SECONDS = 45
#: Seconds without a touch on the screen where the person types the code e-mailed (reading mail takes time).
CODE_IDLE_SECONDS = 180
#: Seconds the "printed" screen stays before the kiosk returns to the start by itself.
DONE_SECONDS = 10
#: A cookie that outlives the meeting: about 400 days, the most browsers keep.
COOKIE_MAX_AGE = 400 * 24 * 3600
#: The on-screen keyboards: Latin always (e-mail addresses, references, most names); Arabic and
#: Cyrillic letters too on the pages in those languages, for names written in them.
KEYBOARDS = {
    "latin": ("1234567890", "QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM"),
    "arabic": ("ضصثقفغعهخحجد", "شسيبلاتنمكط", "ئءؤرىةوزظذ", "أإآ"),
    "cyrillic": ("ЙЦУКЕНГШЩЗХЪ", "ФЫВАПРОЛДЖЭ", "ЯЧСМИТЬБЮЁ"),
}
#: Keys under every layout.
KEYBOARD_COMMON = "@.-_'"
#: The keyboard shown first on the pages of each language, and the name of its switch key.
KEYBOARD_OF_LANGUAGE = {"ar": "arabic", "ru": "cyrillic"}
KEYBOARD_NAMES = {"latin": "ABC", "arabic": "أبجد", "cyrillic": "АБВ"}


def keyboard_layouts(language: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """(name, switch label, rows) of the keyboards of a page in `language`, the first shown first."""
    names = [KEYBOARD_OF_LANGUAGE[language], "latin"] if language in KEYBOARD_OF_LANGUAGE else ["latin"]
    return [(name, KEYBOARD_NAMES[name], KEYBOARDS[name]) for name in names]


@bp.after_request
def no_store(response):
    """Kiosk pages show names: never keep them in a cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _not_enrolled():
    """This browser is not an enrolled kiosk (or its kiosk was revoked): a sentence, not the kiosk."""
    return render_template("kiosk/not_enrolled.html", languages=LANGUAGES), 403


@bp.get("/")
def start():
    kiosk = kiosk_from_cookie()
    if kiosk is None:
        return _not_enrolled()
    kiosks.mark_seen(kiosk)
    db.session.commit()
    session.pop("lang", None)
    return render_template(
        "kiosk/languages.html",
        kiosk=kiosk,
        languages=LANGUAGES,
        idle_seconds=current_app.config.get("KIOSK_IDLE_SECONDS", IDLE_SECONDS),
    )


@bp.get("/flow")
def flow():
    kiosk = kiosk_from_cookie()
    if kiosk is None:
        return _not_enrolled()
    return render_template(
        "kiosk/flow.html",
        kiosk=kiosk,
        event=kiosk.event,
        idle_seconds=current_app.config.get("KIOSK_IDLE_SECONDS", IDLE_SECONDS),
        done_seconds=current_app.config.get("KIOSK_DONE_SECONDS", DONE_SECONDS),
        keyboards=keyboard_layouts(get_locale().language if get_locale() else "en"),
        keyboard_common=KEYBOARD_COMMON,
        strings=flow_strings(),
        code_minutes=current_app.config.get("KIOSK_CODE_MINUTES", kiosk_codes.DEFAULT_MINUTES),
        code_idle_seconds=current_app.config.get("KIOSK_CODE_IDLE_SECONDS", CODE_IDLE_SECONDS),
    )


def flow_strings() -> dict[str, str]:
    """Sentences kiosk.js shows, in the page's language (%(…)s is filled in by the script)."""
    return {
        "collect": _("Collect your badge at %(printer)s."),
        "collect_receipt": _("Your receipt comes out of %(printer)s."),
        "printing": _("Printing…"),
        "printed": _("Printed. Take your badge and your receipt. Welcome!"),
        "printer_waiting": _(
            "The printer is not answering. Your badge waits in the queue: please go to the registration desk."
        ),
        "print_failed": _("Your badge could not be printed. Please go to the registration desk."),
        "no_printer": _("No badge printer is set up for this kiosk. Please go to the registration desk."),
        "network": _("The kiosk cannot reach the server. Please try again, or go to the registration desk."),
        "error": _("Something went wrong. Please go to the registration desk."),
        "out_of_service": _("This kiosk is out of service. Please go to the registration desk."),
        "nobody": _("No one found. Check the spelling, or please go to the registration desk."),
        "people_in": _("%(delegation)s: choose your name"),
        "camera_off": _("No camera: use the scanner below the screen."),
        "code_again": _("We sent you a new code. Type the newest one."),
    }


@bp.route("/enrol/<secret>", methods=["GET", "POST"])
def enrol(secret: str):
    with attempt() as tried:
        kiosk = kiosks.kiosk_for_enrolment(db.session, secret)
    if refused := tried.error:
        return render_template("kiosk/enrol.html", error=refused.detail, kiosk=None), 404
    if request.method == "POST":
        device_secret = kiosks.enrol(db.session, kiosk)
        db.session.commit()
        response = redirect(url_for("kiosk.start"))
        response.set_cookie(
            KIOSK_COOKIE,
            device_secret,
            max_age=COOKIE_MAX_AGE,
            httponly=True,
            samesite="Strict",
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE", True)),
            path="/",
        )
        return response
    return render_template("kiosk/enrol.html", kiosk=kiosk, form=CsrfForm())


# --- organizer page -------------------------------------------------------------------------


def kiosk_or_404(kiosk_id: int) -> Kiosk:
    kiosk = db.session.get(Kiosk, kiosk_id)
    if kiosk is None:
        abort(404)
    return kiosk


def render_admin(status: int = 200, **context: Any):
    events = db.session.execute(select(Event).order_by(Event.starts_on.desc())).scalars().all()
    all_kiosks = (
        db.session.execute(
            select(Kiosk)
            .options(
                selectinload(Kiosk.event),
                selectinload(Kiosk.badge_printer),
                selectinload(Kiosk.receipt_printer),
            )
            .order_by(Kiosk.event_id, Kiosk.name)
        )
        .scalars()
        .all()
    )
    printers = db.session.execute(select(Printer).order_by(Printer.name)).scalars().all()
    return (
        render_template(
            "admin/kiosks.html",
            events=events,
            kiosks=all_kiosks,
            badge_printers=[p for p in printers if p.kind == PrinterKind.BADGE],
            receipt_printers=[p for p in printers if p.kind == PrinterKind.RECEIPT],
            form=CsrfForm(),
            **context,
        ),
        status,
    )


@admin_bp.get("/")
@staff_required(Role.ORGANIZER)
def index():
    return render_admin()


@admin_bp.post("/")
@staff_required(Role.ORGANIZER)
def create():
    event = db.session.get(Event, request.form.get("event_id", type=int) or 0)
    if event is None:
        return render_admin(422, error=_("Choose the event of the kiosk."), values=request.form)
    with attempt() as tried:
        kiosk = kiosks.save_kiosk(db.session, None, event, request.form, current_actor())
        secret = kiosks.enrolment_link_secret(db.session, kiosk, current_actor())
    if refused := tried.error:
        return render_admin(422, error=refused.detail, errors=refused.errors, values=request.form)
    return render_admin(link=url_for("kiosk.enrol", secret=secret, _external=True), link_kiosk=kiosk)


@admin_bp.post("/<int:kiosk_id>")
@staff_required(Role.ORGANIZER)
def update(kiosk_id: int):
    kiosk = kiosk_or_404(kiosk_id)
    with attempt() as tried:
        kiosks.save_kiosk(db.session, kiosk, kiosk.event, request.form, current_actor())
    if refused := tried.error:
        return render_admin(422, error=refused.detail)
    flash(_("%(name)s saved.", name=kiosk.name), "success")
    return redirect(url_for("kiosk_admin.index"))


@admin_bp.post("/<int:kiosk_id>/link")
@staff_required(Role.ORGANIZER)
def new_link(kiosk_id: int):
    kiosk = kiosk_or_404(kiosk_id)
    secret = kiosks.enrolment_link_secret(db.session, kiosk, current_actor())
    db.session.commit()
    return render_admin(link=url_for("kiosk.enrol", secret=secret, _external=True), link_kiosk=kiosk)


@admin_bp.post("/<int:kiosk_id>/revoke")
@staff_required(Role.ORGANIZER)
def revoke(kiosk_id: int):
    kiosk = kiosk_or_404(kiosk_id)
    kiosks.revoke(db.session, kiosk, current_actor())
    db.session.commit()
    flash(_("%(name)s no longer works as a kiosk.", name=kiosk.name), "success")
    return redirect(url_for("kiosk_admin.index"))
