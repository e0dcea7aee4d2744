"""Migration 0017_titles: typed titles that match a listed title become its code, the rest stays as typed."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from kiosk import create_app
from kiosk.extensions import db
from tests.conftest import base_config
from tests.test_migrations import empty_database, insert_old_event  # noqa: F401 - the fixture, on each backend

TYPED = [
    ("H.E. Mr.", "he_mr"),
    ("H.E. Ms", "he_ms"),
    ("Ms.", "ms"),
    ("mr", "mr"),
    ("Dr.", "dr"),
    ("Prof.", "prof"),
    ("Ambassador", "amb"),
    ("S.E. Mme", "he_ms"),
    ("先生", "mr"),
    ("Rt Hon.", "Rt Hon."),
    ("Mgr", "Mgr"),
    ("", ""),
]


def test_typed_titles_become_codes_and_come_back_in_english(empty_database, tmp_path):  # noqa: F811
    app = create_app(base_config(empty_database, tmp_path))
    migrate = app.extensions["migrate"]
    with app.app_context():
        config = migrate.migrate.get_config(migrate.directory)
        before = ScriptDirectory.from_config(config).get_revision("0017_titles").down_revision
        upgrade(directory=migrate.directory, revision=before)
        insert_old_event(db.session)
        for n, (typed, _code) in enumerate(TYPED):
            db.session.execute(
                text(
                    "INSERT INTO participants (id, event_id, delegation_id, title, given_name, family_name,"
                    " function, gender, email, mode, language, status, badge_serial, created_at, updated_at,"
                    " status_changed_at, reference) VALUES (:id, 1, 1, :title, 'Ana', 'Ruiz', '', 'female',"
                    " '', 'in_person', 'es', 'pending', 1, '2024-01-01 00:00:00', '2024-01-01 00:00:00',"
                    " '2024-01-01 00:00:00', :ref)"
                ),
                {"id": n + 1, "title": typed, "ref": f"AAAA-{n:04d}"},
            )
        db.session.commit()
        upgrade(directory=migrate.directory, revision="0017_titles")
        titles = db.session.execute(text("SELECT title FROM participants ORDER BY id")).scalars().all()
        assert titles == [code for _typed, code in TYPED]
        db.session.remove()
        downgrade(directory=migrate.directory, revision=before)
        back = db.session.execute(text("SELECT title FROM participants ORDER BY id")).scalars().all()
        english = ["H.E. Mr.", "H.E. Ms.", "Ms.", "Mr.", "Dr.", "Prof.", "Amb.", "H.E. Ms.", "Mr."]
        assert back == [*english, "Rt Hon.", "Mgr", ""]
        db.session.remove()
        db.engine.dispose()
