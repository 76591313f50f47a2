"""Reads for TUPE legacy costs: scoped to the user (`visible_to`), and the inputs of a quarter's
calculation gathered in a handful of queries."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from invoicing.models import Invoice, InvoiceKind
from portal.models import Actor
from schemes.models import Contract

from . import rules
from .models import (
    AgreementOccasion,
    LegacyStaffAgreement,
    LegacyStaffMember,
    LgpsFigure,
    LgpsFigureKind,
    NationalLivingWage,
)


def legacy_staff(user: Actor, contract: Contract | None = None) -> QuerySet[LegacyStaffMember]:
    staff = LegacyStaffMember.objects.visible_to(user).select_related("contract")
    return staff.filter(contract=contract) if contract is not None else staff


def legacy_agreements(user: Actor, contract: Contract) -> QuerySet[LegacyStaffAgreement]:
    return LegacyStaffAgreement.objects.visible_to(user).filter(contract=contract).select_related("agreed_by")


def lgps_figures(user: Actor, contract: Contract) -> QuerySet[LgpsFigure]:
    return LgpsFigure.objects.visible_to(user).filter(contract=contract).select_related("staff_member")


def legacy_invoices(user: Actor, contract: Contract) -> QuerySet[Invoice]:
    return Invoice.objects.visible_to(user).filter(contract=contract, kind=InvoiceKind.LEGACY)


def nlw_rates() -> list[tuple[dt.date, Decimal]]:
    """Every National Living Wage rate recorded, as (effective from, hourly rate)."""
    return list(
        NationalLivingWage.objects.order_by("effective_from").values_list("effective_from", "hourly_rate")
    )


def staff_terms(member: LegacyStaffMember) -> rules.StaffTerms:
    return rules.StaffTerms(
        reference=member.reference,
        role=member.role,
        weekly_hours=member.weekly_contracted_hours,
        tupe_rate=member.tupe_hourly_rate,
        new_rate=member.new_hourly_rate,
        start=member.start_date,
        end=member.end_date,
        lgps_member=member.lgps_member,
    )


def governing_agreement(contract: Contract, quarter: rules.Quarter) -> LegacyStaffAgreement | None:
    """The agreement of the list a quarter is paid on: the 4th quarter's is its own year's third-
    quarter review ("the agreed calculation in quarter three"); other quarters', the latest
    agreement of an earlier year or of the start."""
    agreements = LegacyStaffAgreement.objects.filter(contract=contract)
    if quarter.number == 4:
        return agreements.filter(contract_year=quarter.year, occasion=AgreementOccasion.Q3_REVIEW).first()
    earlier = agreements.filter(contract_year__lt=quarter.year) | agreements.filter(
        occasion=AgreementOccasion.START
    )
    return earlier.order_by("-contract_year", "-agreed_at").first()


@dataclass(frozen=True)
class QuarterInputs:
    """Everything a quarter's legacy-cost invoice is worked out from."""

    quarter: rules.Quarter
    agreement: LegacyStaffAgreement | None
    staff: list[tuple[LegacyStaffMember, rules.StaffTerms, rules.LgpsFigures]]
    rates: list[tuple[dt.date, Decimal]]


def quarter_inputs(contract: Contract, quarter: rules.Quarter) -> QuarterInputs:
    """The staff on the governing agreed list who held a TUPE'd role in the quarter, each with
    their LGPS figures, and the NLW rates: four queries."""
    agreement = governing_agreement(contract, quarter)
    agreed = {row.get("reference") for row in (agreement.staff if agreement else [])}
    members = [
        m
        for m in LegacyStaffMember.objects.filter(contract=contract).order_by("reference")
        if m.reference in agreed
    ]
    figures: dict[int, rules.LgpsFigures] = {m.pk: rules.LgpsFigures() for m in members}
    for figure in LgpsFigure.objects.filter(staff_member__in=members):
        held = figures[figure.staff_member_id]
        target = held.fund_quarterly if figure.kind == LgpsFigureKind.FUND_QUARTERLY else held.actual_q1_q3
        target[figure.contract_year] = figure.amount
    rows = [(m, staff_terms(m), figures[m.pk]) for m in members]
    return QuarterInputs(quarter, agreement, rows, nlw_rates())
