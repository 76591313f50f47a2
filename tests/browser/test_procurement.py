"""A provider applies to a lot, the council admits it and opens a call-off, the provider bids
(a rate above the band is refused), the council scores and awards once bids close, and the new
contract appears for both."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from portal.roles import Role
from procurement.models import LotEntryCriterion
from schemes.demo import DEMO_PASSWORD
from schemes.models import Contract
from tests.browser import signing_in
from tests.factories import (
    PASSWORD,
    CommissionerFactory,
    FrameworkFactory,
    LotFactory,
    ProviderFactory,
    SchemeFactory,
    user_for,
)


@pytest.fixture
def dorset(transactional_db):
    council = CommissionerFactory(name="Dorset Council")
    framework = FrameworkFactory(commissioner=council, name="Dorset Care Framework", is_open=True)
    lot = LotFactory(framework=framework, number="2", name="Live in care")
    SchemeFactory(lot=lot, name="Harbour View")
    for position, requirement in enumerate(("cqc_registered", "cqc_good_or_better"), start=1):
        LotEntryCriterion.objects.create(lot=lot, requirement=requirement, position=position)
    provider = ProviderFactory(name="Purbeck Care Partnership")
    user_for(
        council, Role.COMMISSIONER, username="dorset.commissioner", first_name="Ellen", last_name="Hardy"
    )
    user_for(provider, Role.PROVIDER_MANAGER, username="purbeck.manager", first_name="Kate", last_name="Lane")
    return lot


def _sign_in(page, username, password=PASSWORD):
    page.context.clear_cookies()
    signing_in.sign_in(page, username, password)


def _nav(page, name):
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()
    page.wait_for_load_state("networkidle")


def test_apply_admit_call_off_bid_score_award(page, dorset, screenshot):
    # 1. The provider applies: the criteria the portal holds show as met.
    _sign_in(page, "purbeck.manager")
    _nav(page, "Call-offs")
    page.get_by_role("link", name="Apply to Lot 2: Live in care").click()
    expect(page.get_by_text("CQC rated Good or Outstanding")).to_be_visible()
    screenshot(page, "procurement-1-apply")
    page.get_by_label("Supporting statement").fill("Live-in carers across Purbeck from our Wareham office.")
    page.get_by_role("button", name="Send the application").click()
    expect(page.get_by_text("is sent to the council")).to_be_visible()

    # 2. The council sees the application and admits the provider.
    _sign_in(page, "dorset.commissioner")
    page.get_by_role("link", name="Purbeck Care Partnership applied to join Lot 2: Live in care").click()
    page.get_by_label("Admit to the lot").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Purbeck Care Partnership is admitted.")).to_be_visible()
    screenshot(page, "procurement-2-admitted")

    # 3. The council opens a call-off closing in ten minutes.
    closes = timezone.localtime() + dt.timedelta(minutes=10)
    _nav(page, "Call-offs")
    page.get_by_role("link", name="New call-off").first.click()
    page.get_by_label("Lot", exact=True).select_option(label=str(dorset))
    page.get_by_label("Reference", exact=True).fill("DOR-L2-01")
    page.get_by_label("Title").fill("Live-in care, Purbeck")
    page.get_by_label("Bids close at").fill(closes.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Reference of the contract the award creates").fill("DOR-L2-PUR")
    page.get_by_label("Contract starts").fill("2027-04-05")
    page.get_by_label("Payment").select_option("weekly_package")
    screenshot(page, "procurement-3-calloff-form")
    page.get_by_role("button", name="Save the draft").click()
    page.get_by_role("button", name="Publish to the providers on the lot").click()
    expect(page.get_by_text("The call-off is published")).to_be_visible()

    # 4. The provider bids: £23.53 is above the band; £22.80 is accepted and sealed.
    _sign_in(page, "purbeck.manager")
    page.get_by_role("link", name=re.compile("New call-off DOR-L2-01")).click()
    page.get_by_role("link", name="Bid", exact=True).click()
    page.get_by_label("Hourly rate (£)").fill("23.53")
    page.get_by_label(re.compile("^Question 1")).fill("Two carers per person, matched and trained locally.")
    page.get_by_label(re.compile("^Question 2")).fill("Outcomes agreed at the first visit, reviewed monthly.")
    page.get_by_role("button", name="Submit the bid").click()
    expect(
        page.get_by_text("The hourly rate £23.53 is above the price band of £21.00 to £23.52").first
    ).to_be_visible()
    screenshot(page, "procurement-4-bid-refused")
    page.get_by_label("Hourly rate (£)").fill("22.80")
    page.get_by_role("button", name="Submit the bid").click()
    expect(page.get_by_text("Your bid is submitted and sealed")).to_be_visible()

    # Before the closing time the council sees no bid.
    _sign_in(page, "dorset.commissioner")
    _nav(page, "Call-offs")
    page.get_by_role("link", name="DOR-L2-01: Live-in care, Purbeck").first.click()
    expect(page.get_by_text("Bids are sealed until")).to_be_visible()
    assert page.get_by_text("22.80").count() == 0
    screenshot(page, "procurement-5-sealed")

    # 5. After the closing time the council scores the bid and awards the call-off.
    with time_machine.travel(closes + dt.timedelta(minutes=1), tick=True):
        page.reload()
        page.get_by_role("link", name="Score the bid by Purbeck Care Partnership").click()
        page.get_by_label("Score for question 1 (0 to 5)").fill("4")
        page.get_by_label("Score for question 2 (0 to 5)").fill("3")
        page.get_by_role("button", name="Save the scores").click()
        # Quality 40×4/5 + 30×3/5 = 50.00; price 30 (the only bid); total 80.00.
        expect(page.get_by_role("cell", name="80.00")).to_be_visible()
        screenshot(page, "procurement-6-ranked")
        page.get_by_role("button", name="Award to Purbeck Care Partnership").click()
        expect(page.get_by_text("contract DOR-L2-PUR at £22.80 an hour")).to_be_visible()
        contract = Contract.objects.get(reference="DOR-L2-PUR")
        assert contract.rate_on(dt.date(2027, 4, 5)).planned_hourly_rate == Decimal("22.80")
        _nav(page, "Contracts")
        expect(page.get_by_role("link", name="DOR-L2-PUR")).to_be_visible()
        screenshot(page, "procurement-7-council-contracts")

        # 6. The contract appears for the provider too.
        _sign_in(page, "purbeck.manager")
        _nav(page, "Contracts")
        page.get_by_role("link", name="DOR-L2-PUR").click()
        expect(page.get_by_text("£22.80").first).to_be_visible()
        screenshot(page, "procurement-8-provider-contract")


def _my_pages(side):
    """The issue-7 pages each demo side sees, found in the demo data."""
    from compliance.models import ProviderDuty, RatingNotification
    from portal.models import Organisation
    from procurement.models import Bid, CallOff
    from schemes.models import Lot, LotMembership
    from workforce.models import StaffMember

    dorset = Organisation.objects.get(name="Dorset Council")
    purbeck = Organisation.objects.get(name="Purbeck Care Partnership")
    lot_9 = Lot.objects.get(framework__commissioner=dorset, number="9")
    lot_2 = Lot.objects.get(framework__commissioner=dorset, number="2")
    calloff = CallOff.objects.get(reference="DOR-L1-2026-07")
    bid = Bid.objects.get(calloff=calloff)
    application = LotMembership.objects.get(lot=lot_9, provider=purbeck)
    staff = StaffMember.objects.filter(provider=purbeck).first()
    if side == "dorset.commissioner":
        return [
            "/procurement/",
            f"/procurement/frameworks/{lot_9.framework_id}/providers/",
            f"/procurement/lots/{lot_9.pk}/criteria/",
            f"/procurement/lots/{lot_9.pk}/add-provider/",
            application.get_absolute_url(),
            "/procurement/calloffs/",
            "/procurement/calloffs/new/",
            calloff.get_absolute_url(),
            f"/procurement/bids/{bid.pk}/score/",
            "/compliance/",
            f"/compliance/providers/{purbeck.pk}/",
            "/compliance/capacity/",
            "/compliance/insurance/requirements/",
            "/compliance/terms/",
            "/compliance/duties/",
            f"/workforce/training/?provider={purbeck.pk}",
        ]
    if side == "purbeck.manager":
        return [
            "/procurement/",
            f"/procurement/lots/{lot_2.pk}/apply/",
            f"/procurement/lots/{lot_9.pk}/criteria/",
            application.get_absolute_url(),
            calloff.get_absolute_url(),
            bid.get_absolute_url(),
            f"/compliance/providers/{purbeck.pk}/",
            "/compliance/ratings/new/",
            "/compliance/insurance/new/",
            "/compliance/policies/new/",
            "/compliance/capacity/",
            "/compliance/capacity/new/",
            "/compliance/duties/",
            "/compliance/duties/new/",
            "/workforce/",
            "/workforce/staff/new/",
            f"/workforce/staff/{staff.pk}/",
            "/workforce/staff/upload/",
            "/workforce/training/",
        ]
    markeaton = Organisation.objects.get(name="Markeaton Support")
    notice = RatingNotification.objects.filter(provider=markeaton).first()
    duty = ProviderDuty.objects.filter(provider=markeaton).first()
    return [f"/compliance/providers/{markeaton.pk}/", notice.get_absolute_url(), duty.get_absolute_url()]


def test_demo_pages_are_accessible(page, demo_data, screenshot):
    """Every issue-7 page, for a council and a provider, against WCAG 2.2 A/AA (axe-core)."""
    from tests.browser.test_accessibility import _describe, axe_violations

    problems = []
    for username in ("dorset.commissioner", "purbeck.manager", "derby.commissioner", "markeaton.manager"):
        _sign_in(page, username, DEMO_PASSWORD)
        for path in _my_pages(
            username if username in ("dorset.commissioner", "purbeck.manager") else "derby"
        ):
            response = page.goto(path)
            page.wait_for_load_state("networkidle")
            if response.status != 200:
                problems.append(f"{username} {path}: {response.status}")
                continue
            violations = axe_violations(page)
            if violations:
                problems.append(f"{username} {path}:\n{_describe(violations)}")
    assert not problems, "\n\n".join(problems)


def test_demo_framework_compliance_and_training_pages(page, demo_data, screenshot):
    """The demo's framework view, a compliance record with a rating below Good, capacity and the
    training matrix, as each side sees them."""
    _sign_in(page, "dorset.commissioner", DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Frameworks and call-offs")).to_be_visible()
    screenshot(page, "procurement-demo-dorset-dashboard")
    _nav(page, "Call-offs")
    page.get_by_role("link", name=re.compile("Providers on Dorset Care")).click()
    expect(page.get_by_role("row", name=re.compile("Purbeck Care Partnership")).first).to_be_visible()
    screenshot(page, "procurement-demo-framework-providers")
    page.goto("/compliance/capacity/")
    expect(page.get_by_role("heading", name="Weekly capacity")).to_be_visible()
    screenshot(page, "compliance-demo-capacity")

    _sign_in(page, "derby.commissioner", DEMO_PASSWORD)
    _nav(page, "Compliance")
    page.get_by_role("link", name="Markeaton Support").click()
    expect(page.get_by_text("CQC rated Requires improvement").first).to_be_visible()
    screenshot(page, "compliance-demo-markeaton")

    _sign_in(page, "wensum.manager", DEMO_PASSWORD)
    _nav(page, "Staff")
    page.get_by_role("link", name="Training matrix").click()
    expect(page.get_by_role("link", name="WVC-001")).to_be_visible()
    screenshot(page, "workforce-demo-training-matrix")
