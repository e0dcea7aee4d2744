"""Who may do what: every HTML and API route, walked with every kind of caller, against one table.

To add a route: add a row to ACCESS (its endpoint, or "endpoint METHOD" when methods differ) with
the callers who may use it, and a value to PATH_VALUES for any new path parameter. A route
missing from the table fails the test, and so does a row for a route that no longer exists.

A caller is refused when the answer is 401, 403, 404 (a focal point asking for another
delegation's participant) or a redirect to the sign-in page; any other answer (200, 201, 302,
409, 422 …) means the route let the caller in. Staff use a signed-in session on pages and a
token of their role on the API; a focal point uses the session their private link gives on
pages and the link's secret as a token on the API.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from flask import Flask
from PIL import Image

from kiosk.extensions import db
from kiosk.models import (
    Authority,
    Checkpoint,
    CredentialDocument,
    DocumentKind,
    Event,
    Kiosk,
    Meeting,
    Participant,
    Role,
    Status,
)
from kiosk.services import auth, printing
from tests.conftest import PASSWORD, bearer

ANONYMOUS = "anonymous"
ORGANIZER = "organizer"
DESK = "desk"
KIOSK = "kiosk"
SECURITY = "security"
FOCAL_POINT = "focal point"  # of the participant's delegation
OTHER_FOCAL_POINT = "another delegation's focal point"

CALLERS = (ANONYMOUS, ORGANIZER, DESK, KIOSK, SECURITY, FOCAL_POINT, OTHER_FOCAL_POINT)
EVERYONE = frozenset(CALLERS)
STAFF = frozenset({ORGANIZER, DESK, KIOSK, SECURITY})
FOCAL_POINTS = frozenset({FOCAL_POINT, OTHER_FOCAL_POINT})
ANY_TOKEN = EVERYONE - {ANONYMOUS}

#: Who may use each route; everyone else must be refused.
ACCESS: dict[str, frozenset[str]] = {
    "static": EVERYONE,
    "favicon": EVERYONE,
    # Health, for load balancers and monitoring (no personal data, no secret)
    "health.healthz": EVERYONE,
    "health.readyz": EVERYONE,
    # Sign-in
    "auth.home": EVERYONE,
    "auth.login": EVERYONE,
    # Steps of a sign-in: without the right password given in this browser in the last five
    # minutes they only send back to /login (tests/views/test_second_factor.py).
    "second_factor.code": EVERYONE,
    "second_factor.enrol": EVERYONE,
    "second_factor.account": STAFF,
    "second_factor.reset": frozenset({ORGANIZER}),
    "auth.logout": STAFF,
    "auth.keep_alive": STAFF,
    # The private link signs anyone who holds it in; the pages need that session.
    "link.enter": EVERYONE,
    "registration.delegation": FOCAL_POINTS,
    "registration.add": FOCAL_POINTS,
    "registration.sign_out": FOCAL_POINTS,
    "registration.edit": frozenset({FOCAL_POINT}),
    "registration.substitute": frozenset({FOCAL_POINT}),
    "registration.withdraw": frozenset({FOCAL_POINT}),
    "registration.upload_photo": frozenset({FOCAL_POINT}),
    "registration.photo": frozenset({FOCAL_POINT}),
    "registration.confirmation_qr": frozenset({FOCAL_POINT}),
    "registration.upload_document": FOCAL_POINTS,
    "registration.replace_document": frozenset({FOCAL_POINT}),  # the document is of their delegation
    "registration.document_file": frozenset({FOCAL_POINT}),
    # Organizer pages
    "admin.index": frozenset({ORGANIZER}),
    "admin.new_event": frozenset({ORGANIZER}),
    "admin.event": frozenset({ORGANIZER}),
    "admin.add_meeting": frozenset({ORGANIZER}),
    "admin.delegation_list": frozenset({ORGANIZER}),
    "admin.add_delegation": frozenset({ORGANIZER}),
    "admin.import_delegations": frozenset({ORGANIZER}),
    "admin.set_cap": frozenset({ORGANIZER}),
    "admin.new_link": frozenset({ORGANIZER}),
    "admin.delegation_names": frozenset({ORGANIZER}),
    "admin.participants": frozenset({ORGANIZER}),
    "admin.change_status": frozenset({ORGANIZER}),
    "admin.badge_png": frozenset({ORGANIZER}),
    "admin.print_badge": frozenset({ORGANIZER}),
    "admin.reissue_badge": frozenset({ORGANIZER}),
    "accounts.index": frozenset({ORGANIZER}),
    "accounts.create_user": frozenset({ORGANIZER}),
    "accounts.set_active": frozenset({ORGANIZER}),
    "accounts.create_token": frozenset({ORGANIZER}),
    "accounts.revoke_token": frozenset({ORGANIZER}),
    "printers.index": frozenset({ORGANIZER}),
    "printers.new": frozenset({ORGANIZER}),
    "printers.edit": frozenset({ORGANIZER}),
    "printers.check": frozenset({ORGANIZER}),
    "printers.test_page": frozenset({ORGANIZER}),
    "printers.retry": frozenset({ORGANIZER}),
    "printers.cancel": frozenset({ORGANIZER}),
    "printers.move": frozenset({ORGANIZER}),
    # The secretariat's pages (#10)
    "dashboard.live": frozenset({ORGANIZER}),
    "dashboard.audit": frozenset({ORGANIZER}),
    "dashboard.participant": frozenset({ORGANIZER}),
    "dashboard.edit_participant": frozenset({ORGANIZER}),
    "dashboard.participant_status": frozenset({ORGANIZER}),
    "dashboard.participant_photo": frozenset({ORGANIZER}),
    "dashboard.list_of_participants": frozenset({ORGANIZER}),
    "dashboard.export": frozenset({ORGANIZER}),
    "dashboard.import_participants": frozenset({ORGANIZER}),
    "dashboard.preview_import": frozenset({ORGANIZER}),
    "dashboard.confirm_import": frozenset({ORGANIZER}),
    "dashboard.confirm_new_link": frozenset({ORGANIZER}),
    "dashboard.event_details": frozenset({ORGANIZER}),
    "dashboard.edit_meeting": frozenset({ORGANIZER}),
    "dashboard.venues": frozenset({ORGANIZER}),
    "dashboard.delegation_documents": frozenset({ORGANIZER}),
    "dashboard.upload_document": frozenset({ORGANIZER}),
    "dashboard.document_decision": frozenset({ORGANIZER}),
    "dashboard.replace_document": frozenset({ORGANIZER}),
    "dashboard.document_file": frozenset({ORGANIZER}),
    "dashboard.document_preview": frozenset({ORGANIZER}),
    "dashboard.credentials_report": frozenset({ORGANIZER}),
    "dashboard.credentials_download": frozenset({ORGANIZER}),
    # API (shared/API.md)
    "api_headcount.get_headcount": frozenset({ORGANIZER, DESK, SECURITY}),
    "api_headcount.stream": frozenset({ORGANIZER, DESK, SECURITY}),
    "api_meta.openapi": EVERYONE,
    "api_registration.list_events": ANY_TOKEN,
    "api_registration.my_delegation": FOCAL_POINTS,
    "api_registration.list_delegations": frozenset({ORGANIZER, DESK}),
    "api_registration.list_participants": frozenset({ORGANIZER, DESK}),
    "api_registration.create_participant": FOCAL_POINTS | {ORGANIZER},
    "api_registration.patch_participant": frozenset({FOCAL_POINT, ORGANIZER}),
    "api_registration.withdrawn_participant": frozenset({FOCAL_POINT, ORGANIZER}),
    "api_registration.pending_participant": frozenset({FOCAL_POINT, ORGANIZER}),
    "api_registration.substitute_participant": frozenset({FOCAL_POINT, ORGANIZER}),
    "api_registration.accredited_participant": frozenset({ORGANIZER}),
    "api_registration.rejected_participant": frozenset({ORGANIZER}),
    # The delegation in the path is not the focal points' own: they are refused
    # (tests/views/test_credentials.py shows a focal point reaching their own delegation's documents).
    "api_credentials.list_documents": frozenset({ORGANIZER}),
    "api_credentials.upload_document": FOCAL_POINTS | {ORGANIZER},  # the delegation is in the body
    "api_credentials.decide_document": frozenset({ORGANIZER}),
    "api_credentials.credentials_report": frozenset({ORGANIZER}),
    "api_badges.badge_png": frozenset({ORGANIZER, DESK}),
    "api_badges.badge_pdf": frozenset({ORGANIZER, DESK}),
    "api_badges.reissue_badge": frozenset({ORGANIZER, DESK}),
    "api_badges.print_participant": frozenset({ORGANIZER, DESK}),
    "api_badges.get_print_job": frozenset({ORGANIZER, DESK, KIOSK}),
    "api_badges.retry_print_job": frozenset({ORGANIZER}),
    "api_badges.cancel_print_job": frozenset({ORGANIZER}),
    "api_badges.move_print_job": frozenset({ORGANIZER}),
    # Door (security)
    "door.index": frozenset({ORGANIZER, SECURITY}),
    "door.scanner": frozenset({ORGANIZER, SECURITY}),
    "door.service_worker": EVERYONE,  # the scanner's script, no data
    "door_admin.checkpoints": frozenset({ORGANIZER}),
    "door_admin.add_checkpoint": frozenset({ORGANIZER}),
    "door_admin.edit_checkpoint": frozenset({ORGANIZER}),
    "door_admin.inside": frozenset({ORGANIZER}),
    "door_admin.inside_csv": frozenset({ORGANIZER}),
    "door_admin.resolve_conflict": frozenset({ORGANIZER}),
    "api_door.offline_bundle": frozenset({ORGANIZER, SECURITY}),
    "api_door.scan": frozenset({ORGANIZER, SECURITY}),
    "api_door.scan_batch": frozenset({ORGANIZER, SECURITY}),
    "api_door.participant_photo": frozenset({ORGANIZER, DESK, SECURITY}),
    "api_door.offline_photo": frozenset({ORGANIZER, SECURITY}),
    # The kiosk: its pages need an enrolled kiosk's device cookie, which no caller here holds (a user
    # with the kiosk role is not a kiosk); the enrolment page needs a one-time enrolment secret.
    "kiosk.start": frozenset(),
    "kiosk.flow": frozenset(),
    "kiosk.enrol": frozenset(),
    "kiosk_admin.index": frozenset({ORGANIZER}),
    "kiosk_admin.create": frozenset({ORGANIZER}),
    "kiosk_admin.update": frozenset({ORGANIZER}),
    "kiosk_admin.new_link": frozenset({ORGANIZER}),
    "kiosk_admin.revoke": frozenset({ORGANIZER}),
    "api_checkin.preview_checkin": frozenset({ORGANIZER, DESK, KIOSK}),
    "api_checkin.create_checkin": frozenset({ORGANIZER, DESK, KIOSK}),
    "api_checkin.find_participants": frozenset({ORGANIZER, DESK, KIOSK}),
    "api_checkin.send_checkin_code": frozenset({KIOSK}),
    # The registration desk
    "desk.index": frozenset({ORGANIZER, DESK}),
    "desk.search": frozenset({ORGANIZER, DESK}),
    "desk.participant": frozenset({ORGANIZER, DESK}),
    "desk.check_in": frozenset({ORGANIZER, DESK}),
    "desk.reprint": frozenset({ORGANIZER, DESK}),
    "desk.reissue": frozenset({ORGANIZER, DESK}),
    "desk.accredit": frozenset({ORGANIZER, DESK}),
    "desk.walk_in": frozenset({ORGANIZER, DESK}),
    "desk.photo": frozenset({ORGANIZER, DESK}),
    "desk.set_identity": frozenset({ORGANIZER, DESK}),
    "desk.jobs": frozenset({ORGANIZER, DESK}),
    "desk.job_action": frozenset({ORGANIZER, DESK}),
}

#: A value for each path parameter, from the world built below (a name → a function of it).
PATH_VALUES: dict[str, Callable[[dict], str]] = {
    "filename": lambda w: "css/app.css",
    "secret": lambda w: w["secret"],
    "slug": lambda w: w["slug"],
    "participant_id": lambda w: str(w["participant_id"]),
    "delegation_id": lambda w: str(w["spare_delegation_id"]),  # not the focal points' own
    "printer_id": lambda w: str(w["printer_id"]),
    "job_id": lambda w: str(w["job_id"]),
    "user_id": lambda w: str(w["spare_user_id"]),
    "token_id": lambda w: str(w["spare_token_id"]),
    "checkpoint_id": lambda w: str(w["checkpoint_id"]),
    "meeting_id": lambda w: str(w["meeting_id"]),
    "dataset": lambda w: "participants",
    "fmt": lambda w: "csv",
    "kiosk_id": lambda w: str(w["kiosk_id"]),
    "action": lambda w: "retry",  # the desk's print-job actions
    "scan_id": lambda w: "1",  # an organizer is let in (and told there is no such conflict)
    "document_id": lambda w: str(w["document_id"]),  # of the focal point's own delegation
    "report_format": lambda w: "xlsx",
}


def rules(app: Flask) -> Iterator[tuple[str, str, str]]:
    """(endpoint, method, rule) of every route, HEAD and OPTIONS aside."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, rule.rule


def allowed(endpoint: str, method: str) -> frozenset[str] | None:
    return ACCESS.get(f"{endpoint} {method}", ACCESS.get(endpoint))


def _tiny_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (6, 8), (200, 170, 140)).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def world(app, make_event, make_delegation, make_participant, make_user, make_token, tmp_path) -> dict:
    """An event, the focal points' two delegations and a spare one, an accredited participant with a
    photo, printers, a print job, a spare user and token. The event asks for identity details."""
    event = make_event(identity_details=True)
    own = make_delegation(event=event, name="Chile", focal_point_email="focal@example.org")
    other = make_delegation(event=event, name="Peru", country="PE")
    spare = make_delegation(event=event, name="Norway", country="NO")
    person = make_participant(
        delegation=own,
        status=Status.ACCREDITED,
        email="ana@example.org",
        photo=_tiny_jpeg(),  # a real image: the door's offline copy is made from it
        photo_type="image/jpeg",
    )
    with app.app_context():
        secrets = {}
        for key, delegation in (("secret", own), ("other_secret", other)):
            secrets[key] = auth.reset_delegation_link(db.session, db.session.merge(delegation))
        badge_printer = printing.save_printer(
            db.session,
            None,
            name="Badges",
            kind="badge",
            connection={"type": "png_folder", "path": str(tmp_path / "b")},
        )
        printing.save_printer(
            db.session,
            None,
            name="Receipts",
            kind="receipt",
            connection={"type": "file", "path": str(tmp_path / "r")},
        )
        job = printing.queue_print(db.session, db.session.get(Participant, person.id), "badge")
        checkpoint = Checkpoint(event_id=event.id, name="Main entrance")
        db.session.add(checkpoint)
        kiosk = Kiosk(event_id=event.id, name="Kiosk 1")
        db.session.add(kiosk)
        ev = db.session.get(Event, event.id)
        meeting = Meeting(
            event_id=event.id,
            title="Preparatory meeting",
            starts_at=ev.local_midnight(ev.starts_on) + timedelta(hours=15),
            ends_at=ev.local_midnight(ev.starts_on) + timedelta(hours=18),
        )
        db.session.add(meeting)
        document = CredentialDocument(
            event_id=event.id,
            delegation_id=own.id,
            kind=DocumentKind.NOTE_VERBALE,
            authority=Authority.PERMANENT_MISSION,
            content=b"%PDF-1.7 stand-in",
            content_type="application/pdf",
            preview=b"\x89PNG\r\n\x1a\n",
        )
        db.session.add(document)
        db.session.commit()
        document_id = document.id
        printer_id, job_id, checkpoint_id, kiosk_id = badge_printer.id, job.id, checkpoint.id, kiosk.id
        meeting_id = meeting.id
    return {
        "slug": event.slug,
        "participant_id": person.id,
        "spare_delegation_id": spare.id,
        "printer_id": printer_id,
        "job_id": job_id,
        "checkpoint_id": checkpoint_id,
        "meeting_id": meeting_id,
        "kiosk_id": kiosk_id,
        "document_id": document_id,
        "spare_user_id": make_user(Role.DESK).id,
        "spare_token_id": 1,  # replaced below
        **secrets,
    }


class Callers:
    """Each caller's session cookie (pages) and bearer token (API), renewed when a route ends it."""

    def __init__(self, app: Flask, world: dict, make_user, make_token) -> None:
        self.app, self.world = app, world
        self.users = {role: make_user(Role(role)) for role in (ORGANIZER, DESK, KIOSK, SECURITY)}
        self.tokens = {role: make_token(Role(role)) for role in (ORGANIZER, DESK, KIOSK, SECURITY)}
        self.tokens[FOCAL_POINT] = world["secret"]
        self.tokens[OTHER_FOCAL_POINT] = world["other_secret"]
        with app.app_context():
            spare, _secret = auth.create_token(db.session, role=Role.KIOSK, name="spare")
            db.session.commit()
            world["spare_token_id"] = spare.id
        self.cookies: dict[str, str | None] = {ANONYMOUS: None}
        for caller in CALLERS[1:]:
            self.renew(caller)

    def renew(self, caller: str) -> None:
        """Sign the caller in again (after a sign-out) and keep the new session cookie."""
        client = self.app.test_client()
        if caller in self.users:
            response = client.post("/login", data={"email": self.users[caller].email, "password": PASSWORD})
        else:
            secret = self.world["secret" if caller == FOCAL_POINT else "other_secret"]
            response = client.get(f"/d/{secret}/")
        assert response.status_code in (302, 303), (caller, response.status_code)
        self.cookies[caller] = client.get_cookie("session").value

    def reset(self) -> None:
        """Undo what an earlier request did to the participant (withdrawn, rejected …)."""
        with self.app.app_context():
            participant = db.session.get(Participant, self.world["participant_id"])
            participant.status = Status.ACCREDITED
            db.session.commit()

    def request(self, caller: str, method: str, path: str, *, token: bool = True):
        """One request as `caller`, from a fresh client holding only the caller's session (and, on
        the API, their token unless `token` is False: staff pages call the API with the session)."""
        self.reset()
        client = self.app.test_client()
        if self.cookies[caller]:
            client.set_cookie("session", self.cookies[caller])
        api = path.startswith("/api/")
        headers = bearer(self.tokens[caller]) if api and token and caller in self.tokens else {}
        kwargs = {"json": {}} if api and method != "GET" else {}
        return client.open(path, method=method, headers=headers, **kwargs)


def refused(response) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    return response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


def test_every_route_has_a_row_and_every_row_a_route(app):
    endpoints = {endpoint for endpoint, _method, _rule in rules(app)}
    missing = sorted(
        e for e in endpoints if e not in ACCESS and not any(k.startswith(e + " ") for k in ACCESS)
    )
    assert not missing, f"Routes missing from ACCESS in tests/test_access.py: {missing}"
    stale = sorted(k for k in ACCESS if k.split(" ")[0] not in endpoints)
    assert not stale, f"Rows of ACCESS for routes that no longer exist: {stale}"


def test_every_route_with_every_caller_matches_the_table(app, world, make_user, make_token):
    callers = Callers(app, world, make_user, make_token)
    mismatches, missing = [], []
    for endpoint, method, rule in rules(app):
        who = allowed(endpoint, method)
        if who is None:
            missing.append(endpoint)
            continue
        path = rule
        for name in rule.split("<")[1:]:
            parameter = name.split(">")[0]
            value_of = PATH_VALUES.get(parameter.split(":")[-1])
            assert value_of, f"Add a value for the path parameter {parameter!r} to PATH_VALUES"
            path = path.replace(f"<{parameter}>", value_of(world))
        attempts = [(caller, True) for caller in CALLERS]
        if path.startswith("/api/"):  # staff pages call the API with the signed-in session instead
            attempts += [(caller, False) for caller in sorted(STAFF)]
        for caller, token in attempts:
            response = callers.request(caller, method, path, token=token)
            response.close()
            assert response.status_code < 500, (caller, method, path, response.text[:300])
            if refused(response) == (caller in who):
                verdict = "refused" if refused(response) else "let in"
                how = "" if token else " (session, no token)"
                mismatches.append(f"{method} {path} as {caller}{how}: {verdict} ({response.status_code})")
            if endpoint in ("auth.logout", "registration.sign_out") and caller in who:
                callers.renew(caller)
    assert not missing, f"Routes missing from ACCESS: {missing}"
    assert not mismatches, "\n".join(mismatches)
