"""/healthz and /readyz: public JSON for load balancers, 503 naming the failed check, no secret."""

from __future__ import annotations

import socket
import uuid
from pathlib import Path

import pytest
from openapi_spec_validator import validate
from sqlalchemy import text

from kiosk import create_app
from kiosk.extensions import db
from kiosk.services import health, printing, printworker
from tests.conftest import base_config


def add_printer(app, connection: dict, kind: str = "receipt") -> None:
    with app.app_context():
        printing.save_printer(
            db.session, None, name=f"P {uuid.uuid4().hex[:6]}", kind=kind, connection=connection
        )
        db.session.commit()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the socket is


def test_healthz_answers_without_the_database(tmp_path, monkeypatch):
    monkeypatch.setenv("KIOSK_INSTANCE_PATH", str(tmp_path / "instance"))
    uri = f"postgresql+psycopg://kiosk:s3cr3t-pw@127.0.0.1:{closed_port()}/nowhere"
    app = create_app(base_config(uri, tmp_path))
    client = app.test_client()

    alive = client.get("/healthz")
    assert alive.status_code == 200 and alive.json == {"status": "alive"}

    ready = client.get("/readyz")
    assert ready.status_code == 503, ready.json
    assert ready.json["status"] == "unavailable" and ready.json["failed"] == ["database", "migrations"]
    assert ready.json["checks"]["database"]["ok"] is False
    assert "s3cr3t" not in ready.text and "kiosk:" not in ready.text and "127.0.0.1" not in ready.text
    assert ready.headers["Cache-Control"] == "no-store"


def test_readyz_on_a_migrated_database_is_ready(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "ready" and "failed" not in response.json
    checks = response.json["checks"]
    # no REDIS_URL, no Redis
    assert sorted(checks) == ["database", "migrations", "print_worker", "printers", "servers"]

    assert all(check["ok"] for check in checks.values())
    assert checks["printers"]["required"] is False


def test_a_database_behind_the_migrations_is_not_ready(app, client):
    with app.app_context():
        head = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        db.session.execute(text("UPDATE alembic_version SET version_num = 'older'"))
        db.session.commit()
    try:
        response = client.get("/readyz")
        assert response.status_code == 503 and response.json["failed"] == ["migrations"]
        assert "init-db" in response.json["checks"]["migrations"]["detail"]
    finally:  # the PostgreSQL database is shared by the session's tests
        with app.app_context():
            db.session.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
            db.session.commit()


def test_redis_is_checked_when_configured(app):
    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    assert app.test_client().get("/readyz").json["checks"]["redis"]["ok"] is True

    app.config["REDIS_URL"] = f"redis://:pw-in-url@127.0.0.1:{closed_port()}/0"
    app.extensions.pop("readiness_redis")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.json["failed"] == ["redis"]
    assert "pw-in-url" not in response.text


def test_unreachable_printers_are_reported_and_required_only_when_configured(app, tmp_path):
    app.config["READY_CACHE_SECONDS"] = 0
    listening = socket.create_server(("127.0.0.1", 0))
    add_printer(app, {"type": "network", "host": "127.0.0.1", "port": listening.getsockname()[1]})
    add_printer(app, {"type": "png_folder", "path": str(tmp_path / "badges")}, kind="badge")
    client = app.test_client()
    assert client.get("/readyz").json["checks"]["printers"] == {
        "ok": True,
        "required": False,
        "detail": "2 printers can be reached.",
        "ms": pytest.approx(0, abs=2000),
    }

    listening.close()
    down = client.get("/readyz")
    assert down.status_code == 200  # reported, not required: printers are shared by every server
    assert down.json["checks"]["printers"]["ok"] is False
    assert down.json["checks"]["printers"]["detail"].startswith("1 of 2 printers cannot be reached: P ")
    assert "127.0.0.1" not in down.text

    app.config["READY_PRINTERS_REQUIRED"] = True
    required = client.get("/readyz")
    assert required.status_code == 503
    assert required.json["failed"] == ["printers", "print_worker"]  # and no worker has run here


def test_printer_results_are_kept_a_few_seconds(app, monkeypatch):
    add_printer(app, {"type": "dummy"})
    calls = []
    real = health.printer_devices.check_reachable
    monkeypatch.setattr(
        health.printer_devices, "check_reachable", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    client = app.test_client()
    for _n in range(5):  # a load balancer asking every second
        assert client.get("/readyz").status_code == 200
    assert len(calls) == 1
    app.config["READY_CACHE_SECONDS"] = 0
    client.get("/readyz")
    assert len(calls) == 2


def test_more_checks_can_be_registered(app, monkeypatch):
    monkeypatch.setattr(health, "CHECKS", list(health.CHECKS))
    health.register(health.Check("print_worker", lambda app: health.Result(False, "No heartbeat.")))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.json["failed"] == ["print_worker"]
    assert response.json["checks"]["print_worker"]["detail"] == "No heartbeat."


def test_health_routes_are_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").json
    validate(document)
    for path in ("/healthz", "/readyz"):
        assert document["paths"][path]["get"]["security"] == []
    assert set(document["paths"]["/readyz"]["get"]["responses"]) == {"200", "503"}


def test_the_print_worker_heartbeat_is_reported_and_required_with_the_printers(app, client):
    assert client.get("/readyz").json["checks"]["print_worker"]["detail"] == "No printer is set up."
    add_printer(app, {"type": "file", "path": str(Path(app.instance_path) / "receipts.escpos")})
    silent = client.get("/readyz")
    assert silent.status_code == 200  # reported, not required by default
    assert silent.json["checks"]["print_worker"]["ok"] is False
    assert "will not print" in silent.json["checks"]["print_worker"]["detail"]

    app.config["READY_PRINTERS_REQUIRED"] = True
    assert client.get("/readyz").status_code == 503

    with app.app_context():
        printworker.beat(db.session, "worker-under-test")
        db.session.commit()
    heard = client.get("/readyz").json["checks"]["print_worker"]
    assert heard["ok"] is True and heard["detail"] == "Print workers heard from: 1."
