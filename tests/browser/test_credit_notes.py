"""The council raises a credit note on a paid invoice (a dispute settled in its favour after
payment), the provider agrees it, and it is set off against the next invoice: the invoice shows
gross, less set-off and net payable; the remittance advice the set-off line. Screenshots in
var/screenshots/credit-note-*.png; the pages are checked against WCAG 2.2 A/AA with axe-core."""

import datetime as dt
from decimal import Decimal as D
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from invoicing import services
from invoicing.models import BankBaseRate, CreditNote, CreditNoteStatus
from tests.browser.test_invoicing import P_START, _accessible, norfolk  # noqa: F401 - the fixture

LONDON = ZoneInfo("Europe/London")


def _at(day):
    return dt.datetime(day.year, day.month, day.day, 10, tzinfo=LONDON)


def test_a_credit_note_is_raised_agreed_and_set_off_against_the_next_invoice(
    browser,
    live_server,
    norfolk,  # noqa: F811 - the fixture imported above
    sign_in,
    screenshot,
):
    """Invoice 1 (£11,673.76) paid on 31 July 2026; £120.00 credited (dispute settled for the
    council); invoice 2 (no visits: £9,517.76 of unplanned care) approved on 14 September 2026:
    £120.00 + 45 days at 11.75% = £1.74 interest → £121.74 set off, net payable £9,396.02."""
    BankBaseRate.objects.get_or_create(
        effective_from=dt.date(2025, 12, 18), defaults={"rate_percent": D("3.75")}
    )
    contract = norfolk["contract"]
    first = services.invoice_generate(contract_id=contract.pk, period_start=P_START).invoice
    services.invoice_submit(actor=None, invoice=first, now=_at(dt.date(2026, 5, 27)))
    first = services.invoice_approve(actor=None, invoice=first, now=_at(dt.date(2026, 6, 1)))
    services.invoice_record_payment(
        actor=None,
        invoice=first,
        paid_on=dt.date(2026, 7, 31),
        payment_reference="BACS-1",
        now=_at(dt.date(2026, 7, 31)),
    )
    problems = []

    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, "norfolk.commissioner")
    page.goto(first.get_absolute_url())
    page.get_by_role("link", name="Raise a credit note").click()
    page.get_by_label("Dispute settled in the council's favour after payment").check()
    page.get_by_label("What is credited and why").fill(
        "Two visits on 3 May were not delivered (dispute settled)"
    )
    page.get_by_label("Amount to credit (£)").fill("120.00")
    _accessible(page, problems)
    screenshot(page, "credit-note-1-raise")
    page.get_by_role("button", name="Raise the credit note").click()
    page.wait_for_load_state("networkidle")
    note = CreditNote.objects.get()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Credit note {note.number}")
    _accessible(page, problems)
    context.close()

    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, "wensum.manager")
    page.goto(note.get_absolute_url())
    screenshot(page, "credit-note-2-to-agree")
    page.get_by_role("button", name="Agree the credit note").click()
    page.wait_for_load_state("networkidle")
    note.refresh_from_db()
    assert note.status == CreditNoteStatus.ISSUED
    context.close()

    second = services.invoice_generate(
        contract_id=contract.pk, period_start=P_START + dt.timedelta(days=28)
    ).invoice
    services.invoice_submit(actor=None, invoice=second, now=_at(dt.date(2026, 6, 23)))
    second = services.invoice_approve(actor=None, invoice=second, now=_at(dt.date(2026, 9, 14)))
    assert (second.gross_total, second.set_off_total, second.net_payable) == (
        D("9517.76"),
        D("121.74"),
        D("9396.02"),
    )
    remittance = services.invoice_record_payment(
        actor=None,
        invoice=second,
        paid_on=dt.date(2026, 9, 15),
        payment_reference="BACS-2",
        now=_at(dt.date(2026, 9, 15)),
    )

    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, "wensum.manager")
    page.goto(second.get_absolute_url())
    assert "Net payable" in page.content() and "£9,396.02" in page.content()
    _accessible(page, problems)
    screenshot(page, "credit-note-3-set-off")
    page.goto(note.get_absolute_url())
    assert "Set off against later invoices" in page.content()
    _accessible(page, problems)
    screenshot(page, "credit-note-4-recovered")
    page.goto(remittance.get_absolute_url())
    assert "Less set-off" in page.content() and "£9,396.02" in page.content()
    _accessible(page, problems)
    screenshot(page, "credit-note-5-remittance")
    context.close()
    assert not problems, "\n\n".join(problems)
