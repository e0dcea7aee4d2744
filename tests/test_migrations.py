"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from config import database_url
from kiosk import create_app
from kiosk.extensions import db
from kiosk.models import Base, Participant
from kiosk.models.participant import normalise_reference
from kiosk.services import counters
from tests.conftest import BACKENDS, TEST_DATABASE_URL, base_config


def test_migrated_database_matches_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


@pytest.fixture(params=BACKENDS)
def empty_database(request, tmp_path) -> Iterator[str]:
    """A database with no tables at all, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    server = make_url(database_url(TEST_DATABASE_URL))
    name = f"kiosk_migrate_{uuid.uuid4().hex[:12]}"
    admin_dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def insert_old_event(session, delegation: str = "Chile", category: str = "state_party") -> None:
    """Event 1 ("old") and its delegation 1 as the first migrations stored them, for a migration test
    to upgrade from (the columns every revision since 0003 has; later ones have their defaults)."""
    session.execute(
        text(
            "INSERT INTO events (id, slug, title, starts_on, ends_on, timezone, default_cap,"
            " cap_in_person, auto_accredit, contact_email, secretariat, created_at) VALUES (1, 'old',"
            " 'Old', '2024-06-18', '2024-06-20', 'Europe/Zurich', 3, true, false, '', '',"
            " '2024-01-01 00:00:00')"
        )
    )
    session.execute(
        text(
            "INSERT INTO delegations (id, event_id, name, category, focal_point_name,"
            " focal_point_email, revision, created_at) VALUES (1, 1, :name, :category, '', '', 0,"
            " '2024-01-01 00:00:00')"
        ),
        {"name": delegation, "category": category},
    )


def test_upgrading_a_database_with_participants_counts_them_and_gives_references(empty_database, tmp_path):
    app = create_app(base_config(empty_database, tmp_path))
    directory = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=directory, revision="0002_print_queue")
        rows = [
            "INSERT INTO events (id, slug, title, starts_on, ends_on, timezone, default_cap, cap_in_person,"
            " auto_accredit, contact_email, secretariat, created_at) VALUES (1, 'old', 'Old', '2024-06-18',"
            " '2024-06-20', 'Europe/Zurich', 3, true, false, '', '', '2024-01-01 00:00:00')",
            "INSERT INTO delegations (id, event_id, name, category, focal_point_name, focal_point_email,"
            " revision, created_at) VALUES (1, 1, 'Chile', 'state_party', '', '', 0, '2024-01-01 00:00:00')",
        ] + [
            "INSERT INTO participants (event_id, delegation_id, title, given_name, family_name, function,"
            " gender, email, mode, language, status, badge_serial, created_at, updated_at, status_changed_at)"
            f" VALUES (1, 1, '', 'P{n}', 'Q', '', '{gender}', '', 'in_person', 'en', '{status}', 1,"
            " '2024-01-01 00:00:00', '2024-01-01 00:00:00', '2024-01-01 00:00:00')"
            for n, (gender, status) in enumerate(
                [
                    ("female", "accredited"),
                    ("female", "accredited"),
                    ("male", "pending"),
                    ("male", "withdrawn"),
                ]
            )
        ]
        for row in rows:
            db.session.execute(text(row))
        db.session.commit()
        upgrade(directory=directory)
        assert counters.recount(db.session, 1) == {}
        assert counters.values(db.session, 1)["participants:accredited:state_party:female:in_person"] == 2
        references = db.session.execute(select(Participant.reference)).scalars().all()
        assert len(set(references)) == 4
        assert all(normalise_reference(r.lower()) == r for r in references)
        db.session.remove()
        db.engine.dispose()
