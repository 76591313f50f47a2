"""Raising a quarter's legacy-cost invoice [004 App. 3 §8]: its lines worked out by hand, a
promotion mid-quarter, idempotency, and the invoice going through invoicing's workflow."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from invoicing import services as invoicing
from invoicing.models import InvoiceKind, InvoiceStatus, LineKind
from legacy_costs import services
from legacy_costs.models import EndReason
from portal.models import AuditEvent
from tests.legacy_costs.conftest import Q1, Q2, at

pytestmark = pytest.mark.django_db


def _lines(invoice):
    return [
        (line.kind, line.breakdown["legacy"]["staff_reference"], line.net_amount)
        for line in invoice.lines.all()
    ]


def test_quarter_one_with_a_person_promoted_mid_quarter(nlw, staff, agreed, contract, provider_manager):
    """Quarter 1, 1 May–31 Jul 2024 (92 days), NLW £11.44; on-costs 25%.
    LS-1 (30 h): LGPS on the fund's figure £450.00; pay £12.50 − £11.60 = £0.90 × 30 × 92/7 =
    £354.857… → £354.86; leave 4 × 6 h = 24 h × £12.50 = £300.00 + 25% = £375.00 ÷ 4 = £93.75.
    LS-2 (22.5 h), promoted from 16 June (last TUPE'd day 15 June: 46 of 92 days): pay £12.00 −
    £11.44 = £0.56 × 22.5 × 46/7 = £82.80; leave 4 × 4.5 h = 18 h × £12.00 = £216.00 + 25% =
    £270.00 ÷ 4 × 46/92 = £33.75. Total £1,015.16."""
    services.legacy_staff_end(
        actor=provider_manager,
        staff_member=staff[1],
        end_date=dt.date(2024, 6, 15),
        end_reason=EndReason.PROMOTED,
    )
    result = services.legacy_invoice_raise(
        actor=provider_manager, contract=contract, period_start=Q1, now=at(Q2)
    )
    invoice = result.invoice
    assert result.created and invoice.kind == InvoiceKind.LEGACY and invoice.part == "L"
    assert (invoice.period_start, invoice.period_end) == (Q1, dt.date(2024, 7, 31))
    assert _lines(invoice) == [
        (LineKind.LEGACY_LGPS, "LS-1", D("450.00")),
        (LineKind.LEGACY_PAY, "LS-1", D("354.86")),
        (LineKind.LEGACY_LEAVE, "LS-1", D("93.75")),
        (LineKind.LEGACY_PAY, "LS-2", D("82.80")),
        (LineKind.LEGACY_LEAVE, "LS-2", D("33.75")),
    ]
    assert invoice.net_total == invoice.gross_total == D("1015.16")
    leave = invoice.lines.get(kind=LineKind.LEGACY_LEAVE, breakdown__legacy__staff_reference="LS-2")
    assert "46/92" in leave.description and "15 Jun 2024, the last day in a TUPE'd role" in leave.description

    # The next quarter pays LS-2 nothing; LS-1 carries on.
    q2 = services.legacy_invoice_raise(actor=provider_manager, contract=contract, period_start=Q2).invoice
    assert {ref for _, ref, _ in _lines(q2)} == {"LS-1"}


def test_raising_a_quarter_twice_changes_nothing(nlw, agreed, contract, provider_manager):
    first = services.legacy_invoice_raise(actor=provider_manager, contract=contract, period_start=Q1).invoice
    lines = list(first.lines.values_list("pk", flat=True))
    events = AuditEvent.objects.count()
    again = services.legacy_invoice_raise(
        actor=provider_manager, contract=contract, period_start=dt.date(2024, 6, 1)
    )
    assert again.invoice.pk == first.pk and not again.created and not again.changed
    assert list(again.invoice.lines.values_list("pk", flat=True)) == lines
    assert AuditEvent.objects.count() == events


def test_a_draft_follows_a_late_promotion_and_a_submitted_invoice_is_frozen(
    nlw, staff, agreed, contract, provider_manager, commissioner_user
):
    draft = services.legacy_invoice_raise(actor=provider_manager, contract=contract, period_start=Q1).invoice
    assert draft.net_total == D("450.00") + D("354.86") + D("93.75") + D("165.60") + D("67.50")
    services.legacy_staff_end(
        actor=provider_manager,
        staff_member=staff[1],
        end_date=dt.date(2024, 6, 15),
        end_reason=EndReason.MOVED,
    )
    redone = services.legacy_invoice_raise(actor=provider_manager, contract=contract, period_start=Q1)
    assert redone.changed and redone.invoice.pk == draft.pk and redone.invoice.net_total == D("1015.16")

    submitted = invoicing.invoice_submit(actor=provider_manager, invoice=redone.invoice, now=at(Q2))
    approved = invoicing.invoice_approve(
        actor=commissioner_user, invoice=submitted, now=at(Q2 + dt.timedelta(days=3))
    )
    assert approved.status == InvoiceStatus.APPROVED
    services.lgps_figure_record(
        actor=provider_manager, staff_member=staff[0], contract_year=1, kind="fund_quarterly", amount=D("500")
    )
    again = services.legacy_invoice_raise(actor=provider_manager, contract=contract, period_start=Q1)
    assert not again.changed and again.invoice.net_total == D("1015.16")


def test_nothing_is_raised_before_the_list_is_agreed_or_for_quarter_4_before_the_q3_review(
    nlw, staff, contract, provider_manager, commissioner_user
):
    with pytest.raises(ValidationError, match="agreed at the start"):
        services.legacy_invoice_raise(actor=provider_manager, contract=contract, period_start=Q1)
    services.legacy_staff_list_agree(
        actor=commissioner_user, contract=contract, occasion="start", on_costs_percent=D("25"), now=at(Q1)
    )
    with pytest.raises(ValidationError, match="third-quarter reconciliation"):
        services.legacy_invoice_raise(
            actor=provider_manager, contract=contract, period_start=dt.date(2025, 2, 1)
        )
    with pytest.raises(ValidationError, match="actual LGPS contributions"):
        services.legacy_invoice_raise(
            actor=provider_manager, contract=contract, period_start=dt.date(2024, 11, 1)
        )


def test_the_q3_review_records_who_agreed_and_when_and_the_fourth_quarter_follows_it(
    nlw, staff, agreed, contract, provider_manager, commissioner_user
):
    """Actual LS-1 contributions over quarters 1–3 £1,410.00: quarter 3 = £1,410.00 − £450.00 −
    £450.00 = £510.00; quarter 4 (1 Feb–30 Apr 2025) = £1,410.00 ÷ 3 = £470.00."""
    services.lgps_figure_record(
        actor=provider_manager,
        staff_member=staff[0],
        contract_year=1,
        kind="actual_q1_q3",
        amount=D("1410.00"),
    )
    with pytest.raises(ValidationError, match="third quarter"):
        services.legacy_staff_list_agree(
            actor=commissioner_user,
            contract=contract,
            occasion="q3_review",
            on_costs_percent=D("25"),
            now=at(Q2),
        )
    review = services.legacy_staff_list_agree(
        actor=commissioner_user,
        contract=contract,
        occasion="q3_review",
        on_costs_percent=D("25"),
        now=at(dt.date(2025, 1, 20)),
    )
    assert (review.contract_year, review.agreed_by, review.agreed_at) == (
        1,
        commissioner_user,
        at(dt.date(2025, 1, 20)),
    )
    assert [row["reference"] for row in review.staff] == ["LS-1", "LS-2"]
    q3 = services.legacy_invoice_raise(
        actor=provider_manager, contract=contract, period_start=dt.date(2024, 11, 1)
    )
    q4 = services.legacy_invoice_raise(
        actor=provider_manager, contract=contract, period_start=dt.date(2025, 2, 1)
    )
    assert q3.invoice.lines.get(kind=LineKind.LEGACY_LGPS).net_amount == D("510.00")
    assert q4.invoice.lines.get(kind=LineKind.LEGACY_LGPS).net_amount == D("470.00")


def test_only_the_pair_writes(nlw, staff, contract):
    from portal.roles import Role
    from tests.factories import ProviderFactory, user_for

    outsider = user_for(ProviderFactory(), Role.PROVIDER_MANAGER)
    with pytest.raises(ValidationError):
        services.legacy_invoice_raise(actor=outsider, contract=contract, period_start=Q1)
    with pytest.raises(ValidationError):
        services.legacy_staff_end(actor=outsider, staff_member=staff[0], end_date=Q2, end_reason="left")


def test_the_demo_loads_twice_to_the_same_records(nlw, commissioner_org, provider_org):
    import io

    from django.core.management.base import OutputWrapper

    from invoicing.models import Invoice
    from legacy_costs import demo
    from tests.factories import ContractFactory

    ContractFactory(
        commissioner=commissioner_org,
        provider=provider_org,
        reference=demo.CONTRACT,
        start_date=dt.date(2024, 4, 1),
    )
    out = OutputWrapper(io.StringIO())
    demo.load(out)
    totals = list(Invoice.objects.filter(kind=InvoiceKind.LEGACY).values_list("net_total", flat=True))
    events = AuditEvent.objects.count()
    demo.load(out)
    statuses = list(
        Invoice.objects.filter(kind=InvoiceKind.LEGACY)
        .order_by("period_start")
        .values_list("status", flat=True)
    )
    assert len(totals) == 5 and statuses == ["paid", "paid", "paid", "submitted", "draft"]
    assert AuditEvent.objects.count() == events
