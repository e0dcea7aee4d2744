"""The application factory: secrets, headers and logs."""

from __future__ import annotations

import logging

import pytest

from kiosk import create_app
from kiosk.accesslog import RedactSecrets
from tests.conftest import bearer


def test_production_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("KIOSK_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("KIOSK_ENV", "production")
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app({"SECRET_KEY": None})
    monkeypatch.setenv("KIOSK_ENV", "development")
    assert create_app().config["SECRET_KEY"]


def test_every_response_carries_security_headers(client):
    response = client.get("/login")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_the_policy_forbids_base_and_foreign_form_targets_and_https_answers_carry_hsts(client):
    policy = [part.strip() for part in client.get("/login").headers["Content-Security-Policy"].split(";")]
    assert "base-uri 'none'" in policy and "form-action 'self'" in policy
    assert "Strict-Transport-Security" not in client.get("/login").headers  # plain http: meaningless
    for path in ("/login", "/api/v1/openapi.json", "/nope"):
        secure = client.get(path, base_url="https://localhost")
        assert secure.headers["Strict-Transport-Security"] == "max-age=31536000", path


def test_pages_and_api_answers_are_never_stored_but_static_files_may_be(client, login, make_token):
    login()
    for path, headers in (("/admin/", {}), ("/login", {}), ("/api/v1/events", bearer(make_token()))):
        assert client.get(path, headers=headers).headers["Cache-Control"] == "no-store", path
    static = client.get("/static/css/app.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()


def test_access_log_does_not_show_delegation_secrets():
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - "%s" %s',
        ("127.0.0.1", "GET /d/Ab3dEf6hIj9kLm2nOp5qRs8tUv/participants HTTP/1.1", "200"),
        None,
    )
    RedactSecrets().filter(record)
    line = record.getMessage()
    assert "Ab3dEf6hIj9kLm2nOp5qRs8tUv" not in line and "/d/…/participants" in line
