"""Credit notes and set-off `[004 App. 6 §4.4 b, §5]`: worked examples computed by hand, the
remainder carried forward, the remittance showing the set-off, idempotency, the pages and the API
(scoped: another council or provider gets 404), and a property: net payable = gross − set-off,
never below nothing.

The invoices: Norfolk's contract (£22.00/h planned, one scheme at 98 h/week of unplanned care at
£24.28/h) with one order of 10.50 h/week and a 90-minute visit every day (exactly the commissioned
hours, so no week runs over them): each 28-day period is
4 weeks × 10.50 h × £22.00 = £924.00 planned + 4 × 98 h × £24.28 = £9,517.76 unplanned =
£10,441.76, VAT exempt.

The statutory rate: the base rate on the reference date for the date the council paid. Paid on
Friday 31 July 2026 (July–December) → 30 June 2026, when the seeded rate was 3.75% (from
18 December 2025) → 8% + 3.75% = 11.75% a year."""

import csv
import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader
from rest_framework.test import APIClient

from invoicing import selectors, services
from invoicing.models import (
    BankBaseRate,
    CreditNote,
    CreditNoteReason,
    CreditNoteRecovery,
    CreditNoteStatus,
    Invoice,
    InvoiceStatus,
)
from invoicing.rules import credit
from portal.models import AuditEvent
from portal.roles import Capability
from tests.factories import CommissionerFactory, ProviderFactory, api_token_for
from tests.invoicing.conftest import daily_visits, on
from tests.packages_of_care.factories import OrderFactory

pytestmark = pytest.mark.django_db

RATES = [(dt.date(2025, 8, 7), D("4.00")), (dt.date(2025, 12, 18), D("3.75"))]
JULY_31 = dt.date(2026, 7, 31)
PERIODS = [dt.date(2026, 4, 27), dt.date(2026, 5, 25), dt.date(2026, 6, 22), dt.date(2026, 7, 20)]
GROSS = D("10441.76")
DISPUTE = CreditNoteReason.DISPUTE_SETTLED
OVERPAYMENT = CreditNoteReason.OVERPAYMENT


# --- The rule ------------------------------------------------------------------------------------


def test_the_worked_example_a_dispute_settled_for_the_council_after_payment():
    """£1,000.00 paid on Friday 31 July 2026; the dispute is settled for the council at £120.00;
    set off on Monday 14 September 2026: 1 + 31 (August) + 13 = 45 days from 31 July up to, not
    including, 14 September. £120.00 × 11.75% × 45 ÷ 365 = 63,450 ÷ 36,500 = £1.7383… → £1.74."""
    owed = credit.OpenCredit(D("120.00"), True, JULY_31)
    recovery = credit.recover(owed, GROSS, dt.date(2026, 9, 14), RATES)
    assert (recovery.principal, recovery.interest, recovery.total) == (D("120.00"), D("1.74"), D("121.74"))
    assert recovery.charge.days == 45 and recovery.charge.annual_rate == D("11.75")
    assert recovery.charge.reference_date == dt.date(2026, 6, 30)
    assert "× 45 days from 31 July 2026 to 14 September 2026 ÷ 365 = £1.74" in recovery.explanation()


def test_an_overpayment_carries_no_interest_and_a_same_day_recovery_none_either():
    assert credit.recover(
        credit.OpenCredit(D("120.00"), False, JULY_31), GROSS, dt.date(2026, 9, 14), RATES
    ) == (credit.Recovery(D("120.00"), D("0.00"), None))
    same_day = credit.recover(credit.OpenCredit(D("120.00"), True, JULY_31), GROSS, JULY_31, RATES)
    assert (same_day.total, same_day.charge) == (D("120.00"), None)


def test_part_recovered_each_part_with_its_own_interest_to_the_day_it_is_recovered():
    """£1,000.00 owed with interest (paid 31 July 2026, 11.75%); only £500.00 is available on
    14 September (45 days). The principal that fits with its own interest: 500 ÷ (1 + 11.75% ×
    45 ÷ 365) = 500 ÷ 1.0144863… = £492.86; its interest £492.86 × 11.75% × 45 ÷ 365 = 260,599.725
    ÷ 36,500 = £7.1397… → £7.14; £492.86 + £7.14 = £500.00 exactly.
    The £507.14 left is recovered on Monday 12 October 2026: 73 days from 31 July (1 + 31 + 30 +
    11); £507.14 × 11.75% × 73 ÷ 365 = 434,999.335 ÷ 36,500 = £11.9178… → £11.92."""
    first = credit.recover(
        credit.OpenCredit(D("1000.00"), True, JULY_31), D("500.00"), dt.date(2026, 9, 14), RATES
    )
    assert (first.principal, first.interest, first.total) == (D("492.86"), D("7.14"), D("500.00"))
    rest = credit.recover(credit.OpenCredit(D("507.14"), True, JULY_31), GROSS, dt.date(2026, 10, 12), RATES)
    assert (rest.principal, rest.interest, rest.charge.days) == (D("507.14"), D("11.92"), 73)
    assert (
        credit.recover(credit.OpenCredit(D("1.00"), True, JULY_31), D("0.00"), dt.date(2026, 9, 14), RATES)
        is None
    )


def test_set_off_takes_oldest_first_and_leaves_what_does_not_fit():
    """£8,000.00 and £5,000.00 (overpayments) against £10,441.76: the first in full, £2,441.76 of
    the second; net payable £0.00."""
    answers = credit.set_off(
        GROSS,
        D("0.00"),
        [credit.OpenCredit(D("8000.00"), False, JULY_31), credit.OpenCredit(D("5000.00"), False, JULY_31)],
        dt.date(2026, 9, 14),
        RATES,
    )
    assert [a.total for a in answers] == [D("8000.00"), D("2441.76")]
    after_first = credit.set_off(
        D("100.00"), D("100.00"), [credit.OpenCredit(D("5.00"), False, JULY_31)], JULY_31, []
    )
    assert after_first == [None]


money = st.integers(min_value=0, max_value=5_000_000).map(lambda p: D(p) / 100)
open_credit = st.builds(
    credit.OpenCredit,
    st.integers(min_value=1, max_value=2_000_000).map(lambda p: D(p) / 100),
    st.booleans(),
    st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2026, 12, 31)),
)


@given(gross=money, taken=money, credits=st.lists(open_credit, max_size=5), days=st.integers(0, 800))
def test_net_payable_is_gross_less_set_off_and_never_below_nothing(gross, taken, credits, days):
    taken = min(taken, gross)
    recovered_on = dt.date(2027, 1, 1) + dt.timedelta(days=days)
    answers = credit.set_off(gross, taken, credits, recovered_on, RATES)
    set_off = taken + sum((a.total for a in answers if a), start=D("0.00"))
    net = gross - set_off
    assert net >= 0
    for owed, answer in zip(credits, answers, strict=True):
        if answer is not None:
            assert D("0.00") < answer.principal <= owed.outstanding
            assert answer.interest >= 0 and answer.total == answer.principal + answer.interest
            assert answer.principal == answer.principal.quantize(D("0.01"))
            assert answer.interest == answer.interest.quantize(D("0.01"))
            if not owed.charges_interest:
                assert answer.interest == 0


# --- Through the services ----------------------------------------------------------------------


@pytest.fixture
def rates(db):
    for day, rate in RATES:
        BankBaseRate.objects.get_or_create(effective_from=day, defaults={"rate_percent": rate})


@pytest.fixture
def order(hourly_contract):
    return OrderFactory(contract=hourly_contract, weekly_hours=D("10.50"), start_date=dt.date(2026, 4, 1))


@pytest.fixture
def invoices(order, hourly_contract, rates):
    """The four periods' invoices, generated; none submitted."""
    result = []
    for start in PERIODS:
        daily_visits(order, start, 28, 90)
        result.append(services.invoice_generate(contract_id=hourly_contract.pk, period_start=start).invoice)
    assert [i.gross_total for i in result] == [GROSS] * 4
    return result


def approve(invoice, day):
    """Submitted two days after its period, approved on `day`."""
    with on(invoice.period_end + dt.timedelta(days=2)):
        services.invoice_submit(actor=None, invoice=invoice)
    with on(day):
        return services.invoice_approve(actor=None, invoice=invoice)


def pay(invoice, day, reference="BACS"):
    with on(day):
        remittance = services.invoice_record_payment(
            actor=None, invoice=invoice, paid_on=day, payment_reference=reference
        )
    invoice.refresh_from_db()
    return remittance


def raise_agreed(invoice, reason, amount, commissioner_user, provider_manager, day):
    with on(day):
        note = services.credit_note_raise(
            actor=commissioner_user,
            invoice=invoice,
            reason=reason,
            explanation="Found at audit",
            amount=amount,
        )
        return services.credit_note_agree(actor=provider_manager, credit_note=note)


def test_the_worked_example_set_off_against_the_next_invoice(invoices, commissioner_user, provider_manager):
    """Invoice 1 (£10,441.76) paid on 31 July 2026; a dispute settled for the council at £120.00;
    invoice 2 approved on Monday 14 September 2026: £120.00 + £1.74 interest (45 days, see the
    rule's example) = £121.74 set off; net payable £10,441.76 − £121.74 = £10,320.02, and the
    remittance says so. Paying it sets nothing off again."""
    first = approve(invoices[0], dt.date(2026, 6, 1))
    pay(first, JULY_31)
    note = raise_agreed(first, DISPUTE, D("120.00"), commissioner_user, provider_manager, dt.date(2026, 9, 1))
    assert (note.number, note.status, note.charges_interest) == (
        f"{first.number}-CN1",
        CreditNoteStatus.ISSUED,
        True,
    )
    second = approve(invoices[1], dt.date(2026, 9, 14))
    assert (second.gross_total, second.set_off_total, second.net_payable) == (
        GROSS,
        D("121.74"),
        D("10320.02"),
    )
    note.refresh_from_db()
    assert (note.status, note.principal_recovered, note.interest_recovered, note.closed_on) == (
        CreditNoteStatus.SET_OFF,
        D("120.00"),
        D("1.74"),
        dt.date(2026, 9, 14),
    )
    (recovery,) = note.recoveries.all()
    assert (recovery.invoice_id, recovery.recovered_on, recovery.total) == (
        second.pk,
        dt.date(2026, 9, 14),
        D("121.74"),
    )
    remittance = pay(second, dt.date(2026, 9, 15))
    assert remittance.amount == D("10320.02")
    second.refresh_from_db()
    assert second.set_off_total == D("121.74") and CreditNoteRecovery.objects.count() == 1
    # Invoice 2 was due on 23 July (received 23 June) and paid on 15 September: late-payment
    # interest runs from 13 August (15 working days) for 33 days on what was owed, the net payable:
    # £10,320.02 × 11.75% × 33 ÷ 365 = 4,001,587.755 ÷ 36,500 = £109.6325… → £109.63.
    assert selectors.late_payment_interest(second).interest == D("109.63")
    actions = set(AuditEvent.objects.filter(object_id=note.pk).values_list("action", flat=True))
    assert {"raised", "agreed", "set off in full"} <= actions


def test_set_off_across_two_invoices_with_the_remainder_carried_forward(
    invoices, commissioner_user, provider_manager, login
):
    """Invoices 1 and 2 paid; overpayments of £8,000.00 (on 1) and £5,000.00 (on 2) agreed.
    Invoice 3 approved: £8,000.00 + £2,441.76 set off, net payable £0.00; £5,000.00 − £2,441.76 =
    £2,558.24 carried forward. Invoice 4 approved: £2,558.24 set off, net payable £10,441.76 −
    £2,558.24 = £7,883.52, which the remittance shows with its set-off line."""
    one = approve(invoices[0], dt.date(2026, 6, 1))
    pay(one, dt.date(2026, 6, 20))
    two = approve(invoices[1], dt.date(2026, 6, 29))
    pay(two, dt.date(2026, 7, 20))
    cn1 = raise_agreed(
        one, OVERPAYMENT, D("8000.00"), commissioner_user, provider_manager, dt.date(2026, 7, 21)
    )
    cn2 = raise_agreed(
        two, OVERPAYMENT, D("5000.00"), commissioner_user, provider_manager, dt.date(2026, 7, 22)
    )
    three = approve(invoices[2], dt.date(2026, 7, 27))
    assert (three.set_off_total, three.net_payable) == (GROSS, D("0.00"))
    cn1.refresh_from_db()
    cn2.refresh_from_db()
    assert (cn1.status, cn1.outstanding) == (CreditNoteStatus.SET_OFF, D("0.00"))
    assert (cn2.status, cn2.principal_recovered, cn2.outstanding) == (
        CreditNoteStatus.ISSUED,
        D("2441.76"),
        D("2558.24"),
    )
    assert pay(three, dt.date(2026, 7, 28)).amount == D("0.00")
    four = approve(invoices[3], dt.date(2026, 8, 24))
    assert (four.set_off_total, four.net_payable) == (D("2558.24"), D("7883.52"))
    cn2.refresh_from_db()
    assert cn2.status == CreditNoteStatus.SET_OFF and cn2.interest_recovered == D("0.00")
    assert list(cn2.recoveries.values_list("invoice__number", "principal")) == [
        (three.number, D("2441.76")),
        (four.number, D("2558.24")),
    ]
    remittance = pay(four, dt.date(2026, 8, 25), "BACS-4")
    assert remittance.amount == D("7883.52")

    client = login(provider_manager)
    response = client.get(f"/invoicing/remittances/{remittance.pk}/csv/")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Item", "Reference", "Date", "Description", "Amount"]
    assert rows[1][0] == "Invoice" and rows[1][4] == "10441.76"
    assert rows[2][:3] == ["Set-off", cn2.number, "2026-08-24"] and rows[2][4] == "-2558.24"
    assert rows[3] == ["Net paid", "BACS-4", "2026-08-25", "BACS payment", "7883.52"]
    page = client.get(remittance.get_absolute_url()).content.decode()
    assert "Less set-off" in page and cn2.number in page and "£7,883.52" in page
    invoice_page = client.get(four.get_absolute_url()).content.decode()
    assert "Net payable" in invoice_page and "£7,883.52" in invoice_page and cn2.number in invoice_page
    note_page = client.get(cn2.get_absolute_url()).content.decode()
    assert three.number in note_page and four.number in note_page
    remittance_pdf = pdf_text(client.get(f"/invoicing/remittances/{remittance.pk}/pdf/"))
    assert "Less set-off" in remittance_pdf and cn2.number in remittance_pdf and "Net paid" in remittance_pdf
    assert "-£2,558.24" in remittance_pdf and "£7,883.52" in remittance_pdf
    summary_pdf = pdf_text(client.get(f"/invoicing/{four.pk}/summary.pdf"))
    assert "Net payable" in summary_pdf and "£7,883.52" in summary_pdf and cn2.number in summary_pdf
    note_pdf = pdf_text(client.get(f"/invoicing/credit-notes/{cn2.pk}/pdf/"))
    assert f"Credit note {cn2.number}" in note_pdf and three.number in note_pdf and four.number in note_pdf


def pdf_text(response) -> str:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def test_setting_off_twice_sets_off_once(invoices, commissioner_user, provider_manager):
    one = approve(invoices[0], dt.date(2026, 6, 1))
    pay(one, dt.date(2026, 6, 20))
    raise_agreed(one, OVERPAYMENT, D("100.00"), commissioner_user, provider_manager, dt.date(2026, 6, 22))
    two = approve(invoices[1], dt.date(2026, 6, 29))
    assert two.set_off_total == D("100.00")
    again = services.credit_notes_set_off(
        actor=None, invoice=Invoice.objects.get(pk=two.pk), on=dt.date(2026, 6, 30)
    )
    assert again == []
    with pytest.raises(ValidationError):
        services.invoice_approve(actor=None, invoice=two)
    assert pay(two, dt.date(2026, 7, 1)).amount == GROSS - D("100.00")
    assert CreditNoteRecovery.objects.count() == 1


def test_a_credit_note_raised_only_is_not_set_off_and_one_agreed_after_approval_is_set_off_at_payment(
    invoices, commissioner_user, provider_manager
):
    one = approve(invoices[0], dt.date(2026, 6, 1))
    pay(one, dt.date(2026, 6, 20))
    with on(dt.date(2026, 6, 22)):
        note = services.credit_note_raise(
            actor=commissioner_user,
            invoice=one,
            reason=OVERPAYMENT,
            explanation="Duplicate visit",
            amount=D("50"),
        )
    two = approve(invoices[1], dt.date(2026, 6, 29))
    assert two.set_off_total == D("0.00")  # not yet agreed
    with on(dt.date(2026, 6, 30)):
        services.credit_note_agree(actor=provider_manager, credit_note=note)
    assert pay(two, dt.date(2026, 7, 1)).amount == D("10391.76")  # £10,441.76 − £50.00


def test_the_council_raises_only_on_a_paid_invoice_and_only_what_was_paid(invoices, commissioner_user):
    with pytest.raises(ValidationError, match="not paid"):
        services.credit_note_raise(
            actor=commissioner_user, invoice=invoices[0], reason=OVERPAYMENT, explanation="x", amount=D("1")
        )
    one = approve(invoices[0], dt.date(2026, 6, 1))
    pay(one, dt.date(2026, 6, 20))
    with pytest.raises(ValidationError) as too_much:
        services.credit_note_raise(
            actor=commissioner_user, invoice=one, reason=OVERPAYMENT, explanation="x", amount=D("10441.77")
        )
    assert "at most £10,441.76" in str(too_much.value)
    with pytest.raises(ValidationError) as empty:
        services.credit_note_raise(actor=commissioner_user, invoice=one, reason=OVERPAYMENT, explanation="")
    assert set(empty.value.message_dict) == {"explanation", "amount"}
    # Credited lines: line 1 (£231.00) in full and £20.00 of line 2 → £251.00.
    first, second = one.lines.order_by("position")[:2]
    note = services.credit_note_raise(
        actor=commissioner_user,
        invoice=one,
        reason=DISPUTE,
        explanation="No call monitoring for these visits",
        lines={first.pk: None, second.pk: D("20.00")},
    )
    assert note.amount == D("251.00")
    assert list(note.lines.values_list("invoice_line", "amount")) == [
        (first.pk, D("231.00")),
        (second.pk, D("20.00")),
    ]
    assert (
        services.credit_note_raise(
            actor=commissioner_user, invoice=one, reason=OVERPAYMENT, explanation="Rate", amount=D("1.00")
        ).number
        == f"{one.number}-CN2"
    )


def test_a_repayment_instead_of_a_set_off(invoices, commissioner_user, provider_manager):
    """£120.00 (dispute) paid on 31 July 2026, repaid by the provider on 14 September: £121.74,
    as in the worked example."""
    one = approve(invoices[0], dt.date(2026, 6, 1))
    pay(one, JULY_31)
    note = raise_agreed(one, DISPUTE, D("120.00"), commissioner_user, provider_manager, dt.date(2026, 9, 1))
    with on(dt.date(2026, 9, 14)):
        recovery = services.credit_note_record_repayment(
            actor=commissioner_user,
            credit_note=note,
            repaid_on=dt.date(2026, 9, 14),
            payment_reference="FP-1",
        )
    assert (recovery.invoice, recovery.total) == (None, D("121.74"))
    note.refresh_from_db()
    assert note.status == CreditNoteStatus.REPAID


# --- Pages ----------------------------------------------------------------------------------------


def test_the_council_raises_on_the_page_and_the_provider_agrees(
    invoices, commissioner_user, provider_manager, login
):
    one = approve(invoices[0], dt.date(2026, 6, 1))
    pay(one, dt.date(2026, 6, 20))
    first_line = one.lines.get(position=1)
    council = login(commissioner_user)
    assert "Raise a credit note" in council.get(one.get_absolute_url()).content.decode()
    form = council.get(f"/invoicing/{one.pk}/credit-note/").content.decode()
    assert f'value="{first_line.pk}"' in form and "(£231.00)" in form
    response = council.post(
        f"/invoicing/{one.pk}/credit-note/",
        {
            "reason": OVERPAYMENT,
            "explanation": "Paid twice for 3 May",
            "amount": "45.50",
            "lines": [first_line.pk],
        },
    )
    note = CreditNote.objects.get()
    assert response.status_code == 302 and response["Location"] == note.get_absolute_url()
    # Line 1 in full (£231.00) and £45.50 → £276.50.
    assert note.amount == D("276.50") and note.status == CreditNoteStatus.RAISED
    assert list(note.lines.values_list("amount", flat=True)) == [D("231.00"), D("45.50")]
    provider = login(provider_manager)
    assert "Agree the credit note" in provider.get(note.get_absolute_url()).content.decode()
    provider.post(f"/invoicing/credit-notes/{note.pk}/agree/")
    note.refresh_from_db()
    assert note.status == CreditNoteStatus.ISSUED
    assert note.number in provider.get("/invoicing/credit-notes/").content.decode()


# --- API ------------------------------------------------------------------------------------------


def client_for(org, scopes=()):
    _user, key = api_token_for(org, scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_the_api_council_raises_provider_sees_and_agrees_others_get_404(
    invoices, commissioner_org, provider_org
):
    one = approve(invoices[0], dt.date(2026, 6, 1))
    pay(one, dt.date(2026, 6, 20))
    council = client_for(commissioner_org, [Capability.COMMISSION])
    provider = client_for(provider_org, [Capability.PROVIDER_MANAGE])
    body = {"invoice": one.pk, "reason": OVERPAYMENT, "explanation": "Paid twice", "amount": "99.99"}
    assert provider.post("/api/v1/credit-notes/", body, format="json").status_code == 403
    created = council.post("/api/v1/credit-notes/", body, format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["number"], data["amount"], data["status"], data["outstanding"]) == (
        f"{one.number}-CN1",
        "99.99",
        "raised",
        "99.99",
    )
    url = f"/api/v1/credit-notes/{data['id']}/"
    assert provider.get("/api/v1/credit-notes/").json()["count"] == 1
    assert council.post(url + "agree/").status_code == 403
    agreed = provider.post(url + "agree/")
    assert agreed.status_code == 200 and agreed.json()["status"] == "issued"
    assert provider.post(url + "agree/").status_code == 400

    for stranger in (
        client_for(ProviderFactory(name="Elsewhere Care"), [Capability.PROVIDER_MANAGE]),
        client_for(CommissionerFactory(name="Another Council"), [Capability.COMMISSION]),
    ):
        assert stranger.get(url).status_code == 404
        assert stranger.post(url + "agree/").status_code == 404
        assert stranger.get("/api/v1/credit-notes/").json()["count"] == 0
    other_council = client_for(CommissionerFactory(name="Third Council"), [Capability.COMMISSION])
    refused = other_council.post("/api/v1/credit-notes/", {**body, "amount": "1.00"}, format="json")
    # Another council's invoice is out of its scope: 404, and nothing is raised.
    assert refused.status_code == 404 and CreditNote.objects.count() == 1
    assert APIClient().get("/api/v1/credit-notes/").status_code == 401


def test_the_invoice_api_shows_the_set_off_and_net_payable(
    invoices, commissioner_user, provider_manager, provider_org
):
    one = approve(invoices[0], dt.date(2026, 6, 1))
    pay(one, dt.date(2026, 6, 20))
    raise_agreed(one, OVERPAYMENT, D("441.76"), commissioner_user, provider_manager, dt.date(2026, 6, 22))
    two = approve(invoices[1], dt.date(2026, 6, 29))
    data = client_for(provider_org, [Capability.PROVIDER_MANAGE]).get(f"/api/v1/invoices/{two.pk}/").json()
    assert (data["gross_total"], data["set_off_total"], data["net_payable"]) == (
        "10441.76",
        "441.76",
        "10000.00",
    )
    assert two.status == InvoiceStatus.APPROVED
