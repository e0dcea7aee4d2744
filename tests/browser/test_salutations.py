"""The confirmation e-mail's opening lines in six languages, as a mail program shows them (Chromium).

Set SAVE_SCREENSHOTS=1 to refresh docs/words/salutation-*.png.
"""

from __future__ import annotations

import base64
import email
import email.policy
import os
from pathlib import Path

import pytest

from kiosk.extensions import db
from kiosk.models import Gender, Participant, Status
from kiosk.services import registration
from kiosk.services.audit import Actor

DOCS = Path(__file__).resolve().parent.parent.parent / "docs" / "words"
SAVE = os.environ.get("SAVE_SCREENSHOTS") == "1"

#: language: (title, gender, given name, family name, the salutation expected)
PEOPLE = {
    "en": ("he_ms", Gender.FEMALE, "Amina", "Diallo", "Dear H.E. Ms. Diallo,"),
    "fr": ("he_mr", Gender.MALE, "Jean-Marc", "Lefèvre", "S.E. M. Lefèvre,"),
    "es": (
        "he_mr",
        Gender.MALE,
        "José Luis",
        "Rodríguez Zapatero",
        "Estimado Excmo. Sr. Rodríguez Zapatero:",
    ),
    "ar": ("he_mr", Gender.MALE, "Faisal", "Al-Saud", "سعادة السيد \u2068Al-Saud\u2069 المحترم،"),
    "zh": ("he_ms", Gender.FEMALE, "小明", "王", "尊敬的王女士阁下："),
    "ru": ("ms", Gender.FEMALE, "Анна", "Иванова-Смирнова", "Уважаемая г-жа Иванова-Смирнова!"),
}


@pytest.mark.parametrize("language", list(PEOPLE))
def test_the_salutation_reads_right_in_a_mail_program(
    app, page, make_event, make_delegation, make_participant, tmp_path, language
):
    title, gender, given, family, expected = PEOPLE[language]
    event = make_event(title="Intersessional Meetings", secretariat="Implementation Support Unit")
    person = make_participant(
        delegation=make_delegation(event=event, name="Chile"),
        title=title,
        gender=gender,
        given_name=given,
        family_name=family,
        email="delegate@example.org",
        language=language,
    )
    with app.app_context():
        participant = db.session.get(Participant, person.id)
        registration.change_status(db.session, participant, Status.ACCREDITED, Actor("user:test"))
        db.session.commit()
    (path,) = (tmp_path / "outbox").glob("*.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()
    assert text.splitlines()[0] == expected
    html = message.get_body(("html",)).get_content()
    for part in message.walk():  # the QR code, inline as the mail program shows it
        if part.get("Content-ID"):
            data = base64.b64encode(part.get_payload(decode=True)).decode()
            html = html.replace(f"cid:{part['Content-ID'][1:-1]}", f"data:image/png;base64,{data}")
    page.set_viewport_size({"width": 720, "height": 900})
    page.set_content(html)
    first = page.locator("p").first
    assert first.inner_text() == expected
    if language == "ar":
        # Right to left: the title starts at the right edge, the isolated Latin name comes after it
        # (to its left) with its hyphen inside, and no dot or letter of it jumps to the line's end.
        boxes = page.evaluate(
            """() => {
              const node = document.querySelector("p").firstChild, text = node.textContent;
              const box = (word) => { const r = document.createRange(), i = text.indexOf(word);
                r.setStart(node, i); r.setEnd(node, i + word.length); return r.getBoundingClientRect(); };
              return {title: box("سعادة").right, name: box("Al-Saud").right, end: box("المحترم").left,
                      dir: getComputedStyle(document.querySelector("p")).direction};
            }"""
        )
        assert boxes["dir"] == "rtl"
        assert boxes["end"] < boxes["name"] < boxes["title"]
    png = page.screenshot(full_page=False, clip={"x": 0, "y": 0, "width": 720, "height": 260})
    assert png.startswith(b"\x89PNG")
    if SAVE:
        DOCS.mkdir(parents=True, exist_ok=True)
        (DOCS / f"salutation-{language}.png").write_bytes(png)
