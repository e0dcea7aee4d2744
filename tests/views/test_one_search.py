"""One participant search (name_search.search_ids) behind the admin list, the API, the desk and the
kiosk's find-me: the same query finds the same people on each.

Each shows only what it may: the admin list, the API and the desk show anyone of the event;
the kiosk's find-me shows accredited people who attend in person, by family name. So the kiosk
is compared on that shared subset (every query here is a family name, or the start of one).
"""

from __future__ import annotations

import re

import pytest

from kiosk.extensions import db
from kiosk.models import Delegation, Mode, Participant, Role, Status
from tests.checkin_fixtures import *  # noqa: F403 (fixtures)
from tests.conftest import bearer

PEOPLE = [  # (given, family, status, mode)
    ("José", "Pérez García", Status.ACCREDITED, Mode.IN_PERSON),
    ("Paula", "Pérez", Status.ACCREDITED, Mode.ONLINE),
    ("Мария", "Петрова", Status.ACCREDITED, Mode.IN_PERSON),
    ("Ольга", "Петрова", Status.WITHDRAWN, Mode.IN_PERSON),
    ("娜娜", "欧阳", Status.ACCREDITED, Mode.IN_PERSON),
    ("محمد", "العلي", Status.ACCREDITED, Mode.IN_PERSON),
    ("Fatima", "Al-Ali", Status.PENDING, Mode.IN_PERSON),
]

#: Each query and the family names it finds (the setting adds Ana Pérez Soto and Bruno Pérez).
QUERIES = {
    "perez": {"Pérez García", "Pérez", "Pérez Soto"},
    "PÉREZ": {"Pérez García", "Pérez", "Pérez Soto"},
    "pérez garc": {"Pérez García"},
    "garcia": {"Pérez García"},
    "soto": {"Pérez Soto"},
    "петрова": {"Петрова"},
    "petrova": {"Петрова"},
    "欧阳": {"欧阳"},
    "العلي": {"العلي"},
    "al-ali": {"Al-Ali"},
    "zz": set(),
}


@pytest.fixture
def people(app, setting, make_participant):
    with app.app_context():
        chile = db.session.get(Delegation, setting.chile)
    for given, family, status, mode in PEOPLE:
        make_participant(chile, given_name=given, family_name=family, status=status, mode=mode)
    with app.app_context():
        rows = db.session.query(Participant).filter_by(event_id=setting.event_id).all()
        return {p.id: (p.family_name, p.status, p.mode) for p in rows}


def _ids(text: str, pattern: str) -> set[int]:
    return {int(found) for found in re.findall(pattern, text)}


@pytest.mark.parametrize("query", list(QUERIES))
def test_the_same_query_finds_the_same_people_everywhere(
    client, login, make_token, kiosk_client, setting, people, query
):
    login(Role.ORGANIZER)
    admin = client.get(f"/admin/events/{setting.slug}/participants", query_string={"q": query})
    assert admin.status_code == 200
    on_admin = _ids(admin.text, r'id="participant-(\d+)"')
    api = client.get(
        f"/api/v1/events/{setting.slug}/participants",
        query_string={"q": query},
        headers=bearer(make_token(Role.ORGANIZER)),
    )
    on_api = {row["id"] for row in api.json}
    desk = client.get(f"/desk/{setting.slug}/", query_string={"q": query})
    on_desk = _ids(desk.text, rf"/desk/{setting.slug}/p/(\d+)")
    find = kiosk_client.get(
        f"/api/v1/events/{setting.slug}/checkins/find", query_string={"family_name": query}
    )
    on_kiosk = {person["id"] for group in find.json["delegations"] for person in group["people"]}

    expected = {pid for pid, (family, _status, _mode) in people.items() if family in QUERIES[query]}
    assert on_admin == on_api == on_desk == expected
    kiosk_may_see = {pid for pid in expected if people[pid][1:] == (Status.ACCREDITED, Mode.IN_PERSON)}
    assert on_kiosk == kiosk_may_see


def test_a_reference_or_an_address_finds_its_person_but_not_at_the_kiosk(
    client, login, make_token, kiosk_client, setting, reference_of
):
    login(Role.ORGANIZER)
    token = bearer(make_token(Role.ORGANIZER))
    for query in (reference_of(setting.ana).lower(), "ANA.PEREZ@example.org"):
        admin = client.get(f"/admin/events/{setting.slug}/participants", query_string={"q": query})
        api = client.get(
            f"/api/v1/events/{setting.slug}/participants", query_string={"q": query}, headers=token
        )
        desk = client.get(f"/desk/{setting.slug}/", query_string={"q": query})
        assert _ids(admin.text, r'id="participant-(\d+)"') == {setting.ana}
        assert {row["id"] for row in api.json} == {setting.ana}
        assert _ids(desk.text, rf"/desk/{setting.slug}/p/(\d+)") == {setting.ana}
        find = kiosk_client.get(
            f"/api/v1/events/{setting.slug}/checkins/find", query_string={"family_name": query}
        )
        assert find.json == {"delegations": []}
