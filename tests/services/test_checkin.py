"""The check-in service: who may check in, once only, with counters moved in the same transaction."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from badges import codes
from kiosk.extensions import db
from kiosk.models import CheckIn, CheckInMethod, Event, JobKind, Kiosk, Participant, PrintJob, Status
from kiosk.models.base import utcnow
from kiosk.services import badging, checkin, counters
from kiosk.services.audit import SYSTEM, Actor
from kiosk.services.errors import (
    AlreadyCheckedIn,
    CodeReplaced,
    InvalidCode,
    NotAccredited,
    ProofMismatch,
    UnknownCode,
    WrongEvent,
)
from kiosk.services.keys import confirmation_code, signing_key
from tests.checkin_fixtures import *  # noqa: F403 (fixtures)

KIOSK_ACTOR = Actor("kiosk:1")


def do_check_in(app, participant_id: int, **kwargs):
    with app.app_context():
        participant = db.session.get(Participant, participant_id)
        arrival = checkin.check_in(db.session, participant, KIOSK_ACTOR, method=CheckInMethod.CODE, **kwargs)
        db.session.commit()
        return arrival.checkin.id, [job.id for job in arrival.jobs], arrival.replayed


def resolve(app, slug_event_id: int, code: str) -> int:
    with app.app_context():
        event = db.session.get(Event, slug_event_id)
        return checkin.participant_for_code(db.session, event, code).id


def test_check_in_records_queues_and_counts(app, setting, code_of):
    assert resolve(app, setting.event_id, code_of(setting.ana)) == setting.ana
    checkin_id, job_ids, replayed = do_check_in(app, setting.ana)
    assert not replayed and len(job_ids) == 2
    with app.app_context():
        row = db.session.get(CheckIn, checkin_id)
        assert row.participant_id == setting.ana and row.actor == "kiosk:1"
        assert row.badge_serial == 1 and row.job_ids == job_ids
        jobs = [db.session.get(PrintJob, job_id) for job_id in job_ids]
        assert {(j.kind, j.printer_id) for j in jobs} == {
            (JobKind.BADGE, setting.badge_printer),
            (JobKind.RECEIPT, setting.receipt_printer),
        }
        values = counters.values(db.session, setting.event_id)
        assert values["checked_in"] == 1 and values["checked_in:state_party"] == 1
        assert values[counters.arrival_bucket(row.checked_in_at)] == 1
        assert counters.recount(db.session, setting.event_id) == {}


def test_the_same_request_sent_again_gets_the_first_answer(app, setting):
    first = do_check_in(app, setting.ana, request_id="tap-1")
    again = do_check_in(app, setting.ana, request_id="tap-1")
    assert again == (first[0], first[1], True)
    with pytest.raises(AlreadyCheckedIn, match="registration desk"):
        do_check_in(app, setting.ana, request_id="another-tap")
    with app.app_context():
        assert db.session.query(CheckIn).count() == 1
        assert db.session.query(PrintJob).count() == 2
        assert counters.values(db.session, setting.event_id)["checked_in"] == 1


def test_concurrent_check_ins_of_one_person_make_one(app, setting):
    results, errors = [], []

    def tap(n: int) -> None:
        try:
            results.append(do_check_in(app, setting.ana, request_id=f"tap-{n % 2}"))
        except AlreadyCheckedIn as exc:
            errors.append(exc)

    threads = [threading.Thread(target=tap, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) + len(errors) == 6
    assert len({r[0] for r in results}) == 1 and len({tuple(r[1]) for r in results}) == 1
    with app.app_context():
        assert db.session.query(CheckIn).count() == 1
        assert db.session.query(PrintJob).count() == 2
        assert counters.values(db.session, setting.event_id)["checked_in"] == 1


@pytest.mark.parametrize(
    ("language", "when"),
    [
        ("en", "You already checked in on 24 November 2026 at 22:01."),
        ("fr", "Vous vous êtes déjà enregistré le 24 novembre 2026 à 22:01."),
        ("ar", "لقد سجّلت وصولك بالفعل في 24 تشرين الثاني/نوفمبر 2026 الساعة 22:01."),
    ],
)
def test_a_second_check_in_says_when_the_first_was_in_the_page_language(app, setting, language, when):
    """The day and time of the first check-in in the language's own formats, in the event's zone."""
    first = datetime(2026, 11, 24, 21, 1, tzinfo=UTC)  # 22:01 in Geneva
    do_check_in(app, setting.ana, now=first)
    with app.test_request_context(f"/?lang={language}"), pytest.raises(AlreadyCheckedIn) as caught:
        participant = db.session.get(Participant, setting.ana)
        checkin.check_in(db.session, participant, KIOSK_ACTOR, method=CheckInMethod.CODE)
    assert caught.value.detail.startswith(when)
    assert "24.11.2026" not in caught.value.detail


@pytest.mark.parametrize(
    ("status", "sentence"),
    [
        (Status.PENDING, "not been accredited yet"),
        (Status.REJECTED, "was not accepted"),
        (Status.WITHDRAWN, "was withdrawn"),
    ],
)
def test_only_accredited_people_check_in(app, setting, status, sentence):
    with app.app_context():
        db.session.get(Participant, setting.ana).status = status
        db.session.commit()
    with pytest.raises(NotAccredited, match=sentence) as caught:
        do_check_in(app, setting.ana)
    assert "Please go to the registration desk." in caught.value.detail


def test_refused_codes(app, setting, code_of, make_event):
    code = code_of(setting.ana)
    with pytest.raises(UnknownCode):
        resolve(app, setting.event_id, "HELLO")
    tampered = code[:40] + ("A" if code[40] != "A" else "B") + code[41:]
    with pytest.raises(InvalidCode):
        resolve(app, setting.event_id, tampered)
    other = make_event(title="Meeting of States Parties")
    with pytest.raises(WrongEvent, match="Intersessional Meetings"):
        resolve(app, other.id, code)
    with app.app_context():
        participant = db.session.get(Participant, setting.ana)
        badge = codes.sign(
            codes.CodePayload(
                kind=codes.CodeKind.BADGE,
                event_id=setting.event_id,
                participant_id=setting.ana,
                serial=1,
                valid_from=utcnow() - timedelta(days=1),
                valid_until=utcnow() + timedelta(days=1),
                key_id=signing_key(db.session, participant.delegation.event)[0],
            ),
            signing_key(db.session, participant.delegation.event)[1],
        )
    with pytest.raises(InvalidCode, match="badge"):
        resolve(app, setting.event_id, badge)


def test_reissued_badge_replaces_the_confirmation_code(app, setting, code_of):
    old = code_of(setting.ana)
    with app.app_context():
        badging.reissue_badge(db.session, db.session.get(Participant, setting.ana), SYSTEM)
        db.session.commit()
    with pytest.raises(CodeReplaced, match="most recent confirmation e-mail"):
        resolve(app, setting.event_id, old)
    assert resolve(app, setting.event_id, code_of(setting.ana)) == setting.ana


def test_find_me_needs_two_letters_and_a_proof(app, setting, reference_of):
    with app.app_context():
        event = db.session.get(Event, setting.event_id)
        assert checkin.find_by_family_name(db.session, event, "p") == []
        found = checkin.find_by_family_name(db.session, event, "pé")
        assert [p.id for p in found] == [setting.ana]  # Bruno is pending: not listed
        assert [p.id for p in checkin.find_by_family_name(db.session, event, "SOT")] == [setting.ana]
        assert [p.id for p in checkin.find_by_family_name(db.session, event, "PEREZ S")] == [setting.ana]
        assert checkin.find_by_family_name(db.session, event, "ana") == []  # given names are not searched
        for proof in ("nope", "", "someone@example.org", " Ana.Perez@Example.org "):
            with pytest.raises(ProofMismatch):
                checkin.participant_for_proof(db.session, event, setting.ana, proof)
        reference = reference_of(setting.ana)
        for proof in (reference, reference.lower().replace("-", "")):
            assert checkin.participant_for_proof(db.session, event, setting.ana, proof).id == setting.ana


def test_someone_already_checked_in_is_found_and_told_so_after_the_proof(app, setting, reference_of):
    """Listed like anyone else (no sign of who has arrived); the proof leads to "already checked in"."""
    do_check_in(app, setting.ana)
    with app.app_context():
        event = db.session.get(Event, setting.event_id)
        assert [p.id for p in checkin.find_by_family_name(db.session, event, "pé")] == [setting.ana]
        with pytest.raises(ProofMismatch):
            checkin.participant_for_proof(db.session, event, setting.ana, "nope")
        person = checkin.participant_for_proof(db.session, event, setting.ana, reference_of(setting.ana))
        with pytest.raises(AlreadyCheckedIn, match="registration desk"):
            checkin.ensure_can_check_in(db.session, person)


def test_kiosk_printers_are_used_and_kiosk_recorded(app, setting, make_kiosk):
    kiosk_id, _secret = make_kiosk("Kiosk 7")
    with app.app_context():
        kiosk = db.session.get(Kiosk, kiosk_id)
        participant = db.session.get(Participant, setting.ana)
        arrival = checkin.check_in(
            db.session, participant, Actor(f"kiosk:{kiosk_id}"), method=CheckInMethod.NAME, kiosk=kiosk
        )
        db.session.commit()
        assert arrival.checkin.kiosk_id == kiosk_id and arrival.checkin.method == CheckInMethod.NAME
        assert {job.printer_id for job in arrival.jobs} == {setting.badge_printer, setting.receipt_printer}


def test_recount_rebuilds_the_checkin_counters(app, setting):
    do_check_in(app, setting.ana)
    with app.app_context():
        db.session.execute(db.delete(counters.Counter).where(counters.Counter.name.like("checked_in%")))
        db.session.commit()
        differences = counters.recount(db.session, setting.event_id, fix=True)
        assert differences["checked_in"] == (0, 1)
        db.session.commit()
        assert counters.values(db.session, setting.event_id)["checked_in:state_party"] == 1
        assert confirmation_code  # the module's codes are built by the same function the e-mail uses


def test_find_me_in_every_script(app, setting, make_participant):
    with app.app_context():
        chile = db.session.get(Participant, setting.ana).delegation
    petrova = make_participant(chile, status=Status.ACCREDITED, given_name="Анна", family_name="Петрова")
    haddad = make_participant(chile, status=Status.ACCREDITED, given_name="ليلى", family_name="الحداد")
    with app.app_context():
        event = db.session.get(Event, setting.event_id)
        for typed, expected in (("пет", petrova.id), ("PETROVA", petrova.id), ("الح", haddad.id)):
            assert [p.id for p in checkin.find_by_family_name(db.session, event, typed)] == [expected], typed
