"""Migration 0004_languages: functions written as English text become codes of the list."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from kiosk import create_app
from kiosk.extensions import db
from kiosk.models import Event, Participant
from tests.conftest import base_config
from tests.test_migrations import empty_database, insert_old_event  # noqa: F401 - the fixture, on each backend


def test_functions_become_codes_and_events_get_a_sender(empty_database, tmp_path):  # noqa: F811
    app = create_app(base_config(empty_database, tmp_path))
    directory = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=directory, revision="0003_live_counters")
        insert_old_event(db.session)
        for n, function in enumerate(["Head of delegation", "adviser", "Attaché de presse", ""]):
            db.session.execute(
                text(
                    "INSERT INTO participants (event_id, delegation_id, title, given_name, family_name,"
                    " function, gender, email, mode, language, status, badge_serial, created_at, updated_at,"
                    " status_changed_at, reference) VALUES (1, 1, '', :given, 'Q', :function, 'female', '',"
                    " 'in_person', 'en', 'pending', 1, '2024-01-01 00:00:00', '2024-01-01 00:00:00',"
                    " '2024-01-01 00:00:00', :reference)"
                ),
                {"given": f"P{n}", "function": function, "reference": f"AAAA-000{n}"},
            )
        db.session.commit()
        upgrade(directory=directory)
        functions = db.session.execute(select(Participant.function).order_by(Participant.id)).scalars().all()
        assert functions == ["head_of_delegation", "adviser", "Attaché de presse", ""]
        assert db.session.execute(select(Event.mail_sender)).scalar_one() == ""
        db.session.remove()
        downgrade(directory=directory, revision="0003_live_counters")
        rows = db.session.execute(text("SELECT function FROM participants ORDER BY id")).scalars().all()
        assert rows == ["Head of delegation", "Adviser", "Attaché de presse", ""]
        db.session.remove()
        db.engine.dispose()
