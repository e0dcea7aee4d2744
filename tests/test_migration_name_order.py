"""Migration 0018_name_order: existing people get their usual name order and refolded search keys."""

from __future__ import annotations

from types import SimpleNamespace

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from kiosk import create_app
from kiosk.extensions import db
from kiosk.models import Event, Participant
from kiosk.services import checkin, titles
from tests.conftest import base_config
from tests.test_migrations import empty_database  # noqa: F401 - the fixture, on each backend

PEOPLE = [
    # id, delegation, given, family
    (1, 1, "Thi Minh Khai", "Nguyen"),  # Viet Nam's delegation
    (2, 2, "Péter", "Nagy"),  # Hungary's
    (3, 3, "小明", "王"),
    (4, 3, "Anna", "Müller"),
    (5, 3, "ليلى", "الحدّاد"),
    (6, 3, "فاطمة", "مصطفى"),
]


def test_existing_people_get_their_name_order_and_folded_keys(empty_database, tmp_path):  # noqa: F811
    app = create_app(base_config(empty_database, tmp_path))
    directory = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=directory, revision="0015_kiosk_codes")
        db.session.execute(
            text(
                "INSERT INTO events (id, slug, title, starts_on, ends_on, timezone, default_cap,"
                " cap_in_person, auto_accredit, contact_email, secretariat, created_at, badge_language)"
                " VALUES (1, 'old', 'Old', '2024-06-18', '2024-06-20', 'Europe/Zurich', 9, true, false,"
                " '', '', '2024-01-01 00:00:00', 'en')"
            )
        )
        for did, name, country in ((1, "Viet Nam", "VN"), (2, "Hungary", "HU"), (3, "Jordan", "JO")):
            db.session.execute(
                text(
                    "INSERT INTO delegations (id, event_id, name, category, country, focal_point_name,"
                    " focal_point_email, revision, created_at)"
                    " VALUES (:id, 1, :name, 'state_party', :country, '', '', 0, '2024-01-01 00:00:00')"
                ),
                {"id": did, "name": name, "country": country},
            )
        for pid, did, given, family in PEOPLE:
            db.session.execute(
                text(
                    "INSERT INTO participants (id, event_id, delegation_id, title, given_name, family_name,"
                    " badge_name, function, gender, email, mode, language, status, badge_serial, created_at,"
                    " updated_at, status_changed_at, reference) VALUES (:id, 1, :did, '', :given, :family,"
                    " '', '', 'female', '', 'in_person', 'en', 'accredited', 1, '2024-01-01 00:00:00',"
                    " '2024-01-01 00:00:00', '2024-01-01 00:00:00', :ref)"
                ),
                {"id": pid, "did": did, "given": given, "family": family, "ref": f"AAAA-000{pid}"},
            )
        db.session.commit()
        # Later migrations add columns the models know (events.credentials_required …): the search
        # needs only the event's id, so the model is not loaded before the schema is whole.
        event = SimpleNamespace(id=1)
        assert checkin.find_by_family_name(db.session, event, "حداد") == []  # before: only with the article
        db.session.remove()
        upgrade(directory=directory, revision="head")
        people = {p.id: p for p in db.session.query(Participant).all()}
        assert {pid: p.family_name_first for pid, p in people.items()} == {
            1: True, 2: True, 3: True, 4: False, 5: False, 6: False
        }  # fmt: skip
        assert [titles.participant_name(people[pid], "en") for pid in (1, 2, 3, 4)] == [
            "NGUYEN Thi Minh Khai",
            "NAGY Péter",
            "王小明",
            "Anna MÜLLER",
        ]
        event = db.session.get(Event, 1)
        for typed, family in (("حداد", "الحدّاد"), ("مصطفي", "مصطفى"), ("nagy", "Nagy")):
            assert [p.family_name for p in checkin.find_by_family_name(db.session, event, typed)] == [family]
        db.session.remove()
        downgrade(directory=directory, revision="0015_kiosk_codes")
        columns = {c["name"] for c in inspect(db.engine).get_columns("participants")}
        assert "family_name_first" not in columns and "family_name" in columns
        db.session.remove()
        db.engine.dispose()
