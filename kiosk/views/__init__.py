"""The HTML pages: sign-in, focal-point pages and organizer pages."""

from __future__ import annotations

import re

from flask import Flask
from flask_babel import get_locale
from markupsafe import Markup

from badges.text import is_rtl, word_direction
from kiosk.services import countries, dates, identity_details, titles, vocabulary
from kiosk.services.fields import CHOICE_LABELS
from kiosk.views import (
    accounts,
    admin,
    audit,
    auth,
    credentials,
    dashboard,
    desk,
    door,
    downloads,
    event_details,
    health,
    imports,
    kiosk,
    languages,
    participant_page,
    printers,
    private_links,
    registration,
    second_factor,
    secretariat,
    venues,
)

#: The modules that add their pages to the secretariat's blueprint (`secretariat.bp`).
SECRETARIAT_PAGES = (
    dashboard,
    audit,
    participant_page,
    downloads,
    imports,
    private_links,
    event_details,
    venues,
    credentials,
)

BLUEPRINTS = (
    health.bp,
    auth.bp,
    second_factor.bp,
    registration.link_bp,
    registration.bp,
    admin.bp,
    accounts.bp,
    printers.bp,
    kiosk.bp,
    kiosk.admin_bp,
    desk.bp,
    door.bp,
    door.admin_bp,
    secretariat.bp,
)


def isolated(text: str | None) -> Markup:
    """Typed text (a name) isolated in a <bdi>, in the direction the badge prints it (most of its
    letters: `badges.text.is_rtl`), so "H.E. Mr. أحمد الحداد" has its title on the same side on
    every page as on the badge; in a right-to-left text each group of left-to-right words is
    isolated too, as on the badge, or plain bidi would show ".H.E. Mr". `static/js/bidi.js` does
    the same on the kiosk and the door."""
    text = text or ""
    if not is_rtl(text):
        return Markup('<bdi dir="ltr">{}</bdi>').format(text)
    pieces: list[str] = []
    group: list[str] = []  # the left-to-right words being gathered, with the spaces between them
    spaces, before = "", None
    for token in re.findall(r"\S+|\s+", text):
        if token.isspace():
            spaces += token
            continue
        direction = word_direction(token) or before  # a word without letters joins the one before it
        if direction == "L":
            (group if group else pieces).append(spaces)
            group.append(token)
        else:
            if group:
                pieces.append(Markup('<bdi dir="ltr">{}</bdi>').format("".join(group)))
                group = []
            pieces += [spaces, token]
        spaces, before = "", direction
    if group:
        pieces.append(Markup('<bdi dir="ltr">{}</bdi>').format("".join(group)))
    pieces.append(spaces)
    return Markup('<bdi dir="rtl">{}</bdi>').format(Markup("").join(pieces))


def init_app(app: Flask) -> None:
    """Register the page blueprints and what every template may use."""
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)

    @app.get("/favicon.ico")
    def favicon():
        """The icon browsers and tools ask for at the root (pages link static/favicon.svg)."""
        response = app.send_static_file("favicon.ico")
        response.cache_control.public = True
        response.cache_control.max_age = 86400
        return response

    # Globals rather than context: the form macros are imported without the page's context.
    app.jinja_env.globals.update(
        title_choices=lambda: titles.choices(titles.current_language()),
        title_form=lambda title, gender=None: titles.form(title, titles.current_language(), gender),
        titled_name=titles.participant_name,
    )
    app.jinja_env.filters["isolated"] = isolated

    @app.context_processor
    def labels() -> dict:
        return {
            "choice_labels": CHOICE_LABELS,
            "status_labels": vocabulary.STATUS_LABELS,
            "category_labels": vocabulary.CATEGORY_LABELS,
            "role_labels": vocabulary.ROLE_LABELS,
            "kind_labels": vocabulary.KIND_LABELS,
            "identity_labels": identity_details.LABELS,
            "functions": vocabulary.FUNCTIONS,
            "function_label": vocabulary.function_label,
            "delegation_label": countries.label,
            "of_delegation": countries.of_delegation,
            "format_day": dates.format_day,
            "format_days": dates.format_days,
            "format_moment": dates.format_moment,
            "format_stamp": dates.format_stamp,
            "format_meeting": dates.format_meeting,
            "get_locale": get_locale,
            "languages": languages.SWITCH,
            "switch_url": languages.switch_url,
        }
