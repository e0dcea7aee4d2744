"""Benchmark: the live headcount, its updates, the event stream, and the API with 200 open streams.

1. The headcount snapshot and one update (an accreditation, and a check-in's counters), with
   1,000 and with 100,000 participants plus the counters 1,000,000 scans leave behind; the
   snapshot reads counters only, so the two sizes should be within 1.2x of each other.
2. The stream's delivery time: from the commit of a change to the `headcount` event read by a
   client of a gunicorn server (gunicorn.conf.py, gthread) — through Redis — median and p95.
3. The API's latency (GET …/headcount) with no stream open, and with 200 streams open.

Run: .venv/bin/python bench/bench_headcount.py   (SQLite; BENCH_DATABASE_URL for PostgreSQL;
Redis at REDIS_URL, default redis://127.0.0.1:6379/0)
"""

from __future__ import annotations

import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_registration import scratch_database  # noqa: E402
from kiosk import create_app  # noqa: E402
from kiosk.extensions import db  # noqa: E402
from kiosk.models import Base, Category, Delegation, Event, Participant, Role, Status, Venue  # noqa: E402
from kiosk.services import auth, counters, live, live_figures, registration  # noqa: E402
from kiosk.services.audit import Actor  # noqa: E402

ACTOR = Actor("bench", Role.ORGANIZER)
DELEGATIONS = 200
CHECKPOINTS = 10
SCANS = 1_000_000
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
SAMPLES = 50


def ms(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
    return f"median {1000 * statistics.median(values):7.2f} ms   p95 {1000 * p95:7.2f} ms"


def make_event(slug: str, participants: int) -> int:
    """An event with DELEGATIONS delegations sharing `participants`, and the counters of SCANS scans."""
    event = Event(
        slug=slug,
        title=f"Bench {participants}",
        starts_on=date(2024, 6, 18),
        ends_on=date(2024, 6, 20),
        default_cap=participants,
        venue=Venue(name="CICG", capacity=3000),
    )
    db.session.add(event)
    db.session.flush()
    categories = list(Category)
    ids = []
    for n in range(DELEGATIONS):
        delegation = Delegation(
            event_id=event.id, name=f"Delegation {n:04d}", category=categories[n % len(categories)]
        )
        db.session.add(delegation)
        db.session.flush()
        ids.append(delegation.id)
    statuses = ["pending", "accredited", "accredited", "rejected", "withdrawn"]
    genders = ["female", "male", "other", "undisclosed"]
    rows = [
        {
            "event_id": event.id,
            "delegation_id": ids[n % DELEGATIONS],
            "given_name": f"Given{n}",
            "family_name": f"Family{n}",
            "status": statuses[n % len(statuses)],
            "gender": genders[n % len(genders)],
            "mode": "in_person" if n % 7 else "online",
            "reference": uuid.uuid4().hex[:9].upper(),
        }
        for n in range(participants)
    ]
    for start in range(0, len(rows), 10_000):
        db.session.execute(insert(Participant), rows[start : start + 10_000])
    counters.recount(db.session, event.id, fix=True)  # the participant counters, from the rows
    first = datetime(2024, 6, 18, 7, tzinfo=UTC)
    scans: dict[str, int] = {}
    per = SCANS // (CHECKPOINTS * 3)
    for cp in range(1, CHECKPOINTS + 1):
        scans[f"scans:{cp}:in:accepted"] = per
        scans[f"scans:{cp}:out:accepted"] = per - 50
        scans[f"scans:{cp}:in:refused"] = per
        scans[f"inside:checkpoint:{cp}"] = 50
    scans[f"inside:venue:{event.venue_id}"] = 50 * CHECKPOINTS
    arrivals = {counters.arrival_bucket(first + timedelta(minutes=15 * q)): 25 for q in range(3 * 96)}
    counters.add(db.session, event.id, {**scans, **arrivals, "checked_in": 25 * 3 * 96})
    db.session.commit()
    return event.id


def bench_snapshot_and_updates(app) -> None:
    print(f"1. Snapshot and one update ({DELEGATIONS} delegations, counters of {SCANS:,} scans)")
    results = {}
    with app.app_context():
        for participants in (1_000, 100_000):
            started = time.perf_counter()
            event_id = make_event(f"bench{participants}", participants)
            setup = time.perf_counter() - started
            event = db.session.get(Event, event_id)
            counters_n = len(counters.values(db.session, event_id))
            for _ in range(10):  # warm up caches and the connection pool before measuring
                live_figures.snapshot(db.session, event)
            snap = []
            for _ in range(SAMPLES):
                db.session.expire_all()
                event = db.session.get(Event, event_id)
                t = time.perf_counter()
                live_figures.snapshot(db.session, event)
                snap.append(time.perf_counter() - t)
            pending = list(
                db.session.execute(
                    select(Participant.id).where(
                        Participant.event_id == event_id, Participant.status == Status.PENDING
                    )
                ).scalars()
            )[: SAMPLES * 2]
            accredit = []
            for ident in random.sample(pending, SAMPLES):
                t = time.perf_counter()
                registration.change_status(
                    db.session, db.session.get(Participant, ident), Status.ACCREDITED, ACTOR
                )
                db.session.commit()
                accredit.append(time.perf_counter() - t)
            checkin = []
            for _ in range(SAMPLES):
                t = time.perf_counter()
                bucket = counters.arrival_bucket(datetime.now(UTC))
                counters.add(db.session, event_id, {"checked_in": 1, "checked_in:state_party": 1, bucket: 1})
                live.touch(db.session, event_id)
                db.session.commit()
                checkin.append(time.perf_counter() - t)
            results[participants] = (
                statistics.median(snap),
                statistics.median(accredit),
                statistics.median(checkin),
            )
            print(f"   {participants:>7,} participants ({counters_n:,} counters, set up in {setup:.0f} s)")
            print(f"      snapshot               {ms(snap)}")
            print(f"      accreditation + commit {ms(accredit)}")
            print(f"      check-in counters      {ms(checkin)}")
    small, large = results[1_000], results[100_000]
    for label, n in (("snapshot", 0), ("accreditation", 1), ("check-in", 2)):
        print(f"   {label}: 100,000 / 1,000 participants = {large[n] / small[n]:.2f}x (target within 1.2x)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(uri: str, channel: str, tmp: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": uri,
        "SECRET_KEY": "bench",
        "REDIS_URL": REDIS_URL,
        "LIVE_CHANNEL": channel,
        "KIOSK_INSTANCE_PATH": str(tmp / "instance"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_ACCESS_LOG": "/dev/null",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/openapi.json")
            if conn.getresponse().status == 200:
                conn.close()
                return process, f"127.0.0.1:{port}"
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


class Stream:
    """One open event stream; `events` counts headcount events, `last_at` is when the last arrived."""

    def __init__(self, address: str, path: str, token: str) -> None:
        host, port = address.split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=120)
        self.conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        self.sock = self.conn.sock
        self.response = self.conn.getresponse()
        self.arrived = threading.Condition()
        self.events = 0
        self.last_at = 0.0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            for line in self.response:
                if line.startswith(b"event: headcount"):
                    with self.arrived:
                        self.events += 1
                        self.last_at = time.perf_counter()
                        self.arrived.notify_all()
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            return

    def wait_for(self, count: int, timeout: float = 5) -> float:
        with self.arrived:
            self.arrived.wait_for(lambda: self.events >= count, timeout)
            if self.events < count:
                raise SystemExit("an update did not reach the stream within 5 s")
            return self.last_at

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.conn.close()


def latency(address: str, path: str, token: str, samples: int = SAMPLES) -> list[float]:
    host, port = address.split(":")
    took = []
    for _ in range(samples):
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        t = time.perf_counter()
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        response.read()
        took.append(time.perf_counter() - t)
        conn.close()
        assert response.status == 200, response.status
    return took


def bench_streams(app, uri: str, tmp: Path) -> None:
    channel = f"kiosk:bench:{uuid.uuid4().hex}"
    writer = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": uri,
            "SECRET_KEY": "bench",
            "REDIS_URL": REDIS_URL,
            "LIVE_CHANNEL": channel,
        }
    )
    with writer.app_context():
        event_id = db.session.execute(select(Event.id).filter_by(slug="bench1000")).scalar_one()
        _token, token = auth.create_token(db.session, role=Role.ORGANIZER, name="bench")
        db.session.commit()
    process, address = start_gunicorn(uri, channel, tmp)
    path = "/api/v1/events/bench1000"
    try:
        print("2. Stream delivery: commit of a change -> headcount event at a client (gunicorn, Redis)")
        stream = Stream(address, f"{path}/stream", token)
        stream.wait_for(1)
        delivery = []
        with writer.app_context():
            for n in range(SAMPLES):
                counters.add(db.session, event_id, {"checked_in": 1})
                live.touch(db.session, event_id)
                t = time.perf_counter()
                db.session.commit()
                delivery.append(stream.wait_for(n + 2) - t)
        print(f"   {ms(delivery)}   (target under 100 ms)")
        stream.close()

        print("3. API latency, GET …/headcount")
        quiet = latency(address, f"{path}/headcount", token)
        print(f"   no stream open       {ms(quiet)}")
        streams = [Stream(address, f"{path}/stream", token) for _ in range(200)]
        for s in streams:
            s.wait_for(1, timeout=30)
        busy = latency(address, f"{path}/headcount", token)
        print(f"   200 streams open     {ms(busy)}")
        with writer.app_context():
            counters.add(db.session, event_id, {"checked_in": 1})
            live.touch(db.session, event_id)
            t = time.perf_counter()
            db.session.commit()
        reached = [s.wait_for(2, timeout=10) - t for s in streams]
        print(f"   one change reaching all 200 streams: last after {1000 * max(reached):.1f} ms")
        for s in streams:
            s.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        os.environ["KIOSK_INSTANCE_PATH"] = str(tmp / "instance")
        uri, drop = scratch_database(tmp)
        try:
            app = create_app(
                {"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "bench", "KEYS_DIR": str(tmp / "keys")}
            )
            with app.app_context():
                Base.metadata.create_all(db.engine)
            print(f"Database: {uri.split('://')[0]}")
            bench_snapshot_and_updates(app)
            bench_streams(app, uri, tmp)
            with app.app_context():
                db.engine.dispose()
        finally:
            drop()


if __name__ == "__main__":
    main()
