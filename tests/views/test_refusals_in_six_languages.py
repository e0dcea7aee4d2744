"""Refusals are whole sentences in the reader's language: no English word slips into Arabic or Russian."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

from kiosk.extensions import db
from kiosk.models import Event, Gender, Mode, Role, Status
from kiosk.models.base import utcnow

LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def notices(page: str) -> list[str]:
    """The text of the page's error notices (inline error and flashed ones)."""
    found = re.findall(r'<div class="notice notice-error"[^>]*>(.*?)</div>', page, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", text)).strip() for text in found]


def slug_of(app, event_id: int) -> str:
    with app.app_context():
        return db.session.get(Event, event_id).slug


def test_accrediting_a_withdrawn_participant_is_refused_in_arabic(app, client, login, make_participant):
    participant = make_participant(
        given_name="ليلى", family_name="الحداد", status=Status.WITHDRAWN, gender=Gender.FEMALE
    )
    login(Role.ORGANIZER)
    client.get("/admin/?lang=ar")
    response = client.post(
        f"/admin/events/{slug_of(app, participant.event_id)}/participants/status",
        data={"single": f"accredit:{participant.id}"},
    )
    assert response.status_code == 409
    (refusal,) = notices(response.text)
    assert refusal == "تعذّر اعتماد ليلى الحداد: لا يمكن تغيير الحالة «مسحوب» إلى «معتمَد»."
    assert not LATIN_WORD.search(refusal)


def test_a_full_delegation_is_refused_in_russian(
    client, make_event, make_delegation, make_participant, delegation_link
):
    delegation = make_delegation(event=make_event(default_cap=1), name="Казахстан", country="KZ")
    make_participant(delegation=delegation, given_name="Айгерим", family_name="Садыкова", mode=Mode.IN_PERSON)
    secret = delegation_link(delegation)
    client.get(f"/d/{secret}/?lang=ru", follow_redirects=True)
    response = client.post(
        "/delegation/participants",
        data={"given_name": "Иван", "family_name": "Петров", "mode": "in_person", "gender": "male"},
    )
    assert response.status_code == 409
    (refusal,) = notices(response.text)
    assert "Казахстан" in refusal and "1" in refusal
    assert not LATIN_WORD.search(refusal), refusal


def test_editing_a_withdrawn_participant_is_refused_in_russian(
    client, make_delegation, make_participant, delegation_link
):
    delegation = make_delegation(name="Казахстан")
    participant = make_participant(
        delegation=delegation, given_name="Айгерим", family_name="Садыкова", status=Status.WITHDRAWN
    )
    secret = delegation_link(delegation)
    client.get(f"/d/{secret}/?lang=ru", follow_redirects=True)
    response = client.post(
        f"/delegation/participants/{participant.id}/edit",
        data={"given_name": "Айгерим", "family_name": "Садыкова-Ли"},
    )
    assert response.status_code == 409
    (refusal,) = notices(response.text)
    assert refusal == "Айгерим Садыкова имеет статус «Отозван», изменить данные больше нельзя."
    assert not LATIN_WORD.search(refusal)


def test_registration_closed_is_refused_in_arabic_with_the_date_in_the_event_zone(
    client, make_event, make_delegation, delegation_link
):
    event = make_event(
        contact_email="",
        registration_deadline=utcnow() - timedelta(days=1),
        starts_on=date.today() + timedelta(days=5),
    )
    secret = delegation_link(make_delegation(event=event, name="الأردن"))
    client.get(f"/d/{secret}/?lang=ar", follow_redirects=True)
    response = client.post("/delegation/participants", data={"given_name": "علي", "family_name": "حسن"})
    assert response.status_code == 403
    (refusal,) = notices(response.text)
    assert "توقيت وسط أوروبا" in refusal  # the zone of the deadline is named, in Arabic
    assert "," not in refusal  # Arabic commas only
    without_title = refusal.replace("Intersessional Meetings", "")  # the event's own title is data
    assert not LATIN_WORD.search(without_title), refusal


def test_a_badge_for_a_pending_participant_is_refused_in_russian(app, client, login, make_participant):
    participant = make_participant(given_name="Иван", family_name="Петров", status=Status.PENDING)
    login(Role.ORGANIZER)
    client.get("/admin/?lang=ru")
    slug = slug_of(app, participant.event_id)
    response = client.post(
        f"/admin/events/{slug}/participants/{participant.id}/print-badge", follow_redirects=True
    )
    (refusal,) = notices(response.text)
    assert refusal == (
        "Иван Петров не аккредитован(а) (статус «На рассмотрении»); "
        "бейдж выдаётся только аккредитованным участникам."
    )
    assert not LATIN_WORD.search(refusal)
