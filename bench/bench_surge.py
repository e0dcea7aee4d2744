# ruff: noqa: E501
"""Benchmark a surge: thousands of delegates checking in within minutes, on two servers, printed for real.

Two gunicorn servers (the repo's gunicorn.conf.py, production settings, REDIS_URL set) share one
PostgreSQL database (a scratch database on BENCH_DATABASE_URL's server) and one Redis, each with a
print worker beside it (`flask --app kiosk worker`). Accredited delegates (delegations of at most
three, the cap) arrive at open-loop times (a Poisson process with exactly --delegates arrivals in
--window seconds, members of a delegation one after the other) at --kiosks enrolled kiosks spread
over both servers. Each delegate, as the kiosk page does: loads the kiosk page in their language,
scans the code (preview), confirms (check-in, with a request_id), then the kiosk polls the badge's
print job every 400 ms until it is done. Every kiosk has its own badge printer (a hot folder: the
PDF lands there through a rename, as a card printer's spooler picks it up) and its own receipt
printer (a threaded TCP sink on loopback that records every byte stream, as an ESC/POS printer on
port 9100 would). When a badge lands in its folder the delegate takes it to a door: --doors
security tokens (checkpoints) scan it in, some delegates also into a room, and some out and in
again. The door shows the code of the printed badge (signed ahead by the bench with the event's
key, the same bytes since Ed25519 is deterministic; QR codes of a sample of printed badges are
decoded afterwards to check it).

Prints per operation the throughput and p50/p99 latency, the time from the check-in answer to the
badge in its folder and to the receipt's first byte, the CPU used by each part, then checks
(PASS/FAIL, exit 1 on a FAIL): no delegation over its cap; every check-in has its badge and
receipt job; every badge and receipt printed exactly once (counted at the sinks); every print job
done; counters equal a recount (`flask --app kiosk recount-counters`); every scan answered as
expected; the QR codes of printed badges decode to the codes the doors showed.

Run: .venv/bin/python bench/bench_surge.py [--delegates 2000] [--window 120] [--kiosks 10]
     [--doors 6] [--workers N] [--seed 1]
PostgreSQL: BENCH_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test; a
scratch database is created and dropped). Redis: a private redis-server on port 56400 (started
and stopped here), or --redis-url to use another.
"""

from __future__ import annotations

import argparse
import heapq
import http.client
import io
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

from badges import codes  # noqa: E402
from bench.bench_checkin import enrolled_kiosk  # noqa: E402
from bench.bench_door import free_port, start_gunicorn  # noqa: E402
from bench.bench_registration import scratch_database  # noqa: E402
from config import database_url  # noqa: E402
from kiosk import create_app  # noqa: E402
from kiosk.extensions import db  # noqa: E402
from kiosk.models import (  # noqa: E402
    Category,
    CheckIn,
    Delegation,
    Event,
    JobKind,
    Meeting,
    Participant,
    PrintJob,
    Role,
    Status,
    Venue,
)
from kiosk.models.base import utcnow  # noqa: E402
from kiosk.models.participant import new_reference  # noqa: E402
from kiosk.services import auth, counters, door, keys, printing, registration  # noqa: E402

SLUG = "surge"
#: The languages delegates choose at the kiosk (receipts in Arabic and Chinese print lines as pictures).
LANGUAGES = ["en"] * 8 + ["fr"] * 5 + ["es"] * 3 + ["ru", "ar", "zh"]
CATEGORIES = [Category.STATE_PARTY] * 6 + [
    Category.STATE_NOT_PARTY,
    Category.UNITED_NATIONS,
    Category.IGO,
    Category.NGO,
]
POLL_SECONDS = 0.4  # static/js/kiosk.js POLL_MS
FOLLOW_SECONDS = 120.0  # static/js/kiosk.js FOLLOW_FOR_MS
BADGE_FILE = re.compile(r"^badge-(\d+)-(SURGE-(\d{6})-(\d+))-\d{8}-\d{6}-[0-9a-f]{8}\.pdf$")
RECEIPT_NAME = re.compile(rb"DELEGATE(\d{6})")
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


# --- printers on loopback ---------------------------------------------------------------------


class ReceiptSink:
    """A TCP receipt printer on loopback: every connection's bytes, with when the first one came."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0), backlog=128)
        self.port = self.server.getsockname()[1]
        self.jobs: list[tuple[float, bytes]] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _addr = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._receive, args=(conn,), daemon=True).start()

    def _receive(self, conn: socket.socket) -> None:
        chunks, first = [], None
        with conn:
            while chunk := conn.recv(65536):
                first = first or time.time()
                chunks.append(chunk)
        if first is not None:
            with self.lock:
                self.jobs.append((first, b"".join(chunks)))

    def close(self) -> None:
        self.server.close()


class BadgeFolders:
    """The kiosks' hot folders, watched: each badge PDF, when it landed (the rename), for which job."""

    def __init__(self, paths: list[Path], on_badge) -> None:
        self.paths = paths
        self.on_badge = on_badge
        self.seen: dict[
            str, tuple[float, int, str, int]
        ] = {}  # file → (landed, job, badge number, participant)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        while not self.stop.wait(0.05):
            self.scan()

    def scan(self) -> None:
        for folder in self.paths:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.name in self.seen or entry.name.startswith("."):
                        continue
                    match = BADGE_FILE.match(entry.name)
                    # The last change of the file is its rename into the folder (chmod, then replace).
                    landed = entry.stat().st_ctime
                    job = int(match[1]) if match else -1
                    participant = int(match[3]) if match else -1
                    self.seen[entry.name] = (landed, job, match[2] if match else entry.name, participant)
                    if match:
                        self.on_badge(participant, landed, folder / entry.name)


# --- a small HTTP client (the load generator shares the two cores: no requests) ---------------


class Client:
    """One browser or scanner: a keep-alive connection to one server, cookies, JSON."""

    def __init__(
        self, port: int, cookies: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ):
        self.port = port
        self.cookies = dict(cookies or {})
        self.headers = dict(headers or {})
        self.conn: http.client.HTTPConnection | None = None

    def call(self, method: str, path: str, body=None, headers: dict[str, str] | None = None):
        """(status, parsed JSON or text, seconds); status 0 on a network error."""
        payload = None if body is None else json.dumps(body).encode()
        sent = {**self.headers, **(headers or {})}
        if payload is not None:
            sent["Content-Type"] = "application/json"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        began = time.perf_counter()
        for attempt in (1, 2):  # a keep-alive connection the server closed meanwhile: once more
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                self.conn.request(method, path, body=payload, headers=sent)
                response = self.conn.getresponse()
                data = response.read()
                break
            except TimeoutError:  # no answer in 30 s: the caller decides (the kiosk sends it again)
                self.close()
                return 0, None, time.perf_counter() - began
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt == 2:
                    return 0, None, time.perf_counter() - began
        seconds = time.perf_counter() - began
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _eq, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        kind = response.headers.get("Content-Type", "")
        parsed = json.loads(data) if "json" in kind and data else data.decode(errors="replace")
        return response.status, parsed, seconds

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


# --- the surge --------------------------------------------------------------------------------


@dataclass
class Delegate:
    participant_id: int
    delegation_id: int
    code: str
    badge_code: str
    language: str
    arrives: float = 0.0
    kiosk: int = 0
    answered_at: float | None = None  # wall clock, check-in answer received
    badge_job: int | None = None
    receipt_job: int | None = None
    badge_landed: float | None = None
    scans: list[tuple[int, str, str]] = field(default_factory=list)  # (checkpoint, direction, result)


class Scheduler:
    """Open loop: each task starts in its own thread at its time, whatever the others are doing."""

    def __init__(self) -> None:
        self.heap: list[tuple[float, int, object]] = []
        self.lock = threading.Condition()
        self.count = 0
        self.running = 0
        self.lags: list[float] = []
        self.stopping = False
        threading.Thread(target=self._loop, daemon=True).start()

    def at(self, when: float, task) -> None:
        with self.lock:
            self.count += 1
            heapq.heappush(self.heap, (when, self.count, task))
            self.lock.notify()

    def _loop(self) -> None:
        while True:
            with self.lock:
                while not self.stopping and (not self.heap or self.heap[0][0] > time.perf_counter()):
                    self.lock.wait(max(0.0, self.heap[0][0] - time.perf_counter()) if self.heap else 0.5)
                if self.stopping:
                    return
                when, _n, task = heapq.heappop(self.heap)
                self.running += 1
            self.lags.append(time.perf_counter() - when)
            threading.Thread(target=self._run, args=(task,), daemon=True).start()

    def _run(self, task) -> None:
        try:
            task()
        finally:
            with self.lock:
                self.running -= 1
                self.lock.notify_all()

    def idle(self) -> bool:
        with self.lock:
            return not self.heap and self.running == 0

    def stop(self) -> None:
        with self.lock:
            self.stopping = True
            self.lock.notify_all()


class Surge:
    """The delegates, the kiosks, the doors and what each operation took."""

    def __init__(self, args, setup: dict, ports: list[int]) -> None:
        self.args = args
        self.setup = setup
        self.ports = ports
        self.random = random.Random(args.seed)
        self.scheduler = Scheduler()
        self.times: dict[str, list[float]] = defaultdict(list)  # operation → seconds
        self.done_at: dict[str, list[float]] = defaultdict(list)  # operation → perf_counter when answered
        self.errors: Counter = Counter()
        self.examples: dict[str, str] = {}
        self.lock = threading.Lock()
        self.delegates = setup["delegates"]
        self.by_participant = {d.participant_id: d for d in self.delegates}
        self.started = 0.0
        self.wall_started = 0.0
        self.door_chains = 0

    # each operation's answer
    def note(self, operation: str, seconds: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.times[operation].append(seconds)
            self.done_at[operation].append(time.perf_counter())
            if not ok:
                self.errors[operation] += 1
                self.examples.setdefault(operation, detail[:300])

    def kiosk_port(self, kiosk: int) -> int:
        return self.ports[kiosk % len(self.ports)]

    def run(self) -> None:
        n = len(self.delegates)
        offsets = sorted(self.random.uniform(0, self.args.window) for _ in range(n))
        self.started = time.perf_counter() + 1.0
        self.wall_started = time.time() + (self.started - time.perf_counter())
        for number, (delegate, offset) in enumerate(zip(self.delegates, offsets, strict=True)):
            delegate.arrives = self.started + offset
            delegate.kiosk = number % self.args.kiosks
            self.scheduler.at(delegate.arrives, lambda d=delegate: self.check_in(d))

    def check_in(self, d: Delegate) -> None:
        """One delegate at a kiosk: the page, the scan (preview), the confirmation, following the badge."""
        secret = self.setup["kiosk_secrets"][d.kiosk]
        client = Client(self.kiosk_port(d.kiosk), cookies={"kiosk_device": secret})
        slug = self.setup["slug"]
        try:
            status, page, seconds = client.call("GET", f"/kiosk/flow?lang={d.language}")
            found = CSRF.search(page) if isinstance(page, str) else None
            self.note("kiosk page", seconds, status == 200 and found is not None, f"{status} {page!s:.200}")
            if found is None:
                return
            csrf = {"X-CSRFToken": found[1]}
            path = f"/api/v1/events/{slug}/checkins"
            status, answer, seconds = client.call("POST", f"{path}/preview", {"code": d.code}, csrf)
            self.note("preview (scan)", seconds, status == 200, f"{status} {answer!s:.200}")
            if status != 200:
                return
            body = {"code": d.code, "request_id": uuid.uuid4().hex}
            for delay in (0.5, 1.5, None):  # static/js/api.js apiRetrying: the same request_id again
                status, answer, seconds = client.call("POST", path, body, csrf)
                self.note("check-in", seconds, status == 201, f"{status} {answer!s:.200}")
                if status == 201 or (status and status < 500) or delay is None:
                    break
                time.sleep(delay)
            if status != 201:
                return
            d.answered_at = time.time()
            jobs = {job["kind"]: job["id"] for job in answer["print_jobs"]}
            d.badge_job, d.receipt_job = jobs.get("badge"), jobs.get("receipt")
            if d.badge_job is None:
                return
            following = time.perf_counter()
            while time.perf_counter() - following < FOLLOW_SECONDS:
                status, job, seconds = client.call("GET", f"/api/v1/print-jobs/{d.badge_job}")
                self.note("print-job poll", seconds, status == 200, f"{status} {job!s:.200}")
                if status == 200 and job["status"] in ("done", "failed", "cancelled", "uncertain"):
                    if job["status"] != "done":
                        self.note("badge printed", 0, False, str(job))
                    return
                time.sleep(POLL_SECONDS)
            self.note("badge printed", 0, False, f"not done after {FOLLOW_SECONDS:g} s")
        finally:
            client.close()

    # the doors
    def badge_landed(self, participant_id: int, landed: float, _path: Path) -> None:
        """A badge came out of a printer: its holder walks to a door with it."""
        d = self.by_participant.get(participant_id)
        if d is None or d.badge_landed is not None:
            return
        d.badge_landed = landed
        rng = random.Random(self.args.seed * 1_000_003 + participant_id)
        entrances, rooms = self.setup["entrances"], self.setup["rooms"]
        plan = [(rng.uniform(2, 8), rng.choice(entrances), "in")]
        if rooms and rng.random() < 0.5:
            plan.append((rng.uniform(2, 6), rng.choice(rooms), "in"))
        if rng.random() < 0.3:
            plan.append((rng.uniform(3, 10), rng.choice(entrances), "out"))
            plan.append((rng.uniform(3, 10), rng.choice(entrances), "in"))
        with self.lock:
            self.door_chains += 1
        first = plan[0][0]
        self.scheduler.at(time.perf_counter() + first, lambda: self.walk(d, plan))

    def walk(self, d: Delegate, plan: list[tuple[float, int, str]]) -> None:
        """One delegate's scans, each after the one before (a person is at one door at a time)."""
        for step, (pause, door_index, direction) in enumerate(plan):
            if step:
                time.sleep(pause)
            checkpoint, token, port = self.setup["doors"][door_index]
            client = Client(port, headers={"Authorization": f"Bearer {token}"})
            body = {
                "code": d.badge_code,
                "checkpoint": checkpoint,
                "direction": direction,
                "nonce": uuid.uuid4().hex,
            }
            status, answer, seconds = client.call("POST", f"/api/v1/events/{self.setup['slug']}/scans", body)
            client.close()
            result = answer.get("result", "?") if isinstance(answer, dict) else f"http {status}"
            reason = answer.get("reason") if isinstance(answer, dict) else None
            ok = status == 200 and result == "accepted"
            self.note("door scan", seconds, ok, f"{status} {result} {reason} {answer!s:.200}")
            d.scans.append((checkpoint, direction, result if reason is None else f"{result}:{reason}"))


# --- set-up -----------------------------------------------------------------------------------


def photo_jpeg() -> bytes:
    """A passport-like photo (a face-coloured oval on a pale ground), as JPEG."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (300, 400), (225, 230, 235))
    draw = ImageDraw.Draw(image)
    draw.ellipse((70, 60, 230, 260), fill=(205, 160, 130))
    draw.rectangle((40, 300, 260, 400), fill=(40, 50, 80))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def populate(app, args, tmp: Path, ports: list[int]) -> dict:
    """The event, its delegates, printers, kiosks, checkpoints and door tokens."""
    from flask_migrate import upgrade

    rng = random.Random(args.seed)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        session = db.session
        today = date.today()
        event = Event(
            slug=SLUG,
            title="Surge Conference of the States Parties",
            starts_on=today,
            ends_on=today + timedelta(days=2),
            default_cap=3,
            contact_email="secretariat@example.org",
            venue=Venue(name="CICG", address="17 Rue de Varembé, Geneva", capacity=args.delegates + 500),
        )
        session.add(event)
        session.flush()
        noon = datetime.combine(today, datetime.min.time(), tzinfo=UTC) + timedelta(hours=8)
        for day in range(3):
            session.add(
                Meeting(
                    event_id=event.id,
                    title=f"Plenary, day {day + 1}",
                    starts_at=noon + timedelta(days=day),
                    ends_at=noon + timedelta(days=day, hours=3),
                    room="Room 1",
                )
            )
        photo = photo_jpeg() if not args.no_photos else None
        # Delegations of one to three (the cap), all accredited, various categories.
        sizes, left = [], args.delegates
        while left:
            sizes.append(min(left, rng.choice((1, 2, 3, 3, 3))))
            left -= sizes[-1]
        delegation_ids = list(
            session.execute(
                insert(Delegation).returning(Delegation.id),
                [
                    {
                        "event_id": event.id,
                        "name": f"Delegation {n:04d}",
                        "category": rng.choice(CATEGORIES),
                        "revision": 0,
                        "created_at": utcnow(),
                        "focal_point_name": "",
                        "focal_point_email": "",
                    }
                    for n in range(len(sizes))
                ],
            ).scalars()
        )
        rows, number = [], 0
        for delegation_id, size in zip(delegation_ids, sizes, strict=True):
            for _k in range(size):
                number += 1
                rows.append(
                    {
                        "event_id": event.id,
                        "delegation_id": delegation_id,
                        "given_name": rng.choice(("Amina", "Olga", "Juan", "Wei", "Fatima", "Pierre")),
                        "family_name": f"Delegate{number:06d}",  # found again on the receipt
                        "function": "delegate",
                        "status": Status.ACCREDITED,
                        "reference": new_reference(),
                        "language": rng.choice(("en", "fr", "es")),
                        "photo": photo,
                        "photo_type": "image/jpeg" if photo else None,
                        "created_at": utcnow(),
                        "updated_at": utcnow(),
                        "status_changed_at": utcnow(),
                    }
                )
        ids = list(session.execute(insert(Participant).returning(Participant.id), rows).scalars())
        session.commit()
        # Rows inserted in bulk bypass the counters: set them once from the rows, before the surge.
        counters.recount(session, event.id, fix=True)
        badge_folders, sinks, secrets_ = [], [], []
        for k in range(args.kiosks):
            folder = tmp / "printed" / f"badges-{k + 1:02d}"
            folder.mkdir(parents=True)
            sink = ReceiptSink()
            badge = printing.save_printer(
                session,
                None,
                name=f"Badge printer {k + 1}",
                kind="badge",
                connection={"type": "hot_folder", "path": str(folder)},
            )
            receipt = printing.save_printer(
                session,
                None,
                name=f"Receipt printer {k + 1}",
                kind="receipt",
                connection={"type": "network", "host": "127.0.0.1", "port": sink.port},
            )
            session.commit()
            secrets_.append(enrolled_kiosk(event, f"Kiosk {k + 1}", badge.id, receipt.id))
            badge_folders.append(folder)
            sinks.append(sink)
        doors, entrances, rooms = [], [], []
        for k in range(args.doors):
            entrance = k < max(1, (args.doors * 2) // 3)
            checkpoint = door.save_checkpoint(
                session,
                event,
                None,
                name=f"Entrance {k + 1}" if entrance else f"Room door {k + 1}",
                direction="both" if entrance else "in",
                anti_passback=entrance,
            )
            _token, secret = auth.create_token(session, role=Role.SECURITY, name=f"door {k + 1}")
            (entrances if entrance else rooms).append(k)
            doors.append((checkpoint.id, secret, ports[k % len(ports)]))
        session.commit()
        participants = {
            p.id: p for p in session.execute(select(Participant).where(Participant.id.in_(ids))).scalars()
        }
        delegates = []
        for pid in ids:
            person = participants[pid]
            delegates.append(
                Delegate(
                    participant_id=pid,
                    delegation_id=person.delegation_id,
                    code=keys.participant_code(session, person, codes.CodeKind.CONFIRMATION),
                    badge_code=keys.badge_code(session, person),
                    language=rng.choice(LANGUAGES),
                )
            )
        session.commit()
        result = {
            "slug": event.slug,
            "event_id": event.id,
            "delegates": delegates,
            "kiosk_secrets": secrets_,
            "badge_folders": badge_folders,
            "sinks": sinks,
            "doors": doors,
            "entrances": entrances,
            "rooms": rooms,
        }
        db.session.remove()
        db.engine.dispose()
        return result


# --- processes, CPU -------------------------------------------------------------------------


def start_redis(port: int, tmp: Path) -> str | None:
    """A private redis-server on `port`, or None if the port is taken."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            return None
    subprocess.run(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "yes",
            "--pidfile",
            str(tmp / "redis.pid"),
            "--logfile",
            str(tmp / "redis.log"),
        ],
        check=True,
    )
    for _n in range(50):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return f"redis://127.0.0.1:{port}/0"
        time.sleep(0.1)
    raise RuntimeError(f"redis-server did not start on port {port}")


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_of(pids) -> float:
    """CPU seconds (user + system) used so far by these processes."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def group_pids(pgid: int) -> list[int]:
    """The processes of a process group (a gunicorn master and its workers, a worker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid:
                found.append(int(entry.name))
    return found


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def postgres_pids(admin_url: str, database: str) -> list[int]:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (database,)).fetchall()
    return [row[0] for row in rows]


# --- figures and checks -------------------------------------------------------------------------


def pct(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def checks(app, surge: Surge, setup: dict, env: dict, badges: BadgeFolders) -> list[tuple[str, bool, str]]:
    """PASS/FAIL lines: caps, jobs, printed once, jobs done, counters, scans, codes on the badges."""
    results = []
    delegates = setup["delegates"]
    answered = [d for d in delegates if d.answered_at is not None]
    with app.app_context():
        session = db.session
        event = session.get(Event, setup["event_id"])
        over = []
        for delegation in session.execute(select(Delegation).filter_by(event_id=event.id)).scalars():
            used = registration.places_used(session, delegation.id)
            if used > delegation.cap:
                over.append(f"{delegation.name}: {used} > {delegation.cap}")
        results.append(
            (
                "no delegation over its cap (3)",
                not over,
                f"{len(over)} over" + (f": {over[:3]}" if over else ""),
            )
        )

        checkins = session.execute(select(CheckIn).filter_by(event_id=event.id)).scalars().all()
        jobs = {job.id: job for job in session.execute(select(PrintJob)).scalars()}
        missing = []
        for row in checkins:
            kinds = sorted(
                jobs[j].kind.value
                for j in row.job_ids
                if j in jobs and jobs[j].participant_id == row.participant_id
            )
            if kinds != ["badge", "receipt"]:
                missing.append((row.participant_id, kinds))
        results.append(
            (
                "every delegate checked in once, each check-in with its badge and receipt job",
                not missing and len(checkins) == len(answered) == len(delegates),
                f"{len(delegates)} delegates, {len(answered)} answered 201, {len(checkins)} check-ins, "
                f"{len(missing)} without both jobs",
            )
        )

        # At the sinks: each badge number in one badge folder once, each receipt once.
        badges.scan()
        numbers = Counter(number for _landed, _job, number, _pid in badges.seen.values())
        twice = {n: c for n, c in numbers.items() if c > 1}
        receipts = Counter()
        for sink in setup["sinks"]:
            for _first, payload in sink.jobs:
                found = RECEIPT_NAME.findall(payload)
                receipts[found[0].decode() if found else "?"] += 1
        receipts_twice = {n: c for n, c in receipts.items() if c > 1}
        # A receipt is delivered at least once (docs/operations/printing.md): sent again only when a
        # worker lost its lease mid-send (the job's attempts show it). A badge, never.
        numbers_of = dict(
            session.execute(
                select(Participant.id, Participant.family_name).where(Participant.event_id == event.id)
            ).all()
        )
        retried = {
            numbers_of[job.participant_id].removeprefix("Delegate")
            for job in jobs.values()
            if job.kind == JobKind.RECEIPT and job.attempts > 1
        }
        receipts_resent = {n for n in receipts_twice if n in retried}
        expected = {f"{d.participant_id}" for d in answered}
        got = {str(pid) for _l, _j, _n, pid in badges.seen.values()}
        badge_jobs = sum(1 for j in jobs.values() if j.kind == JobKind.BADGE)
        receipt_jobs = sum(1 for j in jobs.values() if j.kind == JobKind.RECEIPT)
        results.append(
            (
                "no badge printed twice, no receipt twice unless re-sent after a lost lease (badge numbers in "
                "the hot folders, names on the receipts at the TCP sinks)",
                not twice and set(receipts_twice) <= receipts_resent and "?" not in receipts,
                f"{sum(numbers.values())} badge files for {len(numbers)} badge numbers ({badge_jobs} badge jobs), "
                f"{sum(receipts.values())} receipts for {len(receipts)} delegates ({receipt_jobs} receipt jobs); "
                f"twice: {len(twice)} badges, {len(receipts_twice)} receipts ({len(receipts_resent)} of them re-sent "
                f"after a lost lease, as a receipt may be); unreadable receipts: {receipts.get('?', 0)}",
            )
        )
        results.append(
            (
                "every checked-in delegate's badge and receipt arrived at their printers",
                expected <= got and len(receipts) == len(answered),
                f"badges missing: {len(expected - got)}, receipts: {len(receipts)} of {len(answered)}",
            )
        )
        statuses = Counter(job.status.value for job in jobs.values())
        results.append(("every print job done", set(statuses) <= {"done"}, dict(statuses).__repr__()))
        attempts = Counter(job.attempts for job in jobs.values())
        results[-1] = (results[-1][0], results[-1][1], f"{results[-1][2]}; attempts per job {dict(attempts)}")
        session.remove()
        db.engine.dispose()

    recount = subprocess.run(
        [
            str(Path(sys.executable).parent / "flask"),
            "--app",
            "kiosk",
            "recount-counters",
            "--event",
            setup["slug"],
        ],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    results.append(
        (
            "counters equal a recount (flask --app kiosk recount-counters)",
            recount.returncode == 0,
            " ".join((recount.stdout + recount.stderr).split())[-300:],
        )
    )
    scans = Counter(result for d in delegates for _c, _dir, result in d.scans)
    chains = surge.door_chains
    results.append(
        (
            "every door scan accepted (in, room, out, in again: all expected to pass)",
            set(scans) <= {"accepted"} and surge.errors["door scan"] == 0,
            f"{dict(scans)}; {chains} delegates at the doors",
        )
    )
    results.append(
        (
            "no request failed (kiosk page, scan, check-in, poll) and every kiosk saw its badge done",
            not any(
                surge.errors[k]
                for k in ("kiosk page", "preview (scan)", "check-in", "print-job poll", "badge printed")
            ),
            f"errors {dict(surge.errors)}; first of each: {surge.examples}" if surge.errors else "none",
        )
    )
    results.append(decode_sample(setup, badges, surge.args.decode))
    return results


def decode_sample(setup: dict, badges: BadgeFolders, count: int) -> tuple[str, bool, str]:
    """The QR codes of printed badges (a sample) decode to the codes the doors were shown."""
    import zxingcpp
    from PIL import Image

    by_participant = {d.participant_id: d for d in setup["delegates"]}
    folder_of = {}
    for folder in setup["badge_folders"]:
        for name in os.listdir(folder):
            folder_of[name] = folder
    files = sorted(name for name, (_l, job, _n, _p) in badges.seen.items() if job >= 0)
    sample = random.Random(7).sample(files, min(count, len(files)))
    wrong = 0
    for name in sample:
        raw = (folder_of[name] / name).read_bytes()
        header = re.search(rb"/Width (\d+) /Height (\d+).*?/Length (\d+) >>\nstream\n", raw, re.S)
        width, height, length = int(header[1]), int(header[2]), int(header[3])
        pixels = zlib.decompress(raw[header.end() : header.end() + length])
        image = Image.frombytes("RGB", (width, height), pixels)
        found = [r.text for r in zxingcpp.read_barcodes(image)]
        code = by_participant[badges.seen[name][3]].badge_code
        wrong += not any(text.replace(" ", "").upper() == code.replace(" ", "").upper() for text in found)
    return (
        "QR codes on printed badges are the codes the doors scanned",
        wrong == 0 and bool(sample),
        f"{len(sample) - wrong} of {len(sample)} sampled badges",
    )


# --- main -------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delegates", type=int, default=2000)
    parser.add_argument("--window", type=float, default=120.0, help="seconds over which delegates arrive")
    parser.add_argument("--kiosks", type=int, default=10)
    parser.add_argument("--doors", type=int, default=6)
    parser.add_argument(
        "--workers", type=int, default=None, help="gunicorn workers per server (default: gunicorn.conf.py's)"
    )
    parser.add_argument(
        "--drain", type=float, default=180.0, help="seconds allowed after the window to finish"
    )
    parser.add_argument(
        "--decode", type=int, default=100, help="printed badges whose QR code is decoded afterwards"
    )
    parser.add_argument("--no-photos", action="store_true")
    parser.add_argument("--redis-url", default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--logs", type=Path, default=None, help="keep the servers' and workers' logs here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-surge-") as name:
        tmp = Path(name)
        redis_url = args.redis_url or start_redis(56400, tmp)
        own_redis = args.redis_url is None and redis_url is not None
        if redis_url is None:
            redis_url = "redis://127.0.0.1:6379/0"
        uri, drop = scratch_database(tmp)
        processes: list[subprocess.Popen] = []
        try:
            return run(args, tmp, uri, redis_url, processes)
        finally:
            for process in processes:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=30)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    os.killpg(process.pid, signal.SIGKILL)
            if args.logs:
                args.logs.mkdir(parents=True, exist_ok=True)
                for log in tmp.glob("*.log"):
                    shutil.copy(log, args.logs / log.name)
            drop()
            if own_redis:
                subprocess.run(["redis-cli", "-p", "56400", "shutdown", "nosave"], capture_output=True)


def run(args, tmp: Path, uri: str, redis_url: str, processes: list[subprocess.Popen]) -> int:
    base_env = {
        **os.environ,
        "KIOSK_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": uri,
        "REDIS_URL": redis_url,
        "LIVE_CHANNEL": f"bench-surge:{uuid.uuid4().hex}",
        "SESSION_COOKIE_SECURE": "0",
        # Every process writes badges into the hot folders under tmp/printed (file printers are
        # confined to PRINTER_FILES_DIR).
        "PRINTER_FILES_DIR": str(tmp / "printed"),
    }
    if args.workers:
        base_env["GUNICORN_WORKERS"] = str(args.workers)
    servers = ["a", "b"]
    ports = [free_port() for _ in servers]
    shared_instance = tmp / "instance"
    os.environ["KIOSK_INSTANCE_PATH"] = str(shared_instance)
    app = create_app(
        {
            "SECRET_KEY": base_env["SECRET_KEY"],
            "SQLALCHEMY_DATABASE_URI": database_url(uri),
            "KEYS_DIR": str(shared_instance / "keys"),
            "PRINTER_FILES_DIR": base_env["PRINTER_FILES_DIR"],
        }
    )
    began = time.perf_counter()
    setup = populate(app, args, tmp, ports)
    print(
        f"surge: {args.delegates:,} delegates in {args.window:g} s through {args.kiosks} kiosks on 2 servers, "
        f"{args.doors} doors; set-up {time.perf_counter() - began:.0f} s",
        flush=True,
    )
    envs = []
    for server, port in zip(servers, ports, strict=True):
        env = {
            **base_env,
            "KIOSK_INSTANCE_PATH": str(tmp / f"server-{server}"),
            "GUNICORN_ACCESS_LOG": str(tmp / f"access-{server}.log"),
            "GUNICORN_ERROR_LOG": str(tmp / f"error-{server}.log"),
        }
        envs.append(env)
        processes.append(start_gunicorn(tmp, env, port))
        log = open(tmp / f"worker-{server}.log", "wb")  # noqa: SIM115 - closed with the process
        processes.append(
            subprocess.Popen(
                [str(Path(sys.executable).parent / "flask"), "--app", "kiosk", "worker"],
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    time.sleep(2)  # the workers listen (NOTIFY, Redis, socket)

    admin = database_url(os.environ["BENCH_DATABASE_URL"]).replace("postgresql+psycopg://", "postgresql://")
    database = uri.rsplit("/", 1)[1]
    groups = {
        "gunicorn A": processes[0].pid,
        "worker A": processes[1].pid,
        "gunicorn B": processes[2].pid,
        "worker B": processes[3].pid,
    }
    pg_before = {pid: cpu_of([pid]) for pid in postgres_pids(admin, database)}
    cpu_before = {label: cpu_of(group_pids(pgid)) for label, pgid in groups.items()}
    self_before = time.process_time()
    busy_before = machine_busy()

    load_before = os.getloadavg()
    surge = Surge(args, setup, ports)
    badges = BadgeFolders(setup["badge_folders"], surge.badge_landed)
    surge.run()
    deadline = surge.started + args.window + args.drain
    while time.perf_counter() < deadline:
        time.sleep(0.5)
        if time.perf_counter() > surge.started + args.window and surge.scheduler.idle():
            break
    finished = time.perf_counter()
    timed_out = not surge.scheduler.idle()
    surge.scheduler.stop()

    pg_after = {pid: cpu_of([pid]) for pid in postgres_pids(admin, database)}
    cpu = {label: cpu_of(group_pids(pgid)) - cpu_before[label] for label, pgid in groups.items()}
    cpu["PostgreSQL (this database's backends)"] = sum(
        v - pg_before.get(pid, 0.0) for pid, v in pg_after.items()
    )
    cpu["bench (kiosks, doors, sinks)"] = time.process_time() - self_before
    busy_after = machine_busy()
    badges.stop.set()
    badges.thread.join(2)
    badges.scan()
    wall = finished - surge.started

    # figures
    print(
        f"\nran {wall:.0f} s (window {args.window:g} s{', TIMED OUT' if timed_out else ''}); "
        f"scheduler lag p99 {pct(surge.scheduler.lags, 99) * 1000:.1f} ms"
    )
    print(
        f"{'operation':<18} {'count':>6} {'per s':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>6}"
    )
    for operation in ("kiosk page", "preview (scan)", "check-in", "print-job poll", "door scan"):
        values = surge.times.get(operation, [])
        if not values:
            continue
        ends = surge.done_at[operation]
        span = max(ends) - surge.started
        print(
            f"{operation:<18} {len(values):>6} {len(values) / span:>7.1f} {pct(values, 50) * 1000:>8.1f} "
            f"{pct(values, 99) * 1000:>8.1f} {max(values) * 1000:>8.1f} {surge.errors[operation]:>6}"
        )
    landed_by_job = {job: landed for landed, job, _n, _p in badges.seen.values()}
    to_badge = [
        landed_by_job[d.badge_job] - d.answered_at
        for d in setup["delegates"]
        if d.answered_at and d.badge_job in landed_by_job
    ]
    receipt_first: dict[int, float] = {}
    for sink in setup["sinks"]:
        for first, payload in sink.jobs:
            found = RECEIPT_NAME.search(payload)
            if found:
                receipt_first.setdefault(int(found[1]), first)
    number_of = {}
    with app.app_context():
        for pid, family in db.session.execute(
            select(Participant.id, Participant.family_name).where(Participant.event_id == setup["event_id"])
        ):
            number_of[pid] = int(family.removeprefix("Delegate"))
        stored_checkins = db.session.execute(select(func.count()).select_from(CheckIn)).scalar_one()
        db.session.remove()
        db.engine.dispose()
    to_receipt = [
        receipt_first[number_of[d.participant_id]] - d.answered_at
        for d in setup["delegates"]
        if d.answered_at and number_of[d.participant_id] in receipt_first
    ]
    arrival_to_badge = [
        landed_by_job[d.badge_job] - (surge.wall_started + d.arrives - surge.started)
        for d in setup["delegates"]
        if d.answered_at and d.badge_job in landed_by_job
    ]
    for label, values in (
        ("check-in answer → badge PDF in the kiosk's hot folder", to_badge),
        ("check-in answer → receipt's first byte at its TCP printer", to_receipt),
        ("delegate arrives at the kiosk → badge printed", arrival_to_badge),
    ):
        if values:
            print(
                f"{label}: p50 {pct(values, 50):.2f} s, p99 {pct(values, 99):.2f} s, max {max(values):.2f} s ({len(values)})"
            )
    busy = (busy_after[0] - busy_before[0]) / max(1, busy_after[1] - busy_before[1])
    print(
        f"CPU seconds during the run ({wall:.0f} s on {os.cpu_count()} cores; whole machine {busy:.0%} busy, other work included):"
    )
    print("  " + ", ".join(f"{label} {seconds:.0f}" for label, seconds in cpu.items()))
    print(f"load average (1 min) before the surge {load_before[0]:.1f}, after {os.getloadavg()[0]:.1f}")
    print(f"check-ins stored: {stored_checkins}")

    print("\nchecks:")
    env = {**base_env, "KIOSK_INSTANCE_PATH": str(shared_instance)}
    failed = 0
    for label, ok, detail in checks(app, surge, setup, env, badges):
        failed += not ok
        print(f"  {'PASS' if ok else 'FAIL'}  {label} — {detail}")
    for sink in setup["sinks"]:
        sink.close()
    print(f"\n{'all checks passed' if not failed else f'{failed} check(s) FAILED'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
