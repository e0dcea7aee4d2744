"""The secretariat's pages: who may open them, exports, imports, the participant page, the audit log."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import AuditEntry, Delegation, Direction, Event, Meeting, Participant, Role, Status, Venue
from kiosk.services import door, keys, registration
from kiosk.services.audit import Actor

ORGANIZER = Actor("user:test", Role.ORGANIZER)


def slug_of(app, event_id: int) -> str:
    with app.app_context():
        return db.session.get(Event, event_id).slug


PAGES = [
    "/admin/events/{slug}/dashboard",
    "/admin/events/{slug}/audit",
    "/admin/events/{slug}/participants/{pid}",
    "/admin/events/{slug}/participants/import",
    "/admin/events/{slug}/exports/participants.csv",
    "/admin/events/{slug}/list-of-participants.pdf",
    "/admin/events/{slug}/details",
    "/admin/venues/",
    "/admin/events/{slug}/delegations/{did}/new-link",
]


@pytest.mark.parametrize("path", PAGES)
def test_only_organizers_open_the_secretariat_pages(app, client, login, make_participant, path):
    someone = make_participant()
    url = path.format(slug=slug_of(app, someone.event_id), pid=someone.id, did=someone.delegation_id)
    assert client.get(url).status_code == 302  # to the sign-in page
    login(Role.DESK)
    assert client.get(url).status_code == 403
    client.post("/logout")
    login(Role.ORGANIZER)
    # the List of participants answers first with its "being prepared" page (202)
    assert client.get(url).status_code == (202 if "list-of-participants" in path else 200)


def test_an_export_is_a_download_and_is_audited(app, client, login, make_participant):
    someone = make_participant(given_name="=cmd")
    slug = slug_of(app, someone.event_id)
    login()
    response = client.get(f"/admin/events/{slug}/exports/participants.csv")
    assert response.headers["Content-Disposition"] == f'attachment; filename="{slug}-participants.csv"'
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # one charset, not two
    assert "'=cmd" in response.get_data(as_text=True)
    xlsx = client.get(f"/admin/events/{slug}/exports/delegations.xlsx")
    assert xlsx.data.startswith(b"PK")
    assert client.get(f"/admin/events/{slug}/exports/secrets.csv").status_code == 404
    with app.app_context():
        actions = db.session.execute(
            select(AuditEntry.action).where(AuditEntry.event_id == someone.event_id)
        ).scalars()
        assert list(actions).count("event.export") == 2


def test_importing_a_list_previews_the_columns_then_registers_everyone(app, client, login, make_delegation):
    delegation = make_delegation(name="Chile")
    slug = slug_of(app, delegation.event_id)
    login()
    content = "Prénom;Nom;Fonction;Sexe\nAna;Ruiz;Chef de la délégation;F\nJuan;Soto;Délégué;M\n".encode()
    preview = client.post(
        f"/admin/events/{slug}/participants/import",
        data={"file": (io.BytesIO(content), "chile.csv"), "delegation_id": str(delegation.id)},
        content_type="multipart/form-data",
    )
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert '<option value="prénom" selected>' in page
    token = page.split('name="token" value="')[1].split('"')[0]
    done = client.post(
        f"/admin/events/{slug}/participants/import/confirm",
        data={
            "token": token,
            "delegation_id": str(delegation.id),
            "map_given_name": "prénom",
            "map_family_name": "nom",
            "map_function": "fonction",
            "map_gender": "sexe",
        },
    )
    assert done.status_code == 302
    with app.app_context():
        names = db.session.execute(
            select(Participant.given_name, Participant.function).where(
                Participant.delegation_id == delegation.id
            )
        ).all()
    assert sorted(names) == [
        ("Ana", "Chef de la délégation"),
        ("Juan", "delegate"),
    ]  # a listed function: its code


def test_an_import_with_a_bad_row_shows_it_and_imports_nothing(app, client, login, make_delegation):
    delegation = make_delegation(name="Chile")
    slug = slug_of(app, delegation.event_id)
    login()
    content = b"given_name,family_name,delegation\nAna,Ruiz,Chile\nBo,Li,Atlantis\n"
    preview = client.post(
        f"/admin/events/{slug}/participants/import",
        data={"file": (io.BytesIO(content), "list.csv")},
        content_type="multipart/form-data",
    )
    token = preview.get_data(as_text=True).split('name="token" value="')[1].split('"')[0]
    failed = client.post(
        f"/admin/events/{slug}/participants/import/confirm",
        data={
            "token": token,
            "map_given_name": "given_name",
            "map_family_name": "family_name",
            "map_delegation": "delegation",
        },
    )
    assert failed.status_code == 422
    text = failed.get_data(as_text=True)
    assert "Row 3" in text and "Atlantis" in text
    with app.app_context():
        assert db.session.execute(select(Participant.id)).first() is None


def test_an_organizer_edits_a_participant_on_their_page(app, client, login, make_participant):
    someone = make_participant(function="Delegate")
    slug = slug_of(app, someone.event_id)
    login()
    response = client.post(
        f"/admin/events/{slug}/participants/{someone.id}",
        data={"given_name": "Ana", "family_name": someone.family_name, "function": "Head of delegation"},
    )
    assert response.status_code == 302
    page = client.get(f"/admin/events/{slug}/participants/{someone.id}").get_data(as_text=True)
    assert "Head of delegation" in page and "Participant edited" in page
    refused = client.post(f"/admin/events/{slug}/participants/{someone.id}", data={"given_name": ""})
    assert refused.status_code == 422


def test_the_audit_log_filters_by_change_and_participant(
    app, client, login, make_delegation, make_participant
):
    delegation = make_delegation()
    someone = make_participant(delegation)
    other = make_participant(delegation)
    with app.app_context():
        for ident in (someone.id, other.id):
            p = db.session.get(Participant, ident)
            registration.change_status(db.session, p, Status.ACCREDITED, ORGANIZER)
        db.session.commit()
    login()
    slug = slug_of(app, someone.event_id)
    page = client.get(f"/admin/events/{slug}/audit?action=participant.accredited").get_data(as_text=True)
    assert "2 entries" in page
    page = client.get(f"/admin/events/{slug}/audit?entity=participant&entity_id={someone.id}").get_data(
        as_text=True
    )
    assert "1 entry" in page and someone.family_name in page


def test_the_audit_log_names_a_focal_point_by_the_delegation_in_the_page_language(
    app, client, login, make_delegation, make_participant
):
    delegation = make_delegation(name="Chile", country="CL")
    someone = make_participant(delegation)
    with app.app_context():
        p = db.session.get(Participant, someone.id)
        registration.change_status(db.session, p, Status.WITHDRAWN, Actor(f"delegation:{delegation.id}"))
        db.session.commit()
    login()
    slug = slug_of(app, someone.event_id)
    assert "Focal point of the delegation of Chile" in client.get(f"/admin/events/{slug}/audit").text
    assert "Point focal de la délégation du Chili" in client.get(f"/admin/events/{slug}/audit?lang=fr").text


def test_a_new_private_link_asks_first_and_can_be_emailed(app, client, login, make_delegation, tmp_path):
    delegation = make_delegation(name="Chile", focal_point_email="mission@chile.example")
    slug = slug_of(app, delegation.event_id)
    login()
    url = f"/admin/events/{slug}/delegations/{delegation.id}/new-link"
    asking = client.get(url).get_data(as_text=True)
    assert "will stop working" in asking and "mission@chile.example" in asking
    with app.app_context():
        assert db.session.get(Delegation, delegation.id).access_token_hash is None  # nothing issued by asking
    issued = client.post(url, data={"send_email": "yes"})
    assert issued.status_code == 200 and issued.headers["Cache-Control"] == "no-store"
    link = issued.get_data(as_text=True).split('id="new-link" class="link-output" value="')[1].split('"')[0]
    assert "/d/" in link
    sent = [p.read_bytes().decode() for p in (tmp_path / "outbox").glob("*.eml")]
    assert len(sent) == 1 and "mission@chile.example" in sent[0]
    assert link.split("/d/")[1].rstrip("/") in sent[0].replace("=\n", "")


def test_the_event_title_dates_venue_and_meetings_are_editable(app, client, login, make_event):
    event = make_event(title="Old title")
    login()
    slug = event.slug
    saved = client.post(
        "/admin/venues/", data={"name": "Palais des Nations", "address": "Geneva", "capacity": "2000"}
    )
    assert saved.status_code == 302
    with app.app_context():
        palais_id = db.session.execute(select(Venue.id).filter_by(name="Palais des Nations")).scalar_one()
        ev = db.session.get(Event, event.id)
        db.session.add(
            Meeting(
                event_id=ev.id,
                title="Preparatory meeting",
                starts_at=ev.local_midnight(ev.starts_on) + timedelta(hours=15),
                ends_at=ev.local_midnight(ev.starts_on) + timedelta(hours=18),
            )
        )
        db.session.commit()
        meeting_id = ev.meetings[0].id
        first_day = ev.starts_on
    response = client.post(
        f"/admin/events/{slug}/details",
        data={
            "title": "Intersessional Meetings",
            "starts_on": (first_day + timedelta(days=1)).isoformat(),
            "ends_on": (first_day + timedelta(days=2)).isoformat(),
            "venue_id": str(palais_id),
        },
    )
    assert response.status_code == 422  # the meeting would fall outside the new days
    assert "Preparatory meeting" in response.get_data(as_text=True)
    response = client.post(
        f"/admin/events/{slug}/details",
        data={
            "title": "Intersessional Meetings",
            "starts_on": first_day.isoformat(),
            "ends_on": (first_day + timedelta(days=2)).isoformat(),
            "venue_id": str(palais_id),
        },
    )
    assert response.status_code == 302
    moved = client.post(
        f"/admin/events/{slug}/meetings/{meeting_id}",
        data={
            "title": "First Preparatory Meeting",
            "starts_at": f"{first_day.isoformat()}T14:00",
            "ends_at": f"{first_day.isoformat()}T17:00",
            "room": "Room XIX",
        },
    )
    assert moved.status_code == 302
    with app.app_context():
        ev = db.session.get(Event, event.id)
        assert (ev.title, ev.venue.name, ev.venue.capacity) == (
            "Intersessional Meetings",
            "Palais des Nations",
            2000,
        )
        assert ev.meetings[0].room == "Room XIX"
        assert ev.meetings[0].starts_at.astimezone(ev.tz).hour == 14
    assert (
        client.post(f"/admin/events/{slug}/meetings/{meeting_id}", data={"delete": "yes"}).status_code == 302
    )
    with app.app_context():
        assert db.session.get(Event, event.id).meetings == []
        actions = set(db.session.execute(select(AuditEntry.action)).scalars())
    assert {"event.details", "meeting.update", "meeting.delete", "venue.create"} <= actions


def test_scans_show_on_the_participant_page_and_in_the_export(
    app, client, login, make_event, make_delegation
):
    today = datetime.now(ZoneInfo("Europe/Zurich")).date()  # the event's day, not the machine's (UTC)
    event = make_event(starts_on=today, ends_on=today)
    delegation = make_delegation(event, name="Chile")
    with app.app_context():
        ev = db.session.get(Event, event.id)
        someone = Participant(
            event_id=ev.id,
            delegation_id=delegation.id,
            given_name="Ana",
            family_name="Ruiz",
            status=Status.ACCREDITED,
        )
        db.session.add(someone)
        main = door.save_checkpoint(
            db.session, ev, None, name="Main entrance", direction="both", anti_passback=True
        )
        db.session.flush()
        code = keys.badge_code(db.session, someone)
        for nonce in ("first", "second"):  # the second is refused: already inside
            door.record_scan(db.session, ev, door.ScanInput(code, main.id, Direction.IN, nonce))
        db.session.commit()
        participant_id = someone.id
    login()
    page = client.get(f"/admin/events/{event.slug}/participants/{participant_id}").get_data(as_text=True)
    assert page.count("Main entrance") == 2
    assert "Already inside: this badge entered and has not gone out." in page
    exported = client.get(f"/admin/events/{event.slug}/exports/scans.csv").get_data(as_text=True).splitlines()
    assert (
        exported[0].lstrip("\ufeff").startswith("Scanned,Checkpoint,Name,Delegation,Direction,Result,Reason")
    )
    assert [line.split(",")[-3:] for line in exported[1:]] == [
        ["in", "accepted", ""],
        ["in", "refused", "already_inside"],
    ]
    assert [line.split(",")[4:6] for line in exported[1:]] == [["In", "Accepted"], ["In", "Refused"]]
    assert all(",Main entrance," in line and "Ana Ruiz,Chile" in line for line in exported[1:])
