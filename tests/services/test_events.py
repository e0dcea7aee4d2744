"""Event figures: gender balance."""

from __future__ import annotations

import pytest

from kiosk.extensions import db
from kiosk.models import Event, Gender, Status
from kiosk.services import events
from kiosk.services.audit import SYSTEM
from kiosk.services.errors import ValidationFailed


def test_gender_balance_counts_active_participants(app, make_event, make_delegation, make_participant):
    event = make_event()
    chile, peru = make_delegation(event=event), make_delegation(event=event)
    make_participant(delegation=chile, gender=Gender.FEMALE)
    make_participant(delegation=chile, gender=Gender.FEMALE, status=Status.ACCREDITED)
    make_participant(delegation=chile, gender=Gender.MALE)
    make_participant(delegation=peru, gender=Gender.MALE)
    make_participant(delegation=peru, gender=Gender.FEMALE, status=Status.WITHDRAWN)
    with app.app_context():
        balance = events.gender_balance(db.session, event.id)
    assert balance.overall == {"female": 2, "male": 2, "other": 0, "undisclosed": 0}
    assert balance.by_delegation[chile.id]["female"] == 2 and balance.by_delegation[peru.id]["female"] == 0
    assert balance.share("female") == 50 and balance.total == 4


@pytest.mark.parametrize(
    "title",
    ["", "   ", "x" * 301, "Bad\u202etitle", "Bad\u202e" + "x" * 300],
    ids=["empty", "blank", "too long", "unsafe", "unsafe and too long"],
)
def test_a_bad_title_gets_the_same_message_on_create_and_edit(app, make_event, title):
    event = make_event()
    form = {"slug": "badtitle", "starts_on": "2030-06-18", "ends_on": "2030-06-19", "title": title}
    with app.app_context():
        with pytest.raises(ValidationFailed) as created:
            events.create_event(db.session, form, SYSTEM)
        with pytest.raises(ValidationFailed) as edited:
            events.update_event_details(db.session, db.session.get(Event, event.id), form, SYSTEM)
    assert created.value.errors["title"] == edited.value.errors["title"]
