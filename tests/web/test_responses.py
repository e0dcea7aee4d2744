"""The responses pages and API build one way: a participant's photo."""

from __future__ import annotations

import pytest

from kiosk.extensions import db
from kiosk.models import Participant
from kiosk.services.errors import NotFound
from kiosk.web import responses


def test_a_photo_is_private_and_never_stored(app, make_participant):
    someone = make_participant(photo=b"\xff\xd8jpeg", photo_type="image/jpeg")
    with app.test_request_context():
        response = responses.photo(db.session.get(Participant, someone.id))
    assert response.mimetype == "image/jpeg"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.get_data() == b"\xff\xd8jpeg"


def test_no_photo_is_not_found(app, make_participant):
    someone = make_participant()
    with app.test_request_context(), pytest.raises(NotFound):
        responses.photo(db.session.get(Participant, someone.id))


def test_a_page_without_the_photo_answers_404(
    app, client, login, make_event, make_delegation, make_participant
):
    event = make_event()
    someone = make_participant(make_delegation(event))
    login()
    page = client.get(f"/admin/events/{event.slug}/participants/{someone.id}/photo")
    assert page.status_code == 404
