"""The demo event from the seed letters: Intersessional Meetings, WMO building, placed today.

The letters' event ran on 18–20 June 2024; codes signed for it could never be valid now, so the
demo runs today and the next two days (the same event, meetings, delegations and cap), unless
asked to keep the letters' dates.
"""

from __future__ import annotations

import io
import os
import random
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.models import (
    Category,
    CheckIn,
    Delegation,
    Event,
    Meeting,
    Mode,
    Participant,
    Role,
    Status,
    User,
    Venue,
)
from kiosk.models.base import utcnow
from kiosk.services import accounts, auth, countries, documents, door, keys, registration
from kiosk.services.audit import Actor

SLUG = "im2024"
ZURICH = ZoneInfo("Europe/Zurich")
#: The first and last day of the event in the letters.
LETTERS_DATES = (date(2024, 6, 18), date(2024, 6, 20))
SEED_ACTOR = Actor("seed-demo", Role.ORGANIZER)
#: The demo's registration desk account (made by demo-kiosk).
DESK_EMAIL = "desk@example.org"
#: The line that starts demo-kiosk's part of demo-links.txt (written anew on each run).
KIOSK_SECTION = "# The demo kiosk (flask --app kiosk demo-kiosk)"

STATES_PARTIES = [
    "CH",
    "CO",
    "KH",
    "JP",
    "NO",
    "CL",
    "FR",
    "SN",
    "TH",
    "CA",
    "MX",
    "AT",
    "IE",
    "ZA",
    "PE",
    "IQ",
    "BE",
    "DE",
    "MZ",
    "PH",
    "LK",
    "UA",
    "JO",
    "NG",
    "DZ",
    "TJ",
    "AF",
    "YE",
]
STATES_NOT_PARTY = ["US", "CN", "IN", "PK", "EG", "KR", "MA", "RU", "LB", "VN"]
ORGANIZATIONS = [
    ("United Nations Office for Disarmament Affairs", Category.UNITED_NATIONS),
    ("United Nations Mine Action Service", Category.UNITED_NATIONS),
    ("United Nations Development Programme", Category.UNITED_NATIONS),
    ("European Union", Category.IGO),
    ("Organization for Security and Co-operation in Europe", Category.IGO),
    ("Organization of American States", Category.IGO),
    ("International Committee of the Red Cross", Category.ICRC),
    ("International Campaign to Ban Landmines – Cluster Munition Coalition", Category.NGO),
    ("Humanity & Inclusion", Category.NGO),
    ("The HALO Trust", Category.NGO),
    ("Mines Advisory Group", Category.NGO),
    ("Norwegian People's Aid", Category.NGO),
    ("Geneva International Centre for Humanitarian Demining", Category.OTHER),
]
#: An organisation that organizations.json does not know, with the names the secretariat gives it on
#: its names page (illustrative: check them against the organisation's own usage before a real
#: meeting). No genitive in Russian, so the Russian sentences show the fallback: "делегации
#: организации «Гуманность и инклюзивность»".
OWN_NAMES = {
    "Humanity & Inclusion": {
        "en": {"after_delegation": "of Humanity & Inclusion"},
        "fr": {"name": "Humanité & Inclusion", "after_delegation": "d'Humanité & Inclusion"},
        "es": {"name": "Humanidad e Inclusión", "after_delegation": "de Humanidad e Inclusión"},
        "ru": {"name": "Гуманность и инклюзивность"},
        "zh": {"name": "助残国际"},
        "ar": {"name": "منظمة الإنسانية والإدماج"},
    },
}
#: Names by language, so badges and lists show every script the meeting uses.
NAMES = {
    "en": [
        ("Sarah", "Mitchell", "female"),
        ("James", "Okafor", "male"),
        ("Emily", "Clarke", "female"),
        ("Daniel", "Nguyen", "male"),
        ("Grace", "Mensah", "female"),
        ("Thomas", "Becker", "male"),
    ],
    "fr": [
        ("Claire", "Dubois", "female"),
        ("Mamadou", "Diallo", "male"),
        ("Isabelle", "Moreau", "female"),
        ("Jean-Baptiste", "Lefèvre", "male"),
        ("Aïssatou", "Ndiaye", "female"),
    ],
    "es": [
        ("María José", "Rodríguez Ospina", "female"),
        ("Alejandro", "Fuentes", "male"),
        ("Camila", "Herrera", "female"),
        ("Diego", "Valenzuela", "male"),
    ],
    "ar": [
        ("ليلى", "الحداد", "female"),
        ("Omar", "Al-Khatib", "male"),
        ("Rania", "Mansour", "female"),
        ("أحمد", "العبيدي", "male"),
    ],
    "zh": [("芳", "王", "female"), ("Wei", "Li", "male"), ("伟", "张", "male")],  # (given, family)
    "ru": [("Анна", "Петрова", "female"), ("Dmitri", "Sokolov", "male"), ("Ольга", "Иванова", "female")],
}
LANGUAGE_OF = {
    "FR": "fr",
    "SN": "fr",
    "BE": "fr",
    "DZ": "ar",
    "MA": "fr",
    "LB": "ar",
    "CO": "es",
    "CL": "es",
    "MX": "es",
    "PE": "es",
    "IQ": "ar",
    "JO": "ar",
    "EG": "ar",
    "YE": "ar",
    "CN": "zh",
    "RU": "ru",
    "UA": "ru",
    "TJ": "ru",
}
FUNCTIONS = ["head_of_delegation", "deputy_head_of_delegation", "delegate", "adviser", "expert"]
#: Codes of listed titles (kiosk/data/titles.json), shown in each language's form.
TITLES = {"female": ["ms", "dr", "he_ms"], "male": ["mr", "dr", "he_mr"]}


@dataclass
class SeedResult:
    """What seed() created, for the command to report."""

    event: Event
    delegations: int = 0
    participants: int = 0
    organizer_email: str = ""
    organizer_password: str = ""
    security_email: str = ""
    security_password: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)
    links_file: Path | None = None
    #: False when the event is over (the letters' dates): then no one could be accredited.
    codes_valid: bool = True
    #: True when the event was there already: kept as it was, with new passwords and private links.
    kept: bool = False


def country_name(alpha_2: str) -> str:
    """A country's UN short name in English, as delegations are called."""
    return countries.country_name(alpha_2, "en")


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZURICH)


def demo_dates(dates_from_letters: bool = False, today: date | None = None) -> tuple[date, date]:
    """The demo's first and last day: today and two days on (Geneva time), or the letters' own."""
    if dates_from_letters:
        return LETTERS_DATES
    first = today or datetime.now(ZURICH).date()
    return first, first + (LETTERS_DATES[1] - LETTERS_DATES[0])


def seed(
    session: Session,
    *,
    base_url: str = "http://127.0.0.1:5000",
    rng_seed: int = 2024,
    dates_from_letters: bool = False,
) -> SeedResult:
    """Create the demo event, its delegations, participants in every status and an organizer.

    With `dates_from_letters` the event keeps its 2024 dates; it is over, so no code can be
    valid and no one is accredited (they stay pending). When the event is there already it is
    kept as it is (`kept`), and its demo accounts and delegations get new passwords and private
    links, the only ones that can be printed again (secrets are stored hashed). Either way
    demo-links.txt is written anew, with links in full under `base_url`.
    """
    existing = session.execute(select(Event).filter_by(slug=SLUG)).scalar_one_or_none()
    if existing is not None:
        return _renew(session, existing, base_url)
    rng = random.Random(rng_seed)
    venue = Venue(
        name="World Meteorological Organization (WMO) building",
        address="7bis Avenue de la Paix, 1211 Genève, Switzerland",
        capacity=300,
    )
    first, last = demo_dates(dates_from_letters)
    event = Event(
        slug=SLUG,
        title="Intersessional Meetings of the Anti-Personnel Mine Ban Convention",
        starts_on=first,
        ends_on=last,
        timezone="Europe/Zurich",
        venue=venue,
        registration_opens_at=utcnow() - timedelta(days=30),
        # The real deadline has passed; the demo keeps registration open so its forms can be tried.
        registration_deadline=utcnow() + timedelta(days=60),
        default_cap=3,
        cap_in_person=True,
        contact_email="isu@apminebanconvention.org",
        secretariat="Implementation Support Unit, Anti-Personnel Mine Ban Convention",
    )
    event.meetings = [
        Meeting(
            title="Intersessional Meetings", starts_at=_at(first, 10), ends_at=_at(last, 13), room="Salle A"
        ),
        Meeting(
            title="First Preparatory Meeting of the Fifth Review Conference",
            starts_at=_at(last, 15),
            ends_at=_at(last, 18),
            room="Salle A",
        ),
    ]
    session.add(event)
    session.flush()
    result = SeedResult(event=event, codes_valid=keys.codes_can_be_valid(event))

    specs = [(country_name(c), Category.STATE_PARTY, c) for c in STATES_PARTIES]
    specs += [(country_name(c), Category.STATE_NOT_PARTY, c) for c in STATES_NOT_PARTY]
    specs += [(name, category, None) for name, category in ORGANIZATIONS]
    for name, category, country in specs:
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:20]
        delegation = Delegation(
            event_id=event.id,
            name=name,
            category=category,
            country=country,
            names=OWN_NAMES.get(name, {}),
            cap_override=5 if category == Category.ICRC else None,
            focal_point_name=f"Focal point, {name}",
            focal_point_email=f"focal.{slug}@example.org",
        )
        session.add(delegation)
        session.flush()
        result.links.append((name, auth.reset_delegation_link(session, delegation)))
        result.delegations += 1
        result.participants += _seed_participants(
            session, delegation, rng, LANGUAGE_OF.get(country or "", "en"), result.codes_valid
        )

    _seed_documents(session, event)

    # Salle A is inside the building: people who came in at the main entrance pass it too, so it
    # checks their badges without anti-passback (which counts the building, not the room).
    for name, direction, anti_passback in (("Main entrance", "both", True), ("Salle A", "in", False)):
        door.save_checkpoint(
            session, event, None, name=name, direction=direction, anti_passback=anti_passback
        )
    result.organizer_email, result.organizer_password = _staff_account(session, "organizer", Role.ORGANIZER)
    result.security_email, result.security_password = _staff_account(session, "security", Role.SECURITY)
    result.links_file = _write_links(result, base_url)
    return result


def _renew(session: Session, event: Event, base_url: str) -> SeedResult:
    """The demo event as it is, with new passwords for its accounts and new private links."""
    result = SeedResult(event=event, codes_valid=keys.codes_can_be_valid(event), kept=True)
    delegations = session.execute(
        select(Delegation).where(Delegation.event_id == event.id).order_by(Delegation.id)
    ).scalars()
    for delegation in delegations:
        result.links.append((delegation.name, auth.reset_delegation_link(session, delegation)))
    result.delegations = len(result.links)
    result.participants = session.execute(
        select(func.count()).select_from(Participant).where(Participant.event_id == event.id)
    ).scalar_one()
    result.organizer_email, result.organizer_password = _staff_account(session, "organizer", Role.ORGANIZER)
    result.security_email, result.security_password = _staff_account(session, "security", Role.SECURITY)
    result.links_file = _write_links(result, base_url)
    return result


def _staff_account(session: Session, name: str, role: Role) -> tuple[str, str]:
    """The demo's account NAME@example.org with ROLE and a new random password."""
    email, password = f"{name}@example.org", secrets.token_urlsafe(12)
    user = session.execute(select(User).filter_by(email=email)).scalar_one_or_none()
    if user is None:
        user = User(email=email, role=role)
        session.add(user)
    user.set_password(password)
    return email, password


def _seed_participants(
    session: Session, delegation: Delegation, rng: random.Random, language: str, accredit: bool
) -> int:
    pool = list(dict.fromkeys(NAMES[language] + NAMES["en"]))
    count = rng.choice([0, 1, 2, 2, 3, 3, 3])
    people = rng.sample(pool, count)
    made = 0
    for index, (given, family, gender) in enumerate(people):
        mode = "online" if rng.random() < 0.15 else "in_person"
        data = {
            "title": rng.choice(TITLES[gender]),
            "given_name": given,
            "family_name": family,
            "function": FUNCTIONS[min(index, len(FUNCTIONS) - 1)],
            "gender": gender,
            "email": f"{delegation.id}.{index}.{rng.randrange(10**6)}@example.org",
            "mode": mode,
            "language": language,
        }
        participant = registration.add_participant(session, delegation, data, SEED_ACTOR)
        fate = rng.random()
        if fate < 0.55:
            if accredit:
                registration.change_status(session, participant, Status.ACCREDITED, SEED_ACTOR)
        elif fate < 0.62:
            registration.change_status(session, participant, Status.REJECTED, SEED_ACTOR)
        elif fate < 0.68:
            registration.change_status(session, participant, Status.WITHDRAWN, SEED_ACTOR)
        made += 1
    session.flush()
    return made


#: The credentials documents the demo files, in turn, for the States Parties (so the report shows
#: every case), as (kind, authority, original, decision); None: nothing received.
STATE_PARTY_DOCUMENTS = (
    ("credentials", "head_of_state", True, "accepted"),
    ("credentials", "foreign_minister", False, "accepted"),
    ("note_verbale", "permanent_mission", False, "accepted"),
    None,
    ("note_verbale", "permanent_mission", False, "pending"),
    ("credentials", "foreign_minister", True, "accepted"),
    ("note_verbale", "permanent_mission", False, "returned"),
)


def demo_document(title: str) -> bytes:
    """A one-page PDF that stands for a scanned letter (drawn by Pillow)."""
    from PIL import Image, ImageDraw, ImageFont

    page = Image.new("RGB", (827, 1169), "white")  # A4 at 100 dpi
    draw = ImageDraw.Draw(page)
    draw.text((80, 90), "DEMO", fill=(170, 170, 170), font=ImageFont.load_default(size=64))
    draw.text((80, 200), title, fill="black", font=ImageFont.load_default(size=30))
    for line in range(14):
        draw.line(
            (80, 300 + line * 40, 747 - (line % 3) * 90, 300 + line * 40), fill=(120, 120, 120), width=3
        )
    out = io.BytesIO()
    page.save(out, format="PDF", resolution=100)
    return out.getvalue()


def _seed_documents(session: Session, event: Event) -> None:
    """File credentials documents for some delegations: originals, copies, notes verbales, nothing."""
    files: dict[str, documents.CleanFile] = {}

    def clean(kind: str) -> documents.CleanFile:
        if kind not in files:
            title = {"credentials": "Credentials", "note_verbale": "Note verbale", "nomination": "Nomination"}
            files[kind] = documents.clean_file(demo_document(title[kind]), 5 * 1024 * 1024, 5)
        return files[kind]

    delegations = session.execute(
        select(Delegation).where(Delegation.event_id == event.id).order_by(Delegation.id)
    ).scalars()
    parties = 0
    for delegation in delegations:
        if delegation.category == Category.STATE_PARTY:
            spec = STATE_PARTY_DOCUMENTS[parties % len(STATE_PARTY_DOCUMENTS)]
            parties += 1
        elif delegation.category == Category.STATE_NOT_PARTY:
            spec = ("note_verbale", "permanent_mission", False, "accepted")
        else:
            spec = ("nomination", "organisation", True, "accepted")
        if spec is None:
            continue
        kind, authority, original, decision = spec
        named = [p.id for p in delegation.participants if p.status in (Status.PENDING, Status.ACCREDITED)]
        data = {
            "kind": kind,
            "authority": authority,
            "original": "original" if original else "",
            "issued_on": (event.starts_on - timedelta(days=21 + delegation.id % 10)).isoformat(),
            "reference": f"{delegation.id:03d}/{event.starts_on.year}",
            "participant_ids": named,
        }
        document = documents.add_document(session, delegation, data, clean(kind), SEED_ACTOR)
        if decision == "accepted":
            documents.decide(session, document, "accepted", SEED_ACTOR)
        elif decision == "returned":
            documents.decide(session, document, "returned", SEED_ACTOR, reason="unsigned")
    session.flush()


def links_file() -> Path:
    """instance/demo-links.txt: the demo's passwords and links, readable by its owner only."""
    return Path(current_app.instance_path) / "demo-links.txt"


def private_link(base_url: str, secret: str) -> str:
    """A delegation's private link in full."""
    return f"{base_url.rstrip('/')}/d/{secret}/"


def _write(path: Path, lines: list[str]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def _write_links(result: SeedResult, base_url: str) -> Path:
    """Write demo-links.txt anew: what seed-demo made (the demo kiosk's part is added by demo-kiosk)."""
    base = base_url.rstrip("/")
    path = links_file()
    lines = [
        f"Open first: {base}/login (the organizer), or a delegation's private link below",
        f"Organizer: {result.organizer_email} / {result.organizer_password} ({base}/admin/)",
        f"Security at the door: {result.security_email} / {result.security_password} ({base}/door/{SLUG}/)",
        "",
    ]
    lines += [f"{name}\t{private_link(base, secret)}" for name, secret in result.links]
    _write(path, lines)
    return path


def write_kiosk_links(lines: list[str]) -> Path:
    """Put the demo kiosk's lines at the end of demo-links.txt, in place of any earlier ones."""
    path = links_file()
    kept = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    if KIOSK_SECTION in kept:
        kept = kept[: kept.index(KIOSK_SECTION)]
    while kept and not kept[-1]:
        kept.pop()
    _write(path, [*kept, "", KIOSK_SECTION, *lines] if kept else [KIOSK_SECTION, *lines])
    return path


def desk_account(session: Session, actor: Actor) -> tuple[str, str]:
    """The demo's registration desk account, made or given a new password; (e-mail, password)."""
    password = secrets.token_urlsafe(12)
    user = session.execute(select(User).filter_by(email=DESK_EMAIL)).scalar_one_or_none()
    if user is None:
        accounts.create_user(session, DESK_EMAIL, Role.DESK.value, password, actor)
    else:
        user.set_password(password)
    return DESK_EMAIL, password


def next_arrival(session: Session, event: Event) -> Participant | None:
    """Someone who can still check in at the demo kiosk: accredited, in person, not checked in."""
    return session.execute(
        select(Participant)
        .where(
            Participant.event_id == event.id,
            Participant.status == Status.ACCREDITED,
            Participant.mode == Mode.IN_PERSON,
            ~select(CheckIn.id).where(CheckIn.participant_id == Participant.id).exists(),
        )
        .order_by(Participant.id)
        .limit(1)
    ).scalar_one_or_none()
