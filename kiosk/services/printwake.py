"""Waking the print worker the moment a job is queued, so the first byte reaches the printer at once.

A service that queues a job calls `wake_on_commit(session, printer_id)`. Nothing is sent for a
transaction that rolls back. A wake-up names the printers that have new work, so a worker looks
only at those (a worker driving twenty printers does not make twenty passes for each check-in);
one that names none (an empty message, or listening again after an outage) sends every printer
of the worker looking. Three ways reach the worker, each used when it exists:

- PostgreSQL: `NOTIFY kiosk_print` in the same transaction (delivered by the server at commit,
  to a worker on any machine);
- Redis (`REDIS_URL`): a message on the `kiosk:print` channel after commit;
- always: a datagram to the worker's local socket (`PRINT_WAKE_SOCKET`, in the instance folder),
  for a worker on the same machine, e.g. on SQLite.

The worker (`Waker`) listens to all of them and otherwise wakes every `interval` seconds anyway,
so a lost signal only delays a job to the next pass. When PostgreSQL or Redis cannot be reached,
the Waker says so once, tries again with a growing pause (at most `MAX_PAUSE`) and says when it
is listening again; meanwhile the worker polls.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import socket
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import redis
from flask import Flask, current_app, has_app_context
from sqlalchemy import event, text
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

CHANNEL = "kiosk_print"
#: The longest pause between two attempts to listen again.
MAX_PAUSE = 5.0
REDIS_CHANNEL = "kiosk:print"
_PENDING = "print_wake"


def socket_path(config: Mapping[str, Any], instance_path: str) -> str:
    """Where the worker's wake-up socket lives."""
    return config.get("PRINT_WAKE_SOCKET") or str(Path(instance_path) / "print-worker.sock")


def wake_on_commit(session: Session, printer_id: int | None = None) -> None:
    """Wake the print worker for `printer_id` (None: every printer) once `session` commits."""
    target = session.info.get(_PENDING)
    if target is None:
        target = {"socket": None, "redis": None, "printers": []}
        if has_app_context():
            target["socket"] = socket_path(current_app.config, current_app.instance_path)
            target["redis"] = current_app.config.get("REDIS_URL")
        session.info[_PENDING] = target
    name = "" if printer_id is None else str(printer_id)
    if name in target["printers"]:
        return
    target["printers"].append(name)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:channel, :printer)"), {"channel": CHANNEL, "printer": name})


def _after_commit(session: Session) -> None:
    target = session.info.pop(_PENDING, None)
    if not target:
        return
    message = ",".join(target["printers"])  # "7,8"; "" (or an empty item) for every printer
    if target["socket"]:
        with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.setblocking(False)
            sock.sendto(message.encode(), target["socket"])
    if target["redis"]:
        try:
            _redis(target["redis"]).publish(REDIS_CHANNEL, message)
        except redis.RedisError:
            log.warning("could not wake the print worker through Redis")


def printers_named(message: str | bytes) -> set[int] | None:
    """The printers a wake-up names ("7,8"), or None when it names none or cannot be read: all."""
    if isinstance(message, bytes):
        message = message.decode("ascii", "replace")
    try:
        return {int(item) for item in message.split(",")}
    except ValueError:
        return None


_clients: dict[str, redis.Redis] = {}


def _redis(url: str) -> redis.Redis:
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(url, socket_timeout=0.5)
    return _clients[url]


def _forget(session: Session, _previous_transaction=None) -> None:
    session.info.pop(_PENDING, None)


def init_app(_app: Flask | None = None) -> None:
    """Send wake-ups after every commit (once per process)."""
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _forget)


class Outage:
    """Logs once when a service stops answering and once when it is back (never its error text)."""

    def __init__(self, what: str, logger: logging.Logger = log) -> None:
        self.what = what
        self.log = logger
        self._down = False
        self._lock = threading.Lock()

    @property
    def down(self) -> bool:
        """Whether the last attempt failed."""
        return self._down

    def failed(self, exc: BaseException) -> None:
        """An attempt failed: say so if it is the first since it last worked."""
        with self._lock:
            first, self._down = not self._down, True
        if first:
            # The class only: database errors carry SQL parameters, which may name people.
            self.log.warning("%s cannot be reached (%s); trying again", self.what, type(exc).__name__)

    def ok(self) -> None:
        """An attempt worked: say so if the last one had failed."""
        with self._lock:
            back, self._down = self._down, False
        if back:
            self.log.warning("%s can be reached again", self.what)


class Pause:
    """Growing pauses between attempts: `first`, twice that, … at most `longest` seconds."""

    def __init__(self, first: float = 0.25, longest: float = MAX_PAUSE) -> None:
        self.first, self.longest, self._next = first, longest, first

    def next(self) -> float:
        """The pause before the next attempt."""
        pause, self._next = self._next, min(self._next * 2, self.longest)
        return pause

    def reset(self) -> None:
        """The last attempt worked: the next failure starts with a short pause again."""
        self._next = self.first


class Waker:
    """The worker's side: blocks until a job is queued somewhere, or `timeout` passes."""

    def __init__(self, socket_file: str, *, database_url: str | None = None, redis_url: str | None = None):
        self._event = threading.Event()
        self._lock = threading.Lock()
        #: The printers named since the last `take` (None: every printer).
        self._named: set[int] | None = set()
        self._stopping = False
        self._threads: list[threading.Thread] = []
        self.socket_file = socket_file
        self._sock = self._bind(socket_file)
        self._start(self._socket_loop)
        if database_url and database_url.startswith("postgresql"):
            self._start(self._postgres_loop, database_url)
        if redis_url:
            self._start(self._redis_loop, redis_url)

    def _start(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True, name=f"waker-{target.__name__}")
        thread.start()
        self._threads.append(thread)

    @staticmethod
    def _bind(path: str) -> socket.socket:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        return sock

    def _socket_loop(self) -> None:
        while not self._stopping:
            ready, _w, _x = select.select([self._sock], [], [], 0.5)
            if ready:
                try:
                    self._note(self._sock.recv(4096))
                except OSError:
                    self._note(None)

    def _postgres_loop(self, url: str) -> None:
        import psycopg
        from sqlalchemy.engine import make_url

        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        outage, pause = Outage("print wake-up: PostgreSQL LISTEN"), Pause()
        while not self._stopping:
            try:
                with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    outage.ok()
                    pause.reset()
                    self._note(None)  # jobs may have been queued while we were not listening
                    while not self._stopping:
                        for notice in conn.notifies(timeout=0.5):
                            self._note(notice.payload)
            except psycopg.Error as exc:
                outage.failed(exc)
                self._pause(pause.next())

    def _redis_loop(self, url: str) -> None:
        outage, pause = Outage("print wake-up: Redis"), Pause()
        while not self._stopping:
            client = redis.Redis.from_url(url, socket_connect_timeout=2, health_check_interval=10)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(REDIS_CHANNEL)
                outage.ok()
                pause.reset()
                self._note(None)  # jobs may have been queued while we were not listening
                while not self._stopping:
                    message = pubsub.get_message(timeout=0.5)
                    if message:
                        self._note(message["data"])
            except (redis.RedisError, OSError) as exc:
                outage.failed(exc)
                self._pause(pause.next())
            finally:
                with contextlib.suppress(redis.RedisError, OSError):
                    pubsub.close()
                with contextlib.suppress(redis.RedisError, OSError):
                    client.close()

    def _pause(self, seconds: float) -> None:
        """Sleep between two attempts to listen, ending early when the Waker closes."""
        deadline = time.monotonic() + seconds
        while not self._stopping and time.monotonic() < deadline:
            time.sleep(min(0.1, seconds))

    def _note(self, message: str | bytes | None) -> None:
        """Remember the printers a wake-up names (None: all of them) and wake `wait`."""
        named = None if message is None else printers_named(message)
        with self._lock:
            if named is None or self._named is None:
                self._named = None
            else:
                self._named |= named
        self._event.set()

    def wake(self) -> None:
        """Make the current or next `wait` return at once (e.g. to stop), for every printer."""
        self._note(None)

    def wait(self, timeout: float) -> bool:
        """Wait for a wake-up (True) or the timeout (False); either way the next wait starts afresh."""
        woken = self._event.wait(timeout)
        self._event.clear()
        return woken

    def take(self) -> set[int] | None:
        """The printers named by the wake-ups since the last call (None: every printer)."""
        with self._lock:
            named, self._named = self._named, set()
        return named

    def close(self) -> None:
        """Stop listening and remove the socket."""
        self._stopping = True
        for thread in self._threads:
            thread.join(timeout=2)
        self._sock.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.socket_file)
