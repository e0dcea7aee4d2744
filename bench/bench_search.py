"""Benchmark: finding a person by name, at the kiosk (family name) and at the desk (any name).

For 1,000, 20,000 and 100,000 participants with made-up names (one in ten Cyrillic), prints the
median and p95 of a search for each of several typed beginnings (many matches, few, none),
next to the floor measured in the same run: one participant read by its primary key. A search
reads the index of search keys (kiosk.services.name_search), so its time must not grow with the
number of participants.

Run: .venv/bin/python bench/bench_search.py
Set BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test to measure on PostgreSQL
(a scratch database is created and dropped).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_checkin import new_delegations  # noqa: E402
from bench.bench_registration import scratch_database  # noqa: E402
from kiosk import create_app  # noqa: E402
from kiosk.extensions import db  # noqa: E402
from kiosk.models import Event, Participant, Status  # noqa: E402
from kiosk.models.base import utcnow  # noqa: E402
from kiosk.models.participant import new_reference  # noqa: E402
from kiosk.services import checkin, name_search  # noqa: E402

SIZES = (1_000, 20_000, 100_000)
SAMPLES = 40
TYPED = ("ba", "kari", "petro", "zq")  # many matches, some, a Cyrillic name in Latin, none
LATIN = ("ba", "ri", "to", "mo", "ka", "le", "san", "dra", "pe", "rez", "al", "had", "ng", "wu", "li", "ovo")
CYRILLIC = ("пе", "тро", "ва", "ан", "на", "ко", "ва", "ле", "на", "ми")


def made_up_name(rng: random.Random, cyrillic: bool) -> str:
    syllables = CYRILLIC if cyrillic else LATIN
    return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))).capitalize()


def fill(event_id: int, count: int, rng: random.Random) -> None:
    """Add `count` accredited participants in delegations of three, with their search keys."""
    now = utcnow()
    for start in range(0, count, 3_000):
        size = min(3_000, count - start)
        delegation_ids = new_delegations(event_id, (size + 2) // 3)
        people = []
        for k in range(size):
            cyrillic = rng.random() < 0.1
            family = made_up_name(rng, cyrillic)
            if rng.random() < 0.3:
                family += " " + made_up_name(rng, cyrillic)
            people.append(
                {
                    "event_id": event_id,
                    "delegation_id": delegation_ids[k // 3],
                    "given_name": made_up_name(rng, cyrillic),
                    "family_name": family,
                    "status": Status.ACCREDITED,
                    "reference": new_reference(),
                    "created_at": now,
                    "updated_at": now,
                    "status_changed_at": now,
                }
            )
        ids = db.session.execute(insert(Participant).returning(Participant.id), people).scalars().all()
        # Rows written with Core skip the flush that writes search keys: write them here.
        name_search.index_names(
            db.session,
            ((pid, event_id, p["given_name"], p["family_name"]) for pid, p in zip(ids, people, strict=True)),
        )
        db.session.commit()


def timed(function, samples: int = SAMPLES) -> tuple[float, float]:
    """Median and p95 of `function`, in milliseconds, after a few warm-up calls."""
    for _ in range(3):
        function()
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), statistics.quantiles(times, n=20)[-1]


def main() -> None:
    rng = random.Random(2024)
    with tempfile.TemporaryDirectory() as tmp:
        uri, drop = scratch_database(Path(tmp))
        os.environ["KIOSK_INSTANCE_PATH"] = f"{tmp}/instance"
        app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": uri, "KEYS_DIR": f"{tmp}/keys"})
        try:
            with app.app_context():
                upgrade(directory=app.extensions["migrate"].directory)
                event = Event(
                    slug="bench",
                    title="Bench",
                    starts_on=date.today(),
                    ends_on=date.today() + timedelta(days=2),
                )
                db.session.add(event)
                db.session.commit()
                print(f"database: {db.engine.dialect.name}; median / p95 in ms over {SAMPLES} searches each")
                header = " ".join(f"{'kiosk ' + t:>15} {'desk ' + t:>15}" for t in TYPED)
                print(f"{'participants':>12} {'by id':>13} {header}")
                loaded, first = 0, None
                for size in SIZES:
                    fill(event.id, size - loaded, rng)
                    db.session.execute(text("ANALYZE"))  # as autovacuum would within a minute of an import
                    db.session.commit()
                    loaded = size
                    first = first or db.session.execute(select(Participant.id)).scalars().first()
                    row = [timed(lambda pid=first: db.session.get(Participant, pid, populate_existing=True))]
                    for typed in TYPED:
                        row.append(timed(lambda t=typed: checkin.find_by_family_name(db.session, event, t)))
                        row.append(timed(lambda t=typed: checkin.search(db.session, event, t)))
                    print(f"{size:>12,} " + " ".join(f"{m:>6.2f}/{p:<6.2f}  " for m, p in row))
                    db.session.expunge_all()
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
            drop()


if __name__ == "__main__":
    main()
