"""The one code ladder (keys.check_code), against the cases the browser's offline verifier is
tested with (tests/door/cases.json, also read by tests/browser/test_door.py)."""

from __future__ import annotations

import pytest

from badges import codes
from kiosk.extensions import db
from kiosk.models import Event, Participant, Status
from kiosk.models.base import utcnow
from kiosk.models.door import Reason
from kiosk.services import checkin, door, keys
from kiosk.services.errors import InvalidCode, UnknownCode, WrongEvent
from kiosk.services.keys import CodeProblem
from tests.door.scenario import CASES, build

#: The cases whose verdict the code and its holder alone decide (no presence, no meeting).
CODE_CASES = [
    c for c in CASES if c["direction"] == "in" and not ({"inside", "meeting", "anti_passback"} & set(c))
]

#: The table's word (the door's reason) for each problem the ladder finds.
TABLE_WORD = {
    None: None,
    CodeProblem.UNREADABLE: "invalid_code",
    CodeProblem.INVALID: "invalid_code",
    CodeProblem.WRONG_EVENT: "wrong_event",
    CodeProblem.WRONG_KIND: "not_a_badge",
    CodeProblem.NOT_VALID_NOW: "not_valid_now",
    CodeProblem.UNKNOWN_HOLDER: "not_accredited",
    CodeProblem.REPLACED: "revoked",
}


def _ladder(session, event_id: int, code: str, kind: codes.CodeKind) -> keys.CodeCheck:
    def serial_of(participant_id: int) -> int | None:
        person = session.get(Participant, participant_id)
        return person.badge_serial if person and person.event_id == event_id else None

    return keys.check_code(
        code,
        event_id=event_id,
        kind=kind,
        now=utcnow(),
        keys_of=lambda eid, _kid: keys.read_public_keys(session, eid),
        serial_of=serial_of,
    )


def test_the_table_covers_every_step_of_the_ladder():
    words = {c["expected"] for c in CODE_CASES}
    assert words == set(TABLE_WORD.values())


@pytest.mark.parametrize("case", CODE_CASES, ids=[c["name"] for c in CODE_CASES])
def test_the_ladder_and_the_door_give_the_tables_verdict(app, case):
    """The ladder leaves a holder's status to its caller: the door refuses one not accredited."""
    scene = build(app, case)
    with app.app_context():
        session = db.session
        checked = _ladder(session, scene.event_id, scene.code, codes.CodeKind.BADGE)
        status = session.get(Participant, scene.participant_id).status
        word = TABLE_WORD[checked.problem]
        if word is None and status != Status.ACCREDITED:
            word = "not_accredited"
        assert word == case["expected"]
        event = door.event_ref(session, scene.slug)
        assert door.judge_code(session, event, scene.code, utcnow())[0] == (
            case["expected"] and Reason(case["expected"])
        )


#: What the kiosk answers to each code of the table shown instead of a confirmation code.
KIOSK = {
    "badge": InvalidCode,  # a badge needs no check-in
    "garbled": UnknownCode,
    "forged": InvalidCode,
    "tampered": InvalidCode,
    "other_event": WrongEvent,
    "expired": InvalidCode,
}


@pytest.mark.parametrize("kind", sorted(KIOSK))
def test_the_kiosk_refuses_the_tables_codes(app, kind):
    case = next(c for c in CODE_CASES if c["code"] == kind)
    scene = build(app, case)
    with app.app_context():
        event = db.session.get(Event, scene.event_id)
        with pytest.raises(KIOSK[kind]):
            checkin.participant_for_code(db.session, event, scene.code)


def test_the_kiosk_takes_the_tables_confirmation_code(app):
    case = next(c for c in CODE_CASES if c["code"] == "confirmation")
    scene = build(app, case)
    with app.app_context():
        event = db.session.get(Event, scene.event_id)
        assert checkin.participant_for_code(db.session, event, scene.code).id == scene.participant_id
