"""Finding people by name: how typed text is compared with names, and the index that makes it fast.

A name is found when what was typed, accents, case and separators aside, starts the name or
one of its words, in its own script or, for Cyrillic, as typed on a Latin keyboard ("petrova"
finds "Петрова"); ё is е. Arabic is folded as people type it (`fold_arabic`): hamza forms,
ta marbuta, alef maqsura, tatweel and harakat aside, with or without the article ("حداد" finds
"الحدّاد"). Each participant has a few search keys (`name_keys`): the folded name from
each of its words on, without separators. A search then reads one range of an index
(event, key, participant), a page at a time, whatever the number of participants. The keys are
rewritten on every flush that adds a participant or changes their name, so they cannot fall
behind the names; rows written with Core statements (a bulk insert) skip the flush and call
`index_names` themselves.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, Select, delete, event, func, insert, or_, select
from sqlalchemy.orm import Session, attributes

from kiosk.models import Participant
from kiosk.models.participant import NAME_KEY_LENGTH, NameKey, normalise_reference

#: A search shows nothing for fewer letters than this; a Chinese, Japanese or Korean character
#: counts as two (王 is a whole family name).
MIN_SEARCH_LETTERS = 2

#: What separates the words of a name; ignored when comparing.
_SEPARATORS = re.compile(r"[\s\-'’]+")

#: Cyrillic letters as people type them on a Latin keyboard ("Петрова" is found by "petrova").
_CYRILLIC = str.maketrans(
    {
        **dict(zip("абвгдезийклмнопрстуфхцыэ", "abvgdezijklmnoprstufhcye", strict=True)),
        "ё": "e", "ж": "zh", "ч": "ch", "ш": "sh", "щ": "shch", "ю": "yu", "я": "ya", "ъ": "", "ь": "",
    }
)  # fmt: skip


#: Arabic letters as people type them: alef wasla and the hamza forms that do not decompose,
#: ta marbuta as ha, alef maqsura as ya, Persian ya and kaf as Arabic ones, no tatweel.
_ARABIC = str.maketrans({"ٱ": "ا", "ة": "ه", "ى": "ي", "ی": "ي", "ک": "ك", "ـ": None})
#: The Arabic article, and the least a word keeps without it ("الله" stays whole).
_ARTICLE = "ال"
_ARTICLE_REST = 3


def fold(text: str) -> str:
    """Text as people type it on any keyboard: no accents, no case ("Pérez" → "perez").

    Marks go with the accents: Cyrillic ё is е, Arabic harakat and the hamza over or under alef,
    waw and ya are dropped (أ إ آ → ا); then Arabic letters are folded (`_ARABIC`).
    """
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(bare.translate(_ARABIC).split())


def without_article(word: str) -> str:
    """A folded Arabic word without its article ("الحداد" → "حداد"); other words as they are."""
    if word.startswith(_ARTICLE) and len(word) - len(_ARTICLE) >= _ARTICLE_REST:
        return word[len(_ARTICLE) :]
    return word


def typed_key(text: str) -> str:
    """What was typed, as compared with search keys: folded, without separators."""
    return "".join(_SEPARATORS.split(fold(text)))[:NAME_KEY_LENGTH]


def _letters(typed: str) -> int:
    """How many letters a typed key counts as: wide (CJK) characters two, others one."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in typed)


def searchable(text: str) -> bool:
    """Whether `text` has enough letters to search with."""
    return _letters(typed_key(text)) >= MIN_SEARCH_LETTERS


def name_keys(given_name: str, family_name: str) -> dict[str, bool]:
    """The search keys of a name, each with whether it starts in the family name.

    "Ana Pérez Soto" gives anaperezsoto (the given name on), perezsoto and soto (family name);
    a Cyrillic name gives the same keys again in Latin letters, an Arabic name again without
    its articles ("ليلى الحداد" also gives ليليحداد and حداد).
    """
    keys: dict[str, bool] = {}
    given, family = fold(given_name), fold(family_name)
    bare_given, bare_family = (" ".join(map(without_article, part.split())) for part in (given, family))
    spellings = {
        (given, family),
        (given.translate(_CYRILLIC), family.translate(_CYRILLIC)),
        (bare_given, bare_family),
    }
    for spelling in spellings:
        given_words, family_words = (_words(part) for part in spelling)
        words = given_words + family_words
        for start in range(len(words)):
            key = "".join(words[start:])[:NAME_KEY_LENGTH]
            keys[key] = keys.get(key, False) or start >= len(given_words)
    return keys


def _words(folded: str) -> list[str]:
    return [word for word in _SEPARATORS.split(folded) if word]


def _after(prefix: str) -> str:
    """The first text after every text that starts with `prefix`, in code point order."""
    following = ord(prefix[-1]) + 1
    if 0xD800 <= following <= 0xDFFF:  # surrogates are not text
        following = 0xE000
    return prefix[:-1] + chr(min(following, 0x10FFFF))


def _key_page(
    event_id: int, typed: str, after_key: str, after_id: int, family_only: bool, size: int
) -> Select:
    """The next `size` (key, participant id) that start with `typed`, after (after_key, after_id)."""
    keys = select(NameKey.key, NameKey.participant_id).where(
        NameKey.event_id == event_id,
        NameKey.key >= after_key,
        NameKey.key < _after(typed),
        or_(NameKey.key > after_key, NameKey.participant_id > after_id),
    )
    if family_only:
        keys = keys.where(NameKey.family.is_(True))
    return keys.order_by(NameKey.key, NameKey.participant_id).limit(size)


def find_ids(
    session: Session,
    event_id: int,
    text: str,
    limit: int,
    *,
    family_only: bool = False,
    where: Sequence[ColumnElement[bool]] = (),
) -> list[int]:
    """Up to `limit` ids of an event's people whose name `text` starts and who meet `where`
    (conditions on Participant), in the order of their names' keys. Too short a text finds nobody.

    The keys are read a page at a time through the index, then their people are checked: two
    plain statements whose plans cannot go wrong (a join would let PostgreSQL start from the
    participants and read them all).
    """
    typed = typed_key(text)
    if _letters(typed) < MIN_SEARCH_LETTERS:
        return []
    page_size = limit * 3
    found: dict[int, None] = {}
    after_key, after_id = typed, 0
    while len(found) < limit:
        page = session.execute(_key_page(event_id, typed, after_key, after_id, family_only, page_size)).all()
        if not page:
            break
        ids = [pid for _key, pid in page]
        kept = set(session.execute(select(Participant.id).where(Participant.id.in_(ids), *where)).scalars())
        found.update((pid, None) for pid in ids if pid in kept)
        if len(page) < page_size:
            break
        after_key, after_id = page[-1]
    return list(found)[:limit]


#: The most people one search finds (the admin list and the API page through them).
SEARCH_LIMIT = 5000


def search_ids(
    session: Session,
    event_id: int,
    text: str,
    *,
    limit: int = SEARCH_LIMIT,
    where: Sequence[ColumnElement[bool]] = (),
    family_only: bool = False,
) -> list[int]:
    """The one participant search (the admin list, the API, the desk, the kiosk's find-me).

    The ids of an event's people who meet `where` and whom `text` names: by their reference
    (K7M4-QX2P) or their e-mail address in full, else by the start of their name or of one of
    its words, accents, case and separators aside, Cyrillic also as typed in Latin (`find_ids`).
    `family_only` (the kiosk) looks at family names only, never at references or addresses.
    """
    if not searchable(text):
        return []
    if not family_only:
        exact = None
        reference = normalise_reference(text)
        if len(reference) == 9 and reference[4] == "-":
            exact = Participant.reference == reference
        elif "@" in text:
            exact = func.lower(Participant.email) == text.strip().lower()
        if exact is not None:
            ids = session.execute(
                select(Participant.id)
                .where(Participant.event_id == event_id, exact, *where)
                .order_by(Participant.id)
                .limit(limit)
            ).scalars()
            if found := list(ids):
                return found
    found = find_ids(session, event_id, text, limit, family_only=family_only, where=where)
    bare = " ".join(map(without_article, fold(text).split()))
    if len(found) < limit and bare != fold(text):  # typed with the article, written without it
        more = find_ids(session, event_id, bare, limit, family_only=family_only, where=where)
        seen = set(found)
        found += [pid for pid in more if pid not in seen][: limit - len(found)]
    return found


def index_names(
    session: Session, participants: Iterable[tuple[int, int, str, str]], *, replace: bool = True
) -> None:
    """Write the search keys of these participants: (id, event id, given name, family name).

    `replace=False` for people who have no keys yet (just inserted): nothing to delete first.
    """
    rows = list(participants)
    if not rows:
        return
    connection = session.connection()
    ids = [row[0] for row in rows] if replace else []
    for start in range(0, len(ids), 500):
        connection.execute(delete(NameKey).where(NameKey.participant_id.in_(ids[start : start + 500])))
    keys = [
        {"participant_id": pid, "event_id": event_id, "key": key, "family": family}
        for pid, event_id, given, family_name in rows
        for key, family in name_keys(given, family_name).items()
    ]
    for start in range(0, len(keys), 5000):
        connection.execute(insert(NameKey), keys[start : start + 5000])


_NAMED = ("given_name", "family_name")


def _index_flushed(session: Session, _context) -> None:
    """Write the keys of participants added or renamed in this flush (their ids are known now)."""
    added = [obj for obj in session.new if isinstance(obj, Participant)]
    renamed = [
        obj
        for obj in session.dirty
        if isinstance(obj, Participant)
        and any(attributes.get_history(obj, name).has_changes() for name in _NAMED)
    ]
    index_names(session, ((p.id, p.event_id, p.given_name, p.family_name) for p in added), replace=False)
    index_names(session, ((p.id, p.event_id, p.given_name, p.family_name) for p in renamed))


def init_app(_app: object = None) -> None:
    """Keep search keys in step with names on every flush of any session (once per process)."""
    if not event.contains(Session, "after_flush", _index_flushed):
        event.listen(Session, "after_flush", _index_flushed)
