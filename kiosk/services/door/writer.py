"""Writing scans on SQLite: the writers' turn, and scans waiting for it written together."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session

from kiosk.services.door.verdict import (
    EventRef,
    Judged,
    ScanInput,
    ScanRaceLost,
    Verdict,
    judge_scan,
    record_scan,
    write_scan,
)
from kiosk.services.errors import ValidationFailed

_sqlite_writer = threading.Lock()
#: Lock files by (process, database): a lock taken through a file opened before a fork would be
#: shared with the child, so each process opens its own.
_turn_files: dict[tuple[int, str], int] = {}
_turn_files_lock = threading.Lock()


def _turn_file(database: str | None) -> int | None:
    """This process's open lock file beside a SQLite database file (None for one in memory)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    key = (os.getpid(), database)
    if key not in _turn_files:
        with _turn_files_lock:
            if key not in _turn_files:
                _turn_files[key] = os.open(f"{database}-door-turn", os.O_RDWR | os.O_CREAT, 0o600)
    return _turn_files[key]


@contextmanager
def _server_turn(session: Session) -> Iterator[None]:
    """The turn among the processes of this server (gunicorn's workers): a lock file."""
    shared = _turn_file(session.get_bind().url.database)
    if shared is None:
        yield
        return
    fcntl.flock(shared, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(shared, fcntl.LOCK_UN)


@contextmanager
def writer_turn(session: Session) -> Iterator[None]:
    """Hold the turn to write scans (SQLite), from the decision until the commit.

    SQLite lets one transaction write at a time, and a connection that finds the database locked
    sleeps (1, 2, 5 … ms) before trying again: under a queue at the doors, requests would sleep
    for up to a second. Writers take turns instead, which wakes the next one at once: threads of
    a process on a lock, and the processes of a server on a lock file beside the database.
    PostgreSQL locks rows and needs no turn.
    """
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    with _sqlite_writer, _server_turn(session):
        yield


@dataclass
class _Ticket:
    """A judged scan waiting for its turn to be written, and then its answer."""

    event: EventRef
    judged: Judged
    done: bool = False
    verdict: Verdict | None = None
    error: BaseException | None = None
    #: Refused as input (a nonce another scan took meanwhile): its own request says why.
    alone: bool = False


_waiting: list[_Ticket] = []
_waiting_lock = threading.Lock()


def record_and_commit(
    session: Session, event: EventRef, sent: ScanInput, commit: Callable[[], None]
) -> Verdict:
    """Record one scan and `commit` it; a nonce seen before answers as a replay.

    SQLite writes one transaction at a time and syncs each commit to disk. So each request
    judges its scan first, reading only (a nonce seen before is found by its insert, as in
    `record_scan(optimistic=True)`), and then waits for the turn to write; whichever request
    gets it writes every scan waiting in its process, in one transaction with one sync (group
    commit), and the others find their answer ready. If that transaction fails, each scan is
    written on its own, so that one bad scan fails alone. PostgreSQL writes concurrent
    transactions side by side: each scan is judged and written in a transaction of its own.
    """
    if session.get_bind().dialect.name != "sqlite":
        return _alone(session, event, sent, commit)
    judged = judge_scan(session, event, sent, look_up_nonce=False)
    assert isinstance(judged, Judged)  # a nonce seen before is found by its insert
    ticket = _Ticket(event, judged)
    with _waiting_lock:
        _waiting.append(ticket)
    with _sqlite_writer:
        if not ticket.done:
            with _waiting_lock:
                group = list(_waiting)
                _waiting.clear()
            with _server_turn(session):
                _write_group(session, group, commit)
        if ticket.alone:
            with _server_turn(session):
                return _alone(session, event, sent, commit)
    if ticket.error is not None:
        raise ticket.error
    assert ticket.verdict is not None
    return ticket.verdict


def _alone(session: Session, event: EventRef, sent: ScanInput, commit: Callable[[], None]) -> Verdict:
    """Record one scan in a transaction of its own, and commit."""
    try:
        verdict = record_scan(session, event, sent, optimistic=True)
    except ScanRaceLost:
        session.rollback()
        verdict = record_scan(session, event, sent)
    commit()
    return verdict


def _write_group(session: Session, group: list[_Ticket], commit: Callable[[], None]) -> None:
    try:
        try:
            for ticket in group:
                try:
                    ticket.verdict = write_scan(session, ticket.event, ticket.judged)
                except ValidationFailed:  # nothing of it written
                    ticket.alone = True
            commit()
            return
        except Exception:
            session.rollback()
            for ticket in group:
                ticket.verdict, ticket.alone = None, False
        for ticket in group:
            try:
                ticket.verdict = _alone(session, ticket.event, ticket.judged.sent, commit)
            except ValidationFailed:
                session.rollback()
                ticket.alone = True
            except Exception as error:
                session.rollback()
                ticket.error = error
    finally:
        for ticket in group:
            if ticket.verdict is None and ticket.error is None and not ticket.alone:
                ticket.error = RuntimeError("the scan was not written")
            ticket.done = True
