"""The API's entry layer: input validated against the declared schema, one commit, 405 with Allow."""

from __future__ import annotations

from datetime import timedelta

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from sqlalchemy import func, select

from kiosk.extensions import db
from kiosk.models import Participant, Role, Status
from kiosk.models.base import utcnow
from tests.conftest import bearer
from tests.door.test_api import _setup, scan


@pytest.fixture
def organizer(make_token):
    return bearer(make_token(Role.ORGANIZER))


@pytest.fixture
def chile(make_event, make_delegation):
    return make_delegation(event=make_event(slug="im2024"), name="Chile")


def count_participants(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(Participant)).scalar_one()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", None, "Le champ «\xa0Titre\xa0» doit contenir du texte."),
        ("given_name", 7, "Le champ «\xa0Prénom\xa0» doit contenir du texte."),
        (
            "gender",
            "x",
            "Le champ «\xa0Genre\xa0» doit avoir l’une des valeurs suivantes\xa0: "
            "female, male, other, undisclosed.",
        ),
        ("nickname", "Ana", "Ce champ est inconnu."),
    ],
)
def test_a_body_the_document_refuses_is_a_422_per_field_in_the_readers_language(
    app, client, chile, organizer, field, value, message
):
    body = {"delegation_id": chile.id, "given_name": "Ana", "family_name": "Pérez", field: value}
    headers = {**organizer, "Accept-Language": "fr"}
    response = client.post("/api/v1/events/im2024/participants", json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "invalid"
    assert response.json["errors"] == {field: [message]}
    assert count_participants(app) == 0


def test_a_missing_required_field_is_named(client, chile, organizer):
    body = {"delegation_id": chile.id, "given_name": "Ana"}
    response = client.post("/api/v1/events/im2024/participants", json=body, headers=organizer)
    assert response.status_code == 422
    assert response.json["errors"] == {"family_name": ["Family name is required."]}


def test_null_for_a_text_field_is_refused_on_edit_and_substitution_too(client, make_participant, organizer):
    ana = make_participant(status=Status.ACCREDITED)
    patch = client.patch(f"/api/v1/participants/{ana.id}", json={"title": None}, headers=organizer)
    assert patch.status_code == 422 and "title" in patch.json["errors"]
    body = {"given_name": "Eva", "family_name": "Ruiz", "title": None}
    substitute = client.post(f"/api/v1/participants/{ana.id}/substitute", json=body, headers=organizer)
    assert substitute.status_code == 422 and "title" in substitute.json["errors"]


def test_an_unknown_participant_is_a_404_before_its_input_is_read(client, organizer):
    response = client.patch("/api/v1/participants/999", json={"title": None}, headers=organizer)
    assert response.status_code == 404


def test_printer_id_null_is_refused_and_an_unknown_printer_is_no_printer(client, make_participant, organizer):
    ana = make_participant(status=Status.ACCREDITED)
    null = client.post(f"/api/v1/participants/{ana.id}/print", json={"printer_id": None}, headers=organizer)
    assert null.status_code == 422
    assert null.json["errors"] == {"printer_id": ["printer_id must be a whole number from 1 to 2147483647."]}
    unknown = client.post(f"/api/v1/participants/{ana.id}/print", json={"printer_id": 99}, headers=organizer)
    assert unknown.status_code == 409 and unknown.json["code"] == "no_printer"


def test_query_parameters_are_validated_against_the_document(client, chile, organizer):
    bad = client.get("/api/v1/events/im2024/participants?status=gone&limit=0", headers=organizer)
    assert bad.status_code == 422
    assert set(bad.json["errors"]) == {"status", "limit"}
    good = client.get("/api/v1/events/im2024/participants?status=pending&limit=5", headers=organizer)
    assert good.status_code == 200 and good.json == []


def test_an_offline_scan_without_a_checkpoint_is_refused_alone(client, make_event, make_token):
    make_event(slug="im2024")
    at = (utcnow() - timedelta(minutes=1)).isoformat()
    item = {"code": "x", "direction": "in", "nonce": "n1", "scanned_at": at, "result": "accepted"}
    response = client.post(
        "/api/v1/events/im2024/scans/batch", json={"scans": [item]}, headers=bearer(make_token(Role.SECURITY))
    )
    assert response.status_code == 200, response.text
    [answer] = response.json["results"]
    assert answer["nonce"] == "n1"
    assert answer["error"]["code"] == "invalid"
    assert answer["error"]["errors"] == {"checkpoint": ["checkpoint is required."]}


@pytest.mark.parametrize("method", ["TRACE", "DELETE", "PUT"])
def test_a_method_the_path_has_not_is_a_405_that_says_which_it_has(client, organizer, method):
    response = client.open("/api/v1/events", method=method, headers=organizer)
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_the_entry_layer_commits_the_handlers_work(app, client, chile, organizer):
    body = {"delegation_id": chile.id, "given_name": "Ana", "family_name": "Pérez"}
    response = client.post("/api/v1/events/im2024/participants", json=body, headers=organizer)
    assert response.status_code == 201
    with app.app_context():
        db.session.remove()
        assert count_participants(app) == 1


def test_an_id_written_as_a_whole_float_is_that_id(client, chile, organizer):
    """JSON has one number type: 7.0 is 7, as JSON Schema (and so the document) reads it."""
    body = {"delegation_id": float(chile.id), "given_name": "Ana", "family_name": "Pérez"}
    response = client.post("/api/v1/events/im2024/participants", json=body, headers=organizer)
    assert response.status_code == 201, response.text
    assert response.json["delegation_id"] == chile.id


def test_answers_with_data_in_every_part_match_the_document(app, client, make_token):
    """The door's, the headcount's and the registration's answers, with venues, checkpoints,
    scans and refusals in them, match the schemas the document gives for them exactly."""
    slug, _event_id, _venue, pid, main, _side, _exit, code = _setup(app)
    security, organizer = make_token(Role.SECURITY), bearer(make_token(Role.ORGANIZER))
    document = client.get("/api/v1/openapi.json").json
    at = (utcnow() - timedelta(minutes=1)).isoformat()
    offline = {"code": code, "checkpoint": main, "direction": "out", "nonce": "o1", "scanned_at": at}
    answers = {
        ("/api/v1/events/{slug}/scans", "post"): scan(client, security, slug, code, main),
        ("/api/v1/events/{slug}/scans/batch", "post"): client.post(
            f"/api/v1/events/{slug}/scans/batch",
            json={"scans": [{**offline, "result": "accepted"}, {"nonce": "bad"}]},
            headers=bearer(security),
        ),
        ("/api/v1/events/{slug}/offline-bundle", "get"): client.get(
            f"/api/v1/events/{slug}/offline-bundle", headers=bearer(security)
        ),
        ("/api/v1/events/{slug}/headcount", "get"): client.get(
            f"/api/v1/events/{slug}/headcount", headers=organizer
        ),
        ("/api/v1/events", "get"): client.get("/api/v1/events", headers=organizer),
        ("/api/v1/events/{slug}/participants", "get"): client.get(
            f"/api/v1/events/{slug}/participants", headers=organizer
        ),
        ("/api/v1/events/{slug}/delegations", "get"): client.get(
            f"/api/v1/events/{slug}/delegations", headers=organizer
        ),
        ("/api/v1/participants/{participant_id}/badge/reissue", "post"): client.post(
            f"/api/v1/participants/{pid}/badge/reissue", headers=organizer
        ),
    }
    for (path, method), response in answers.items():
        assert response.status_code == 200, (path, response.text)
        schema = document["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
        validator = Draft202012Validator(
            {**schema, "components": document["components"]}, format_checker=FormatChecker()
        )
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(response.json)]
        assert errors == [], (path, errors)
    assert answers[("/api/v1/events/{slug}/headcount", "get")].json["by_checkpoint"]
    assert answers[("/api/v1/events/{slug}/offline-bundle", "get")].json["participants"]
