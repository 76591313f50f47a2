"""TUPE legacy costs in a browser, on the demo: the council finds a contract's Legacy Staff, opens
a quarter's legacy-cost invoice and a line's explanation; every page passes axe."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import _describe, axe_violations

pytestmark = pytest.mark.browser


def test_the_council_reads_a_quarters_legacy_costs(page, demo_data, sign_in, screenshot):
    problems = []

    def accessible():
        violations = axe_violations(page)
        if violations:
            problems.append(f"{page.url}:\n{_describe(violations)}")

    sign_in(page, "norfolk.commissioner")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="TUPE legacy costs").click()
    accessible()
    page.get_by_role("link", name="NCC-HWC-L1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("TUPE legacy costs")
    expect(page.get_by_role("cell", name="LS-001").first).to_be_visible()
    accessible()
    screenshot(page, "legacy-costs-1-contract")
    page.get_by_role("link", name="NCC-HWC-L1-LEG-20250101").click()
    accessible()
    screenshot(page, "legacy-costs-2-invoice")
    page.get_by_role(
        "link", name="Record the list as agreed"
    ).count()  # the council's form is offered on the contract page
    page.goto(page.url + "schedule/")
    page.get_by_role("link", name="LGPS", exact=False).first.click()
    expect(page.locator("[data-legacy-steps] li").first).to_contain_text("calculation agreed at quarter 3")
    accessible()
    screenshot(page, "legacy-costs-3-line")
    assert not problems, "\n".join(problems)
