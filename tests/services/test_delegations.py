"""Adding and importing delegations: all rows or none."""

from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import func, select

from kiosk.extensions import db
from kiosk.models import Category, Delegation, Event
from kiosk.services import delegations
from kiosk.services.audit import Actor
from kiosk.services.errors import ImportFailed, ValidationFailed

ACTOR = Actor("user:test")
HEADER = ["Name", "Category", "Country", "Cap", "Focal point name", "Focal point email"]


def xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [HEADER, *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run_import(app, event_id: int, filename: str, content: bytes) -> list[str]:
    with app.app_context():
        event = db.session.get(Event, event_id)
        try:
            rows = delegations.read_rows(filename, content)
            created = delegations.import_delegations(db.session, event, rows, ACTOR)
            db.session.commit()
            return [d.name for d in created]
        except Exception:
            db.session.rollback()
            raise


def delegation_count(app, event_id: int) -> int:
    with app.app_context():
        return db.session.execute(
            select(func.count()).select_from(Delegation).filter_by(event_id=event_id)
        ).scalar_one()


def test_csv_import_creates_every_row(app, make_event):
    event = make_event()
    content = (
        b"name,category,country,cap,focal_point_name,focal_point_email\n"
        b"Switzerland,state party,CH,,Anne Muller,anne@eda.example\n"
        b"United States of America,State not party,,2,,\n"
        b"International Committee of the Red Cross,icrc,,5,,\n"
    )
    assert run_import(app, event.id, "list.csv", content) == [
        "Switzerland",
        "United States of America",
        "International Committee of the Red Cross",
    ]
    with app.app_context():
        usa = db.session.execute(select(Delegation).filter_by(name="United States of America")).scalar_one()
        assert (usa.category, usa.country, usa.cap_override) == (Category.STATE_NOT_PARTY, "US", 2)


def test_xlsx_import_with_one_bad_row_writes_nothing(app, make_event):
    event = make_event()
    content = xlsx(
        [
            ["Norway", "state_party", "NO", 3, "Kari Nordmann", "kari@mfa.example"],
            ["Atlantis", "state_party", "", None, "", ""],
            ["Humanity & Inclusion", "NGO", "", "three", "", "not-an-email"],
        ]
    )
    with pytest.raises(ImportFailed) as failed:
        run_import(app, event.id, "delegations.xlsx", content)
    assert set(failed.value.errors) == {"Row 3", "Row 4"}
    assert any("ISO country code" in m for m in failed.value.errors["Row 3"])
    assert len(failed.value.errors["Row 4"]) == 2
    assert delegation_count(app, event.id) == 0


def test_xlsx_import_of_good_rows(app, make_event):
    event = make_event()
    content = xlsx([["Japan", "state_party", "JP", 3, "", ""], ["European Union", "igo", None, None, "", ""]])
    assert run_import(app, event.id, "delegations.xlsx", content) == ["Japan", "European Union"]


def test_duplicate_names_in_file_or_database_are_row_errors(app, make_event, make_delegation):
    event = make_event()
    make_delegation(event=event, name="Chile")
    content = b"name,category\nChile,state_party\nPeru,state_party\nPeru,state_party\n"
    with pytest.raises(ImportFailed) as failed:
        run_import(app, event.id, "x.csv", content)
    assert set(failed.value.errors) == {"Row 2", "Row 4"}
    assert delegation_count(app, event.id) == 1


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("list.pdf", b"%PDF", "Upload a .csv or .xlsx file."),
        ("list.xlsx", b"not a zip", "not a readable .xlsx"),
        ("list.csv", b"name,category\n", "no delegations"),
        ("list.csv", b"\xff\xfe\x00bad", "UTF-8"),
        ("list.csv", b"country\nCH\n", "columns named"),
    ],
)
def test_unreadable_files_are_refused_with_a_sentence(app, make_event, filename, content, message):
    with pytest.raises(ImportFailed, match=message):
        run_import(app, make_event().id, filename, content)


def test_add_delegation_validates(app, make_event):
    event = make_event()
    with app.app_context():
        with pytest.raises(ValidationFailed) as invalid:
            delegations.add_delegation(
                db.session,
                db.session.get(Event, event.id),
                {"name": "", "category": "club", "cap": "-1"},
                ACTOR,
            )
        assert set(invalid.value.errors) == {"name", "category", "cap"}
        created = delegations.add_delegation(
            db.session, db.session.get(Event, event.id), {"name": "Senegal", "category": "state_party"}, ACTOR
        )
        assert created.country == "SN"
