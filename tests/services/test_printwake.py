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
    listening.take()
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


def test_a_wake_up_names_the_printers_with_new_work(app, setting, waker):
    """One transaction queueing a badge and a receipt names both printers, and no other."""
    assert waker.take() == set()  # nothing since the fixture's wait
    with app.app_context():
        ana = db.session.get(Participant, setting.ana)
        printing.queue_print(db.session, ana, JobKind.BADGE)
        printing.queue_print(db.session, ana, JobKind.RECEIPT)
        db.session.commit()
    assert waker.wait(2.0)
    deadline = time.monotonic() + 2
    named: set[int] | None = set()
    while time.monotonic() < deadline and named is not None and len(named) < 2:
        named |= waker.take() or set()  # the socket and NOTIFY may arrive one after the other
        time.sleep(0.05)
    assert named == {setting.badge_printer, setting.receipt_printer}


@pytest.mark.parametrize(
    "message, named", [("7", {7}), (b"7,8", {7, 8}), ("", None), ("1,", None), ("x", None)]
)
def test_a_wake_up_that_names_no_printer_is_for_every_printer(message, named):
    assert printwake.printers_named(message) == named


def test_listening_again_and_stopping_wake_every_printer(app, waker):
    waker.wake()
    assert waker.wait(0.5) and waker.take() is None
    assert waker.take() == set()
