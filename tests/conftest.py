"""Fixtures: an app per test on a fresh database (SQLite always, PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.engine import make_url

from config import database_url
from kiosk import create_app
from kiosk.extensions import db
from kiosk.models import Base, Category, Delegation, Event, Participant, Role, Status, User, Venue
from kiosk.models.base import utcnow
from kiosk.services import auth, door

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS_KNOWN = ("sqlite", "postgresql")
BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])
PASSWORD = "correct horse battery"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        choices=BACKENDS_KNOWN,
        help="Run only the tests on this database (with sqlite, also the tests that use none): "
        "`make test` runs the SQLite stage first, so a failure shows within minutes.",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    backend = config.getoption("backend")
    if backend is None:
        return
    if backend not in BACKENDS:
        raise pytest.UsageError(f"--backend={backend} needs TEST_DATABASE_URL to be set")
    kept, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on = callspec.params.get("database", "sqlite") if callspec else "sqlite"
        (kept if on == backend else dropped).append(item)
    config.hook.pytest_deselected(items=dropped)
    items[:] = kept


def base_config(uri: str, tmp: Path) -> dict[str, Any]:
    """Settings every test app shares."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": uri,
        "WTF_CSRF_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "KEYS_DIR": str(tmp / "keys"),
        "MAIL_OUTBOX": str(tmp / "outbox"),
        "PRINTER_FILES_DIR": str(tmp),  # file printers of the tests write in their tmp_path
        "MAIL_SERVER": None,
        # Tests sign staff in with a password; the second factor has tests of its own
        # (tests/views/test_second_factor.py), which ask for it.
        "SECOND_FACTOR_ROLES": (),
    }


def migrate(uri: str, tmp: Path) -> None:
    """Bring a database to the latest schema through the real migrations."""
    app = create_app(base_config(uri, tmp))
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        db.engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def compiled_translations() -> None:
    """Compile the message catalogues, so the pages and e-mails speak every UN language."""
    root = Path(__file__).resolve().parent.parent / "translations"
    for po_path in root.glob("*/LC_MESSAGES/messages.po"):
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        with po_path.with_suffix(".mo").open("wb") as mo_file:
            write_mo(mo_file, catalog)


@pytest.fixture(scope="session", params=BACKENDS)
def database(request, tmp_path_factory) -> Iterator[tuple[str, str]]:
    """A migrated database for the session: a template file (SQLite) or a database of its own (PostgreSQL)."""
    tmp = tmp_path_factory.mktemp(request.param)
    if request.param == "sqlite":
        template = tmp / "template.sqlite"
        migrate(f"sqlite:///{template}", tmp)
        yield "sqlite", str(template)
        return
    server = make_url(database_url(TEST_DATABASE_URL))
    name = f"kiosk_test_{uuid.uuid4().hex[:12]}"
    admin_dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    uri = server.set(database=name).render_as_string(hide_password=False)
    try:
        migrate(uri, tmp)
        yield "postgresql", uri
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def app(database, tmp_path, monkeypatch) -> Iterator[Flask]:
    """An application on an empty, migrated database of its own."""
    backend, location = database
    monkeypatch.setenv("KIOSK_INSTANCE_PATH", str(tmp_path / "instance"))
    if backend == "sqlite":
        path = tmp_path / "test.sqlite"
        shutil.copyfile(location, path)
        uri = f"sqlite:///{path}"
    else:
        uri = location
    door.forget_caches()  # the door keeps keys, checkpoints and bundles per process, by ids tests reuse
    app = create_app(base_config(uri, tmp_path))
    if backend == "postgresql":
        with app.app_context():
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.session.commit()
    yield app
    app.extensions["live"].close()  # streams still open end now, not at a later test's heartbeat
    with app.app_context():
        db.engine.dispose()
    door.forget_caches()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


def _save(app: Flask, obj):
    with app.app_context():
        db.session.add(obj)
        db.session.commit()
        db.session.refresh(obj)
        db.session.expunge(obj)
    return obj


@pytest.fixture
def make_event(app: Flask) -> Callable[..., Event]:
    """Create an event; keyword arguments override the defaults."""

    def make(**overrides) -> Event:
        values = {
            "slug": f"ev{uuid.uuid4().hex[:6]}",
            "title": "Intersessional Meetings",
            "starts_on": date.today() + timedelta(days=30),
            "ends_on": date.today() + timedelta(days=32),
            "registration_deadline": utcnow() + timedelta(days=10),
            "default_cap": 3,
            "contact_email": "isu@example.org",
            **overrides,
        }
        values.setdefault("venue", Venue(name="CICG", address="Rue de Varembé 17, Genève", capacity=300))
        return _save(app, Event(**values))

    return make


@pytest.fixture
def make_delegation(app: Flask, make_event) -> Callable[..., Delegation]:
    """Create a delegation (in a new event unless `event` is given)."""

    def make(event: Event | None = None, **overrides) -> Delegation:
        event = event or make_event()
        values = {
            "name": f"Chile {uuid.uuid4().hex[:4]}",
            "category": Category.STATE_PARTY,
            "country": "CL",
            "focal_point_email": "focal@example.org",
            **overrides,
        }
        return _save(app, Delegation(event_id=event.id, **values))

    return make


@pytest.fixture
def make_participant(app: Flask, make_delegation) -> Callable[..., Participant]:
    """Create a participant directly (no rules applied), for setting up a situation."""

    def make(delegation: Delegation | None = None, **overrides) -> Participant:
        delegation = delegation or make_delegation()
        values = {
            "given_name": "Ana",
            "family_name": f"García {uuid.uuid4().hex[:4]}",
            "status": Status.PENDING,
            **overrides,
        }
        return _save(app, Participant(event_id=delegation.event_id, delegation_id=delegation.id, **values))

    return make


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """Create a staff user with password PASSWORD."""

    def make(role: Role = Role.ORGANIZER, email: str | None = None) -> User:
        user = User(email=email or f"{role.value}.{uuid.uuid4().hex[:6]}@example.org", role=role)
        user.set_password(PASSWORD)
        return _save(app, user)

    return make


@pytest.fixture
def make_token(app: Flask) -> Callable[..., str]:
    """Create an API token and return its secret."""

    def make(
        role: Role = Role.ORGANIZER, delegation: Delegation | None = None, event: Event | None = None
    ) -> str:
        with app.app_context():
            _token, secret = auth.create_token(
                db.session,
                role=role,
                name="test",
                delegation_id=delegation.id if delegation else None,
                event_id=event.id if event else None,
            )
            db.session.commit()
        return secret

    return make


@pytest.fixture
def delegation_link(app: Flask) -> Callable[[Delegation], str]:
    """Give a delegation a private link secret and return it."""

    def make(delegation: Delegation) -> str:
        with app.app_context():
            secret = auth.reset_delegation_link(db.session, db.session.get(Delegation, delegation.id))
            db.session.commit()
        return secret

    return make


@pytest.fixture
def login(client: FlaskClient, make_user) -> Callable[..., User]:
    """Sign a new user with `role` in on the test client."""

    def sign_in(role: Role = Role.ORGANIZER) -> User:
        user = make_user(role)
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.text
        return user

    return sign_in


def bearer(secret: str) -> dict[str, str]:
    """The Authorization header for a token."""
    return {"Authorization": f"Bearer {secret}"}


# The real CUPS queue (BadgePDF) of the badges tests, shared with the print queue tests.
from tests.badges.conftest import cups_pdf_dir  # noqa: E402, F401

# A venue server (nginx with a venue CA in front of gunicorn) for the deployment and HTTPS browser tests.
from tests.deploy.venue import venue  # noqa: E402, F401
