"""Pages list names in the alphabetical order of the page's language (kiosk/services/collation.py).

The expected orders of States are ICU's: countries.json keeps each language's order of the UN names
as Node's Intl.Collator sorted them (scripts/make-countries.py).
"""

from __future__ import annotations

import csv
import io
import re

import pytest

from kiosk.models import Category
from kiosk.services import countries

STATES = {
    "DZ": "Algeria", "AR": "Argentina", "AT": "Austria", "CN": "China",
    "EG": "Egypt", "DE": "Germany", "JO": "Jordan", "NO": "Norway",
}  # fmt: skip


def icu_order(language: str) -> list[str]:
    """The UN names of STATES in `language`, in ICU's order."""
    table = countries._table()
    return [table["names"][code][language] for code in table["order"][language] if code in STATES]


@pytest.fixture
def states(make_event, make_delegation):
    event = make_event()
    for code, name in STATES.items():
        make_delegation(event, name=name, country=code)
    return event


def delegation_rows(html: str) -> list[str]:
    return re.findall(r'<tr id="delegation-\d+">\s*<th scope="row"><a [^>]*><bdi>([^<]+)</bdi></a>', html)


def participant_rows(html: str) -> list[str]:
    return re.findall(r'<tr class="row-[^"]*" id="participant-\d+">.*?<td>([^<]+)<br>', html, re.S)


def select_options(html: str) -> list[str]:
    select = re.search(r'<select id="f-delegation" name="delegation">(.*?)</select>', html, re.S).group(1)
    return [name.strip() for name in re.findall(r"<option value=\"\d+\"[^>]*>([^<]+)</option>", select)]


@pytest.mark.parametrize("language", ["ar", "zh", "ru", "fr", "es", "en"])
def test_the_delegation_list_in_the_page_languages_order(client, login, states, language):
    login()
    page = client.get(f"/admin/events/{states.slug}/delegations?lang={language}")
    assert delegation_rows(page.text) == icu_order(language)


def test_the_arabic_and_chinese_orders_are_not_the_english_one():
    assert icu_order("ar")[:5] == ["الأرجنتين", "الأردن", "الجزائر", "الصين", "ألمانيا"]  # hamza, article
    assert icu_order("zh") == [
        "阿尔及利亚",
        "阿根廷",
        "埃及",
        "奥地利",
        "德国",
        "挪威",
        "约旦",
        "中国",
    ]  # pinyin


def test_the_delegation_list_is_paged_after_sorting(client, login, states, monkeypatch):
    monkeypatch.setattr("kiosk.views.admin.PAGE_SIZE", 3)
    login()
    pages = [client.get(f"/admin/events/{states.slug}/delegations?lang=ar&page={n}").text for n in (1, 2, 3)]
    assert [delegation_rows(page) for page in pages] == [
        icu_order("ar")[:3],
        icu_order("ar")[3:6],
        icu_order("ar")[6:],
    ]


def test_organisations_by_their_name_in_chinese(client, login, states, make_delegation):
    for name in ("Amnesty International", "北京人权协会"):
        make_delegation(states, name=name, category=Category.NGO, country=None)
    login()
    shown = delegation_rows(client.get(f"/admin/events/{states.slug}/delegations?lang=zh").text)
    assert shown == [*icu_order("zh")[:4], "北京人权协会", *icu_order("zh")[4:], "Amnesty International"]


def test_participants_by_delegation_in_the_page_languages_order_across_pages(
    client, login, states, make_participant, monkeypatch, app
):
    from kiosk.extensions import db
    from kiosk.models import Delegation

    with app.app_context():
        delegations = db.session.query(Delegation).filter_by(event_id=states.id).all()
    for delegation in delegations:
        for family in ("Zeta", "Alpha"):
            make_participant(delegation, family_name=family, given_name="Ana")
    monkeypatch.setattr("kiosk.views.admin.PAGE_SIZE", 5)
    login()
    pages = [
        client.get(f"/admin/events/{states.slug}/participants?lang=ar&page={n}").text for n in (1, 2, 3, 4)
    ]
    assert [len(participant_rows(page)) for page in pages] == [5, 5, 5, 1]
    shown = [name for page in pages for name in participant_rows(page)]
    assert shown == [name for name in icu_order("ar") for _person in range(2)]
    families = re.findall(r"<bdi[^>]*>([A-Z]+), Ana</bdi>", "".join(pages))
    assert families == ["ALPHA", "ZETA"] * len(STATES)
    assert select_options(pages[0]) == icu_order("ar")


def test_the_walk_in_and_import_choices_in_the_page_languages_order(client, login, states):
    login()
    for path in (f"/admin/events/{states.slug}/participants/import", f"/desk/{states.slug}/walk-in"):
        page = client.get(f"{path}?lang=zh").text
        assert re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', page) == icu_order("zh"), path


def test_desk_search_results_in_the_page_languages_order(client, login, states, make_participant, app):
    from kiosk.extensions import db
    from kiosk.models import Delegation

    with app.app_context():
        algeria = db.session.query(Delegation).filter_by(event_id=states.id, country="DZ").one()
    for family in ("Nuzman", "Núñez", "Nunez"):
        make_participant(algeria, family_name=family, given_name="Ana")
    login()
    page = client.get(f"/desk/{states.slug}/?q=Nu&lang=es").text
    assert re.findall(r"<bdi[^>]*>Ana (\w+)</bdi>", page) == ["NUNEZ", "NÚÑEZ", "NUZMAN"]  # ñ after n


def test_exports_in_the_page_languages_order(client, login, states, make_participant, app):
    from kiosk.extensions import db
    from kiosk.models import Delegation

    with app.app_context():
        delegations = db.session.query(Delegation).filter_by(event_id=states.id).all()
    for delegation in delegations:
        make_participant(delegation, family_name="Zeta")
        make_participant(delegation, family_name="Ándres")  # accents aside: before Zeta
    login()
    for dataset, per_delegation in (("delegations", 1), ("participants", 2)):
        rows = list(
            csv.reader(
                io.StringIO(
                    client.get(f"/admin/events/{states.slug}/exports/{dataset}.csv?lang=ar").text.lstrip(
                        "\ufeff"
                    )
                )
            )
        )
        column = rows[0].index("الوفد")
        assert [row[column] for row in rows[1:]] == [
            n for n in icu_order("ar") for _ in range(per_delegation)
        ]
    families = [row[rows[0].index("اسم العائلة")] for row in rows[1:]]
    assert families[:2] == ["Ándres", "Zeta"]
