"""The print worker: one thread per printer, a heartbeat, and nothing that a database restart can stop.

`flask --app kiosk worker` runs a `Worker`:

- a **lane** thread per printer (`printing.Lane`) claims the printer's next due job, sends it and
  records the outcome, then goes straight on to the next one: a backlog drains as fast as the
  printer takes it, and a slow or dead printer holds up only its own lane;
- a **heartbeat** thread writes this process's row in `print_workers` every `heartbeat` seconds
  (host, pid, last seen: no personal data) and renews the lease of every printer whose job is in
  progress, so a worker that dies frees its printers within `printing.LEASE`;
- a **mail** thread delivers queued e-mail;
- the main thread waits for wake-ups (`printwake.Waker`), pokes the lanes of the printers they
  name, and starts a lane for each printer added or left with a job in progress.

Every database error is rolled back, logged once per outage (its class, never its text) and
tried again after a short, growing pause. `worker_status` tells pages (and /readyz) whether any
worker is alive.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from kiosk.extensions import db
from kiosk.models import JobStatus, PrintJob, PrintWorker
from kiosk.models.base import utcnow
from kiosk.services import mail, printing, printwake
from kiosk.services.printwake import Outage, Pause

log = logging.getLogger(__name__)

#: How often a worker says it is alive and renews the leases of its jobs in progress.
HEARTBEAT = timedelta(seconds=2)
#: A worker not heard of for this long has stopped: pages warn that badges will not print.
STOPPED_AFTER = timedelta(seconds=30)
#: A job still being sent after this long loses its lease (a printer that hangs for ever).
MAX_HOLD = timedelta(minutes=5)
#: Rows of workers not heard of for this long are removed.
FORGET_AFTER = timedelta(days=1)
#: The longest pause between two attempts while the database cannot be reached.
DATABASE_PAUSE = 2.0


@dataclass(frozen=True)
class WorkerStatus:
    """Whether a print worker is running, from the heartbeats in the database."""

    #: At least one worker was heard of within `STOPPED_AFTER`.
    running: bool
    #: How many workers were heard of within `STOPPED_AFTER`.
    workers: int
    #: The last heartbeat of any worker (None: no worker has run, or the last one stopped cleanly).
    last_seen: datetime | None


def worker_status(session: Session, now: datetime | None = None) -> WorkerStatus:
    """Whether a print worker has heartbeated within the last 30 s (for pages and /readyz); reads only."""
    now = now or utcnow()
    alive, last = session.execute(
        select(
            func.count(PrintWorker.id).filter(PrintWorker.last_seen >= now - STOPPED_AFTER),
            func.max(PrintWorker.last_seen),
        )
    ).one()
    if last is not None and last.tzinfo is None:  # SQLite keeps no zone in an aggregate
        last = last.replace(tzinfo=now.tzinfo)
    return WorkerStatus(running=alive > 0, workers=alive, last_seen=last)


def beat(session: Session, worker: str, now: datetime | None = None) -> None:
    """Record that `worker` (this process) is alive; the caller commits."""
    now = now or utcnow()
    seen = session.execute(
        update(PrintWorker)
        .where(PrintWorker.id == worker)
        .values(last_seen=now)
        .execution_options(synchronize_session=False)
    )
    if seen.rowcount == 0:
        host = socket.gethostname()[:255]
        session.add(PrintWorker(id=worker, host=host, pid=os.getpid(), started_at=now, last_seen=now))
        session.flush()


def forget(session: Session, worker: str | None = None, now: datetime | None = None) -> None:
    """Remove `worker`'s row (a clean stop), or the rows of workers long gone; the caller commits."""
    if worker is not None:
        session.execute(delete(PrintWorker).where(PrintWorker.id == worker))
    else:
        session.execute(delete(PrintWorker).where(PrintWorker.last_seen < (now or utcnow()) - FORGET_AFTER))


def _rollback(session: Session) -> None:
    """Roll back after an error, whatever state the connection is in."""
    try:
        session.rollback()
    except Exception:  # noqa: BLE001 - a dead connection may fail to roll back; it is discarded anyway
        session.close()


class _LaneThread(threading.Thread):
    """Runs one printer's lane until the worker stops or the printer no longer needs one."""

    def __init__(self, worker: Worker, printer_id: int) -> None:
        super().__init__(name=f"print-lane-{printer_id}", daemon=True)
        self.worker = worker
        self.lane = printing.Lane(printer_id, worker.id, worker.lease)
        self.retired = threading.Event()
        self._poked = threading.Event()

    def poke(self) -> None:
        """Look for due jobs now."""
        self._poked.set()

    def retire(self) -> None:
        """Stop after the job in hand (the printer was disabled or removed)."""
        self.retired.set()
        self._poked.set()

    def run(self) -> None:
        worker, lane = self.worker, self.lane
        pause = Pause(longest=DATABASE_PAUSE)
        with worker.app.app_context():
            try:
                while not (worker.stopping.is_set() or self.retired.is_set()):
                    self._poked.clear()
                    wait = self._step(pause)
                    if wait > 0:
                        self._poked.wait(wait)
                if lane.in_hand is not None:  # stopping during an outage: one last try to record it
                    try:
                        lane.settle(db.session)
                    except SQLAlchemyError:
                        _rollback(db.session)
            finally:
                db.session.remove()

    def _step(self, pause: Pause) -> float:
        """Send one job; how long to wait before the next step."""
        session, lane, worker = db.session, self.lane, self.worker
        try:
            status = lane.step(session)
            if status is not None:
                if status == JobStatus.DONE:
                    log.info("printer %s: a job was printed", lane.printer_id)
                wait = 0.0
                if status == JobStatus.QUEUED and lane.retry_at is not None:
                    # The printer is off: its next job waits with it (a poke, e.g. a retry, ends the wait).
                    wait = max((lane.retry_at - utcnow()).total_seconds(), 0.05)
            else:
                due = lane.next_due(session)
                session.commit()
                wait = worker.interval
                if due is not None:
                    wait = min(max((due - utcnow()).total_seconds(), 0.05), worker.interval)
            worker.database.ok()
            pause.reset()
            return wait
        except SQLAlchemyError as exc:
            _rollback(session)
            worker.database.failed(exc)
            return pause.next()
        except Exception:  # noqa: BLE001 - a bug must not stop this printer for good
            _rollback(session)
            log.exception("printer %s: unexpected error; trying again", lane.printer_id)
            return pause.next() * 4


class Worker:
    """Sends print jobs and e-mail until `stop` is called (or SIGTERM, from the command)."""

    def __init__(
        self,
        app: Flask,
        *,
        interval: float = 5.0,
        lease: timedelta | None = None,
        heartbeat: timedelta | None = None,
        mail_interval: float | None = None,
        on_mail: Callable[[int, int], None] | None = None,
    ) -> None:
        config = app.config
        self.app = app
        self.id = printing.worker_id()
        self.interval = interval
        self.lease = lease or timedelta(
            seconds=float(config.get("PRINT_LEASE_SECONDS", printing.LEASE.total_seconds()))
        )
        self.heartbeat = heartbeat or timedelta(
            seconds=float(config.get("PRINT_HEARTBEAT_SECONDS", HEARTBEAT.total_seconds()))
        )
        self.mail_interval = interval if mail_interval is None else mail_interval
        self.on_mail = on_mail
        self.stopping = threading.Event()
        self.database = Outage("print worker: the database", log)
        self.lanes: dict[int, _LaneThread] = {}
        self._threads: list[threading.Thread] = []
        self._waker: printwake.Waker | None = None

    # --- the main thread ---------------------------------------------------------------------

    def run(self) -> None:
        """Work until `stop`; on the way out, finish the jobs in hand and remove this worker's row."""
        app = self.app
        self._waker = printwake.Waker(
            printwake.socket_path(app.config, app.instance_path),
            database_url=app.config["SQLALCHEMY_DATABASE_URI"],
            redis_url=app.config.get("REDIS_URL"),
        )
        for target in (self._heartbeat_loop, self._mail_loop):
            thread = threading.Thread(target=target, name=f"print-{target.__name__}", daemon=True)
            thread.start()
            self._threads.append(thread)
        pause = Pause(longest=DATABASE_PAUSE)
        try:
            while not self.stopping.is_set():
                wait = self.interval if self._supervise(pause) else pause.next()
                if self._waker.wait(wait):
                    named = self._waker.take()  # the printers with new work (None: all)
                    for printer_id, lane in list(self.lanes.items()):
                        if named is None or printer_id in named:
                            lane.poke()
        finally:
            self._shut_down()

    def stop(self) -> None:
        """Ask every thread to stop after what it is doing (safe from a signal handler)."""
        self.stopping.set()
        for lane in list(self.lanes.values()):
            lane.poke()
        if self._waker is not None:
            self._waker.wake()

    def _supervise(self, pause: Pause) -> bool:
        """Start a lane for each printer that needs one, retire the others; False if the database failed."""
        with self.app.app_context():
            try:
                wanted = set(printing.enabled_printer_ids(db.session))
                # A disabled printer with a job left "printing" gets a lane until that job is recovered.
                wanted |= set(
                    db.session.execute(
                        select(PrintJob.printer_id).where(PrintJob.status == JobStatus.PRINTING).distinct()
                    ).scalars()
                )
                db.session.commit()
            except SQLAlchemyError as exc:
                _rollback(db.session)
                self.database.failed(exc)
                return False
            finally:
                db.session.remove()
        pause.reset()
        for printer_id, lane in list(self.lanes.items()):
            if printer_id not in wanted:
                lane.retire()
            if not lane.is_alive():
                del self.lanes[printer_id]
        for printer_id in sorted(wanted - set(self.lanes)):
            lane = _LaneThread(self, printer_id)
            self.lanes[printer_id] = lane
            lane.start()
        return True

    def _shut_down(self) -> None:
        self.stop()
        deadline = time.monotonic() + 45
        for thread in [*self.lanes.values(), *self._threads]:
            thread.join(timeout=max(deadline - time.monotonic(), 0.1))
        with self.app.app_context():
            try:
                forget(db.session, self.id)
                db.session.commit()
            except SQLAlchemyError:
                _rollback(db.session)
            finally:
                db.session.remove()
        if self._waker is not None:
            self._waker.close()

    # --- the other threads -------------------------------------------------------------------

    def held_printers(self) -> list[int]:
        """Printers whose job is in progress in this process (and not hung for longer than MAX_HOLD)."""
        oldest = time.monotonic() - MAX_HOLD.total_seconds()
        return [
            printer_id
            for printer_id, lane in list(self.lanes.items())
            if (hand := lane.lane.in_hand) is not None and hand.since > oldest
        ]

    def _heartbeat_loop(self) -> None:
        beats = 0
        while True:
            with self.app.app_context():
                try:
                    now = utcnow()
                    beat(db.session, self.id, now)
                    printing.renew_leases(db.session, self.id, self.held_printers(), now, self.lease)
                    if beats % 100 == 0:
                        forget(db.session, now=now)
                    db.session.commit()
                    beats += 1
                except SQLAlchemyError as exc:
                    _rollback(db.session)
                    self.database.failed(exc)
                finally:
                    db.session.remove()
            if self.stopping.wait(self.heartbeat.total_seconds()):
                return

    def _mail_loop(self) -> None:
        transport = mail.transport_from_config(self.app.config)
        sender = self.app.config["MAIL_SENDER"]
        pause = Pause(longest=DATABASE_PAUSE)
        while not self.stopping.is_set():
            wait = self.mail_interval
            with self.app.app_context():
                try:
                    sent, waiting = mail.deliver_due(db.session, transport, sender)
                    if self.on_mail and (sent or waiting):
                        self.on_mail(sent, waiting)
                    pause.reset()
                except SQLAlchemyError as exc:
                    _rollback(db.session)
                    self.database.failed(exc)
                    wait = pause.next()
                except Exception:  # noqa: BLE001 - mail must not stop the worker
                    _rollback(db.session)
                    log.exception("mail delivery failed; trying again")
                finally:
                    db.session.remove()
            self.stopping.wait(wait)
