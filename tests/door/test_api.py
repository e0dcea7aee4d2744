"""The scan API (shared/API.md): every reason, idempotency, anti-passback per checkpoint, offline uploads."""

from __future__ import annotations

import gzip
import json
import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from kiosk.extensions import db
from kiosk.models import Direction, Event, Participant, Presence, Role, Scan
from kiosk.models.base import utcnow
from kiosk.models.door import Checkpoint, Reason, ScanResult
from kiosk.services import counters, door, keys
from tests.conftest import bearer
from tests.door.scenario import CASES, _flip, accredited, build, new_event


def scan(client, token, slug, code, checkpoint, direction="in", nonce=None, **extra):
    body = {
        "code": code,
        "checkpoint": checkpoint,
        "direction": direction,
        "nonce": nonce or uuid.uuid4().hex,
    }
    return client.post(f"/api/v1/events/{slug}/scans", json={**body, **extra}, headers=bearer(token))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_every_case_gets_its_verdict(app, client, make_token, case):
    scene = build(app, case)
    response = scan(
        client, make_token(Role.SECURITY), scene.slug, scene.code, scene.checkpoint_id, scene.direction
    )
    assert response.status_code == 200, response.text
    body = response.get_json()
    assert body["reason"] == case["expected"]
    assert body["result"] == ("accepted" if case["expected"] is None else "refused")
    if case["expected"] is None:
        assert body["participant"]["name"] == "Ana GARCÍA"
        assert body["participant"]["delegation"] == "Chile"
        assert body["participant"]["category"] == "state_party"
        assert body["detail"] is None
    else:
        assert body["detail"]  # the refusal in words
    with app.app_context():
        stored = db.session.execute(select(Scan).where(Scan.nonce == body["nonce"])).scalar_one()
        assert stored.reason == (case["expected"] and stored.reason.__class__(case["expected"]))
        assert stored.device.startswith("token:")
        assert counters.recount(db.session, scene.event_id) == {}


def _setup(app, *, second_anti_passback=True):
    with app.app_context():
        session = db.session
        event = new_event(session)
        person = accredited(session, event)
        main = door.save_checkpoint(session, event, None, name="Main", direction="both", anti_passback=True)
        side = door.save_checkpoint(
            session, event, None, name="Side", direction="both", anti_passback=second_anti_passback
        )
        exit_only = door.save_checkpoint(
            session, event, None, name="Exit", direction="out", anti_passback=True
        )
        code = keys.badge_code(session, person)
        session.commit()
        return event.slug, event.id, event.venue_id, person.id, main.id, side.id, exit_only.id, code


def test_same_nonce_records_one_scan_and_returns_the_first_answer(app, client, make_token):
    slug, event_id, venue_id, _pid, main, _side, _exit, code = _setup(app)
    token = make_token(Role.SECURITY)
    first = scan(client, token, slug, code, main, nonce="n-1").get_json()
    again = scan(client, token, slug, code, main, nonce="n-1").get_json()
    assert first["result"] == again["result"] == "accepted"
    assert again["replayed"] is True and first["replayed"] is False
    assert again["inside_now"] == first["inside_now"] == 1
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Scan)).scalar_one() == 1
        assert counters.values(db.session, event_id)[f"inside:venue:{venue_id}"] == 1
        assert counters.values(db.session, event_id)[f"scans:{main}:in:accepted"] == 1
    # A new nonce is a new scan: the badge is inside already.
    assert scan(client, token, slug, code, main).get_json()["reason"] == "already_inside"


def test_a_nonce_resent_after_the_holder_moved_on_changes_nothing(app, client, make_token):
    """The scan path does not look a nonce up first: a late resend is found by its insert."""
    slug, event_id, venue_id, pid, main, _side, _exit, code = _setup(app)
    token = make_token(Role.SECURITY)
    entered = scan(client, token, slug, code, main, "in", nonce="entry").get_json()
    assert scan(client, token, slug, code, main, "out", nonce="exit").get_json()["result"] == "accepted"
    again = scan(client, token, slug, code, main, "in", nonce="entry").get_json()
    assert again["replayed"] is True
    assert (again["result"], again["scanned_at"]) == (entered["result"], entered["scanned_at"])
    assert again["inside_now"] == 0
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Scan)).scalar_one() == 2
        assert not db.session.execute(select(Presence.inside).filter_by(participant_id=pid)).scalar_one()
        assert counters.values(db.session, event_id)[f"inside:venue:{venue_id}"] == 0
        assert counters.recount(db.session, event_id) == {}


def test_concurrent_resends_of_one_nonce_store_one_scan(app, make_token):
    slug, event_id, venue_id, _pid, main, _side, _exit, code = _setup(app)
    token = make_token(Role.SECURITY)
    answers, barrier = [], threading.Barrier(6)

    def send():
        with app.test_client() as c:
            barrier.wait()
            answers.append(scan(c, token, slug, code, main, nonce="same-nonce"))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status_code for a in answers] == [200] * 6, [a.text for a in answers]
    assert {a.get_json()["result"] for a in answers} == {"accepted"}
    assert sum(not a.get_json()["replayed"] for a in answers) == 1
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Scan)).scalar_one() == 1
        assert counters.values(db.session, event_id)[f"inside:venue:{venue_id}"] == 1
        assert counters.recount(db.session, event_id) == {}


def test_concurrent_entries_of_one_badge_at_two_doors_admit_it_once(app, make_token):
    slug, event_id, venue_id, _pid, main, side, _exit, code = _setup(app)
    token = make_token(Role.SECURITY)
    answers, barrier = [], threading.Barrier(6)

    def send(checkpoint):
        with app.test_client() as c:
            barrier.wait()
            answers.append(scan(c, token, slug, code, checkpoint).get_json())

    threads = [threading.Thread(target=send, args=(main if i % 2 else side,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(a["reason"] or "" for a in answers) == ["", *["already_inside"] * 5]
    with app.app_context():
        assert counters.values(db.session, event_id)[f"inside:venue:{venue_id}"] == 1
        assert counters.recount(db.session, event_id) == {}


def test_anti_passback_is_set_per_checkpoint(app, client, make_token):
    slug, event_id, venue_id, _pid, main, side, exit_only, code = _setup(app, second_anti_passback=False)
    token = make_token(Role.SECURITY)
    assert scan(client, token, slug, code, main).get_json()["reason"] is None
    assert scan(client, token, slug, code, main).get_json()["reason"] == "already_inside"
    # The side door does not check: it admits, but the person is counted inside once.
    entered = scan(client, token, slug, code, side).get_json()
    assert entered["result"] == "accepted" and entered["inside_now"] == 1
    assert scan(client, token, slug, code, exit_only, "out").get_json()["reason"] is None
    assert scan(client, token, slug, code, exit_only, "out").get_json()["reason"] == "not_inside"
    assert scan(client, token, slug, code, side, "out").get_json()["result"] == "accepted"
    with app.app_context():
        figures = counters.values(db.session, event_id)
        assert figures[f"inside:venue:{venue_id}"] == 0
        assert figures[f"inside:checkpoint:{main}"] == 0
        assert figures[f"scans:{main}:in:refused"] == 1
        assert figures[f"scans:{exit_only}:out:accepted"] == 1
        assert counters.recount(db.session, event_id) == {}
    # An exit-only checkpoint takes no entries: that is a mistake of the scanner, not a refusal.
    wrong_way = scan(client, token, slug, code, exit_only, "in")
    assert wrong_way.status_code == 422 and wrong_way.get_json()["code"] == "invalid"


def test_the_officer_reads_the_name_printed_on_the_badge(app, client, make_token):
    """Title, given name, family name in capitals, or the badge name a focal point chose: the face
    is compared with the badge, so the screen and the offline bundle show what the badge shows."""
    scene = build(app, CASES[0])
    token = make_token(Role.SECURITY)
    with app.app_context():
        db.session.get(Participant, scene.participant_id).title = "H.E. Ms."
        db.session.commit()
    first = scan(client, token, scene.slug, scene.code, scene.checkpoint_id, "in").get_json()
    with app.app_context():
        db.session.get(Participant, scene.participant_id).badge_name = "Ana María GARCÍA LÓPEZ"
        db.session.commit()
    second = scan(client, token, scene.slug, scene.code, scene.checkpoint_id, "out").get_json()
    bundle = client.get(f"/api/v1/events/{scene.slug}/offline-bundle", headers=bearer(token)).get_json()
    assert first["participant"]["name"] == "H.E. Ms. Ana GARCÍA"
    assert second["participant"]["name"] == "H.E. Ms. Ana María GARCÍA LÓPEZ"
    assert bundle["participants"][str(scene.participant_id)]["name"] == "H.E. Ms. Ana María GARCÍA LÓPEZ"


def test_the_officer_reads_a_states_name_in_the_pages_language(app, client, make_token):
    scene = build(app, CASES[0])
    french = {**bearer(make_token(Role.SECURITY)), "Accept-Language": "fr"}
    body = {"code": scene.code, "checkpoint": scene.checkpoint_id, "direction": "in", "nonce": "fr-1"}
    verdict = client.post(f"/api/v1/events/{scene.slug}/scans", json=body, headers=french).get_json()
    bundle = client.get(f"/api/v1/events/{scene.slug}/offline-bundle", headers=french).get_json()
    english = client.get(
        f"/api/v1/events/{scene.slug}/offline-bundle", headers=bearer(make_token(Role.SECURITY))
    )
    assert verdict["participant"]["delegation"] == "Chili"
    assert bundle["participants"][str(scene.participant_id)]["delegation"] == "Chile"  # as registered
    assert bundle["delegation_labels"] == {"Chile": "Chili"}  # what a scanner shows offline
    assert english.get_json()["delegation_labels"] == {}
    assert (
        english.headers["ETag"]
        != client.get(f"/api/v1/events/{scene.slug}/offline-bundle", headers=french).headers["ETag"]
    )


def test_badge_refused_right_after_reissue_and_the_new_one_admitted(app, client, make_token):
    slug, _event_id, _venue, pid, main, _side, _exit, old_code = _setup(app)
    token = make_token(Role.SECURITY)
    desk = make_token(Role.DESK)
    reissued = client.post(f"/api/v1/participants/{pid}/badge/reissue", headers=bearer(desk))
    assert reissued.get_json()["badge_serial"] == 2
    refused = scan(client, token, slug, old_code, main).get_json()
    assert (refused["result"], refused["reason"]) == ("refused", "revoked")
    assert refused["participant"]["name"] == "Ana GARCÍA"  # so the officer can keep the old badge
    bundle = client.get(f"/api/v1/events/{slug}/offline-bundle", headers=bearer(token)).get_json()
    assert {"participant_id": pid, "below_serial": 2} in bundle["revoked"]
    with app.app_context():
        new_code = keys.badge_code(db.session, db.session.get(Participant, pid))
    assert scan(client, token, slug, new_code, main).get_json()["result"] == "accepted"


def test_confirmation_code_is_not_a_badge(app, client, make_token):
    slug, *_rest, main, _side, _exit, _code = _setup(app)
    with app.app_context():
        person = db.session.execute(select(Participant)).scalars().first()
        confirmation = keys.confirmation_code(db.session, person)
    body = scan(client, make_token(Role.SECURITY), slug, confirmation, main).get_json()
    assert (body["result"], body["reason"]) == ("refused", "not_a_badge")
    assert "confirmation" in body["detail"]


def test_roles_and_input(app, client, make_token, login):
    slug, _event_id, _venue, _pid, main, _side, _exit, code = _setup(app)
    assert scan(client, "", slug, code, main).status_code == 401
    for role in (Role.KIOSK, Role.DESK):
        response = scan(client, make_token(role), slug, code, main)
        assert response.status_code == 403 and response.get_json()["code"] == "forbidden"
    assert scan(client, make_token(Role.ORGANIZER), slug, code, main).status_code == 200
    token = make_token(Role.SECURITY)
    assert scan(client, token, slug, code, 999).status_code == 422
    assert scan(client, token, slug, code, main, direction="sideways").status_code == 422
    assert scan(client, token, slug, code, main, scanned_at="yesterday").status_code == 422
    assert scan(client, token, "no-such-event", code, main).status_code == 404
    # The signed-in officer's page: the session works, and the officer is recorded.
    officer = login(Role.SECURITY)
    response = client.post(
        f"/api/v1/events/{slug}/scans",
        json={"code": code, "checkpoint": main, "direction": "out", "nonce": "page-1"},
    )
    assert response.status_code == 200
    with app.app_context():
        stored = db.session.execute(select(Scan).where(Scan.nonce == "page-1")).scalar_one()
        assert stored.officer_id == officer.id and stored.device.startswith(f"user:{officer.id}")


def test_offline_uploads_apply_in_time_order_and_flag_conflicts(app, client, make_token):
    slug, event_id, venue_id, pid, main, side, _exit, code = _setup(app)
    token = make_token(Role.SECURITY)
    start = utcnow() - timedelta(minutes=10)

    def offline(checkpoint, direction, minutes, nonce, result="accepted", reason=None):
        return {
            "code": code,
            "checkpoint": checkpoint,
            "direction": direction,
            "nonce": nonce,
            "scanned_at": (start + timedelta(minutes=minutes)).isoformat(),
            "result": result,
            "reason": reason,
            "device": "tablet-1",
        }

    # Sent out of order: the exit (minute 5) comes before the entry (minute 1) in the upload.
    upload = client.post(
        f"/api/v1/events/{slug}/scans/batch",
        json={"scans": [offline(main, "out", 5, "b"), offline(main, "in", 1, "a")]},
        headers=bearer(token),
    )
    assert upload.status_code == 200, upload.text
    results = upload.get_json()["results"]
    assert [r["nonce"] for r in results] == ["a", "b"]
    assert [r["conflict"] for r in results] == [False, False]
    # Two doors offline let the same badge in at minutes 7 and 8: the second is a conflict.
    second = client.post(
        f"/api/v1/events/{slug}/scans/batch",
        json={"scans": [offline(main, "in", 7, "c"), offline(side, "in", 8, "d")]},
        headers=bearer(token),
    ).get_json()["results"]
    assert [(r["result"], r["conflict"]) for r in second] == [("accepted", False), ("accepted", True)]
    # Re-sending the same upload changes nothing.
    again = client.post(
        f"/api/v1/events/{slug}/scans/batch",
        json={"scans": [offline(main, "in", 7, "c"), offline(side, "in", 8, "d")]},
        headers=bearer(token),
    ).get_json()["results"]
    assert all(r["replayed"] for r in again)
    with app.app_context():
        scans = db.session.execute(select(Scan).order_by(Scan.scanned_at)).scalars().all()
        assert [s.nonce for s in scans] == ["a", "b", "c", "d"]
        assert all(s.offline for s in scans)
        assert scans[-1].conflict and scans[-1].server_reason == "already_inside"
        assert counters.values(db.session, event_id)[f"inside:venue:{venue_id}"] == 1
        assert counters.recount(db.session, event_id) == {}
        assert [s.nonce for s in door.conflicts(db.session, db.session.get(Event, event_id))] == ["d"]


def test_offline_bundle(app, client, make_token):
    slug, event_id, venue_id, pid, main, _side, _exit, code = _setup(app)
    token = make_token(Role.SECURITY)
    scan(client, token, slug, code, main)
    response = client.get(f"/api/v1/events/{slug}/offline-bundle", headers=bearer(token))
    bundle = response.get_json()
    assert set(bundle) >= {
        "public_keys",
        "revoked",
        "checkpoints",
        "generated_at",
        "participants",
        "not_accredited",
    }
    with app.app_context():
        public = keys.public_keys(db.session, db.session.get(Event, event_id))
    assert bundle["public_keys"] == {str(k): v.hex() for k, v in public.items()}
    assert bundle["participants"][str(pid)]["name"] == "Ana GARCÍA"
    assert bundle["inside"] == {str(venue_id): [pid]}
    assert [c["name"] for c in bundle["checkpoints"]] == ["Exit", "Main", "Side"]
    unchanged = client.get(
        f"/api/v1/events/{slug}/offline-bundle",
        headers={**bearer(token), "If-None-Match": response.headers["ETag"]},
    )
    assert unchanged.status_code == 304
    client.post(f"/api/v1/participants/{pid}/withdraw", headers=bearer(make_token(Role.ORGANIZER)))
    changed = client.get(f"/api/v1/events/{slug}/offline-bundle", headers=bearer(token)).get_json()
    assert pid in changed["not_accredited"] and str(pid) not in changed["participants"]
    assert (
        client.get(
            f"/api/v1/events/{slug}/offline-bundle", headers=bearer(make_token(Role.KIOSK))
        ).status_code
        == 403
    )


def test_offline_bundle_is_compressed_and_rebuilt_only_when_holders_change(app, client, make_token):
    slug, event_id, _venue, pid, main, _side, _exit, code = _setup(app)
    token = make_token(Role.SECURITY)
    path = f"/api/v1/events/{slug}/offline-bundle"
    plain = client.get(path, headers=bearer(token))
    packed = client.get(path, headers={**bearer(token), "Accept-Encoding": "gzip, br"})
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    assert len(packed.data) < len(plain.data)
    unpacked, expected = json.loads(gzip.decompress(packed.data)), plain.get_json()
    assert unpacked.pop("generated_at") >= expected.pop("generated_at") and unpacked == expected
    assert packed.headers["ETag"] == plain.headers["ETag"]

    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_rest):
        statements.append(statement)

    sa_event.listen(engine, "before_cursor_execute", record)
    try:
        client.get(path, headers=bearer(token))
        assert not any("participants.title" in s for s in statements), "holders read again unchanged"
        scan(client, token, slug, code, main)  # who is inside changes; the holders do not
        statements.clear()
        moved = client.get(path, headers=bearer(token))
        assert not any("participants.title" in s for s in statements)
        assert moved.headers["ETag"] != plain.headers["ETag"] and moved.get_json()["inside"]
    finally:
        sa_event.remove(engine, "before_cursor_execute", record)

    desk = make_token(Role.DESK)
    assert client.post(f"/api/v1/participants/{pid}/badge/reissue", headers=bearer(desk)).status_code == 200
    reissued = client.get(path, headers=bearer(token)).get_json()
    assert {"participant_id": pid, "below_serial": 2} in reissued["revoked"]
    with app.app_context():
        delegation = db.session.get(Participant, pid).delegation
        delegation.name = "Chile (renamed)"
        db.session.commit()
    renamed = client.get(path, headers=bearer(token)).get_json()
    assert renamed["participants"][str(pid)]["delegation"] == "Chile (renamed)"


def test_photo_for_the_door(app, client, make_token):
    slug, _event_id, _venue, pid, main, _side, _exit, code = _setup(app)
    with app.app_context():
        person = db.session.get(Participant, pid)
        person.photo, person.photo_type = b"\xff\xd8\xff fake jpeg", "image/jpeg"
        db.session.commit()
    token = make_token(Role.SECURITY)
    answer = scan(client, token, slug, code, main).get_json()
    url = answer["participant"]["photo_url"]
    assert url.startswith(f"/api/v1/participants/{pid}/photo")
    photo = client.get(url, headers=bearer(token))
    assert photo.status_code == 200 and photo.data.startswith(b"\xff\xd8")
    assert client.get(url, headers=bearer(make_token(Role.KIOSK))).status_code == 403


@pytest.mark.parametrize("role", [Role.DESK, Role.SECURITY])
def test_desk_and_security_see_photos_only_of_accredited_participants_of_events_not_over(
    app, client, make_token, role
):
    with app.app_context():
        session = db.session
        running, over = new_event(session), new_event(session)
        over.starts_on, over.ends_on = over.starts_on - timedelta(days=10), over.ends_on - timedelta(days=3)
        people = {"accredited": accredited(session, running)}
        for status in ("pending", "rejected", "withdrawn"):
            people[status] = accredited(session, running, given=status)
            people[status].status = status
        people["over"] = accredited(session, over)
        for person in people.values():
            person.photo, person.photo_type = b"\xff\xd8\xff fake jpeg", "image/jpeg"
        session.commit()
        ids = {name: person.id for name, person in people.items()}
    staff, organizer = make_token(role), make_token(Role.ORGANIZER)
    for name, pid in ids.items():
        url = f"/api/v1/participants/{pid}/photo"
        seen = client.get(url, headers=bearer(staff))
        assert seen.status_code == (200 if name == "accredited" else 404), name
        assert client.get(url, headers=bearer(organizer)).status_code == 200, name
        if name == "accredited":
            assert seen.headers["Cache-Control"] == "private, no-store"
        else:  # the same answer as for an id that does not exist
            assert seen.get_json()["detail"] == f"There is no participant {pid}."


def _statements_per_scan(app, client, token, slug, code, checkpoint) -> int:
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(*_args):
        seen.append("x")

    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        assert scan(client, token, slug, code, checkpoint, "in").status_code == 200
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_a_scan_costs_the_same_statements_whatever_the_number_of_participants_and_scans(
    app, client, make_token
):
    slug, event_id, _venue, _pid, main, _side, _exit, _code = _setup(app)
    token = make_token(Role.SECURITY)
    with app.app_context():
        event = db.session.get(Event, event_id)
        first, second = accredited(db.session, event, "Bo", "One"), accredited(db.session, event, "Cy", "Two")
        code_1, code_2 = keys.badge_code(db.session, first), keys.badge_code(db.session, second)
        db.session.commit()
    scan(client, token, slug, code_1, main, "out")  # warm the caches
    small = _statements_per_scan(app, client, token, slug, code_1, main)
    with app.app_context():
        event = db.session.get(Event, event_id)
        for i in range(300):
            accredited(db.session, event, f"P{i}", "Many", delegation=f"Delegation {i % 20}")
        checkpoint = door.checkpoint_of(db.session, event, main)
        for i in range(300):
            db.session.add(
                Scan(
                    event_id=event_id,
                    checkpoint_id=checkpoint.id,
                    direction=Direction.IN,
                    result=ScanResult.REFUSED,
                    reason=Reason.INVALID_CODE,
                    nonce=f"old-{i}",
                    scanned_at=utcnow(),
                )
            )
        db.session.commit()
    large = _statements_per_scan(app, client, token, slug, code_2, main)
    assert small == large, (small, large)


def test_security_officer_lands_on_the_door_and_sees_the_scanner(app, client, make_user):
    from tests.conftest import PASSWORD

    slug, *_rest = _setup(app)
    officer = make_user(Role.SECURITY)
    signed_in = client.post("/login", data={"email": officer.email, "password": PASSWORD})
    assert signed_in.headers["Location"].endswith("/door/")
    assert client.get("/door/").headers["Location"].endswith(f"/door/{slug}/")
    page = client.get(f"/door/{slug}/")
    assert page.status_code == 200 and 'id="door-strings"' in page.text and "Main" in page.text
    worker = client.get("/door/sw.js")
    assert worker.headers["Service-Worker-Allowed"] == "/door/"
    assert client.get(f"/admin/events/{slug}/door/").status_code == 403


def test_one_bad_upload_does_not_hold_back_the_others(app, client, make_token):
    slug, event_id, _venue, _pid, main, side, _exit, code = _setup(app)
    token = make_token(Role.SECURITY)
    assert scan(client, token, slug, code, main, nonce="taken").get_json()["result"] == "accepted"
    with app.app_context():
        checkpoint = db.session.get(Checkpoint, side)
        checkpoint.active = False  # closed after the scanner went offline
        db.session.commit()
    at = (utcnow() - timedelta(minutes=1)).isoformat()
    common = {"code": code, "direction": "out", "scanned_at": at, "result": "accepted"}
    results = client.post(
        f"/api/v1/events/{slug}/scans/batch",
        json={
            "scans": [
                {**common, "checkpoint": side, "nonce": "taken"},
                {**common, "checkpoint": side, "nonce": "new"},
            ]
        },
        headers=bearer(token),
    ).get_json()["results"]
    assert results[0]["nonce"] == "new" and results[0]["result"] == "accepted"
    assert results[1]["nonce"] == "taken" and results[1]["error"]["code"] == "invalid"
    with app.app_context():
        assert counters.recount(db.session, event_id) == {}


@pytest.mark.parametrize("checkpoint", [2**63, 2**64 + 1, -(2**63) - 1, True, 1.5, "1"])
def test_a_checkpoint_id_no_column_can_hold_is_a_422_online_and_offline(app, client, make_token, checkpoint):
    slug, _event_id, _venue, _pid, _main, _side, _exit, code = _setup(app)
    token = make_token(Role.SECURITY)
    online = scan(client, token, slug, code, checkpoint)
    assert online.status_code == 422, online.text
    refusal = "checkpoint must be a whole number from 1 to 2147483647."
    assert online.get_json()["errors"] == {"checkpoint": [refusal]}
    at = (utcnow() - timedelta(minutes=1)).isoformat()
    item = {"code": code, "checkpoint": checkpoint, "direction": "in", "nonce": "big", "scanned_at": at}
    batch = client.post(
        f"/api/v1/events/{slug}/scans/batch",
        json={"scans": [{**item, "result": "accepted"}]},
        headers=bearer(token),
    )
    assert batch.status_code == 200, batch.text
    error = batch.get_json()["results"][0]["error"]
    assert error["code"] == "invalid" and error["errors"] == {"checkpoint": [refusal]}


def test_an_offline_scan_of_a_forged_badge_is_stored_refused_whatever_the_scanner_said(
    app, client, make_token
):
    slug, event_id, venue_id, pid, main, _side, _exit, code = _setup(app)
    forged = _flip(code, len(code) - 5)  # inside the signature
    at = (utcnow() - timedelta(minutes=1)).isoformat()
    common = {"code": forged, "checkpoint": main, "direction": "in", "scanned_at": at}
    results = client.post(
        f"/api/v1/events/{slug}/scans/batch",
        json={"scans": [{**common, "nonce": "forged", "result": "accepted"}]},
        headers=bearer(make_token(Role.SECURITY)),
    ).get_json()["results"]
    assert [(r["result"], r["reason"], r["conflict"]) for r in results] == [("refused", "invalid_code", True)]
    with app.app_context():
        stored = db.session.execute(select(Scan).filter_by(nonce="forged")).scalar_one()
        assert (stored.result.value, stored.reason.value) == ("refused", "invalid_code")
        assert stored.conflict and stored.server_reason == "invalid_code"
        assert db.session.execute(select(Presence).filter_by(participant_id=pid)).first() is None
        assert counters.values(db.session, event_id).get(f"inside:venue:{venue_id}", 0) == 0
        assert counters.values(db.session, event_id)[f"scans:{main}:in:refused"] == 1
        assert counters.recount(db.session, event_id) == {}
