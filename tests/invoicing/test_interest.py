"""Late-payment interest `[004 App. 6 §3.4]`: 8% a year over the Bank of England base rate in force
on the reference date (31 December for debts falling due January–June, 30 June for July–December),
from the day 15 working days after the due date up to, not including, the payment date, by the day
over 365; the provider raises it as a separate invoice that the council approves and pays.

Worked example used throughout: £10,441.76 received on Wednesday 27 May 2026, so due on Friday
26 June 2026 (30 days); interest runs from Friday 17 July 2026 (15 working days on: 29, 30 June,
1, 2, 3, 6, 7, 8, 9, 10, 13, 14, 15, 16, 17 July); reference date 31 December 2025, base rate 3.75%
(from 18 December 2025) → 11.75%. Paid on Friday 31 July 2026: 14 days →
£10,441.76 × 11.75% × 14 ÷ 365 = 17,176.6952 ÷ 365 = £47.0594… → £47.06."""

import datetime as dt
import importlib
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from invoicing import services
from invoicing.models import BankBaseRate, Invoice, InvoiceKind, InvoiceStatus
from invoicing.rules import interest
from tests.invoicing.conftest import P_START, daily_visits, on

RATES = [(dt.date(2025, 8, 7), D("4.00")), (dt.date(2025, 12, 18), D("3.75"))]


def test_the_worked_example():
    charge = interest.statutory_interest(D("10441.76"), dt.date(2026, 6, 26), dt.date(2026, 7, 31), RATES)
    assert charge is not None
    assert charge.starts_on == dt.date(2026, 7, 17)
    assert (charge.reference_date, charge.base_rate, charge.annual_rate) == (
        dt.date(2025, 12, 31),
        D("3.75"),
        D("11.75"),
    )
    assert (charge.days, charge.interest) == (14, D("47.06"))
    assert "× 14 days from 17 July 2026 to 31 July 2026 ÷ 365 = £47.06" in charge.explanation()


def test_the_rate_is_fixed_on_the_reference_date_across_a_base_rate_change():
    # Suppose the base rate falls to 3.50% from 19 March 2026.
    rates = [*RATES, (dt.date(2026, 3, 19), D("3.50"))]
    # Due Friday 26 June 2026 (January–June): 31 December 2025's 3.75% holds, though 3.50% is in
    # force while interest runs. £10,000.00 × 11.75% × 14 ÷ 365 = 16,450 ÷ 365 = £45.068… → £45.07.
    june = interest.statutory_interest(D("10000.00"), dt.date(2026, 6, 26), dt.date(2026, 7, 31), rates)
    assert (june.annual_rate, june.interest) == (D("11.75"), D("45.07"))
    # Due Wednesday 1 July 2026 (July–December): 30 June 2026's 3.50% → 11.50%; from Wednesday
    # 22 July (15 working days) to Wednesday 5 August: 14 days → £10,000.00 × 11.50% × 14 ÷ 365 =
    # 16,100 ÷ 365 = £44.109… → £44.11.
    july = interest.statutory_interest(D("10000.00"), dt.date(2026, 7, 1), dt.date(2026, 8, 5), rates)
    assert (july.reference_date, july.starts_on) == (dt.date(2026, 6, 30), dt.date(2026, 7, 22))
    assert (july.annual_rate, july.days, july.interest) == (D("11.50"), 14, D("44.11"))


def test_no_interest_until_a_day_has_run_and_bank_holidays_are_not_working_days():
    due = dt.date(2026, 6, 26)
    assert interest.statutory_interest(D("10441.76"), due, dt.date(2026, 7, 17), RATES) is None
    # One day (17 July): £10,441.76 × 11.75% ÷ 365 = 1,226.9068 ÷ 365 = £3.3614… → £3.36.
    assert interest.statutory_interest(D("10441.76"), due, dt.date(2026, 7, 18), RATES).interest == D("3.36")
    # Due Friday 22 May 2026: the spring bank holiday (Monday 25 May) is skipped, so interest runs
    # from Monday 15 June 2026, not Friday 12 June.
    assert interest.interest_starts(dt.date(2026, 5, 22)) == dt.date(2026, 6, 15)


def test_reference_dates():
    assert interest.reference_date(dt.date(2026, 1, 1)) == dt.date(2025, 12, 31)
    assert interest.reference_date(dt.date(2026, 6, 30)) == dt.date(2025, 12, 31)
    assert interest.reference_date(dt.date(2026, 7, 1)) == dt.date(2026, 6, 30)
    assert interest.reference_date(dt.date(2026, 12, 31)) == dt.date(2026, 6, 30)
    with pytest.raises(ValueError, match="No Bank of England base rate"):
        interest.base_rate_on(RATES, dt.date(2024, 1, 1))


@pytest.mark.django_db
def test_the_real_base_rates_since_2024_are_seeded():
    # The data migration's own step, run again here: a transactional test elsewhere on the same
    # worker may have flushed what the migrations loaded.
    from django.apps import apps

    migration = importlib.import_module("invoicing.migrations.0004_interest_invoices_bank_base_rate")
    BankBaseRate.objects.all().delete()
    migration.seed_rates(apps, None)
    rates = dict(BankBaseRate.objects.values_list("effective_from", "rate_percent"))
    assert rates[dt.date(2023, 8, 3)] == D("5.25")  # in force on 31 December 2023
    assert rates[dt.date(2024, 8, 1)] == D("5.00")
    assert rates[dt.date(2025, 12, 18)] == D("3.75")
    assert len(rates) == 7


@pytest.fixture
def paid_late(db, order, hourly_contract):
    BankBaseRate.objects.get_or_create(
        effective_from=dt.date(2025, 12, 18), defaults={"rate_percent": D("3.75")}
    )
    daily_visits(order, P_START, 28, 90)
    invoice = services.invoice_generate(contract_id=hourly_contract.pk, period_start=P_START).invoice
    with on(dt.date(2026, 5, 27)):
        services.invoice_submit(actor=None, invoice=invoice)
    with on(dt.date(2026, 6, 1)):
        approved = services.invoice_approve(actor=None, invoice=invoice)
    assert (approved.net_total, approved.payment_due_on) == (D("10441.76"), dt.date(2026, 6, 26))
    with on(dt.date(2026, 7, 31)):
        services.invoice_record_payment(
            actor=None, invoice=approved, paid_on=dt.date(2026, 7, 31), payment_reference="BACS-LATE"
        )
    approved.refresh_from_db()
    return approved


@pytest.mark.django_db
def test_the_provider_raises_the_interest_invoice_and_the_council_pays_it(paid_late, provider_manager):
    with on(dt.date(2026, 8, 3)):
        raised = services.interest_invoice_raise(actor=provider_manager, invoice=paid_late)
    assert (raised.kind, raised.number, raised.status) == (
        InvoiceKind.INTEREST,
        "NCC-HWC-L1-20260427-INT",
        InvoiceStatus.DRAFT,
    )
    assert (raised.net_total, raised.vat_total, raised.gross_total) == (D("47.06"), D("0.00"), D("47.06"))
    (line,) = raised.lines.all()
    assert line.net_amount == D("47.06") and line.breakdown["interest"]["days"] == 14
    # Raising it again gives the same invoice.
    assert services.interest_invoice_raise(actor=provider_manager, invoice=paid_late).pk == raised.pk
    with on(dt.date(2026, 8, 4)):
        submitted = services.invoice_submit(actor=provider_manager, invoice=raised)
    with on(dt.date(2026, 8, 5)):
        approved = services.invoice_approve(actor=None, invoice=submitted)
        services.invoice_record_payment(
            actor=None, invoice=approved, paid_on=dt.date(2026, 8, 5), payment_reference="BACS-INT"
        )
    approved.refresh_from_db()
    assert approved.status == InvoiceStatus.PAID and approved.remittance.amount == D("47.06")


@pytest.mark.django_db
def test_no_interest_invoice_on_an_invoice_paid_in_time(order, hourly_contract, provider_manager):
    daily_visits(order, P_START, 28, 90)
    invoice = services.invoice_generate(contract_id=hourly_contract.pk, period_start=P_START).invoice
    with on(dt.date(2026, 5, 27)):
        services.invoice_submit(actor=None, invoice=invoice)
        approved = services.invoice_approve(actor=None, invoice=invoice)
        # Paid on 17 July 2026, the day interest would start: no day of interest has run.
    services.invoice_record_payment(
        actor=None, invoice=approved, paid_on=dt.date(2026, 7, 17), payment_reference="BACS-OK"
    )
    with pytest.raises(ValidationError, match="No interest is due"):
        services.interest_invoice_raise(actor=provider_manager, invoice=approved)
    assert not Invoice.objects.filter(kind=InvoiceKind.INTEREST).exists()


@pytest.mark.django_db
def test_the_paid_invoice_page_offers_the_interest_and_raises_it(paid_late, login, provider_manager):
    client = login(provider_manager)
    page = client.get(paid_late.get_absolute_url()).content.decode()
    assert "£47.06" in page and "Raise the interest invoice" in page
    response = client.post(f"/invoicing/{paid_late.pk}/interest/")
    raised = Invoice.objects.get(interest_on=paid_late)
    assert response.status_code == 302 and response["Location"] == raised.get_absolute_url()
    assert "Late-payment interest on invoice" in client.get(raised.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_raise_the_interest_invoice_through_the_api(paid_late, provider_manager, api_client):
    api_client.force_authenticate(provider_manager)
    first = api_client.post(f"/api/v1/invoices/{paid_late.pk}/interest/")
    assert first.status_code == 201, first.content
    assert first.json()["net_total"] == "47.06" and first.json()["interest_on"] == paid_late.pk
    assert api_client.post(f"/api/v1/invoices/{paid_late.pk}/interest/").status_code == 200


@pytest.mark.django_db
def test_a_dispute_settled_for_the_provider_carries_interest_from_when_it_should_have_been_paid(
    order, hourly_contract, provider_manager
):
    """004 App. 6 §4.4 a. Line 3 (week 3: 10.50 h × £22.00 = £231.00) of the invoice received on
    27 May 2026 is disputed; the dispute is settled in the provider's favour and the £231.00 paid on
    Friday 4 September 2026. It should have been paid on 26 June 2026 (30 days after receipt), so
    interest runs from 26 June, with no 15 working days' grace, to 3 September: 5 + 31 + 31 + 3 =
    70 days at 11.75% (3.75% on 31 December 2025): £231.00 × 11.75% × 70 ÷ 365 = 1,899.975 ÷ 365
    = £5.2054… → £5.21."""
    BankBaseRate.objects.get_or_create(
        effective_from=dt.date(2025, 12, 18), defaults={"rate_percent": D("3.75")}
    )
    daily_visits(order, P_START, 28, 90)
    invoice = services.invoice_generate(contract_id=hourly_contract.pk, period_start=P_START).invoice
    line = invoice.lines.get(position=3)
    with on(dt.date(2026, 5, 27)):
        services.invoice_submit(actor=None, invoice=invoice)
    with on(dt.date(2026, 6, 1)):
        split = services.invoice_dispute(actor=None, invoice=invoice, lines={line.pk: "No call monitoring"})
    assert split.disputed.net_total == D("231.00")
    with on(dt.date(2026, 9, 1)):
        services.dispute_resolve(actor=None, dispute=split.dispute, outcome="paid", note="Evidence found")
    split.disputed.refresh_from_db()
    with on(dt.date(2026, 9, 4)):
        services.invoice_record_payment(
            actor=None, invoice=split.disputed, paid_on=dt.date(2026, 9, 4), payment_reference="BACS-D"
        )
        raised = services.interest_invoice_raise(actor=provider_manager, invoice=split.disputed)
    assert raised.net_total == D("5.21")
    assert raised.lines.get().breakdown["interest"]["starts_on"] == "2026-06-26"
    assert raised.number == f"{split.disputed.number}-INT" and raised.part == "DI"
    assert raised.part_label == "Late-payment interest"
