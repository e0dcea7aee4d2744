"""Codes that can be valid: the demo runs today, and a code that could never be valid is not signed."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from badges import codes
from kiosk.extensions import db
from kiosk.models import Delegation, Event, OutgoingMail, Participant, Role, Status
from kiosk.services import demo, keys
from tests.conftest import bearer

ZURICH = ZoneInfo("Europe/Zurich")


def test_seed_demo_runs_the_event_today_and_the_next_two_days(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    today = datetime.now(ZURICH).date()
    with app.app_context():
        event = db.session.execute(select(Event).filter_by(slug="im2024")).scalar_one()
        assert (event.starts_on, event.ends_on) == (today, today + timedelta(days=2))
        assert event.default_cap == 3 and "Mine Ban Convention" in event.title
        first, second = event.meetings
        assert first.starts_at.astimezone(ZURICH).date() == today
        assert second.title == "First Preparatory Meeting of the Fifth Review Conference"
        assert second.starts_at.astimezone(ZURICH).date() == today + timedelta(days=2)
        assert db.session.execute(select(func.count()).select_from(Delegation)).scalar_one() == 51
        accredited = (
            db.session.execute(select(Participant).filter_by(status=Status.ACCREDITED)).scalars().all()
        )
        assert accredited
        public = keys.public_keys(db.session, event)
        for participant in accredited[:5]:
            confirmation = keys.confirmation_code(db.session, participant)
            badge = keys.badge_code(db.session, participant)
            assert codes.verify(confirmation, public, event_id=event.id, kind=codes.CodeKind.CONFIRMATION).ok
            assert codes.verify(badge, public, event_id=event.id, kind=codes.CodeKind.BADGE).ok
        mails = db.session.execute(select(func.count()).select_from(OutgoingMail)).scalar_one()
        assert mails > 0


def test_seed_demo_can_keep_the_letters_dates(app, runner):
    result = runner.invoke(args=["seed-demo", "--dates-from-letters"])
    assert result.exit_code == 0, result.output
    assert "(18–20 June 2024)" in result.output
    assert "no one is accredited" in result.output
    with app.app_context():
        event = db.session.execute(select(Event).filter_by(slug="im2024")).scalar_one()
        assert (event.starts_on, event.ends_on) == (date(2024, 6, 18), date(2024, 6, 20))
        statuses = set(db.session.execute(select(Participant.status).distinct()).scalars())
        assert Status.ACCREDITED not in statuses and Status.PENDING in statuses


def test_demo_dates_follow_the_calendar():
    assert demo.demo_dates(today=date(2027, 2, 27)) == (date(2027, 2, 27), date(2027, 3, 1))
    assert demo.demo_dates(dates_from_letters=True) == (date(2024, 6, 18), date(2024, 6, 20))


def test_no_code_is_signed_for_an_event_that_ended_before_it_was_created(
    app, client, make_event, make_delegation, make_participant, make_token
):
    yesterday = datetime.now(ZURICH).date() - timedelta(days=1)
    event = make_event(
        title="Meeting of States Parties", starts_on=yesterday - timedelta(days=2), ends_on=yesterday
    )
    person = make_participant(delegation=make_delegation(event=event), email="ana@example.org")
    organizer = bearer(make_token(Role.ORGANIZER))
    refused = client.post(f"/api/v1/participants/{person.id}/accredit", headers=organizer)
    assert refused.status_code == 409
    assert refused.json["code"] == "code_never_valid"
    assert refused.json["detail"].startswith(
        "No code can be issued for Meeting of States Parties: it ended on"
    )
    with app.app_context():
        assert db.session.get(Participant, person.id).status == Status.PENDING
        assert db.session.execute(select(func.count()).select_from(OutgoingMail)).scalar_one() == 0
        participant = db.session.get(Participant, person.id)
        participant.status = Status.ACCREDITED
        db.session.commit()
    badge = client.get(f"/api/v1/participants/{person.id}/badge.png", headers=organizer)
    assert badge.status_code == 409 and badge.json["code"] == "code_never_valid"


def test_an_event_still_running_signs_codes(app, make_event, make_delegation, make_participant):
    today = datetime.now(ZURICH).date()  # the event's day, not the machine's (UTC) date
    event = make_event(starts_on=today, ends_on=today)
    person = make_participant(delegation=make_delegation(event=event))
    with app.app_context():
        participant = db.session.get(Participant, person.id)
        assert keys.codes_can_be_valid(participant.delegation.event)
        assert keys.confirmation_code(db.session, participant)
