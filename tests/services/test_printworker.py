"""The print worker in a thread: backlogs drain at once, printers never wait for one another, heartbeats."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from kiosk.extensions import db
from kiosk.models import JobStatus, Participant, Printer, PrintJob, PrintWorker, Status
from kiosk.models.base import utcnow
from kiosk.services import printing, printworker


@pytest.fixture
def accredited(make_participant) -> Participant:
    return make_participant(status=Status.ACCREDITED, given_name="Ana", family_name="Pérez")


def add_printer(app, name: str, kind: str, connection: dict) -> int:
    with app.app_context():
        printer = printing.save_printer(db.session, None, name=name, kind=kind, connection=connection)
        db.session.commit()
        return printer.id


def queue_many(app, participant_id: int, printer_id: int, number: int) -> list[int]:
    with app.app_context():
        participant = db.session.get(Participant, participant_id)
        printer = db.session.get(Printer, printer_id)
        kind = "badge" if printer.kind.value == "badge" else "receipt"
        jobs = [printing.queue_print(db.session, participant, kind, printer) for _n in range(number)]
        db.session.commit()
        return [job.id for job in jobs]


def statuses(app, job_ids: list[int]) -> list[JobStatus]:
    with app.app_context():
        rows = dict(
            db.session.execute(select(PrintJob.id, PrintJob.status).where(PrintJob.id.in_(job_ids))).all()
        )
        return [JobStatus(rows[job_id]) for job_id in job_ids]


def wait_until(check: Callable[[], bool], timeout: float) -> float:
    """Seconds until `check()` held; fails after `timeout`."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if check():
            return time.monotonic() - start
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout} s")


@pytest.fixture
def run_worker(app) -> Iterator[Callable[..., printworker.Worker]]:
    """Start the worker loop in a thread (as `flask --app kiosk worker` runs it); stopped after the test."""
    started: list[tuple[printworker.Worker, threading.Thread]] = []

    def start(**options) -> printworker.Worker:
        worker = printworker.Worker(app, **options)
        thread = threading.Thread(target=worker.run, name="test-worker", daemon=True)
        thread.start()
        started.append((worker, thread))
        return worker

    yield start
    for worker, thread in started:
        worker.stop()
        thread.join(timeout=60)
        assert not thread.is_alive(), "the worker did not stop"


def test_a_backlog_drains_without_waiting_between_passes(app, accredited, tmp_path, run_worker):
    printer_id = add_printer(app, "Folder", "badge", {"type": "hot_folder", "path": str(tmp_path / "hot")})
    jobs = queue_many(app, accredited.id, printer_id, 100)
    # Nothing wakes it after the start: a pass cap followed by a 30 s sleep would miss the deadline.
    run_worker(interval=30.0)
    took = wait_until(lambda: statuses(app, jobs) == [JobStatus.DONE] * 100, timeout=25)
    assert len(list((tmp_path / "hot").glob("*.pdf"))) == 100
    assert took < 25


def test_a_printer_that_hangs_does_not_delay_another(app, accredited, tmp_path, run_worker):
    # A receipt printer that never accepts: opening its device blocks until something reads it.
    fifo = tmp_path / "stuck-printer"
    os.mkfifo(fifo)
    stuck = add_printer(app, "Stuck", "receipt", {"type": "file", "path": str(fifo)})
    healthy = add_printer(app, "Folder", "badge", {"type": "hot_folder", "path": str(tmp_path / "hot")})
    stuck_jobs = queue_many(app, accredited.id, stuck, 3)
    run_worker(interval=30.0)
    wait_until(lambda: statuses(app, stuck_jobs)[0] == JobStatus.PRINTING, timeout=10)
    start = time.monotonic()
    healthy_jobs = queue_many(app, accredited.id, healthy, 5)
    try:
        wait_until(lambda: statuses(app, healthy_jobs) == [JobStatus.DONE] * 5, timeout=10)
        assert time.monotonic() - start < 10
        assert statuses(app, stuck_jobs)[0] == JobStatus.PRINTING
    finally:
        received = drain_fifo(fifo, 3)
    assert len(received) == 3 and all(b"Ana" in receipt for receipt in received)
    wait_until(lambda: statuses(app, stuck_jobs) == [JobStatus.DONE] * 3, timeout=10)


def drain_fifo(fifo: Path, number: int) -> list[bytes]:
    """Read `number` receipts from a FIFO printer (one per opening by the writer)."""
    received = []
    deadline = time.monotonic() + 20
    while len(received) < number and time.monotonic() < deadline:
        with open(fifo, "rb") as device:
            received.append(device.read())
    return received


def test_a_job_longer_than_the_lease_keeps_its_printer(app, accredited, tmp_path, run_worker):
    """The heartbeat renews the lease while the job is in progress: no other worker takes the printer."""
    fifo = tmp_path / "slow-printer"
    os.mkfifo(fifo)
    printer_id = add_printer(app, "Slow", "receipt", {"type": "file", "path": str(fifo)})
    [job_id] = queue_many(app, accredited.id, printer_id, 1)
    run_worker(lease=timedelta(seconds=1), heartbeat=timedelta(seconds=0.2))
    wait_until(lambda: statuses(app, [job_id]) == [JobStatus.PRINTING], timeout=10)
    time.sleep(2.5)  # more than two leases
    with app.app_context():
        other = printing.Lane(printer_id, "other:1:x")
        assert other.step(db.session) is None, "another worker took the printer mid-job"
        printer = db.session.get(Printer, printer_id)
        assert printer.busy_until > utcnow()
    assert len(drain_fifo(fifo, 1)) == 1
    wait_until(lambda: statuses(app, [job_id]) == [JobStatus.DONE], timeout=10)


def test_the_worker_heartbeats_and_its_status_shows_it(app, run_worker):
    with app.app_context():
        assert printworker.worker_status(db.session) == printworker.WorkerStatus(False, 0, None)
    worker = run_worker(heartbeat=timedelta(seconds=0.2))

    def running() -> bool:
        with app.app_context():
            return printworker.worker_status(db.session).running

    wait_until(running, timeout=5)
    with app.app_context():
        row = db.session.get(PrintWorker, worker.id)
        assert (row.host, row.pid) == (os.uname().nodename[:255], os.getpid())
        first = row.last_seen
    time.sleep(0.6)
    with app.app_context():
        assert db.session.get(PrintWorker, worker.id).last_seen > first
        later = utcnow() + printworker.STOPPED_AFTER + timedelta(seconds=1)
        assert not printworker.worker_status(db.session, later).running  # a worker silent for 30 s stopped
    worker.stop()
    wait_until(lambda: not running(), timeout=30)  # a clean stop removes its row
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PrintWorker)) == 0


def test_the_jobs_of_a_printer_that_was_off_print_in_order_when_it_is_back(
    app, accredited, tmp_path, run_worker
):
    folder = tmp_path / "hot"
    folder.write_text("a file where the folder should be")
    printer_id = add_printer(app, "Folder", "badge", {"type": "hot_folder", "path": str(folder)})
    jobs = queue_many(app, accredited.id, printer_id, 3)
    run_worker(interval=30.0)
    wait_until(lambda: statuses(app, jobs)[0] == JobStatus.QUEUED and attempts(app, jobs[0]) == 1, timeout=10)
    folder.unlink()
    with app.app_context():  # as if the back-off were over
        db.session.execute(update(PrintJob).values(next_attempt_at=utcnow()))
        db.session.commit()
        printing.retry_job(db.session, db.session.get(PrintJob, jobs[0]))  # the organizer's "retry now"
        db.session.commit()
    wait_until(lambda: statuses(app, jobs) == [JobStatus.DONE] * 3, timeout=10)
    names = sorted(path.name for path in folder.glob("*.pdf"))
    assert [name.split("-")[1] for name in names] == sorted(str(job) for job in jobs)


def attempts(app, job_id: int) -> int:
    with app.app_context():
        return db.session.get(PrintJob, job_id).attempts


def test_the_dashboard_figures_say_when_the_worker_has_stopped(app, accredited, tmp_path):
    from kiosk.services import live_figures

    with app.app_context():
        assert (
            live_figures.printing_health(db.session, accredited.event_id)["worker_stopped"] is False
        )  # no printer
    add_printer(app, "Folder", "badge", {"type": "hot_folder", "path": str(tmp_path)})
    with app.app_context():
        assert live_figures.printing_health(db.session, accredited.event_id)["worker_stopped"] is True
        printworker.beat(db.session, "dashboard-test:1:x")
        db.session.commit()
        health = live_figures.printing_health(db.session, accredited.event_id)
        assert (health["worker_stopped"], health["uncertain"]) == (False, 0)


def test_a_lane_waits_for_the_lease_of_the_worker_holding_its_printer(app, accredited, tmp_path):
    """While another worker drains a printer, this worker looks again when that lease would run out,
    not every 50 ms for each due job (in the surge benchmark, that polling took most of a core)."""
    printer_id = add_printer(app, "Shared", "receipt", {"type": "folder", "path": str(tmp_path)})
    queue_many(app, accredited.id, printer_id, 3)
    with app.app_context():
        now = utcnow()
        here, there = printing.Lane(printer_id, "here:1:a"), printing.Lane(printer_id, "there:2:b")
        assert here.next_due(db.session, now) <= now  # a free printer with due jobs: look now
        lease_ends = now + timedelta(seconds=8)
        held = {"busy_until": lease_ends, "leased_by": there.worker}
        db.session.execute(update(Printer).where(Printer.id == printer_id).values(**held))
        db.session.commit()
        assert abs(here.next_due(db.session, now) - lease_ends) < timedelta(milliseconds=1)
        assert there.next_due(db.session, now) <= now  # the holder goes straight on with the queue
