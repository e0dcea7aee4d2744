"""Identity details: checked with sentences, sealed per participant and field, purged, exported
on request only."""

from __future__ import annotations

import os
import stat
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from kiosk.extensions import db
from kiosk.models import AuditEntry, IdentityDetails, Participant, Role
from kiosk.services import exports, identity_details, retention
from kiosk.services.audit import Actor
from kiosk.services.errors import ValidationFailed
from kiosk.services.identity_details import Identity, IdentityUnreadable

DESK = Actor("user:desk", Role.DESK)
TODAY = date(2026, 12, 6)
GOOD = {
    "nationality": "CL",
    "birth_date": "1975-03-21",
    "document_type": "passport",
    "document_number": "p 1234567x",
    "document_expiry": "2031-05-30",
}
#: The values as they would read in clear, none of which may appear in the stored row.
CLEAR = (b"CL", b"1975-03-21", b"passport", b"P 1234567X", b"2031-05-30")


def stored_identity(app, participant: Participant, data: dict | None = None) -> Identity:
    with app.app_context():
        person = db.session.get(Participant, participant.id)
        identity = identity_details.clean(data or GOOD, required=True, today=TODAY)
        identity_details.store(db.session, person, identity, DESK)
        db.session.commit()
    return identity


def raw_row(participant_id: int) -> dict:
    row = (
        db.session.execute(
            text("SELECT * FROM identity_details WHERE participant_id = :id"), {"id": participant_id}
        )
        .mappings()
        .one()
    )
    return {key: bytes(value) if isinstance(value, memoryview) else value for key, value in row.items()}


def test_clean_normalises_and_accepts_a_valid_document():
    identity = identity_details.clean(GOOD, required=True, today=TODAY)
    assert identity == Identity("CL", date(1975, 3, 21), "passport", "P 1234567X", date(2031, 5, 30))


@pytest.mark.parametrize(
    ("changes", "field", "sentence"),
    [
        ({"document_expiry": "2026-12-05"}, "document_expiry", "This document expired on"),
        ({"birth_date": "1975-02-30"}, "birth_date", "This date does not exist"),
        ({"document_expiry": "2031-13-01"}, "document_expiry", "This date does not exist"),
        ({"birth_date": "21/03/1975"}, "birth_date", "Enter the date as year-month-day"),
        ({"birth_date": "2027-01-01"}, "birth_date", "cannot be in the future"),
        ({"birth_date": "1850-01-01"}, "birth_date", "before 1900"),
        ({"document_expiry": "2080-01-01"}, "document_expiry", "no identity document is valid that long"),
        ({"nationality": "XX"}, "nationality", "Choose the nationality from the list"),
        ({"document_type": "library_card"}, "document_type", "Choose the type of identity document"),
        ({"document_number": "<script>"}, "document_number", "Write the document number as printed"),
        ({"document_number": ""}, "document_number", "Required for the security badge"),
    ],
)
def test_bad_details_are_refused_with_a_sentence_per_field(app, changes, field, sentence):
    with app.test_request_context():
        with pytest.raises(ValidationFailed) as refused:
            identity_details.clean({**GOOD, **changes}, required=True, today=TODAY)
    assert list(refused.value.errors) == [field]
    assert sentence in refused.value.errors[field][0]


def test_blank_details_are_kept_when_not_required_and_refused_when_required(app):
    blank = dict.fromkeys(GOOD, "")
    assert identity_details.clean(blank, required=False, today=TODAY) is None
    with app.test_request_context(), pytest.raises(ValidationFailed) as refused:
        identity_details.clean(blank, required=True, today=TODAY)
    assert set(refused.value.errors) == set(GOOD)


def test_the_database_holds_no_value_in_clear(app, make_participant):
    person = make_participant()
    stored_identity(app, person)
    with app.app_context():
        row = raw_row(person.id)
        cells = b"".join(row[name] for name in identity_details.FIELDS)
        for value in CLEAR:
            assert value not in cells
            assert value.lower() not in cells
        # Each cell: version, key number, 12-byte nonce, ciphertext, 16-byte tag.
        assert all(row[name][:1] == b"\x01" for name in identity_details.FIELDS)
        assert len({row[name][5:17] for name in identity_details.FIELDS}) == 5  # a nonce per cell
        assert identity_details.read(db.session, db.session.get(Participant, person.id)).document_number == (
            "P 1234567X"
        )


def test_a_cell_moved_to_another_row_or_column_does_not_decrypt(app, make_participant):
    ana, bea = make_participant(), make_participant()
    stored_identity(app, ana)
    stored_identity(app, bea, {**GOOD, "nationality": "PE", "document_number": "Q7654321"})
    with app.app_context():
        ana_row = raw_row(ana.id)
        # Bea's row gets Ana's document number, as a database user might swap them.
        db.session.execute(
            text("UPDATE identity_details SET document_number = :cell WHERE participant_id = :id"),
            {"cell": ana_row["document_number"], "id": bea.id},
        )
        db.session.commit()
        with pytest.raises(IdentityUnreadable):
            identity_details.read(db.session, db.session.get(Participant, bea.id))
        # Within one row, one field's cell in another column does not open either.
        db.session.execute(
            text("UPDATE identity_details SET nationality = :cell WHERE participant_id = :id"),
            {"cell": ana_row["document_type"], "id": ana.id},
        )
        db.session.commit()
        db.session.expire_all()
        with pytest.raises(IdentityUnreadable):
            identity_details.read(db.session, db.session.get(Participant, ana.id))


def test_the_data_key_is_a_private_file_in_keys_dir_and_rotates(app, make_participant):
    ana, bea = make_participant(), make_participant()
    stored_identity(app, ana)
    keys = Path(app.config["KEYS_DIR"])
    first = keys / "identity-data-key-1.bin"
    assert first.stat().st_size == 32
    assert stat.S_IMODE(os.stat(first).st_mode) == 0o600
    with app.app_context():
        assert identity_details.new_key() == 2
    stored_identity(app, bea)
    with app.app_context():
        assert raw_row(ana.id)["nationality"][1:5] == (1).to_bytes(4, "big")
        assert raw_row(bea.id)["nationality"][1:5] == (2).to_bytes(4, "big")
        for person in (ana, bea):  # the old key still opens what it sealed
            assert (
                identity_details.read(db.session, db.session.get(Participant, person.id)).nationality == "CL"
            )
        first.unlink()
        identity_details._load_key.cache_clear()
        with pytest.raises(IdentityUnreadable, match="missing"):
            identity_details.read(db.session, db.session.get(Participant, ana.id))


def test_the_audit_log_names_the_fields_never_the_values(app, make_participant):
    person = make_participant()
    stored_identity(app, person)
    stored_identity(app, person, {**GOOD, "document_number": "P 7777777"})
    with app.app_context():
        entries = (
            db.session.execute(select(AuditEntry).where(AuditEntry.action == "participant.identity_details"))
            .scalars()
            .all()
        )
        assert [e.changes for e in entries] == [
            {"fields": list(identity_details.FIELDS)},
            {"fields": ["document_number"]},
        ]
        written = repr([e.changes for e in entries])
        assert "1234567" not in written and "7777777" not in written and "1975" not in written


def test_exports_carry_identity_details_only_when_asked_by_name(app, make_participant):
    person = make_participant()
    stored_identity(app, person)
    with app.app_context():
        event = db.session.get(Participant, person.id).delegation.event
        plain = exports.build(db.session, event, "participants")
        assert not set(identity_details.FIELDS) & set(plain.keys)
        assert "P 1234567X" not in exports.to_csv(plain).decode()
        asked = exports.build(db.session, event, "participants", with_identity=True)
        row = dict(zip(asked.keys, asked.rows[0], strict=True))
        assert row["document_number"] == "P 1234567X" and row["birth_date"] == "1975-03-21"
        with pytest.raises(ValueError):
            exports.build(db.session, event, "delegations", with_identity=True)


def test_the_personal_data_purge_deletes_them(app, make_event, make_delegation, make_participant, tmp_path):
    ended = make_event(
        starts_on=date.today() - timedelta(days=400), ends_on=date.today() - timedelta(days=398)
    )
    running = make_event()
    gone = make_participant(delegation=make_delegation(event=ended))
    kept = make_participant(delegation=make_delegation(event=running))
    stored_identity(app, gone)
    stored_identity(app, kept)
    with app.app_context():
        report = retention.purge_personal_data(db.session, days=365, actor=DESK, outbox=tmp_path / "outbox")
        db.session.commit()
        assert [e.identity_details for e in report.events] == [1]
        assert "1 participants' identity details" in "\n".join(report.lines())
        left = db.session.execute(select(IdentityDetails.participant_id)).scalars().all()
        assert left == [kept.id]
        purged = db.session.execute(
            select(AuditEntry).where(AuditEntry.action == retention.PURGED, AuditEntry.entity == "event")
        ).scalar_one()
        assert purged.changes["identity_details"] == 1
