"""Demo TUPE legacy costs, loaded by `load_demo` after the invoices (step 55): on Norfolk's contract
NCC-HWC-L1 (from 1 April 2024), three Legacy Staff (two in the LGPS, one part-time, one promoted in
the contract's second quarter), the list agreed at the start with on-costs of 25%, the pension
fund's quarterly figures, the actual contributions over quarters 1–3 and the Q3 review, and the
legacy-cost invoices of year 1's four quarters and year 2's first (on last year's amounts): the
first three paid, the fourth submitted, the last a draft. Back-dated; idempotent (a re-run finds
every invoice unchanged)."""

import datetime as dt
from decimal import Decimal as D
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction

from invoicing import services as invoicing
from invoicing.demo import _people
from invoicing.models import Invoice, InvoiceStatus
from schemes.models import Contract

from . import rules, services
from .models import (
    AgreementOccasion,
    EndReason,
    LegacyStaffAgreement,
    LegacyStaffMember,
    LgpsFigureKind,
    NationalLivingWage,
)

LONDON = ZoneInfo("Europe/London")
CONTRACT = "NCC-HWC-L1"
# The seeded National Living Wage (a flushed database has lost the data migration's rows).
NLW = [("2024-04-01", "11.44"), ("2025-04-01", "12.21"), ("2026-04-01", "12.71")]
# reference, role, weekly hours, TUPE'd rate, new rate, LGPS member, fund's quarterly figure,
# actual contributions over year 1's quarters 1–3
STAFF = [
    ("LS-001", "Senior care assistant", "37.5", "13.10", "12.40", True, "812.50", "2475.00"),
    ("LS-002", "Care assistant", "22.5", "12.60", "12.21", True, "398.00", "1176.00"),
    ("LS-003", "Care assistant", "30", "12.60", "12.21", False, None, None),
]
# Year 1's quarters 1–3 paid, quarter 4 submitted, year 2's quarter 1 a draft.
PLAN = [(1, 1, "paid"), (1, 2, "paid"), (1, 3, "paid"), (1, 4, "submitted"), (2, 1, "draft")]


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)


def _staff(contract: Contract) -> None:
    for reference, role, hours, tupe, new, lgps, fund, actual in STAFF:
        member = LegacyStaffMember.objects.filter(contract=contract, reference=reference).first()
        if member is None:
            member = services.legacy_staff_add(
                actor=None,
                contract=contract,
                reference=reference,
                role=role,
                weekly_contracted_hours=D(hours),
                tupe_hourly_rate=D(tupe),
                new_hourly_rate=D(new),
                start_date=contract.start_date,
                lgps_member=lgps,
            )
        for kind, amount, note in (
            (LgpsFigureKind.FUND_QUARTERLY, fund, "Norfolk Pension Fund"),
            (LgpsFigureKind.ACTUAL_Q1_Q3, actual, "Provider's payroll, audited by NCC"),
        ):
            if amount is not None:
                services.lgps_figure_record(
                    actor=None, staff_member=member, contract_year=1, kind=kind, amount=D(amount), note=note
                )


def _agree(contract: Contract, commissioner, occasion: str, day: dt.date, note: str) -> None:
    if not LegacyStaffAgreement.objects.filter(
        contract=contract, occasion=occasion, contract_year=1
    ).exists():
        services.legacy_staff_list_agree(
            actor=commissioner,
            contract=contract,
            occasion=occasion,
            on_costs_percent=D("25"),
            note=note,
            now=_at(day),
        )


def _advance(invoice: Invoice, plan: str, manager, commissioner, index: int) -> None:
    if invoice.status != InvoiceStatus.DRAFT or plan == "draft":
        return
    end = invoice.period_end
    invoice = invoicing.invoice_submit(actor=manager, invoice=invoice, now=_at(end + dt.timedelta(days=5)))
    if plan == "submitted":
        return
    approved = invoicing.invoice_approve(
        actor=commissioner, invoice=invoice, now=_at(end + dt.timedelta(days=14))
    )
    invoicing.invoice_record_payment(
        actor=commissioner,
        invoice=approved,
        paid_on=end + dt.timedelta(days=30),
        payment_reference=f"BACS{end:%y%m%d}L{index}",
        now=_at(end + dt.timedelta(days=30)),
    )


@transaction.atomic
def load(out) -> None:
    for day, rate in NLW:
        NationalLivingWage.objects.get_or_create(
            effective_from=day,
            defaults={"hourly_rate": D(rate), "note": "National Living Wage (21 and over)"},
        )
    contract = Contract.objects.filter(reference=CONTRACT).select_related("commissioner", "provider").first()
    if contract is None:
        out.write(f"  no contract {CONTRACT}: no legacy costs loaded")
        return
    manager, commissioner = _people(contract)
    start = contract.start_date
    _staff(contract)
    _agree(
        contract, commissioner, AgreementOccasion.START, start, "List of TUPE staff confirmed at the start."
    )
    promoted = LegacyStaffMember.objects.get(contract=contract, reference="LS-003")
    if promoted.end_date is None:
        services.legacy_staff_end(
            actor=None,
            staff_member=promoted,
            end_date=rules.quarter_numbered(start, 1, 2).start + dt.timedelta(days=40),
            end_reason=EndReason.PROMOTED,
        )
    q3 = rules.quarter_numbered(start, 1, 3)
    _agree(
        contract,
        commissioner,
        AgreementOccasion.Q3_REVIEW,
        q3.end + dt.timedelta(days=15),
        "Reviewed with the Q3 reconciliation: LS-003 promoted, off the list from their promotion.",
    )
    raised = 0
    for index, (year, number, plan) in enumerate(PLAN):
        quarter = rules.quarter_numbered(start, year, number)
        try:
            result = services.legacy_invoice_raise(
                actor=manager,
                contract=contract,
                period_start=quarter.start,
                now=_at(quarter.end + dt.timedelta(days=2)),
            )
        except ValidationError as refused:
            out.write(f"  legacy costs, {quarter.label}: not raised ({'; '.join(refused.messages)})")
            continue
        raised += result.created
        _advance(result.invoice, plan, manager, commissioner, index)
    out.write(f"  TUPE legacy costs on {CONTRACT}: {len(STAFF)} staff, {raised} quarterly invoices raised")
