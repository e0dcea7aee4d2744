"""The production gunicorn config serving the app: a focal point's secret never reaches the access log,
and a restart ends open dashboard streams at once."""

from __future__ import annotations

import http.cookiejar
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from kiosk.accesslog import GunicornLogger, redact

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def served(app, tmp_path):
    """gunicorn -c gunicorn.conf.py on the test database, with its access log in a file."""
    port = free_port()
    log = tmp_path / "access.log"
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "gunicorn-test-secret",
        "SESSION_COOKIE_SECURE": "0",  # plain http on loopback in this test
        "KIOSK_INSTANCE_PATH": str(tmp_path / "instance"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_ACCESS_LOG": str(log),
        "GUNICORN_ERROR_LOG": str(tmp_path / "error.log"),
    }
    env.pop("KIOSK_ENV", None)
    process = subprocess.Popen([str(GUNICORN), "-c", "gunicorn.conf.py"], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                assert process.poll() is None, (tmp_path / "error.log").read_text()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", log, process
    finally:
        process.terminate()
        process.wait(timeout=40)


def test_the_private_link_signs_in_and_its_secret_stays_out_of_the_access_log(
    served, make_delegation, make_participant, delegation_link
):
    base, log, _process = served
    delegation = make_delegation(name="Chile")
    person = make_participant(delegation=delegation, given_name="Ana", family_name="Rojas")
    secret = delegation_link(delegation)
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    with browser.open(f"{base}/d/{secret}/?lang=fr") as page:
        assert page.url == f"{base}/delegation/?lang=fr"  # the address the browser keeps and sends on
        html = page.read().decode()
        assert page.headers["Cache-Control"] == "no-store"
        assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "Ana Rojas" in html and secret not in html
    with browser.open(f"{base}/delegation/participants/{person.id}/edit") as form:
        assert form.status == 200 and secret not in form.read().decode()

    time.sleep(0.5)  # let the worker write its log lines
    lines = log.read_text().splitlines()
    assert any('"GET /d/…/?lang=fr HTTP/1.1" 303' in line for line in lines), lines
    assert any("GET /delegation/participants/" in line for line in lines), lines
    assert not any(secret in line for line in lines)


def test_an_old_copy_of_the_page_holds_no_secret_either(served, make_delegation, delegation_link):
    base, _log, _process = served
    secret = delegation_link(make_delegation())
    anonymous = urllib.request.build_opener()
    with pytest.raises(urllib.error.HTTPError) as refused:
        anonymous.open(f"{base}/delegation/")
    assert refused.value.code == 403  # the pages need the session the link gives, not the secret
    assert secret not in refused.value.read().decode()


def test_a_graceful_stop_ends_open_dashboard_streams_at_once(served, make_event, make_token):
    base, _log, process = served
    event = make_event()
    request = urllib.request.Request(
        f"{base}/api/v1/events/{event.slug}/stream", headers={"Authorization": f"Bearer {make_token()}"}
    )
    stream = urllib.request.urlopen(request, timeout=60)
    assert stream.readline().startswith(b"retry:")
    while not stream.readline().startswith(b"data: "):  # the first figures: the stream is open
        pass

    stopped_at = time.monotonic()
    process.terminate()  # SIGTERM to the master: a graceful stop of its worker
    stream.read()  # to its end: the worker closed it
    ended = time.monotonic() - stopped_at
    process.wait(timeout=40)
    stopped = time.monotonic() - stopped_at
    assert ended < 10 and stopped < 15, (ended, stopped)  # not after gunicorn's 30 s graceful timeout


def test_redaction_covers_every_place_a_secret_can_appear():
    assert redact("GET /d/AbC-12_x/participants?x=1 HTTP/1.1") == "GET /d/…/participants?x=1 HTTP/1.1"
    assert redact("https://venue.example/d/AbC-12_x") == "https://venue.example/d/…"


def _access_line(tmp_path, environ: dict, log_format: str = '"%(r)s" %(s)s "%(f)s"') -> str:
    """What gunicorn's access log (this app's logger class, gunicorn.conf.py) writes for one request."""
    from gunicorn.config import Config

    config = Config()
    config.set("access_log_format", log_format)
    log = tmp_path / f"access-{uuid.uuid4().hex}.log"
    config.set("accesslog", str(log))
    logger = GunicornLogger(config)
    request = SimpleNamespace(headers=[])
    response = SimpleNamespace(status="200 OK", headers=[], sent=0)
    environ = {"REQUEST_METHOD": "GET", "SERVER_PROTOCOL": "HTTP/1.1", **environ}
    logger.access(response, request, environ, timedelta(milliseconds=3))
    for handler in logger.access_log.handlers:
        handler.close()
    return log.read_text()


@pytest.mark.parametrize(
    "address",
    [
        "/%64/SeCrEt_123/",  # the router decodes it: the private link, signing in
        "/%64/%53eCrEt_123/?lang=fr",
        "/d//SeCrEt_123/",  # slashes merged: a redirect to the private link
        "/kiosk/%65nrol/SeCrEt_123",
        "/login?next=%2Fd%2FSeCrEt_123%2F",
    ],
)
def test_a_secret_is_redacted_however_its_address_is_spelt(tmp_path, address):
    line = _access_line(tmp_path, {"RAW_URI": address, "HTTP_REFERER": f"https://venue.example{address}"})
    assert "SeCrEt_123" not in line and "%53eCrEt_123" not in line, line
    assert line.count("…") == 2, line


def test_names_searched_for_stay_out_of_the_access_log(tmp_path):
    addresses = [
        "/desk/?q=Emily+Clarke&page=2",
        "/api/v1/events/im2024/participants?status=accredited&q=Clarke",
        "/api/v1/kiosk/find?family_name=Cl%C3%A4rke&lang=ar",
        "/admin/events/im2024/audit?%71=Clarke&actor=emily.clarke%40example.org",
    ]
    lines = [_access_line(tmp_path, {"RAW_URI": address}) for address in addresses]
    assert not any(word in line for line in lines for word in ("Emily", "Clarke", "Cl%C3%A4rke", "clarke"))
    assert '"GET /desk/?q=…&page=2 HTTP/1.1" 200' in lines[0]
    assert "?status=accredited&q=… " in lines[1] and "family_name=…&lang=ar" in lines[2]
    query_only = _access_line(tmp_path, {"RAW_URI": "/desk/", "QUERY_STRING": "q=Clarke"}, "%(q)s")
    assert query_only.strip() == "q=…"


def test_the_access_log_gets_only_the_atoms_of_its_format_redacted():
    from gunicorn.config import Config

    config = Config()
    config.set("access_log_format", '"%(r)s" %(s)s "%(f)s" %({Authorization}i)s %({X-Request-Id}i)s')
    logger = GunicornLogger(config)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/d/SeCrEt_123/?lang=fr",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": "https://venue.example/kiosk/enrol/OnEtImE",
        "HTTP_COOKIE": "session=abc",
    }
    request = SimpleNamespace(headers=[("Authorization", "Bearer tok3n"), ("X-Request-Id", "r-1")])
    response = SimpleNamespace(status="303 See Other", headers=[("Location", "/delegation/")], sent=0)
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=3))
    assert atoms == {
        "r": "GET /d/…/?lang=fr HTTP/1.1",
        "s": "303",
        "f": "https://venue.example/kiosk/enrol/…",
        "{authorization}i": "…",
        "{x-request-id}i": "r-1",
    }
    line = config.access_log_format % logger.atoms_wrapper_class(atoms)
    assert line == '"GET /d/…/?lang=fr HTTP/1.1" 303 "https://venue.example/kiosk/enrol/…" … r-1'


@pytest.mark.parametrize(
    ("workers_env", "args"),
    [({"GUNICORN_WORKERS": "2"}, []), ({}, ["-w", "3"])],
)
def test_several_workers_without_redis_refuse_to_start(tmp_path, workers_env, args):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite'}",
        "SECRET_KEY": "gunicorn-test-secret",
        "KIOSK_INSTANCE_PATH": str(tmp_path / "instance"),
        "GUNICORN_BIND": f"127.0.0.1:{free_port()}",
        **workers_env,
    }
    for name in ("REDIS_URL", "GUNICORN_WORKERS"):
        if name not in workers_env:
            env.pop(name, None)
    result = subprocess.run(
        [str(GUNICORN), "-c", "gunicorn.conf.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "workers need REDIS_URL" in result.stderr and "GUNICORN_WORKERS=1" in result.stderr, result.stderr


def test_several_workers_with_redis_start(app, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "gunicorn-test-secret",
        "KIOSK_INSTANCE_PATH": str(tmp_path / "instance"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_ACCESS_LOG": str(tmp_path / "access.log"),
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    process = subprocess.Popen(
        [str(GUNICORN), "-c", "gunicorn.conf.py"], cwd=ROOT, env=env, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as ready:
                    body = ready.read()
                    break
            except OSError:
                assert process.poll() is None, process.stderr.read().decode()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        assert b'"redis"' in body and b'"ready"' in body
    finally:
        process.terminate()
        process.wait(timeout=40)


def test_a_second_server_on_the_same_database_without_redis_is_refused(served, app, tmp_path):
    base, _log, first = served
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "gunicorn-test-secret",
        "KIOSK_INSTANCE_PATH": str(tmp_path / "instance2"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_ERROR_LOG": str(tmp_path / "second.log"),
    }
    env.pop("KIOSK_ENV", None)
    env.pop("REDIS_URL", None)
    second = subprocess.run(
        [str(GUNICORN), "-c", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode != 0
    said = (tmp_path / "second.log").read_text() + second.stderr
    assert "is serving this database without Redis" in said and "Set the same REDIS_URL" in said
    assert first.poll() is None  # the first server serves on
    with urllib.request.urlopen(f"{base}/readyz") as ready:
        assert json.load(ready)["checks"]["servers"]["ok"] is True
