"""An organisation's own names (issue #19): the order own names → organizations.json → registered
name, the Russian sentence without a genitive, what the organizer saves, and the places that name
a delegation (the List, e-mails, receipts, the door, the dashboard)."""

from __future__ import annotations

import email
import email.policy
import json

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import AuditEntry, Category, Delegation, Participant, Status
from kiosk.services import countries, delegations, demo, participant_list, printing, registration
from kiosk.services.audit import Actor
from kiosk.services.door import bundle, verdict
from kiosk.services.errors import ValidationFailed

ORGANIZER = Actor("user:test")

#: What the secretariat entered for an organisation that organizations.json does not know.
WWF = {
    "en": {"after_delegation": "of the World Wide Fund for Nature"},
    "fr": {"name": "Fonds mondial pour la nature", "after_delegation": "du Fonds mondial pour la nature"},
    "es": {
        "name": "Fondo Mundial para la Naturaleza",
        "after_delegation": "del Fondo Mundial para la Naturaleza",
    },
    "ru": {"name": "Всемирный фонд дикой природы", "after_delegation": "Всемирного фонда дикой природы"},
    "zh": {"name": "世界自然基金会"},
    "ar": {"name": "الصندوق العالمي للطبيعة"},
}


@pytest.mark.parametrize(
    ("language", "name", "words"),
    [
        ("en", "World Wide Fund for Nature", "of the World Wide Fund for Nature"),
        ("fr", "Fonds mondial pour la nature", "du Fonds mondial pour la nature"),
        ("es", "Fondo Mundial para la Naturaleza", "del Fondo Mundial para la Naturaleza"),
        ("ru", "Всемирный фонд дикой природы", "Всемирного фонда дикой природы"),
        ("zh", "世界自然基金会", "世界自然基金会"),
        ("ar", "الصندوق العالمي للطبيعة", "الصندوق العالمي للطبيعة"),
    ],
)
def test_an_organisation_is_named_by_its_own_names_in_six_languages(language, name, words):
    registered = "World Wide Fund for Nature"
    assert countries.delegation_name(registered, Category.NGO, None, WWF, language) == name
    assert countries.delegation_of(registered, Category.NGO, None, WWF, language) == words


@pytest.mark.parametrize(
    ("language", "name", "words"),
    [
        ("en", "EU", "of the Union"),
        ("fr", "Union européenne", "de l'UE"),  # own words win over the file's
        ("es", "UE", "de la Unión Europea"),  # own name; the file's words still apply
        ("ru", "Европейский союз", "Европейского союза"),  # nothing own: the file's
        ("zh", "欧盟", "欧盟"),
        ("ar", "الاتحاد الأوروبي", "الاتحاد الأوروبي"),
    ],
)
def test_own_names_come_first_then_the_file_language_by_language(language, name, words):
    own = {"en": {"after_delegation": "of the Union"}, "fr": {"after_delegation": "de l'UE"}}
    own |= {"es": {"name": "UE"}, "zh": {"name": "欧盟"}}
    assert countries.delegation_name("EU", Category.IGO, None, own, language) == name
    assert countries.delegation_of("EU", Category.IGO, None, own, language) == words


@pytest.mark.parametrize(
    ("language", "registered", "own_ru", "words"),
    [
        # No name known at all: the registered name, with the language's "of".
        ("en", "Human Rights Watch", None, "of Human Rights Watch"),
        ("fr", "Mines Advisory Group", None, "de Mines Advisory Group"),
        ("fr", "Amnesty International", None, "d'Amnesty International"),
        # French elides before an H only in a State's name ("d'Haïti"); an organisation gives its own
        # words when its H is mute ("d'Humanité & Inclusion", on its names page)
        ("fr", "Human Rights Watch", None, "de Human Rights Watch"),
        ("fr", "Handicap International", None, "de Handicap International"),
        ("es", "Human Rights Watch", None, "de Human Rights Watch"),
        ("zh", "Human Rights Watch", None, "Human Rights Watch"),
        ("ar", "Human Rights Watch", None, "Human Rights Watch"),
        # Russian: a name in Latin script is not declined …
        ("ru", "Human Rights Watch", None, "Human Rights Watch"),
        # … nor an acronym; a Russian name with no genitive follows "организации", in quotation marks.
        ("ru", "WWF", "ВФП", "ВФП"),
        ("ru", "WWF", "Всемирный фонд дикой природы", "организации «Всемирный фонд дикой природы»"),
        ("ru", "WWF", "«Врачи мира»", "организации «Врачи мира»"),
        ("ru", "Врачи без границ", None, "организации «Врачи без границ»"),
    ],
)
def test_without_its_words_a_sentence_stays_grammatical(language, registered, own_ru, words):
    own = {"ru": {"name": own_ru}} if own_ru else {}
    assert countries.delegation_of(registered, Category.NGO, None, own, language) == words


def test_a_state_is_named_by_its_un_names_whatever_is_stored():
    own = {"fr": {"name": "Helvétie", "after_delegation": "de l'Helvétie"}}
    assert countries.delegation_name("Switzerland", Category.STATE_PARTY, "CH", own, "fr") == "Suisse"
    assert countries.delegation_of("Switzerland", Category.STATE_PARTY, "CH", own, "fr") == "de la Suisse"


def test_the_file_gives_the_form_its_first_values():
    names = countries.default_names("icrc")
    assert names["en"] == {"after_delegation": "of the International Committee of the Red Cross"}
    assert names["fr"] == {
        "name": "Comité international de la Croix-Rouge",
        "after_delegation": "du Comité international de la Croix-Rouge",
    }
    assert names["ru"]["after_delegation"] == "Международного комитета Красного Креста"
    assert names["zh"] == {"name": "红十字国际委员会"}
    assert countries.default_names("Mines Advisory Group") == {}


def test_saving_keeps_only_what_the_file_does_not_say_and_is_audited(app, make_delegation):
    eu = make_delegation(name="European Union", category=Category.IGO, country=None)
    with app.app_context():
        delegation = db.session.get(Delegation, eu.id)
        shown = delegations.names_shown(delegation)
        assert shown["ru"]["after_delegation"] == "Европейского союза"
        shown["zh"] = {"name": "欧盟"}
        shown["fr"]["after_delegation"] = "  de l'UE "
        delegations.set_names(db.session, delegation, shown, ORGANIZER)
        db.session.commit()
        assert delegation.names == {"zh": {"name": "欧盟"}, "fr": {"after_delegation": "de l'UE"}}
        (entry,) = db.session.execute(select(AuditEntry).filter_by(action="delegation.names")).scalars()
        assert entry.entity_id == eu.id and entry.actor == "user:test"
        assert entry.changes == {"name_zh": [None, "欧盟"], "after_delegation_fr": [None, "de l'UE"]}
        # The same names again: nothing changes, nothing is recorded.
        delegations.set_names(db.session, delegation, delegations.names_shown(delegation), ORGANIZER)
        db.session.commit()
        assert len(db.session.execute(select(AuditEntry).filter_by(action="delegation.names")).all()) == 1
        # An emptied field falls back on the file.
        delegations.set_names(db.session, delegation, {"fr": {"after_delegation": ""}}, ORGANIZER)
        db.session.commit()
        assert delegation.names == {}
        assert countries.of_delegation(delegation, "fr") == "de l'Union européenne"


def test_wrong_fields_are_refused_one_sentence_each(app, make_delegation):
    ngo = make_delegation(name="Humanity & Inclusion", category=Category.NGO, country=None)
    with app.app_context():
        delegation = db.session.get(Delegation, ngo.id)
        with pytest.raises(ValidationFailed) as refused:
            delegations.set_names(
                db.session,
                delegation,
                {
                    "fr": {"name": "x" * 201},
                    "ru": {"after_delegation": "Гуманности\u202e"},
                    "en": {"name": "HI"},
                },
                ORGANIZER,
            )
        errors = refused.value.errors
        assert errors["name_fr"] == ["“Name in French” is too long (at most 200 characters)."]
        assert errors["after_delegation_ru"] == [
            "“In Russian, after the word “delegation” (genitive)” contains characters that are not allowed."
        ]
        assert errors["en"] == ["Only the names listed on the form may be given."]
        assert set(errors) == {"name_fr", "after_delegation_ru", "en"}
        assert delegation.names == {}


def test_a_state_s_names_cannot_be_set(app, make_delegation):
    chile = make_delegation()
    with app.app_context():
        delegation = db.session.get(Delegation, chile.id)
        with pytest.raises(ValidationFailed):
            delegations.set_names(db.session, delegation, {"fr": {"name": "Chili"}}, ORGANIZER)


# --- every place a delegation is named -------------------------------------------------------------


def _wwf_with_someone(app, make_delegation, make_participant, **participant):
    wwf = make_delegation(name="World Wide Fund for Nature", category=Category.NGO, country=None, names=WWF)
    person = make_participant(delegation=wwf, **participant)
    return wwf, person


def test_the_list_of_participants_shows_the_stored_names(app, make_delegation, make_participant):
    wwf, _person = _wwf_with_someone(app, make_delegation, make_participant, status=Status.ACCREDITED)
    with app.app_context():
        event = db.session.get(Delegation, wwf.id).event
        for language, name in (("ru", "Всемирный фонд дикой природы"), ("zh", "世界自然基金会")):
            (section,) = participant_list.sections(db.session, event, language)
            assert [d.name for d in section.delegations] == [name]


def test_the_confirmation_e_mail_names_the_delegation_by_its_stored_words(
    app, make_delegation, make_participant, tmp_path
):
    _wwf, person = _wwf_with_someone(app, make_delegation, make_participant, language="ru", gender="female")
    with app.app_context():
        participant = db.session.get(Participant, person.id)
        registration.change_status(db.session, participant, Status.ACCREDITED, ORGANIZER)
        db.session.commit()
    (path,) = (tmp_path / "outbox").glob("*.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()
    assert "делегации Всемирного фонда дикой природы" in text


def test_the_receipt_names_the_delegation_in_the_participant_s_language(
    app, make_delegation, make_participant
):
    _wwf, person = _wwf_with_someone(app, make_delegation, make_participant, language="ar")
    with app.app_context():
        data = printing._receipt_data(db.session, db.session.get(Participant, person.id))
        assert data.delegation == "الصندوق العالمي للطبيعة"


def test_the_door_and_the_dashboard_name_the_delegation_by_its_stored_names(
    app, make_delegation, make_participant
):
    wwf, person = _wwf_with_someone(app, make_delegation, make_participant, status=Status.ACCREDITED)
    with app.app_context():
        rows = db.session.execute(
            select(Delegation.id, Delegation.name, Delegation.category, Delegation.country, Delegation.names)
        )
        assert countries.delegation_labels(rows, "fr") == {wwf.id: "Fonds mondial pour la nature"}
        event = db.session.get(Delegation, wwf.id).event
        with force_locale("ru"):
            shown, _status, _serial = verdict._shown(db.session, person.id, event.id)
            text, _tag = bundle.offline_bundle(db.session, event, str)
        assert shown.delegation == "Всемирный фонд дикой природы"  # the officer's screen
        labels = json.loads(text)["delegation_labels"]  # the offline scanner's
        assert labels == {"World Wide Fund for Nature": "Всемирный фонд дикой природы"}


def test_the_demo_names_an_organisation_the_file_does_not_know_and_keeps_it(app):
    with app.app_context():
        demo.seed(db.session, dates_from_letters=True)
        db.session.commit()
        demo.seed(db.session, dates_from_letters=True)
        db.session.commit()
        hi = db.session.execute(select(Delegation).filter_by(name="Humanity & Inclusion")).scalar_one()
        assert countries.organization(hi.name) is None
        assert countries.label(hi, "fr") == "Humanité & Inclusion"
        assert countries.label(hi, "zh") == "助残国际"
        assert countries.of_delegation(hi, "fr") == "d'Humanité & Inclusion"
        assert countries.of_delegation(hi, "ru") == "организации «Гуманность и инклюзивность»"
