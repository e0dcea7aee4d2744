"""`GET …/headcount` and the event stream: roles, resumption, and changes arriving within a second."""

from __future__ import annotations

import http.client
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import select

from kiosk import create_app
from kiosk.extensions import db
from kiosk.models import ApiToken, Event, Participant, Role, Status, User
from kiosk.services import accounts, auth, registration
from kiosk.services.audit import Actor
from kiosk.services.auth import hash_secret
from tests.conftest import base_config, bearer
from tests.serving import Server

ROOT = Path(__file__).resolve().parent.parent.parent
ORGANIZER = Actor("user:test", Role.ORGANIZER)
REDIS_URL = "redis://127.0.0.1:6379/0"


class Stream:
    """An open `text/event-stream` response, read line by line in a thread."""

    def __init__(self, base_url: str, path: str, headers: dict[str, str]) -> None:
        host, port = base_url.removeprefix("http://").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=30)
        self.conn.request("GET", path, headers=headers)
        self.sock = self.conn.sock
        self.response = self.conn.getresponse()
        self.events: queue.Queue[dict[str, str]] = queue.Queue()
        self.comments: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        fields: dict[str, str] = {}
        try:
            for raw in self.response:
                line = raw.decode().rstrip("\n")
                if not line:
                    if "event" in fields:
                        self.events.put(fields)
                    fields = {}
                elif line.startswith(":"):
                    self.comments.append(line)
                else:
                    name, _sep, value = line.partition(": ")
                    fields[name] = value
        except (OSError, ValueError, AttributeError, http.client.HTTPException):  # closed by the test
            return

    def next_headcount(self, timeout: float) -> dict[str, str]:
        """The next `headcount` event, or fail after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                fields = self.events.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"no headcount event within {timeout} s")
            if fields.get("event") == "headcount":
                return fields

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the reading thread at once
        except OSError:
            pass
        self.response.close()
        self.conn.close()


@pytest.fixture
def serve():
    """Serve an app on a free loopback port (threaded, like gunicorn's gthread worker)."""
    servers = []

    def start(app) -> str:
        servers.append(Server(app))
        return servers[-1].url

    yield start
    for server in servers:
        server.close_streams()
        server.stop()


def accredit(app, participant_id: int) -> None:
    with app.app_context():
        someone = db.session.get(Participant, participant_id)
        registration.change_status(db.session, someone, Status.ACCREDITED, ORGANIZER)
        db.session.commit()


def slug_of(app, event_id: int) -> str:
    with app.app_context():
        return db.session.get(Event, event_id).slug


def test_headcount_is_for_organizers_desk_and_security(app, client, make_participant, make_token):
    someone = make_participant()
    path = f"/api/v1/events/{slug_of(app, someone.event_id)}/headcount"
    assert client.get(path).status_code == 401
    for role in (Role.ORGANIZER, Role.DESK, Role.SECURITY):
        response = client.get(path, headers=bearer(make_token(role)))
        assert response.status_code == 200, role
        assert response.json["registered"] == 1
        assert {"accredited", "checked_in", "inside", "capacity", "by_category", "by_checkpoint"} <= set(
            response.json
        )
        assert {"gender", "delegations_at_cap", "printing"} <= set(response.json)
    for role in (Role.KIOSK, Role.FOCAL_POINT):
        assert client.get(path, headers=bearer(make_token(role))).status_code == 403
        assert (
            client.get(path.replace("headcount", "stream"), headers=bearer(make_token(role))).status_code
            == 403
        )
    assert client.get("/api/v1/events/nope/headcount", headers=bearer(make_token())).status_code == 404


def test_the_stream_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    stream = paths["/api/v1/events/{slug}/stream"]["get"]
    assert "text/event-stream" in stream["responses"]["200"]["content"]
    assert "Headcount" in json.dumps(paths["/api/v1/events/{slug}/headcount"])


def watch_a_change(app, base_url: str, participant_id: int, token: str, slug: str) -> float:
    """Open a stream, accredit someone, and return how long the new figures took to arrive."""
    stream = Stream(base_url, f"/api/v1/events/{slug}/stream", bearer(token))
    try:
        assert stream.response.status == 200
        assert stream.response.getheader("Content-Type").startswith("text/event-stream")
        first = json.loads(stream.next_headcount(timeout=5)["data"])
        assert first["accredited"] == 0
        with app.app_context():
            someone = db.session.get(Participant, participant_id)
            registration.change_status(db.session, someone, Status.ACCREDITED, ORGANIZER)
            started = time.monotonic()
            db.session.commit()  # from here to the client: what a dashboard waits for
        changed = stream.next_headcount(timeout=1)
        took = time.monotonic() - started
        assert json.loads(changed["data"])["accredited"] == 1
        return took
    finally:
        stream.close()


def test_a_change_reaches_an_open_stream_within_a_second_without_redis(
    app, serve, make_participant, make_token
):
    assert app.config.get("REDIS_URL") is None
    someone = make_participant()
    took = watch_a_change(app, serve(app), someone.id, make_token(), slug_of(app, someone.event_id))
    assert took < 1


@pytest.fixture
def redis_app(app, tmp_path) -> Iterator:
    """A second app on the same database whose broker goes through the real Redis."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError:
        pytest.fail("Redis is not running on 127.0.0.1:6379: start it (see README, Tests).")
    channel = f"kiosk:test:{uuid.uuid4().hex}"
    other = create_app(
        {
            **base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path),
            "REDIS_URL": REDIS_URL,
            "LIVE_CHANNEL": channel,
        }
    )
    yield other
    other.extensions["live"].close()
    with other.app_context():
        db.engine.dispose()


def test_a_change_reaches_an_open_stream_within_a_second_through_redis(
    redis_app, serve, make_participant, make_token
):
    someone = make_participant()
    took = watch_a_change(
        redis_app, serve(redis_app), someone.id, make_token(), slug_of(redis_app, someone.event_id)
    )
    assert took < 1


def test_a_stream_resumes_from_last_event_id(app, serve, make_participant, make_token):
    someone = make_participant()
    app.config["LIVE_HEARTBEAT_SECONDS"] = 0.2
    base_url, token, slug = serve(app), make_token(Role.SECURITY), slug_of(app, someone.event_id)
    path = f"/api/v1/events/{slug}/stream"
    first = Stream(base_url, path, bearer(token))
    last = first.next_headcount(timeout=5)
    first.close()
    again = Stream(base_url, path, {**bearer(token), "Last-Event-ID": last["id"]})
    time.sleep(0.6)
    assert again.events.empty(), "figures that did not change are not sent again"
    assert ": heartbeat" in again.comments
    accredit(app, someone.id)
    assert json.loads(again.next_headcount(timeout=1)["data"])["accredited"] == 1
    again.close()
    stale = Stream(base_url, path, {**bearer(token), "Last-Event-ID": last["id"]})
    assert json.loads(stale.next_headcount(timeout=2)["data"])["accredited"] == 1
    stale.close()


def test_a_burst_of_changes_is_merged_into_few_updates(
    app, serve, make_event, make_participant, make_delegation, make_token
):
    app.config["LIVE_SPACING_SECONDS"] = 0.25
    event = make_event()
    delegations = [make_delegation(event) for _ in range(4)]
    people = [make_participant(delegations[i % 4]) for i in range(12)]
    stream = Stream(
        serve(app), f"/api/v1/events/{slug_of(app, people[0].event_id)}/stream", bearer(make_token())
    )
    try:
        assert json.loads(stream.next_headcount(timeout=5)["data"])["accredited"] == 0
        began = time.monotonic()
        for someone in people:  # twelve commits, as fast as the database allows
            accredit(app, someone.id)
        burst = time.monotonic() - began
        updates = []
        while not updates or json.loads(updates[-1]["data"])["accredited"] < 12:
            updates.append(stream.next_headcount(timeout=2))
        at_most = 2 + int(burst / 0.25)  # the first change at once, then one per spacing, then the last
        assert len(updates) <= min(at_most, 11), f"{len(updates)} updates for 12 changes in {burst:.2f} s"
    finally:
        stream.close()


def test_a_stream_ends_after_its_lifetime_so_the_browser_reconnects(
    app, client, make_participant, make_token
):
    someone = make_participant()
    app.config.update(LIVE_STREAM_SECONDS=0.3, LIVE_HEARTBEAT_SECONDS=0.1)
    response = client.get(
        f"/api/v1/events/{slug_of(app, someone.event_id)}/stream", headers=bearer(make_token())
    )
    text = response.get_data(as_text=True)
    assert text.startswith("retry: 1000\n\n")
    assert text.count("event: headcount\n") == 1


def read_until_the_end(response, within: float) -> str:
    """The text of a streamed response once it ends, or fail if it goes on for `within` seconds."""
    began, text = time.monotonic(), ""
    for chunk in response.response:
        text += chunk if isinstance(chunk, str) else chunk.decode()
        if time.monotonic() - began > within:
            pytest.fail(f"the stream went on for {within} s")
    return text


@pytest.mark.parametrize("ended_by", ["token revoked", "user signed out", "user deactivated"])
def test_a_stream_ends_soon_after_its_caller_is_signed_out(
    app, client, login, make_participant, make_token, ended_by
):
    someone = make_participant()
    app.config.update(LIVE_STREAM_SECONDS=60, LIVE_HEARTBEAT_SECONDS=0.1)
    path = f"/api/v1/events/{slug_of(app, someone.event_id)}/stream"
    if ended_by == "token revoked":
        secret = make_token()
        response = client.get(path, headers=bearer(secret), buffered=False)
    else:
        user = login(Role.ORGANIZER)
        response = client.get(path, buffered=False)
    assert response.status_code == 200
    first = next(response.response)
    first += next(response.response)
    assert "event: headcount" in (first if isinstance(first, str) else first.decode())
    with app.app_context():
        if ended_by == "token revoked":
            token = db.session.scalars(select(ApiToken).filter_by(token_hash=hash_secret(secret))).one()
            accounts.revoke_token(db.session, token, ORGANIZER)
        elif ended_by == "user signed out":
            auth.end_sessions(db.session, user.id)
        else:
            accounts.set_user_active(db.session, db.session.get(User, user.id), False, ORGANIZER)
        db.session.commit()
    read_until_the_end(response, within=5)  # its lifetime is a minute: ended by the check
    again = client.get(path, headers=bearer(secret) if ended_by == "token revoked" else {})
    assert again.status_code == 401


def test_a_stream_goes_on_while_its_caller_is_signed_in(app, client, login, make_participant):
    someone = make_participant()
    app.config.update(LIVE_STREAM_SECONDS=0.6, LIVE_HEARTBEAT_SECONDS=0.1)
    login(Role.ORGANIZER)
    response = client.get(f"/api/v1/events/{slug_of(app, someone.event_id)}/stream", buffered=False)
    began = time.monotonic()
    text = read_until_the_end(response, within=5)
    assert time.monotonic() - began >= 0.5 and text.count(": heartbeat") >= 3


def test_closing_the_broker_ends_open_streams_at_once(app, client, login, make_participant):
    someone = make_participant()
    app.config.update(LIVE_STREAM_SECONDS=60, LIVE_HEARTBEAT_SECONDS=30)
    login(Role.ORGANIZER)
    response = client.get(f"/api/v1/events/{slug_of(app, someone.event_id)}/stream", buffered=False)
    assert response.status_code == 200
    threading.Timer(0.3, app.extensions["live"].close).start()
    began = time.monotonic()
    read_until_the_end(response, within=5)  # not at the next heartbeat, 30 s away
    assert time.monotonic() - began < 5


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gunicorn_pair(app, tmp_path) -> Iterator[list[str]]:
    """Two gunicorn servers (gunicorn.conf.py, gthread) on the test's database, sharing one Redis."""
    channel = f"kiosk:test:{uuid.uuid4().hex}"
    processes, urls = [], []
    for number in range(2):
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": "test-secret-key",
            "REDIS_URL": REDIS_URL,
            "LIVE_CHANNEL": channel,
            "KIOSK_INSTANCE_PATH": str(tmp_path / f"instance{number}"),
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "1",
            "GUNICORN_THREADS": "8",
        }
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url, process in zip(urls, processes, strict=True):
            wait_until_up(url, process)
        yield urls
    finally:
        for process in processes:
            process.send_signal(signal.SIGQUIT)  # gunicorn's quick shutdown: streams need not end first
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_up(url: str, process: subprocess.Popen) -> None:
    host, port = url.removeprefix("http://").split(":")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with status {process.returncode}")
        conn = http.client.HTTPConnection(host, int(port), timeout=2)
        try:
            conn.request("GET", "/api/v1/openapi.json")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
        finally:
            conn.close()
    pytest.fail(f"gunicorn did not answer at {url}")


def test_a_change_in_one_server_reaches_a_stream_of_another(app, gunicorn_pair, make_participant, make_token):
    someone = make_participant()
    token, slug = make_token(), slug_of(app, someone.event_id)
    watching, acting = gunicorn_pair
    stream = Stream(watching, f"/api/v1/events/{slug}/stream", bearer(token))
    try:
        assert json.loads(stream.next_headcount(timeout=10)["data"])["registered"] == 1
        host, port = acting.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        started = time.monotonic()
        # a rejection: no confirmation e-mail to compose, so the timer measures the change's journey
        conn.request("POST", f"/api/v1/participants/{someone.id}/reject", headers=bearer(token))
        assert conn.getresponse().status == 200
        conn.close()
        changed = stream.next_headcount(timeout=1)
        assert time.monotonic() - started < 1
        assert json.loads(changed["data"])["registered"] == 0
    finally:
        stream.close()
