"""Benchmark: adding a participant and checking the cap, as the data grows to 10,000 delegations.

Prints the median and p95 time per registration (accepted, and refused because the delegation is
full) with 100, 1,000 and 10,000 delegations of three participants each; the baseline is the
smallest size, measured in the same run. Run: .venv/bin/python bench/bench_registration.py
Set BENCH_DATABASE_URL to measure on PostgreSQL (the tables are created in a scratch database).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import database_url  # noqa: E402
from kiosk import create_app  # noqa: E402
from kiosk.extensions import db  # noqa: E402
from kiosk.models import Base, Category, Delegation, Event, Participant, Role  # noqa: E402
from kiosk.models.base import utcnow  # noqa: E402
from kiosk.services import registration  # noqa: E402
from kiosk.services.audit import Actor  # noqa: E402
from kiosk.services.errors import DelegationFull  # noqa: E402

SIZES = (100, 1_000, 10_000)
SAMPLES = 200
ACTOR = Actor("bench", Role.ORGANIZER)


def scratch_database(tmp: Path) -> tuple[str, callable]:
    """A database URI of our own and a function that removes it."""
    server = os.environ.get("BENCH_DATABASE_URL")
    if not server:
        return f"sqlite:///{tmp / 'bench.sqlite'}", lambda: None
    url = make_url(database_url(server))
    name = f"kiosk_bench_{uuid.uuid4().hex[:8]}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url.set(database=name).render_as_string(hide_password=False), drop


def fill(event_id: int, first: int, count: int) -> list[int]:
    """Add `count` delegations, each with three in-person participants; return their ids."""
    delegations = [
        {
            "event_id": event_id,
            "name": f"Delegation {n:05d}",
            "category": Category.STATE_PARTY,
            "revision": 0,
            "created_at": utcnow(),
            "focal_point_name": "",
            "focal_point_email": "",
        }
        for n in range(first, first + count)
    ]
    ids = list(db.session.execute(insert(Delegation).returning(Delegation.id), delegations).scalars())
    people = [
        {
            "event_id": event_id,
            "delegation_id": d,
            "given_name": f"P{d}-{k}",
            "family_name": "Bench",
            "created_at": utcnow(),
            "updated_at": utcnow(),
            "status_changed_at": utcnow(),
        }
        for d in ids
        for k in range(3)
    ]
    db.session.execute(insert(Participant), people)
    db.session.commit()
    return ids


def measure(event_id: int, size: int) -> tuple[list[float], list[float]]:
    """Per-call milliseconds for registrations accepted and refused at the cap, a fresh session each."""
    spare = fill(event_id, 10**6 + size, SAMPLES)  # delegations of three, so full at cap 3
    accepted, refused = [], []
    for n, delegation_id in enumerate(spare):

        def register(given: str, delegation_id: int = delegation_id) -> bool:
            delegation = db.session.get(Delegation, delegation_id)
            try:
                registration.add_participant(
                    db.session, delegation, {"given_name": given, "family_name": "X"}, ACTOR
                )
            except DelegationFull:
                db.session.rollback()
                return False
            db.session.commit()
            return True

        start = time.perf_counter()
        if register(f"Full{n}"):
            raise AssertionError("the cap did not hold")
        refused.append((time.perf_counter() - start) * 1000)
        db.session.remove()
        db.session.get(Delegation, delegation_id).cap_override = 4
        db.session.commit()
        db.session.remove()
        start = time.perf_counter()
        if not register(f"New{n}"):
            raise AssertionError("a free place was refused")
        accepted.append((time.perf_counter() - start) * 1000)
        db.session.remove()
    return accepted, refused


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        uri, drop = scratch_database(Path(tmp))
        app = create_app(
            {
                "SECRET_KEY": "bench",
                "SQLALCHEMY_DATABASE_URI": uri,
                "KEYS_DIR": f"{tmp}/keys",
                "MAIL_OUTBOX": f"{tmp}/outbox",
            }
        )
        try:
            with app.app_context():
                Base.metadata.create_all(db.engine)
                event = Event(
                    slug="bench",
                    title="Bench",
                    starts_on=date.today(),
                    ends_on=date.today() + timedelta(days=2),
                    default_cap=3,
                )
                db.session.add(event)
                db.session.commit()
                event_id = event.id
                print(f"database: {db.engine.dialect.name}; {SAMPLES} registrations per size")
                print(
                    f"{'delegations':>12} {'participants':>13} {'add median':>11} {'add p95':>9} "
                    f"{'refuse median':>14} {'refuse p95':>11}"
                )
                loaded = 0
                baseline = None
                for size in SIZES:
                    fill(event_id, loaded, size - loaded)
                    loaded = size
                    accepted, refused = measure(event_id, size)
                    participants = db.session.execute(
                        select(func.count()).select_from(Participant)
                    ).scalar_one()
                    row = (
                        statistics.median(accepted),
                        p95(accepted),
                        statistics.median(refused),
                        p95(refused),
                    )
                    baseline = baseline or row
                    print(
                        f"{size:>12,} {participants:>13,} {row[0]:>9.2f}ms {row[1]:>7.2f}ms "
                        f"{row[2]:>12.2f}ms {row[3]:>9.2f}ms"
                    )
                ratio = row[0] / baseline[0]
                print(
                    f"median add time at {SIZES[-1]:,} delegations is {ratio:.2f}× the time at {SIZES[0]:,}"
                )
                db.session.remove()
                db.engine.dispose()
        finally:
            drop()


if __name__ == "__main__":
    main()
