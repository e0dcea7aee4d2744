"""flask --app kiosk purge-personal-data: names, e-mails, photos, codes and links of events that
ended long ago go (rows, mail, files); the counts stay, and events still recent are untouched."""

from __future__ import annotations

import os
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from kiosk.extensions import db
from kiosk.models import (
    AuditEntry,
    Base,
    Counter,
    Gender,
    OutgoingMail,
    Participant,
    Printer,
    Role,
    Status,
)
from kiosk.services import counters, printing
from kiosk.services.retention import PURGED
from tests.conftest import bearer

OLD_SECRETS = ("Zelinda", "Quartermaine", "zelinda.q@example.org", "Oddsworth", "Quirinus", "quirinus.fp@")


def everything_stored(app) -> str:
    """Every value of every row of every table, as one text (bytes read as Latin-1)."""
    parts = []
    with app.app_context():
        for table in Base.metadata.sorted_tables:
            for row in db.session.execute(select(table)):
                for value in row:
                    parts.append(value.decode("latin-1") if isinstance(value, bytes) else str(value))
    return "\n".join(parts)


def event_counters(app, event_id: int) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(select(Counter.name, Counter.value).where(Counter.event_id == event_id))
        return {name: value for name, value in rows}


def age(path, days: int) -> None:
    then = time.time() - days * 86400
    os.utime(path, (then, then))


@pytest.fixture
def world(app, make_event, make_delegation, make_participant, make_token, delegation_link, tmp_path):
    """An event that ended 100 days ago (checked in, mailed, printed) and one still to come."""
    today = date.today()
    old = make_event(starts_on=today - timedelta(days=103), ends_on=today - timedelta(days=100))
    recent = make_event()
    focal = make_delegation(
        event=old,
        name="Chile",
        focal_point_name="Quirinus Focal",
        focal_point_email="quirinus.fp@example.org",
    )
    delegation_link(focal)
    zelinda = make_participant(
        focal,
        status=Status.ACCREDITED,
        given_name="Zelinda",
        family_name="Quartermaine",
        gender=Gender.FEMALE,
        function="Head of delegation",
        email="zelinda.q@example.org",
        photo=b"\xff\xd8 jpeg of Zelinda",
        photo_type="image/jpeg",
    )
    make_participant(
        focal, status=Status.PENDING, given_name="Bart", family_name="Oddsworth", gender=Gender.MALE
    )
    make_participant(make_delegation(event=recent), given_name="Ignatius", family_name="Recentperson")
    printed = tmp_path / "printed"
    with app.app_context():
        printing.save_printer(
            db.session,
            None,
            name="Badges",
            kind="badge",
            connection={"type": "png_folder", "path": str(printed)},
        )
        printing.save_printer(
            db.session,
            None,
            name="Receipts",
            kind="receipt",
            connection={"type": "folder", "path": str(printed / "receipts")},
        )
        db.session.add(
            OutgoingMail(
                recipient="zelinda.q@example.org", subject="Zelinda Quartermaine", message=b"Dear Zelinda"
            )
        )
        db.session.commit()
        reference = db.session.get(Participant, zelinda.id).reference
    checked_in = app.test_client().post(
        f"/api/v1/events/{old.slug}/checkins",
        json={"participant_id": zelinda.id},
        headers=bearer(make_token(Role.DESK)),
    )
    assert checked_in.status_code == 201, checked_in.json
    printed.mkdir(exist_ok=True)
    badge = printed / "Zelinda-QUARTERMAINE-20250101-101010-0123abcd.png"
    badge.write_bytes(b"png of Zelinda")
    (printed / "receipts").mkdir()
    receipt = printed / "receipts" / "receipt-7-20250101-101011-4567abcd.escpos"
    receipt.write_bytes(b"\x1b@Zelinda QUARTERMAINE")
    other = printed / "README.txt"  # not a badge this app wrote
    other.write_text("keep")
    outbox = tmp_path / "outbox"
    outbox.mkdir(exist_ok=True)
    mailed = outbox / "old.eml"
    mailed.write_text("To: zelinda.q@example.org")
    fresh = outbox / "fresh.eml"
    fresh.write_text("To: ignatius@example.org")
    for path in (badge, receipt, other, mailed):
        age(path, 100)
    return {
        "old": old,
        "recent": recent,
        "reference": reference,
        "badge": badge,
        "receipt": receipt,
        "other": other,
        "mailed": mailed,
        "fresh": fresh,
    }


def test_dry_run_says_what_would_go_and_changes_nothing(app, runner, world):
    before = everything_stored(app)
    result = runner.invoke(args=["purge-personal-data", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"{world['old'].slug} (ended " in result.output
    assert "2 participants anonymised (1 photos), 1 delegations' focal points" in result.output
    assert "E-mail messages kept in the database: 1" in result.output
    assert str(world["badge"]) in result.output and str(world["mailed"]) in result.output
    assert str(world["receipt"]) in result.output
    assert world["recent"].slug not in result.output
    assert "Dry run: nothing was changed." in result.output
    assert everything_stored(app) == before
    assert world["badge"].exists() and world["mailed"].exists()


def test_purge_keeps_the_counts_and_no_name(app, runner, world):
    old_id = world["old"].id
    figures = event_counters(app, old_id)
    assert figures["checked_in"] == 1 and any(name.endswith(":female:in_person") for name in figures)
    stored = everything_stored(app)
    assert all(secret in stored for secret in OLD_SECRETS) and world["reference"] in stored

    result = runner.invoke(args=["purge-personal-data"])  # the default: PERSONAL_DATA_DAYS = 90
    assert result.exit_code == 0, result.output

    stored = everything_stored(app)
    for secret in (*OLD_SECRETS, world["reference"], "jpeg of Zelinda"):
        assert secret not in stored, secret
    assert "Recentperson" in stored  # the event still to come keeps everything
    assert event_counters(app, old_id) == figures
    with app.app_context():
        assert counters.recount(db.session, old_id) == {}  # the rows still agree with the counts
        people = db.session.execute(select(Participant).where(Participant.event_id == old_id)).scalars().all()
        assert sorted((p.status, p.gender) for p in people) == sorted(
            [(Status.ACCREDITED, Gender.FEMALE), (Status.PENDING, Gender.MALE)]
        )
        assert all(p.photo is None and p.email == "" and p.reference.startswith("~") for p in people)
        assert db.session.execute(text("SELECT count(*) FROM checkins")).scalar_one() == 1
        assert db.session.query(OutgoingMail).count() == 0
        entry = db.session.execute(
            select(AuditEntry).where(AuditEntry.action == PURGED, AuditEntry.event_id == old_id)
        ).scalar_one()
        assert entry.actor == "cli" and entry.changes["participants"] == 2 and entry.changes["days"] == 90
        assert db.session.query(Printer).count() == 2
    assert not world["badge"].exists() and not world["mailed"].exists()
    assert not world["receipt"].exists()  # one receipt per file, from a "folder" receipt printer
    assert world["other"].exists() and world["fresh"].exists()

    again = runner.invoke(args=["purge-personal-data"])
    assert again.exit_code == 0 and f"already purged: {world['old'].slug}" in again.output


def test_ended_before_sets_the_days(app, runner, world):
    kept = runner.invoke(args=["purge-personal-data", "--ended-before", "120"])
    assert kept.exit_code == 0 and "none with personal data left" in kept.output
    assert "Zelinda" in everything_stored(app)
