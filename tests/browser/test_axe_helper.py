"""The axe-core helper finds a real violation and stays quiet on a clean page."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser.axe import report, serious_violations

CLEAN = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Clean</title></head>
<body><main><h1>Clean</h1><p>Black on white.</p></main></body></html>"""


def test_low_contrast_text_is_reported(page: Page):
    page.set_content(CLEAN.replace("<p>", '<p style="color:#fff;background:#009edb">'))
    violations = serious_violations(page)
    assert [v["id"] for v in violations] == ["color-contrast"]
    assert "3.03" in violations[0]["summary"]


def test_clean_page_has_no_serious_violation(page: Page):
    page.set_content(CLEAN)
    assert serious_violations(page) == [], report(serious_violations(page))
