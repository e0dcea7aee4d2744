"""Faults around a real `flask --app kiosk worker` process: Redis stops, the worker is killed mid-job,
a TCP receipt printer goes away. After each: nothing lost, no badge printed twice."""

from __future__ import annotations

import collections
import os
import socket
import sys
import threading
import time
from pathlib import Path

import pytest

from kiosk.extensions import db
from kiosk.models import JobStatus, PrintJob, Status
from kiosk.services import printwake
from tests.faults.conftest import free_port, wait_until
from tests.faults.helpers import add_printer, all_in, queue, statuses, worker_running


@pytest.fixture
def people(make_delegation, make_participant) -> list[int]:
    delegation = make_delegation(name="Chile")
    return [
        make_participant(delegation, status=Status.ACCREDITED, given_name="Ana", family_name=family).id
        for family in ("Alvarez", "Barros", "Castro")
    ]


def test_without_redis_the_worker_polls_and_listens_again_when_redis_is_back(
    app, people, private_redis, start_worker, tmp_path
):
    app.config["REDIS_URL"] = private_redis.url  # the web side wakes the worker through Redis
    folder = tmp_path / "hot"
    printer = add_printer(app, "Folder", "badge", {"type": "hot_folder", "path": str(folder)})
    # The worker hears nothing on the local socket the web side writes to: Redis (or, on
    # PostgreSQL, NOTIFY) wakes it, or its own polling every 5 s.
    worker = start_worker(
        app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=private_redis.url,
        PRINT_WAKE_SOCKET=str(tmp_path / "elsewhere.sock"),
    )
    wait_until(
        lambda: private_redis.subscribers(printwake.REDIS_CHANNEL) == 1, 30, "subscribed", worker.output
    )
    first = queue(app, people[:1], printer)
    assert wait_until(all_in(app, first, JobStatus.DONE), 3, "woken through Redis", worker.output) < 3

    private_redis.stop()
    second = queue(app, people[1:2], printer)
    wait_until(all_in(app, second, JobStatus.DONE), 8, "printed by polling", worker.output)
    assert worker.alive()

    private_redis.start()
    wait_until(
        lambda: private_redis.subscribers(printwake.REDIS_CHANNEL) == 1, 10, "listens again", worker.output
    )
    third = queue(app, people[2:], printer)
    wait_until(all_in(app, third, JobStatus.DONE), 3, "woken through Redis again", worker.output)

    jobs = first + second + third
    assert collections.Counter(int(p.name.split("-")[1]) for p in folder.glob("*.pdf")) == {
        j: 1 for j in jobs
    }
    log = worker.output()
    assert log.count("print wake-up: Redis cannot be reached") == 1, log  # once, not every attempt
    assert "print wake-up: Redis can be reached again" in log
    assert worker.stop() == 0


FAKE_LP = """#!{python}
# A CUPS `lp` standing in for a card printer that is slow to accept a job: it takes the PDF,
# then waits while the file "slow" exists, then "prints" it into this folder.
import os, sys, time
from pathlib import Path
folder = Path({folder!r})
title = sys.argv[sys.argv.index("-t") + 1]
data = sys.stdin.buffer.read()
(folder / ("started-" + title)).touch()
while (folder / "slow").exists():
    time.sleep(0.05)
(folder / f"{{title}}.{{os.getpid()}}.pdf").write_bytes(data)
print(f"request id is Fake-{{os.getpid()}} (1 file(s))")
"""


def fake_lp(tmp_path: Path) -> tuple[Path, Path]:
    """A folder with a fake `lp` (put it first on PATH) and the folder it prints into."""
    bin_dir, printed = tmp_path / "bin", tmp_path / "cards"
    bin_dir.mkdir()
    printed.mkdir()
    lp = bin_dir / "lp"
    lp.write_text(FAKE_LP.format(python=sys.executable, folder=str(printed)))
    lp.chmod(0o755)
    return bin_dir, printed


class FifoPrinter:
    """A receipt printer on a FIFO: the worker's open() blocks until `start` reads; counts receipts."""

    def __init__(self, path: Path) -> None:
        self.path = path
        os.mkfifo(path)
        self.receipts: list[bytes] = []
        self._stop = False
        self._thread = threading.Thread(target=self._read, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _read(self) -> None:
        while not self._stop:
            with open(self.path, "rb") as device:  # blocks until the worker opens it
                data = device.read()
            if data:
                self.receipts.append(data)

    def close(self) -> None:
        self._stop = True
        if self._thread.is_alive():  # unblock the reader's open()
            fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            os.close(fd)
            self._thread.join(timeout=5)


def test_a_worker_killed_mid_job_never_prints_a_badge_twice(app, people, start_worker, tmp_path):
    bin_dir, cards = fake_lp(tmp_path)
    (cards / "slow").touch()
    badge_printer = add_printer(app, "Cards", "badge", {"type": "cups", "queue": "Cards"})
    receipts = FifoPrinter(tmp_path / "receipts")
    receipt_printer = add_printer(app, "Receipts", "receipt", {"type": "file", "path": str(receipts.path)})
    try:
        [badge, next_badge] = queue(app, people[:2], badge_printer)
        [receipt] = queue(app, people[:1], receipt_printer)
        settings = {"PATH": f"{bin_dir}:{os.environ['PATH']}"}
        first = start_worker(app.config["SQLALCHEMY_DATABASE_URI"], **settings)
        # Mid-job on both printers: the badge is with the slow spooler, the receipt waits for its device.
        wait_until(lambda: any(cards.glob("started-*")), 30, "the badge is being sent", first.output)
        wait_until(lambda: statuses(app, [receipt]) == [JobStatus.PRINTING], 10, "receipt in flight")
        first.kill()
        (cards / "slow").unlink()  # the spooler that had the badge prints it: it did reach the printer

        second = start_worker(app.config["SQLALCHEMY_DATABASE_URI"], **settings)
        restarted = time.monotonic()
        receipts.start()
        wait_until(
            lambda: statuses(app, [badge]) == [JobStatus.UNCERTAIN], 10, "may have printed", second.output
        )
        wait_until(all_in(app, [next_badge, receipt], JobStatus.DONE), 10, "others print", second.output)
        assert time.monotonic() - restarted < 10
        time.sleep(1)  # nothing else comes out
    finally:
        receipts.close()
    titles = collections.Counter(path.name.split(".")[0] for path in cards.glob("badge-*.pdf"))
    assert sorted(int(title.split("-")[1]) for title in titles) == [badge, next_badge]
    assert set(titles.values()) == {1}, "a badge was printed twice"
    assert len(receipts.receipts) == 1 and b"ALVAREZ" in receipts.receipts[0].upper()
    with app.app_context():
        job = db.session.get(PrintJob, badge)
        assert job.attempts == 1 and "may have printed" in job.last_error
    assert second.alive() and second.stop() == 0


class TcpPrinter:
    """A receipt printer on 127.0.0.1:`port` (port 9100 style): records the bytes of each connection."""

    def __init__(self, port: int) -> None:
        self.server = socket.create_server(("127.0.0.1", port), reuse_port=False)
        self.server.settimeout(0.2)
        self.jobs: list[bytes] = []
        self._open = True
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while self._open:
            try:
                conn, _addr = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(10)
                data = b""
                while chunk := conn.recv(65536):
                    data += chunk
            self.jobs.append(data)

    def close(self) -> None:
        """Switch the printer off: nothing listens on its port any more."""
        self._open = False
        self._thread.join(timeout=5)
        self.server.close()


def test_a_receipt_printer_that_goes_away_and_comes_back_prints_each_job_once(app, people, start_worker):
    # Below the ephemeral range: a connection to a port nobody listens on cannot loop back to itself.
    port = free_port(range(29100, 29200))
    printer = add_printer(
        app, "Receipts", "receipt", {"type": "network", "host": "127.0.0.1", "port": port, "timeout": 1}
    )
    server = TcpPrinter(port)
    worker = start_worker(app.config["SQLALCHEMY_DATABASE_URI"])
    wait_until(worker_running(app), 30, "the worker heartbeats", worker.output)
    first = queue(app, people[:1], printer)
    wait_until(all_in(app, first, JobStatus.DONE), 5, "printed while the printer is there", worker.output)
    server.close()  # the printer goes away

    jobs = queue(app, people, printer)
    tried = lambda: attempts(app, jobs[0]) >= 1 and statuses(app, jobs)[0] == JobStatus.QUEUED  # noqa: E731
    wait_until(tried, 10, "the worker tried, and the job waits", worker.output)
    server = TcpPrinter(port)  # ... and comes back
    try:
        wait_until(all_in(app, jobs, JobStatus.DONE), 40, "printed once it is back", worker.output)
        time.sleep(1)
    finally:
        server.close()
    assert worker.alive()
    printed = [data for data in server.jobs]
    assert len(printed) == 3, "each job exactly once"
    for family in ("ALVAREZ", "BARROS", "CASTRO"):
        assert sum(family.encode() in data.upper() for data in printed) == 1


def attempts(app, job_id: int) -> int:
    with app.app_context():
        return db.session.get(PrintJob, job_id).attempts
