"""The accreditation, check-in and badge application."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_request_context, request, session
from werkzeug.middleware.proxy_fix import ProxyFix

from config import CONFIGS
from kiosk import accesslog, api, cli, inputs, views
from kiosk.extensions import babel, csrf, db, limiter, login_manager, migrate
from kiosk.services import counters, live, mail, name_search, printwake
from kiosk.views import errors

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application; `config` overrides settings (tests pass their own)."""
    app = Flask(
        __name__,
        instance_path=instance_path(),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    env = os.environ.get("KIOSK_ENV", "production")
    app.config.from_object(CONFIGS[env])
    app.config["ENV_NAME"] = env
    if config:
        app.config.update(config)
    configure_paths(app)
    # An import as large as allowed still fits in a request, so it gets its own sentence.
    app.config["MAX_CONTENT_LENGTH"] = max(
        app.config["MAX_CONTENT_LENGTH"], app.config["IMPORT_MAX_BYTES"] + 1024 * 1024
    )
    if app.config.get("PROXY_FIX"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError(
            "SECRET_KEY is not set. Set it in the environment (or KIOSK_ENV=development for a demo)."
        )
    register_input_rules(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_security_headers(app)
    register_log_redaction()
    return app


def instance_path() -> str:
    """The instance folder: the SQLite database, keys, outbox and printers' folder by default."""
    return os.environ.get("KIOSK_INSTANCE_PATH", str(ROOT / "instance"))


def database_uri(configured: str | None = None, instance: str | None = None) -> str:
    """The database of DATABASE_URL, else the SQLite file in the instance folder."""
    configured = configured if configured is not None else CONFIGS["production"].SQLALCHEMY_DATABASE_URI
    return configured or f"sqlite:///{Path(instance or instance_path()) / 'kiosk.sqlite'}"


def configure_paths(app: Flask) -> None:
    """Default the database, keys, outbox and printers' folder to the instance folder."""
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_uri(
        app.config.get("SQLALCHEMY_DATABASE_URI") or "", str(instance)
    )
    app.config.setdefault("KEYS_DIR", str(instance / "keys"))
    app.config.setdefault("MAIL_OUTBOX", str(instance / "outbox"))
    if not app.config.get("PRINTER_FILES_DIR"):
        app.config["PRINTER_FILES_DIR"] = str(instance / "printed")
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    engine_options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        engine_options.setdefault("connect_args", {"timeout": 30})
    else:
        # A pooled connection is tested before use (one round trip): after a database restart
        # or a fail-over, the dead connections are replaced instead of failing the next requests.
        engine_options.setdefault("pool_pre_ping", True)
        engine_options.setdefault("connect_args", {"connect_timeout": app.config["DATABASE_CONNECT_TIMEOUT"]})
        engine_options.setdefault("pool_size", app.config["DATABASE_POOL_SIZE"])
        engine_options.setdefault("max_overflow", app.config["DATABASE_POOL_OVERFLOW"])
        engine_options.setdefault("pool_timeout", app.config["DATABASE_POOL_TIMEOUT"])


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


def register_input_rules(app: Flask) -> None:
    """Ids in routes fit a database column; JSON bodies are bounded (see kiosk.inputs)."""
    app.url_map.converters["int"] = inputs.IdConverter
    app.json = inputs.StrictJSONProvider(app)
    app.before_request(inputs.refuse_forbidden_characters)


def register_extensions(app: Flask) -> None:
    """Attach the extensions to this application."""
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    login_manager.init_app(app)
    babel.init_app(
        app, locale_selector=select_locale, default_translation_directories=str(ROOT / "translations")
    )
    csrf.init_app(app)
    limiter.init_app(app)
    counters.init_app(app)
    name_search.init_app(app)
    live.init_app(app)
    mail.init_app(app)
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


#: No inline script or style; no <base> (it would change where relative links and scripts go); forms
#: post only here; no page of this site inside another's frame.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
    "script-src 'self' 'wasm-unsafe-eval'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
#: Over HTTPS: a browser that came once never tries plain http for a year (as deploy/nginx sets it;
#: no includeSubDomains: the venue's name may sit under a domain with other servers).
STRICT_TRANSPORT_SECURITY = "max-age=31536000"
#: The camera only where a page uses it: the kiosk and the door read codes, the focal point's page
#: and the desk take badge photos. Everywhere else no camera; no page ever uses microphone or location.
CAMERA_BLUEPRINTS = frozenset({"kiosk", "door", "registration", "desk"})
PERMISSIONS_POLICY_CAMERA = "camera=(self), microphone=(), geolocation=()"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=()"


def register_security_headers(app: Flask) -> None:
    """Headers every response carries; nothing but static files may be stored by a browser or proxy."""

    @app.after_request
    def secure_headers(response):
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        camera = request.blueprint in CAMERA_BLUEPRINTS
        response.headers.setdefault(
            "Permissions-Policy", PERMISSIONS_POLICY_CAMERA if camera else PERMISSIONS_POLICY
        )
        if request.is_secure:  # behind nginx (PROXY_FIX=1) too, which then drops its own copy
            response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
        return response


def register_log_redaction() -> None:
    """Redact secrets from the development server's request log (gunicorn: see gunicorn.conf.py)."""
    accesslog.install_dev_server_filter()
