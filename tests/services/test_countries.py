"""Countries carry their UN names in the six languages and sort as each language sorts."""

from __future__ import annotations

import unicodedata

import pytest

from kiosk.services import countries


@pytest.mark.parametrize(
    "code, language, name",
    [
        ("KR", "en", "Republic of Korea"),
        ("VN", "en", "Viet Nam"),
        ("US", "en", "United States of America"),
        ("TR", "en", "Türkiye"),
        ("KR", "fr", "République de Corée"),
        ("VN", "ru", "Вьетнам"),
        ("US", "zh", "美利坚合众国"),
        ("TR", "ar", "تركيا"),
        ("CH", "es", "Suiza"),
    ],
)
def test_un_names_in_six_languages(code, language, name):
    assert countries.country_name(code, language) == name


def test_every_country_has_a_name_in_each_language():
    for language in ("en", "fr", "es", "ar", "zh", "ru"):
        choices = countries.country_choices(language)
        assert len(choices) >= 193
        assert all(name.strip() for _code, name in choices)


@pytest.mark.parametrize("language", ["en", "fr", "es", "ru"])
def test_sorted_in_the_language_of_the_page(language):
    names = [name for _code, name in countries.country_choices(language)]
    # accents and case do not decide the order (Égypte sorts among the E's in French)
    keys = [countries_key(n) for n in names]
    assert keys == sorted(keys)
    if language == "fr":
        assert names.index("Égypte") < names.index("Érythrée") < names.index("Espagne") < names.index("Fidji")


def countries_key(name: str) -> str:
    """The first letter without its accent: what a reader of the list checks first."""
    return "".join(c for c in unicodedata.normalize("NFD", name.casefold()) if c.isalnum() or c == " ")[:1]


def test_chinese_sorts_by_pinyin_and_arabic_by_its_alphabet():
    zh = [code for code, _name in countries.country_choices("zh")]
    # 阿尔巴尼亚 (ā) … 德国 (dé) … 赞比亚 (zàn) … 中国 (zhōng)
    assert zh.index("AL") < zh.index("DE") < zh.index("ZM") < zh.index("CN")
    ar = [name for _code, name in countries.country_choices("ar")]
    assert ar.index("الأرجنتين") < ar.index("اليمن")


@pytest.mark.parametrize(
    "written, code",
    [
        ("CH", "CH"),
        ("ch", "CH"),
        ("Viet Nam", "VN"),
        ("Vietnam", "VN"),
        ("Türkiye", "TR"),
        ("République de Corée", "KR"),
        ("Швейцария", "CH"),
        ("Atlantis", None),
    ],
)
def test_lookup_reads_codes_and_names(written, code):
    assert countries.lookup(written) == code
