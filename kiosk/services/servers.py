"""Web servers sharing one database: a second server without Redis is refused at start.

Without REDIS_URL a server keeps its attempt limits (sign-in, kiosk proofs, find me) and its
live figures in its own memory: a second server on the same database would double every limit
and miss half the dashboard's updates, silently. So each gunicorn server (its master process,
`gunicorn.conf.py`) runs a `Heartbeat`: it writes its row in `web_servers` (host, pid, whether
it uses Redis, last seen: no personal data) every `BEAT_SECONDS`, and at start refuses to serve
when another live server shares the database and either of them has no Redis.

A row whose heartbeat is older than `STOPPED_AFTER`, or whose process is gone from this host
(a server killed with -9, restarted at once by systemd), does not count. `/readyz` reports a
conflict that got past the start (two servers started in the same second) as `servers`.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, create_engine, delete, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from kiosk.models import WebServer
from kiosk.models.base import utcnow

log = logging.getLogger(__name__)

BEAT_SECONDS = 5.0
#: A server not heard of for this long has stopped (four missed heartbeats).
STOPPED_AFTER = timedelta(seconds=20)

SECOND_SERVER = (
    "Another server ({other}) is serving this database{without}. Without Redis each server keeps "
    "its own attempt limits (sign-in, kiosk proofs, find me) and live figures, so the limits "
    "would not hold and dashboards would miss check-ins. Set the same REDIS_URL on every server, "
    "or run one server only."
)


class SecondServerWithoutRedis(RuntimeError):
    """Another live server shares the database, and this one or that one has no Redis."""


@dataclass(frozen=True)
class Peer:
    """Another server heard of lately."""

    id: str
    host: str
    pid: int
    uses_redis: bool
    started_at: datetime

    def describe(self) -> str:
        return f"{self.host}, process {self.pid}"


def new_server_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


def beat(session: Session, server: str, uses_redis: bool, now: datetime | None = None) -> None:
    """Record that `server` is alive; the caller commits."""
    now = now or utcnow()
    seen = session.execute(
        update(WebServer)
        .where(WebServer.id == server)
        .values(last_seen=now)
        .execution_options(synchronize_session=False)
    )
    if seen.rowcount == 0:
        session.add(
            WebServer(
                id=server,
                host=socket.gethostname()[:255],
                pid=os.getpid(),
                uses_redis=uses_redis,
                started_at=now,
                last_seen=now,
            )
        )
        session.flush()


def forget(session: Session, server: str) -> None:
    """Remove `server`'s row (a clean stop), and rows not heard of for a day; the caller commits."""
    session.execute(delete(WebServer).where(WebServer.id == server))
    session.execute(delete(WebServer).where(WebServer.last_seen < utcnow() - timedelta(days=1)))


def _gone(host: str, pid: int) -> bool:
    """Whether `pid` on `host` is known to have ended (only this host's processes can be asked)."""
    if host != socket.gethostname()[:255]:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def live_servers(session: Session, now: datetime | None = None) -> list[Peer]:
    """The servers heard of within `STOPPED_AFTER` whose process has not ended; reads only."""
    now = now or utcnow()
    rows = session.execute(
        select(WebServer).where(WebServer.last_seen >= now - STOPPED_AFTER).order_by(WebServer.started_at)
    ).scalars()
    return [
        Peer(row.id, row.host, row.pid, row.uses_redis, row.started_at)
        for row in rows
        if not _gone(row.host, row.pid)
    ]


def conflicts(servers: list[Peer], server: str, uses_redis: bool) -> list[Peer]:
    """The other servers that may not run beside `server`: any, when either side has no Redis."""
    return [peer for peer in servers if peer.id != server and not (uses_redis and peer.uses_redis)]


def problem(session: Session) -> str | None:
    """A sentence when live servers share this database and one of them has no Redis (for /readyz)."""
    servers = live_servers(session)
    if len(servers) > 1 and not all(peer.uses_redis for peer in servers):
        return f"{len(servers)} servers share this database and not all of them use Redis."
    return None


def refusal(other: Peer) -> str:
    """Why this server may not serve beside `other`."""
    without = " without Redis" if not other.uses_redis else " with Redis, and this one has no REDIS_URL"
    return SECOND_SERVER.format(other=other.describe(), without=without)


class Heartbeat:
    """This server's row in `web_servers`, renewed by a thread (for a gunicorn master)."""

    def __init__(self, database_uri: str, uses_redis: bool, interval: float = BEAT_SECONDS) -> None:
        # A connection per heartbeat (no pool): the master forks workers, which must not share
        # an open connection with it.
        self.engine: Engine = create_engine(database_uri, poolclass=NullPool)
        self.uses_redis = uses_redis
        self.interval = interval
        self.id = new_server_id()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._warned: set[str] = set()
        self._failing = False

    def start(self) -> None:
        """Write the first heartbeat, refuse to serve beside a conflicting server, then keep beating.

        Of two servers that start together, the one that started later is refused; if the table
        cannot be reached the server starts anyway (the database check of /readyz says why).
        """
        try:
            peers = self._beat()
        except SQLAlchemyError as error:
            log.warning("Could not record this server in the database (%s).", type(error).__name__)
            peers = []
        me = next((peer for peer in peers if peer.id == self.id), None)
        for other in conflicts(peers, self.id, self.uses_redis):
            if me is None or (other.started_at, other.id) < (me.started_at, me.id):
                self.stop()
                raise SecondServerWithoutRedis(refusal(other))
        self._thread = threading.Thread(target=self._run, name="web-server-heartbeat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop beating and remove this server's row."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=self.interval + 5)
        try:
            with Session(self.engine) as session, session.begin():
                forget(session, self.id)
        except SQLAlchemyError:
            pass  # its row ages out after STOPPED_AFTER
        self.engine.dispose()

    def _beat(self) -> list[Peer]:
        with Session(self.engine) as session:
            with session.begin():
                beat(session, self.id, self.uses_redis)
            return live_servers(session)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                peers = self._beat()
            except SQLAlchemyError as error:
                if not self._failing:
                    log.warning("Server heartbeat failed (%s); trying again.", type(error).__name__)
                self._failing = True
                continue
            self._failing = False
            for other in conflicts(peers, self.id, self.uses_redis):
                if other.id not in self._warned:
                    self._warned.add(other.id)
                    log.error(refusal(other))
