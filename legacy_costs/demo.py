"""Demo TUPE legacy costs, loaded by `load_demo` after the invoices (step 50): on Norfolk's contract
NCC-HWC-L1, three Legacy Staff (two in the LGPS, one part-time, one promoted in the contract's
second quarter), the list agreed at the start with on-costs of 25%, the pension fund's quarterly
figures, and the first two quarters' legacy-cost invoices as drafts. Idempotent."""

import datetime as dt
from decimal import Decimal as D
from zoneinfo import ZoneInfo

from django.db import transaction

from schemes.models import Contract

from . import rules, services
from .models import AgreementOccasion, EndReason, LegacyStaffAgreement, LegacyStaffMember, LgpsFigureKind

LONDON = ZoneInfo("Europe/London")
CONTRACT = "NCC-HWC-L1"
# reference, role, weekly hours, TUPE'd rate, new rate, LGPS member, fund's quarterly figure
STAFF = [
    ("LS-001", "Senior care assistant", "37.5", "13.10", "12.40", True, "812.50"),
    ("LS-002", "Care assistant", "22.5", "12.60", "12.21", True, "398.00"),
    ("LS-003", "Care assistant", "30", "12.60", "12.21", False, None),
]


@transaction.atomic
def load(out) -> None:
    contract = Contract.objects.filter(reference=CONTRACT).first()
    if contract is None:
        out.write(f"  no contract {CONTRACT}: no legacy costs loaded")
        return
    start = contract.start_date
    for reference, role, hours, tupe, new, lgps, fund in STAFF:
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
                start_date=start,
                lgps_member=lgps,
            )
        if fund is not None:
            services.lgps_figure_record(
                actor=None,
                staff_member=member,
                contract_year=1,
                kind=LgpsFigureKind.FUND_QUARTERLY,
                amount=D(fund),
                note="Norfolk Pension Fund",
            )
    if not LegacyStaffAgreement.objects.filter(contract=contract, occasion=AgreementOccasion.START).exists():
        services.legacy_staff_list_agree(
            actor=None,
            contract=contract,
            occasion=AgreementOccasion.START,
            on_costs_percent=D("25"),
            note="List of TUPE staff confirmed at the start of the contract.",
            now=dt.datetime(start.year, start.month, start.day, 10, tzinfo=LONDON),
        )
    q2 = rules.quarter_numbered(start, 1, 2)
    promoted = LegacyStaffMember.objects.get(contract=contract, reference="LS-003")
    if promoted.end_date is None:
        services.legacy_staff_end(
            actor=None,
            staff_member=promoted,
            end_date=q2.start + dt.timedelta(days=40),
            end_reason=EndReason.PROMOTED,
        )
    for number in (1, 2):
        quarter = rules.quarter_numbered(start, 1, number)
        services.legacy_invoice_raise(actor=None, contract=contract, period_start=quarter.start)
    out.write(f"  TUPE legacy costs on {CONTRACT}: {len(STAFF)} staff, two quarters' invoices")
