"""The confirmation e-mail as a protocol officer would sign it: headers, sender, salutation, dates."""

from __future__ import annotations

import email
import email.policy
import email.utils
from datetime import UTC, date, datetime

import pytest
from flask_babel import force_locale

from kiosk.extensions import db
from kiosk.models import Gender, Meeting, Participant, Status
from kiosk.services import registration
from kiosk.services.audit import Actor
from kiosk.services.mail import salutation

ORGANIZER = Actor("user:test")


def accredited_message(app, participant_id: int, tmp_path) -> email.message.EmailMessage:
    with app.app_context():
        participant = db.session.get(Participant, participant_id)
        registration.change_status(db.session, participant, Status.ACCREDITED, ORGANIZER)
        db.session.commit()
    (path,) = (tmp_path / "outbox").glob("*.eml")
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def test_headers_sender_and_reply_to_come_from_the_event(
    app, make_event, make_delegation, make_participant, tmp_path
):
    event = make_event(
        mail_sender="isu-accreditation@unoda.example",
        contact_email="isu@unoda.example",
        secretariat="Implementation Support Unit",
    )
    participant = make_participant(delegation=make_delegation(event=event), email="ana@example.org")
    message = accredited_message(app, participant.id, tmp_path)
    assert message["From"].addresses[0].addr_spec == "isu-accreditation@unoda.example"
    assert message["From"].addresses[0].display_name == "Implementation Support Unit"
    assert message["Reply-To"] == "isu@unoda.example"
    sent = email.utils.parsedate_to_datetime(message["Date"])
    assert abs((datetime.now(UTC) - sent).total_seconds()) < 60
    assert message["Message-ID"].endswith("@unoda.example>")
    assert message["Content-Language"] == "en"


def test_without_an_event_sender_the_server_sender_is_used(app, make_participant, tmp_path):
    app.config["MAIL_SENDER"] = "accreditation@venue.example"
    participant = make_participant(email="ana@example.org")
    message = accredited_message(app, participant.id, tmp_path)
    assert message["From"] == "accreditation@venue.example"
    assert len(message.get_all("From")) == 1
    assert message["Date"] and message["Message-ID"]


def test_meetings_are_listed_in_the_event_zone_and_the_language(
    app, make_event, make_delegation, make_participant, tmp_path
):
    # 18–20 June 2030: a Tuesday to a Thursday, like the letters' 2024 meeting, and still to come.
    event = make_event(starts_on=date(2030, 6, 18), ends_on=date(2030, 6, 20))
    with app.app_context():
        db.session.add(
            Meeting(
                event_id=event.id,
                title="Первое подготовительное совещание",
                starts_at=datetime(2030, 6, 20, 13, 0, tzinfo=UTC),
                ends_at=datetime(2030, 6, 20, 16, 0, tzinfo=UTC),
            )
        )
        db.session.commit()
    participant = make_participant(
        delegation=make_delegation(event=event), email="ivan@example.org", language="ru"
    )
    text = accredited_message(app, participant.id, tmp_path).get_body(("plain",)).get_content()
    assert "18–20 июня 2030 года" in text
    assert (
        "- Первое подготовительное совещание: четверг, 20 июня 2030 года, 15:00–18:00 "
        "(Центральная Европа, летнее время)" in text
    )


def person(**values) -> Participant:
    return Participant(**{"title": "", "given_name": "Amina", "family_name": "Diallo", **values})


@pytest.mark.parametrize(
    "language, values, expected",
    [
        ("en", {"gender": Gender.FEMALE}, "Dear Ms. Diallo,"),
        ("en", {"gender": Gender.MALE}, "Dear Mr. Diallo,"),
        ("en", {"gender": Gender.UNDISCLOSED}, "Dear Amina Diallo,"),
        ("en", {"gender": Gender.OTHER}, "Dear Amina Diallo,"),
        ("en", {"gender": Gender.MALE, "title": "H.E. Mr."}, "Dear H.E. Mr. Diallo,"),
        ("fr", {"gender": Gender.FEMALE}, "Madame Diallo,"),
        ("fr", {"gender": Gender.MALE}, "Monsieur Diallo,"),
        ("fr", {"gender": Gender.UNDISCLOSED}, "Bonjour Amina Diallo,"),
        ("es", {"gender": Gender.FEMALE}, "Estimada Sra. Diallo:"),
        ("es", {"gender": Gender.MALE}, "Estimado Sr. Diallo:"),
        ("ru", {"gender": Gender.FEMALE}, "Уважаемая г-жа Diallo!"),
        ("ru", {"gender": Gender.MALE}, "Уважаемый г-н Diallo!"),
        ("ru", {"gender": Gender.UNDISCLOSED}, "Здравствуйте, Amina Diallo!"),
    ],
)
def test_salutation_follows_the_gender_and_is_neutral_when_unknown(app, language, values, expected):
    with app.test_request_context(), force_locale(language):
        assert salutation(person(**values)) == expected


def test_arabic_salutation_never_doubles_an_honorific(app):
    with app.test_request_context(), force_locale("ar"):
        titled = salutation(person(gender=Gender.MALE, title="he_mr", family_name="العبيدي"))
        untitled = salutation(person(gender=Gender.FEMALE, family_name="الحداد"))
    assert titled == "سعادة السيد \u2068العبيدي\u2069 المحترم،"
    assert "حضرة" not in titled
    assert untitled.count("السيدة") == 1 and "الحداد" in untitled


def test_the_reference_is_in_the_message_and_the_long_code_is_not(app, make_participant, tmp_path):
    participant = make_participant(email="ana@example.org", language="ar")
    message = accredited_message(app, participant.id, tmp_path)
    with app.app_context():
        reference = db.session.get(Participant, participant.id).reference
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert reference in text and reference in html
    assert not any(len(word) > 40 for word in text.split())
