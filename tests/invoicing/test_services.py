"""The invoice run and the workflow, against the database: worked examples end to end."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from invoicing import services
from invoicing.models import (
    DisputeOutcome,
    Invoice,
    InvoiceDispute,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
    Remittance,
)
from portal.models import Alert, AuditEvent
from tests.invoicing.conftest import NEXT_START, P_END, P_START, daily_visits, on, planned_rate_from
from tests.packages_of_care.factories import AbsenceFactory, OrderFactory, TemporaryVariationFactory
from tests.visits.factories import VisitFactory, at
from visits.models import VisitStatus

pytestmark = pytest.mark.django_db

UNPLANNED = D("9517.76")  # 98 h × 4 × £24.28


def generate(contract, start=P_START, actor=None):
    return services.invoice_generate(contract_id=contract.pk, period_start=start, actor=actor)


def planned_lines(invoice):
    return list(invoice.lines.filter(kind=LineKind.PLANNED_CARE).order_by("position"))


def test_an_hourly_invoice_has_a_line_per_order_week_and_an_unplanned_care_line(order, hourly_contract):
    # 10 h/week delivered exactly: 4 weeks × 10.00 h × £22.00 = £880.00; plus £9,517.76 unplanned.
    daily_visits(order, P_START, 28, 600 // 7 + 1)  # 86 min a day: 602 min a week → 10.03 h → 10.00 h
    result = generate(hourly_contract)
    invoice = result.invoice
    assert result.created and invoice.status == InvoiceStatus.DRAFT
    assert invoice.number == "NCC-HWC-L1-20260427"
    assert (invoice.period_start, invoice.period_end) == (P_START, P_END)
    # 10 working days after Sunday 24 May 2026, skipping the Spring bank holiday (25 May).
    assert invoice.submission_due_on == dt.date(2026, 6, 8)
    lines = planned_lines(invoice)
    assert [line.week_start for line in lines] == [P_START + dt.timedelta(days=7 * i) for i in range(4)]
    assert all(line.quantity == D("10.00") and line.net_amount == D("220.00") for line in lines)
    assert all(line.delivered_minutes == 602 and line.delivered_hours == D("10.00") for line in lines)
    unplanned = invoice.lines.get(kind=LineKind.UNPLANNED_CARE)
    assert (unplanned.quantity, unplanned.rate, unplanned.net_amount) == (D("392.00"), D("24.28"), UNPLANNED)
    assert (
        invoice.net_total == D("880.00") + UNPLANNED == sum(line.net_amount for line in invoice.lines.all())
    )
    assert invoice.vat_total == D("0.00") and invoice.gross_total == invoice.net_total
    assert AuditEvent.objects.for_object(invoice).filter(action="generated").count() == 1
    assert (
        Alert.objects.get(kind="invoice_to_submit", recipient=hourly_contract.provider).url
        == invoice.get_absolute_url()
    )


def test_running_twice_changes_nothing(order, hourly_contract):
    daily_visits(order, P_START, 10, 60)
    first = generate(hourly_contract).invoice
    lines = list(first.lines.values_list("pk", "net_amount"))
    events = AuditEvent.objects.count()
    again = generate(hourly_contract)
    assert again.invoice.pk == first.pk and not again.created and not again.changed
    assert list(again.invoice.lines.values_list("pk", "net_amount")) == lines
    assert Invoice.objects.get(pk=first.pk).updated_at == first.updated_at
    assert AuditEvent.objects.count() == events


def test_a_draft_follows_new_visits_and_a_submitted_invoice_is_frozen(order, hourly_contract):
    daily_visits(order, P_START, 7, 60)  # week 1: 420 min = 7.00 h = £154.00
    invoice = generate(hourly_contract).invoice
    assert planned_lines(invoice)[0].net_amount == D("154.00")
    VisitFactory(order=order, scheduled_start=at(P_START, 18), minutes=60)  # +1 h
    result = generate(hourly_contract)
    assert result.changed and not result.created
    assert planned_lines(result.invoice)[0].net_amount == D("176.00")
    assert AuditEvent.objects.for_object(invoice).filter(action="regenerated").exists()
    with on(dt.date(2026, 5, 27)):
        services.invoice_submit(actor=None, invoice=result.invoice)
    VisitFactory(order=order, scheduled_start=at(P_START, 20), minutes=60)
    frozen = generate(hourly_contract)
    assert not frozen.changed and planned_lines(frozen.invoice)[0].net_amount == D("176.00")


def test_the_fourth_consecutive_cancellation_across_the_period_boundary_is_not_paid(order, hourly_contract):
    # Visits at 08:00: Fri 24 Apr short notice, Sat 25 with notice, Sun 26 short notice (previous
    # period); Mon 27 short notice — the 4th in the run, unpaid; Tue 28 short notice — 5th, unpaid;
    # Wed 29 completed 60 min; Thu 30 short notice — 1st of a new run, paid.
    # Week 1: delivered 60 + paid cancellation 60 = 120 min = 2.00 h × £22.00 = £44.00.
    statuses = [
        VisitStatus.CANCELLED_SHORT_NOTICE,
        VisitStatus.CANCELLED_WITH_NOTICE,
        VisitStatus.CANCELLED_SHORT_NOTICE,
        VisitStatus.CANCELLED_SHORT_NOTICE,
        VisitStatus.CANCELLED_SHORT_NOTICE,
        VisitStatus.COMPLETED,
        VisitStatus.CANCELLED_SHORT_NOTICE,
    ]
    for i, status in enumerate(statuses):
        VisitFactory(
            order=order,
            scheduled_start=at(dt.date(2026, 4, 24) + dt.timedelta(days=i), 8),
            minutes=60,
            status=status,
        )
    week1 = planned_lines(generate(hourly_contract).invoice)[0]
    assert (week1.delivered_minutes, week1.paid_not_delivered_minutes) == (60, 60)
    assert week1.breakdown["visits"]["short_notice_unpaid"] == [2, 120]
    assert (week1.quantity, week1.net_amount) == (D("2.00"), D("44.00"))


def test_absence_retainer_runs_across_the_period_boundary(hourly_contract):
    # 14 h/week (120 min a day). Visits 18–21 May; absent from Friday 22 May, ongoing.
    # Period 1, week 4 (18–24 May): 480 delivered + days 1–3 × 120 = 840 min = 14.00 h = £308.00.
    # Period 2, week 1 (25–31 May): days 4–7 × 120 + days 8–10 × 60 = 660 min = 11.00 h = £242.00.
    # Week 2 (1–7 June): days 11–14 × 60 = 240 min = 4.00 h = £88.00; week 3: nothing.
    order = OrderFactory(contract=hourly_contract, weekly_hours=D("14"), start_date=dt.date(2026, 4, 1))
    daily_visits(order, dt.date(2026, 5, 18), 4, 120)
    AbsenceFactory(service_user=order.service_user, start_date=dt.date(2026, 5, 22), end_date=None)
    first = planned_lines(generate(hourly_contract).invoice)
    assert (first[3].retainer_minutes, first[3].net_amount) == (D("360"), D("308.00"))
    second = planned_lines(generate(hourly_contract, NEXT_START).invoice)
    assert [line.retainer_minutes for line in second] == [D("660"), D("240"), D("0"), D("0")]
    assert [line.net_amount for line in second] == [D("242.00"), D("88.00"), D("0.00"), D("0.00")]


def test_twenty_five_percent_over_goes_on_a_disputed_line_unless_a_variation_covers_it(hourly_contract):
    # Two orders of 10 h/week, each delivering 750 min in week 2 (4–10 May).
    # Without a variation: 720 min = 12.00 h = £264.00 plus an unauthorised 0.50 h = £11.00, disputed.
    # With +3 h/week approved for the week: 750 min = 12.50 h = £275.00 and nothing disputed.
    plain = OrderFactory(contract=hourly_contract, weekly_hours=D("10"), start_date=dt.date(2026, 4, 1))
    varied = OrderFactory(contract=hourly_contract, weekly_hours=D("10"), start_date=dt.date(2026, 4, 1))
    for o in (plain, varied):
        daily_visits(o, dt.date(2026, 5, 4), 5, 150)
    TemporaryVariationFactory(
        order=varied,
        start_date=dt.date(2026, 5, 4),
        end_date=dt.date(2026, 5, 10),
        extra_hours_per_week=D("3"),
    )
    invoice = generate(hourly_contract).invoice
    plain_week2 = invoice.lines.get(order=plain, week_start=dt.date(2026, 5, 4), kind=LineKind.PLANNED_CARE)
    excess = invoice.lines.get(order=plain, kind=LineKind.UNAUTHORISED)
    assert (plain_week2.quantity, plain_week2.net_amount) == (D("12.00"), D("264.00"))
    assert (excess.quantity, excess.net_amount, excess.disputed) == (D("0.50"), D("11.00"), True)
    assert excess.position == plain_week2.position + 1
    varied_week2 = invoice.lines.get(order=varied, week_start=dt.date(2026, 5, 4))
    assert (varied_week2.quantity, varied_week2.net_amount) == (D("12.50"), D("275.00"))
    assert not invoice.lines.filter(order=varied, kind=LineKind.UNAUTHORISED).exists()
    assert invoice.disputed_total == D("11.00")
    # The council approves: the unauthorised line is split off as disputed, the rest approved.
    with on(dt.date(2026, 5, 26)):
        services.invoice_submit(actor=None, invoice=invoice)
        approved = services.invoice_approve(actor=None, invoice=invoice)
    assert approved.part == "U" and approved.status == InvoiceStatus.APPROVED
    assert approved.net_total == invoice.net_total - D("11.00")
    disputed = Invoice.objects.get(parent=invoice, part="D")
    assert disputed.status == InvoiceStatus.DISPUTED and disputed.net_total == D("11.00")


def test_a_rate_change_mid_period_applies_from_the_next_week(order, hourly_contract):
    # £22.00 until Tuesday 12 May, £23.00 from Wednesday 13 May: weeks 1–3 (the 3rd starts on
    # Monday 11 May) at £22.00, week 4 (from 18 May) at £23.00. 10 h a week delivered:
    # 3 × £220.00 + £230.00 = £890.00.
    planned_rate_from(hourly_contract, dt.date(2026, 5, 13), D("23.00"))
    for i in range(4):
        VisitFactory(order=order, scheduled_start=at(P_START + dt.timedelta(days=7 * i), 8), minutes=600)
    lines = planned_lines(generate(hourly_contract).invoice)
    assert [line.rate for line in lines] == [D("22.00")] * 3 + [D("23.00")]
    assert sum(line.net_amount for line in lines) == D("890.00")


def test_late_submission_needs_a_reason_and_nothing_before_the_period_ends(order, hourly_contract):
    invoice = generate(hourly_contract).invoice
    with on(P_END), pytest.raises(ValidationError, match="after it ends"):
        services.invoice_submit(actor=None, invoice=invoice)
    with on(dt.date(2026, 6, 9)):  # due 8 June
        with pytest.raises(ValidationError) as excinfo:
            services.invoice_submit(actor=None, invoice=invoice)
        assert "late_reason" in excinfo.value.message_dict
        submitted = services.invoice_submit(actor=None, invoice=invoice, late_reason="ECM outage")
    assert submitted.is_late and submitted.late_reason == "ECM outage"
    assert (submitted.received_on, submitted.payment_due_on) == (dt.date(2026, 6, 9), dt.date(2026, 7, 9))
    assert AuditEvent.objects.for_object(invoice).filter(action="submitted late", note="ECM outage").exists()
    assert Alert.objects.get(kind="invoice_to_review").recipient == hourly_contract.commissioner
    assert Alert.objects.get(kind="invoice_to_submit").resolved_at is not None


def test_dispute_split_approve_pay_and_resolve(order, hourly_contract, commissioner_user, provider_manager):
    daily_visits(order, P_START, 28, 86)
    invoice = generate(hourly_contract).invoice
    total = invoice.net_total
    week3 = planned_lines(invoice)[2]
    with on(dt.date(2026, 5, 26)):
        services.invoice_submit(actor=provider_manager, invoice=invoice)
    with on(dt.date(2026, 6, 1)):
        split = services.invoice_dispute(
            actor=commissioner_user,
            invoice=invoice,
            lines={week3.pk: "No ECM record for 12 May"},
            reason="ECM gaps",
        )
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.SPLIT
    assert split.disputed.net_total == D("220.00") and split.undisputed.net_total == total - D("220.00")
    assert split.disputed.net_total + split.undisputed.net_total == total
    assert split.undisputed.number == "NCC-HWC-L1-20260427-U"
    assert split.undisputed.received_on == dt.date(2026, 6, 1) and split.undisputed.payment_due_on == dt.date(
        2026, 7, 1
    )
    copied = split.disputed.lines.get()
    assert copied.source_line == week3 and copied.dispute_reason == "No ECM record for 12 May"
    assert Alert.objects.get(kind="invoice_disputed").recipient == hourly_contract.provider
    with on(dt.date(2026, 6, 2)):
        approved = services.invoice_approve(actor=commissioner_user, invoice=split.undisputed)
        remittance = services.invoice_record_payment(
            actor=commissioner_user,
            invoice=approved,
            paid_on=dt.date(2026, 6, 2),
            payment_reference="BACS-0001",
        )
    assert remittance.amount == approved.gross_total and remittance.number == "RA-NCC-HWC-L1-20260427-U"
    assert Invoice.objects.get(pk=approved.pk).status == InvoiceStatus.PAID
    dispute = InvoiceDispute.objects.get(invoice=invoice)
    with on(dt.date(2026, 6, 20)):
        services.dispute_resolve(
            actor=commissioner_user, dispute=dispute, outcome=DisputeOutcome.PAID, note="ECM found"
        )
    disputed = Invoice.objects.get(pk=split.disputed.pk)
    assert disputed.status == InvoiceStatus.APPROVED and disputed.payment_due_on == dt.date(2026, 6, 20)
    with pytest.raises(ValidationError, match="already resolved"):
        services.dispute_resolve(
            actor=commissioner_user, dispute=dispute, outcome=DisputeOutcome.UPHELD, note="x"
        )


def test_an_upheld_dispute_is_not_paid(order, hourly_contract, commissioner_user):
    invoice = generate(hourly_contract).invoice
    unplanned = invoice.lines.get(kind=LineKind.UNPLANNED_CARE)
    with on(dt.date(2026, 5, 26)):
        services.invoice_submit(actor=None, invoice=invoice)
        split = services.invoice_dispute(
            actor=commissioner_user, invoice=invoice, lines={unplanned.pk: "Scheme closed"}
        )
        services.dispute_resolve(
            actor=commissioner_user, dispute=split.dispute, outcome=DisputeOutcome.UPHELD, note="Agreed"
        )
        with pytest.raises(ValidationError):
            services.invoice_record_payment(
                actor=commissioner_user,
                invoice=split.disputed,
                paid_on=dt.date(2026, 5, 26),
                payment_reference="X",
            )
    assert Invoice.objects.get(pk=split.disputed.pk).status == InvoiceStatus.NOT_PAYABLE


def test_workflow_refuses_what_it_should(order, hourly_contract, commissioner_user):
    invoice = generate(hourly_contract).invoice
    line = invoice.lines.first()
    with pytest.raises(ValidationError):
        services.invoice_approve(actor=commissioner_user, invoice=invoice)  # still a draft
    with on(dt.date(2026, 5, 26)):
        services.invoice_submit(actor=None, invoice=invoice)
        with pytest.raises(ValidationError, match="submitted"):
            services.invoice_submit(actor=None, invoice=invoice)
        with pytest.raises(ValidationError, match="reason"):
            services.invoice_dispute(actor=commissioner_user, invoice=invoice, lines={line.pk: " "})
        with pytest.raises(ValidationError, match="at least one"):
            services.invoice_dispute(actor=commissioner_user, invoice=invoice, lines={})
        with pytest.raises(ValidationError, match="not on invoice"):
            services.invoice_dispute(actor=commissioner_user, invoice=invoice, lines={999999: "x"})
    with on(dt.date(2026, 6, 26)), pytest.raises(ValidationError, match="within 30 days"):
        services.invoice_dispute(actor=commissioner_user, invoice=invoice, lines={line.pk: "late"})
    with on(dt.date(2026, 5, 27)):
        approved = services.invoice_approve(actor=commissioner_user, invoice=invoice)
        with pytest.raises(ValidationError) as excinfo:
            services.invoice_record_payment(
                actor=commissioner_user, invoice=approved, paid_on=dt.date(2026, 5, 28), payment_reference=""
            )
    assert set(excinfo.value.message_dict) == {"paid_on", "payment_reference"}
    assert not Remittance.objects.exists()


def test_a_period_start_must_be_a_period_start(hourly_contract):
    with pytest.raises(ValidationError, match="27 April 2026"):
        generate(hourly_contract, dt.date(2026, 5, 1))


# Derby: tests/invoicing/test_block.py


# Dorset -----------------------------------------------------------------------------------------


def test_dorset_package_part_week_and_five_hour_flag(package_contract):
    # £350 a week from Thursday 7 May 2026 (period 27 Apr – 24 May, weeks from Mondays):
    # week 2: 4 days = £200.00; weeks 3 and 4: £350.00 each. Total £900.00.
    # Commissioned 14 h/week: 8 + 14 + 14 = 36 h; delivered 10 h → 26 h under: flagged.
    order = OrderFactory(
        contract=package_contract,
        weekly_hours=D("14"),
        weekly_price=D("350.00"),
        start_date=dt.date(2026, 5, 7),
    )
    daily_visits(order, dt.date(2026, 5, 7), 10, 60)
    full = OrderFactory(
        contract=package_contract,
        weekly_hours=D("7"),
        weekly_price=D("175.00"),
        start_date=dt.date(2026, 4, 1),
    )
    daily_visits(full, P_START, 28, 60)  # 28 h delivered against 28 h commissioned: not flagged
    invoice = generate(package_contract).invoice
    lines = list(invoice.lines.filter(order=order).order_by("position"))
    assert [(line.quantity, line.net_amount) for line in lines] == [
        (D("4"), D("200.00")),
        (D("7"), D("350.00")),
        (D("7"), D("350.00")),
    ]
    assert all(line.review_flag for line in lines)
    assert "26.00 h" in lines[0].review_note or "-26.00" in lines[0].review_note
    assert not invoice.lines.filter(order=full, review_flag=True).exists()
    assert invoice.net_total == D("900.00") + 4 * D("175.00")
    with on(dt.date(2026, 5, 26)):
        services.invoice_submit(actor=None, invoice=invoice)
    assert Alert.objects.get(kind="package_hours_to_review").title.startswith("1 package")


# Terms, the scheduled run, the usage report ------------------------------------------------------


def test_counting_each_carer_is_a_contract_setting(order, hourly_contract):
    # Orders commission carer-hours, so a 30-minute double-handed visit is an hour of care...
    VisitFactory(order=order, scheduled_start=at(P_START, 8), minutes=30, carers=2)
    assert planned_lines(generate(hourly_contract).invoice)[0].delivered_minutes == 60
    # ...unless the contract counts each visit once.
    services.invoicing_terms_set(actor=None, contract=hourly_contract, count_each_carer=False)
    assert planned_lines(generate(hourly_contract).invoice)[0].delivered_minutes == 30


def test_vat_code_applies_per_line(order, hourly_contract):
    services.invoicing_terms_set(actor=None, contract=hourly_contract, vat_code="standard")
    invoice = generate(hourly_contract).invoice
    unplanned = invoice.lines.get(kind=LineKind.UNPLANNED_CARE)
    assert unplanned.vat_amount == D("1903.55")  # 20% of £9,517.76 = £1,903.552
    assert invoice.gross_total == invoice.net_total + invoice.vat_total


def test_runs_due_and_the_fan_out(order, hourly_contract, block_contract, package_contract):
    with on(dt.date(2026, 5, 27)):
        due = services.invoice_runs_due(dt.date(2026, 5, 27))
        assert (hourly_contract.pk, P_START) in due
        assert (block_contract.pk, dt.date(2026, 4, 1)) in due
        assert (package_contract.pk, P_START) in due
        from invoicing.tasks import run_due_invoices

        assert run_due_invoices.delay().get() == 3
        assert services.invoice_runs_due(dt.date(2026, 5, 27)) == []
    assert Invoice.objects.count() == 3


def test_hours_used_and_unused_per_order(block_contract):
    from invoicing.selectors import hours_used_and_unused

    order = OrderFactory(contract=block_contract, weekly_hours=D("7"), start_date=dt.date(2026, 4, 1))
    # Week of 6 April 2026: 7 h allocated. 4 visits of 60 completed, 1 cancelled with notice,
    # 1 missed, and absent on Sunday 12 April (60 min allocated that day).
    for i, status in enumerate(
        [VisitStatus.COMPLETED] * 4 + [VisitStatus.CANCELLED_WITH_NOTICE, VisitStatus.MISSED]
    ):
        VisitFactory(
            order=order,
            scheduled_start=at(dt.date(2026, 4, 6) + dt.timedelta(days=i), 8),
            minutes=60,
            status=status,
        )
    AbsenceFactory(
        service_user=order.service_user, start_date=dt.date(2026, 4, 12), end_date=dt.date(2026, 4, 12)
    )
    (row,) = hours_used_and_unused(block_contract, dt.date(2026, 4, 6), dt.date(2026, 4, 12))
    assert (row["allocated_hours"], row["used_hours"], row["unused_hours"]) == (
        D("7.00"),
        D("4.00"),
        D("3.00"),
    )
    assert dict(row["reasons"]) == {
        "Cancelled by the person with notice": D("1.00"),
        "Missed by the provider": D("1.00"),
        "The person was away (hospital, holiday)": D("1.00"),
    }
    assert InvoiceLine.objects.count() == 0


def test_lines_written_by_copy_keep_every_character(hourly_contract):
    from invoicing.services import COPY_COLUMNS

    assert set(COPY_COLUMNS) == {f.attname for f in InvoiceLine._meta.concrete_fields} - {
        "id",
        "source_line_id",
    }
    name = "Zoë O'Brien \\ back\tslash\nline “quoted”"
    order = OrderFactory(contract=hourly_contract, weekly_hours=D("7"), start_date=dt.date(2026, 4, 1))
    order.service_user.name = name
    order.service_user.save()
    line = planned_lines(generate(hourly_contract).invoice)[0]
    assert name in line.description
    assert line.breakdown["versions"] == [["2026-04-01", "7.00", None]]
