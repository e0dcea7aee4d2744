"""A PostgreSQL restart costs no server error: pooled connections are tested before use.

The tests run on a private PostgreSQL cluster of their own (initdb + pg_ctl as the postgres
user, on a port in 55440-55445), which they restart; the machine's shared server is never touched.
"""

from __future__ import annotations

import glob
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from kiosk import create_app
from kiosk.extensions import db
from kiosk.models import CheckIn, Delegation, Role, Status
from tests.checkin_fixtures import *  # noqa: F403 (fixtures)
from tests.conftest import bearer, migrate

PORTS = range(55440, 55446)


def postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not found or shutil.which("runuser") is None:
        pytest.fail("PostgreSQL's server programs (initdb, pg_ctl) are needed: apt-get install postgresql")
    return Path(found[-1])


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return port
    pytest.fail(f"No free port for a private PostgreSQL in {PORTS.start}-{PORTS.stop - 1}")


class Cluster:
    """A throw-away PostgreSQL cluster run by the postgres user."""

    def __init__(self) -> None:
        self.bin = postgres_bin()
        self.dir = Path(tempfile.mkdtemp(prefix="kiosk-pg-"))
        self.dir.chmod(0o777)
        self.port = free_port()
        self.pg("initdb", "-D", str(self.dir / "data"), "-A", "trust", "-U", "postgres")
        self.ctl("start")

    def pg(self, program: str, *args: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", str(self.bin / program), *args],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def ctl(self, action: str, *args: str) -> None:
        # -l: without a log file the server keeps our stdout open and run() never returns.
        options = f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1"
        self.pg(
            "pg_ctl",
            "-D",
            str(self.dir / "data"),
            "-l",
            str(self.dir / "log"),
            "-w",
            *args,
            action,
            "-o",
            options,
        )

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def restart(self) -> None:
        self.ctl("restart", "-m", "fast")

    def stop(self) -> None:
        self.pg("pg_ctl", "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    running = Cluster()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def database(cluster, tmp_path_factory) -> Iterator[tuple[str, str]]:
    """This module's database: on the private cluster (replaces the shared one of conftest)."""
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{cluster.port}/postgres", autocommit=True) as conn:
        conn.execute("CREATE DATABASE kiosk")
    uri = cluster.url("kiosk")
    migrate(uri, tmp_path_factory.mktemp("restart"))
    yield "postgresql", uri


def check_in(client, setting, participant_id: int, token: str, request_id: str):
    return client.post(
        f"/api/v1/events/{setting.slug}/checkins",
        json={"participant_id": participant_id, "request_id": request_id},
        headers=bearer(token),
    )


def test_engine_options_test_connections_before_use(app):
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_pre_ping"] is True and options["connect_args"]["connect_timeout"] == 5
    sqlite = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert "pool_pre_ping" not in sqlite.config["SQLALCHEMY_ENGINE_OPTIONS"]


def test_requests_after_a_restart_succeed(app, cluster, setting, make_participant, make_token):
    client = app.test_client()
    token = make_token(Role.DESK)
    with app.app_context():
        chile = db.session.get(Delegation, setting.chile)
        db.session.expunge(chile)
    for _n in range(3):  # several pooled connections, all opened before the restart
        assert (
            client.get(f"/api/v1/events/{setting.slug}/headcount", headers=bearer(token)).status_code == 200
        )
    assert check_in(client, setting, setting.ana, token, "before").status_code == 201
    with app.app_context():
        assert db.engine.pool.checkedin() >= 1  # a connection waits in the pool

    cluster.restart()

    codes = [client.get(f"/api/v1/events/{setting.slug}/headcount", headers=bearer(token)).status_code]
    bruno = make_participant(chile, status=Status.ACCREDITED, given_name="Bruno", family_name="Díaz").id
    codes.append(check_in(client, setting, bruno, token, "after").status_code)
    codes.append(check_in(client, setting, bruno, token, "after").status_code)  # the same, sent again
    assert codes == [200, 201, 201]
    with app.app_context():
        assert db.session.query(CheckIn).count() == 2


def test_without_the_check_a_restart_costs_503_not_500(app, cluster, setting, make_token):
    """The control: with pre-ping off, the request that meets a dead connection is told to retry."""
    unchecked = create_app({**app.config, "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False}})
    client = unchecked.test_client()
    token = make_token(Role.DESK)
    url = f"/api/v1/events/{setting.slug}/headcount"
    assert client.get(url, headers=bearer(token)).status_code == 200

    cluster.restart()

    failed = client.get(url, headers=bearer(token))
    assert failed.status_code == 503 and failed.json["code"] == "unavailable"
    assert failed.headers["Retry-After"] == "2"
    assert client.get(url, headers=bearer(token)).status_code == 200  # the pool was renewed
    with unchecked.app_context():
        db.engine.dispose()
