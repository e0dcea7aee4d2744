"""Under a surge, a request that cannot get a database connection in time is told to try again (503)."""

from __future__ import annotations

from kiosk import create_app
from kiosk.extensions import db
from tests.conftest import base_config, bearer

ONE_CONNECTION = {"DATABASE_POOL_SIZE": 1, "DATABASE_POOL_OVERFLOW": 0, "DATABASE_POOL_TIMEOUT": 1}


def test_waiting_too_long_for_a_pooled_connection_is_a_503_to_try_again(app, make_token, tmp_path):
    secret = make_token()
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    config = base_config(uri, tmp_path) | ONE_CONNECTION
    if uri.startswith("sqlite"):  # the DATABASE_POOL_* settings are for PostgreSQL; the same pool here
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": 1, "max_overflow": 0, "pool_timeout": 1}
    busy_app = create_app(config)
    with busy_app.app_context():
        engine = db.engine
        assert (engine.pool.size(), engine.pool.timeout()) == (1, 1)
    client = busy_app.test_client()
    try:
        assert client.get("/api/v1/events", headers=bearer(secret)).status_code == 200
        held = engine.connect()  # every connection busy, as when a surge holds them all
        try:
            busy = client.get("/api/v1/events", headers=bearer(secret))
            assert busy.status_code == 503, busy.text
            assert busy.json["code"] == "unavailable" and busy.headers["Retry-After"] == "2"
        finally:
            held.close()
        assert client.get("/api/v1/events", headers=bearer(secret)).status_code == 200
    finally:
        busy_app.extensions["live"].close()
        engine.dispose()
