"""Kiosk limits (wrong proofs, find me) hold across workers and servers: counted in Redis when set.

Two applications on one database stand for two gunicorn workers (or two servers). The shared
Redis at 6379 is used with a key prefix of each test's own; the test that stops Redis runs a
private redis-server on a port in 56390-56393.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest
import redis

from kiosk import create_app
from kiosk.extensions import db
from tests.checkin_fixtures import *  # noqa: F403 (fixtures)
from tests.conftest import base_config

SHARED_REDIS = "redis://127.0.0.1:6379/0"


def url(setting, tail: str = "") -> str:
    return f"/api/v1/events/{setting.slug}/checkins{tail}"


@pytest.fixture
def workers(app, kiosk_client, tmp_path) -> Iterator[tuple]:
    """Two workers on the test database, counting in `storage`; each with the kiosk's cookie."""

    def start(storage: str, limits: dict) -> tuple:
        prefix = f"test-{uuid.uuid4().hex}"
        settings = {
            "RATELIMIT_STORAGE_URI": storage,
            "RATELIMIT_KEY_PREFIX": prefix,
            "KIOSK_RATE_LIMITS": limits,
        }
        app.config.update(settings)
        other = create_app({**base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path), **settings})
        started.append(other)
        second = other.test_client()
        second.set_cookie("kiosk_device", kiosk_client.get_cookie("kiosk_device").value)
        return kiosk_client, second, prefix

    started: list = []
    yield start
    for other in started:
        other.extensions["live"].close()
        with other.app_context():
            db.engine.dispose()


def test_wrong_proofs_count_on_every_worker(setting, workers, reference_of):
    first, second, prefix = workers(SHARED_REDIS, {"proof_participant": (3, 600.0)})
    wrong = {"participant_id": setting.ana, "proof": "X"}
    codes = [client.post(url(setting), json=wrong).status_code for client in (first, second, first)]
    assert codes == [403, 403, 403]
    assert redis.Redis.from_url(SHARED_REDIS).keys(f"*{prefix}*"), "the attempts are counted in Redis"

    right = {"participant_id": setting.ana, "proof": reference_of(setting.ana)}
    refused = second.post(url(setting), json=right)
    assert refused.status_code == 429 and refused.json["code"] == "too_many_attempts"
    assert first.post(url(setting), json=right).status_code == 429


def test_find_me_counts_on_every_worker(setting, workers):
    first, second, _prefix = workers(SHARED_REDIS, {"find": (3, 60.0)})
    codes = [c.get(url(setting, "/find?family_name=pe")).status_code for c in (first, second, first, second)]
    assert codes == [200, 200, 200, 429]


def test_without_redis_each_process_counts_its_own(setting, workers):
    """memory:// (no REDIS_URL): the reason gunicorn refuses several workers without Redis."""
    first, second, _prefix = workers("memory://", {"find": (2, 60.0)})
    codes = [c.get(url(setting, "/find?family_name=pe")).status_code for c in (first, first, second, first)]
    assert codes == [200, 200, 200, 429]


@pytest.fixture
def private_redis() -> Iterator[str]:
    """A redis-server of this test's own, on a port the system chose (never the shared 6379)."""
    server = shutil.which("redis-server")
    assert server, "redis-server is needed: apt-get install redis-server"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert process.poll() is None, "redis-server exited at start"
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()  # already stopped by the test, or now
        process.wait(timeout=10)


def test_with_redis_gone_limits_still_hold_per_process_and_nothing_fails(setting, workers, private_redis):
    first, second, _prefix = workers(private_redis, {"find": (2, 60.0)})
    assert first.get(url(setting, "/find?family_name=pe")).status_code == 200
    try:
        redis.Redis.from_url(private_redis).shutdown(nosave=True)
    except redis.ConnectionError:
        pass  # the server closes the connection as it stops
    codes = [first.get(url(setting, "/find?family_name=pe")).status_code for _n in range(3)]
    assert codes == [200, 200, 429]  # counted in this process meanwhile: no 500, still a limit


def test_wrong_one_time_codes_and_codes_sent_count_on_every_worker(setting, workers, mailed_code):
    first, second, prefix = workers(
        SHARED_REDIS,
        {"code_attempts": (3, 600.0), "proof_participant": (10, 600.0), "code_participant": (2, 3600.0)},
    )
    assert first.post(url(setting, "/codes"), json={"participant_id": setting.ana}).status_code == 202
    code = mailed_code(setting.ana)
    wrong = {"participant_id": setting.ana, "proof": f"{(int(code) + 1) % 10**6:06d}"}
    answers = [
        client.post(url(setting, "/preview"), json=wrong).status_code for client in (first, second, first)
    ]
    assert answers == [403, 403, 429]
    assert redis.Redis.from_url(SHARED_REDIS).keys(f"*{prefix}*code_attempts*")
    right = {"participant_id": setting.ana, "proof": code}
    assert second.post(url(setting), json=right).status_code == 429  # the right code too, on the other worker

    assert second.post(url(setting, "/codes"), json={"participant_id": setting.ana}).status_code == 202
    assert first.post(url(setting, "/codes"), json={"participant_id": setting.ana}).status_code == 429
