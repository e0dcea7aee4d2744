"""The registration desk: search, check in, reprint, reissue a lost badge, walk-ins, stuck print jobs."""

from __future__ import annotations

from kiosk.extensions import db
from kiosk.models import CheckIn, Delegation, JobStatus, OutgoingMail, Participant, PrintJob, Role, Status
from kiosk.services import counters, printing
from tests.checkin_fixtures import *  # noqa: F403 (fixtures)


def page(setting, tail: str = "") -> str:
    return f"/desk/{setting.slug}/{tail}"


def test_only_desk_staff_and_organizers(client, setting, login):
    assert client.get(page(setting)).status_code == 302  # to the sign-in page
    login(Role.SECURITY)
    assert client.get(page(setting)).status_code == 403


def test_search_by_name_and_reference(client, setting, login, reference_of):
    login(Role.DESK)
    response = client.get(page(setting), query_string={"q": "ana"})
    # The name as everywhere else (badge, kiosk, door): title, family name in capitals.
    assert response.status_code == 200 and "H.E. Ms. Ana PÉREZ SOTO" in response.text
    response = client.get(page(setting), query_string={"q": reference_of(setting.bruno).lower()})
    assert "Bruno" in response.text and "Ana" not in response.text.split('id="results"')[1]
    response = client.get(page(setting), query_string={"q": "zz"})
    assert "No one matches" in response.text


def test_names_read_in_the_direction_the_badge_prints_them(app, client, setting, login, make_participant):
    """A Latin title with an Arabic name reads right to left, title on the right, as on the badge."""
    with app.app_context():
        chile = db.session.get(Delegation, setting.chile)
    make_participant(chile, title="H.E. Mr.", given_name="أحمد", family_name="الحداد")
    login(Role.DESK)
    text = client.get(page(setting), query_string={"q": "الحداد"}).text
    assert '<bdi dir="rtl"><bdi dir="ltr">H.E. Mr.</bdi> أحمد الحداد</bdi>' in text
    text = client.get(page(setting), query_string={"q": "ana"}).text
    assert '<bdi dir="ltr">H.E. Ms. Ana PÉREZ SOTO</bdi>' in text


def test_desk_checks_in_then_refuses_a_second_time(app, client, setting, login):
    user = login(Role.DESK)
    response = client.post(
        page(setting, f"p/{setting.ana}/check-in"), data={"badge_printer_id": setting.badge_printer}
    )
    assert response.status_code == 302
    followed = client.get(response.location)
    assert "is checked in" in followed.text and "Printer 2" in followed.text
    with app.app_context():
        row = db.session.query(CheckIn).one()
        assert row.user_id == user.id and row.method.value == "desk"
        assert counters.values(db.session, setting.event_id)["checked_in"] == 1
    response = client.post(page(setting, f"p/{setting.ana}/check-in"), follow_redirects=True)
    assert "already checked in" in response.text


def test_reprint_and_reissue_a_lost_badge(app, client, setting, login, code_of):
    login(Role.DESK)
    old_code = code_of(setting.ana)
    client.post(page(setting, f"p/{setting.ana}/reprint"))
    response = client.post(page(setting, f"p/{setting.ana}/reissue"), follow_redirects=True)
    assert "Tick the box" in response.text
    response = client.post(
        page(setting, f"p/{setting.ana}/reissue"), data={"confirm": "yes"}, follow_redirects=True
    )
    assert "Badge 2 of Ana Pérez Soto is queued" in response.text
    with app.app_context():
        assert db.session.get(Participant, setting.ana).badge_serial == 2
        jobs = db.session.query(PrintJob).order_by(PrintJob.id).all()
        assert [j.badge_serial for j in jobs] == [1, 2]
        assert db.session.query(OutgoingMail).filter_by(participant_id=setting.ana).count() == 1
    assert old_code != code_of(setting.ana)  # the new confirmation e-mail carries a new code


def test_walk_in_within_the_cap(app, client, setting, login):
    login(Role.DESK)
    form = {
        "delegation_id": setting.chile,
        "given_name": "Carla",
        "family_name": "Vidal",
        "mode": "in_person",
        "accredit": "yes",
    }
    response = client.post(page(setting, "walk-in"), data=form)
    assert response.status_code == 302
    with app.app_context():
        carla = db.session.query(Participant).filter_by(family_name="Vidal").one()
        assert carla.status == Status.ACCREDITED
    response = client.post(
        page(setting, "walk-in"), data={**form, "given_name": "Diego", "family_name": "Soto"}
    )
    assert response.status_code == 422 and "3 of 3 places" in response.text


def test_stuck_jobs_can_be_moved(app, client, setting, login, tmp_path):
    login(Role.DESK)
    client.post(page(setting, f"p/{setting.ana}/check-in"))
    with app.app_context():
        job = db.session.query(PrintJob).filter_by(kind="badge").one()
        job.attempts, job.last_error = 2, "The printer at 10.0.0.9:9100 refused the connection."
        other = printing.save_printer(
            db.session,
            None,
            name="Printer 3",
            kind="badge",
            connection={"type": "png_folder", "path": str(tmp_path / "p3")},
        )
        db.session.commit()
        job_id, other_id = job.id, other.id
    response = client.get(page(setting, "jobs"))
    assert f'id="job-{job_id}"' in response.text and "refused the connection" in response.text
    response = client.post(
        page(setting, f"jobs/{job_id}/move"), data={"printer_id": other_id}, follow_redirects=True
    )
    assert "moved to Printer 3" in response.text
    with app.app_context():
        moved = db.session.get(PrintJob, job_id)
        assert moved.printer_id == other_id and moved.status == JobStatus.QUEUED


def left_uncertain(app, setting) -> int:
    """Ana's badge job, left "printing" by a worker that died mid-job, then found by another worker."""
    from datetime import timedelta

    from kiosk.models.base import utcnow

    with app.app_context():
        job = printing.queue_print(db.session, db.session.get(Participant, setting.ana), "badge")
        db.session.commit()
        printing.claim_next_job(db.session, job.printer, worker="dead:1:x")
        db.session.commit()
        job_id = job.id
        printing.process_print_jobs(db.session, utcnow() + printing.LEASE + timedelta(seconds=1))
        assert db.session.get(PrintJob, job_id).status == JobStatus.UNCERTAIN
    return job_id


def test_a_badge_that_may_have_printed_is_marked_printed(app, client, setting, login):
    login(Role.DESK)
    job_id = left_uncertain(app, setting)
    response = client.get(page(setting, "jobs"))
    row = response.text.split(f'id="job-{job_id}"')[1].split("</tr>")[0]
    assert "May have printed" in row and "mark printed" in row and "reprint with a new badge number" in row
    assert "Retry now" not in row  # the same serial never goes to a printer twice
    response = client.post(page(setting, f"jobs/{job_id}/printed"), follow_redirects=True)
    assert f"Print job {job_id} is marked printed." in response.text
    with app.app_context():
        assert db.session.get(PrintJob, job_id).status == JobStatus.DONE
        assert db.session.get(Participant, setting.ana).badge_serial == 1
    response = client.post(page(setting, f"jobs/{job_id}/reprint"), follow_redirects=True)
    assert "only a badge that may have printed" in response.text


def test_a_badge_that_may_have_printed_is_reprinted_with_a_new_serial(app, client, setting, login):
    login(Role.DESK)
    job_id = left_uncertain(app, setting)
    response = client.post(page(setting, f"jobs/{job_id}/reprint"), follow_redirects=True)
    assert "Badge 2 of Ana Pérez Soto is queued" in response.text
    with app.app_context():
        assert db.session.get(PrintJob, job_id).status == JobStatus.CANCELLED
        assert db.session.get(Participant, setting.ana).badge_serial == 2  # the one in doubt is revoked
        newest = db.session.query(PrintJob).order_by(PrintJob.id.desc()).first()
        assert (newest.status, newest.badge_serial, newest.kind.value) == (JobStatus.QUEUED, 2, "badge")


def test_the_desk_warns_when_no_print_worker_runs(app, client, setting, login):
    from kiosk.services import printworker

    login(Role.DESK)
    warning = "The print worker has stopped: badges will not print."
    assert warning in client.get(page(setting)).text
    with app.app_context():
        printworker.beat(db.session, "desk-test:1:x")
        db.session.commit()
    assert warning not in client.get(page(setting)).text


def test_the_arrival_shows_as_geneva_reads_it(app, client, setting, login):
    """The day spelled out and the 24-hour clock in the event's zone, not "12/6/26, 3:00 PM"."""
    from datetime import UTC, datetime

    from kiosk.models import Event
    from kiosk.services.dates import format_stamp

    login(Role.DESK)
    client.post(page(setting, f"p/{setting.ana}/check-in"), data={"badge_printer_id": setting.badge_printer})
    with app.app_context():
        row = db.session.query(CheckIn).one()
        row.checked_in_at = datetime(2026, 12, 6, 14, 0, tzinfo=UTC)
        db.session.commit()
        event = db.session.get(Event, setting.event_id)
        expected = format_stamp(row.checked_in_at, event.tz, "en")
    assert expected.startswith("6 December 2026, ")
    assert expected in client.get(page(setting, f"p/{setting.ana}")).text
    assert expected in client.get(page(setting), query_string={"q": "ana"}).text
    assert "PM" not in client.get(page(setting, f"p/{setting.ana}")).text
