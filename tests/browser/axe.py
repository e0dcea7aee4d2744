"""axe-core in a Playwright page: the serious and critical accessibility violations, readably."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_VERSION = "4.14.1"
AXE_JS = Path(__file__).resolve().parent / "vendor" / f"axe-core-{AXE_VERSION}" / "axe.min.js"
SERIOUS = ("serious", "critical")

_RUN = """async (options) => {
    const results = await axe.run(document, options);
    return results.violations.map(v => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        helpUrl: v.helpUrl,
        nodes: v.nodes.map(n => ({
            target: n.target.map(String).join(" "),
            html: n.html,
            failureSummary: n.failureSummary || "",
            impact: n.impact,
        })),
    }));
}"""


@cache
def _source() -> str:
    """axe.min.js, wrapped so that evaluating it defines `window.axe`."""
    return "(() => {" + AXE_JS.read_text(encoding="utf-8") + "\n})()"


def axe_violations(page: Page, *, disable: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Every axe-core violation on the page as it is now (rules in `disable` left out)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, which the page's CSP (no inline scripts) allows;
        # page.add_script_tag would add an inline <script> that the CSP rightly blocks.
        page.evaluate(_source())
    options: dict[str, Any] = {"resultTypes": ["violations"]}
    if disable:
        options["rules"] = {rule: {"enabled": False} for rule in disable}
    violations: list[dict[str, Any]] = page.evaluate(_RUN, options)
    for violation in violations:
        violation["summary"] = describe(violation)
    return violations


def serious_violations(page: Page, *, disable: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The serious and critical axe-core violations on the page, each with a readable `summary`."""
    return [v for v in axe_violations(page, disable=disable) if v["impact"] in SERIOUS]


def describe(violation: dict[str, Any]) -> str:
    """One violation as a few lines: rule, impact, help, then each offending element and why."""
    lines = [f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})"]
    for node in violation["nodes"][:10]:
        why = " ".join(node["failureSummary"].split())
        lines.append(f"  - {node['target']}: {node['html'][:160]}")
        if why:
            lines.append(f"    {why[:400]}")
    if len(violation["nodes"]) > 10:
        lines.append(f"  … and {len(violation['nodes']) - 10} more elements")
    return "\n".join(lines)


def report(violations: list[dict[str, Any]]) -> str:
    """All violations as one message, for an assertion."""
    return "\n".join(v["summary"] for v in violations)
