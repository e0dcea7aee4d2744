"""The organizer's printer pages: list with reachability, add and edit, queue actions."""

from __future__ import annotations

import socket

import pytest

from kiosk.extensions import db
from kiosk.models import JobStatus, Participant, Printer, PrintJob, Role, Status
from kiosk.services import printing


@pytest.fixture
def job(app, make_participant, tmp_path):
    """A queued badge job on printer "Folder A", with "Folder B" to move it to; the job's id."""
    participant = make_participant(status=Status.ACCREDITED, given_name="Ana", family_name="Pérez")
    with app.app_context():
        for name in ("Folder A", "Folder B"):
            printing.save_printer(
                db.session,
                None,
                name=name,
                kind="badge",
                connection={"type": "hot_folder", "path": str(tmp_path / name)},
            )
        queued = printing.queue_print(db.session, db.session.get(Participant, participant.id), "badge")
        db.session.commit()
        return queued.id


def test_only_organizers_see_the_printer_pages(client, login):
    assert client.get("/admin/printers/").status_code == 302  # to the sign-in page
    login(Role.DESK)
    assert client.get("/admin/printers/").status_code == 403


def test_add_a_printer_then_check_it(client, login, app):
    """Saving asks nothing of the host: a form must not probe any host and port. Check asks saved printers."""
    login(Role.ORGANIZER)
    page = client.get("/admin/printers/new")
    assert page.status_code == 200 and 'name="type"' in page.text
    listening = socket.create_server(("127.0.0.1", 0))
    listening.settimeout(0.3)
    port = listening.getsockname()[1]
    response = client.post(
        "/admin/printers/new",
        data={
            "name": "Kiosk 1 receipts",
            "kind": "receipt",
            "type": "network",
            "host": "127.0.0.1",
            "port": str(port),
            "kiosks": "Kiosk 1, Kiosk 2",
            "enabled": "1",
        },
    )
    assert response.status_code == 302
    with pytest.raises(TimeoutError):
        listening.accept()  # nobody knocked
    listening.close()  # nothing listens there any more
    with app.app_context():
        printer = db.session.execute(db.select(Printer)).scalar_one()
        assert printer.connection == {"type": "network", "host": "127.0.0.1", "port": port}
        assert printer.kiosk_names == ["Kiosk 1", "Kiosk 2"] and printer.reachable is None
    listing = client.get("/admin/printers/")
    assert "Kiosk 1 receipts" in listing.text and "Not checked" in listing.text
    checked = client.post("/admin/printers/check", follow_redirects=True)
    assert "Not reachable: Kiosk 1 receipts." in checked.text and "refused the connection" in checked.text


def test_invalid_printer_settings_are_shown(client, login):
    login(Role.ORGANIZER)
    response = client.post("/admin/printers/new", data={"name": "", "kind": "badge", "type": "network"})
    assert response.status_code == 422
    assert "Give the printer a name." in response.text and 'id="connection-error"' in response.text


def test_a_name_too_long_for_the_database_is_a_sentence_not_an_error(client, login, app):
    """The form's maxlength is not a check: a longer name or kiosk list posted anyway is refused
    with a sentence (PostgreSQL would refuse to store it, SQLite would keep it)."""
    login(Role.ORGANIZER)
    printer = {"kind": "receipt", "type": "network", "host": "127.0.0.1", "port": "9100"}
    response = client.post("/admin/printers/new", data={**printer, "name": "P" * 81, "kiosks": "K" * 501})
    assert response.status_code == 422
    assert "name has at most 80 characters." in response.text
    assert "names take at most 500 characters in all, commas included." in response.text
    assert 'aria-describedby="kiosks-hint kiosks-error"' in response.text
    assert client.post("/admin/printers/new", data={**printer, "name": "P" * 80}).status_code == 302
    with app.app_context():
        assert db.session.execute(db.select(Printer.name)).scalar_one() == "P" * 80


def test_edit_keeps_hidden_settings(client, login, app, tmp_path):
    login(Role.ORGANIZER)
    with app.app_context():
        printer = Printer(
            name="Cards",
            kind="badge",
            badge_format="card_landscape",
            connection={"type": "cups", "queue": "BadgePDF", "options": {"fit-to-page": "true"}},
        )
        db.session.add(printer)
        db.session.commit()
        printer_id = printer.id
    form = client.get(f"/admin/printers/{printer_id}")
    assert 'value="BadgePDF"' in form.text
    response = client.post(
        f"/admin/printers/{printer_id}",
        data={"name": "Cards", "kind": "badge", "type": "cups", "queue": "Other", "badge_format": "a6"},
    )
    assert response.status_code == 302
    with app.app_context():
        printer = db.session.get(Printer, printer_id)
        assert printer.connection == {"type": "cups", "queue": "Other", "options": {"fit-to-page": "true"}}
        assert printer.badge_format == "a6" and printer.enabled is False


def test_queue_actions(client, login, app, job):
    login(Role.ORGANIZER)
    page = client.get("/admin/printers/")
    assert f'id="job-{job}"' in page.text and "Ana PÉREZ" in page.text and "Queued" in page.text
    client.post(f"/admin/printers/jobs/{job}/cancel")
    with app.app_context():
        assert db.session.get(PrintJob, job).status == JobStatus.CANCELLED
    with app.app_context():
        target = db.session.execute(db.select(Printer).filter_by(name="Folder B")).scalar_one().id
    client.post(f"/admin/printers/jobs/{job}/move", data={"printer_id": str(target)})
    with app.app_context():
        moved = db.session.get(PrintJob, job)
        assert (moved.status, moved.printer_id) == (JobStatus.QUEUED, target)
        printing.process_print_jobs(db.session)
    refused = client.post(f"/admin/printers/jobs/{job}/retry", follow_redirects=True)
    assert "cannot be retried" in refused.text
    assert "Recently printed" in refused.text
