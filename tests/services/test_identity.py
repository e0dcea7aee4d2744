"""Identity after accreditation: a badge always names the person the secretariat approved."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from kiosk.extensions import db
from kiosk.models import AuditEntry, OutgoingMail, Participant, Role, Status
from kiosk.services import badging, registration, titles
from kiosk.services.audit import Actor
from kiosk.services.fields import BADGE_FIELDS, IDENTITY_FIELDS
from tests.conftest import bearer

FOCAL = Actor("delegation:test", Role.FOCAL_POINT)
ORGANIZER = Actor("user:test", Role.ORGANIZER)


def png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 80), colour).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def accredited(make_participant):
    """An accredited participant with an e-mail address, on badge serial 1."""
    return make_participant(
        title="ms",  # stored as its code (kiosk/services/titles.py)
        given_name="Ana",
        family_name="Rojas",
        function="delegate",  # a listed function, stored as its code
        family_name_first=False,
        email="ana.rojas@example.org",
        status=Status.ACCREDITED,
    )


def edit(app, participant_id: int, data: dict, actor: Actor) -> Participant:
    with app.app_context():
        participant = db.session.get(Participant, participant_id)
        registration.update_participant(db.session, participant, data, actor)
        db.session.commit()
        db.session.refresh(participant)
        db.session.expunge(participant)
        return participant


def mails(app, participant_id: int) -> int:
    with app.app_context():
        return db.session.execute(
            select(func.count()).select_from(OutgoingMail).filter_by(participant_id=participant_id)
        ).scalar_one()


def audit(app, participant_id: int) -> list[tuple[str, dict]]:
    with app.app_context():
        rows = db.session.execute(
            select(AuditEntry.action, AuditEntry.changes)
            .where(AuditEntry.entity == "participant", AuditEntry.entity_id == participant_id)
            .order_by(AuditEntry.id)
        ).all()
        return [(action, dict(changes)) for action, changes in rows]


def test_the_identity_and_badge_fields_are_declared_in_one_place():
    assert {"title", "given_name", "family_name", "badge_name", "gender", "photo"} <= IDENTITY_FIELDS
    assert {"title", "given_name", "family_name", "badge_name", "function", "photo"} <= BADGE_FIELDS
    assert "email" not in IDENTITY_FIELDS | BADGE_FIELDS


@pytest.mark.parametrize(
    ("change", "serial_rises"),
    [
        ({"family_name": "Rojas Díaz"}, True),
        ({"given_name": "Anabel"}, True),
        ({"title": "Dr."}, True),
        ({"badge_name": "ROJAS Ana"}, True),
        ({"gender": "female"}, False),  # who the person is, but not printed on the badge
    ],
)
def test_a_focal_point_changing_identity_sends_the_participant_back_to_pending(
    app, accredited, change, serial_rises
):
    edited = edit(app, accredited.id, change, FOCAL)
    assert edited.status == Status.PENDING
    assert edited.badge_serial == (2 if serial_rises else 1)
    entries = audit(app, accredited.id)
    update = next(changes for action, changes in entries if action == "participant.update")
    (name,) = change
    old = {
        "family_name": accredited.family_name,
        "given_name": "Ana",
        "title": "ms",
        "badge_name": "",
        "gender": "undisclosed",
    }
    assert update[name] == [old[name], titles.normalize(change[name]) if name == "title" else change[name]]
    if serial_rises:
        assert update["badge_serial"] == [1, 2]
    assert ("participant.pending", {"status": ["accredited", "pending"]}) in entries
    assert mails(app, accredited.id) == 0  # a new confirmation comes with the next accreditation


def test_a_new_function_or_email_keeps_the_accreditation(app, accredited):
    edited = edit(app, accredited.id, {"function": "Head of delegation"}, FOCAL)
    assert edited.status == Status.ACCREDITED
    assert edited.badge_serial == 2  # the function is printed on the badge
    assert mails(app, accredited.id) == 1  # the new code, with the new serial
    edited = edit(app, accredited.id, {"email": "a.rojas@example.org"}, FOCAL)
    assert edited.status == Status.ACCREDITED and edited.badge_serial == 2
    assert mails(app, accredited.id) == 1


def test_an_organizer_correcting_a_name_keeps_the_accreditation_and_revokes_the_badge(app, accredited):
    edited = edit(app, accredited.id, {"family_name": "Rojas Díaz"}, ORGANIZER)
    assert edited.status == Status.ACCREDITED
    assert edited.badge_serial == 2
    assert mails(app, accredited.id) == 1
    with app.app_context():
        participant = db.session.get(Participant, accredited.id)
        assert badging.badge_number(participant).endswith("-2")
        assert badging.badge_data(db.session, participant).name == "Ms. Ana ROJAS DÍAZ"


def test_an_edit_that_changes_nothing_changes_nothing(app, accredited):
    edited = edit(app, accredited.id, {"family_name": accredited.family_name}, FOCAL)
    assert edited.status == Status.ACCREDITED and edited.badge_serial == 1
    assert audit(app, accredited.id) == []


def test_a_new_photo_from_the_focal_point_needs_review_and_from_staff_does_not(app, accredited):
    with app.app_context():
        participant = db.session.get(Participant, accredited.id)
        registration.set_photo(db.session, participant, png((200, 0, 0)), "image/png", ORGANIZER)
        db.session.commit()
        assert (participant.status, participant.badge_serial) == (Status.ACCREDITED, 2)
        registration.set_photo(db.session, participant, png((0, 0, 200)), "image/png", FOCAL)
        db.session.commit()
        assert (participant.status, participant.badge_serial) == (Status.PENDING, 3)
    photo_changes = [changes["photo"] for action, changes in audit(app, accredited.id) if "photo" in changes]
    assert len(photo_changes) == 2
    assert photo_changes[0][0] is None and photo_changes[0][1] == photo_changes[1][0] != photo_changes[1][1]


def test_api_patch_by_the_focal_point_returns_pending(client, accredited, delegation_link, app):
    with app.app_context():
        delegation = db.session.get(Participant, accredited.id).delegation
    secret = delegation_link(delegation)
    response = client.patch(
        f"/api/v1/participants/{accredited.id}", json={"given_name": "Anabel"}, headers=bearer(secret)
    )
    assert response.status_code == 200
    assert response.json["status"] == "pending" and response.json["given_name"] == "Anabel"


def test_the_edit_page_says_so_before_and_after_saving(client, app, accredited, delegation_link):
    with app.app_context():
        delegation = db.session.get(Participant, accredited.id).delegation
    client.get(f"/d/{delegation_link(delegation)}/")
    form = client.get(f"/delegation/participants/{accredited.id}/edit")
    assert "Changing the title, a name or the gender sends them back to the secretariat" in form.text
    saved = client.post(
        f"/delegation/participants/{accredited.id}/edit",
        data={"given_name": "Anabel", "family_name": accredited.family_name},
        follow_redirects=True,
    )
    assert f"Anabel {accredited.family_name} is pending again" in saved.text
    page = client.get("/delegation/")
    assert "A new photo sends" not in page.text  # the hint is for accredited participants only
