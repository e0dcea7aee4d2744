"""Migration 0010_name_keys: people registered before it are found by name after it."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from kiosk import create_app
from kiosk.extensions import db
from kiosk.models import Event
from kiosk.services import checkin
from tests.conftest import base_config
from tests.test_migrations import empty_database  # noqa: F401 - the fixture, on each backend


def test_existing_people_get_search_keys(empty_database, tmp_path):  # noqa: F811
    app = create_app(base_config(empty_database, tmp_path))
    directory = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=directory, revision="0009_sign_ins")
        db.session.execute(
            text(
                "INSERT INTO events (id, slug, title, starts_on, ends_on, timezone, default_cap,"
                " cap_in_person, auto_accredit, contact_email, secretariat, created_at, badge_language)"
                " VALUES (1, 'old', 'Old', '2024-06-18', '2024-06-20', 'Europe/Zurich', 3, true, false,"
                " '', '', '2024-01-01 00:00:00', 'en')"
            )
        )
        db.session.execute(
            text(
                "INSERT INTO delegations (id, event_id, name, category, focal_point_name,"
                " focal_point_email, revision, created_at) VALUES (1, 1, 'Belarus', 'state_party', '', '',"
                " 0, '2024-01-01 00:00:00')"
            )
        )
        db.session.execute(
            text(
                "INSERT INTO participants (event_id, delegation_id, title, given_name, family_name,"
                " badge_name, function, gender, email, mode, language, status, badge_serial, created_at,"
                " updated_at, status_changed_at, reference) VALUES (1, 1, '', 'Анна', 'Петрова', '', '',"
                " 'female', '', 'in_person', 'ru', 'accredited', 1, '2024-01-01 00:00:00',"
                " '2024-01-01 00:00:00', '2024-01-01 00:00:00', 'AAAA-0001')"
            )
        )
        db.session.commit()
        upgrade(directory=directory)
        event = db.session.get(Event, 1)
        for typed in ("пет", "petrova"):
            found = checkin.find_by_family_name(db.session, event, typed)
            assert [p.family_name for p in found] == ["Петрова"], typed
        assert [p.given_name for p in checkin.search(db.session, event, "anna")] == ["Анна"]
        db.session.remove()
        downgrade(directory=directory, revision="0009_sign_ins")
        assert "name_keys" not in inspect(db.engine).get_table_names()
        db.session.remove()
        db.engine.dispose()
