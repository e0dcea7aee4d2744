"""The List of participants: grouping by category, alphabetical delegations, protocol order, PDF."""

from __future__ import annotations

import subprocess

from kiosk.extensions import db
from kiosk.models import Category, Delegation, Event, Participant, Role, Status
from kiosk.services import participant_list


def accredited(
    delegation: Delegation, given: str, family: str, function: str = "", title: str = ""
) -> Participant:
    return Participant(
        event_id=delegation.event_id,
        delegation_id=delegation.id,
        given_name=given,
        family_name=family,
        function=function,
        title=title,
        status=Status.ACCREDITED,
    )


def a_conference(app, make_event) -> int:
    event = make_event(title="Meeting of the States Parties")
    with app.app_context():
        made = {}
        for name, category, country in [
            ("Norway", Category.STATE_PARTY, "NO"),
            ("Algeria", Category.STATE_PARTY, "DZ"),
            ("Ecuador", Category.STATE_PARTY, "EC"),
            ("China", Category.STATE_NOT_PARTY, "CN"),
            ("ICRC", Category.ICRC, None),
            ("Humanity & Inclusion", Category.NGO, None),
            ("United Nations Mine Action Service", Category.UNITED_NATIONS, None),
            ("European Union", Category.IGO, None),
            ("Empty Mission", Category.STATE_PARTY, "SE"),
        ]:
            made[name] = Delegation(event_id=event.id, name=name, category=category, country=country)
            db.session.add(made[name])
        db.session.flush()
        norway, algeria = made["Norway"], made["Algeria"]
        db.session.add_all(
            [
                accredited(norway, "Ola", "Adviser", "Adviser"),
                accredited(norway, "Kari", "Berg", "Delegate"),
                accredited(norway, "Anne", "Zeta", "Head of Delegation", "H.E. Ms."),
                accredited(norway, "Per", "Alpha", "Deputy Head of Delegation"),
                accredited(norway, "Nils", "Aalto", "Delegate"),
                accredited(algeria, "أحمد", "العبيدي", "Chef de la délégation"),
                accredited(made["China"], "伟", "张", "Head of delegation"),
                accredited(made["Ecuador"], "María", "Ospina"),
                accredited(made["ICRC"], "Jean", "Roux"),
                accredited(made["Humanity & Inclusion"], "Sam", "Lee"),
                accredited(made["United Nations Mine Action Service"], "Eva", "Kim"),
                accredited(made["European Union"], "Otto", "Maier"),
                Participant(
                    event_id=event.id,
                    delegation_id=made["Empty Mission"].id,
                    given_name="Pending",
                    family_name="Person",
                    status=Status.PENDING,
                ),
            ]
        )
        db.session.commit()
    return event.id


def test_sections_follow_the_protocol(app, make_event):
    event_id = a_conference(app, make_event)
    with app.app_context():
        listed = participant_list.sections(db.session, db.session.get(Event, event_id), "en")
    assert [s.category for s in listed] == [
        Category.STATE_PARTY,
        Category.STATE_NOT_PARTY,
        Category.UNITED_NATIONS,
        Category.IGO,
        Category.ICRC,
        Category.NGO,
    ]
    assert [d.name for d in listed[0].delegations] == ["Algeria", "Ecuador", "Norway"]
    norway = listed[0].delegations[2]
    assert [name for name, _function in norway.members] == [
        "H.E. Ms. Anne ZETA",
        "Per ALPHA",
        "Nils AALTO",
        "Kari BERG",
        "Ola ADVISER",
    ]
    assert participant_list.count(listed) == 12  # the pending person is not listed


def test_french_list_names_states_in_french_and_sorts_them_so(app, make_event):
    event_id = a_conference(app, make_event)
    with app.app_context():
        listed = participant_list.sections(db.session, db.session.get(Event, event_id), "fr")
    assert [d.name for d in listed[0].delegations] == ["Algérie", "Équateur", "Norvège"]
    assert listed[0].title == "États parties"


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "list.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_the_pdf_has_sections_in_order_every_script_and_page_numbers(app, make_event, tmp_path):
    event_id = a_conference(app, make_event)
    with app.app_context():
        event = db.session.get(Event, event_id)
        english = pdf_text(participant_list.render_pdf(db.session, event, "en"), tmp_path)
        french = pdf_text(participant_list.render_pdf(db.session, event, "fr"), tmp_path)
    headings = [
        "STATES PARTIES",
        "STATES NOT PARTIES (OBSERVERS)",
        "UNITED NATIONS",
        "OTHER INTERNATIONAL ORGANIZATIONS",
        "INTERNATIONAL COMMITTEE OF THE RED CROSS",
        "NON-GOVERNMENTAL ORGANIZATIONS",
    ]
    positions = [english.index(h) for h in headings]
    assert positions == sorted(positions)
    assert "LIST OF PARTICIPANTS" in english and "Meeting of the States Parties" in english
    pages = english.count("\f")
    assert [f"Page {n} / {pages}" in english for n in range(1, pages + 1)] == [True] * pages
    assert "张伟" in english  # family name first, as its owner writes it
    assert "العبيدي" in english or "يديبعلا" in english  # extracted in logical or visual order
    assert "LISTE DES PARTICIPANTS" in french and "ÉTATS PARTIES" in french
    assert "Pending Person" not in english


def test_organizers_download_the_list(app, client, login, make_event, make_user):
    event_id = a_conference(app, make_event)
    with app.app_context():
        slug = db.session.get(Event, event_id).slug
    login(Role.DESK)
    assert client.get(f"/admin/events/{slug}/list-of-participants.pdf").status_code == 403
    client.post("/logout")
    login(Role.ORGANIZER)
    response = client.get(f"/admin/events/{slug}/list-of-participants.pdf?language=fr")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
