"""Real parts for fault injection: a private PostgreSQL cluster, a private Redis, the worker as a process.

Ports 55432-55435 (PostgreSQL) and 56380-56383 (Redis), never the machine's shared servers.
Every wait is bounded; every server and process started here is stopped by its fixture.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PG_PORTS = range(55432, 55436)
REDIS_PORTS = range(56380, 56384)


def free_port(candidates: range) -> int:
    """The first of `candidates` nobody listens on."""
    for port in candidates:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError(f"ports {candidates.start}-{candidates.stop - 1} are all taken")


def wait_until(
    check: Callable[[], bool],
    timeout: float,
    what: str = "condition",
    explain: Callable[[], str] | None = None,
) -> float:
    """Seconds until `check()` held; fails after `timeout` (with `explain()`, e.g. the worker's log)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if check():
            return time.monotonic() - start
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {timeout} s" + (f"\n{explain()}" if explain else ""))


class PrivatePostgres:
    """A PostgreSQL cluster of its own, run as the postgres user, that a test may stop and restart."""

    def __init__(self) -> None:
        self.bin = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1])
        self.dir = Path(tempfile.mkdtemp(prefix="kiosk-pg-"))
        self.dir.chmod(0o777)
        self.data, self.log = self.dir / "data", self.dir / "log"
        self.port = free_port(PG_PORTS)
        self._as_postgres([str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "--no-sync"])
        self.start()

    def _as_postgres(self, command: list[str]) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *command], capture_output=True, check=True, timeout=60
        )

    def _ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(
            [str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, *args]
        )

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        self._ctl("-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("-m", mode, "-w", "stop")

    def restart(self) -> None:
        self._ctl("-m", "fast", "-w", "restart")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


def missing(problem: str) -> None:
    """Skip on a developer's machine that lacks what a fault test needs; in CI that is a failure."""
    if os.environ.get("CI"):
        pytest.fail(f"{problem} (CI=true, so this is an error, not a skip)")
    pytest.skip(problem)


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        missing("a private PostgreSQL cluster needs root (initdb runs as the postgres user)")
    cluster = PrivatePostgres()
    try:
        yield cluster
    finally:
        cluster.remove()


class PrivateRedis:
    """A redis-server of its own (no persistence) that a test may stop and start again."""

    def __init__(self) -> None:
        self.port = free_port(REDIS_PORTS)
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.start()

    def _cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["redis-cli", "-p", str(self.port), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )

    def up(self) -> bool:
        return self._cli("ping").stdout.strip() == "PONG"

    def start(self) -> None:
        subprocess.run(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ]
            + ["--daemonize", "yes"],
            capture_output=True,
            check=True,
            timeout=10,
        )
        wait_until(self.up, 10, "redis-server starts")

    def stop(self) -> None:
        self._cli("shutdown", "nosave")
        wait_until(lambda: not self.up(), 10, "redis-server stops")

    def subscribers(self, channel: str) -> int:
        out = self._cli("pubsub", "numsub", channel).stdout.split()
        return int(out[1]) if len(out) == 2 else 0


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        missing("redis-server is not installed")
    server = PrivateRedis()
    try:
        yield server
    finally:
        if server.up():
            server.stop()


class WorkerProcess:
    """`flask --app kiosk worker` in a process of its own, its output in a log file."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "kiosk", "worker"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """kill -9: no clean-up of any kind."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> int:
        """SIGTERM, as systemd stops it; its exit status."""
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def start_worker(tmp_path) -> Iterator[Callable[..., WorkerProcess]]:
    """Start worker processes on a database URL (and settings); every one is stopped after the test."""
    started: list[WorkerProcess] = []

    def start(database_url: str, **settings: str) -> WorkerProcess:
        env = {
            **os.environ,
            "KIOSK_ENV": "production",
            "SECRET_KEY": "fault-test-secret",
            "DATABASE_URL": database_url,
            "KIOSK_INSTANCE_PATH": str(tmp_path / "instance"),
            "PRINTER_FILES_DIR": str(tmp_path),
            "PYTHONUNBUFFERED": "1",
            **settings,
        }
        if "REDIS_URL" not in settings:
            env.pop("REDIS_URL", None)
        worker = WorkerProcess(env, tmp_path / f"worker-{len(started)}.log")
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
