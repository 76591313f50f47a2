"""Issue 16 in the browser: an order issued reaches the provider's manager as an email, received by
an SMTP server the test starts, whose link opens the order; the header search finds a person by
part of a surname. axe-core checks the new pages."""

import re

import pytest
from playwright.sync_api import expect

from packages_of_care import services
from portal.roles import Role
from tests.browser.test_accessibility import _describe, axe_violations
from tests.factories import (
    PASSWORD,
    CommissionerFactory,
    ContractFactory,
    ProviderFactory,
    SchemeFactory,
    user_for,
)
from tests.packages_of_care.conftest import daily_schedule
from tests.packages_of_care.factories import ServiceUserFactory


@pytest.fixture
def parties(transactional_db):
    council = CommissionerFactory(name="Norfolk County Council")
    provider = ProviderFactory(name="Wensum Valley Care")
    scheme = SchemeFactory(lot__framework__commissioner=council, name="Barley Court")
    contract = ContractFactory(
        commissioner=council, provider=provider, lot=scheme.lot, schemes=[scheme], reference="NCC-HWC-L1"
    )
    person = ServiceUserFactory(
        commissioner=council, name="Winifred Cubitt", reference="NCC-0901", scheme=scheme, flat="7"
    )
    ServiceUserFactory(commissioner=council, name="Arthur Cubbins", reference="NCC-0902", scheme=scheme)
    # Another council's person of the same surname: never found by Norfolk's staff.
    ServiceUserFactory(commissioner=CommissionerFactory(name="Derby City Council"), name="Wendy Cubitt")
    brokerage = user_for(council, Role.BROKERAGE, username="ben.hales", first_name="Ben", last_name="Hales")
    manager = user_for(
        provider, Role.PROVIDER_MANAGER, username="grace.moore", first_name="Grace", last_name="Moore",
        email="grace.moore@wensum.example",
    )  # fmt: skip
    return contract, person, brokerage, manager


def test_an_issued_order_is_emailed_to_the_provider(
    page, sign_in, screenshot, parties, smtp_server, settings, live_server
):
    contract, person, brokerage, manager = parties
    settings.PORTAL = {**settings.PORTAL, "BASE_URL": live_server.url}
    order = services.order_create(
        actor=brokerage, service_user=person, contract=contract, start_date=contract.start_date,
        weekly_hours="7", schedule=daily_schedule("7"), reference="ISO-3301",
    )  # fmt: skip

    sign_in(page, brokerage.username, PASSWORD)
    page.goto(order.get_absolute_url())
    page.get_by_role("button", name="Issue to Wensum Valley Care").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("The order is issued")).to_be_visible()

    (message,) = smtp_server.wait_for(1)
    assert message.rcpt_tos == ["grace.moore@wensum.example"]
    assert message["Subject"] == "Care commissioning portal: Order awaiting acceptance (ISO-3301)"
    body = message.get_content()
    assert "Winifred" not in body and "Cubitt" not in body  # a reference, never the person's name
    link = re.search(r"(http://\S+/packages/\S+/)\s", body).group(1)
    page.get_by_role("button", name="Sign out").click()

    # The manager follows the email's link, signs in and lands on the order to accept.
    sign_in(page, manager.username, PASSWORD)
    page.goto(link)
    expect(page.get_by_role("heading", name="Order ISO-3301")).to_be_visible()
    page.goto("/notifications/")
    expect(page.get_by_label("Immediately, one email for each alert")).to_be_checked()
    violations = axe_violations(page)
    assert not violations, _describe(violations)
    screenshot(page, "notifications-preferences")
    page.get_by_label("Once a day, one email listing the day's alerts").check()
    page.get_by_role("button", name="Save my choice").click()
    expect(page.get_by_text("Your email choice is saved")).to_be_visible()
    assert manager.notification_preference.frequency == "daily"


def test_the_header_search_finds_a_person_by_part_of_a_surname(page, sign_in, screenshot, parties):
    _contract, person, brokerage, _manager = parties
    sign_in(page, brokerage.username, PASSWORD)
    search = page.get_by_role("search").get_by_label("Search the portal")
    search.fill("Cubit")
    search.press("Enter")
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("status")).to_have_text(re.compile(r"1 result for ‘Cubit’"))
    results = page.get_by_role("region", name="People")
    expect(results.get_by_role("link", name="Winifred Cubitt")).to_be_visible()
    expect(results.get_by_text("NCC-0901 · born 17 May 1940 · Barley Court, flat 7")).to_be_visible()
    expect(page.get_by_text("Wendy Cubitt")).to_have_count(0)
    violations = axe_violations(page)
    assert not violations, _describe(violations)
    screenshot(page, "search-results")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "search-results-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    results.get_by_role("link", name="Winifred Cubitt").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(person.get_absolute_url())
