"""A venue server for tests: deploy/make-venue-ca.sh's CA and certificate, gunicorn with
gunicorn.conf.py, and nginx with deploy/nginx/kiosk.conf (rendered by deploy/nginx/render.sh) in front.

Missing nginx or openssl is a failure, never a skip: `make system-deps` installs them.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
DEPLOY = ROOT / "deploy"
#: The venue's name: not localhost, so that a browser's secure context comes from TLS alone.
HOST = "kiosk.venue.test"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

MAIN_CONF = """\
daemon off;
master_process on;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log notice;
{user}
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    gzip on;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/kiosk.conf;
}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, what: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"{what} exited with status {process.returncode}:\n{read(log)}")
            if time.monotonic() > deadline:
                pytest.fail(f"{what} did not listen on {port}:\n{read(log)}")
            time.sleep(0.1)


def read(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class VenueCA:
    """The files deploy/make-venue-ca.sh made."""

    dir: Path
    ca: Path
    certificate: Path
    key: Path

    def context(self, alpn: list[str] | None = None) -> ssl.SSLContext:
        """A client context that trusts this CA only (none of the system's)."""
        context = ssl.create_default_context(cafile=str(self.ca))
        context.set_alpn_protocols(alpn or ["http/1.1"])
        return context


def make_venue_ca(directory: Path, *names: str) -> VenueCA:
    if not shutil.which("openssl"):
        pytest.fail("openssl is not installed: run `make system-deps`.")
    subprocess.run(["bash", str(DEPLOY / "make-venue-ca.sh"), "-d", str(directory), *names], check=True)
    return VenueCA(
        directory, directory / "ca.crt", directory / f"{names[0]}.crt", directory / f"{names[0]}.key"
    )


class VenueConnection(http.client.HTTPSConnection):
    """HTTPS to the venue's name, resolved to loopback (as the venue's DNS would resolve it)."""

    def connect(self) -> None:
        sock = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()


@dataclass
class VenueClient:
    """A tiny browser over HTTP/1.1 + TLS: keeps cookies, never follows redirects."""

    port: int
    context: ssl.SSLContext
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, body: bytes | None = None, headers=None) -> Answer:
        conn = VenueConnection(HOST, self.port, context=self.context, timeout=30)
        try:
            sent = dict(headers or {})
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            answer = Answer(response.status, response.headers, response.read())
        finally:
            conn.close()
        for header in answer.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return answer

    def get(self, path: str, **headers: str) -> Answer:
        return self.request("GET", path, headers=headers)

    def post_form(self, path: str, fields: dict[str, str]) -> Answer:
        return self.request(
            "POST",
            path,
            urlencode(fields).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )

    def csrf_token(self, path: str) -> str:
        page = self.get(path)
        assert page.status == 200, (path, page.status)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text) or re.search(
            r'name="csrf-token" content="([^"]+)"', page.text
        )
        assert match, f"no CSRF token in {path}"
        return match.group(1)

    def sign_in(self, email: str, password: str) -> None:
        token = self.csrf_token("/login")
        answer = self.post_form("/login", {"csrf_token": token, "email": email, "password": password})
        assert answer.status == 302, (answer.status, answer.text[:500])


@dataclass
class Venue:
    """nginx on `https_port` (and `http_port`) in front of gunicorn on `app_port`."""

    ca: VenueCA
    https_port: int
    http_port: int
    app_port: int
    prefix: Path
    gunicorn: subprocess.Popen
    nginx: subprocess.Popen

    @property
    def url(self) -> str:
        return f"https://{HOST}:{self.https_port}"

    def client(self) -> VenueClient:
        return VenueClient(self.https_port, self.ca.context())

    @property
    def access_log(self) -> Path:
        return self.prefix / "access.log"

    @property
    def error_log(self) -> Path:
        return self.prefix / "error.log"


def start_gunicorn(database_uri: str, instance: Path, port: int, logs: Path) -> subprocess.Popen:
    """gunicorn -c gunicorn.conf.py as in production: PROXY_FIX=1, secure cookies, no KIOSK_ENV."""
    env = {
        **os.environ,
        "DATABASE_URL": database_uri,
        "SECRET_KEY": "venue-test-secret",
        "PROXY_FIX": "1",
        "KIOSK_INSTANCE_PATH": str(instance),  # instance/keys: the test app's KEYS_DIR
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",  # no Redis: changes and streams meet in one process
        "GUNICORN_THREADS": "16",
        "SECOND_FACTOR_ROLES": "",  # the organizer signs in with a password (TOTP has its own tests)
        "GUNICORN_ACCESS_LOG": str(logs / "gunicorn-access.log"),
        "GUNICORN_ERROR_LOG": str(logs / "gunicorn-error.log"),
    }
    for name in ("KIOSK_ENV", "SESSION_COOKIE_SECURE", "REDIS_URL"):
        env.pop(name, None)
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")]
    process = subprocess.Popen(gunicorn, cwd=ROOT, env=env)
    wait_for_port(port, process, logs / "gunicorn-error.log", "gunicorn")
    return process


def start_nginx(
    ca: VenueCA, prefix: Path, https_port: int, http_port: int, app_port: int
) -> subprocess.Popen:
    """nginx in the foreground with its own prefix, pid and logs, the site rendered by render.sh."""
    if not os.path.exists(NGINX):
        pytest.fail("nginx is not installed: run `make system-deps` (apt-get install nginx).")
    # nginx's workers (www-data) must reach static/: a checkout in a private folder (a CI's
    # mktemp -d is 0700) would answer 403, so they serve a copy in the nginx prefix instead.
    app_dir = prefix / "app"
    shutil.copytree(ROOT / "static", app_dir / "static")
    for folder in [app_dir, *app_dir.rglob("*")]:
        if folder.is_dir():
            folder.chmod(0o755)
    options = {
        "--server-name": HOST,
        "--app-dir": str(app_dir),
        "--upstream": f"127.0.0.1:{app_port}",
        "--certificate": str(ca.certificate),
        "--certificate-key": str(ca.key),
        "--https-port": str(https_port),
        "--http-port": str(http_port),
        "--env-file": "/nonexistent",  # the app's default limits
        "--access-log": str(prefix / "access.log"),
    }
    arguments = [word for option in options.items() for word in option] + ["--server-name", "127.0.0.1"]
    site = subprocess.run(
        ["bash", str(DEPLOY / "nginx" / "render.sh"), *arguments],
        check=True,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "IMPORT_MAX_BYTES"},
    ).stdout
    (prefix / "kiosk.conf").write_text(site)
    # As root, workers drop to www-data as on Debian: static/ must be readable by them.
    user = "user www-data;" if os.geteuid() == 0 else ""
    (prefix / "nginx.conf").write_text(MAIN_CONF.format(prefix=prefix, user=user))
    command = [NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen(command, stderr=(prefix / "stderr.log").open("w"))
    wait_for_port(https_port, process, prefix / "error.log", "nginx")
    return process


@pytest.fixture
def venue(app, tmp_path) -> Iterator[Venue]:
    """The test app's database served by gunicorn behind nginx, over TLS with a venue CA."""
    ca = make_venue_ca(tmp_path / "ca", HOST, "127.0.0.1")
    prefix = Path(tempfile.mkdtemp(prefix="kiosk-nginx-"))
    prefix.chmod(0o755)  # nginx's workers (www-data) keep their temporary files here
    https_port, http_port, app_port = free_port(), free_port(), free_port()
    gunicorn = start_gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, app_port, tmp_path)
    try:
        nginx = start_nginx(ca, prefix, https_port, http_port, app_port)
        try:
            yield Venue(ca, https_port, http_port, app_port, prefix, gunicorn, nginx)
        finally:
            stop(nginx, signal.SIGTERM)  # nginx's fast stop: open streams are cut
    finally:
        stop(gunicorn, signal.SIGQUIT)  # quick: open streams need not end first
        shutil.rmtree(prefix, ignore_errors=True)
