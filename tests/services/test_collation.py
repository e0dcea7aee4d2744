"""Alphabetical order in the six languages, compared with ICU's (Intl.Collator).

The expected orders in ORDERS are Chromium's: each list was sorted once with
`[...names].sort(new Intl.Collator(language).compare)` in headless Chromium 156 (Debian 12,
/usr/bin/chromium) and copied here as it came out. The UN country names of countries.json were
sorted by Node's Intl.Collator (scripts/make-countries.py): a second, larger table.
"""

from __future__ import annotations

import itertools
import random
import subprocess
import sys
from types import SimpleNamespace

import pytest

from kiosk.services import collation, countries

ORDERS = {
    "fr": [
        "Abbé", "Aeby", "Ærø", "cote", "coté", "côte", "côté", "d'Alembert", "Dalembert", "De Gaulle",
        "Dupont", "Dupont-Aignan", "elise", "Élise", "Eloi", "Étienne", "Ève", "Lucas", "Łukasz",
        "Ødegaard", "Odile", "Oeuvre", "Œuvre", "Olsen", "Ozenne", "Zoé",
    ],
    "es": [
        "Chávez", "Cuba", "Czar", "Llosa", "Lluvia", "Lopez", "López", "Lozano", "Munoz", "Muñoz",
        "Murillo", "Nunez", "Nuno", "Nuñez", "Nuño", "Nuzman", "Nyberg", "Ñandú", "Penalva", "Peña",
        "Pereira", "Pérez",
    ],
    "ru": [
        "Ежов", "Елкин", "Ёлкин", "Ершов", "Жуков", "Иванов", "Ивлев", "Ильин", "Йорданов", "Федоров",
        "Фёдоров", "Федотов", "Юрьев", "Яковлев", "Lee", "Smith",
    ],
    "ar": [
        "آدم", "آمنة", "إبراهيم", "ابراهيم", "أحمد", "احمد", "الحداد", "امين", "أمينة", "بكر", "حداد",
        "رأفت", "رافت", "رؤوف", "عبد الله", "عبدالله", "فاطمة", "ليلى", "ليلي", "مرية", "مريم", "مصطفى",
        "يوسف", "Smith",
    ],
    "zh": [
        "1号", "阿根廷", "北京", "李", "欧阳", "钱", "司马", "孙", "汪", "王", "王小明", "吴", "张", "张伟",
        "章", "赵", "郑", "中国", "周", "Ahmed", "Bob", "Zürich", "Иван",
    ],
    "en": [
        "de Gaulle", "Degas", "emile", "Émile", "Mueller", "Muller", "Müller", "O'Neil", "O’Neil",
        "Ødegaard", "Ol", "Olsen", "Oneil", "Øst", "Van der Berg", "van Dyke", "Vance", "zoe", "Zoë",
    ],
}  # fmt: skip


@pytest.mark.parametrize("language", ORDERS)
def test_names_sort_as_intl_collator_does(language):
    names = list(ORDERS[language])
    for seed in range(3):
        random.Random(seed).shuffle(names)
        assert sorted(names, key=lambda n: collation.key(n, language)) == ORDERS[language]


@pytest.mark.parametrize(
    ("language", "before", "after"),
    [
        ("es", "Nuzman", "Ñandú"),  # ñ is a letter after n, not n with an accent
        ("fr", "Nuñez", "Nuzman"),  # … which it is in French
        ("ru", "Ёлкин", "Ершов"),  # ё is е
        ("ru", "Ильин", "Йорданов"),  # й is a letter after и
        ("ar", "آمنة", "أحمد"),  # words with alef madda before the other alef words
        ("ar", "الحداد", "بكر"),  # the article counts
        ("zh", "阿", "北"),
        ("zh", "北", "中"),
        ("zh", "中", "Ahmed"),  # Han before Latin
        ("zh", "汪", "王"),  # wāng before wáng
        ("ru", "Яковлев", "Lee"),  # each language's own script first
        ("ar", "يوسف", "Lee"),
        ("en", "Lee", "Яковлев"),
    ],
)
def test_pairs(language, before, after):
    assert collation.key(before, language) < collation.key(after, language)


@pytest.mark.parametrize("language", ["en", "fr", "es", "ar", "ru"])
def test_un_country_names_in_each_language_order(language):
    table = countries._table()
    names = table["names"]
    ours = sorted(names, key=lambda code: collation.key(names[code][language], language))
    assert ours == table["order"][language]


def test_chinese_country_names_agree_but_for_characters_of_one_reading():
    """ICU orders characters of one syllable and tone by a table we do not have (立 before 利);
    between any two names next to each other in ICU's order, ours agrees unless that decides."""
    table = countries._table()
    names = [table["names"][code]["zh"] for code in table["order"]["zh"]]
    ties = 0
    for earlier, later in itertools.pairwise(names):
        if collation.key(earlier, "zh") < collation.key(later, "zh"):
            continue
        units = [collation.key(name, "zh")[0].split("\x03") for name in (earlier, later)]
        first, second = next((a, b) for a, b in zip(*units, strict=False) if a != b)
        assert first[:-1] == second[:-1], (earlier, later)  # the same reading, another character
        ties += 1
    assert ties == 4  # 立/利, 秘/密, 莫/墨, 西/希


def test_the_order_is_total_and_the_same_for_equal_texts():
    assert collation.key("Lopez", "es") != collation.key("López", "es")
    assert collation.key("", "fr") < collation.key("a", "fr")
    assert collation.key("Abc", "xx") == collation.key("Abc", "en")  # other languages as English
    assert collation.key("Ñu", "es-ES") == collation.key("Ñu", "es")


def test_sort_by_several_texts():
    people = [
        SimpleNamespace(family=f, given=g) for f, g in [("Núñez", "Ana"), ("Nunez", "Zoe"), ("Nunez", "Ana")]
    ]
    ordered = collation.sort(people, "es", lambda p: (p.family, p.given))
    assert [(p.family, p.given) for p in ordered] == [("Nunez", "Ana"), ("Nunez", "Zoe"), ("Núñez", "Ana")]


def test_chinese_reads_the_pinyin_table_without_importing_pypinyin():
    """pypinyin's phrase dictionaries take 56 MB once imported; the table of characters is enough."""
    script = (
        "import sys; from kiosk.services import collation; "
        "assert collation.key('中', 'zh') > collation.key('北', 'zh'); "
        "print(any(m.startswith('pypinyin') for m in sys.modules))"
    )
    found = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False"
