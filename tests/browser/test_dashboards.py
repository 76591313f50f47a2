"""Each demo role signs in and sees its own dashboard."""

import pytest
from playwright.sync_api import expect

ROLES = [
    ("norfolk.commissioner", "Commissioner", "Norfolk County Council"),
    ("norfolk.brokerage", "Brokerage officer", "Norfolk County Council"),
    ("wensum.manager", "Provider manager", "Wensum Valley Care"),
    ("wensum.staff", "Provider staff", "Wensum Valley Care"),
    ("admin", "Site administrator", "Portal operations"),
]


@pytest.mark.parametrize(("username", "role", "organisation"), ROLES)
def test_each_demo_role_signs_in_and_sees_its_dashboard(
    page, demo_data, sign_in, screenshot, username, role, organisation
):
    sign_in(page, username)
    expect(page.get_by_role("heading", name="What needs doing")).to_be_visible()
    banner = page.get_by_role("banner").inner_text()
    assert role in banner and organisation in banner
    screenshot(page, f"dashboard-{username}")


def test_an_api_client_account_is_refused_at_sign_in(page, demo_data, sign_in):
    """norfolk.api calls the API with its key; it cannot sign in to the pages (issue 15)."""
    sign_in(page, "norfolk.api")
    assert page.url.endswith("/accounts/login/")
    expect(
        page.get_by_role("alert").get_by_text("This is an API client account", exact=False)
    ).to_be_visible()


def test_commissioner_sees_the_fifteen_norfolk_schemes_in_five_lots(page, demo_data, sign_in, screenshot):
    sign_in(page, "norfolk.commissioner")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Schemes").click()
    page.wait_for_load_state("networkidle")
    for lot in (
        "Lot 1: Norwich",
        "Lot 2: Norwich and North",
        "Lot 3: North & East (coastal)",
        "Lot 4: West",
        "Lot 5: South",
    ):
        expect(page.get_by_role("heading", name=lot)).to_be_visible()
    rows = page.locator("table tbody tr th[scope=row]")
    assert rows.count() == 15
    meadows = page.get_by_role("row", name="The Meadows")
    assert "83" in meadows.inner_text() and "147" in meadows.inner_text()
    assert page.get_by_text("Derby", exact=False).count() == 0
    screenshot(page, "norfolk-schemes")


def test_wrong_password_shows_an_error_and_no_dashboard(page, demo_data, sign_in):
    sign_in(page, "norfolk.commissioner", password="wrong-password")
    assert page.url.endswith("/accounts/login/")
    expect(
        page.get_by_role("alert").get_by_text("Please enter a correct username and password", exact=False)
    ).to_be_visible()
