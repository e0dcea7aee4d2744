"""Live updates: a service marks an event as changed; once the transaction commits, listeners hear it.

Services call `touch(session, event_id)` beside the change (a check-in, a scan, an accreditation).
Nothing is announced for a transaction that rolls back. After the commit, the application's
`Broker` announces the event: through Redis pub/sub when `REDIS_URL` is set, so that every
worker and server hears it, else within this process. Listeners (the dashboards' event streams)
wait with `Broker.wait` and then read the fresh figures themselves. Through Redis, a process
announces one event at most once every `PUBLISH_SPACING` seconds (the last change of a burst
is always announced), so that a queue at a door does not cost one Redis message per scan.
"""

from __future__ import annotations

import logging
import threading
import time

import redis
from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

CHANNEL = "kiosk:changes"
#: Through Redis, the shortest time between two announcements of one event by one process.
PUBLISH_SPACING = 0.05
_PENDING = "live_events"


def touch(session: Session, event_id: int) -> None:
    """Announce, once `session` commits, that figures of `event_id` changed."""
    session.info.setdefault(_PENDING, set()).add(event_id)


def _announce(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending and has_app_context() and "live" in current_app.extensions:
        broker: Broker = current_app.extensions["live"]
        for event_id in sorted(pending):
            broker.publish(event_id)


def _forget(session: Session, _previous_transaction) -> None:
    session.info.pop(_PENDING, None)


class Broker:
    """Tells waiting listeners that an event changed: in this process, or everywhere through Redis."""

    def __init__(self, redis_url: str | None = None, channel: str = CHANNEL) -> None:
        self.channel = channel
        self._changed = threading.Condition()
        self._versions: dict[int, int] = {}
        self._redis = redis.Redis.from_url(redis_url) if redis_url else None
        self._listener: threading.Thread | None = None
        self._lock = threading.Lock()
        #: Announcements held back by PUBLISH_SPACING: event id → when to send (one sender thread).
        self._sending = threading.Condition()
        self._sent_at: dict[int, float] = {}
        self._due: dict[int, float] = {}
        self._sender: threading.Thread | None = None
        self._closed = False

    @property
    def closed(self) -> bool:
        """Whether `close` was called: open streams end at once."""
        return self._closed

    def close(self) -> None:
        """Wake every waiting stream and tell it to end (a worker stopping, an app being torn down)."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def publish(self, event_id: int) -> None:
        """Announce a change of `event_id` to every listener (on every server, with Redis).

        Through Redis, an announcement within `PUBLISH_SPACING` of the previous one is sent when
        that time is up, by this process's sender thread, and carries every change made
        meanwhile. The caller never waits for it.
        """
        if self._redis is None:
            self._notify(event_id)
            return
        with self._sending:
            if event_id in self._due:
                return
            now = time.monotonic()
            due = self._sent_at.get(event_id, -PUBLISH_SPACING) + PUBLISH_SPACING
            if due > now:
                self._due[event_id] = due
                self._start_sender()
                self._sending.notify()
                return
            self._sent_at[event_id] = now
        self._send(event_id)

    def _start_sender(self) -> None:
        """Start the thread that sends held-back announcements (once per process; hold `_sending`)."""
        if self._sender is None or not self._sender.is_alive():
            self._sender = threading.Thread(target=self._send_when_due, name="live-sender", daemon=True)
            self._sender.start()

    def _send_when_due(self) -> None:
        while True:
            with self._sending:
                while not self._due:
                    self._sending.wait()
                event_id, due = min(self._due.items(), key=lambda item: item[1])
                now = time.monotonic()
                if due > now:
                    self._sending.wait(due - now)
                    continue
                del self._due[event_id]
                self._sent_at[event_id] = now
            self._send(event_id)

    def _send(self, event_id: int) -> None:
        try:
            self._redis.publish(self.channel, str(event_id))
        except redis.RedisError:
            log.warning("live update for event %s not sent through Redis; local listeners only", event_id)
            self._notify(event_id)

    def version(self, event_id: int) -> int:
        """How many changes of `event_id` this process has heard of."""
        self._listen()
        with self._changed:
            return self._versions.get(event_id, 0)

    def wait(self, event_id: int, seen: int, timeout: float) -> int:
        """Wait until `event_id` changes past version `seen` or `timeout` passes; return the version."""
        self._listen()
        with self._changed:
            self._changed.wait_for(lambda: self._closed or self._versions.get(event_id, 0) != seen, timeout)
            return self._versions.get(event_id, 0)

    def _notify(self, event_id: int) -> None:
        with self._changed:
            self._versions[event_id] = self._versions.get(event_id, 0) + 1
            self._changed.notify_all()

    def _listen(self) -> None:
        """With Redis, start (once per process) the thread that relays Redis messages to listeners."""
        if self._redis is None or (self._listener and self._listener.is_alive()):
            return
        with self._lock:
            if self._listener and self._listener.is_alive():
                return
            ready = threading.Event()
            self._listener = threading.Thread(
                target=self._relay, args=(ready,), name="live-relay", daemon=True
            )
            self._listener.start()
            ready.wait(5)

    def _relay(self, ready: threading.Event) -> None:
        while True:
            try:
                pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.channel)
                ready.set()
                for message in pubsub.listen():
                    if message and message.get("type") == "message":
                        self._notify(int(message["data"]))
            except (redis.RedisError, ValueError):
                log.warning("live updates: Redis connection lost; reconnecting")
                threading.Event().wait(1)


def init_app(app: Flask) -> None:
    """Give the application its broker (Redis when REDIS_URL is set) and announce after commits."""
    app.extensions["live"] = Broker(app.config.get("REDIS_URL"), app.config.get("LIVE_CHANNEL") or CHANNEL)
    if not event.contains(Session, "after_commit", _announce):
        event.listen(Session, "after_commit", _announce)
        event.listen(Session, "after_soft_rollback", _forget)
