"""The invoice run: idempotent and safe under concurrency. It locks the contract's row (`SELECT …
FOR UPDATE`) for the length of its transaction, so runs of one contract queue behind each other,
and (contract, period, revision, part) is unique, so however many workers start the same run there
is one invoice. A draft is regenerated only when its lines would change; a submitted invoice is
frozen."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from portal import audit
from portal.alerts import new_alert, raise_alert, raise_alerts, resolve_matching
from portal.models import User
from schemes.models import Contract, PaymentModel

from .. import alerts, rules, schedule, selectors
from ..models import (
    KIND_FOR_PAYMENT_MODEL,
    BlockVolumeReview,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    InvoicingTerms,
    ReviewOutcome,
    SubmissionDueBasis,
)
from .common import TOTAL_FIELDS, due_at, money

# Periods -------------------------------------------------------------------------------------


def period_bounds(contract: Contract, terms: InvoicingTerms, day: dt.date) -> tuple[dt.date, dt.date]:
    """The payment period containing `day`: a quarter for a block, else 28 days from the anchor."""
    if contract.payment_model == PaymentModel.BLOCK_QUARTERLY:
        return rules.quarter_of(day)
    return rules.payment_period(terms.anchor(), day)


def checked_period(
    contract: Contract, terms: InvoicingTerms, period_start: dt.date
) -> tuple[dt.date, dt.date]:
    start, end = period_bounds(contract, terms, period_start)
    if start != period_start:
        raise ValidationError(
            {
                "period_start": f"{period_start:%-d %B %Y} is not the first day of a payment period of "
                f"{contract.reference}; the period containing it starts on {start:%-d %B %Y}."
            }
        )
    if contract.start_date > end or (contract.end_date is not None and contract.end_date < start):
        raise ValidationError(
            {"period_start": f"Contract {contract.reference} is not in force in that period."}
        )
    return start, end


def _submission_due(terms: InvoicingTerms, start: dt.date, end: dt.date) -> dt.date:
    basis = start if terms.submission_due_basis == SubmissionDueBasis.PERIOD_START else end
    return rules.submission_due_on(basis, terms.submission_working_days)


# The run -------------------------------------------------------------------------------------


@dataclass
class RunResult:
    invoice: Invoice
    created: bool
    changed: bool


# The columns COPY writes, in order (source_line_id is left NULL): checked against the model by a test.
COPY_COLUMNS = [
    "invoice_id",
    "position",
    "kind",
    "order_id",
    "scheme_id",
    "week_start",
    "week_end",
    "description",
    "commissioned_minutes",
    "delivered_minutes",
    "paid_not_delivered_minutes",
    "retainer_minutes",
    "allowance_minutes",
    "unauthorised_minutes",
    "delivered_hours",
    "quantity",
    "unit",
    "rate",
    "net_amount",
    "vat_code",
    "vat_rate",
    "vat_amount",
    "disputed",
    "dispute_reason",
    "review_flag",
    "review_note",
    "breakdown",
]


def _line_row(invoice_id: int, position: int, spec: schedule.LineSpec) -> tuple[Any, ...]:
    """One line's values in COPY_COLUMNS order."""
    return (
        invoice_id,
        position,
        spec.kind,
        spec.order_id,
        spec.scheme_id,
        spec.week_start,
        spec.week_end,
        spec.description[:300],
        spec.commissioned_minutes,
        spec.delivered_minutes,
        spec.paid_not_delivered_minutes,
        spec.retainer_minutes,
        spec.allowance_minutes,
        spec.unauthorised_minutes,
        spec.delivered_hours,
        spec.quantity,
        spec.unit,
        spec.rate,
        spec.net_amount,
        spec.vat_code,
        spec.vat_rate,
        spec.vat_amount,
        spec.disputed,
        spec.dispute_reason,
        spec.review_flag,
        spec.review_note[:300],
        Jsonb(spec.breakdown),
    )


def _insert_lines(invoice: Invoice, specs: list[schedule.LineSpec]) -> None:
    """Write an invoice's lines with COPY (a council's run writes tens of thousands); psycopg
    formats each row (`write_row`), so no value is escaped by hand."""
    column_of = {f.attname: f.column for f in InvoiceLine._meta.concrete_fields}
    columns = ", ".join(f'"{column_of[name]}"' for name in COPY_COLUMNS)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, under Django's wrapper
        with raw.copy(f'COPY "{InvoiceLine._meta.db_table}" ({columns}) FROM STDIN') as copy:
            for position, spec in enumerate(specs, start=1):
                copy.write_row(_line_row(invoice.pk, position, spec))


def _block_review(
    *, actor: User | None, contract: Contract, terms: InvoicingTerms, start: dt.date, end: dt.date
) -> BlockVolumeReview:
    """Create or refresh the quarter's block-volume review `[002 App. 4]` (a decided one is kept):
    the average allocated over the 6 months before the quarter against the block volume in force
    on its first day, with the allocation per scheme."""
    review = (
        BlockVolumeReview.objects.select_for_update().filter(contract=contract, quarter_start=start).first()
    )
    if review is not None and review.outcome in (ReviewOutcome.ACCEPTED, ReviewOutcome.REJECTED):
        return review
    window_start, window_end = rules.review_window(start, terms.block_review_months)
    rate = rules.rate_on([(r[0], r[1]) for r in selectors.contract_rates(contract)], start) or Decimal("0.00")
    volume = selectors.block_volume_on(contract, start)
    current = volume.weekly_hours if volume is not None else Decimal("0.00")
    allocations = selectors.review_allocations(contract, window_start, window_end)
    by_scheme = rules.average_weekly_hours_by_scheme(allocations, window_start, window_end)
    average = sum(by_scheme.values(), Fraction(0))
    result = rules.block_volume_review(
        current_weekly_hours=current,
        average=average,
        rate=rate,
        threshold_percent=terms.block_review_threshold_percent,
        weeks=terms.block_weeks_per_quarter,
    )
    values = {
        "quarter_end": end,
        "window_start": window_start,
        "window_end": window_end,
        "current_weekly_hours": current,
        "average_weekly_hours": rules.four_places(average),
        "difference_percent": None
        if result.difference_percent is None
        else rules.two_places(result.difference_percent),
        "threshold_percent": terms.block_review_threshold_percent,
        "rate": rate,
        "weeks": terms.block_weeks_per_quarter,
        "current_amount": result.current.amount,
        "proposed_weekly_hours": result.proposed.weekly_hours if result.proposed else None,
        "proposed_amount": result.proposed.amount if result.proposed else None,
        "outcome": ReviewOutcome.PROPOSED if result.proposes_change else ReviewOutcome.NO_CHANGE,
        "breakdown": {
            "rule": "[002 App. 4]",
            "volume_from": volume.effective_from.isoformat() if volume is not None else None,
            "schemes": [
                {
                    "scheme": scheme,
                    "average_weekly_hours": str(rules.two_places(hours)),
                    "share_percent": str(rules.two_places(hours / average * 100)) if average else None,
                }
                for scheme, hours in by_scheme.items()
            ],
        },
    }
    if review is None:
        review = BlockVolumeReview.objects.create(contract=contract, quarter_start=start, **values)
        audit.record(
            actor=actor,
            obj=review,
            action="reviewed",
            changes={
                k: [None, values[k]] for k in ("current_weekly_hours", "average_weekly_hours", "outcome")
            },
        )
    else:
        before = audit.snapshot(review, list(values))
        for key, value in values.items():
            setattr(review, key, value)
        after = audit.snapshot(review, list(values))
        changes = audit.diff(before, after)
        if changes:
            review.save()
            audit.record(actor=actor, obj=review, action="re-reviewed", changes=changes)
    if review.outcome == ReviewOutcome.PROPOSED:
        raise_alert(
            recipient=contract.commissioner,
            kind=alerts.BLOCK_REVIEW_TO_DECIDE,
            key=f"block_review:{review.pk}",
            title=f"Block-volume review for {contract.reference}: {review.signed_difference} against the "
            f"block volume; accept or reject an updated block of {money(review.proposed_amount)}",
            url=review.get_absolute_url(),
            obj=review,
        )
    else:
        resolve_matching(kind=alerts.BLOCK_REVIEW_TO_DECIDE, key=f"block_review:{review.pk}", actor=actor)
    return review


def _inputs(
    *, actor: User | None, contract: Contract, terms: InvoicingTerms, kind: str, start: dt.date, end: dt.date
) -> schedule.HourlyInputs | schedule.PackageInputs | schedule.BlockInputs:
    """Everything the invoice is worked out from, gathered set-based (a handful of queries). A
    block's review is held with its run, but the block follows the agreed volume, not the review."""
    if kind == InvoiceKind.HOURLY:
        return selectors.hourly_inputs(contract, terms, start, end)
    if kind == InvoiceKind.PACKAGE:
        return selectors.package_inputs(contract, terms, start, end)
    inputs = selectors.block_inputs(contract, terms, start, end)
    _block_review(actor=actor, contract=contract, terms=terms, start=start, end=end)
    return inputs


SCHEDULES: dict[str, Callable[[Any], list[schedule.LineSpec]]] = {
    InvoiceKind.HOURLY: schedule.hourly_schedule,
    InvoiceKind.PACKAGE: schedule.package_schedule,
    InvoiceKind.BLOCK: schedule.block_schedule,
}


def invoice_number(contract: Contract, period_start: dt.date, revision: int = 1) -> str:
    """e.g. NCC-HWC-L1-20260427; a later revision adds -R2; split parts add -U / -D."""
    number = f"{contract.reference}-{period_start:%Y%m%d}"
    return number if revision == 1 else f"{number}-R{revision}"


def invoice_generate(*, contract_id: int, period_start: dt.date, actor: User | None = None) -> RunResult:
    """Generate (or bring up to date) the contract's invoice for the period starting `period_start`.

    Idempotent: run again with nothing changed, it writes nothing. A draft follows its inputs
    (visits recorded late, a variation approved); a submitted invoice is left as it is."""
    with transaction.atomic():
        return _generate(contract_id=contract_id, period_start=period_start, actor=actor)


def _generate(*, contract_id: int, period_start: dt.date, actor: User | None) -> RunResult:
    # One run per contract at a time: lock the contract's row for the length of the transaction.
    contract = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("invoicing_terms", "provider", "commissioner")
        .get(pk=contract_id)
    )
    kind = KIND_FOR_PAYMENT_MODEL[PaymentModel(contract.payment_model)]
    terms = InvoicingTerms.for_contract(contract)
    start, end = checked_period(contract, terms, period_start)
    # The contract's row lock covers its invoices: no second lock needed.
    existing = (
        Invoice.objects.filter(contract=contract, period_start=start, part="").order_by("-revision").first()
    )
    revision = 1
    if existing is not None and existing.status == InvoiceStatus.WITHDRAWN:
        revision, existing = existing.revision + 1, None
    if existing is not None and existing.status != InvoiceStatus.DRAFT:
        return RunResult(existing, created=False, changed=False)
    inputs = _inputs(actor=actor, contract=contract, terms=terms, kind=kind, start=start, end=end)
    fingerprint = schedule.inputs_digest(inputs)
    if existing is not None and existing.inputs_digest == fingerprint:
        return RunResult(existing, created=False, changed=False)
    specs = SCHEDULES[kind](inputs)
    totals = schedule.totals(specs)
    now = timezone.now()
    if existing is None:
        invoice = Invoice.objects.create(
            contract=contract,
            commissioner_id=contract.commissioner_id,
            provider_id=contract.provider_id,
            kind=kind,
            number=invoice_number(contract, start, revision),
            revision=revision,
            period_start=start,
            period_end=end,
            submission_due_on=_submission_due(terms, start, end),
            inputs_digest=fingerprint,
            generated_at=now,
            **totals,
        )
        _insert_lines(invoice, specs)
        audit.record(
            actor=actor,
            obj=invoice,
            action="generated" if revision == 1 else f"generated as revision {revision}",
            changes={"lines": [None, len(specs)], **{k: [None, totals[k]] for k in TOTAL_FIELDS}},
        )
        raise_alerts(
            [
                new_alert(
                    kind=alerts.INVOICE_TO_SUBMIT,
                    recipient=contract.provider,
                    key=f"invoice:{invoice.pk}",
                    title=f"Check and submit invoice {invoice.number} ({money(invoice.net_total)}) by "
                    f"{invoice.submission_due_on:%-d %B %Y}",
                    url=invoice.get_absolute_url(),
                    due_at=due_at(invoice.submission_due_on),
                    content_type=ContentType.objects.get_for_model(Invoice),
                    object_id=str(invoice.pk),
                )
            ]
        )
        return RunResult(invoice, created=True, changed=True)
    invoice = existing
    before = audit.snapshot(invoice, TOTAL_FIELDS)
    old_lines = invoice.lines.count()
    invoice.lines.all().delete()
    _insert_lines(invoice, specs)
    for key, value in totals.items():
        setattr(invoice, key, value)
    invoice.inputs_digest = fingerprint
    invoice.generated_at = now
    invoice.submission_due_on = _submission_due(terms, start, end)
    invoice.save()
    changes = audit.diff(before, audit.snapshot(invoice, TOTAL_FIELDS))
    if old_lines != len(specs):
        changes["lines"] = [old_lines, len(specs)]
    audit.record(actor=actor, obj=invoice, action="regenerated", changes=changes)
    return RunResult(invoice, created=False, changed=True)


def invoice_regenerate(*, actor: User | None, invoice: Invoice) -> RunResult:
    """The provider (or council) brings a draft up to date with what has been recorded since."""
    if invoice.status != InvoiceStatus.DRAFT or invoice.part:
        raise ValidationError("Only a draft can be regenerated; a submitted invoice is frozen.")
    return invoice_generate(contract_id=invoice.contract_id, period_start=invoice.period_start, actor=actor)


# The scheduled run -------------------------------------------------------------------------------


def invoice_runs_due(today: dt.date) -> list[tuple[int, dt.date]]:
    """(contract id, period start) of every run that should exist by `today` and does not: the
    period that ended most recently (hourly and package invoices are in arrears), and the quarter
    in progress (block payments are in advance)."""
    contracts = (
        Contract.objects.filter(start_date__lte=today)
        .filter(payment_model__in=list(KIND_FOR_PAYMENT_MODEL))
        .select_related("invoicing_terms")
        .order_by("pk")
    )
    existing = set(Invoice.objects.filter(part="").values_list("contract_id", "period_start"))
    due = []
    for contract in contracts:
        terms = InvoicingTerms.for_contract(contract)
        if contract.payment_model == PaymentModel.BLOCK_QUARTERLY:
            start, end = rules.quarter_of(today)
        else:
            current_start, _ = rules.payment_period(terms.anchor(), today)
            start, end = rules.payment_period(terms.anchor(), current_start - dt.timedelta(days=1))
        in_force = contract.start_date <= end and (contract.end_date is None or contract.end_date >= start)
        if in_force and (contract.pk, start) not in existing:
            due.append((contract.pk, start))
    return due
