"""The accreditation, check-in and badge application."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_request_context, request, session
from werkzeug.middleware.proxy_fix import ProxyFix

from config import CONFIGS
from kiosk import api, cli, views
from kiosk.extensions import babel, csrf, db, login_manager, migrate
from kiosk.services import counters, live, printwake
from kiosk.views import errors

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application; `config` overrides settings (tests pass their own)."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("KIOSK_INSTANCE_PATH", str(ROOT / "instance")),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    env = os.environ.get("KIOSK_ENV", "production")
    app.config.from_object(CONFIGS[env])
    app.config["ENV_NAME"] = env
    if config:
        app.config.update(config)
    configure_paths(app)
    if app.config.get("PROXY_FIX"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError(
            "SECRET_KEY is not set. Set it in the environment (or KIOSK_ENV=development for a demo)."
        )
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_security_headers(app)
    register_log_redaction()
    return app


def configure_paths(app: Flask) -> None:
    """Default the database, keys and outbox to the instance folder."""
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'kiosk.sqlite'}"
    app.config.setdefault("KEYS_DIR", str(instance / "keys"))
    app.config.setdefault("MAIL_OUTBOX", str(instance / "outbox"))
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        engine_options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        engine_options.setdefault("connect_args", {"timeout": 30})


def select_locale() -> str | None:
    """The language asked for in the URL, else remembered, else the browser's best match."""
    if not has_request_context():
        return None
    languages = current_app.config["LANGUAGES"]
    asked = request.args.get("lang")
    if asked in languages:
        session["lang"] = asked
        return asked
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(languages)


def register_extensions(app: Flask) -> None:
    """Attach the extensions to this application."""
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    login_manager.init_app(app)
    babel.init_app(
        app, locale_selector=select_locale, default_translation_directories=str(ROOT / "translations")
    )
    csrf.init_app(app)
    counters.init_app(app)
    live.init_app(app)
    printwake.init_app(app)


def register_blueprints(app: Flask) -> None:
    """Every part of the application: API, focal-point pages, organizer pages."""
    api.init_app(app)
    views.init_app(app)


def register_errorhandlers(app: Flask) -> None:
    """Problem+json for the API, friendly pages elsewhere."""
    errors.init_app(app)


def register_commands(app: Flask) -> None:
    """The `flask --app kiosk …` commands."""
    cli.init_app(app)


def register_security_headers(app: Flask) -> None:
    """Headers every response carries."""

    @app.after_request
    def secure_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
            "script-src 'self' 'wasm-unsafe-eval'; frame-ancestors 'none'",
        )
        return response


class RedactSecrets(logging.Filter):
    """Keep delegation link and kiosk enrolment secrets and bearer tokens out of access logs."""

    PATTERN = re.compile(r"(/d/|/kiosk/enrol/)[A-Za-z0-9_-]{16,}")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(
                self.PATTERN.sub(r"\1…", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        if isinstance(record.msg, str):
            record.msg = self.PATTERN.sub(r"\1…", record.msg)
        return True


def register_log_redaction() -> None:
    """Redact secrets from the development server's request log."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactSecrets) for f in logger.filters):
        logger.addFilter(RedactSecrets())
