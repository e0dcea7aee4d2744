"""The check-in API as kiosks and the desk call it: codes, names with proof, refusals, roles, idempotency."""

from __future__ import annotations

import base64
import io

import pytest
from openapi_spec_validator import validate
from PIL import Image

from kiosk.extensions import db
from kiosk.models import CheckIn, Event, Participant, PrintJob, Role, Status
from kiosk.services import printing
from tests.checkin_fixtures import *  # noqa: F403 (fixtures)
from tests.checkin_fixtures import revoke_kiosk
from tests.conftest import bearer


def url(setting, tail: str = "") -> str:
    return f"/api/v1/events/{setting.slug}/checkins{tail}"


def test_kiosk_checks_in_by_code_and_follows_its_jobs(app, setting, kiosk_client, code_of):
    code = code_of(setting.ana)
    preview = kiosk_client.post(url(setting, "/preview"), json={"code": code})
    assert preview.status_code == 200, preview.json
    person = preview.json["participant"]
    assert person["name"] == "H.E. Ms. Ana PÉREZ SOTO" and person["delegation"] == "Chile"
    assert "email" not in person
    with app.app_context():
        assert db.session.query(CheckIn).count() == 0  # a preview changes nothing

    response = kiosk_client.post(url(setting), json={"code": code, "request_id": "r1"})
    assert response.status_code == 201, response.json
    body = response.json
    assert body["participant"]["id"] == setting.ana and body["badge_serial"] == 1
    assert body["kiosk"] == "Kiosk 1" and body["replayed"] is False
    assert {(j["kind"], j["printer"], j["status"]) for j in body["print_jobs"]} == {
        ("badge", "Printer 2", "queued"),
        ("receipt", "Receipts 2", "queued"),
    }
    job = kiosk_client.get(f"/api/v1/print-jobs/{body['print_jobs'][0]['id']}")
    assert job.status_code == 200 and set(job.json) >= {
        "id",
        "printer",
        "kind",
        "status",
        "attempts",
        "error",
    }

    again = kiosk_client.post(url(setting), json={"code": code}, headers={"Idempotency-Key": "r1"})
    assert again.status_code == 201 and again.json["replayed"] is True
    assert [j["id"] for j in again.json["print_jobs"]] == [j["id"] for j in body["print_jobs"]]

    refused = kiosk_client.post(url(setting), json={"code": code, "request_id": "r2"})
    assert refused.status_code == 409 and refused.json["code"] == "already_checked_in"
    assert refused.mimetype == "application/problem+json"
    assert (
        "Please go to the registration desk" not in refused.json["detail"]
    )  # the desk's call, said otherwise
    assert "registration desk" in refused.json["detail"]
    with app.app_context():
        row = db.session.query(CheckIn).one()
        assert row.kiosk_id == kiosk_client.kiosk_id and row.actor == f"kiosk:{kiosk_client.kiosk_id}"


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ("garbage", 404, "unknown_code"),
        ("tampered", 422, "invalid_code"),
        ("pending", 409, "not_accredited"),
    ],
)
def test_refusals_are_problems_with_a_sentence(app, setting, kiosk_client, code_of, change, status, code):
    text = code_of(setting.bruno if change == "pending" else setting.ana)
    if change == "garbage":
        text = "NOT-A-CODE"
    elif change == "tampered":
        text = text[:60] + ("Q" if text[60] != "Q" else "R") + text[61:]
    for tail in ("/preview", ""):
        response = kiosk_client.post(url(setting, tail), json={"code": text})
        assert response.status_code == status and response.json["code"] == code
        assert response.json["detail"].endswith(".") and len(response.json["detail"]) > 20
    if change == "pending":
        assert "Please go to the registration desk." in response.json["detail"]


def test_wrong_event_is_refused(
    app, setting, make_event, make_delegation, make_participant, code_of, kiosk_client
):
    other = make_delegation(event=make_event(title="Meeting of States Parties"), name="Peru")
    stranger = make_participant(other, status=Status.ACCREDITED)
    response = kiosk_client.post(url(setting), json={"code": code_of(stranger.id)})
    assert response.status_code == 403 and response.json["code"] == "wrong_event"
    assert "Meeting of States Parties" in response.json["detail"]


def test_refusal_in_the_kiosk_language(app, setting, kiosk_client, code_of):
    kiosk_client.get("/kiosk/?lang=fr")
    response = kiosk_client.post(url(setting), json={"code": code_of(setting.bruno)})
    assert response.json["detail"] == (
        "Votre inscription n’a pas encore été accréditée. Veuillez vous rendre au bureau d’inscription."
    )


def test_a_kiosk_needs_a_proof_to_check_in_by_name(app, setting, kiosk_client, reference_of):
    body = {"participant_id": setting.ana}
    response = kiosk_client.post(url(setting), json=body)
    assert response.status_code == 403 and response.json["code"] == "proof_mismatch"
    response = kiosk_client.post(url(setting), json={**body, "proof": "ana.perez@example"})
    assert response.status_code == 403
    response = kiosk_client.post(url(setting), json={**body, "proof": "ana.perez@example.org"})
    assert response.status_code == 403 and "e-mail address is not enough" in response.json["detail"]
    response = kiosk_client.post(url(setting), json={**body, "proof": reference_of(setting.ana).lower()})
    assert response.status_code == 201, response.json
    with app.app_context():
        assert db.session.query(CheckIn).one().method.value == "name"


def test_find_me_names_states_in_the_readers_language_and_order(
    app, setting, kiosk_client, make_delegation, make_participant, code_of
):
    with app.app_context():
        event = db.session.get(Event, setting.event_id)
    for name, country in (("Germany", "DE"), ("Algeria", "DZ")):
        accredited = {"status": Status.ACCREDITED, "given_name": "Eva", "family_name": "Pérez"}
        make_participant(make_delegation(event=event, name=name, country=country), **accredited)

    def found(language):
        answer = kiosk_client.get(url(setting, f"/find?family_name=pér&lang={language}")).json
        return [delegation["name"] for delegation in answer["delegations"]]

    assert found("en") == ["Algeria", "Chile", "Germany"]
    assert found("es") == ["Alemania", "Argelia", "Chile"]  # Germany first, as Spanish sorts it
    assert found("fr") == ["Algérie", "Allemagne", "Chili"]
    assert found("ar") == ["الجزائر", "ألمانيا", "شيلي"]  # the UN's Arabic order (hamza ignored)
    confirm = kiosk_client.post(url(setting, "/preview?lang=ar"), json={"code": code_of(setting.ana)})
    assert confirm.json["participant"]["delegation"] == "شيلي", confirm.json


def test_wrong_proofs_are_rate_limited(app, setting, kiosk_client, reference_of):
    app.config["KIOSK_RATE_LIMITS"] = {"proof_participant": (3, 600.0)}
    for _n in range(3):
        assert (
            kiosk_client.post(url(setting), json={"participant_id": setting.ana, "proof": "X"}).status_code
            == 403
        )
    response = kiosk_client.post(
        url(setting), json={"participant_id": setting.ana, "proof": reference_of(setting.ana)}
    )
    assert response.status_code == 429 and response.json["code"] == "too_many_attempts"
    assert "registration desk" in response.json["detail"]


def test_find_me_lists_names_by_delegation_never_emails(app, setting, kiosk_client):
    assert kiosk_client.get(url(setting, "/find?family_name=P")).json == {"delegations": []}
    found = kiosk_client.get(url(setting, "/find?family_name=pér")).json
    assert found == {
        "delegations": [
            {
                "id": setting.chile,
                "name": "Chile",
                "people": [
                    {
                        "id": setting.ana,
                        "name": "H.E. Ms. Ana PÉREZ SOTO",
                        "function": "Head of delegation",
                        "list_name": "PÉREZ SOTO, Ana",
                    }
                ],
            }
        ]
    }
    assert "@" not in str(found)


def test_find_me_lists_someone_checked_in_alike_and_their_proof_says_so(
    app, setting, kiosk_client, reference_of
):
    before = kiosk_client.get(url(setting, "/find?family_name=pér")).json
    proof = {"participant_id": setting.ana, "proof": reference_of(setting.ana)}
    assert kiosk_client.post(url(setting), json=proof).status_code == 201
    assert kiosk_client.get(url(setting, "/find?family_name=pér")).json == before  # nothing tells
    wrong = kiosk_client.post(url(setting, "/preview"), json={**proof, "proof": "X"})
    assert wrong.status_code == 403 and wrong.json["code"] == "proof_mismatch"
    refused = kiosk_client.post(url(setting, "/preview"), json=proof)
    assert refused.status_code == 409 and refused.json["code"] == "already_checked_in"
    assert "already checked in" in refused.json["detail"] and "registration desk" in refused.json["detail"]


def test_find_me_is_rate_limited(app, setting, kiosk_client):
    app.config["KIOSK_RATE_LIMITS"] = {"find": (2, 60.0)}
    codes = [kiosk_client.get(url(setting, "/find?family_name=pe")).status_code for _n in range(3)]
    assert codes == [200, 200, 429]


def test_desk_checks_in_by_participant_on_chosen_printers(app, setting, make_token):
    client = app.test_client()
    response = client.post(
        url(setting),
        json={"participant_id": setting.ana, "badge_printer_id": setting.badge_printer},
        headers=bearer(make_token(Role.DESK)),
    )
    assert response.status_code == 201, response.json
    assert response.json["kiosk"] is None
    with app.app_context():
        assert db.session.query(CheckIn).one().method.value == "desk"


def spanish_speaker(app, setting) -> None:
    with app.app_context():
        db.session.get(Participant, setting.ana).language = "es"
        db.session.commit()


def printed_receipt(app, tmp_path) -> bytes:
    with app.app_context():
        printing.process_print_jobs(db.session)
        db.session.commit()
    return (tmp_path / "receipt.bin").read_bytes()


@pytest.mark.parametrize(
    ("language", "help_line"),
    [("en", b"Help: the registration desk"), ("fr", b"Aide"), ("es", b"Ayuda: el mostrador")],
)
def test_a_kiosk_receipt_is_in_the_language_chosen_at_the_kiosk(
    app, setting, kiosk_client, reference_of, tmp_path, language, help_line
):
    spanish_speaker(app, setting)
    assert kiosk_client.get(f"/kiosk/flow?lang={language}").status_code == 200
    body = {"participant_id": setting.ana, "proof": reference_of(setting.ana)}
    response = kiosk_client.post(url(setting), json=body)
    assert response.status_code == 201, response.json
    with app.app_context():
        assert {job.language for job in db.session.query(PrintJob)} == {language}
    assert help_line in printed_receipt(app, tmp_path)


def test_a_desk_receipt_stays_in_the_participant_language(app, setting, make_token, tmp_path):
    spanish_speaker(app, setting)
    response = app.test_client().post(
        url(setting) + "?lang=en", json={"participant_id": setting.ana}, headers=bearer(make_token(Role.DESK))
    )
    assert response.status_code == 201, response.json
    receipt = printed_receipt(app, tmp_path)
    assert b"Ayuda: el mostrador" in receipt and b"Help:" not in receipt


def test_roles_and_revoked_kiosks(app, setting, make_token, kiosk_client, code_of):
    client = app.test_client()
    assert client.post(url(setting), json={"code": "X"}).status_code == 401
    assert (
        client.post(url(setting), json={"code": "X"}, headers=bearer(make_token(Role.SECURITY))).status_code
        == 403
    )
    client.set_cookie("kiosk_device", "not-a-device-secret")
    assert client.post(url(setting), json={"code": "X"}).status_code == 401
    revoke_kiosk(app, kiosk_client.kiosk_id)
    response = kiosk_client.post(url(setting), json={"code": code_of(setting.ana)})
    assert response.status_code == 401
    with app.app_context():
        assert db.session.get(Participant, setting.ana).status == Status.ACCREDITED
        assert db.session.query(CheckIn).count() == 0


def test_kiosk_cookie_requests_need_the_page_csrf_token(app, setting, kiosk_client, code_of):
    app.config["WTF_CSRF_ENABLED"] = True
    response = kiosk_client.post(url(setting), json={"code": code_of(setting.ana)})
    assert response.status_code == 403 and response.json["code"] == "csrf"
    assert kiosk_client.get(url(setting, "/find?family_name=pe")).status_code == 200  # reading needs none


def test_kiosk_of_one_event_cannot_use_another(app, setting, kiosk_client, make_event):
    other = make_event()
    response = kiosk_client.post(f"/api/v1/events/{other.slug}/checkins", json={"code": "X"})
    assert response.status_code == 404


def test_openapi_documents_the_check_in_routes(client):
    document = client.get("/api/v1/openapi.json").json
    validate(document)
    operation = document["paths"]["/api/v1/events/{slug}/checkins"]["post"]
    assert operation["responses"]["201"]
    for status, code in (
        ("404", "unknown_code"),
        ("422", "invalid_code"),
        ("403", "wrong_event"),
        ("409", "already_checked_in"),
    ):
        assert code in operation["responses"][status]["description"]


def test_preview_shows_the_photo(app, setting, kiosk_client, code_of):
    png = io.BytesIO()
    Image.new("RGB", (30, 40), (200, 100, 50)).save(png, format="PNG")
    with app.app_context():
        person = db.session.get(Participant, setting.ana)
        person.photo, person.photo_type = png.getvalue(), "image/png"
        db.session.commit()
    response = kiosk_client.post(url(setting, "/preview"), json={"code": code_of(setting.ana)})
    photo = response.json["participant"]["photo"]
    assert photo.startswith("data:image/png;base64,")
    assert base64.b64decode(photo.split(",", 1)[1]) == png.getvalue()


def test_the_arabic_keyboard_has_the_hamza_forms(app, setting, kiosk_client):
    page = kiosk_client.get("/kiosk/flow?lang=ar").get_data(as_text=True)
    for key in ("أ", "إ", "آ", "ة", "ى", "ء"):
        assert f'data-key="{key}"' in page, key


def test_a_one_character_chinese_family_name_is_enough_to_search():
    from kiosk.services import name_search

    assert name_search.searchable("王") and not name_search.searchable("w")
