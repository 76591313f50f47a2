"""NHS Dorset records a child's continuing-care eligibility; the provider's manager tries to claim
mileage with no agreement (refused, in plain words), then under the NHS's agreement; Dorset
Council's commissioner finds none of it `[001 Part 2]`."""

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from continuing_care import services
from packages_of_care import services as packages
from portal.models import CommissionerType
from portal.roles import Role
from tests.browser import signing_in
from tests.browser.test_accessibility import _describe, axe_violations
from tests.factories import PASSWORD, CommissionerFactory, ContractFactory, ProviderFactory, user_for
from tests.packages_of_care.factories import ServiceUserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def nhs_child(transactional_db):
    nhs = CommissionerFactory(name="NHS Dorset", commissioner_type=CommissionerType.NHS)
    council = CommissionerFactory(name="Dorset Council")
    provider = ProviderFactory(name="Stour Children's Support")
    user_for(nhs, Role.COMMISSIONER, username="nhsdorset.commissioner")
    user_for(council, Role.COMMISSIONER, username="dorset.commissioner")
    user_for(provider, Role.PROVIDER_MANAGER, username="stour.manager")
    contract = ContractFactory(
        commissioner=nhs, provider=provider, reference="NHSD-L20-01", start_date=dt.date(2026, 1, 5)
    )
    child = ServiceUserFactory(
        commissioner=nhs, reference="NHSD-0001", name="Isla Hardy", date_of_birth=dt.date(2014, 4, 1)
    )
    order = packages.order_create(
        actor=None, service_user=child, contract=contract, start_date=dt.date(2026, 1, 12), weekly_hours=Decimal("7"),
        schedule=[{"weekday": 0, "start_time": dt.time(8, 0), "duration_minutes": 420}], reference="ISO-NHSD-1",
    )  # fmt: skip
    packages.order_issue(actor=None, order=order)
    packages.order_accept(actor=None, order=order)
    services.mileage_agreement_create(
        actor=None, contract=contract, reference="NHSD-MIL-001", purpose="Hospital appointments",
        agreed_on=dt.date(2026, 1, 5), valid_from=dt.date(2026, 1, 5), valid_to=dt.date(2027, 1, 4),
        rate_per_mile=Decimal("0.45"), max_miles=Decimal("2000"),
    )  # fmt: skip
    return child


def _sign_in(page, username):
    page.context.clear_cookies()
    signing_in.sign_in(page, username, PASSWORD)


def test_eligibility_and_mileage_by_agreement(page, nhs_child, screenshot):
    _sign_in(page, "nhsdorset.commissioner")
    page.goto("/continuing-care/")
    page.get_by_role("link", name="Isla Hardy").click()
    page.get_by_role("link", name="Record an eligibility decision").click()
    page.get_by_label("Eligibility decided on").fill("2026-01-05")
    page.get_by_label("Review due on").fill("2027-01-05")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The eligibility is recorded.")).to_be_visible()
    screenshot(page, "continuing-care-1-person")
    assert not (violations := axe_violations(page)), _describe(violations)

    _sign_in(page, "stour.manager")
    page.goto("/continuing-care/mileage/claim/")
    page.get_by_label("Person").select_option(label="Isla Hardy (NHSD-0001)")
    page.get_by_label("Travelled on").fill("2026-05-12")
    page.get_by_label("Miles").fill("86.4")
    page.get_by_label("Journey").fill("Blandford to Southampton General and back")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("name the mileage agreement that covers this journey").first).to_be_visible()
    screenshot(page, "continuing-care-2-claim-refused")
    assert not (violations := axe_violations(page)), _describe(violations)
    page.get_by_label("Mileage agreement").select_option(index=1)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The mileage claim is recorded.")).to_be_visible()
    expect(page.get_by_text("£38.88")).to_be_visible()

    _sign_in(page, "dorset.commissioner")
    page.goto("/continuing-care/")
    expect(page.get_by_text("No one in continuing care that you can see.")).to_be_visible()
    expect(page.get_by_text("Isla Hardy")).to_have_count(0)
