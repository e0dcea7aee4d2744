"""Configuration classes; the environment overrides them (DATABASE_URL, SECRET_KEY, MAIL_*, ...)."""

from __future__ import annotations

import os


def database_url(url: str) -> str:
    """Accept postgres://, postgresql:// and postgresql+psycopg:// spellings; use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def minutes_by_role(name: str, default: str) -> dict[str, int]:
    """A setting like "organizer=30,desk=120": minutes per role (roles left out keep the default)."""
    values = dict(pair.split("=") for pair in default.split(","))
    for pair in filter(None, os.environ.get(name, "").replace(" ", "").split(",")):
        role, _sep, minutes = pair.partition("=")
        values[role] = minutes
    return {role: int(minutes) for role, minutes in values.items()}


def roles_setting(name: str, default: str) -> tuple[str, ...]:
    """A setting like "organizer,desk": a list of roles (empty: none)."""
    return tuple(filter(None, os.environ.get(name, default).replace(" ", "").split(",")))


class Config:
    """Settings shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL", ""))
    #: Seconds to wait for a PostgreSQL connection before the request fails (not forever).
    DATABASE_CONNECT_TIMEOUT = int(os.environ.get("DATABASE_CONNECT_TIMEOUT", 5))
    #: PostgreSQL connections each process keeps, may add beyond them, and the seconds a request
    #: waits for one before it is answered 503 (to be tried again) rather than kept waiting: a
    #: gthread worker has far more threads than connections, and under a surge they queue here.
    DATABASE_POOL_SIZE = int(os.environ.get("DATABASE_POOL_SIZE", 10))
    DATABASE_POOL_OVERFLOW = int(os.environ.get("DATABASE_POOL_OVERFLOW", 10))
    DATABASE_POOL_TIMEOUT = int(os.environ.get("DATABASE_POOL_TIMEOUT", 10))  # whole seconds (SQLAlchemy)
    REDIS_URL = os.environ.get("REDIS_URL")
    #: The Redis pub/sub channel of live updates (servers of one deployment share it).
    LIVE_CHANNEL = os.environ.get("LIVE_CHANNEL", "kiosk:changes")
    #: Dashboard streams: a comment line this often, and a reconnection after this long.
    LIVE_HEARTBEAT_SECONDS = float(os.environ.get("LIVE_HEARTBEAT_SECONDS", 15))
    LIVE_STREAM_SECONDS = float(os.environ.get("LIVE_STREAM_SECONDS", 3600))
    #: The shortest time between two updates of one live stream (changes in between are merged).
    LIVE_SPACING_SECONDS = float(os.environ.get("LIVE_SPACING_SECONDS", 0.25))
    #: The print worker: how long a worker holds a printer for a job unless its heartbeat (every
    #: PRINT_HEARTBEAT_SECONDS) renews the lease; a worker that dies frees its printers within it.
    PRINT_LEASE_SECONDS = float(os.environ.get("PRINT_LEASE_SECONDS", 8))
    PRINT_HEARTBEAT_SECONDS = float(os.environ.get("PRINT_HEARTBEAT_SECONDS", 2))
    #: The print worker's wake-up socket (default: print-worker.sock in the instance folder).
    PRINT_WAKE_SOCKET = os.environ.get("PRINT_WAKE_SOCKET")
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    PHOTO_MAX_BYTES = int(os.environ.get("PHOTO_MAX_BYTES", 5 * 1024 * 1024))
    #: Credentials documents (services.documents): largest file and most pages accepted. Keep the
    #: size under MAX_CONTENT_LENGTH (and under 3/4 of it for the API's base64 uploads).
    DOCUMENT_MAX_BYTES = int(os.environ.get("DOCUMENT_MAX_BYTES", 5 * 1024 * 1024))
    DOCUMENT_MAX_PAGES = int(os.environ.get("DOCUMENT_MAX_PAGES", 20))
    #: The one folder file printers (receipt `file`, badge `hot_folder` and `png_folder`) may write
    #: in, subfolders included (default: printed/ in the instance folder).
    PRINTER_FILES_DIR = os.environ.get("PRINTER_FILES_DIR")
    LANGUAGES = ["en", "fr", "es", "ar", "zh", "ru"]
    #: A JSON file of titles the secretariat adds to kiosk/data/titles.json (same format, read once
    #: per process: restart after a change; docs/titles.md). `flask --app kiosk titles` lists and checks.
    TITLES_FILE = os.environ.get("TITLES_FILE")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "Europe/Zurich"
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 25))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "") == "1"
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "accreditation@localhost")
    MAIL_TIMEOUT = 5
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    #: Over HTTPS Flask-WTF also wants a same-origin Referer on every form and API change; pages
    #: send Referrer-Policy: no-referrer, so browsers send none and every sign-in and scan failed
    #: behind the proxy. The CSRF token, SameSite session cookies and HSTS still stand.
    WTF_CSRF_SSL_STRICT = False
    #: Failed sign-ins allowed per account from one address, and per address (flask-limiter
    #: syntax); beyond them that address is refused for a while.
    LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS = os.environ.get(
        "LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS", "5 per minute; 20 per hour"
    )
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "30 per minute; 200 per hour")
    #: Failed sign-ins to an account from every address; beyond them each sign-in to it waits
    #: LOGIN_SLOWDOWN_SECONDS (the owner's right password too) rather than being refused: someone
    #: who knows a staff address cannot lock its owner out.
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per minute; 20 per hour")
    LOGIN_SLOWDOWN_SECONDS = float(os.environ.get("LOGIN_SLOWDOWN_SECONDS", 2))
    #: Staff sign-ins end after this many minutes without a request (idle) and after this many
    #: minutes in all (absolute), per role: a desk or door device lasts a shift, an organizer's
    #: sign-in idles out sooner. Pages warn five minutes before (kiosk/services/auth.py).
    STAFF_IDLE_MINUTES = minutes_by_role("STAFF_IDLE_MINUTES", "organizer=30,desk=120,security=120,kiosk=120")
    STAFF_MAX_MINUTES = minutes_by_role("STAFF_MAX_MINUTES", "organizer=720,desk=840,security=840,kiosk=840")
    #: A focal point's sign-in through the private link: idle and absolute minutes.
    FOCAL_POINT_IDLE_MINUTES = int(os.environ.get("FOCAL_POINT_IDLE_MINUTES", 60))
    FOCAL_POINT_MAX_MINUTES = int(os.environ.get("FOCAL_POINT_MAX_MINUTES", 24 * 60))
    #: Staff roles that must sign in with a second factor (a code from an authenticator app);
    #: any staff user may enrol from "Second factor". Production requires it of organizers.
    SECOND_FACTOR_ROLES: tuple[str, ...] = ()
    #: The name authenticator apps show beside the account.
    TOTP_ISSUER = os.environ.get("TOTP_ISSUER", "Accreditation")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_KEY_PREFIX = "kiosk"
    #: Largest delegation import accepted, in bytes and in rows.
    IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", 10 * 1024 * 1024))
    IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", 20_000))
    #: /readyz: seconds a printer or Redis may take to answer, seconds printer results are kept
    #: (a load balancer asking every second then costs little), and whether an unreachable
    #: printer makes the server unready (by default it is only reported: printers are shared by
    #: every server, so taking them all out of rotation would stop the door and the desk too).
    READY_TIMEOUT_SECONDS = float(os.environ.get("READY_TIMEOUT_SECONDS", 0.5))
    READY_CACHE_SECONDS = float(os.environ.get("READY_CACHE_SECONDS", 5))
    READY_PRINTERS_REQUIRED = os.environ.get("READY_PRINTERS_REQUIRED", "") == "1"
    #: Days after an event's end before `flask --app kiosk purge-personal-data` removes its personal data.
    PERSONAL_DATA_DAYS = int(os.environ.get("PERSONAL_DATA_DAYS", 90))
    #: Behind one reverse proxy (nginx, a load balancer): trust its X-Forwarded-* headers.
    PROXY_FIX = os.environ.get("PROXY_FIX", "") == "1"


class DevelopmentConfig(Config):
    """Local demo: a fixed secret key is acceptable here and only here."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "development-only-not-secret")
    SECOND_FACTOR_ROLES = roles_setting("SECOND_FACTOR_ROLES", "")


class ProductionConfig(Config):
    """Venue servers: SECRET_KEY must come from the environment."""

    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "1") == "1"
    SECOND_FACTOR_ROLES = roles_setting("SECOND_FACTOR_ROLES", "organizer")


CONFIGS = {"development": DevelopmentConfig, "production": ProductionConfig}
