"""Organizers view, print and reissue badges from the participant list."""

from __future__ import annotations

import io
from datetime import timedelta

import zxingcpp
from PIL import Image
from sqlalchemy import select

from badges.codes import CodeKind, verify
from kiosk.extensions import db
from kiosk.models import Event, Participant, PrintJob, Role, Status
from kiosk.services import keys, printing


def test_badge_png_print_and_reissue(
    app, client, login, make_event, make_delegation, make_participant, tmp_path
):
    login(Role.ORGANIZER)
    event = make_event(slug="im")
    ana = make_participant(
        delegation=make_delegation(event=event), status=Status.ACCREDITED, given_name="Ana"
    )
    page = client.get("/admin/events/im/participants?status=accredited")
    assert "Print badge" in page.text and "Reissue" in page.text

    png = client.get(f"/admin/events/im/participants/{ana.id}/badge.png")
    assert png.mimetype == "image/png"
    (barcode,) = zxingcpp.read_barcodes(
        Image.open(io.BytesIO(png.data)), formats=zxingcpp.BarcodeFormat.QRCode
    )
    with app.app_context():
        row = db.session.get(Event, event.id)
        during = row.local_midnight(row.starts_on) + timedelta(hours=9)
        result = verify(
            barcode.text, keys.public_keys(db.session, row), event_id=row.id, kind=CodeKind.BADGE, now=during
        )
    assert result.ok and result.payload.participant_id == ana.id and result.payload.serial == 1

    no_printer = client.post(f"/admin/events/im/participants/{ana.id}/print-badge", follow_redirects=True)
    assert "notice-error" in no_printer.text
    with app.app_context():
        printing.save_printer(
            db.session,
            None,
            name="Card",
            kind="badge",
            connection={"type": "png_folder", "path": str(tmp_path / "badges")},
            badge_format="card",
        )
        db.session.commit()
    queued = client.post(
        f"/admin/events/im/participants/{ana.id}/print-badge?next=/admin/events/im/participants",
        follow_redirects=True,
    )
    assert "is queued on Card" in queued.text
    with app.app_context():
        assert db.session.execute(select(PrintJob.participant_id)).scalar_one() == ana.id

    reissued = client.post(f"/admin/events/im/participants/{ana.id}/reissue", follow_redirects=True)
    assert "no longer opens doors" in reissued.text
    with app.app_context():
        assert db.session.get(Participant, ana.id).badge_serial == 2


def test_pending_participants_have_no_badge_and_desk_cannot_use_organizer_pages(
    client, login, make_event, make_delegation, make_participant
):
    login(Role.ORGANIZER)
    event = make_event(slug="im")
    pending = make_participant(delegation=make_delegation(event=event))
    assert client.get(f"/admin/events/im/participants/{pending.id}/badge.png").status_code == 409
    assert client.get(f"/admin/events/other/participants/{pending.id}/badge.png").status_code == 404
