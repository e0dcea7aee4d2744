"""Readiness: whether this server can serve now (database, Redis, migrations, printers).

`CHECKS` is the list `/readyz` runs, in order; `register(Check(...))` adds one.
A check answers with a `Result`; one that raises counts as failed, with the name of the
exception only (its message may hold a host, a user or a path). A check that is not
`required` is reported but does not make the server unready. Results may be kept a few seconds
(`cache_seconds`) so that a load balancer asking every second costs little.

Nothing here reads personal data, and no detail holds a secret: the answer is public.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import redis
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import func, select, text

from badges import printers as printer_devices
from kiosk.extensions import db
from kiosk.models import Printer
from kiosk.services import printing, printworker, servers


@dataclass(frozen=True)
class Result:
    """One check's answer: fine or not, with a short sentence that holds no secret."""

    ok: bool
    detail: str = ""


@dataclass
class Check:
    """A readiness check: `probe(app)` runs inside the application context."""

    name: str
    probe: Callable[[Flask], Result]
    #: Whether a failure makes the server unready (503); else it is only reported.
    required: Callable[[Flask], bool] = lambda app: True
    #: Whether the check applies to this deployment (e.g. Redis only when REDIS_URL is set).
    applies: Callable[[Flask], bool] = lambda app: True
    #: Seconds a result is kept by this process before the check runs again.
    cache_seconds: Callable[[Flask], float] = lambda app: 0.0


@dataclass
class _Cache:
    lock: threading.Lock = field(default_factory=threading.Lock)
    results: dict[str, tuple[float, Result]] = field(default_factory=dict)


def database(app: Flask) -> Result:
    """The database answers a query."""
    with db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return Result(True)


@lru_cache(maxsize=4)
def script_heads(directory: str) -> frozenset[str]:
    """The head revisions of the migration scripts (read once per process)."""
    config = AlembicConfig()
    config.set_main_option("script_location", directory)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def migrations(app: Flask) -> Result:
    """The database schema is at the newest migration (`flask --app kiosk init-db` brings it there)."""
    heads = script_heads(app.extensions["migrate"].directory)
    with db.engine.connect() as connection:
        current = frozenset(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    if current == heads:
        return Result(True)
    return Result(False, "The database is not at the newest migration: run `flask --app kiosk init-db`.")


def _redis_client(app: Flask) -> redis.Redis:
    client = app.extensions.get("readiness_redis")
    if client is None:
        client = redis.Redis.from_url(
            app.config["REDIS_URL"],
            socket_connect_timeout=app.config["READY_TIMEOUT_SECONDS"],
            socket_timeout=app.config["READY_TIMEOUT_SECONDS"],
        )
        app.extensions["readiness_redis"] = client
    return client


def redis_server(app: Flask) -> Result:
    """Redis answers PING (live updates and shared limits go through it)."""
    _redis_client(app).ping()
    return Result(True)


def printers(app: Flask) -> Result:
    """Every enabled printer can be reached, checked side by side within a short timeout.

    The same checks as `printing.check_printer`, without recording the answer on the printer:
    this runs on every server every few seconds, and reads only.
    """
    rows = db.session.execute(
        select(Printer.name, Printer.kind, Printer.connection)
        .where(Printer.enabled.is_(True))
        .order_by(Printer.name)
    ).all()
    db.session.rollback()  # hold no transaction while the printers are asked
    if not rows:
        return Result(True, "No printer is set up.")
    timeout = app.config["READY_TIMEOUT_SECONDS"]
    files_dir = printing.printer_files_dir()  # read here: the checks run in threads of their own

    def reachable(kind, connection) -> bool:
        if printing.connection_problem(kind, connection, files_dir=files_dir):
            return False
        return printer_devices.check_reachable(connection, timeout=timeout)[0]

    pool = ThreadPoolExecutor(max_workers=min(8, len(rows)), thread_name_prefix="readyz-printer")
    futures = {pool.submit(reachable, row.kind, dict(row.connection or {})): row.name for row in rows}
    done, _late = wait_for(futures, timeout=max(timeout, 1.0) + 0.5)
    pool.shutdown(wait=False, cancel_futures=True)
    down = [
        name
        for future, name in futures.items()
        if future not in done or future.exception() or not future.result()
    ]
    if down:
        return Result(
            False, f"{len(down)} of {len(rows)} printers cannot be reached: {', '.join(sorted(down))}."
        )
    return Result(True, f"{len(rows)} printers can be reached.")


def print_worker(app: Flask) -> Result:
    """A print worker has heartbeated lately, when printers are set up (`printworker.worker_status`)."""
    printers_set_up = db.session.execute(
        select(func.count()).select_from(Printer).where(Printer.enabled.is_(True))
    ).scalar_one()
    status = printworker.worker_status(db.session) if printers_set_up else None
    db.session.rollback()
    if status is None:
        return Result(True, "No printer is set up.")
    if status.running:
        return Result(True, f"Print workers heard from: {status.workers}.")
    return Result(False, "No print worker has been heard from lately: badges and receipts will not print.")


def web_servers(app: Flask) -> Result:
    """No other server shares this database without Redis (`servers`: a conflict that got past the start)."""
    sentence = servers.problem(db.session)
    db.session.rollback()
    return Result(False, sentence) if sentence else Result(True)


#: The checks `/readyz` runs, in this order.
CHECKS: list[Check] = [
    Check("database", database),
    Check("redis", redis_server, applies=lambda app: bool(app.config.get("REDIS_URL"))),
    Check("migrations", migrations),
    Check(
        "printers",
        printers,
        required=lambda app: bool(app.config["READY_PRINTERS_REQUIRED"]),
        cache_seconds=lambda app: float(app.config["READY_CACHE_SECONDS"]),
    ),
    Check("print_worker", print_worker, required=lambda app: bool(app.config["READY_PRINTERS_REQUIRED"])),
    # Reported, never unready: taking every server out of the load balancer would be worse.
    Check("servers", web_servers, required=lambda app: False),
]


def register(check: Check) -> None:
    """Add a check (or replace the one of the same name)."""
    CHECKS[:] = [existing for existing in CHECKS if existing.name != check.name] + [check]


def _run(app: Flask, check: Check) -> Result:
    ttl = check.cache_seconds(app)
    cache: _Cache = app.extensions.setdefault("readiness_cache", _Cache())
    if ttl <= 0:
        return _probe(app, check)
    with cache.lock:  # one probe at a time; callers meanwhile wait for its fresh answer
        kept = cache.results.get(check.name)
        if kept and kept[0] > time.monotonic():
            return kept[1]
        result = _probe(app, check)
        cache.results[check.name] = (time.monotonic() + ttl, result)
        return result


def _probe(app: Flask, check: Check) -> Result:
    try:
        return check.probe(app)
    except Exception as error:  # noqa: BLE001 - any failure is an answer; its message may hold secrets
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the database itself may be what failed
            db.session.remove()
        return Result(False, f"The {check.name} check failed ({type(error).__name__}).")


def readiness(app: Flask) -> tuple[bool, dict[str, Any]]:
    """Run the checks; (ready, the JSON report)."""
    report: dict[str, Any] = {}
    failed: list[str] = []
    for check in CHECKS:
        if not check.applies(app):
            continue
        started = time.perf_counter()
        result = _run(app, check)
        required = check.required(app)
        entry: dict[str, Any] = {"ok": result.ok, "required": required}
        if result.detail:
            entry["detail"] = result.detail
        entry["ms"] = round((time.perf_counter() - started) * 1000, 1)
        report[check.name] = entry
        if required and not result.ok:
            failed.append(check.name)
    body: dict[str, Any] = {"status": "ready" if not failed else "unavailable", "checks": report}
    if failed:
        body["failed"] = failed
    return not failed, body
