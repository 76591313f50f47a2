"""WCAG 2.2 AA checks with axe-core (vendored from npm) on the portal's pages, for each side.

Fails on any serious or critical violation of the WCAG A/AA rules; screenshots are kept.
"""

from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

PAGES = {
    "norfolk.commissioner": [
        "/",
        "/schemes/",
        "/schemes/contracts/",
        "/alerts/",
        "/api-access/",
        "/invoicing/credit-notes/",
        "/access-log/",
    ],
    "wensum.manager": [
        "/",
        "/schemes/",
        "/schemes/contracts/",
        "/alerts/",
        "/invoicing/credit-notes/",
        "/access-log/",
    ],
}


def axe_violations(page):
    # A click that navigates returns before the new document has a <head>: wait for it to load,
    # or axe is injected into a page that is being replaced.
    for attempt in range(3):
        page.wait_for_load_state("load")
        try:
            # Evaluated through the DevTools protocol, not added as an inline <script>: the
            # Content Security Policy (which the tests keep on) runs no inline script.
            page.evaluate(AXE)
            break
        except PlaywrightError:
            if attempt == 2:
                raise
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def _describe(violations):
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — e.g. {v['nodes'][0]['target']}" for v in violations
    )


def test_sign_in_page_is_accessible(page, demo_data):
    page.goto("/accounts/login/")
    violations = axe_violations(page)
    assert not violations, _describe(violations)


@pytest.mark.parametrize("username", sorted(PAGES))
def test_pages_are_accessible(page, demo_data, sign_in, screenshot, username):
    sign_in(page, username)
    problems = []
    for path in PAGES[username]:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        violations = axe_violations(page)
        if violations:
            problems.append(f"{path}:\n{_describe(violations)}")
    # Detail pages: the first scheme and contract linked from the lists.
    for list_path in ("/schemes/", "/schemes/contracts/"):
        page.goto(list_path)
        page.locator("table tbody th[scope=row] a").first.click()
        page.wait_for_load_state("networkidle")
        violations = axe_violations(page)
        if violations:
            problems.append(f"{page.url}:\n{_describe(violations)}")
    screenshot(page, f"a11y-{username}")
    assert not problems, "\n\n".join(problems)
