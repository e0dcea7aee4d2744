"""Migration 0005_badge_text: existing people get an empty name on the badge, events print in English."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from kiosk import create_app
from kiosk.extensions import db
from kiosk.models import Event, Participant
from kiosk.services import titles
from tests.conftest import base_config
from tests.test_migrations import empty_database, insert_old_event  # noqa: F401 - the fixture, on each backend


def test_badge_text_columns_come_and_go_without_losing_rows(empty_database, tmp_path):  # noqa: F811
    app = create_app(base_config(empty_database, tmp_path))
    migrate = app.extensions["migrate"]
    with app.app_context():
        config = migrate.migrate.get_config(migrate.directory)
        before = ScriptDirectory.from_config(config).get_revision("0005_badge_text").down_revision
        upgrade(directory=migrate.directory, revision=before)
        insert_old_event(db.session, "China")
        db.session.execute(
            text(
                "INSERT INTO participants (event_id, delegation_id, title, given_name, family_name,"
                " function, gender, email, mode, language, status, badge_serial, created_at, updated_at,"
                " status_changed_at, reference) VALUES (1, 1, '先生', '小明', '王', '', 'male', '',"
                " 'in_person', 'zh', 'pending', 1, '2024-01-01 00:00:00', '2024-01-01 00:00:00',"
                " '2024-01-01 00:00:00', 'AAAA-0001')"
            )
        )
        db.session.commit()
        upgrade(directory=migrate.directory)
        person = db.session.execute(select(Participant)).scalar_one()
        assert person.badge_name == "" and titles.participant_name(person, "zh") == "王小明先生"
        assert db.session.execute(select(Event.badge_language)).scalar_one() == "en"
        db.session.remove()
        downgrade(directory=migrate.directory, revision=before)
        columns = {c["name"] for c in inspect(db.engine).get_columns("participants")}
        assert "badge_name" not in columns and "given_name" in columns
        assert "badge_language" not in {c["name"] for c in inspect(db.engine).get_columns("events")}
        assert db.session.execute(text("SELECT family_name FROM participants")).scalars().all() == ["王"]
        db.session.remove()
        db.engine.dispose()
