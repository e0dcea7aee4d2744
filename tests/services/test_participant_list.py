"""The List of participants: grouping by category, alphabetical delegations, protocol order, PDF."""

from __future__ import annotations

import subprocess
import time

import pytest

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


def test_organisations_and_people_of_one_function_in_the_lists_collation(app, make_event):
    """Chinese by pinyin (北 běi before 中 zhōng, Han before Latin), Spanish with ñ after n: not by
    code point, nor with ñ as n."""
    event = make_event()
    with app.app_context():
        made = [
            Delegation(event_id=event.id, name=name, category=Category.NGO)
            for name in ("Amnesty International", "中国红十字会", "北京人权协会")
        ]
        db.session.add_all(made)
        db.session.flush()
        amnesty = made[0]
        people = [
            ("伟", "张"),
            ("明", "王"),
            ("娜", "李"),
            ("Ana", "Núñez"),
            ("Luis", "Nuzman"),
            ("Eva", "Nunez"),
        ]
        db.session.add_all([accredited(amnesty, given, family, "Delegate") for given, family in people])
        db.session.add_all([accredited(d, "Sam", "Lee") for d in made[1:]])
        db.session.commit()
        chinese = participant_list.sections(db.session, db.session.get(Event, event.id), "zh")
        spanish = participant_list.sections(db.session, db.session.get(Event, event.id), "es")
    assert [d.name for d in chinese[0].delegations] == [
        "北京人权协会",
        "中国红十字会",
        "Amnesty International",
    ]
    assert [name for name, _f in chinese[0].delegations[2].members][:3] == ["李娜", "王明", "张伟"]
    assert [name for name, _f in spanish[0].delegations[0].members][:3] == [
        "Eva NUNEZ",  # ñ after n (accents aside, Ana would come first)
        "Ana NÚÑEZ",
        "Luis NUZMAN",
    ]


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
    assert [f"Page {n} of {pages}" in english for n in range(1, pages + 1)] == [True] * pages
    assert "张伟" in english  # family name first, as its owner writes it
    assert "العبيدي" in english or "يديبعلا" in english  # extracted in logical or visual order
    assert "LISTE DES PARTICIPANTS" in french and "ÉTATS PARTIES" in french
    assert "Pending Person" not in english


FOLIOS = {
    # language: the last page's folio, as that language's UN documents write it
    "fr": "Page {n} sur {n}",
    "zh": "第 {n} 页，共 {n} 页",
    "ar": "",
    "ru": "Страница {n} из {n}",
}


@pytest.mark.parametrize("language", list(FOLIOS))
def test_the_page_numbers_read_as_a_sentence_of_the_list_language(app, make_event, tmp_path, language):
    event_id = a_conference(app, make_event)
    with app.app_context(), app.test_request_context():
        event = db.session.get(Event, event_id)
        html, folios = participant_list.document(db.session, event, language)
        if language == "ar":  # pdftotext gives Arabic in visual order: check the stylesheet instead
            assert 'content: "الصفحة " counter(page) " من " counter(pages);' in folios
            return
        text = pdf_text(participant_list.pdf_from(html, folios), tmp_path)
    assert FOLIOS[language].format(n=text.count("\f")) in text


def wait_for_pdf(client, url: str, seconds: float = 120):
    """GET url until the PDF is ready (200), as the progress page's reloads do; the last answer."""
    deadline = time.monotonic() + seconds
    while True:
        response = client.get(url)
        if response.status_code != 202 or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


def test_organizers_download_the_list(app, client, login, make_event, make_user):
    event_id = a_conference(app, make_event)
    with app.app_context():
        slug = db.session.get(Event, event_id).slug
    login(Role.DESK)
    assert client.get(f"/admin/events/{slug}/list-of-participants.pdf").status_code == 403
    client.post("/logout")
    login(Role.ORGANIZER)
    response = wait_for_pdf(client, f"/admin/events/{slug}/list-of-participants.pdf?language=fr")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")


def test_the_first_request_shows_a_page_that_waits_for_the_list_then_the_list(
    app, client, login, make_event, tmp_path
):
    event_id = a_conference(app, make_event)
    with app.app_context():
        slug = db.session.get(Event, event_id).slug
    login(Role.ORGANIZER)
    url = f"/admin/events/{slug}/list-of-participants.pdf?language=es"
    first = client.get(url)
    assert first.status_code == 202
    assert first.mimetype == "text/html"
    assert first.headers["Retry-After"] == "2"
    page = first.get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in page  # the page looks again by itself
    assert "<progress" in page and 'aria-busy="true"' in page
    assert "is being prepared" in page and "Español" in page
    ready = wait_for_pdf(client, url)
    assert ready.status_code == 200 and ready.data.startswith(b"%PDF")
    assert "Lista de participantes".upper() in pdf_text(ready.data, tmp_path)
    again = client.get(url)  # kept: served at once, the same file
    assert again.status_code == 200 and again.data == ready.data


def test_a_change_shows_in_the_next_list(app, client, login, make_event, tmp_path):
    event_id = a_conference(app, make_event)
    with app.app_context():
        slug = db.session.get(Event, event_id).slug
    login(Role.ORGANIZER)
    url = f"/admin/events/{slug}/list-of-participants.pdf?language=en"
    before = pdf_text(wait_for_pdf(client, url).data, tmp_path)
    assert "Jean ROUX" in before and "Pending Person" not in before
    with app.app_context():  # a participant accredited, another renamed, the event retitled
        pending = db.session.execute(db.select(Participant).filter_by(family_name="Person")).scalar_one()
        pending.status = Status.ACCREDITED
        roux = db.session.execute(db.select(Participant).filter_by(family_name="Roux")).scalar_one()
        roux.family_name = "Rousseau"
        db.session.get(Event, event_id).title = "Second Meeting of the States Parties"
        db.session.commit()
    assert client.get(url).status_code == 202  # not the kept one: it no longer shows the truth
    after = pdf_text(wait_for_pdf(client, url).data, tmp_path)
    assert "Pending PERSON" in after and "Jean ROUSSEAU" in after and "Jean ROUX" not in after
    assert "Second Meeting of the States Parties" in after
    with app.app_context():  # a delegation renamed (one that is not a State: shown as registered)
        icrc = db.session.execute(db.select(Delegation).filter_by(name="ICRC")).scalar_one()
        icrc.name = "ICRC Geneva"
        db.session.commit()
    assert "ICRC GENEVA" in pdf_text(wait_for_pdf(client, url).data, tmp_path)
    kept = list((tmp_path / "instance" / "list-of-participants").glob(f"{event_id}-en-*.pdf"))
    assert len(kept) == 1  # the older ones are dropped


def test_an_unknown_language_is_refused_with_a_sentence(app, client, login, make_event):
    event_id = a_conference(app, make_event)
    with app.app_context():
        slug = db.session.get(Event, event_id).slug
        with pytest.raises(participant_list.UnknownLanguage):
            participant_list.render_pdf(db.session, db.session.get(Event, event_id), "de")
    login(Role.ORGANIZER)
    response = client.get(f"/admin/events/{slug}/list-of-participants.pdf?language=de")
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    text = response.get_data(as_text=True)
    assert (
        "exists in English (en), French (fr), Spanish (es), Arabic (ar), Chinese (zh) and Russian (ru)"
        in text
    )
    assert "“de” is not one of them" in text
    french = client.get(f"/admin/events/{slug}/list-of-participants.pdf?language=xx&lang=fr")
    assert french.status_code == 400
    # in the reader's language
    assert "«\u00a0xx\u00a0» n’en fait pas partie" in french.get_data(as_text=True)


SIX = {
    # language: (first section's title, Norway, Algeria, a head of delegation, document direction)
    "en": ("States Parties", "Norway", "Algeria", "Head of delegation", "ltr"),
    "fr": ("États parties", "Norvège", "Algérie", "Chef de délégation", "ltr"),
    "es": ("Estados partes", "Noruega", "Argelia", "Jefe de delegación", "ltr"),
    "ar": ("الدول الأطراف", "النرويج", "الجزائر", "رئيس الوفد", "rtl"),
    "zh": ("缔约国", "挪威", "阿尔及利亚", "代表团团长", "ltr"),
    "ru": ("Государства-участники", "Норвегия", "Алжир", "Глава делегации", "ltr"),
}


@pytest.mark.parametrize("language", list(SIX))
def test_the_list_in_each_un_language(app, make_event, language):
    title, norway, algeria, head, direction = SIX[language]
    event_id = a_conference(app, make_event)
    with app.app_context(), app.test_request_context():
        event = db.session.get(Event, event_id)
        listed = participant_list.sections(db.session, event, language)
        html, _folios = participant_list.document(db.session, event, language)
    assert listed[0].title == title
    names = [d.name for d in listed[0].delegations]
    assert len(names) == 3 and norway in names and algeria in names  # and Ecuador; Sweden has nobody
    assert names.index(algeria) < names.index(norway)  # Algeria before Norway in every UN language
    norway_members = listed[0].delegations[names.index(norway)].members
    assert norway_members[0] == ("H.E. Ms. Anne ZETA", head)
    assert listed[1].delegations[0].members[0][0] == "张伟"  # Chinese names: family name first
    assert f'<html lang="{language}" dir="{direction}">' in html
