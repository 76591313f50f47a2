"""Brokerage drafts and issues an order in the browser; the provider's manager accepts it with
their password; the order shows as active."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from packages_of_care.models import IndividualServiceOrder, OrderStatus
from portal.roles import Role
from tests.factories import (
    PASSWORD,
    CommissionerFactory,
    ContractFactory,
    ProviderFactory,
    SchemeFactory,
    user_for,
)
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
        commissioner=council, name="Winifred Cubitt", reference="NCC-0901", scheme=scheme
    )
    brokerage = user_for(council, Role.BROKERAGE, username="ben.hales", first_name="Ben", last_name="Hales")
    manager = user_for(
        provider, Role.PROVIDER_MANAGER, username="grace.moore", first_name="Grace", last_name="Moore"
    )
    return contract, person, brokerage, manager


def test_brokerage_issues_an_order_and_the_provider_accepts_it(page, sign_in, screenshot, parties):
    contract, person, brokerage, manager = parties
    today = timezone.localdate()

    sign_in(page, brokerage.username, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").click()
    page.get_by_role("link", name="Draft an order").click()
    page.get_by_label("Person").select_option(str(person.pk))
    page.get_by_label("Contract (and so the provider)").select_option(str(contract.pk))
    page.get_by_label("Start date").fill(today.isoformat())
    page.get_by_label("Commissioned hours per week").fill("10.5")
    # Every day: 08:00 for an hour and 17:00 for half an hour (time-critical) = 10.5 hours a week.
    page.get_by_label("Visit 1 time").fill("08:00")
    page.get_by_label("Visit 1 minutes").fill("60")
    page.get_by_label("Visit 2 time").fill("17:00")
    page.get_by_label("Visit 2 minutes").fill("30")
    for row in (0, 1):
        for day in range(7):
            page.locator(f"#id_schedule-{row}-days_{day}").check()
    page.get_by_label("Visit 2 is time-critical").check()
    page.get_by_label("Outcome 1: service element").select_option("maintenance")
    page.get_by_label("Category").first.select_option("nutrition")
    page.locator("#id_outcomes-0-description").fill("Eats a hot meal every day")
    screenshot(page, "packages-order-draft-form")
    page.get_by_role("button", name="Save the draft").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("The draft order is saved")).to_be_visible()
    expect(page.get_by_role("heading", name="Order ISO-").get_by_text("Draft")).to_be_visible()

    page.get_by_role("button", name="Issue to Wensum Valley Care").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("The order is issued")).to_be_visible()
    order = IndividualServiceOrder.objects.get()
    assert order.status == OrderStatus.ISSUED
    screenshot(page, "packages-order-issued")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, manager.username, PASSWORD)
    panel = page.get_by_role("region", name="Orders")
    expect(panel.get_by_text("Orders to accept or decline")).to_be_visible()
    screenshot(page, "packages-provider-dashboard")
    panel.get_by_role("link", name=f"{order.reference} for Winifred Cubitt").click()
    page.get_by_role("link", name="Accept the order").click()
    page.wait_for_load_state("networkidle")
    # A wrong password is refused and the order stays issued.
    page.get_by_label("Your password").fill("not-my-password")
    page.get_by_role("button", name="Accept the order").click()
    expect(page.get_by_role("alert").get_by_text("The password is not right.")).to_be_visible()
    order.refresh_from_db()
    assert order.status == OrderStatus.ISSUED
    page.get_by_label("Your password").fill(PASSWORD)
    screenshot(page, "packages-order-accept")
    page.get_by_role("button", name="Accept the order").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("You have accepted the order.")).to_be_visible()
    heading = page.get_by_role("heading", level=1)
    assert "Active" in heading.inner_text()
    expect(page.get_by_text("10.5 hours a week").first).to_be_visible()
    screenshot(page, "packages-order-active")
    order.refresh_from_db()
    assert order.status == OrderStatus.ACTIVE
