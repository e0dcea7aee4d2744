"""deploy/systemd/kiosk-web.service and deploy/kiosk.env.example agree with gunicorn.conf.py and config.py."""

from __future__ import annotations

import re

from tests.deploy.venue import DEPLOY, ROOT

UNIT = DEPLOY / "systemd" / "kiosk-web.service"


def unit_settings() -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in UNIT.read_text().splitlines():
        if line and not line.startswith(("#", "[")):
            key, _sep, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    return settings


def test_the_unit_runs_gunicorn_with_the_repositorys_settings_as_a_dedicated_user():
    unit = unit_settings()
    assert unit["ExecStart"] == ["/srv/kiosk/.venv/bin/gunicorn -c gunicorn.conf.py"]
    assert unit["WorkingDirectory"] == ["/srv/kiosk"]
    assert unit["EnvironmentFile"] == ["/etc/kiosk/env"]
    assert unit["Restart"] == ["always"]
    assert unit["User"] == ["kiosk"] and unit["Group"] == ["kiosk"]
    assert unit["Type"] == ["notify"]  # gunicorn's arbiter calls sd_notify("READY=1")
    assert unit["KillMode"] == ["mixed"]  # TERM to the master only: gunicorn's graceful stop
    assert int(unit["TimeoutStopSec"][0]) > 30  # gunicorn.conf.py's graceful_timeout
    assert unit["NoNewPrivileges"] == ["yes"] and unit["ProtectSystem"] == ["strict"]
    assert unit["StateDirectory"] == ["kiosk"]  # the only writable place: the instance folder
    assert "MemoryDenyWriteExecute" not in unit  # cffi (WeasyPrint) needs executable memory


def test_the_example_environment_names_only_settings_the_app_reads():
    readers = (ROOT / "config.py").read_text() + (ROOT / "gunicorn.conf.py").read_text()
    readers += (ROOT / "kiosk" / "__init__.py").read_text()
    names = re.findall(r"^#?([A-Z][A-Z_]+)=", (DEPLOY / "kiosk.env.example").read_text(), re.MULTILINE)
    assert {"SECRET_KEY", "DATABASE_URL", "PROXY_FIX", "KIOSK_INSTANCE_PATH", "GUNICORN_BIND"} <= set(names)
    assert [name for name in names if f'"{name}"' not in readers] == []
    example = (DEPLOY / "kiosk.env.example").read_text()
    assert "PROXY_FIX=1" in example and "GUNICORN_BIND=127.0.0.1:8000" in example
    assert "KIOSK_INSTANCE_PATH=/var/lib/kiosk" in example  # the unit's StateDirectory
