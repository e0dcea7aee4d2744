"""flask --app kiosk backup / restore: seed, back up, restore into a fresh database, same rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import create_engine, func, select, table, text
from sqlalchemy.engine import make_url

from kiosk import create_app
from kiosk.extensions import db
from kiosk.models import Base, Participant, Status
from tests.checkin_fixtures import *  # noqa: F403 (fixtures)
from tests.conftest import base_config


def counts(uri: str) -> dict[str, int]:
    """Rows per table (every table of the model, and Alembic's)."""
    engine = create_engine(uri)
    try:
        with engine.connect() as connection:
            names = [t.name for t in Base.metadata.sorted_tables] + ["alembic_version"]
            return {
                name: connection.execute(select(func.count()).select_from(table(name))).scalar_one()
                for name in names
            }
    finally:
        engine.dispose()


@pytest.fixture
def seeded(app, setting, kiosk_client, code_of, make_participant) -> dict[str, int]:
    """The check-in setting, a photo, a check-in with its print jobs and counters."""
    with app.app_context():
        ana = db.session.get(Participant, setting.ana)
        ana.photo, ana.photo_type = b"\xff\xd8\xff photo bytes", "image/jpeg"
        db.session.commit()
    response = kiosk_client.post(
        f"/api/v1/events/{setting.slug}/checkins", json={"code": code_of(setting.ana), "request_id": "r1"}
    )
    assert response.status_code == 201, response.json
    found = counts(app.config["SQLALCHEMY_DATABASE_URI"])
    assert found["checkins"] == 1 and found["counters"] > 0 and found["print_jobs"] == 2
    return found


@pytest.fixture
def fresh_database(app, tmp_path) -> Iterator[str]:
    """An empty database of the same kind as the test's, and its URL."""
    uri = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if uri.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite'}"
        return
    name = f"kiosk_restore_{uuid.uuid4().hex[:12]}"
    admin = uri.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield uri.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def cli_on(uri: str, tmp_path, *args: str):
    other = create_app(base_config(uri, tmp_path))
    try:
        return other.test_cli_runner().invoke(args=list(args))
    finally:
        other.extensions["live"].close()
        with other.app_context():
            db.engine.dispose()


def test_backup_then_restore_into_a_fresh_database_keeps_every_row(
    app, runner, seeded, fresh_database, tmp_path
):
    out = tmp_path / "backups" / "kiosk.backup"
    made = runner.invoke(args=["backup", "--out", str(out)])
    assert made.exit_code == 0, made.output
    assert "backup written to" in made.output and out.stat().st_size > 0
    assert not list(out.parent.glob(".*.part"))  # no temporary file left

    restored = cli_on(fresh_database, tmp_path, "restore", str(out))
    assert restored.exit_code == 0, restored.output
    assert counts(fresh_database) == seeded

    # The restored database works: the sequences go on after the restored rows.
    engine = create_engine(fresh_database)
    try:
        with engine.begin() as connection:
            photo = connection.execute(
                text("SELECT photo FROM participants WHERE photo IS NOT NULL")
            ).scalar_one()
            assert photo == b"\xff\xd8\xff photo bytes"
        second = create_app(base_config(fresh_database, tmp_path))
        with second.app_context():
            ana = db.session.execute(select(Participant)).scalars().first()
            db.session.add(
                Participant(
                    event_id=ana.event_id,
                    delegation_id=ana.delegation_id,
                    given_name="New",
                    family_name="Person",
                    status=Status.PENDING,
                )
            )
            db.session.commit()
            db.engine.dispose()
        second.extensions["live"].close()
    finally:
        engine.dispose()


def test_restore_refuses_a_database_that_is_not_empty(app, runner, seeded, tmp_path):
    out = tmp_path / "kiosk.backup"
    assert runner.invoke(args=["backup", "--out", str(out)]).exit_code == 0
    refused = runner.invoke(args=["restore", str(out)])
    assert refused.exit_code != 0
    assert "The database is not empty" in refused.output and "nothing was changed" in refused.output
    assert counts(app.config["SQLALCHEMY_DATABASE_URI"]) == seeded


def test_backup_refuses_to_overwrite_a_file(runner, tmp_path):
    out = tmp_path / "exists.backup"
    out.write_bytes(b"keep me")
    refused = runner.invoke(args=["backup", "--out", str(out)])
    assert refused.exit_code != 0 and "already exists" in refused.output
    assert out.read_bytes() == b"keep me"


def test_restore_refuses_a_file_that_is_not_a_backup_of_this_kind(app, fresh_database, tmp_path):
    wrong = tmp_path / "notes.txt"
    wrong.write_text("not a backup")
    refused = cli_on(fresh_database, tmp_path, "restore", str(wrong))
    assert refused.exit_code != 0 and "is not a backup of a" in refused.output
