"""A second web server on the same database without Redis is refused; restarts and Redis are not."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import timedelta

import pytest

from kiosk.extensions import db
from kiosk.models import WebServer
from kiosk.models.base import utcnow
from kiosk.services import servers
from kiosk.services.servers import Heartbeat, SecondServerWithoutRedis


def add_server(app, *, uses_redis: bool, seen_ago: float = 0, host: str = "other-host", pid: int = 4242):
    """A row as another server's heartbeat writes it."""
    now = utcnow()
    with app.app_context():
        server = WebServer(
            id=f"{host}:{pid}:abcd",
            host=host,
            pid=pid,
            uses_redis=uses_redis,
            started_at=now - timedelta(seconds=seen_ago + 60),
            last_seen=now - timedelta(seconds=seen_ago),
        )
        db.session.add(server)
        db.session.commit()
        return server.id


def rows(app) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(db.select(WebServer.id)))


@pytest.fixture
def heartbeats(app):
    started: list[Heartbeat] = []

    def start(uses_redis: bool) -> Heartbeat:
        heartbeat = Heartbeat(app.config["SQLALCHEMY_DATABASE_URI"], uses_redis=uses_redis, interval=0.1)
        heartbeat.start()
        started.append(heartbeat)
        return heartbeat

    yield start
    for heartbeat in started:
        heartbeat.stop()


def test_a_second_server_without_redis_is_refused_with_a_sentence(app, heartbeats):
    other = add_server(app, uses_redis=False)
    with pytest.raises(SecondServerWithoutRedis) as refused:
        heartbeats(uses_redis=False)
    assert "Another server (other-host, process 4242) is serving this database without Redis" in str(
        refused.value
    )
    assert "Set the same REDIS_URL on every server" in str(refused.value)
    assert rows(app) == [other]  # the refused server left no row behind


def test_a_server_with_redis_is_refused_beside_one_without_and_the_other_way_round(app, heartbeats):
    add_server(app, uses_redis=False)
    with pytest.raises(SecondServerWithoutRedis, match="without Redis"):
        heartbeats(uses_redis=True)
    with app.app_context():
        db.session.execute(db.delete(WebServer))
        db.session.commit()
    add_server(app, uses_redis=True)
    with pytest.raises(SecondServerWithoutRedis, match="this one has no REDIS_URL"):
        heartbeats(uses_redis=False)


def test_servers_that_all_use_redis_run_side_by_side(app, client, heartbeats):
    other = add_server(app, uses_redis=True)
    mine = heartbeats(uses_redis=True)
    assert rows(app) == sorted([other, mine.id])
    check = client.get("/readyz").json["checks"]["servers"]
    assert check["ok"] is True and "detail" not in check


def test_a_server_not_heard_of_lately_or_gone_from_this_host_does_not_count(app, heartbeats):
    add_server(app, uses_redis=False, seen_ago=servers.STOPPED_AFTER.total_seconds() + 1)
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    add_server(
        app, uses_redis=False, host=socket.gethostname()[:255], pid=int(ended.stdout)
    )  # killed -9, say
    mine = heartbeats(uses_redis=False)
    assert mine.id in rows(app)


def test_the_heartbeat_keeps_the_row_fresh_and_a_clean_stop_removes_it(app, heartbeats):
    mine = heartbeats(uses_redis=False)
    with app.app_context():
        first = db.session.get(WebServer, mine.id).last_seen
    time.sleep(0.5)
    with app.app_context():
        row = db.session.get(WebServer, mine.id)
        assert row.last_seen > first and row.pid == os.getpid() and row.uses_redis is False
    mine.stop()
    assert mine.id not in rows(app)


def test_of_two_servers_started_together_the_later_one_is_refused(app, heartbeats):
    first = heartbeats(uses_redis=False)
    # The second one wrote its row before it saw the first: it is the later, so it gives way.
    with pytest.raises(SecondServerWithoutRedis):
        heartbeats(uses_redis=False)
    assert rows(app) == [first.id]


def test_readyz_reports_a_conflict_that_got_past_the_start_without_becoming_unready(app, client, heartbeats):
    heartbeats(uses_redis=False)
    add_server(app, uses_redis=False, seen_ago=0)  # e.g. started in the same second, on another host
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    check = response.json["checks"]["servers"]
    assert check["ok"] is False and check["required"] is False
    assert check["detail"] == "2 servers share this database and not all of them use Redis."
