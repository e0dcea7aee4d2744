"""Migration 0021_delegation_names: existing delegations get no names of their own, and back."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from kiosk import create_app
from kiosk.extensions import db
from kiosk.models import Delegation
from kiosk.services import countries
from tests.conftest import base_config
from tests.test_migrations import empty_database, insert_old_event  # noqa: F401 - the fixture, on each backend


def test_delegations_start_without_names_of_their_own_and_lose_them_going_back(empty_database, tmp_path):  # noqa: F811
    app = create_app(base_config(empty_database, tmp_path))
    directory = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=directory, revision="0020_identity")
        insert_old_event(db.session, "ICRC", "icrc")
        db.session.commit()
        upgrade(directory=directory, revision="0021_delegation_names")
        icrc = db.session.execute(select(Delegation)).scalar_one()
        assert icrc.names == {}
        assert countries.of_delegation(icrc, "ru") == "Международного комитета Красного Креста"
        icrc.names = {"zh": {"name": "红十字会"}}
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Delegation, 1).names == {"zh": {"name": "红十字会"}}
        db.session.remove()
        downgrade(directory=directory, revision="0020_identity")
        columns = {c["name"] for c in inspect(db.engine).get_columns("delegations")}
        assert "names" not in columns and "name" in columns
        assert db.session.execute(text("SELECT name FROM delegations")).scalar_one() == "ICRC"
        db.session.remove()
        db.engine.dispose()
