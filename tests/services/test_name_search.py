"""Finding people by name: search keys, kept in step with names, read through an index."""

from __future__ import annotations

from sqlalchemy import select, text

from kiosk.extensions import db
from kiosk.models import Event, NameKey, Participant, Status
from kiosk.services import checkin, name_search
from tests.checkin_fixtures import *  # noqa: F403 (fixtures)


def test_keys_start_at_each_word_without_accents_case_or_separators():
    assert name_search.name_keys("Ana María", "Pérez-Soto") == {
        "anamariaperezsoto": False,
        "mariaperezsoto": False,
        "perezsoto": True,
        "soto": True,
    }
    assert name_search.name_keys("", "O’Brien") == {"obrien": True, "brien": True}
    assert name_search.typed_key(" PÉREZ s ") == "perezs"
    assert name_search.searchable("Pé") and name_search.searchable("o'b")
    assert not name_search.searchable("p") and not name_search.searchable("- ’")


def test_cyrillic_names_have_latin_keys_too():
    assert name_search.name_keys("Анна", "Петрова") == {
        "аннапетрова": False,
        "петрова": True,
        "annapetrova": False,
        "petrova": True,
    }


def test_a_prefix_is_one_range():
    assert name_search._after("pe") == "pf"
    assert name_search._after("a\ud7ff") == "a\ue000"  # the surrogates are skipped
    assert "perez" < name_search._after("pe") and "pf" >= name_search._after("pe")


def _keys(participant_id: int) -> set[str]:
    return set(
        db.session.execute(select(NameKey.key).where(NameKey.participant_id == participant_id)).scalars()
    )


def test_keys_follow_renames_and_deletions(app, setting, make_participant):
    with app.app_context():
        chile = db.session.get(Participant, setting.ana).delegation
    person = make_participant(chile, status=Status.ACCREDITED, given_name="Lena", family_name="Ortiz")
    with app.app_context():
        event = db.session.get(Event, setting.event_id)
        assert [p.id for p in checkin.find_by_family_name(db.session, event, "ort")] == [person.id]
        renamed = db.session.get(Participant, person.id)
        renamed.family_name = "Valdés"
        db.session.commit()
        assert checkin.find_by_family_name(db.session, event, "ort") == []
        assert [p.id for p in checkin.find_by_family_name(db.session, event, "valdes")] == [person.id]
        assert _keys(person.id) == {"lenavaldes", "valdes"}
        db.session.delete(renamed)
        db.session.commit()
        assert _keys(person.id) == set()
        assert checkin.find_by_family_name(db.session, event, "valdes") == []


def test_a_rolled_back_rename_leaves_the_old_keys(app, setting):
    with app.app_context():
        before = _keys(setting.ana)
        db.session.get(Participant, setting.ana).family_name = "Nadie"
        db.session.flush()
        assert "nadie" in _keys(setting.ana)
        db.session.rollback()
        assert _keys(setting.ana) == before


def test_the_desk_finds_given_names_and_whole_names(app, setting):
    with app.app_context():
        event = db.session.get(Event, setting.event_id)
        for typed in ("ana", "ANA PÉ", "anaperez", "soto", "perez-s"):
            assert setting.ana in [p.id for p in checkin.search(db.session, event, typed)], typed
        assert checkin.search(db.session, event, "a") == []
        assert checkin.search(db.session, event, "zz") == []


def test_a_search_reads_the_index_in_order(app, setting):
    with app.app_context():
        page = name_search._key_page(setting.event_id, "pe", "perez", 7, True, 120)
        compiled = page.compile(db.engine, compile_kwargs={"literal_binds": True})
        if db.engine.dialect.name == "sqlite":
            rows = db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
            plan = " ".join(str(row[-1]) for row in rows)
            assert "TEMP B-TREE" not in plan, plan  # no sort: the index gives the order
        else:
            db.session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(db.session.execute(text(f"EXPLAIN {compiled}")).scalars())
            assert "Sort" not in plan, plan
        assert "ix_name_keys_event_key" in plan, plan


def test_pages_of_keys_find_everyone_once(app, setting, make_participant):
    with app.app_context():
        chile = db.session.get(Participant, setting.ana).delegation
    twins = [
        make_participant(chile, status=Status.ACCREDITED, given_name="Ba", family_name="Baba").id
        for _ in range(5)
    ]
    with app.app_context():
        # Each twin has two keys, baba (family name) and bababa (from the given name on), and
        # a search for one person reads pages of three keys: the third page is needed here.
        assert name_search.find_ids(db.session, setting.event_id, "ba", 1) == [min(twins)]
        last = name_search.find_ids(
            db.session, setting.event_id, "ba", 1, where=(Participant.id == max(twins),)
        )
        assert last == [max(twins)]
        everyone = name_search.find_ids(db.session, setting.event_id, "BA", 50)
        assert everyone == sorted(twins)  # once each, in key order
        assert name_search.find_ids(db.session, setting.event_id, "ba", 50, family_only=True) == sorted(twins)
