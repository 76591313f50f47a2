"""A provider generates and submits an invoice; the council disputes one line; two invoices result;
the undisputed one is approved and paid. Screenshots in var/screenshots/invoicing-*.png; the
pages are checked against WCAG 2.2 A/AA with axe-core on the way."""

import datetime as dt
from decimal import Decimal as D

import pytest
from playwright.sync_api import expect

from invoicing.models import Invoice, InvoiceStatus
from portal.models import User
from portal.roles import Role
from schemes.models import SchemeUnplannedHours
from tests.browser.test_accessibility import _describe, axe_violations
from tests.factories import CommissionerFactory, ContractFactory, LotFactory, ProviderFactory, SchemeFactory
from tests.packages_of_care.factories import OrderFactory, ServiceUserFactory
from tests.visits.factories import VisitFactory, at
from visits.models import VisitStatus

PASSWORD = "portal-demo-2026"
P_START = dt.date(2026, 4, 27)


def _user(username, organisation, role):
    user = User(
        username=username, organisation=organisation, role=role, first_name=username.split(".")[1].title()
    )
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def norfolk(transactional_db):
    council = CommissionerFactory(
        name="Norfolk County Council", address="County Hall, Martineau Lane, Norwich NR1 2DH"
    )
    provider = ProviderFactory(name="Wensum Valley Care", address="12 Riverside, Norwich NR1 1AA")
    lot = LotFactory(framework__commissioner=council, name="Norwich")
    scheme = SchemeFactory(lot=lot, name="Barley Court")
    contract = ContractFactory(
        commissioner=council, provider=provider, lot=lot, schemes=[scheme], reference="NCC-HWC-L1"
    )
    SchemeUnplannedHours.objects.create(
        contract=contract, scheme=scheme, effective_from=contract.start_date, hours_per_week=D("98")
    )
    for name, hours, minutes in (("Margaret Ellis", "10.50", 90), ("Arthur Bloom", "14.00", 120)):
        person = ServiceUserFactory(commissioner=council, name=name)
        order = OrderFactory(
            contract=contract, service_user=person, weekly_hours=D(hours), start_date=dt.date(2026, 4, 1)
        )
        for day in range(28):
            VisitFactory(
                order=order,
                scheduled_start=at(P_START + dt.timedelta(days=day), 8),
                minutes=minutes,
                status=VisitStatus.COMPLETED,
            )
    return {
        "contract": contract,
        "manager": _user("wensum.manager", provider, Role.PROVIDER_MANAGER),
        "commissioner": _user("norfolk.commissioner", council, Role.COMMISSIONER),
    }


def _accessible(page, problems):
    violations = axe_violations(page)
    if violations:
        problems.append(f"{page.url}:\n{_describe(violations)}")


def test_provider_submits_council_disputes_a_line_approves_and_pays_the_rest(
    browser, live_server, norfolk, sign_in, screenshot
):
    problems = []
    contract = norfolk["contract"]

    # The provider generates the invoice for the period 27 April – 24 May 2026 and submits it.
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, "wensum.manager")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Invoices").click()
    page.get_by_role("link", name="Generate an invoice").click()
    page.get_by_label("Contract").select_option(value=str(contract.pk))
    page.get_by_label("Any day in the payment period").fill("2026-05-01")
    page.get_by_role("button", name="Generate the invoice").click()
    page.wait_for_load_state("networkidle")
    invoice = Invoice.objects.get(contract=contract, part="")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Invoice {invoice.number}")
    # 4 weeks × (10.50 h + 14.00 h) × £22.00 = £2,156.00, plus £9,517.76 unplanned care.
    assert invoice.net_total == D("2156.00") + D("9517.76")
    assert "£11,673.76" in page.content()
    _accessible(page, problems)
    screenshot(page, "invoicing-1-draft")
    page.get_by_role("link", name="Detail schedule", exact=True).click()
    page.wait_for_url("**/schedule/")
    _accessible(page, problems)
    page.get_by_role("link", name="ISO", exact=False).first.click()  # how the first line was worked out
    expect(page.get_by_role("heading", name="How this was worked out")).to_be_visible()
    _accessible(page, problems)
    screenshot(page, "invoicing-1b-line")
    page.goto(invoice.get_absolute_url())
    page.get_by_role("link", name="Submit the invoice").click()
    page.get_by_label("Why is the invoice late?").fill("Waiting for the call monitoring export")
    page.get_by_role("button", name="Submit the invoice").click()
    page.wait_for_load_state("networkidle")
    assert "Submitted, awaiting the council" in page.content()
    screenshot(page, "invoicing-2-submitted")
    context.close()

    # The council disputes line 2 (Arthur Bloom's second week).
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, "norfolk.commissioner")
    page.get_by_role("link", name=f"Approve or dispute invoice {invoice.number}", exact=False).first.click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name="Dispute lines").click()
    expect(page.get_by_label("Dispute line 2")).to_be_visible()
    _accessible(page, problems)
    page.get_by_label("Dispute line 2").check()
    page.get_by_label("Reason for line 2").fill("No call monitoring record for 28 April")
    page.get_by_label("I understand that the invoice will be split", exact=False).check()
    screenshot(page, "invoicing-3-dispute")
    page.get_by_role("button", name="Dispute the chosen lines").click()
    page.wait_for_load_state("networkidle")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.SPLIT
    undisputed, disputed = (
        Invoice.objects.get(parent=invoice, part="U"),
        Invoice.objects.get(parent=invoice, part="D"),
    )
    assert undisputed.net_total + disputed.net_total == invoice.net_total
    assert disputed.net_total == D("308.00")  # 14.00 h × £22.00
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Undisputed part {undisputed.number}")
    page.goto(invoice.get_absolute_url())
    parts = page.get_by_role("table", name="The undisputed and disputed parts")
    assert parts.get_by_role("row").count() == 3  # the header and the two invoices
    screenshot(page, "invoicing-4-split")

    # The undisputed invoice is approved and paid; the remittance advice follows.
    page.get_by_role("link", name=undisputed.number).click()
    page.get_by_role("button", name="Approve for payment").click()
    page.wait_for_load_state("networkidle")
    assert "Approved for payment" in page.content()
    page.get_by_role("link", name="Record the payment").click()
    page.get_by_label("BACS payment reference").fill("BACS-260601-17")
    page.get_by_role("button", name="Record the payment").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Remittance advice RA-{undisputed.number}")
    assert "BACS-260601-17" in page.content()
    _accessible(page, problems)
    screenshot(page, "invoicing-5-remittance")
    undisputed.refresh_from_db()
    disputed.refresh_from_db()
    assert (undisputed.status, disputed.status) == (InvoiceStatus.PAID, InvoiceStatus.DISPUTED)
    context.close()
    assert not problems, "\n\n".join(problems)
