"""Exports neutralise formulas; imports of participants apply the cap, list row errors, all or none."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from kiosk.extensions import db
from kiosk.models import Category, Delegation, Event, Gender, Mode, Participant, Role
from kiosk.services import counters, exports, participant_import
from kiosk.services.audit import Actor
from kiosk.services.errors import ImportFailed

ORGANIZER = Actor("user:test", Role.ORGANIZER)


def test_formula_like_cells_are_neutralised_in_csv_and_xlsx(app, make_delegation, make_participant):
    delegation = make_delegation(name='=HYPERLINK("http://x")')
    make_participant(delegation, given_name="+41 22 917 12 34", family_name="@SUM(A1)", function="-1+2")
    with app.app_context():
        table = exports.build(db.session, db.session.get(Event, delegation.event_id), "participants")
        rows = list(csv.reader(io.StringIO(exports.to_csv(table).decode("utf-8-sig"))))
        book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(table)))
    header, row = table.keys, rows[1]
    assert rows[0][header.index("delegation")] == "Delegation"  # titles in words, in the page's language
    assert row[header.index("delegation")] == '\'=HYPERLINK("http://x")'
    assert row[header.index("given_name")] == "'+41 22 917 12 34"
    assert row[header.index("family_name")] == "'@SUM(A1)"
    assert row[header.index("function")] == "'-1+2"
    cells = {c.value: c.data_type for c in book.active[2]}
    assert cells['=HYPERLINK("http://x")'] == "s"  # kept as the text it is, never run as a formula
    assert cells["@SUM(A1)"] == "s"


def test_the_gender_table_comes_from_the_counters(app, make_delegation, make_participant):
    delegation = make_delegation(name="Chile")
    make_participant(delegation, gender=Gender.FEMALE)
    make_participant(delegation, gender=Gender.FEMALE)
    make_participant(delegation, gender=Gender.MALE)
    with app.app_context():
        table = exports.build(db.session, db.session.get(Event, delegation.event_id), "gender")
        delegations = exports.build(db.session, db.session.get(Event, delegation.event_id), "delegations")
    assert table.keys == [
        "group",
        "female",
        "male",
        "other",
        "undisclosed",
        "total",
        "female_percent",
        "group_code",
    ]
    assert table.header[:3] == ["Group", "Woman", "Man"]
    assert table.rows[0] == ["All participants", 2, 1, 0, 0, 3, 67, "all"]
    assert ["Chile", 2, 1, 0, 0, 3, 67, delegation.id] in table.rows
    assert delegations.rows[0][:5] == ["Chile", "State party", "Chile", 3, 3]
    assert delegations.rows[0][-3:] == ["Chile", "state_party", "CL"]


def rows_for(*people: dict) -> list[dict]:
    return [dict(p) for p in people]


def test_guessed_columns_in_french(app):
    shown = participant_import.preview(
        [
            {
                "prénom": "Ana",
                "nom": "Ruiz",
                "fonction": "Déléguée",
                "sexe": "F",
                "courriel": "a@x.org",
                "pays": "CL",
            }
        ]
    )
    assert shown.mapping == {
        "delegation": "pays",
        "title": "",
        "given_name": "prénom",
        "family_name": "nom",
        "family_name_first": "",
        "function": "fonction",
        "gender": "sexe",
        "email": "courriel",
        "mode": "",
        "language": "",
    }


def test_an_import_registers_every_row_by_delegation_name_or_country(app, make_event):
    event = make_event(default_cap=3)
    with app.app_context():
        db.session.add_all(
            [
                Delegation(event_id=event.id, name="Chile", category=Category.STATE_PARTY, country="CL"),
                Delegation(event_id=event.id, name="ICRC", category=Category.ICRC),
            ]
        )
        db.session.commit()
        rows = rows_for(
            {"given_name": "Ana", "family_name": "Ruiz", "delegation": "CL", "gender": "F", "mode": ""},
            {
                "given_name": "Juan",
                "family_name": "Soto",
                "delegation": "Chile",
                "gender": "m",
                "mode": "online",
            },
            {
                "given_name": "Eva",
                "family_name": "Roux",
                "delegation": "icrc",
                "gender": "",
                "mode": "en présentiel",
            },
            {"given_name": "Lía", "family_name": "Paz", "delegation": "Chili", "gender": "femme", "mode": ""},
        )
        mapping = participant_import.guess_mapping(list(rows[0]))
        made = participant_import.import_participants(
            db.session, db.session.get(Event, event.id), rows, mapping, ORGANIZER
        )
        db.session.commit()
        assert [(p.full_name, p.delegation.name, p.gender, p.mode) for p in made] == [
            ("Ana Ruiz", "Chile", Gender.FEMALE, Mode.IN_PERSON),
            ("Juan Soto", "Chile", Gender.MALE, Mode.ONLINE),
            ("Eva Roux", "ICRC", Gender.UNDISCLOSED, Mode.IN_PERSON),
            ("Lía Paz", "Chile", Gender.FEMALE, Mode.IN_PERSON),  # the country's name in French
        ]
        assert counters.recount(db.session, event.id) == {}


def test_an_import_over_the_cap_or_with_bad_rows_imports_nothing(app, make_delegation):
    chile = make_delegation(name="Chile")
    rows = rows_for(
        *[{"given_name": f"P{n}", "family_name": "Ruiz", "gender": "f"} for n in range(4)],
        {"given_name": "", "family_name": "Nobody", "gender": "f"},
        {"given_name": "Zoe", "family_name": "Ray", "gender": "maybe"},
    )
    with app.app_context():
        delegation = db.session.get(Delegation, chile.id)
        mapping = participant_import.guess_mapping(list(rows[0]))
        with pytest.raises(ImportFailed) as failure:
            participant_import.import_participants(
                db.session, delegation.event, rows, mapping, ORGANIZER, delegation=delegation
            )
        db.session.rollback()
        left = db.session.execute(select(func.count()).select_from(Participant)).scalar_one()
    assert sorted(failure.value.errors) == ["Row 5", "Row 6", "Row 7"]
    assert "3 of 3 places" in failure.value.errors["Row 5"][0]
    assert "required" in " ".join(failure.value.errors["Row 6"])
    assert "maybe" in failure.value.errors["Row 7"][0]
    # one round: the rows with wrong fields are over the cap too, and say so now, not after correction
    assert "3 of 3 places" in failure.value.errors["Row 6"][-1]
    assert "3 of 3 places" in failure.value.errors["Row 7"][-1]
    assert left == 0


def test_a_row_with_a_wrong_field_still_takes_its_place_so_every_cap_error_shows_at_once(
    app, make_delegation
):
    """Corrected, row 3 would take the last place: row 5 is over the cap now, not after a second round."""
    chile = make_delegation(name="Chile")
    rows = rows_for(
        {"given_name": "A", "family_name": "Ruiz", "gender": "f"},
        {"given_name": "B", "family_name": "Ruiz", "gender": "maybe"},
        {"given_name": "C", "family_name": "Ruiz", "gender": "f"},
        {"given_name": "D", "family_name": "Ruiz", "gender": "f"},
    )
    with app.app_context():
        delegation = db.session.get(Delegation, chile.id)
        mapping = participant_import.guess_mapping(list(rows[0]))
        with pytest.raises(ImportFailed) as failure:
            participant_import.import_participants(
                db.session, delegation.event, rows, mapping, ORGANIZER, delegation=delegation
            )
        db.session.rollback()
    assert sorted(failure.value.errors) == ["Row 3", "Row 5"]
    assert len(failure.value.errors["Row 3"]) == 1 and "maybe" in failure.value.errors["Row 3"][0]
    assert failure.value.errors["Row 5"] == [
        "The delegation of Chile has 3 of 3 places. Withdraw or substitute a participant, "
        "or register this person to follow the meeting online."
    ]


def test_titles_and_functions_are_exported_in_words_for_the_person_with_their_codes_beside(
    app, make_delegation, make_participant
):
    delegation = make_delegation()
    make_participant(delegation, given_name="Amina", family_name="Diallo", title="he_ms",
                     gender=Gender.FEMALE, function="delegate", family_name_first=True)  # fmt: skip
    with app.test_request_context(), force_locale("fr"):
        table = exports.build(db.session, db.session.get(Event, delegation.event_id), "participants")
        row = dict(zip(table.keys, table.rows[0], strict=True))
    assert (row["title"], row["title_code"]) == ("S.E. Mme", "he_ms")
    assert (row["function"], row["function_code"]) == ("Déléguée", "delegate")
    assert row["family_name_first"] == "yes"
