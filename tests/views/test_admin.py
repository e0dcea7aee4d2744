"""The organizer pages: access, event settings, delegations, imports, links and accreditation."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from kiosk.extensions import db
from kiosk.models import AuditEntry, Category, Delegation, Event, Mode, Participant, Role, Status


def count(app, model, **filters) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model).filter_by(**filters)).scalar_one()


def status_of(app, participant_id: int) -> Status:
    with app.app_context():
        return db.session.get(Participant, participant_id).status


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


# Access


@pytest.mark.parametrize("path", ["/admin/", "/admin/events/{slug}", "/admin/events/{slug}/participants"])
def test_signed_out_visitors_are_sent_to_sign_in(client, make_event, path):
    event = make_event()
    response = client.get(path.format(slug=event.slug))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("path", ["/admin/", "/admin/events/{slug}/delegations"])
def test_desk_staff_may_not_open_organizer_pages(client, login, make_event, path):
    event = make_event()
    login(Role.DESK)
    response = client.get(path.format(slug=event.slug))
    assert response.status_code == 403
    assert "Your account may not open this page." in response.text


def test_desk_staff_may_not_accredit(client, login, make_participant):
    participant = make_participant()
    login(Role.DESK)
    with client.application.app_context():
        slug = db.session.get(Event, participant.event_id).slug
    response = client.post(
        f"/admin/events/{slug}/participants/status", data={"single": f"accredit:{participant.id}"}
    )
    assert response.status_code == 403
    assert status_of(client.application, participant.id) == Status.PENDING


def test_organizer_sees_events_with_counts(client, login, make_delegation, make_participant):
    delegation = make_delegation(name="Chile")
    make_participant(delegation, status=Status.ACCREDITED)
    make_participant(delegation, status=Status.PENDING)
    make_participant(delegation, status=Status.WITHDRAWN)
    login()
    page = client.get("/admin/")
    assert page.status_code == 200
    assert "Intersessional Meetings" in page.text
    row = re.search(r"<tr>\s*<th scope=\"row\">.*?</tr>", page.text, re.S).group(0)
    numbers = re.findall(r'class="num">(?:<a [^>]*>)?(\d+)', row)
    assert numbers == ["1", "2", "1", "1"]  # delegations, registered, accredited, pending
    assert 'action="/logout"' in page.text


def test_csrf_is_enforced_on_organizer_forms(app, client, login, make_event):
    event = make_event()
    login()
    app.config["WTF_CSRF_ENABLED"] = True
    settings = {"default_cap": "4", "contact_email": "isu@example.org"}
    refused = client.post(f"/admin/events/{event.slug}", data=settings)
    assert refused.status_code == 400
    refused = client.post(f"/admin/events/{event.slug}/participants/status", data={"action": "accredit"})
    assert refused.status_code == 400
    token = csrf_token(client.get(f"/admin/events/{event.slug}").text)
    accepted = client.post(f"/admin/events/{event.slug}", data={**settings, "csrf_token": token})
    assert accepted.status_code == 302
    with app.app_context():
        assert db.session.get(Event, event.id).default_cap == 4


# Event settings


def test_settings_are_saved_in_the_event_time_zone_and_audited(app, client, login, make_event):
    event = make_event(timezone="Europe/Zurich", default_cap=3, auto_accredit=False)
    login()
    response = client.post(
        f"/admin/events/{event.slug}",
        data={
            "registration_opens_at": "2030-05-01T09:00",
            "registration_deadline": "2030-06-11 23:59",
            "default_cap": "5",
            "cap_in_person": "1",
            "auto_accredit": "1",
            "contact_email": "ISU@Example.org",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.get(Event, event.id)
        assert saved.registration_opens_at == datetime(2030, 5, 1, 7, 0, tzinfo=UTC)  # CEST is UTC+2
        assert saved.registration_deadline == datetime(2030, 6, 11, 21, 59, tzinfo=UTC)
        assert (saved.default_cap, saved.cap_in_person, saved.auto_accredit) == (5, True, True)
        assert saved.contact_email == "isu@example.org"
        entry = db.session.execute(select(AuditEntry).filter_by(action="event.settings")).scalar_one()
        assert entry.changes["default_cap"] == [3, 5]
    page = client.get(f"/admin/events/{event.slug}")
    assert 'value="2030-06-11 23:59"' in page.text
    assert 'type="datetime-local"' not in page.text  # the browser's locale does not decide the format
    assert "YYYY-MM-DD HH:MM" in page.text
    assert "The settings of Intersessional Meetings are saved." in page.text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("registration_deadline", "2030-04-01T09:00", "The deadline must be after registration opens."),
        ("default_cap", "1001", "The cap must be a whole number from 0 to 1000."),
        ("default_cap", "three", "The cap must be a whole number from 0 to 1000."),
        ("contact_email", "not-an-address", "Enter an e-mail address such as name@example.org."),
        ("registration_opens_at", "tomorrow", "Enter a date and time such as 2024-06-18 09:00."),
    ],
)
def test_settings_validation_shows_field_errors(app, client, login, make_event, field, value, message):
    event = make_event(default_cap=3)
    login()
    data = {
        "registration_opens_at": "2030-05-01T09:00",
        "registration_deadline": "2030-06-11T23:59",
        "default_cap": "7",
        "contact_email": "isu@example.org",
        field: value,
    }
    response = client.post(f"/admin/events/{event.slug}", data=data)
    assert response.status_code == 422
    assert "Some fields need correcting." in response.text
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in response.text
    assert f'value="{value}"' in response.text  # what was typed is kept
    with app.app_context():
        assert db.session.get(Event, event.id).default_cap == 3
    assert count(app, AuditEntry, action="event.settings") == 0


# Delegations


def test_delegations_table_search_and_category_filter(
    client, login, make_event, make_delegation, make_participant
):
    event = make_event()
    chile = make_delegation(event, name="Chile", country="CL", cap_override=2)
    make_delegation(event, name="The HALO Trust", category=Category.NGO, country=None)
    make_participant(chile, mode=Mode.IN_PERSON)
    make_participant(chile, mode=Mode.ONLINE)
    login()
    page = client.get(f"/admin/events/{event.slug}/delegations")
    assert page.status_code == 200
    assert "1 of 2" in page.text and "HALO" in page.text
    found = client.get(f"/admin/events/{event.slug}/delegations", query_string={"q": "chi"})
    assert "Chile" in found.text and "HALO" not in found.text
    ngos = client.get(f"/admin/events/{event.slug}/delegations", query_string={"category": "ngo"})
    assert "HALO" in ngos.text and ">Chile</a>" not in ngos.text


def test_add_delegation_and_refuse_an_invalid_one(app, client, login, make_event):
    event = make_event()
    login()
    added = client.post(
        f"/admin/events/{event.slug}/delegations",
        data={"name": "Switzerland", "category": "state_party", "country": "CH", "cap": ""},
    )
    assert added.status_code == 302
    assert count(app, Delegation, event_id=event.id, name="Switzerland") == 1
    refused = client.post(
        f"/admin/events/{event.slug}/delegations", data={"name": "Atlantis", "category": "kingdom"}
    )
    assert refused.status_code == 422
    assert "Unknown category" in refused.text
    assert 'id="new-category-error"' in refused.text
    assert count(app, Delegation, event_id=event.id) == 1


def test_import_of_a_good_csv_creates_every_row(app, client, login, make_event):
    event = make_event()
    login()
    content = (
        "name,category,country,cap,focal_point_name,focal_point_email\n"
        "Colombia,state party,CO,,Ana Pérez,ana@example.org\n"
        "Japan,state_party,JP,4,,\n"
        "Humanity & Inclusion,ngo,,,,\n"
    ).encode()
    response = client.post(
        f"/admin/events/{event.slug}/delegations/import",
        data={"file": (io.BytesIO(content), "delegations.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "3 delegations were imported from delegations.csv." in response.text
    with app.app_context():
        rows = db.session.execute(select(Delegation).filter_by(event_id=event.id).order_by(Delegation.name))
        assert [(d.name, d.country, d.cap_override) for d in rows.scalars()] == [
            ("Colombia", "CO", None),
            ("Humanity & Inclusion", None, None),
            ("Japan", "JP", 4),
        ]


def test_import_of_an_xlsx_with_one_bad_row_writes_nothing(app, client, login, make_event):
    event = make_event()
    login()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Name", "Category", "Country", "Cap"])
    sheet.append(["Norway", "State party", "NO", 3])
    sheet.append(["Atlantis", "State party", "Atlantis", 3])
    sheet.append(["European Union", "IGO", None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    response = client.post(
        f"/admin/events/{event.slug}/delegations/import",
        data={"file": (io.BytesIO(buffer.getvalue()), "list.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Nothing was imported: 1 row needs correcting." in response.text
    assert "<li>Row 3: " in response.text
    assert "Unknown country “Atlantis”" in response.text
    assert count(app, Delegation, event_id=event.id) == 0


def test_import_of_another_kind_of_file_says_nothing_was_imported(app, client, login, make_event):
    event = make_event()
    login()
    response = client.post(
        f"/admin/events/{event.slug}/delegations/import",
        data={"file": (io.BytesIO(b"%PDF-1.4"), "list.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Nothing was imported. Upload a .csv or .xlsx file." in response.text


def test_lowering_a_cap_below_places_used_warns(app, client, login, make_delegation, make_participant):
    delegation = make_delegation(name="Chile")
    for _n in range(3):
        make_participant(delegation)
    login()
    with app.app_context():
        slug = db.session.get(Delegation, delegation.id).event.slug
    response = client.post(
        f"/admin/events/{slug}/delegations/{delegation.id}/cap", data={"cap": "2"}, follow_redirects=True
    )
    assert "The cap of Chile is now 2." in response.text
    assert "Chile already has 3 participants in person, more than the new cap of 2." in response.text
    assert "Over the cap" in response.text
    with app.app_context():
        assert db.session.get(Delegation, delegation.id).cap_override == 2
        entry = db.session.execute(select(AuditEntry).filter_by(action="delegation.cap")).scalar_one()
        assert entry.changes == {"cap_override": [None, 2]}
    refused = client.post(f"/admin/events/{slug}/delegations/{delegation.id}/cap", data={"cap": "-1"})
    assert refused.status_code == 422
    assert "Chile: The cap must be a whole number from 0 to 1000." in refused.text
    reset = client.post(
        f"/admin/events/{slug}/delegations/{delegation.id}/cap", data={"cap": ""}, follow_redirects=True
    )
    assert "The cap of Chile is now 3." in reset.text
    assert "Over the cap" not in reset.text


def test_a_new_private_link_works_and_the_old_one_stops(app, client, login, make_delegation, delegation_link):
    delegation = make_delegation(name="Chile")
    old = delegation_link(delegation)
    focal_point = app.test_client()
    assert focal_point.get(f"/d/{old}/").status_code == 303
    assert focal_point.get("/delegation/").status_code == 200
    login()
    with app.app_context():
        slug = db.session.get(Delegation, delegation.id).event.slug
    response = client.post(f"/admin/events/{slug}/delegations/{delegation.id}/link")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "The old link of this delegation no longer works." in response.text
    link = re.search(r'id="new-link"[^>]*value="(http://localhost/d/[^"]+)"', response.text).group(1)
    assert focal_point.get("/delegation/").status_code == 403  # signed in through the old link
    assert focal_point.get(f"/d/{old}/").status_code == 404
    assert focal_point.get(link).status_code == 303
    assert focal_point.get("/delegation/").status_code == 200
    assert count(app, AuditEntry, action="delegation.link") == 1


# Participants and accreditation


def test_participants_filters_and_search(client, login, make_event, make_delegation, make_participant):
    event = make_event()
    chile = make_delegation(event, name="Chile")
    halo = make_delegation(event, name="HALO", category=Category.NGO, country=None)
    make_participant(chile, given_name="Ana", family_name="Rojas")
    make_participant(chile, given_name="Luis", family_name="Soto", status=Status.ACCREDITED)
    make_participant(halo, given_name="Mary", family_name="Smith", mode=Mode.ONLINE)
    login()
    url = f"/admin/events/{event.slug}/participants"
    page = client.get(url)
    assert "3 participants" in page.text and "Accredited</span>" in page.text
    assert "Rojas" in client.get(url, query_string={"q": "roj"}).text
    assert "Rojas" not in client.get(url, query_string={"q": "smith"}).text
    only_ngo = client.get(url, query_string={"category": "ngo"}).text
    assert "Smith" in only_ngo and "Soto" not in only_ngo
    online = client.get(url, query_string={"mode": "online"}).text
    assert "Smith" in online and "Rojas" not in online
    accredited = client.get(url, query_string={"status": "accredited", "delegation": chile.id}).text
    assert "Soto" in accredited and "Rojas" not in accredited


def test_participants_are_paginated(client, login, make_delegation, make_participant, app):
    delegation = make_delegation(cap_override=500)
    with app.app_context():
        event_id = delegation.event_id
        db.session.add_all(
            Participant(
                event_id=event_id, delegation_id=delegation.id, given_name="P", family_name=f"{n:03d}"
            )
            for n in range(105)
        )
        db.session.commit()
        slug = db.session.get(Event, event_id).slug
    login()
    first = client.get(f"/admin/events/{slug}/participants")
    assert "105 participants" in first.text and "page 1 of 2" in first.text
    assert first.text.count('name="ids"') == 100
    second = client.get(f"/admin/events/{slug}/participants", query_string={"page": 2})
    assert second.text.count('name="ids"') == 5


def test_bulk_accredit_says_how_many_and_sends_confirmations(
    app, client, login, make_delegation, make_participant
):
    delegation = make_delegation()
    ana = make_participant(delegation, email="ana@example.org")
    luis = make_participant(delegation, email="luis@example.org")
    login()
    with app.app_context():
        slug = db.session.get(Delegation, delegation.id).event.slug
    response = client.post(
        f"/admin/events/{slug}/participants/status",
        data={"action": "accredit", "ids": [ana.id, luis.id], "status": "pending"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/events/{slug}/participants?status=pending"
    assert "2 participants accredited." in client.get(response.headers["Location"]).text
    assert status_of(app, ana.id) == status_of(app, luis.id) == Status.ACCREDITED
    assert len(list(Path(app.config["MAIL_OUTBOX"]).glob("*.eml"))) == 2


def test_bulk_accredit_over_the_cap_rolls_back_all(
    app, client, login, make_event, make_delegation, make_participant
):
    event = make_event(default_cap=3)
    roomy = make_delegation(event, name="Austria")
    full = make_delegation(event, name="Belgium", country="BE", cap_override=1)
    fine = make_participant(roomy)
    first = make_participant(full, given_name="Ann", family_name="Peeters")
    second = make_participant(full, given_name="Bart", family_name="Janssens")
    login()
    response = client.post(
        f"/admin/events/{event.slug}/participants/status",
        data={"action": "accredit", "ids": [fine.id, first.id, second.id]},
    )
    assert response.status_code == 409
    assert "Nothing was changed: none of the 3 selected participants were updated." in response.text
    assert (
        "Ann Peeters could not be accredited: The delegation of Belgium has 1 of 1 places." in response.text
    )
    assert 'class="notice notice-error" role="alert"' in response.text
    assert 'class="row-pending row-failed"' in response.text
    for participant in (fine, first, second):
        assert status_of(app, participant.id) == Status.PENDING
    assert count(app, AuditEntry, action="participant.accredited") == 0


def test_reject_one_from_its_row(app, client, login, make_participant):
    participant = make_participant(given_name="Ana", family_name="Rojas")
    login()
    with app.app_context():
        slug = db.session.get(Event, participant.event_id).slug
    response = client.post(
        f"/admin/events/{slug}/participants/status",
        data={"single": f"reject:{participant.id}", "ids": ["999999"]},
        follow_redirects=True,
    )
    assert "1 participant rejected." in response.text
    assert status_of(app, participant.id) == Status.REJECTED
    refused = client.post(
        f"/admin/events/{slug}/participants/status", data={"single": f"accredit:{participant.id}"}
    )
    assert refused.status_code == 409
    assert "Ana Rojas could not be accredited: The status “Rejected” cannot change to “Accredited”." in (
        refused.text
    )


def test_status_change_of_another_events_participant_is_not_found(
    app, client, login, make_event, make_participant
):
    participant = make_participant()
    other = make_event()
    login()
    response = client.post(
        f"/admin/events/{other.slug}/participants/status", data={"single": f"accredit:{participant.id}"}
    )
    assert response.status_code == 404
    assert status_of(app, participant.id) == Status.PENDING
