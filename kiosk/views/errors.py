"""Error responses: problem+json under /api, plain pages elsewhere."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from kiosk.extensions import db
from kiosk.models import Role
from kiosk.services.errors import DomainError
from kiosk.views.auth import landing_page
from kiosk.web.api import from_domain_error, problem

#: The link back to each role's own pages, on a refusal.
HOME_LABELS = {
    Role.ORGANIZER: _l("Go to the secretariat’s pages"),
    Role.DESK: _l("Go to the registration desk"),
    Role.SECURITY: _l("Go to the door scanner"),
    Role.KIOSK: _l("Go to the kiosk"),
}

log = logging.getLogger(__name__)
#: Seconds a client is asked to wait after the database could not be reached.
RETRY_AFTER = 2


def init_app(app: Flask) -> None:
    """Install the handlers."""

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        message = _("This form has expired. Go back, reload the page and try again.")
        return render_template("error.html", title=_("Form expired"), message=message), 400

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        """A rule broken outside a view's own handling (e.g. an unreadable number): its sentence."""
        db.session.rollback()
        if request.path.startswith("/api/"):
            return from_domain_error(exc)
        return render_template("error.html", title=_("Request refused"), message=exc.detail), exc.status

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeout)
    def database_unavailable(exc: OperationalError | PoolTimeout):
        """The database could not be reached (a restart, a fail-over), or every pooled connection
        stayed busy for DATABASE_POOL_TIMEOUT (a surge): 503, to be tried again.

        Pooled connections are tested before use (pool_pre_ping), so this answers only the
        requests caught in the middle of the outage; the pages send their requests again.
        """
        cause = getattr(exc, "orig", None) or exc
        log.warning("database unavailable: %s", cause.__class__.__name__)
        try:
            db.session.rollback()
        except SQLAlchemyError:
            db.session.remove()
        detail = _("The server is busy for a moment. Please try again.")
        if request.path.startswith("/api/"):
            response = problem(503, "unavailable", "Service Unavailable", detail)
        else:
            try:  # the page's frame may need the database too (the signed-in user)
                page = render_template("error.html", title="Service Unavailable", message=detail)
            except SQLAlchemyError:
                db.session.remove()
                page = detail
            response = app.make_response((page, 503))
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code == 413:
            exc.description = _("What you sent is too large for this server.")
        if request.path.startswith("/api/"):
            code = {404: "not_found", 405: "method_not_allowed", 413: "too_large", 429: "too_many"}.get(
                exc.code or 500, "error"
            )
            return problem(exc.code or 500, code, exc.name, exc.description or exc.name)
        if exc.code == 403:
            return forbidden_page(exc)
        return render_template("error.html", title=exc.name, message=exc.description), exc.code


def forbidden_page(exc: HTTPException):
    """A refusal that offers the way back: the person's own pages and sign-out (or sign-in)."""
    home = None
    if current_user.is_authenticated:
        home = (landing_page(current_user), HOME_LABELS.get(current_user.role, _("Go to your pages")))
    return (
        render_template(
            "error.html", title=_("No access"), message=exc.description, home=home, forbidden=True
        ),
        403,
    )
