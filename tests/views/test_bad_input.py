"""No 500 from input: every malformed, oversized or hostile value is a 4xx with a sentence."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from kiosk.models import Role, Status
from tests.conftest import bearer

HUGE = 2**64 + 1


@pytest.fixture
def world(make_event, make_delegation, make_participant, make_token, delegation_link):
    """An event, a delegation with its link and a participant, and an organizer token."""
    event = make_event()
    delegation = make_delegation(event=event, name="Chile")
    person = make_participant(delegation=delegation, status=Status.ACCREDITED)
    return {
        "event": event,
        "delegation": delegation,
        "person": person,
        "organizer": bearer(make_token(Role.ORGANIZER)),
        "focal": bearer(delegation_link(delegation)),
    }


def problem(response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.mimetype == "application/problem+json"
    assert response.json["detail"].endswith("."), response.json
    return response.json["detail"]


# Integers beyond 64 bits, and ids a column cannot hold


@pytest.mark.parametrize("ident", [str(HUGE), str(2**31), "99999999999999999999999", "²", "١"])
def test_path_ids_too_large_or_not_ascii_are_404(client, world, ident):
    response = client.get(f"/api/v1/participants/{ident}/badge.png", headers=world["organizer"])
    problem(response, 404)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (f"delegation_id={HUGE}", "delegation_id"),
        ("delegation_id=²", "delegation_id"),
        ("limit=-1", "limit"),
        ("limit=0", "limit"),
        ("limit=²", "limit"),
        (f"offset={HUGE}", "offset"),
        ("offset=-5", "offset"),
    ],
)
def test_query_numbers_out_of_range_are_422(client, world, query, field):
    response = client.get(
        f"/api/v1/events/{world['event'].slug}/participants?{query}", headers=world["organizer"]
    )
    problem(response, 422)
    assert field in response.json["errors"]


@pytest.mark.parametrize("value", [HUGE, True, "1", 1.5, -1, None])
def test_delegation_id_in_json_must_be_a_real_id(client, world, value):
    body = {"given_name": "Ana", "family_name": "Pérez", "delegation_id": value}
    response = client.post(
        f"/api/v1/events/{world['event'].slug}/participants", json=body, headers=world["organizer"]
    )
    problem(response, 422)
    assert "delegation_id" in response.json["errors"]


def test_a_focal_point_may_not_send_true_for_its_delegation(client, world):
    body = {"given_name": "Ana", "family_name": "Pérez", "delegation_id": True}
    response = client.post(
        f"/api/v1/events/{world['event'].slug}/participants", json=body, headers=world["focal"]
    )
    problem(response, 422)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"given_name": "\\ud800"}',  # a lone surrogate
        b'{"given_name": "Ana\\u0000"}',  # NUL, which PostgreSQL refuses
        b"[" * 5000 + b"]" * 5000,  # nested thousands deep
        b'{"a":' * 3000 + b"1" + b"}" * 3000,
        b'{"given_name": ',  # cut short
        b"\xff\xfe not utf-8",
        b"[1, 2]",  # not an object
    ],
)
def test_hostile_json_bodies_are_422(client, world, raw):
    response = client.patch(
        f"/api/v1/participants/{world['person'].id}",
        data=raw,
        content_type="application/json",
        headers=world["organizer"],
    )
    problem(response, 422)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/participants/{id}", {"delegation_id": 5}),
        ("/participants/{id}", {"status": "accredited"}),
        ("/participants/{id}", {"badge_serial": 9}),
        ("/participants/{id}/substitute", {"given_name": "Bea", "family_name": "Ruiz", "delegation_id": 5}),
        ("/participants/{id}/print", {"kinds": ["badge"], "copies": 3}),
    ],
)
def test_fields_a_caller_may_not_set_are_refused_not_ignored(client, world, path, body):
    method = client.patch if path == "/participants/{id}" else client.post
    response = method("/api/v1" + path.format(id=world["person"].id), json=body, headers=world["organizer"])
    problem(response, 422)
    assert set(response.json["errors"]) & set(body) - {"given_name", "family_name", "kinds"}


# Admin pages: non-ASCII digits, huge numbers, NUL


@pytest.mark.parametrize(
    "query", ["page=²", "page=١٢", f"page={HUGE}", "delegation=²", f"delegation={HUGE}", "page=-1"]
)
def test_admin_query_strings_with_odd_numbers_are_refused_with_a_sentence(client, login, world, query):
    login(Role.ORGANIZER)
    for page in ("participants", "delegations"):
        response = client.get(f"/admin/events/{world['event'].slug}/{page}?{query}")
        if page == "delegations" and query.startswith("delegation="):
            assert response.status_code == 200  # not a filter of this page
            continue
        assert response.status_code == 422, (page, query)
        assert "must be a whole number from" in response.text


@pytest.mark.parametrize(
    "form",
    [
        {"action": "accredit", "ids": "²"},
        {"action": "accredit", "ids": str(HUGE)},
        {"single": "accredit:²"},
        {"single": f"reject:{HUGE}"},
    ],
)
def test_admin_forms_with_odd_numbers_are_refused_with_a_sentence(client, login, world, form):
    login(Role.ORGANIZER)
    response = client.post(f"/admin/events/{world['event'].slug}/participants/status", data=form)
    assert response.status_code == 422
    assert "must be a whole number from" in response.text


def test_other_admin_forms_with_odd_numbers(client, login, world):
    login(Role.ORGANIZER)
    token = client.post("/admin/accounts/tokens", data={"name": "Kiosk 1", "role": "kiosk", "event_id": "²"})
    assert token.status_code == 422 and "must be a whole number from" in token.text
    moved = client.post("/admin/printers/jobs/1/move", data={"printer_id": str(HUGE)})
    assert moved.status_code in (404, 422)
    printer = client.post(
        "/admin/printers/new",
        data={"name": "Desk", "kind": "receipt", "type": "network", "host": "10.0.0.5", "port": "²"},
    )
    assert printer.status_code == 422 and "The port must be a number between 1 and 65535." in printer.text
    capped = client.post(f"/admin/events/{world['event'].slug}/delegations/{HUGE}/cap", data={"cap": "3"})
    assert capped.status_code == 404
    event = client.post(
        "/admin/events/new",
        data={
            "title": "X",
            "slug": "xx",
            "starts_on": "2026-01-01",
            "ends_on": "2026-01-02",
            "venue_name": "CICG",
            "venue_capacity": str(HUGE),
            "default_cap": "²",
        },
    )
    assert event.status_code == 422


def test_nul_anywhere_in_a_request_is_refused(client, login, world):
    login(Role.ORGANIZER)
    assert client.get("/admin/events/%00").status_code == 422
    assert client.get(f"/admin/events/{world['event'].slug}/participants?q=a%00b").status_code == 422
    api = client.get(f"/api/v1/events/{world['event'].slug}/participants?q=%00", headers=world["organizer"])
    problem(api, 422)


# Imports: CSV and XLSX that cannot be read


def import_file(client, event, name: str, content: bytes):
    return client.post(
        f"/admin/events/{event.slug}/delegations/import",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def xlsx_with_sheet(sheet_xml: bytes) -> bytes:
    """A real workbook whose first sheet's XML is replaced by `sheet_xml`."""
    book = openpyxl.Workbook()
    book.active.append(["name", "category"])
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = sheet_xml if item.filename == "xl/worksheets/sheet1.xml" else source.read(item)
            target.writestr(item, data)
    return out.getvalue()


SHEET_HEAD = b'<?xml version="1.0"?>'


def cell(ref: bytes, text: bytes) -> bytes:
    return b'<c r="' + ref + b'" t="inlineStr"><is><t>' + text + b"</t></is></c>"


def sheet_body(name: bytes) -> bytes:
    return (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + b'<row r="1">'
        + cell(b"A1", b"name")
        + cell(b"B1", b"category")
        + b"</row>"
        + b'<row r="2">'
        + cell(b"A2", name)
        + cell(b"B2", b"ngo")
        + b"</row>"
        + b"</sheetData></worksheet>"
    )


SHEET_BODY = sheet_body(b"&e;")
XXE = SHEET_HEAD + b'<!DOCTYPE worksheet [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + SHEET_BODY
LAUGHS = (
    SHEET_HEAD
    + b'<!DOCTYPE worksheet [<!ENTITY l0 "lol">'
    + b"".join(
        b'<!ENTITY l%d "&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;">' % ((i,) + (i - 1,) * 10)
        for i in range(1, 10)
    )
    + b'<!ENTITY e "&l9;">]>'
    + SHEET_BODY
)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("list.xlsx", b"PK\x03\x04 this is not really a zip"),
        ("list.xlsx", b"\x00" * 100),
        ("list.xlsx", b""),
        ("list.xlsx", "zip-not-xlsx"),
        ("list.xlsx", "xxe"),
        ("list.xlsx", "billion-laughs"),
        ("list.xlsx", "broken-sheet"),
    ],
)
def test_unreadable_or_hostile_xlsx_is_refused_with_a_sentence(client, login, world, name, content):
    if content == "zip-not-xlsx":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("hello.txt", "hello")
        content = buffer.getvalue()
    elif content == "xxe":
        content = xlsx_with_sheet(XXE)
    elif content == "billion-laughs":
        content = xlsx_with_sheet(LAUGHS)
    elif content == "broken-sheet":
        content = xlsx_with_sheet(b"<worksheet><sheetData><row><c>")
    login(Role.ORGANIZER)
    response = import_file(client, world["event"], name, content)
    assert response.status_code == 422
    assert "Nothing was imported." in response.text
    assert "root:" not in response.text  # nothing of /etc/passwd


def test_the_same_sheet_without_entities_imports(client, login, world):
    login(Role.ORGANIZER)
    response = import_file(
        client, world["event"], "list.xlsx", xlsx_with_sheet(SHEET_HEAD + sheet_body(b"HALO"))
    )
    assert response.status_code == 302  # so the refusals above come from the entities


def test_a_csv_field_longer_than_the_csv_module_allows_is_refused(client, login, world):
    login(Role.ORGANIZER)
    content = b"name,category\nChile," + b"x" * 200_000 + b"\n"
    response = import_file(client, world["event"], "list.csv", content)
    assert response.status_code == 422
    assert "Line 2 of the CSV file cannot be read" in response.text


# Names with control and bidi-override characters


@pytest.mark.parametrize("name", ["Chile\u202e", "\u2066Peru", "Bra\x07zil", "Nor\x85way", "Fi\u2028nland"])
def test_delegation_names_refuse_control_and_bidi_characters(client, login, world, name):
    login(Role.ORGANIZER)
    response = client.post(
        f"/admin/events/{world['event'].slug}/delegations", data={"name": name, "category": "ngo"}
    )
    assert response.status_code == 422
    assert "The delegation&#39;s name contains characters that are not allowed." in response.text
    imported = import_file(client, world["event"], "list.csv", f"name,category\n{name},ngo\n".encode())
    assert imported.status_code == 422 and "contains characters that are not allowed" in imported.text


@pytest.mark.parametrize("name", ["Ana\u202e", "\u2067Ana", "An\x1ba"])
def test_participant_names_refuse_control_and_bidi_characters(client, world, name):
    response = client.post(
        f"/api/v1/events/{world['event'].slug}/participants",
        json={"given_name": name, "family_name": "Pérez"},
        headers=world["focal"],
    )
    problem(response, 422)
    assert "given_name" in response.json["errors"]
