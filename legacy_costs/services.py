"""Writes for TUPE legacy costs `[004 App. 3 §8]`: keyword-only, atomic, audited.

The quarter's legacy-cost invoice is an ordinary `invoicing.Invoice` (kind "legacy", part "L",
so it never collides with the contract's hourly invoice for a period starting the same day): the
provider submits it and the council approves, disputes, pays and remits it through
`invoicing.services` like any other.
"""

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from invoicing import rules as invoicing_rules
from invoicing.models import Invoice, InvoiceKind, InvoiceLine, InvoiceStatus, InvoicingTerms, LineKind
from invoicing.services import TOTAL_FIELDS
from portal import audit
from portal.models import User
from portal.money import pennies
from schemes.models import Contract

from . import rules, selectors
from .models import (
    AgreementOccasion,
    EndReason,
    LegacyStaffAgreement,
    LegacyStaffMember,
    LgpsFigure,
    LgpsFigureKind,
)

LEGACY_PART = "L"
STAFF_FIELDS = [
    "reference",
    "role",
    "weekly_contracted_hours",
    "tupe_hourly_rate",
    "new_hourly_rate",
    "start_date",
    "end_date",
    "end_reason",
    "lgps_member",
]


def _party(actor: User | None, contract: Contract, *, council_only: bool = False) -> None:
    """Only the contract's council (and, unless `council_only`, its provider) writes its legacy records."""
    if actor is None:
        return
    organisation_id = getattr(actor, "organisation_id", None)
    allowed = {contract.commissioner_id} if council_only else {contract.commissioner_id, contract.provider_id}
    if organisation_id not in allowed:
        who = "the contract's council" if council_only else "the contract's council or provider"
        raise ValidationError({"contract": f"Only {who} may do this."})


@transaction.atomic
def legacy_staff_add(
    *,
    actor: User | None,
    contract: Contract,
    reference: str,
    role: str,
    weekly_contracted_hours: Decimal,
    tupe_hourly_rate: Decimal,
    new_hourly_rate: Decimal,
    start_date: dt.date,
    lgps_member: bool = False,
) -> LegacyStaffMember:
    """Add a member of the Legacy Staff to the contract's list (paid once the council has agreed
    a list holding them)."""
    _party(actor, contract)
    reference = reference.strip()
    if LegacyStaffMember.objects.filter(contract=contract, reference=reference).exists():
        raise ValidationError({"reference": f"{reference} is already on this contract's list."})
    if start_date < contract.start_date:
        raise ValidationError({"start_date": "Legacy costs run from the contract's start at the earliest."})
    member = LegacyStaffMember.objects.create(
        contract=contract,
        reference=reference,
        role=role.strip(),
        weekly_contracted_hours=weekly_contracted_hours,
        tupe_hourly_rate=tupe_hourly_rate,
        new_hourly_rate=new_hourly_rate,
        start_date=start_date,
        lgps_member=lgps_member,
    )
    audit.record(
        actor=actor,
        obj=member,
        action="added to the legacy staff list",
        changes={f: [None, v] for f, v in audit.snapshot(member, STAFF_FIELDS).items()},
    )
    return member


@transaction.atomic
def legacy_staff_end(
    *, actor: User | None, staff_member: LegacyStaffMember, end_date: dt.date, end_reason: str
) -> LegacyStaffMember:
    """Record the last day a person held a TUPE'd role — promoted or moved into a role not on the
    TUPE list, or left — after which the council pays none of their legacy costs `[004 App. 3 §8]`."""
    member = LegacyStaffMember.objects.select_for_update().select_related("contract").get(pk=staff_member.pk)
    _party(actor, member.contract)
    if end_reason not in EndReason.values:
        raise ValidationError({"end_reason": "Say why: promoted, moved to another role, or left."})
    if end_date < member.start_date:
        raise ValidationError({"end_date": "The last day in the role cannot be before the first."})
    before = audit.snapshot(member, STAFF_FIELDS)
    member.end_date, member.end_reason = end_date, end_reason
    member.save(update_fields=["end_date", "end_reason", "updated_at"])
    audit.record(
        actor=actor,
        obj=member,
        action="left a TUPE'd role",
        changes=audit.diff(before, audit.snapshot(member, STAFF_FIELDS)),
        note=f"{member.get_end_reason_display()}: legacy costs paid to {end_date:%-d %B %Y}.",
    )
    return member


@transaction.atomic
def legacy_staff_list_agree(
    *,
    actor: User | None,
    contract: Contract,
    occasion: str,
    on_costs_percent: Decimal,
    note: str = "",
    now: dt.datetime | None = None,
) -> LegacyStaffAgreement:
    """The council records that the list of Legacy Staff (as it stands now) was agreed with the
    provider: at the start (year 1), or at a year's third-quarter reconciliation `[004 App. 3 §8]`."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    _party(actor, contract, council_only=True)
    now = now or timezone.now()
    today = timezone.localdate(now)
    if occasion == AgreementOccasion.START:
        year = 1
    elif occasion == AgreementOccasion.Q3_REVIEW:
        quarter = rules.contract_quarter(contract.start_date, max(today, contract.start_date))
        if quarter.number < 3:
            raise ValidationError(
                {
                    "occasion": f"The yearly review is part of the third quarter's reconciliation; today is in {quarter.label}."
                }
            )
        year = quarter.year
    else:
        raise ValidationError({"occasion": "Choose the start of the contract or the third-quarter review."})
    if LegacyStaffAgreement.objects.filter(contract=contract, contract_year=year, occasion=occasion).exists():
        raise ValidationError({"occasion": f"The list was already agreed for year {year} on this occasion."})
    staff = [
        {k: str(v) if v is not None else None for k, v in audit.snapshot(m, STAFF_FIELDS).items()}
        for m in LegacyStaffMember.objects.filter(contract=contract).order_by("reference")
    ]
    agreement = LegacyStaffAgreement.objects.create(
        contract=contract,
        contract_year=year,
        occasion=occasion,
        on_costs_percent=on_costs_percent,
        staff=staff,
        note=note.strip(),
        agreed_at=now,
        agreed_by=actor,
    )
    audit.record(
        actor=actor,
        obj=agreement,
        action="legacy staff list agreed",
        changes={
            "staff": [None, [row["reference"] for row in staff]],
            "on_costs_percent": [None, str(on_costs_percent)],
        },
        note=note.strip(),
    )
    return agreement


@transaction.atomic
def lgps_figure_record(
    *,
    actor: User | None,
    staff_member: LegacyStaffMember,
    contract_year: int,
    kind: str,
    amount: Decimal,
    note: str = "",
    now: dt.datetime | None = None,
) -> tuple[LgpsFigure, bool]:
    """Record (or correct) a person's LGPS figure for a contract year: the pension fund's quarterly
    figure, or the actual contributions over quarters 1–3 `[004 App. 3 §8]`. Returns (figure, created)."""
    member = LegacyStaffMember.objects.select_related("contract").get(pk=staff_member.pk)
    _party(actor, member.contract)
    if kind not in LgpsFigureKind.values:
        raise ValidationError({"kind": "Choose the pension fund's figure or the actual contributions."})
    if not member.lgps_member:
        raise ValidationError({"staff_member": f"{member.reference} is not an LGPS member."})
    figure = (
        LgpsFigure.objects.select_for_update()
        .filter(staff_member=member, contract_year=contract_year, kind=kind)
        .first()
    )
    created = figure is None
    before = audit.snapshot(figure, ["amount", "note"]) if figure else {}
    if figure is None:
        figure = LgpsFigure(
            contract=member.contract, staff_member=member, contract_year=contract_year, kind=kind
        )
    figure.amount, figure.note = amount, note.strip()
    figure.recorded_at, figure.recorded_by = now or timezone.now(), actor
    figure.save()
    changes = audit.diff(before, audit.snapshot(figure, ["amount", "note"]))
    if changes:
        audit.record(actor=actor, obj=figure, action="LGPS figure recorded", changes=changes)
    return figure, created


# The quarter's invoice ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RaiseResult:
    invoice: Invoice
    created: bool
    changed: bool


def _line_specs(contract: Contract, inputs: selectors.QuarterInputs) -> list[dict[str, Any]]:
    quarter = inputs.quarter
    on_costs = inputs.agreement.on_costs_percent if inputs.agreement else Decimal(0)
    specs = []
    for member, terms, figures in inputs.staff:
        try:
            charges = [
                (
                    LineKind.LEGACY_LGPS,
                    "LGPS employer contributions",
                    rules.lgps_contribution(terms, quarter, figures, contract.start_date),
                ),
                (
                    LineKind.LEGACY_PAY,
                    "pay-rate difference",
                    rules.pay_rate_difference(terms, quarter, inputs.rates),
                ),
                (
                    LineKind.LEGACY_LEAVE,
                    "annual-leave difference",
                    rules.annual_leave_difference(terms, quarter, on_costs),
                ),
            ]
        except rules.MissingFigure as missing:
            raise ValidationError(str(missing)) from missing
        for kind, title, charge in charges:
            if charge is None or charge.amount == 0:
                continue
            specs.append(
                {
                    "kind": str(kind),
                    "staff": member.reference,
                    # The line's summary; every step is in the breakdown, shown on the line's page.
                    "description": _short(
                        f"TUPE legacy {title}, {member.reference} ({member.role}): {charge.steps[-1]}"
                    ),
                    "amount": str(charge.amount),
                    "breakdown": {
                        "legacy": {
                            "staff_reference": member.reference,
                            "role": member.role,
                            "quarter": quarter.label,
                            "steps": charge.steps,
                            "figures": charge.figures,
                            "rule": "[004 App. 3 §8]",
                        }
                    },
                }
            )
    return specs


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _digest(specs: list[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(specs, sort_keys=True).encode()).hexdigest()


def _write_lines(invoice: Invoice, specs: list[dict[str, Any]], terms: InvoicingTerms) -> None:
    lines = []
    for position, spec in enumerate(specs, start=1):
        amount = Decimal(spec["amount"])
        lines.append(
            InvoiceLine(
                invoice=invoice,
                position=position,
                kind=spec["kind"],
                description=spec["description"],
                quantity=Decimal("1.00"),
                unit="quarter",
                rate=amount,
                net_amount=amount,
                vat_code=terms.vat_code,
                vat_rate=terms.vat_rate,
                vat_amount=pennies(amount * terms.vat_rate / 100),
                breakdown=spec["breakdown"],
            )
        )
    InvoiceLine.objects.bulk_create(lines)
    invoice.net_total = sum((line.net_amount for line in lines), Decimal("0.00"))
    invoice.vat_total = sum((line.vat_amount for line in lines), Decimal("0.00"))
    invoice.gross_total = invoice.net_total + invoice.vat_total


@transaction.atomic
def legacy_invoice_raise(
    *, actor: User | None, contract: Contract, period_start: dt.date, now: dt.datetime | None = None
) -> RaiseResult:
    """Raise (or bring up to date, while a draft) the contract's legacy-cost invoice for the
    contract quarter holding `period_start`: a line per person and element, each saying how it
    was worked out. Idempotent: raised again with nothing changed, it writes nothing; once
    submitted it never changes."""
    contract = (
        Contract.objects.select_for_update(of=("self",)).select_related("invoicing_terms").get(pk=contract.pk)
    )
    _party(actor, contract)
    if period_start < contract.start_date or (contract.end_date and period_start > contract.end_date):
        raise ValidationError({"period_start": "The quarter is outside the contract."})
    quarter = rules.contract_quarter(contract.start_date, period_start)
    now = now or timezone.now()
    inputs = selectors.quarter_inputs(contract, quarter)
    if inputs.agreement is None:
        needed = (
            f"the list reviewed at year {quarter.year}'s third-quarter reconciliation"
            if quarter.number == 4
            else "the list agreed at the start of the contract"
        )
        raise ValidationError(f"The council has not recorded {needed} [004 App. 3 §8]: agree it first.")
    specs = _line_specs(contract, inputs)
    if not specs:
        raise ValidationError(f"No legacy costs are due for {quarter.label}.")
    digest = _digest(specs)
    terms = InvoicingTerms.for_contract(contract)
    existing = Invoice.objects.filter(contract=contract, period_start=quarter.start, part=LEGACY_PART).first()
    if existing is not None:
        if existing.status != InvoiceStatus.DRAFT or existing.inputs_digest == digest:
            return RaiseResult(existing, created=False, changed=False)
        before = audit.snapshot(existing, TOTAL_FIELDS)
        existing.lines.all().delete()
        _write_lines(existing, specs, terms)
        existing.inputs_digest, existing.generated_at = digest, now
        existing.save()
        audit.record(
            actor=actor,
            obj=existing,
            action="regenerated",
            changes=audit.diff(before, audit.snapshot(existing, TOTAL_FIELDS)),
        )
        return RaiseResult(existing, created=False, changed=True)
    invoice = Invoice(
        contract=contract,
        commissioner_id=contract.commissioner_id,
        provider_id=contract.provider_id,
        kind=InvoiceKind.LEGACY,
        number=f"{contract.reference}-LEG-{quarter.start:%Y%m%d}",
        period_start=quarter.start,
        period_end=quarter.end,
        part=LEGACY_PART,
        submission_due_on=invoicing_rules.submission_due_on(quarter.end, terms.submission_working_days),
        inputs_digest=digest,
        generated_at=now,
    )
    invoice.save()
    _write_lines(invoice, specs, terms)
    invoice.save(update_fields=["net_total", "vat_total", "gross_total"])
    audit.record(
        actor=actor,
        obj=invoice,
        action="raised: TUPE legacy costs",
        changes={key: [None, getattr(invoice, key)] for key in TOTAL_FIELDS},
        note=f"{quarter.label}, {len(specs)} lines [004 App. 3 §8]",
    )
    return RaiseResult(invoice, created=True, changed=True)
