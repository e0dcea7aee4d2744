"""Alphabetical order in each of the six UN languages, as Intl.Collator (ICU, CLDR) sorts, without ICU.

`key(text, language)` is what to sort by; `sort(items, language, by)` sorts objects by one text or
a tuple of texts (family name, then given name). The order is CLDR's for the language, as
Chromium's Intl.Collator gives it on the names the tests list (tests/services/test_collation.py):

- letters compare without accents or case first; then accents decide (forwards: "cote" < "coté" <
  "côte"), then case (lower first), then the text itself, so the order is total and stable;
  œ and æ sort as oe and ae, ø ł đ as o l d with an accent; й and ı are letters of their own
  after и and i; ё is е with an accent;
- Spanish: ñ is a letter of its own after n ("Nuno" < "Nuñez" < "Nuño" < "Nuzman");
- Arabic: أ and إ are alef (before the bare alef at equal letters), words starting with آ come
  before every other alef word, hamza (ء ؤ ئ) after them, ة is ت and ى is ي (each before the
  plain letter), tatweel and harakat aside; the article counts ("الحداد" sorts under alef), as in
  ICU;
- Chinese: Han characters by pinyin (the first reading in pypinyin's table of single characters),
  then tone, then code point, before Latin letters, as the CLDR "zh" collation does;
- scripts: the language's own first (Cyrillic for Russian, Arabic for Arabic, Han for Chinese),
  then Latin, Cyrillic, Arabic, Han; spaces and punctuation before digits, digits before letters.

Known differences from ICU: a Han character with several readings sorts by the first (长 as
cháng, where ICU files it under zhǎng); characters of one syllable and tone by code point (ICU:
立 before 利, 西 before 希); a hamza inside a word before alef (ICU: "سءال" before "سال");
symbols other than common punctuation after it in code-point order; a lone hamza form.

The pinyin table (42,000 characters, about 6 MB, 0.2 s) is read the first time Chinese is sorted, from
pypinyin's data file, without importing pypinyin (whose phrase dictionaries take 56 MB).
"""

from __future__ import annotations

import importlib.util
import json
import unicodedata
from collections.abc import Callable, Iterable
from functools import cache, lru_cache
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
Key = tuple[str, tuple, tuple, str]

#: A unit after every other one: "n" + LAST sorts after every n-word, before o (Spanish ñ).
LAST = "\U0010ffff"
#: Groups, the first character of each unit of the primary key.
_LOW, _PUNCTUATION, _DIGIT, _FIRST, _LATIN, _CYRILLIC, _ARABIC, _HAN, _OTHER = (chr(i) for i in range(9))
#: Spaces and punctuation in ICU's order (space, hyphen, comma, full stop, apostrophe, …).
_PUNCTUATION_ORDER = {ch: chr(0x21 + i) for i, ch in enumerate(" _-,;:!?.'’\"“”«»()[]{}@*/\\&#%+<=>|~$")}
#: The script each language puts first.
_OWN_SCRIPT = {"ru": _CYRILLIC, "ar": _ARABIC, "zh": _HAN}
#: Accents in the order ICU weighs them at the second level (unaccented first).
_ACCENTS = {
    mark: rank
    for rank, mark in enumerate(
        "\u0301\u0300\u0306\u0302\u030c\u030a\u0308\u030b\u0303\u0307\u0327\u0328\u0304", start=1
    )
}
#: Letters that ICU sorts as others with an accent (ø ł đ) or as two letters (œ æ).
_EXPANSIONS = {"ø": ("o", 30), "ł": ("l", 30), "đ": ("d", 30), "œ": ("oe", 31), "æ": ("ae", 31)}
#: Arabic letters sorted with another one: (letter, rank among its forms; the plain letter is 0);
#: hamza (ء, ؤ, ئ) sorts after every alef word ("ا" + LAST).
_ARABIC_FORMS = {
    "أ": ("ا", -3), "إ": ("ا", -2), "ؤ": ("ا" + LAST, 1), "ئ": ("ا" + LAST, 2),
    "ة": ("ت", -1), "ى": ("ي", -1),
}  # fmt: skip
#: Pinyin tone marks: the tone they write, and their rank in Chinese order (ā á ǎ à before a).
_TONES = {"\u0304": 1, "\u0301": 2, "\u030c": 3, "\u0300": 4}


def key(text: str, language: str) -> Key:
    """What `text` sorts by in `language` (en, fr, es, ar, zh, ru; others as English)."""
    language = (language or "en").replace("-", "_").split("_")[0]
    first = _OWN_SCRIPT.get(language)
    primary: list[str] = []
    secondary: list[tuple[int, ...]] = []
    tertiary: list[int] = []
    for ch in unicodedata.normalize("NFC", text or ""):
        if unicodedata.combining(ch) and secondary:  # a mark with no precomposed letter (Arabic harakat)
            secondary[-1] += (_ACCENTS.get(ch, 40),)
            continue
        for unit, accent in _units(ch, language, first):
            primary.append(unit)
            secondary.append(accent)
            tertiary.append(int(ch.isupper()))
    return "".join(primary), tuple(secondary), tuple(tertiary), text or ""


def sort(items: Iterable[T], language: str, by: Callable[[T], str | tuple[str, ...]]) -> list[T]:
    """`items` in the alphabetical order of `language` of the text `by` gives (or texts, in turn)."""

    def item_key(item: T) -> tuple[Key, ...]:
        texts = by(item)
        return tuple(key(t, language) for t in ((texts,) if isinstance(texts, str) else texts))

    return sorted(items, key=item_key)


@lru_cache(maxsize=8192)
def _units(ch: str, language: str, first: str | None) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """The primary units of one character with their accents (second-level weights)."""
    return tuple(_units_of(ch, language, first))


def _units_of(ch: str, language: str, first: str | None) -> list[tuple[str, tuple[int, ...]]]:
    if ch == "ـ" or unicodedata.category(ch) in ("Cc", "Cf"):
        return []  # tatweel, controls and format characters are ignored
    if ch in _PUNCTUATION_ORDER:
        return [(_PUNCTUATION + _PUNCTUATION_ORDER[ch], (0,))]
    if unicodedata.category(ch)[0] in "PSZ":  # other spaces, punctuation and symbols, after those
        return [(_PUNCTUATION + "\x7f" + ch, (0,))]
    if language == "zh" and (reading := _pinyin().get(ord(ch))):
        return [(_group(_HAN, first) + reading + ch, (0,))]
    lower = ch.casefold()
    if language == "es" and lower == "ñ":
        return [(_group(_LATIN, first) + "n" + LAST, (0,))]
    if lower in ("й", "ı"):  # letters of their own after и and i
        return [(_group(_script(ch), first) + {"й": "и", "ı": "i"}[lower] + LAST, (0,))]
    if lower in _EXPANSIONS:
        letters, accent = _EXPANSIONS[lower]
        return [(_group(_LATIN, first) + c, (0, accent) if i == 0 else (0,)) for i, c in enumerate(letters)]
    if ch in _ARABIC_FORMS:
        letter, rank = _ARABIC_FORMS[ch]
        return [(_group(_ARABIC, first) + letter, (rank,))]
    if ch == "آ":  # alef madda: before every other alef word
        return [(_group(_ARABIC, first) + "ا", (0,)), (_LOW, (0,))]
    if ch in "ءٱ":  # hamza, then alef wasla: after every alef word, before ب
        return [(_group(_ARABIC, first) + "ا" + LAST * (1 + (ch == "ٱ")), (0,))]
    decomposed = unicodedata.normalize("NFKD", lower)
    marks = [m for m in decomposed if unicodedata.combining(m)]
    units = []
    for base in (c for c in decomposed if not unicodedata.combining(c)):
        group = _group(_script(base), first)
        units.append((group + base, _accent(base, marks, language)))
        marks = []  # the marks go with the first letter of an expansion
    return units


def _accent(base: str, marks: list[str], language: str) -> tuple[int, ...]:
    if language == "zh" and base in "aeiou":
        umlaut = int("\u0308" in marks)
        tone = next((_TONES[m] for m in marks if m in _TONES), 5)
        return (0, umlaut, tone)
    return (0, *(_ACCENTS.get(m, 40) for m in marks))


def _script(ch: str) -> str:
    if ch.isdigit():
        return _DIGIT
    code = ord(ch)
    if code < 0x250 or 0x1E00 <= code < 0x1F00:
        return _LATIN
    if 0x400 <= code < 0x530:
        return _CYRILLIC
    if 0x600 <= code < 0x700 or 0x750 <= code < 0x780 or 0xFB50 <= code < 0xFF00:
        return _ARABIC
    if 0x3400 <= code < 0xA000 or 0x20000 <= code < 0x31350 or 0xF900 <= code < 0xFB00:
        return _HAN
    return _OTHER


def _group(script: str, first: str | None) -> str:
    """The group of a unit: the language's own script first, right after the digits."""
    return _FIRST if script == first else script


@cache
def _pinyin() -> dict[int, str]:
    """Code point → first pinyin reading as sorted: syllable, tone (1–4, 5 unmarked): "zhong1"."""
    spec = importlib.util.find_spec("pypinyin")  # finds the package without importing it
    assert spec is not None and spec.submodule_search_locations
    path = Path(next(iter(spec.submodule_search_locations))) / "pinyin_dict.json"
    table = {}
    for point, readings in json.loads(path.read_text(encoding="utf-8")).items():
        decomposed = unicodedata.normalize("NFD", readings.split(",", 1)[0])
        tone = next((_TONES[m] for m in decomposed if m in _TONES), 5)
        syllable = "".join(c for c in decomposed if c not in _TONES).replace("u\u0308", "v")
        table[int(point)] = f"{unicodedata.normalize('NFC', syllable)}{tone}"
    return table
