# ruff: noqa: E501
"""Benchmark the door: badge scans per second under gunicorn with wrk, and the scanner page's verdict time.

For each size (1,000 and 100,000 participants, with 1,000,000 scans already stored), the app runs
under gunicorn with the venue server's own settings (gunicorn.conf.py: gthread workers, one per
core since Redis is on, the access log written) with every feature on (Redis for live updates and
rate limits), on loopback, and wrk (2 threads, 16 keep-alive connections) sends
  1. GET /bench/ping, a trivial Flask route of the same app: the ceiling on this machine;
  2. POST /api/v1/events/{slug}/scans with a security token, a real signed badge and a unique
     nonce per request (a wrk Lua script), each badge going in, then out, then in again.
  3. the same scans offered at a fixed rate (open loop: --rate, 100 scans/s by default, three times
     the peak of a 30-door conference), each timed from the moment it was due, so a slow answer
     delays no later scan and the p50/p99 are what a door feels at that rate; the trivial route
     at the same rate gives the floor (this Python client and loopback).
Then headless Chromium opens the scanner page and measures the time from a code read (hand
scanner) to the verdict painted, online and offline, and from "Start the camera" to the first
verdict with Chromium's fake camera playing a video of a badge.

Run: .venv/bin/python bench/bench_door.py [--sizes 1000,100000] [--stored 1000000] [--seconds 10]
     [--rate 100] [--open-seconds 20] [--no-browser]. Installs wrk with apt-get if it is missing (as root).
Set BENCH_DATABASE_URL to measure on PostgreSQL (a scratch database is created and dropped), and
REDIS_URL for another Redis than redis://127.0.0.1:6379/0.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path

import redis
from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from badges import codes  # noqa: E402
from bench.bench_registration import scratch_database  # noqa: E402
from config import database_url  # noqa: E402
from kiosk import create_app  # noqa: E402
from kiosk.extensions import db  # noqa: E402
from kiosk.models import Category, Delegation, Participant, Role, Scan, Status, User  # noqa: E402
from kiosk.models.base import utcnow  # noqa: E402
from kiosk.models.participant import new_reference  # noqa: E402
from kiosk.services import auth, badging, door, keys  # noqa: E402
from tests.door.scenario import new_event  # noqa: E402

PASSWORD = "bench-password-not-secret"
CODES_PER_RUN = 4_000
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

LUA = """
local codes = {%(codes)s}
local path = "%(path)s"
local checkpoint = %(checkpoint)d
local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer %(token)s"}
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  mine = {}
  for i = 1, #codes do
    if (i - 1) %% 2 == id then table.insert(mine, codes[i]) end
  end
  counter = 0
  prefix = string.format("%%d-%%d-%%d", id, os.time(), math.random(1000000000))
end

function request()
  counter = counter + 1
  local index = (counter - 1) %% #mine + 1
  local lap = math.floor((counter - 1) / #mine)
  local direction = (lap %% 2 == 0) and "in" or "out"
  local body = string.format('{"code":"%%s","checkpoint":%%d,"direction":"%%s","nonce":"%%s-%%d"}',
    mine[index], checkpoint, direction, prefix, counter)
  return wrk.format("POST", path, headers, body)
end

function done(summary, latency, requests)
  io.write(string.format("RESULT {\\"requests\\": %%d, \\"seconds\\": %%f, \\"p50\\": %%f, \\"p99\\": %%f, \\"errors\\": %%d}\\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""

PING_LUA = """
function done(summary, latency, requests)
  io.write(string.format("RESULT {\\"requests\\": %d, \\"seconds\\": %f, \\"p50\\": %f, \\"p99\\": %f, \\"errors\\": %d}\\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""

WSGI = """
from kiosk import create_app

app = create_app()


@app.get("/bench/ping")
def ping():
    return "ok"
"""


def ensure_wrk() -> str:
    """The wrk binary, installed with apt-get when missing."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("wrk is not installed: apt-get install wrk")
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "wrk"],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )
    return shutil.which("wrk") or sys.exit("wrk could not be installed")


def populate(app, participants: int, stored: int) -> dict:
    """An event with `participants` accredited people, two checkpoints and `stored` past scans."""
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        session = db.session
        event = new_event(session, slug="bench")
        delegations = []
        for i in range(200):
            delegation = Delegation(
                event_id=event.id, name=f"Delegation {i:03d}", category=Category.STATE_PARTY
            )
            session.add(delegation)
            delegations.append(delegation)
        session.flush()
        rows = [
            {
                "event_id": event.id,
                "delegation_id": delegations[i % len(delegations)].id,
                "given_name": f"Given{i}",
                "family_name": f"Family{i}",
                "status": Status.ACCREDITED.value,
                "reference": new_reference(),
                "created_at": utcnow(),
                "updated_at": utcnow(),
                "status_changed_at": utcnow(),
            }
            for i in range(participants)
        ]
        for start in range(0, len(rows), 20_000):
            session.execute(insert(Participant.__table__), rows[start : start + 20_000])
        main = door.save_checkpoint(session, event, None, name="Main", direction="both", anti_passback=True)
        door.save_checkpoint(session, event, None, name="Side", direction="both", anti_passback=True)
        key_id, private = keys.signing_key(session, event)
        start, end = keys.badge_window(event)
        first_id = session.execute(select(func.min(Participant.id)).filter_by(event_id=event.id)).scalar_one()
        step = max(1, participants // CODES_PER_RUN)
        ids = [first_id + i * step for i in range(min(participants, CODES_PER_RUN))]
        badge_codes = [
            codes.sign(codes.CodePayload(codes.CodeKind.BADGE, event.id, pid, 1, start, end, key_id), private)
            for pid in ids
        ]
        moment = utcnow() - timedelta(days=1)
        for chunk in range(0, stored, 50_000):
            session.execute(
                insert(Scan.__table__),
                [
                    {
                        "event_id": event.id,
                        "checkpoint_id": main.id,
                        "participant_id": ids[i % len(ids)],
                        "direction": "in" if i % 2 == 0 else "out",
                        "result": "accepted",
                        "reason": None,
                        "nonce": f"stored-{i}",
                        "scanned_at": moment,
                        "received_at": moment,
                        "device": "bench",
                        "offline": False,
                        "conflict": False,
                    }
                    for i in range(chunk, min(stored, chunk + 50_000))
                ],
            )
        _token, secret = auth.create_token(session, role=Role.SECURITY, name="bench door")
        officer = User(email=f"officer.{uuid.uuid4().hex[:6]}@example.org", role=Role.SECURITY)
        officer.set_password(PASSWORD)
        session.add(officer)
        photo_holder = session.get(Participant, ids[0])
        badge_png = badging.badge_png(session, photo_holder)
        session.commit()
        result = {
            "slug": event.slug,
            "checkpoint": main.id,
            "codes": badge_codes,
            "token": secret,
            "email": officer.email,
            "badge_png": badge_png,
        }
        db.engine.dispose()
        return result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(tmp: Path, env: dict[str, str], port: int) -> subprocess.Popen:
    """The app under gunicorn with the venue server's settings, on loopback; waits until it answers."""
    (tmp / "bench_door_wsgi.py").write_text(WSGI)
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "--pythonpath",
            f"{tmp},{ROOT}",
            "bench_door_wsgi:app",
        ],
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 60
    answered = 0
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/ping", timeout=2) as response:
                answered += response.status == 200
            if answered >= 4:  # both workers booted, most likely
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("gunicorn did not answer within a minute")


def wrk(binary: str, url: str, script: Path, seconds: int) -> dict:
    out = subprocess.run(
        [
            binary,
            f"-t{min(2, CONNECTIONS)}",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    result = json.loads(line[len("RESULT ") :])
    result["rate"] = result["requests"] / result["seconds"]
    result["non_2xx"] = sum(int(line.split()[-1]) for line in out.splitlines() if "Non-2xx" in line)
    if result["requests"] == 0 or result["non_2xx"]:
        print(out, file=sys.stderr)
    return result


def measure_scans(binary: str, base: str, data: dict, tmp: Path, seconds: int) -> tuple[dict, dict]:
    ping_script = tmp / "ping.lua"
    ping_script.write_text(PING_LUA)
    scan_script = tmp / "scan.lua"
    scan_script.write_text(
        LUA
        % {
            "codes": ",".join(f'"{c}"' for c in data["codes"]),
            "path": f"/api/v1/events/{data['slug']}/scans",
            "checkpoint": data["checkpoint"],
            "token": data["token"],
        }
    )
    wrk(binary, f"{base}/bench/ping", ping_script, 2)  # warm up both workers
    wrk(binary, base, scan_script, 2)
    ping = wrk(binary, f"{base}/bench/ping", ping_script, seconds)
    scans = wrk(binary, base, scan_script, seconds)
    return ping, scans


def open_loop(base: str, path: str, make_body, rate: float, seconds: float, headers: dict) -> dict:
    """Requests offered at `rate` per second for `seconds` (open loop), each on the next free one of
    64 keep-alive connections; latency from when it was due to its answer (no coordinated omission)."""
    host, port = base.removeprefix("http://").split(":")
    total = int(rate * seconds)
    due: list[float] = []
    latencies: list[float] = []
    failures: list[int] = []
    outcomes: dict[str, int] = {}
    lock = threading.Lock()
    todo: list[int] = []
    ready = threading.Condition()

    def worker() -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        while True:
            with ready:
                while not todo:
                    ready.wait()
                index = todo.pop(0)
            if index < 0:
                return
            body = make_body(index)
            try:
                connection.request("POST" if body else "GET", path, body=body, headers=headers)
                response = connection.getresponse()
                answer = response.read()
                status = response.status
            except OSError:
                connection.close()
                connection = http.client.HTTPConnection(host, int(port), timeout=30)
                status, answer = 0, b""
            finished = time.perf_counter()
            with lock:
                latencies.append((finished - due[index]) * 1000)
                if not 200 <= status < 300:
                    failures.append(status)
                elif body:
                    result = json.loads(answer).get("result", "?")
                    outcomes[result] = outcomes.get(result, 0) + 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(64)]
    for thread in threads:
        thread.start()
    start = time.perf_counter() + 0.2
    due.extend(start + i / rate for i in range(total))
    for index in range(total):
        pause = due[index] - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        with ready:
            todo.append(index)
            ready.notify()
    with ready:
        todo.extend([-1] * len(threads))
        ready.notify_all()
    for thread in threads:
        thread.join(timeout=60)
    return {
        "offered": total,
        "p50": pct(latencies, 50),
        "p99": pct(latencies, 99),
        "max": max(latencies),
        "errors": len(failures),
        "outcomes": outcomes,
    }


def measure_open_loop(base: str, data: dict, rate: float, seconds: float) -> tuple[dict, dict]:
    """The trivial route, then scans (each badge in, then out …), offered at `rate` per second."""
    codes_ = data["codes"]
    nonce = uuid.uuid4().hex

    def scan(index: int) -> bytes:
        lap = index // len(codes_)
        body = {
            "code": codes_[(index + len(codes_) // 2) % len(codes_)],
            "checkpoint": data["checkpoint"],
            "direction": "in" if lap % 2 == 0 else "out",
            "nonce": f"open-{nonce}-{index}",
        }
        return json.dumps(body).encode()

    scan_headers = {"Content-Type": "application/json", "Authorization": f"Bearer {data['token']}"}
    ping = open_loop(base, "/bench/ping", lambda _i: b"", rate, min(seconds, 5), {})
    scans = open_loop(base, f"/api/v1/events/{data['slug']}/scans", scan, rate, seconds, scan_headers)
    return ping, scans


def measure_bundle(base: str, data: dict) -> dict[str, float]:
    """One offline bundle (what every scanner fetches each minute): its size, plain and as sent
    (gzip), and milliseconds to answer, first (built) and then while nothing changed (kept)."""
    times, sizes = [], {}
    for encoding in ("identity", "gzip", "gzip", "gzip", "gzip", "gzip"):
        request = urllib.request.Request(
            f"{base}/api/v1/events/{data['slug']}/offline-bundle",
            headers={"Authorization": f"Bearer {data['token']}", "Accept-Encoding": encoding},
        )
        began = time.perf_counter()
        with urllib.request.urlopen(request, timeout=120) as response:
            sizes[encoding] = len(response.read())
        times.append((time.perf_counter() - began) * 1000)
    return {
        "plain_mb": sizes["identity"] / 1e6,
        "sent_mb": sizes["gzip"] / 1e6,
        "built_ms": times[0],
        "kept_ms": statistics.median(times[2:]),
    }


def verdict_times(base: str, data: dict, tmp: Path) -> dict[str, list[float]]:
    """Milliseconds from a code read to the verdict on screen, online and offline; camera start to verdict."""
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT / "tests"))
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
    from tests.browser.test_door import y4m_of

    video = y4m_of(data["badge_png"], tmp / "badge.y4m")
    times: dict[str, list[float]] = {"online": [], "offline": [], "camera": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                *CHROMIUM_ARGS,
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        context = browser.new_context()
        context.grant_permissions(["camera"], origin=base)
        page = context.new_page()
        page.goto(f"{base}/login?next=/door/{data['slug']}/")
        page.fill("#email", data["email"])
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#door[data-started='1']")
        page.wait_for_selector("#door[data-worker='ready']")
        page.select_option("#door-checkpoint", str(data["checkpoint"]))
        count = 0

        def read(code: str) -> float:
            nonlocal count
            count += 1
            page.fill("#door-code", code)
            page.press("#door-code", "Enter")
            page.wait_for_selector(f"#door-verdict[data-count='{count}']")
            return float(page.get_attribute("#door-verdict", "data-latency-ms"))

        sample = data["codes"][-60:]
        for code in sample[:25]:
            times["online"].append(read(code))
        context.set_offline(True)
        read(sample[25])  # the first one finds out that the network is gone
        for code in sample[26:51]:
            times["offline"].append(read(code))
        context.set_offline(False)
        for _ in range(3):
            camera_page = context.new_page()
            camera_page.goto(f"{base}/door/{data['slug']}/")
            camera_page.wait_for_selector("#door[data-started='1']")
            camera_page.select_option("#door-checkpoint", str(data["checkpoint"]))
            started = time.perf_counter()
            camera_page.click("#door-camera-button")
            camera_page.wait_for_selector("#door-verdict[data-count='1']", timeout=20_000)
            times["camera"].append((time.perf_counter() - started) * 1000)
            camera_page.close()
        browser.close()
    return times


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--stored", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rate", type=float, default=100.0, help="scans per second offered (open loop)")
    parser.add_argument("--open-seconds", type=float, default=20.0)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    binary = ensure_wrk()
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as error:
        sys.exit(f"Redis at {REDIS_URL} does not answer ({error}); set REDIS_URL")
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        f"door benchmark on {os.cpu_count()} cores; database: {os.environ.get('BENCH_DATABASE_URL') or 'SQLite'}; "
        f"gunicorn.conf.py with Redis at {REDIS_URL}"
    )
    print(
        f"{'participants':>12} {'stored scans':>12} | {'ping req/s':>10} {'p50':>6} {'p99':>6} | "
        f"{'scans/s':>8} {'p50':>6} {'p99':>6} {'errors':>6} | ratio"
    )
    browser_times = None
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-door-") as name:
            tmp = Path(name)
            uri, drop = scratch_database(tmp)
            env = {
                **os.environ,
                "DATABASE_URL": uri,
                "SECRET_KEY": "bench-secret-not-for-production",
                "KIOSK_INSTANCE_PATH": str(tmp / "instance"),
                "SESSION_COOKIE_SECURE": "0",
                "REDIS_URL": REDIS_URL,
                "LIVE_CHANNEL": f"bench:{uuid.uuid4().hex}",
            }
            os.environ.update({k: env[k] for k in ("KIOSK_INSTANCE_PATH",)})
            app = create_app(
                {
                    "SECRET_KEY": env["SECRET_KEY"],
                    "SQLALCHEMY_DATABASE_URI": database_url(uri),
                    "KEYS_DIR": str(tmp / "instance" / "keys"),
                }
            )
            began = time.perf_counter()
            data = populate(app, size, args.stored)
            setup_seconds = time.perf_counter() - began
            port = free_port()
            process = start_gunicorn(tmp, env, port)
            try:
                ping, scans = measure_scans(binary, f"http://127.0.0.1:{port}", data, tmp, args.seconds)
                steady_ping, steady = measure_open_loop(
                    f"http://127.0.0.1:{port}", data, args.rate, args.open_seconds
                )
                bundle = measure_bundle(f"http://127.0.0.1:{port}", data)
                print(
                    f"{size:>12,} {args.stored:>12,} | {ping['rate']:>10,.0f} {ping['p50']:>5.1f}ms {ping['p99']:>5.1f}ms | "
                    f"{scans['rate']:>8,.0f} {scans['p50']:>5.1f}ms {scans['p99']:>5.1f}ms {scans['errors']:>6} | "
                    f"{scans['rate'] / ping['rate']:.2f}   (set-up {setup_seconds:.0f} s; "
                    f"offline bundle {bundle['plain_mb']:.1f} MB, sent as {bundle['sent_mb']:.1f} MB, "
                    f"built in {bundle['built_ms']:.0f} ms, then {bundle['kept_ms']:.0f} ms)",
                    flush=True,
                )
                print(
                    f"{'':>12} open loop: {args.rate:,.0f} scans/s offered for {args.open_seconds:.0f} s: "
                    f"p50 {steady['p50']:.1f} ms, p99 {steady['p99']:.1f} ms, max {steady['max']:.0f} ms, "
                    f"{steady['errors']} errors, verdicts {steady['outcomes']} "
                    f"(trivial route at the same rate: p50 {steady_ping['p50']:.1f} ms, p99 {steady_ping['p99']:.1f} ms)",
                    flush=True,
                )
                if not args.no_browser and browser_times is None:
                    browser_times = verdict_times(f"http://127.0.0.1:{port}", data, tmp)
            finally:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=20)
                drop()
    if browser_times:
        print("scanner page, from a code read to the verdict on screen (ms):")
        for label in ("online", "offline"):
            values = browser_times[label]
            print(
                f"  {label:<8} median {statistics.median(values):6.1f}  p95 {pct(values, 95):6.1f}  ({len(values)} badges)"
            )
        camera = browser_times["camera"]
        print(
            f"  camera   'Start the camera' click to the first verdict (camera start-up included): "
            f"median {statistics.median(camera):6.0f}  max {max(camera):6.0f}  ({len(camera)} runs)"
        )


if __name__ == "__main__":
    main()
