"""Migration 0016 rebuilds each holder's history of badge serials and accreditation from the audit log."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_migrate import upgrade
from sqlalchemy import select, text

from kiosk import create_app
from kiosk.extensions import db
from kiosk.models import HolderChange
from kiosk.services.door import history
from tests.conftest import base_config
from tests.test_migrations import empty_database  # noqa: F401 - the fixture, on each backend


def test_the_history_of_reissues_and_status_changes_comes_from_the_audit_log(empty_database, tmp_path):  # noqa: F811
    app = create_app(base_config(empty_database, tmp_path))
    directory = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=directory, revision="0002_print_queue")
        rows = [
            "INSERT INTO events (id, slug, title, starts_on, ends_on, timezone, default_cap, cap_in_person,"
            " auto_accredit, contact_email, secretariat, created_at) VALUES (1, 'old', 'Old', '2024-06-18',"
            " '2024-06-20', 'Europe/Zurich', 3, true, false, '', '', '2024-01-01 00:00:00')",
            "INSERT INTO delegations (id, event_id, name, category, focal_point_name, focal_point_email,"
            " revision, created_at) VALUES (1, 1, 'Chile', 'state_party', '', '', 0, '2024-01-01 00:00:00')",
            # Ana today: withdrawn, with her third badge.
            "INSERT INTO participants (id, event_id, delegation_id, title, given_name, family_name, function,"
            " gender, email, mode, language, status, badge_serial, created_at, updated_at, status_changed_at)"
            " VALUES (7, 1, 1, '', 'Ana', 'García', '', 'female', '', 'in_person', 'en', 'withdrawn', 3,"
            " '2024-01-01 00:00:00', '2024-01-01 00:00:00', '2024-01-01 00:00:00')",
        ]
        audit = [
            ("2024-06-18 10:00:00", '{"status": ["pending", "accredited"]}'),
            ("2024-06-18 11:00:00", '{"badge_serial": [1, 2]}'),
            ("2024-06-18 11:30:00", '{"function": ["", "Delegate"]}'),  # not what a door checks
            ("2024-06-18 12:00:00", '{"family_name": ["Garcia", "García"], "badge_serial": [2, 3]}'),
            ("2024-06-18 13:00:00", '{"status": ["accredited", "withdrawn"]}'),
        ]
        rows += [
            "INSERT INTO audit_log (at, actor, action, entity, entity_id, event_id, changes)"
            f" VALUES ('{at}', 'system', 'x', 'participant', 7, 1, '{changes}')"
            for at, changes in audit
        ]
        for row in rows:
            db.session.execute(text(row))
        db.session.commit()
        upgrade(directory=directory)
        changes = db.session.execute(
            select(HolderChange.at, HolderChange.serial_before, HolderChange.accredited_before)
            .where(HolderChange.participant_id == 7)
            .order_by(HolderChange.at)
        ).all()
        assert [(at.hour, serial, accredited) for at, serial, accredited in changes] == [
            (10, 1, False),
            (11, 1, True),
            (12, 2, True),
            (13, 3, True),
        ]

        def at(hour: int, minute: int = 0):
            return history.state_at(db.session, 7, datetime(2024, 6, 18, hour, minute, tzinfo=UTC))

        assert at(10, 30) == history.HolderState(1, True)  # first badge, accredited
        assert at(11, 59) == history.HolderState(2, True)  # second badge
        assert at(12, 30) == history.HolderState(3, True)  # third badge, not yet withdrawn
        assert at(14) is None  # nothing changed since: today's state holds
        db.session.remove()
        db.engine.dispose()
