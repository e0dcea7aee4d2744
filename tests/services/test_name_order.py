"""Names by the person: family name first when they write it so, defaulted from conventions."""

from __future__ import annotations

import pytest

from badges.names import NameStyle, compose, usually_family_first
from kiosk.extensions import db
from kiosk.models import Delegation, Event, Participant, Role
from kiosk.services import participant_import, registration, titles
from kiosk.services.audit import Actor
from kiosk.services.errors import ValidationFailed
from kiosk.services.fields import yes_or_no

ORGANIZER = Actor("user:test", Role.ORGANIZER)
STYLES = (NameStyle.BADGE, NameStyle.LIST, NameStyle.SENTENCE, NameStyle.FORMAL)


@pytest.mark.parametrize(
    ("name", "first", "expected"),
    [
        (
            ("Ms.", "Thị Minh Khai", "Nguyễn"),
            True,
            (
                "Ms. NGUYỄN Thị Minh Khai",
                "NGUYỄN Thị Minh Khai",
                "Nguyễn Thị Minh Khai",
                "Ms. Nguyễn Thị Minh Khai",
            ),
        ),
        (
            ("Mr.", "Péter", "Nagy"),
            True,
            ("Mr. NAGY Péter", "NAGY Péter", "Nagy Péter", "Mr. Nagy Péter"),
        ),
        (("先生", "小明", "王"), True, ("王小明先生", "王小明", "王小明", "王小明先生")),
        (("先生", "小明", "王"), None, ("王小明先生", "王小明", "王小明", "王小明先生")),
        (
            ("Ms.", "Anna", "Müller"),
            False,
            ("Ms. Anna MÜLLER", "MÜLLER, Anna", "Anna Müller", "Ms. Anna Müller"),
        ),
        (
            ("Ms.", "Anna", "Müller"),
            True,
            ("Ms. MÜLLER Anna", "MÜLLER Anna", "Müller Anna", "Ms. Müller Anna"),
        ),
        (
            ("Ms.", "Anna", "Müller"),
            None,
            ("Ms. Anna MÜLLER", "MÜLLER, Anna", "Anna Müller", "Ms. Anna Müller"),
        ),
    ],
)
def test_compose_follows_the_person(name, first, expected):
    assert tuple(compose(*name, style, family_name_first=first) for style in STYLES) == expected


@pytest.mark.parametrize(
    ("given", "family", "country", "expected"),
    [
        ("Thị Minh Khai", "Nguyễn", None, True),  # Vietnamese letters
        ("Thi Minh Khai", "Nguyen", "VN", True),  # typed without accents: the delegation's country
        ("Thi Minh Khai", "Nguyen", "FR", False),
        ("Győző", "Kovács", None, True),  # ő: only Hungarian writes it
        ("Péter", "Nagy", "HU", True),
        ("Péter", "Nagy", None, False),
        ("小明", "王", None, True),
        ("민준", "김", "US", True),
        ("Anna", "Müller", "DE", False),
        ("Amina", "Diallo", None, False),
    ],
)
def test_the_usual_order(given, family, country, expected):
    assert usually_family_first(given, family, country) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (False, False), (None, None), ("", None), ("yes", True), ("Oui", True), ("да", True),
     ("no", False), ("non", False), ("否", False), ("لا", False)],
)  # fmt: skip
def test_yes_or_no(value, expected):
    assert yes_or_no(value) is expected


def test_yes_or_no_refuses_other_words():
    with pytest.raises(ValueError):
        yes_or_no("perhaps")


def _add(app, delegation_id: int, data: dict) -> tuple[bool | None, str, str]:
    with app.app_context():
        delegation = db.session.get(Delegation, delegation_id)
        person = registration.add_participant(db.session, delegation, data, ORGANIZER)
        db.session.commit()
        return person.family_name_first, titles.participant_name(person, "en"), person.list_name


@pytest.mark.parametrize(
    ("country", "data", "expected"),
    [
        (
            "VN",
            {"title": "Ms.", "given_name": "Thi Minh Khai", "family_name": "Nguyen"},
            (True, "Ms. NGUYEN Thi Minh Khai", "NGUYEN Thi Minh Khai"),
        ),
        (
            "FR",
            {"title": "Ms.", "given_name": "Thị Minh Khai", "family_name": "Nguyễn"},
            (True, "Ms. NGUYỄN Thị Minh Khai", "NGUYỄN Thị Minh Khai"),
        ),
        ("HU", {"given_name": "Péter", "family_name": "Nagy"}, (True, "NAGY Péter", "NAGY Péter")),
        # "先生" is the listed title Mr., shown in the language of the page (English here).
        ("CH", {"given_name": "小明", "family_name": "王", "title": "先生"}, (True, "Mr. 王小明", "王小明")),
        ("DE", {"title": "Ms.", "given_name": "Anna", "family_name": "Müller"},
         (False, "Ms. Anna MÜLLER", "MÜLLER, Anna")),
        (
            "DE",
            {"given_name": "Anna", "family_name": "Müller", "family_name_first": "yes"},
            (True, "MÜLLER Anna", "MÜLLER Anna"),
        ),
        (
            "VN",
            {"given_name": "Thi Minh Khai", "family_name": "Nguyen", "family_name_first": False},
            (False, "Thi Minh Khai NGUYEN", "NGUYEN, Thi Minh Khai"),
        ),
    ],
)  # fmt: skip
def test_registering_defaults_the_order_and_keeps_a_choice(app, make_delegation, country, data, expected):
    delegation = make_delegation(country=country)
    assert _add(app, delegation.id, data) == expected


def test_an_edit_keeps_a_choice_and_follows_the_usual_order_otherwise(app, make_delegation):
    delegation = make_delegation(country="CH")
    with app.app_context():
        usual = registration.add_participant(
            db.session,
            db.session.get(Delegation, delegation.id),
            {"given_name": "Anna", "family_name": "Lee"},
            ORGANIZER,
        )
        chosen = registration.add_participant(
            db.session,
            db.session.get(Delegation, delegation.id),
            {"given_name": "Bo", "family_name": "Kim", "family_name_first": True},
            ORGANIZER,
        )
        db.session.commit()
        assert (usual.family_name_first, chosen.family_name_first) == (False, True)
        # Renamed into Chinese script: the usual order follows; a choice made stays.
        registration.update_participant(
            db.session, usual, {"given_name": "安娜", "family_name": "李"}, ORGANIZER
        )
        registration.update_participant(db.session, chosen, {"given_name": "Bora"}, ORGANIZER)
        assert (usual.family_name_first, usual.full_name) == (True, "李安娜")
        assert (chosen.family_name_first, titles.participant_name(chosen, "en")) == (True, "KIM Bora")
        registration.update_participant(db.session, chosen, {"family_name_first": None}, ORGANIZER)
        assert (chosen.family_name_first, titles.participant_name(chosen, "en")) == (False, "Bora KIM")
        with pytest.raises(ValidationFailed) as refused:
            registration.update_participant(db.session, chosen, {"family_name_first": "maybe"}, ORGANIZER)
        assert "family_name_first" in refused.value.errors
        db.session.rollback()


def test_an_import_reads_the_order_column(app, make_event):
    event = make_event(default_cap=5)
    with app.app_context():
        db.session.add_all(
            [
                Delegation(event_id=event.id, name="Viet Nam", category="state_party", country="VN"),
                Delegation(event_id=event.id, name="Germany", category="state_party", country="DE"),
            ]
        )
        db.session.commit()
        rows = [
            {
                "Delegation": "Viet Nam",
                "Given name": "Thi Minh Khai",
                "Family name": "Nguyen",
                "Family name first": "",
            },
            {
                "Delegation": "Germany",
                "Given name": "Anna",
                "Family name": "Müller",
                "Family name first": "oui",
            },
            {"Delegation": "Viet Nam", "Given name": "Lan", "Family name": "Tran", "Family name first": "no"},
        ]
        mapping = participant_import.guess_mapping(list(rows[0]))
        assert mapping["family_name_first"] == "Family name first"
        made = participant_import.import_participants(
            db.session, db.session.get(Event, event.id), rows, mapping, ORGANIZER
        )
        db.session.commit()
        assert [(p.family_name_first, titles.participant_name(p, "en")) for p in made] == [
            (True, "NGUYEN Thi Minh Khai"),
            (True, "MÜLLER Anna"),
            (False, "Lan TRAN"),
        ]


def test_the_door_and_the_model_compose_the_same_name(app, make_delegation, make_participant):
    from kiosk.services.door.verdict import _holder_name

    person = make_participant(
        make_delegation(country="HU"),
        title="Dr.",
        given_name="Péter",
        family_name="Nagy",
        family_name_first=True,
    )
    with app.app_context():
        stored = db.session.get(Participant, person.id)
        assert titles.participant_name(stored, "en") == "Dr. NAGY Péter"
        assert _holder_name(stored.title, "Péter", "Nagy", "", True, None, "en") == "Dr. NAGY Péter"


def test_the_scans_export_writes_names_as_their_owners_do(app, make_delegation, make_participant):
    from kiosk.models import Checkpoint, Direction, Scan, ScanResult
    from kiosk.models.base import utcnow
    from kiosk.services import exports

    delegation = make_delegation(country="CN")
    wang = make_participant(delegation, given_name="小明", family_name="王", family_name_first=True)
    nagy = make_participant(delegation, given_name="Péter", family_name="Nagy", family_name_first=True)
    with app.app_context():
        checkpoint = Checkpoint(event_id=delegation.event_id, name="Pregny")
        db.session.add(checkpoint)
        db.session.flush()
        for n, person in enumerate((wang, nagy)):
            db.session.add(
                Scan(
                    event_id=delegation.event_id,
                    checkpoint_id=checkpoint.id,
                    participant_id=person.id,
                    direction=Direction.IN,
                    result=ScanResult.ACCEPTED,
                    nonce=f"n{n}-{person.id}",
                    scanned_at=utcnow(),
                )
            )
        db.session.commit()
        table = exports.scans(db.session, db.session.get(Event, delegation.event_id))
        names = [row[table.keys.index("name")] for row in table.rows]
        assert names == ["王小明", "Nagy Péter"]
