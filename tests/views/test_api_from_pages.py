"""Our own pages call the API with the signed-in user's session, and a CSRF token for changes."""

from __future__ import annotations

import re

from kiosk.models import Role, Status


def page_token(client) -> str:
    html = client.get("/admin/").get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


def test_a_signed_in_organizer_reads_the_api_without_a_token(client, login, make_event):
    make_event(slug="im2030")
    assert client.get("/api/v1/events").status_code == 401
    login(Role.ORGANIZER)
    response = client.get("/api/v1/events")
    assert response.status_code == 200
    assert "im2030" in [e["slug"] for e in response.get_json()]


def test_a_change_from_a_page_needs_the_csrf_token(app, client, login, make_participant):
    person = make_participant(status=Status.PENDING)
    login(Role.ORGANIZER)
    app.config["WTF_CSRF_ENABLED"] = True
    refused = client.post(f"/api/v1/participants/{person.id}/accredit")
    assert refused.status_code == 403
    assert refused.get_json()["code"] == "csrf"
    accepted = client.post(
        f"/api/v1/participants/{person.id}/accredit", headers={"X-CSRFToken": page_token(client)}
    )
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["status"] == "accredited"


def test_the_role_still_decides(client, login, make_participant):
    person = make_participant(status=Status.PENDING)
    login(Role.SECURITY)
    response = client.post(f"/api/v1/participants/{person.id}/accredit")
    assert response.status_code == 403
    assert response.get_json()["code"] == "forbidden"
