"""A private PostgreSQL restarted under a running `flask --app kiosk worker`: it carries on and prints all."""

from __future__ import annotations

import collections
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from kiosk import create_app
from kiosk.extensions import db
from kiosk.models import JobStatus, Status
from tests.conftest import base_config, migrate
from tests.faults.conftest import wait_until
from tests.faults.helpers import add_printer, all_in, queue, statuses, worker_running


@pytest.fixture
def app(private_postgres, tmp_path, monkeypatch) -> Iterator[Flask]:
    """This module's application: on the private cluster (the fixtures that make rows use it)."""
    monkeypatch.setenv("KIOSK_INSTANCE_PATH", str(tmp_path / "instance"))
    migrate(private_postgres.url(), tmp_path)
    app = create_app(
        {
            **base_config(private_postgres.url(), tmp_path),
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        }
    )
    yield app
    app.extensions["live"].close()
    with app.app_context():
        db.engine.dispose()


def printed(folder: Path) -> collections.Counter:
    """How many times each job's badge reached the hot folder (its file names start badge-<job id>-)."""
    return collections.Counter(int(path.name.split("-")[1]) for path in folder.glob("*.pdf"))


def test_the_worker_survives_a_database_restart_and_prints_everything(
    app, make_participant, private_postgres, start_worker, tmp_path
):
    people = [make_participant(status=Status.ACCREDITED).id for _n in range(6)]
    folder = tmp_path / "hot"
    printer = add_printer(app, "Folder", "badge", {"type": "hot_folder", "path": str(folder)})
    worker = start_worker(private_postgres.url())
    wait_until(worker_running(app), 30, "the worker heartbeats")
    before = queue(app, people, printer)
    wait_until(all_in(app, before, JobStatus.DONE), 10, "jobs print before the restart", worker.output)

    # Jobs queued and due while the database restarts (pg_ctl restart -m fast).
    during = queue(app, people, printer, due_in=0.5)
    private_postgres.restart()
    restarted = time.monotonic()
    wait_until(all_in(app, during, JobStatus.DONE), 10, "jobs print after the restart", worker.output)
    assert time.monotonic() - restarted < 10
    assert worker.alive()

    # A longer outage: the database is down for 4 s with jobs due.
    outage = queue(app, people, printer, due_in=0.3)
    private_postgres.stop()
    time.sleep(4)
    assert worker.alive(), worker.output()
    private_postgres.start()
    started = time.monotonic()
    wait_until(
        all_in(app, outage, JobStatus.DONE), 10, "jobs print after the database is back", worker.output
    )
    assert time.monotonic() - started < 10
    wait_until(worker_running(app), 10, "the worker heartbeats again")
    assert worker.alive()

    every = before + during + outage
    assert statuses(app, every) == [JobStatus.DONE] * len(every)  # nothing lost
    assert printed(folder) == {job: 1 for job in every}  # no badge printed twice
    log = worker.output()
    assert log.count("the database cannot be reached") <= 2, log  # once per outage, not per attempt
    assert "the database can be reached again" in log
    assert worker.stop() == 0
