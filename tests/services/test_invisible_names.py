"""Names with invisible characters are refused (joiners inside words of scripts that need them
aside), and duplicates are found after the names' normalisation, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest

from kiosk.extensions import db
from kiosk.models import Delegation, Role
from kiosk.services import registration
from kiosk.services.audit import Actor
from kiosk.services.errors import DuplicateParticipant, ValidationFailed
from kiosk.services.fields import FIELDS_BY_NAME, comparable_name

FOCAL = Actor("delegation:test", Role.FOCAL_POINT)
INVISIBLE = (
    "Given name contains an invisible character (such as a zero-width space): type it again without it."
)


def add(app, delegation_id: int, given: str, family: str = "Clarke", **extra) -> int:
    with app.app_context():
        delegation = db.session.get(Delegation, delegation_id)
        data = {"given_name": given, "family_name": family, **extra}
        participant = registration.add_participant(db.session, delegation, data, FOCAL)
        db.session.commit()
        return participant.id


@pytest.mark.parametrize(
    "given",
    [
        "Em\u200bily",  # zero-width space
        "Emily\ufeff",  # byte order mark
        "Emily\u200f",  # right-to-left mark
        "\u061cEmily",  # Arabic letter mark
        "Em\u200dily",  # zero-width joiner between Latin letters
        "Em\u200cily",  # zero-width non-joiner between Latin letters
        "Emi\u00adly",  # soft hyphen
        "Emily \u3164",  # Hangul filler
        "Emily\U000e0041",  # a tag character
        "مريم\u200c",  # a non-joiner ending an Arabic word
        "\u200cمريم",  # … or starting it
        "مريم\u200cEmily",  # between two scripts
        "क\u200d\u200dष",  # two joiners in a row
    ],
)
def test_invisible_characters_are_refused_in_names(app, make_delegation, given):
    delegation = make_delegation()
    with pytest.raises(ValidationFailed) as refused:
        add(app, delegation.id, given)
    assert refused.value.errors == {"given_name": [INVISIBLE]}
    with pytest.raises(ValidationFailed) as refused:
        add(app, delegation.id, "Emily", badge_name=f"{given} CLARKE")
    assert list(refused.value.errors) == ["badge_name"]


@pytest.mark.parametrize(
    ("given", "family"),
    [
        ("Mohammad", "محمد\u200cزاده"),  # Persian: a non-joiner between Arabic letters
        ("مهر\u200cناز", "Karimi"),
        ("क्\u200dष", "Sharma"),  # Devanagari: a joiner after a virama, before a letter
        ("Anand", "श्री\u200cनिवास"),
        ("Lakshmi", "ക്\u200dക"),  # Malayalam
    ],
)
def test_joiners_inside_words_of_scripts_that_need_them_are_kept(app, make_delegation, given, family):
    delegation = make_delegation()
    add(app, delegation.id, given, family)


def test_names_are_compared_for_duplicates_after_normalisation(app, make_delegation, make_participant):
    delegation = make_delegation(name="United Kingdom", country="GB")
    add(app, delegation.id, "Emily", "Clarke")
    with pytest.raises(ValidationFailed):
        add(app, delegation.id, "Em\u200bily", "Clarke")
    for given, family in [("EMILY", "CLARKE"), ("Emily ", " clarke"), ("ｅｍｉｌｙ", "Clarke")]:
        with pytest.raises(DuplicateParticipant):
            add(app, delegation.id, given, family)
    # A name stored before the rule, with an invisible character, still counts as the same person.
    legacy = make_delegation(name="Ireland", country="IE")
    make_participant(delegation=legacy, given_name="Zoë\u200b", family_name="ÉVANS", status="pending")
    with pytest.raises(DuplicateParticipant):
        add(app, legacy.id, "zoë", "évans")
    # A Persian name typed with or without its non-joiner is one name.
    iran = make_delegation(name="Iran (Islamic Republic of)", country="IR")
    add(app, iran.id, "Sara", "محمد\u200cزاده")
    with pytest.raises(DuplicateParticipant):
        add(app, iran.id, "Sara", "محمدزاده")


def test_comparable_name():
    assert comparable_name("  EMILY \u200b CLARKE ") == "emily clarke" == comparable_name("Emily Clarke")
    assert comparable_name("Straße") == comparable_name("STRASSE")


def test_the_openapi_pattern_of_names_refuses_what_the_server_refuses():
    pattern = re.compile(FIELDS_BY_NAME["given_name"].schema()["pattern"])
    assert pattern.match("Emily") and pattern.match("محمد\u200cزاده")
    for refused in ("Em\u200bily", "Emily\ufeff", "\u061cEmily", "Emi\u00adly", "Emily\u200f"):
        assert not pattern.match(refused), refused
    assert re.compile(FIELDS_BY_NAME["function"].schema()["pattern"]).match("Adviser\u200b")  # not a name
