"""Migration 0019_credentials: existing events keep accrediting without documents; it comes and goes."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from kiosk import create_app
from kiosk.extensions import db
from kiosk.models import Event
from tests.conftest import base_config
from tests.test_migrations import empty_database, insert_old_event  # noqa: F401 - the fixture, on each backend

BEFORE = "0015_kiosk_codes"


def test_credentials_tables_and_setting_come_and_go_without_losing_events(empty_database, tmp_path):  # noqa: F811
    app = create_app(base_config(empty_database, tmp_path))
    migrate = app.extensions["migrate"]
    with app.app_context():
        upgrade(directory=migrate.directory, revision=BEFORE)
        insert_old_event(db.session)
        db.session.commit()
        upgrade(directory=migrate.directory)
        assert db.session.execute(select(Event.credentials_required)).scalar_one() is False
        tables = set(inspect(db.engine).get_table_names())
        assert {"credential_documents", "credential_document_participants"} <= tables
        db.session.remove()
        downgrade(directory=migrate.directory, revision=BEFORE)
        tables = set(inspect(db.engine).get_table_names())
        assert "credential_documents" not in tables
        assert "credentials_required" not in {c["name"] for c in inspect(db.engine).get_columns("events")}
        assert db.session.execute(text("SELECT slug FROM events")).scalars().all() == ["old"]
        assert db.session.execute(text("SELECT name FROM delegations")).scalars().all() == ["Chile"]
        db.session.remove()
        db.engine.dispose()
