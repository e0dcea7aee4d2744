"""deploy/nginx/kiosk.conf for real: nginx (Debian's) with a certificate from deploy/make-venue-ca.sh,
in front of gunicorn with gunicorn.conf.py. The door page in Chromium over this proxy:
tests/browser/test_door_https.py."""

from __future__ import annotations

import http.client
import json
import queue
import re
import socket
import ssl
import subprocess
import threading
import time

import pytest

from kiosk.extensions import db
from kiosk.models import Event, Role
from tests.conftest import PASSWORD, bearer
from tests.deploy.venue import DEPLOY, HOST, Venue, VenueConnection, make_venue_ca
from tests.door.scenario import new_event

ONE_YEAR = "max-age=31536000"


def test_tls_from_the_venue_ca_with_http2(venue):
    for name in (HOST, "127.0.0.1"):  # the devices may use the name or the address
        with socket.create_connection(("127.0.0.1", venue.https_port), timeout=10) as raw:
            with venue.ca.context(["h2", "http/1.1"]).wrap_socket(raw, server_hostname=name) as tls:
                assert tls.selected_alpn_protocol() == "h2"
                assert tls.version() in ("TLSv1.2", "TLSv1.3")
                assert ("DNS", HOST) in tls.getpeercert()["subjectAltName"]
    # Without the venue CA the certificate is not trusted: the CA is what the devices install.
    with socket.create_connection(("127.0.0.1", venue.https_port), timeout=10) as raw:
        with pytest.raises(ssl.SSLCertVerificationError):
            ssl.create_default_context().wrap_socket(raw, server_hostname=HOST)


def test_the_venue_ca_vouches_only_for_its_own_names(tmp_path):
    ca = make_venue_ca(tmp_path / "ca", HOST, "10.0.0.5")
    made = subprocess.run(
        ["bash", str(DEPLOY / "make-venue-ca.sh"), "-d", str(ca.dir), "other.example"],
        capture_output=True,
        text=True,
    )
    assert made.returncode == 1 and "may vouch only for" in made.stderr
    # A certificate for another name signed with the CA's key anyway: OpenSSL refuses it.
    for step in (
        ["openssl", "req", "-new", "-key", str(ca.key), "-subj", "/CN=other.example", "-out", "o.csr"],
        ["openssl", "x509", "-req", "-in", "o.csr", "-CA", str(ca.ca), "-CAkey", str(ca.dir / "ca.key"),
         "-set_serial", "7", "-days", "1", "-out", "o.crt", "-extfile", "o.ext"],
    ):  # fmt: skip
        (tmp_path / "o.ext").write_text("subjectAltName=DNS:other.example\n")
        subprocess.run(step, cwd=tmp_path, check=True, capture_output=True)
    verified = subprocess.run(
        ["openssl", "verify", "-CAfile", str(ca.ca), str(tmp_path / "o.crt")], capture_output=True, text=True
    )
    assert verified.returncode != 0 and "permitted subtree violation" in verified.stderr
    served = subprocess.run(
        ["openssl", "verify", "-CAfile", str(ca.ca), str(ca.certificate)], capture_output=True, text=True
    )
    assert served.returncode == 0, served.stderr


def test_plain_http_goes_to_https_and_https_has_hsts(venue):
    conn = http.client.HTTPConnection("127.0.0.1", venue.http_port, timeout=10)
    conn.request("GET", "/door/?lang=fr", headers={"Host": "whatever.example"})
    response = conn.getresponse()
    assert response.status == 301
    assert response.getheader("Location") == f"https://{HOST}:{venue.https_port}/door/?lang=fr"
    conn.close()
    client = venue.client()
    for path in ("/login", "/static/js/door.js", "/static/vendor/uplot-1.6.32/uPlot.min.css", "/nope"):
        answer = client.get(path)
        assert answer.headers.get_all("Strict-Transport-Security") == [ONE_YEAR], path  # nginx's or the app's


def test_a_host_the_server_is_not_is_refused(venue):
    client = venue.client()
    assert client.get("/login", Host="evil.example").status == 421
    assert client.get("/login").status == 200


def test_links_are_https_on_the_public_name_whatever_the_client_claims(
    app, venue, make_user, make_delegation
):
    """PROXY_FIX=1 behind nginx: X-Forwarded-Proto/Host come from nginx, not from the client."""
    organizer = make_user(Role.ORGANIZER)
    delegation = make_delegation(name="Chile")
    with app.app_context():
        slug = db.session.get(Event, delegation.event_id).slug
    client = venue.client()
    client.sign_in(organizer.email, PASSWORD)  # a form over https: CSRF passes without a Referer
    token = client.csrf_token(f"/admin/events/{slug}/delegations")
    answer = client.request(
        "POST",
        f"/admin/events/{slug}/delegations/{delegation.id}/link",
        f"csrf_token={token}".encode(),
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Forwarded-Proto": "http",
            "X-Forwarded-Host": "evil.example",
            "X-Forwarded-For": "203.0.113.9",
        },
    )
    assert answer.status == 200, answer.text[:500]
    link = re.search(r"https?://[^\s\"<]+/d/[^\s\"<]+", answer.text)
    assert link, answer.text
    assert link.group(0).startswith(f"https://{HOST}:{venue.https_port}/d/")
    secret = link.group(0).rstrip("/").rsplit("/", 1)[1]

    # The link works through the proxy, and the secret stays out of nginx's log.
    entered = venue.client().get(f"/d/{secret}/?lang=fr")
    assert entered.status == 303 and entered.headers["Location"].endswith("/delegation/?lang=fr")
    time.sleep(0.3)
    log = venue.access_log.read_text()
    assert '"GET /d/…/?lang=fr HTTP/1.1" 303' in log and secret not in log
    # The session cookie is Secure (production's default): it only ever travels over TLS.
    assert any("session=" in c and "Secure" in c for c in entered.headers.get_all("Set-Cookie"))


def test_static_files_come_from_nginx_with_their_lifetimes(app, venue, tmp_path, make_user):
    client = venue.client()
    wasm = client.get("/static/vendor/zxing-wasm-3.1.4/reader/zxing_reader.wasm")
    assert wasm.status == 200
    assert wasm.headers["Content-Type"] == "application/wasm"
    assert wasm.headers["Cache-Control"] == f"public, {ONE_YEAR}, immutable"
    assert wasm.headers["X-Content-Type-Options"] == "nosniff"
    own = client.get("/static/js/door.js")
    assert own.status == 200 and own.headers["Cache-Control"] == "no-cache"
    assert own.headers["Content-Type"].startswith("application/javascript")
    again = client.get("/static/js/door.js", **{"If-None-Match": own.headers["ETag"]})
    assert again.status == 304  # revalidated by nginx: cheap, and a new release shows at once
    gunicorn_log = (tmp_path / "gunicorn-access.log").read_text()
    assert "/static/" not in gunicorn_log  # nginx served them from disk

    # The door's service worker and the pages come from the app, never kept.
    worker = client.get("/door/sw.js")
    assert worker.status == 200
    assert worker.headers["Cache-Control"] == "no-cache"
    assert worker.headers["Service-Worker-Allowed"] == "/door/"
    client.sign_in(make_user(Role.SECURITY).email, PASSWORD)
    with app.app_context():
        slug = new_event(db.session, slug="door1").slug
        db.session.commit()
    page = client.get(f"/door/{slug}/")
    assert page.status == 200 and page.headers["Cache-Control"] == "no-cache"
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    time.sleep(0.3)
    assert "GET /door/sw.js" in (tmp_path / "gunicorn-access.log").read_text()


def test_request_sizes_the_app_answers_and_those_nginx_stops(app, venue):
    limit = app.config["MAX_CONTENT_LENGTH"]  # 11 MiB: the largest import and its form
    site = (venue.prefix / "kiosk.conf").read_text()
    allowed = int(re.search(r"client_max_body_size (\d+)k;", site).group(1)) * 1024
    assert limit < allowed <= limit + 2 * 1024 * 1024

    # Just over the app's limit: nginx passes it on and the app says so, as a page of its own.
    client = venue.client()
    answer = client.request(
        "POST", "/login", b"x" * (limit + 1), {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert answer.status == 413 and "Content-Security-Policy" in answer.headers  # the app's answer
    # Over nginx's limit: refused from the headers, before any of the body is read.
    conn = VenueConnection(HOST, venue.https_port, context=venue.ca.context(), timeout=10)
    conn.putrequest("POST", "/login")
    conn.putheader("Content-Type", "application/x-www-form-urlencoded")
    conn.putheader("Content-Length", str(allowed + 1))
    conn.endheaders()
    response = conn.getresponse()
    assert response.status == 413 and response.getheader("Content-Security-Policy") is None
    conn.close()


class TlsStream:
    """An event stream read through the proxy in a thread, event by event."""

    def __init__(self, venue: Venue, path: str, headers: dict[str, str]) -> None:
        self.conn = VenueConnection(HOST, venue.https_port, context=venue.ca.context(), timeout=30)
        self.conn.request("GET", path, headers=headers)
        self.response = self.conn.getresponse()
        self.events: queue.Queue[tuple[float, dict[str, str]]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        fields: dict[str, str] = {}
        try:
            while line := self.response.fp.readline():
                text = line.decode().rstrip("\n")
                if not text:
                    if "event" in fields:
                        self.events.put((time.monotonic(), fields))
                    fields = {}
                elif not text.startswith(":"):
                    name, _sep, value = text.partition(": ")
                    fields[name] = value
        except (OSError, ValueError, AttributeError):
            return

    def next_headcount(self, timeout: float) -> tuple[float, dict]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                at, fields = self.events.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"no headcount event within {timeout} s")
            if fields.get("event") == "headcount":
                return at, json.loads(fields["data"])

    def close(self) -> None:
        try:
            self.conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.conn.close()


def test_a_change_reaches_a_stream_through_the_proxy_within_a_second(
    app, venue, make_participant, make_token
):
    someone = make_participant()
    token = make_token()
    with app.app_context():
        slug = db.session.get(Event, someone.event_id).slug
    stream = TlsStream(venue, f"/api/v1/events/{slug}/stream", bearer(token))
    try:
        assert stream.response.status == 200
        assert stream.response.getheader("Content-Type").startswith("text/event-stream")
        assert stream.response.getheader("Transfer-Encoding") == "chunked"  # streamed, not buffered
        _at, first = stream.next_headcount(timeout=10)
        assert first["registered"] == 1
        client = venue.client()
        started = time.monotonic()
        # a rejection: no e-mail to compose, so the time measured is the change's journey
        answer = client.request("POST", f"/api/v1/participants/{someone.id}/reject", headers=bearer(token))
        assert answer.status == 200, answer.text
        arrived, changed = stream.next_headcount(timeout=1)
        assert changed["registered"] == 0
        assert arrived - started < 1
    finally:
        stream.close()
