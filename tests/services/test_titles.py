"""Titles as data in six languages, and words that follow the participant's gender (issue #19, items 1–2)."""

from __future__ import annotations

import json

import pytest
from flask_babel import force_locale

from kiosk.extensions import db
from kiosk.models import Category, Delegation, Event, Gender, Participant
from kiosk.services import countries, participant_import, titles
from kiosk.services.audit import Actor
from kiosk.services.fields import clean_participant
from kiosk.services.mail import accredited_line, salutation
from kiosk.services.vocabulary import function_code, function_label
from tests.conftest import bearer

F, M, U = Gender.FEMALE, Gender.MALE, Gender.UNDISCLOSED
ORGANIZER = Actor("user:test")


def person(**values) -> Participant:
    return Participant(**{"title": "", "given_name": "Amina", "family_name": "Diallo", **values})


# A woman "H.E. Ms.", a man "H.E. Mr.", someone of unknown gender "Dr.", and a title not in the list.
SALUTATIONS = {
    "en": {
        (F, ""): "Dear Ms. Diallo,",
        (M, ""): "Dear Mr. Diallo,",
        (U, ""): "Dear Amina Diallo,",
        (F, "he_ms"): "Dear H.E. Ms. Diallo,",
        (M, "he_mr"): "Dear H.E. Mr. Diallo,",
        (U, "dr"): "Dear Dr. Diallo,",
        (F, "Rt Hon."): "Dear Rt Hon. Diallo,",
    },
    "fr": {
        (F, ""): "Madame Diallo,",
        (M, ""): "Monsieur Diallo,",
        (U, ""): "Bonjour Amina Diallo,",
        (F, "he_ms"): "S.E. Mme Diallo,",
        (M, "he_mr"): "S.E. M. Diallo,",
        (U, "dr"): "Dr Diallo,",
        (F, "Rt Hon."): "Rt Hon. Diallo,",
    },
    "es": {
        (F, ""): "Estimada Sra. Diallo:",
        (M, ""): "Estimado Sr. Diallo:",
        (U, ""): "A la atención de Amina Diallo:",
        (F, "he_ms"): "Estimada Excma. Sra. Diallo:",
        (M, "he_mr"): "Estimado Excmo. Sr. Diallo:",
        (U, "dr"): "Dr. Diallo:",
        (F, "dr"): "Estimada Dra. Diallo:",
        (F, "Rt Hon."): "Estimada Rt Hon. Diallo:",
    },
    "ar": {
        (F, ""): "السيدة \u2068Diallo\u2069 المحترمة،",
        (M, ""): "السيد \u2068Diallo\u2069 المحترم،",
        (U, ""): "تحية طيبة، \u2068Amina Diallo\u2069،",
        (F, "he_ms"): "سعادة السيدة \u2068Diallo\u2069 المحترمة،",
        (M, "he_mr"): "سعادة السيد \u2068Diallo\u2069 المحترم،",
        (U, "dr"): "الدكتور \u2068Diallo\u2069،",
        (F, "dr"): "الدكتورة \u2068Diallo\u2069 المحترمة،",
        (F, "Rt Hon."): "\u2068Rt Hon. Diallo\u2069 المحترمة،",
    },
    "zh": {
        (F, ""): "尊敬的Diallo女士：",
        (M, ""): "尊敬的Diallo先生：",
        (U, ""): "尊敬的Amina Diallo：",
        (F, "he_ms"): "尊敬的Diallo女士阁下：",
        (M, "he_mr"): "尊敬的Diallo先生阁下：",
        (U, "dr"): "尊敬的Diallo博士：",
        (F, "Rt Hon."): "尊敬的Rt Hon. Diallo：",
    },
    "ru": {
        (F, ""): "Уважаемая г-жа Diallo!",
        (M, ""): "Уважаемый г-н Diallo!",
        (U, ""): "Здравствуйте, Amina Diallo!",
        (F, "he_ms"): "Уважаемая Е. П. г-жа Diallo!",
        (M, "he_mr"): "Уважаемый Е. П. г-н Diallo!",
        (U, "dr"): "Здравствуйте, д-р Diallo!",
        (F, "Rt Hon."): "Уважаемая Rt Hon. Diallo!",
    },
}


@pytest.mark.parametrize(
    "language, gender, title, expected",
    [(lang, g, t, said) for lang, table in SALUTATIONS.items() for (g, t), said in table.items()],
)
def test_salutations_in_six_languages(app, language, gender, title, expected):
    with app.test_request_context(), force_locale(language):
        assert salutation(person(gender=gender, title=title)) == expected


def test_the_salutation_can_be_asked_in_a_language_other_than_the_page(app):
    with app.test_request_context(), force_locale("en"):
        assert salutation(person(gender=M, title="he_mr", family_name="王"), "zh") == "尊敬的王先生阁下："


BADGE_NAMES = {
    # language: (a woman H.E. Ms., a man Mr., a Chinese name with Dr. of unknown gender)
    "en": ("H.E. Ms. Amina DIALLO", "Mr. Juan PÉREZ", "Dr. 王小明"),
    "fr": ("S.E. Mme Amina DIALLO", "M. Juan PÉREZ", "Dr 王小明"),
    "es": ("Excma. Sra. Amina DIALLO", "Sr. Juan PÉREZ", "Dr. 王小明"),
    "ar": ("سعادة السيدة Amina DIALLO", "السيد Juan PÉREZ", "الدكتور 王小明"),
    "zh": ("Amina DIALLO 女士阁下", "Juan PÉREZ 先生", "王小明博士"),
    "ru": ("Е. П. г-жа Amina DIALLO", "г-н Juan PÉREZ", "д-р 王小明"),
}


@pytest.mark.parametrize("language", list(BADGE_NAMES))
def test_names_on_badges_take_the_title_of_their_language_before_or_after(app, language):
    with app.app_context():
        shown = (
            titles.participant_name(person(gender=F, title="he_ms"), language),
            titles.participant_name(
                person(gender=M, title="mr", given_name="Juan", family_name="Pérez"), language
            ),
            titles.participant_name(
                person(gender=U, title="dr", given_name="小明", family_name="王"), language
            ),
        )
    assert shown == BADGE_NAMES[language]


def test_a_free_text_title_is_shown_as_typed_in_every_language(app):
    with app.app_context():
        for language in titles.LANGUAGES:
            assert titles.participant_name(person(title="Rt Hon."), language) == "Rt Hon. Amina DIALLO"


FUNCTIONS = {
    # language: {gender: (Delegate, Deputy head of delegation)}
    "en": {F: ("Delegate", "Deputy head of delegation"), M: ("Delegate", "Deputy head of delegation")},
    "fr": {
        F: ("Déléguée", "Cheffe adjointe de délégation"),
        M: ("Délégué", "Chef adjoint de délégation"),
        U: ("Délégué", "Chef adjoint de délégation"),
    },
    "es": {
        F: ("Delegada", "Jefa adjunta de delegación"),
        M: ("Delegado", "Jefe adjunto de delegación"),
        U: ("Delegado", "Jefe adjunto de delegación"),
    },
    "ar": {
        F: ("مندوبة", "نائبة رئيس الوفد"),
        M: ("مندوب", "نائب رئيس الوفد"),
        U: ("مندوب", "نائب رئيس الوفد"),
    },
    "zh": {F: ("代表", "代表团副团长"), M: ("代表", "代表团副团长"), U: ("代表", "代表团副团长")},
    "ru": {
        F: ("Делегат", "Заместитель главы делегации"),
        M: ("Делегат", "Заместитель главы делегации"),
        U: ("Делегат", "Заместитель главы делегации"),
    },
}


@pytest.mark.parametrize(
    "language, gender, expected",
    [(lang, g, words) for lang, table in FUNCTIONS.items() for g, words in table.items()],
)
def test_function_labels_are_feminine_masculine_or_neutral(app, language, gender, expected):
    with app.app_context():
        shown = tuple(
            function_label(code, language, gender) for code in ("delegate", "deputy_head_of_delegation")
        )
    assert shown == expected


@pytest.mark.parametrize(
    "language, gender, expected",
    [
        ("fr", F, "Vous êtes accréditée à"),
        ("fr", M, "Vous êtes accrédité à"),
        ("fr", U, "Vous êtes accrédité(e) à"),
        ("es", F, "Ha sido acreditada para"),
        ("es", M, "Ha sido acreditado para"),
        ("es", U, "Ha sido acreditado/a para"),
        ("ar", F, "تم اعتمادكِ لحضور"),
        ("ar", M, "تم اعتمادكَ لحضور"),
        ("ar", U, "تم اعتمادكم لحضور"),
        ("ru", F, "Вы аккредитованы"),
        ("zh", F, "您已作为"),
        ("en", F, "You are accredited to"),
    ],
)
def test_accredited_follows_the_gender(app, language, gender, expected):
    swiss = Delegation(name="Switzerland", category=Category.STATE_PARTY, country="CH")
    with app.test_request_context(), force_locale(language):
        line = accredited_line(person(gender=gender), "IM2024", swiss)
        assert line.startswith(expected)
        assert countries.of_delegation(swiss, language) in line  # "de la Suisse", "Швейцарии" …


@pytest.mark.parametrize(
    "written, code",
    [
        ("Déléguée", "delegate"),
        ("Cheffe adjointe de délégation", "deputy_head_of_delegation"),
        ("Delegada", "delegate"),
        ("Jefa de delegación", "head_of_delegation"),
        ("مندوبة", "delegate"),
        ("رئيسة الوفد", "head_of_delegation"),
        ("Délégué", "delegate"),
    ],
)
def test_feminine_functions_are_recognised(app, written, code):
    with app.app_context():
        assert function_code(written) == code


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("H.E. Ms.", "he_ms"),
        ("H.E. Mr", "he_mr"),
        ("S.E. Mme", "he_ms"),
        ("Excmo. Sr.", "he_mr"),
        ("г-жа", "ms"),
        ("سعادة السيد", "he_mr"),
        ("Dr", "dr"),
        ("Professor", "prof"),
        ("Rt  Hon.", "Rt Hon."),
    ],
)
def test_typed_titles_are_stored_as_codes_and_others_as_typed(app, typed, stored):
    with app.app_context():
        clean = clean_participant({"given_name": "A", "family_name": "B", "title": typed})
    assert clean["title"] == stored


def test_other_without_a_title_is_refused_with_a_sentence(app):
    with app.test_request_context(), force_locale("fr"):
        with pytest.raises(Exception) as refused:
            clean_participant({"given_name": "A", "family_name": "B", "title": "other"})
    assert refused.value.errors["title"] == ["Indiquez le titre ou choisissez-en un dans la liste."]


def test_an_import_reads_feminine_functions_and_titles_in_french(app, make_event):
    event = make_event(default_cap=3)
    with app.app_context():
        db.session.add(
            Delegation(event_id=event.id, name="Chile", category=Category.STATE_PARTY, country="CL")
        )
        db.session.commit()
        rows = [
            {
                "Titre": "S.E. Mme",
                "Prénom": "Ana",
                "Nom": "Ruiz",
                "Fonction": "Déléguée",
                "Délégation": "Chili",
                "Genre": "femme",
            }
        ]
        mapping = participant_import.guess_mapping(list(rows[0]))
        (made,) = participant_import.import_participants(
            db.session, db.session.get(Event, event.id), rows, mapping, ORGANIZER
        )
        db.session.commit()
        assert (made.title, made.function) == ("he_ms", "delegate")
        assert titles.participant_name(made, "es") == "Excma. Sra. Ana RUIZ"


def test_the_secretariat_adds_a_title_in_its_file(app, tmp_path):
    extra = tmp_path / "titles.json"
    extra.write_text(
        json.dumps(
            {
                "titles": {
                    "rev": {
                        "en": "Rev.",
                        "fr": "R.P.",
                        "es": "Rvdo.",
                        "ar": "القس",
                        "zh": "牧师",
                        "ru": "преп.",
                    }
                }
            }
        ),
        encoding="utf-8",
    )
    app.config["TITLES_FILE"] = str(extra)
    with app.app_context():
        assert "rev" in titles.codes() and "he_ms" in titles.codes()
        assert clean_participant({"given_name": "A", "family_name": "B", "title": "R.P."})["title"] == "rev"
        assert titles.participant_name(person(title="rev"), "zh") == "Amina DIALLO 牧师"
        assert titles.participant_name(person(title="rev"), "fr") == "R.P. Amina DIALLO"
    app.config["TITLES_FILE"] = str(tmp_path / "missing.json")
    with app.app_context(), pytest.raises(titles.TitlesFileError, match="cannot be read"):
        titles.codes()


def test_a_malformed_titles_file_is_refused_with_a_sentence(app, tmp_path):
    extra = tmp_path / "bad.json"
    extra.write_text(json.dumps({"titles": {"rev": {"fr": "R.P."}}}), encoding="utf-8")
    app.config["TITLES_FILE"] = str(extra)
    with app.app_context(), pytest.raises(titles.TitlesFileError, match="English form"):
        titles.codes()


def test_the_form_offers_the_list_and_other(app, client, make_event, make_delegation, delegation_link):
    chile = make_delegation(event=make_event(slug="im2024"), name="Chile")
    secret = delegation_link(chile)
    page = client.get(f"/d/{secret}/?lang=fr", follow_redirects=True).text
    assert '<option value="he_ms" >S.E. Mme</option>' in page
    assert 'name="title_other"' in page
    client.post(
        "/delegation/participants",
        data={"given_name": "Ana", "family_name": "Pérez", "title": "he_ms", "gender": "female"},
    )
    client.post(
        "/delegation/participants",
        data={"given_name": "Luis", "family_name": "Soto", "title": "other", "title_other": "Rt Hon."},
    )
    with app.app_context():
        stored = [
            p.title for p in db.session.execute(db.select(Participant).order_by(Participant.id)).scalars()
        ]
    assert stored == ["he_ms", "Rt Hon."]
    listed = client.get("/delegation/?lang=es").text
    assert "Excma. Sra. Ana PÉREZ" in listed and "Rt Hon. Luis SOTO" in listed


def test_the_api_takes_a_code_or_a_title_in_any_language(
    app, client, make_event, make_delegation, delegation_link
):
    chile = make_delegation(event=make_event(slug="im2024"), name="Chile")
    focal = bearer(delegation_link(chile))
    for n, (title, stored) in enumerate(
        [("he_ms", "he_ms"), ("Excmo. Sr.", "he_mr"), ("Rt Hon.", "Rt Hon.")]
    ):
        response = client.post(
            "/api/v1/events/im2024/participants",
            headers=focal,
            json={"given_name": f"P{n}", "family_name": "Q", "title": title, "mode": "online"},
        )
        assert response.status_code == 201, response.json
        assert response.json["title"] == stored
    schema = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    documented = next(
        s["properties"]["title"] for s in schema.values() if "given_name" in s.get("properties", {})
    )
    assert "he_ms" in documented["examples"] and "free text" in documented["description"]


def test_the_titles_command_lists_the_table_and_refuses_a_bad_file(app, runner, tmp_path):
    listed = runner.invoke(args=["titles"])
    assert listed.exit_code == 0, listed.output
    assert "he_ms      en: H.E. Ms. | fr: S.E. Mme | es: Excma. Sra." in listed.output
    assert "zh: 女士阁下 | ru: Е. П. г-жа" in listed.output
    bad = tmp_path / "titles.json"
    bad.write_text('{"titles": {"rev": {"en": ""}}}', encoding="utf-8")
    app.config["TITLES_FILE"] = str(bad)
    refused = runner.invoke(args=["titles"])
    assert refused.exit_code != 0 and "'rev' in 'en' must be text" in refused.output
