"""The registration API: contract paths, roles, problem+json errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from openapi_spec_validator import validate
from sqlalchemy import func, select

from kiosk.extensions import db
from kiosk.models import Delegation, Participant, Role, Status
from kiosk.models.base import utcnow
from tests.conftest import bearer

PERSON = {
    "given_name": "Ana",
    "family_name": "Pérez",
    "function": "Delegate",
    "gender": "female",
    "email": "ana.perez@example.org",
    "language": "es",
}


def person(n: int, **extra) -> dict:
    return {"given_name": f"Person{n}", "family_name": "Delegate", **extra}


def participants_in(app, delegation_id: int) -> int:
    with app.app_context():
        query = select(func.count()).select_from(Participant).filter_by(delegation_id=delegation_id)
        return db.session.execute(query).scalar_one()


@pytest.fixture
def chile(make_event, make_delegation):
    return make_delegation(event=make_event(slug="im2024"), name="Chile")


@pytest.fixture
def focal(chile, delegation_link):
    return bearer(delegation_link(chile))


def test_focal_point_registers_up_to_the_cap_then_gets_delegation_full(client, app, chile, focal):
    for n in range(3):
        response = client.post("/api/v1/events/im2024/participants", json=person(n), headers=focal)
        assert response.status_code == 201, response.json
        assert response.json["status"] == "pending" and response.json["delegation_id"] == chile.id
    response = client.post("/api/v1/events/im2024/participants", json=person(4), headers=focal)
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    body = response.json
    assert body["code"] == "delegation_full"
    assert body["detail"].startswith("The delegation of Chile has 3 of 3 places.")
    assert {"type", "title", "status", "detail", "code"} <= set(body)
    online = client.post("/api/v1/events/im2024/participants", json=person(5, mode="online"), headers=focal)
    assert online.status_code == 201
    me = client.get("/api/v1/delegations/me", headers=focal).json
    assert (me["cap"], me["places_used"], len(me["participants"])) == (3, 3, 4)


def test_substitute_at_three_of_three(client, chile, focal):
    ids = [
        client.post("/api/v1/events/im2024/participants", json=person(n), headers=focal).json["id"]
        for n in range(3)
    ]
    response = client.post(f"/api/v1/participants/{ids[0]}/substitute", json=PERSON, headers=focal)
    assert response.status_code == 201, response.json
    assert response.json["substitute_for_id"] == ids[0]
    statuses = {
        p["id"]: p["status"] for p in client.get("/api/v1/delegations/me", headers=focal).json["participants"]
    }
    assert statuses[ids[0]] == "withdrawn" and statuses[response.json["id"]] == "pending"


def test_invalid_input_is_422_with_field_errors_and_no_row(client, app, chile, focal):
    response = client.post(
        "/api/v1/events/im2024/participants",
        json={"given_name": "", "email": "not-an-address", "mode": "fax", "shoe": 42},
        headers=focal,
    )
    assert response.status_code == 422
    errors = response.json["errors"]
    assert set(errors) == {"given_name", "family_name", "email", "mode", "shoe"}
    assert response.json["code"] == "invalid"
    assert participants_in(app, chile.id) == 0
    not_json = client.post("/api/v1/events/im2024/participants", data="hello", headers=focal)
    assert not_json.status_code == 422


def test_deadline_passed_is_403_registration_closed(client, make_event, make_delegation, delegation_link):
    event = make_event(slug="late", registration_deadline=utcnow() - timedelta(minutes=1))
    delegation = make_delegation(event=event)
    response = client.post(
        "/api/v1/events/late/participants", json=PERSON, headers=bearer(delegation_link(delegation))
    )
    assert response.status_code == 403
    assert response.json["code"] == "registration_closed"


def test_no_token_wrong_token_wrong_role(client, chile, make_token):
    assert client.get("/api/v1/events").status_code == 401
    assert client.get("/api/v1/events", headers=bearer("forged")).status_code == 401
    assert client.get("/api/v1/events", headers={"Authorization": "Basic abc"}).status_code == 401
    kiosk = bearer(make_token(Role.KIOSK))
    assert client.get("/api/v1/events", headers=kiosk).status_code == 200
    response = client.get("/api/v1/events/im2024/participants", headers=kiosk)
    assert response.status_code == 403 and response.json["code"] == "forbidden"
    assert client.post("/api/v1/events/im2024/participants", json=PERSON, headers=kiosk).status_code == 403


def test_focal_point_cannot_touch_another_delegation(client, chile, focal, make_delegation, make_participant):
    other = make_participant(delegation=make_delegation(name="Peru"))
    assert (
        client.patch(f"/api/v1/participants/{other.id}", json={"function": "x"}, headers=focal).status_code
        == 404
    )
    assert client.post(f"/api/v1/participants/{other.id}/withdraw", headers=focal).status_code == 404
    assert client.post(f"/api/v1/participants/{other.id}/accredit", headers=focal).status_code == 403


def test_organizer_lists_accredits_and_rejects(client, app, chile, make_token, make_participant):
    organizer = bearer(make_token(Role.ORGANIZER))
    first = make_participant(delegation=chile, given_name="Lucía", email="lucia@example.org", language="es")
    second = make_participant(delegation=chile, given_name="Mateo")
    accredited = client.post(f"/api/v1/participants/{first.id}/accredit", headers=organizer)
    assert accredited.status_code == 200 and accredited.json["status"] == "accredited"
    assert (
        client.post(f"/api/v1/participants/{second.id}/reject", headers=organizer).json["status"]
        == "rejected"
    )
    again = client.post(f"/api/v1/participants/{second.id}/accredit", headers=organizer)
    assert again.status_code == 409 and again.json["code"] == "invalid_transition"
    listed = client.get("/api/v1/events/im2024/participants?status=accredited", headers=organizer)
    assert [p["id"] for p in listed.json] == [first.id]
    assert (
        client.get("/api/v1/events/im2024/participants?q=mat", headers=organizer).json[0]["id"] == second.id
    )
    assert client.get("/api/v1/events/im2024/participants?status=lost", headers=organizer).status_code == 422
    delegations = client.get("/api/v1/events/im2024/delegations", headers=organizer).json
    assert delegations == [
        {
            "id": chile.id,
            "name": "Chile",
            "category": "state_party",
            "country": "CL",
            "cap": 3,
            "places_used": 1,
            "focal_point_name": "",
            "names": {},
        }
    ]


def test_delegations_carry_an_organisation_s_names(client, app, chile, make_delegation, make_token):
    with app.app_context():
        event = db.session.get(Delegation, chile.id).event
        db.session.expunge(event)
    make_delegation(
        event=event, name="ICRC", category="icrc", country=None, names={"zh": {"name": "红十字会"}}
    )
    organizer = bearer(make_token(Role.ORGANIZER))
    listed = client.get(f"/api/v1/events/{event.slug}/delegations", headers=organizer).json
    names = {d["name"]: d["names"] for d in listed}
    assert names["Chile"] == {}  # a State: its UN names
    assert names["ICRC"]["zh"] == {"name": "红十字会"}  # the secretariat's own
    assert names["ICRC"]["fr"] == {  # the file's, where the secretariat left them
        "name": "Comité international de la Croix-Rouge",
        "after_delegation": "du Comité international de la Croix-Rouge",
    }
    assert names["ICRC"]["en"] == {"after_delegation": "of the International Committee of the Red Cross"}


def test_reinstate_brings_back_the_withdrawn_and_rejected_only(
    app, client, chile, focal, make_token, make_participant
):
    organizer = bearer(make_token(Role.ORGANIZER))
    withdrawn = make_participant(delegation=chile, status=Status.WITHDRAWN)
    rejected = make_participant(delegation=chile, status=Status.REJECTED)
    accredited = make_participant(delegation=chile, status=Status.ACCREDITED)
    back = client.post(f"/api/v1/participants/{withdrawn.id}/reinstate", headers=focal)
    assert back.status_code == 200 and back.json["status"] == "pending"
    back = client.post(f"/api/v1/participants/{rejected.id}/reinstate", headers=organizer)
    assert back.status_code == 200 and back.json["status"] == "pending"
    refused = client.post(f"/api/v1/participants/{accredited.id}/reinstate", headers=focal)
    assert refused.status_code == 409 and refused.json["code"] == "invalid_transition"
    with app.app_context():
        assert db.session.get(Participant, accredited.id).status == Status.ACCREDITED


def test_accredit_over_a_lowered_cap_is_delegation_full(client, app, chile, make_token, make_participant):
    organizer = bearer(make_token(Role.ORGANIZER))
    people = [make_participant(delegation=chile) for _ in range(3)]
    with app.app_context():
        db.session.get(Delegation, chile.id).cap_override = 2
        db.session.commit()
    response = client.post(f"/api/v1/participants/{people[0].id}/accredit", headers=organizer)
    assert response.status_code == 409 and response.json["code"] == "delegation_full"
    with app.app_context():
        assert db.session.get(Participant, people[0].id).status == Status.PENDING


def test_organizer_must_name_the_delegation(client, chile, make_token):
    organizer = bearer(make_token(Role.ORGANIZER))
    response = client.post("/api/v1/events/im2024/participants", json=PERSON, headers=organizer)
    assert response.status_code == 422 and "delegation_id" in response.json["errors"]
    response = client.post(
        "/api/v1/events/im2024/participants", json={**PERSON, "delegation_id": chile.id}, headers=organizer
    )
    assert response.status_code == 201


def test_duplicate_is_409(client, chile, focal):
    assert client.post("/api/v1/events/im2024/participants", json=PERSON, headers=focal).status_code == 201
    response = client.post("/api/v1/events/im2024/participants", json=PERSON, headers=focal)
    assert response.status_code == 409 and response.json["code"] == "duplicate_participant"


def test_event_scoped_token_sees_only_its_event(client, chile, make_event, make_token):
    other = make_event(slug="other")
    token = bearer(make_token(Role.DESK, event=other))
    assert [e["slug"] for e in client.get("/api/v1/events", headers=token).json] == ["other"]
    assert client.get("/api/v1/events/im2024/delegations", headers=token).status_code == 404


def test_events_list_has_contract_fields(client, chile, make_token):
    events = client.get("/api/v1/events", headers=bearer(make_token(Role.SECURITY))).json
    assert {"slug", "title", "starts_on", "ends_on", "venue", "registration_deadline", "default_cap"} <= set(
        events[0]
    )
    assert events[0]["registration_deadline"].endswith(("+01:00", "+02:00"))


def test_openapi_document_describes_every_contract_route(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    for path, method in [
        ("/api/v1/events", "get"),
        ("/api/v1/delegations/me", "get"),
        ("/api/v1/events/{slug}/delegations", "get"),
        ("/api/v1/events/{slug}/participants", "get"),
        ("/api/v1/events/{slug}/participants", "post"),
        ("/api/v1/participants/{participant_id}", "patch"),
        ("/api/v1/participants/{participant_id}/withdraw", "post"),
        ("/api/v1/participants/{participant_id}/substitute", "post"),
        ("/api/v1/participants/{participant_id}/accredit", "post"),
        ("/api/v1/participants/{participant_id}/reject", "post"),
    ]:
        assert method in spec["paths"][path], (path, method)
    post = spec["paths"]["/api/v1/events/{slug}/participants"]["post"]
    assert {"201", "409", "403", "422"} <= set(post["responses"])
    assert "delegation_full" in post["responses"]["409"]["description"]


def test_openapi_document_is_valid(client):
    validate(client.get("/api/v1/openapi.json").json)


def test_unknown_api_path_is_problem_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_the_name_order_is_read_and_written_through_the_api(client, chile, focal):
    made = client.post(
        "/api/v1/events/im2024/participants",
        json={"given_name": "Thị Minh Khai", "family_name": "Nguyễn"},
        headers=focal,
    )
    assert made.status_code == 201, made.json
    assert made.json["family_name_first"] is True  # defaulted: letters only Vietnamese uses
    pid = made.json["id"]
    changed = client.patch(f"/api/v1/participants/{pid}", json={"family_name_first": False}, headers=focal)
    assert changed.status_code == 200 and changed.json["family_name_first"] is False
    again = client.patch(f"/api/v1/participants/{pid}", json={"family_name_first": None}, headers=focal)
    assert again.json["family_name_first"] is True  # null: as usual again
    refused = client.patch(
        f"/api/v1/participants/{pid}", json={"family_name_first": "sometimes"}, headers=focal
    )
    assert refused.status_code in (400, 422)
    schema = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    assert schema["ParticipantPatch"]["properties"]["family_name_first"]["type"] == ["boolean", "null"]
