"""Event figures: gender balance."""

from __future__ import annotations

from kiosk.extensions import db
from kiosk.models import Gender, Status
from kiosk.services import events


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
