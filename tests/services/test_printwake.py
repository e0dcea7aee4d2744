"""Waking the print worker: a job queued and committed wakes it at once; a rollback wakes nothing."""

from __future__ import annotations

import time

import pytest

from kiosk.extensions import db
from kiosk.models import JobKind, Participant
from kiosk.services import printing, printwake
from tests.checkin_fixtures import *  # noqa: F403 (fixtures)


@pytest.fixture
def waker(app):
    listening = printwake.Waker(
        printwake.socket_path(app.config, app.instance_path),
        database_url=app.config["SQLALCHEMY_DATABASE_URI"],
    )
    time.sleep(0.3)  # PostgreSQL: the LISTEN connection is up
    listening.wait(0.5)  # forget the wake-up sent when listening starts
    yield listening
    listening.close()


def queue(app, setting, commit: bool) -> None:
    with app.app_context():
        printing.queue_print(db.session, db.session.get(Participant, setting.ana), JobKind.BADGE)
        if commit:
            db.session.commit()
        else:
            db.session.rollback()


def test_a_queued_job_wakes_the_worker_at_once(app, setting, waker):
    assert not waker.wait(0.2)
    queue(app, setting, commit=False)
    assert not waker.wait(0.5), "a rolled-back job must not wake the worker"
    start = time.monotonic()
    queue(app, setting, commit=True)
    assert waker.wait(2.0)
    assert time.monotonic() - start < 1.0


def test_worker_cli_runs_one_pass(runner, setting):
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output


def test_only_postgresql_notify_reaches_a_worker_on_another_machine(app, setting, tmp_path):
    """A worker whose local socket hears nothing is woken by PostgreSQL's NOTIFY; SQLite has none."""
    on_postgresql = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    elsewhere = printwake.Waker(
        str(tmp_path / "elsewhere.sock"), database_url=app.config["SQLALCHEMY_DATABASE_URI"]
    )
    try:
        time.sleep(0.3)
        elsewhere.wait(0.5)
        queue(app, setting, commit=True)
        assert elsewhere.wait(2.0 if on_postgresql else 0.5) is on_postgresql
    finally:
        elsewhere.close()
