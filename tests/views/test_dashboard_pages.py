"""The secretariat's pages: who may open them, exports, imports, the participant page, the audit log."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import AuditEntry, Event, Participant, Role, Status
from kiosk.services import registration
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
]


@pytest.mark.parametrize("path", PAGES)
def test_only_organizers_open_the_secretariat_pages(app, client, login, make_participant, path):
    someone = make_participant()
    url = path.format(slug=slug_of(app, someone.event_id), pid=someone.id)
    assert client.get(url).status_code == 302  # to the sign-in page
    login(Role.DESK)
    assert client.get(url).status_code == 403
    client.post("/logout")
    login(Role.ORGANIZER)
    assert client.get(url).status_code == 200


def test_an_export_is_a_download_and_is_audited(app, client, login, make_participant):
    someone = make_participant(given_name="=cmd")
    slug = slug_of(app, someone.event_id)
    login()
    response = client.get(f"/admin/events/{slug}/exports/participants.csv")
    assert response.headers["Content-Disposition"] == f'attachment; filename="{slug}-participants.csv"'
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
    assert sorted(names) == [("Ana", "Chef de la délégation"), ("Juan", "Délégué")]


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
