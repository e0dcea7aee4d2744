"""The credentials report: its counts for the seeded demo event, its groups, its PDF, XLSX and text."""

from __future__ import annotations

import io
import subprocess

import openpyxl
from pypdf import PdfReader
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import Category, CredentialDocument, Decision, Delegation, DocumentKind, Event, Status
from kiosk.services import collation, credentials, demo


def expected_standing(held: list[CredentialDocument]) -> str:
    """What the report should say, worked out here from the rows in another way."""
    accepted = [d for d in held if d.decision == Decision.ACCEPTED]
    if any(d.kind == DocumentKind.CREDENTIALS and d.original for d in accepted):
        return "original"
    if any(d.kind == DocumentKind.CREDENTIALS for d in accepted):
        return "copy"
    return "note" if accepted else "none"


def test_the_seeded_event_shows_every_case_and_counts_them_right(app, tmp_path):
    with app.test_request_context():
        demo.seed(db.session, dates_from_letters=True)
        db.session.commit()
        event = db.session.execute(select(Event).filter_by(slug=demo.SLUG)).scalar_one()
        report = credentials.build(db.session, event)
        counts = report.counts()

        parties = (
            db.session.execute(
                select(Delegation).where(
                    Delegation.event_id == event.id, Delegation.category == Category.STATE_PARTY
                )
            )
            .scalars()
            .all()
        )
        held: dict[int, list[CredentialDocument]] = {}
        for document in db.session.execute(
            select(CredentialDocument).where(CredentialDocument.event_id == event.id)
        ).scalars():
            held.setdefault(document.delegation_id, []).append(document)
        expected = {key: 0 for key in credentials.STANDINGS}
        for delegation in parties:
            expected[expected_standing(held.get(delegation.id, []))] += 1
        assert counts == {**expected, "total": len(parties)}
        assert all(counts[key] > 0 for key in credentials.STANDINGS), counts  # every case is shown
        pending = sum(1 for docs in held.values() for d in docs if d.decision == Decision.PENDING)
        assert report.awaiting_review == pending > 0

        # Each line counts the pending or accredited people its accepted documents name.
        for line in report.groups["states_parties"]:
            named = {
                p.id
                for d in held.get(line.delegation_id, [])
                if d.decision == Decision.ACCEPTED
                for p in d.participants
                if p.status in (Status.PENDING, Status.ACCREDITED)
            }
            assert line.representatives == len(named)
        names = [line.name for line in report.groups["states_parties"]]
        assert names == sorted(names, key=lambda name: collation.key(name, report.language))
        assert report.groups["states_not_parties"] and report.groups["observers"]
        assert {line.delegation_id for line in report.groups["observers"]}.isdisjoint(p.id for p in parties)

        # Seeding again keeps the event and files nothing more.
        before = db.session.query(CredentialDocument).count()
        demo.seed(db.session, dates_from_letters=True)
        db.session.commit()
        assert db.session.query(CredentialDocument).count() == before

        # The same figures in the JSON, the spreadsheet, the text and the PDF (English and French).
        assert credentials.as_json(report)["counts"] == counts
        sheet = openpyxl.load_workbook(io.BytesIO(credentials_xlsx(report))).active
        rows = list(sheet.iter_rows(values_only=True))
        assert len(rows) == 1 + sum(len(lines) for lines in report.groups.values())
        assert f"States Parties: {counts['total']};" in credentials.to_text(report)
        for language, words in (("en", "Credentials report"), ("fr", "Rapport sur les pouvoirs")):
            pdf = credentials.render_pdf(db.session, event, language)
            text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
            assert words.casefold() in text.casefold(), text[:300]
            page = tmp_path / f"report-{language}.pdf"
            page.write_bytes(pdf)
            done = subprocess.run(
                ["pdftoppm", "-f", "1", "-l", "1", "-png", "-r", "50", str(page), str(page)]
            )
            assert done.returncode == 0


def credentials_xlsx(report) -> bytes:
    from kiosk.services import exports

    return exports.to_xlsx(credentials.to_table(report))
