"""Writes for invoicing: keyword-only, atomic, audited, each telling the other side what it must do.

The run (`invoice_generate`) is idempotent and safe under concurrency: it locks the contract's
row (`SELECT … FOR UPDATE`) for the length of its transaction, so runs of one contract queue
behind each other, and (contract, period, revision, part) is unique, so however many workers start
the same run there is one invoice. A draft is regenerated only when its lines would change; a
submitted invoice is frozen.
"""

import datetime as dt
import gc
import json
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from portal import audit
from portal.alerts import raise_alert, raise_alerts, resolve_matching
from portal.models import Alert
from portal.roles import Capability
from schemes.models import Contract, PaymentModel

from . import rules, schedule, selectors
from .models import (
    KIND_FOR_PAYMENT_MODEL,
    BlockVolumeReview,
    DisputeOutcome,
    Invoice,
    InvoiceDispute,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    InvoicingTerms,
    Remittance,
    ReviewOutcome,
    SubmissionDueBasis,
)

LONDON = ZoneInfo("Europe/London")
DISPUTE_WINDOW_DAYS = 30  # the council may dispute within 30 days of receipt [004 App. 6 §4.1]
TOTAL_FIELDS = ["net_total", "vat_total", "gross_total", "disputed_total"]


def _invoice_type() -> ContentType:
    return ContentType.objects.get_for_model(Invoice)


def _due_at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 17, 0, tzinfo=LONDON)


def _money(value: Decimal) -> str:
    return f"£{value:,.2f}"


# Periods -------------------------------------------------------------------------------------


def period_bounds(contract: Contract, terms: InvoicingTerms, day: dt.date) -> tuple[dt.date, dt.date]:
    """The payment period containing `day`: a quarter for a block, else 28 days from the anchor."""
    if contract.payment_model == PaymentModel.BLOCK_QUARTERLY:
        return rules.quarter_of(day)
    return rules.payment_period(terms.anchor(), day)


def _checked_period(
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


def _line_values(invoice: Invoice, position: int, spec: schedule.LineSpec) -> dict:
    return {
        "invoice_id": invoice.pk,
        "position": position,
        "kind": spec.kind,
        "order_id": spec.order_id,
        "scheme_id": spec.scheme_id,
        "week_start": spec.week_start,
        "week_end": spec.week_end,
        "description": spec.description[:300],
        "commissioned_minutes": spec.commissioned_minutes,
        "delivered_minutes": spec.delivered_minutes,
        "paid_not_delivered_minutes": spec.paid_not_delivered_minutes,
        "retainer_minutes": spec.retainer_minutes,
        "allowance_minutes": spec.allowance_minutes,
        "unauthorised_minutes": spec.unauthorised_minutes,
        "delivered_hours": spec.delivered_hours,
        "quantity": spec.quantity,
        "unit": spec.unit,
        "rate": spec.rate,
        "net_amount": spec.net_amount,
        "vat_code": spec.vat_code,
        "vat_rate": spec.vat_rate,
        "vat_amount": spec.vat_amount,
        "disputed": spec.disputed,
        "dispute_reason": spec.dispute_reason,
        "review_flag": spec.review_flag,
        "review_note": spec.review_note[:300],
        "breakdown": spec.breakdown,
        "source_line_id": None,
    }


def _copy_escape(text: str) -> str:
    """Text in PostgreSQL's COPY text format."""
    if "\\" not in text and "\t" not in text and "\n" not in text and "\r" not in text:
        return text  # most text: nothing to escape
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_optional(value) -> str:
    return "\\N" if value is None else str(value)


# The columns COPY writes, in order (source_line_id is left NULL): checked against the model below.
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


def _copy_row(invoice_id: int, position: int, spec: schedule.LineSpec) -> str:
    """One line as a row of COPY text (the values in COPY_COLUMNS order)."""
    return "\t".join(
        (
            str(invoice_id),
            str(position),
            spec.kind,
            _copy_optional(spec.order_id),
            _copy_optional(spec.scheme_id),
            _copy_optional(spec.week_start),
            _copy_optional(spec.week_end),
            _copy_escape(spec.description[:300]),
            str(spec.commissioned_minutes),
            str(spec.delivered_minutes),
            str(spec.paid_not_delivered_minutes),
            str(spec.retainer_minutes),
            str(spec.allowance_minutes),
            str(spec.unauthorised_minutes),
            str(spec.delivered_hours),
            str(spec.quantity),
            spec.unit,
            str(spec.rate),
            str(spec.net_amount),
            spec.vat_code,
            str(spec.vat_rate),
            str(spec.vat_amount),
            "t" if spec.disputed else "f",
            _copy_escape(spec.dispute_reason),
            "t" if spec.review_flag else "f",
            _copy_escape(spec.review_note[:300]),
            # Compact and unescaped: jsonb stores the same value whatever the spacing or escapes.
            _copy_escape(json.dumps(spec.breakdown, ensure_ascii=False, separators=(",", ":"))),
        )
    )


def _insert_lines(invoice: Invoice, specs: list[schedule.LineSpec]) -> None:
    """Write an invoice's lines: COPY on PostgreSQL (a council's run writes tens of thousands),
    bulk_create elsewhere."""
    if connection.vendor != "postgresql":
        InvoiceLine.objects.bulk_create(
            [
                InvoiceLine(**_line_values(invoice, position, spec))
                for position, spec in enumerate(specs, start=1)
            ],
            batch_size=2000,
        )
        return
    column_of = {f.attname: f.column for f in InvoiceLine._meta.concrete_fields}
    columns = ", ".join(f'"{column_of[name]}"' for name in COPY_COLUMNS)
    text = "".join(
        _copy_row(invoice.pk, position, spec) + "\n" for position, spec in enumerate(specs, start=1)
    )
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f'COPY "{InvoiceLine._meta.db_table}" ({columns}) FROM STDIN') as copy:
            copy.write(text)


def _block_review(
    *, actor, contract: Contract, terms: InvoicingTerms, start: dt.date, end: dt.date
) -> BlockVolumeReview:
    """Create or refresh the quarter's block-volume review `[002 App. 4]` (a decided one is kept)."""
    review = (
        BlockVolumeReview.objects.select_for_update().filter(contract=contract, quarter_start=start).first()
    )
    if review is not None and review.outcome in (ReviewOutcome.ACCEPTED, ReviewOutcome.REJECTED):
        return review
    window_start, window_end = rules.review_window(start, terms.block_review_months)
    rate = rules.rate_on([(r[0], r[1]) for r in selectors.contract_rates(contract)], start) or Decimal("0.00")
    current = sum(
        (rules.weekly_hours_on(o.versions, start) for o in selectors.block_orders(contract, start)),
        Decimal(0),
    )
    average = rules.average_weekly_hours(
        selectors.review_allocations(contract, window_start, window_end), window_start, window_end
    )
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
        else rules.round_half_up(rules.as_decimal(result.difference_percent), rules.TWO_PLACES).quantize(
            rules.TWO_PLACES
        ),
        "threshold_percent": terms.block_review_threshold_percent,
        "rate": rate,
        "weeks": terms.block_weeks_per_quarter,
        "current_amount": result.current.amount,
        "proposed_weekly_hours": result.proposed.weekly_hours if result.proposed else None,
        "proposed_amount": result.proposed.amount if result.proposed else None,
        "outcome": ReviewOutcome.PROPOSED if result.proposes_change else ReviewOutcome.NO_CHANGE,
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
            capability=Capability.COMMISSION,
            kind="block_review_to_decide",
            key=f"block_review:{review.pk}",
            title=f"Block-volume review for {contract.reference}: accept or reject an updated block of "
            f"{_money(review.proposed_amount)}",
            url=review.get_absolute_url(),
            obj=review,
        )
    else:
        resolve_matching(kind="block_review_to_decide", key=f"block_review:{review.pk}", actor=actor)
    return review


def _inputs(*, actor, contract: Contract, terms: InvoicingTerms, kind: str, start: dt.date, end: dt.date):
    """Everything the invoice is worked out from, gathered set-based (a handful of queries)."""
    if kind == InvoiceKind.HOURLY:
        return selectors.hourly_inputs(contract, terms, start, end)
    if kind == InvoiceKind.PACKAGE:
        return selectors.package_inputs(contract, terms, start, end)
    review = _block_review(actor=actor, contract=contract, terms=terms, start=start, end=end)
    override = review.proposed_weekly_hours if review.outcome == ReviewOutcome.ACCEPTED else None
    return selectors.block_inputs(
        contract, terms, start, end, weekly_hours_override=override, review_id=review.pk
    )


SCHEDULES = {
    InvoiceKind.HOURLY: schedule.hourly_schedule,
    InvoiceKind.PACKAGE: schedule.package_schedule,
    InvoiceKind.BLOCK: schedule.block_schedule,
}


def invoice_number(contract: Contract, period_start: dt.date, revision: int = 1) -> str:
    """e.g. NCC-HWC-L1-20260427; a later revision adds -R2; split parts add -U / -D."""
    number = f"{contract.reference}-{period_start:%Y%m%d}"
    return number if revision == 1 else f"{number}-R{revision}"


@contextmanager
def _cyclic_gc_paused():
    """A run makes tens of thousands of small containers (its inputs, a line's figures and
    breakdown) and frees them by reference counting; the cyclic collector, triggered by the count
    of allocations, would walk them (and the whole heap, now and then) over and over — about a
    quarter of the time spent working out and writing a council's lines. It is paused for the
    run (the process's, as the Celery worker runs one task at a time) and resumed after, when it
    collects anything left over as usual."""
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def invoice_generate(*, contract_id: int, period_start: dt.date, actor=None) -> RunResult:
    """Generate (or bring up to date) the contract's invoice for the period starting `period_start`.

    Idempotent: run again with nothing changed, it writes nothing. A draft follows its inputs
    (visits recorded late, a variation approved); a submitted invoice is left as it is."""
    outermost = not connection.in_atomic_block
    with _cyclic_gc_paused(), transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            # A run is idempotent: were the server to stop before this commit reached the disk,
            # the next run would make the same invoice again. So the run does not wait for the
            # write-ahead log to be flushed (PostgreSQL's synchronous_commit, for this
            # transaction only); a council's run writes a hundred of them in a row.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        return _generate(contract_id=contract_id, period_start=period_start, actor=actor)


def _generate(*, contract_id: int, period_start: dt.date, actor) -> RunResult:
    # One run per contract at a time: lock the contract's row for the length of the transaction.
    contract = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("invoicing_terms", "provider", "commissioner")
        .get(pk=contract_id)
    )
    kind = KIND_FOR_PAYMENT_MODEL[contract.payment_model]
    terms = InvoicingTerms.for_contract(contract)
    start, end = _checked_period(contract, terms, period_start)
    # The contract's row lock covers its invoices: no second lock needed.
    existing = (
        Invoice.objects.filter(contract=contract, period_start=start, part="").order_by("-revision").first()
    )
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
            number=invoice_number(contract, start),
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
            action="generated",
            changes={"lines": [None, len(specs)], **{k: [None, totals[k]] for k in TOTAL_FIELDS}},
        )
        raise_alerts(
            [
                Alert(
                    recipient=contract.provider,
                    capability=Capability.PROVIDER_MANAGE,
                    kind="invoice_to_submit",
                    key=f"invoice:{invoice.pk}",
                    title=f"Check and submit invoice {invoice.number} ({_money(invoice.net_total)}) by "
                    f"{invoice.submission_due_on:%-d %B %Y}",
                    url=invoice.get_absolute_url(),
                    due_at=_due_at(invoice.submission_due_on),
                    content_type=_invoice_type(),
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


def invoice_regenerate(*, actor, invoice: Invoice) -> RunResult:
    """The provider (or council) brings a draft up to date with what has been recorded since."""
    if invoice.status != InvoiceStatus.DRAFT or invoice.part:
        raise ValidationError("Only a draft can be regenerated; a submitted invoice is frozen.")
    return invoice_generate(contract_id=invoice.contract_id, period_start=invoice.period_start, actor=actor)


# The workflow ---------------------------------------------------------------------------------


def _locked(invoice: Invoice) -> Invoice:
    return (
        Invoice.objects.select_for_update()
        .select_related("contract", "commissioner", "provider")
        .get(pk=invoice.pk)
    )


def _status_error(invoice: Invoice, action: str) -> ValidationError:
    return ValidationError(
        f"Invoice {invoice.number} is {invoice.get_status_display().lower()}: it cannot be {action}."
    )


@transaction.atomic
def invoice_submit(
    *, actor, invoice: Invoice, late_reason: str = "", now: dt.datetime | None = None
) -> Invoice:
    """The provider submits the invoice documents `[004 App. 6 §3.1]`. After the due date the
    submission is marked late and needs a reason. Payment falls due 30 days after receipt."""
    invoice = _locked(invoice)
    if invoice.status != InvoiceStatus.DRAFT:
        raise _status_error(invoice, "submitted")
    now = now or timezone.now()
    today = timezone.localdate(now)
    if invoice.kind != InvoiceKind.BLOCK and today <= invoice.period_end:
        raise ValidationError(
            f"The payment period ends on {invoice.period_end:%-d %B %Y}: invoices are submitted after it ends."
        )
    if invoice.kind == InvoiceKind.BLOCK:
        pending = BlockVolumeReview.objects.filter(
            contract=invoice.contract, quarter_start=invoice.period_start, outcome=ReviewOutcome.PROPOSED
        ).exists()
        if pending:
            raise ValidationError(
                "The quarter's block-volume review proposes an updated block: the council must accept or "
                "reject it before the block is invoiced."
            )
    late = today > invoice.submission_due_on
    late_reason = late_reason.strip()
    if late and not late_reason:
        raise ValidationError(
            {
                "late_reason": f"The invoice was due by {invoice.submission_due_on:%-d %B %Y}: say why it is late."
            }
        )
    terms = InvoicingTerms.for_contract(invoice.contract)
    before = audit.snapshot(invoice, ["status", "received_on", "payment_due_on", "is_late"])
    invoice.status = InvoiceStatus.SUBMITTED
    invoice.submitted_at = now
    invoice.submitted_by = actor
    invoice.is_late = late
    invoice.late_reason = late_reason if late else ""
    invoice.received_on = today
    invoice.payment_due_on = rules.payment_due_on(today, terms.payment_days)
    invoice.save()
    audit.record(
        actor=actor,
        obj=invoice,
        action="submitted late" if late else "submitted",
        changes=audit.diff(
            before, audit.snapshot(invoice, ["status", "received_on", "payment_due_on", "is_late"])
        ),
        note=invoice.late_reason,
    )
    resolve_matching(
        kind="invoice_to_submit", key=f"invoice:{invoice.pk}", actor=actor, resolution="Submitted"
    )
    disputed = invoice.lines.filter(disputed=True).count()
    raise_alert(
        recipient=invoice.commissioner,
        capability=Capability.COMMISSION,
        kind="invoice_to_review",
        key=f"invoice:{invoice.pk}",
        title=f"Approve or dispute invoice {invoice.number} from {invoice.provider} ({_money(invoice.net_total)})"
        + (f"; {disputed} line(s) over tolerance are carried as disputed" if disputed else ""),
        url=invoice.get_absolute_url(),
        due_at=_due_at(invoice.received_on + dt.timedelta(days=DISPUTE_WINDOW_DAYS)),
        obj=invoice,
    )
    flagged = invoice.lines.filter(review_flag=True).values("order_id").distinct().count()
    if flagged:
        raise_alert(
            recipient=invoice.commissioner,
            capability=Capability.COMMISSION,
            kind="package_hours_to_review",
            key=f"invoice:{invoice.pk}",
            title=f"{flagged} package(s) on invoice {invoice.number} delivered hours more than "
            f"{terms.package_tolerance_hours.normalize():f} h off the commissioned hours",
            url=invoice.get_absolute_url() + "#review",
            severity=Alert.Severity.INFO,
            obj=invoice,
        )
    return invoice


@dataclass
class SplitResult:
    dispute: InvoiceDispute
    undisputed: Invoice | None
    disputed: Invoice


def _part(parent: Invoice, letter: str, **fields) -> Invoice:
    part = Invoice(
        contract_id=parent.contract_id,
        commissioner_id=parent.commissioner_id,
        provider_id=parent.provider_id,
        kind=parent.kind,
        number=f"{parent.number}-{letter}",
        period_start=parent.period_start,
        period_end=parent.period_end,
        revision=parent.revision,
        part=parent.part + letter,
        parent=parent,
        submission_due_on=parent.submission_due_on,
        is_late=parent.is_late,
        late_reason=parent.late_reason,
        inputs_digest=parent.inputs_digest,
        generated_at=parent.generated_at,
        **fields,
    )
    part.save()
    return part


def _copy_lines(target: Invoice, lines: list[InvoiceLine], reasons: dict[int, str] | None) -> None:
    copies = []
    for position, line in enumerate(lines, start=1):
        copy = InvoiceLine(
            **{
                f.attname: getattr(line, f.attname)
                for f in InvoiceLine._meta.concrete_fields
                if f.attname not in ("id", "invoice_id", "position", "source_line_id")
            }
        )
        copy.invoice = target
        copy.position = position
        copy.source_line = line
        if reasons is not None:
            copy.disputed = True
            copy.dispute_reason = reasons[line.pk]
        copies.append(copy)
    InvoiceLine.objects.bulk_create(copies, batch_size=2000)
    net = sum((c.net_amount for c in copies), Decimal("0.00"))
    vat = sum((c.vat_amount for c in copies), Decimal("0.00"))
    target.net_total, target.vat_total, target.gross_total = net, vat, net + vat
    target.disputed_total = sum((c.net_amount for c in copies if c.disputed), Decimal("0.00"))
    target.save(update_fields=[*TOTAL_FIELDS, "updated_at"])


def _split(*, actor, invoice: Invoice, reasons: dict[int, str], reason: str, now: dt.datetime) -> SplitResult:
    """Replace a submitted invoice by an invoice for the disputed lines and one for the rest, which
    proceeds as a new undisputed invoice, received today `[004 App. 6 §4.2]`."""
    lines = list(invoice.lines.order_by("position"))
    disputed_lines = [line for line in lines if line.pk in reasons]
    undisputed_lines = [line for line in lines if line.pk not in reasons]
    terms = InvoicingTerms.for_contract(invoice.contract)
    today = timezone.localdate(now)
    undisputed = None
    if undisputed_lines:
        undisputed = _part(
            invoice,
            "U",
            status=InvoiceStatus.SUBMITTED,
            submitted_at=now,
            received_on=today,
            payment_due_on=rules.payment_due_on(today, terms.payment_days),
        )
        _copy_lines(undisputed, undisputed_lines, None)
    disputed = _part(
        invoice,
        "D",
        status=InvoiceStatus.DISPUTED,
        submitted_at=invoice.submitted_at,
        received_on=invoice.received_on,
    )
    _copy_lines(disputed, disputed_lines, reasons)
    invoice.status = InvoiceStatus.SPLIT
    invoice.save(update_fields=["status", "updated_at"])
    dispute = InvoiceDispute.objects.create(
        invoice=invoice,
        undisputed_invoice=undisputed,
        disputed_invoice=disputed,
        reason=reason,
        disputed_amount=disputed.net_total,
        raised_at=now,
        raised_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit.record(
        actor=actor,
        obj=invoice,
        action="part disputed",
        changes={
            "status": [InvoiceStatus.SUBMITTED, InvoiceStatus.SPLIT],
            "disputed_lines": [None, len(disputed_lines)],
            "disputed_amount": [None, disputed.net_total],
        },
        note=reason,
    )
    for part in (undisputed, disputed):
        if part is not None:
            audit.record(
                actor=actor,
                obj=part,
                action="issued from the dispute",
                changes={"status": [None, part.status], "net_total": [None, part.net_total]},
                note=f"Replaces part of invoice {invoice.number} [004 App. 6 §4.2]",
            )
    resolve_matching(
        kind="invoice_to_review", key=f"invoice:{invoice.pk}", actor=actor, resolution="Part disputed"
    )
    raise_alert(
        recipient=invoice.provider,
        capability=Capability.PROVIDER_MANAGE,
        kind="invoice_disputed",
        key=f"invoice:{invoice.pk}",
        title=f"{invoice.commissioner} disputes {len(disputed_lines)} line(s) of invoice {invoice.number} "
        f"({_money(disputed.net_total)})"
        + (f"; {_money(undisputed.net_total)} proceeds" if undisputed else ""),
        url=disputed.get_absolute_url(),
        obj=disputed,
    )
    raise_alert(
        recipient=invoice.commissioner,
        capability=Capability.COMMISSION,
        kind="dispute_to_resolve",
        key=f"invoice:{disputed.pk}",
        title=f"Resolve the dispute of invoice {invoice.number} ({_money(disputed.net_total)})",
        url=disputed.get_absolute_url(),
        obj=disputed,
    )
    if undisputed is not None:
        raise_alert(
            recipient=invoice.commissioner,
            capability=Capability.COMMISSION,
            kind="invoice_to_review",
            key=f"invoice:{undisputed.pk}",
            title=f"Approve the undisputed part of invoice {invoice.number} ({_money(undisputed.net_total)})",
            url=undisputed.get_absolute_url(),
            due_at=_due_at(undisputed.payment_due_on),
            obj=undisputed,
        )
    return SplitResult(dispute, undisputed, disputed)


@transaction.atomic
def invoice_dispute(
    *, actor, invoice: Invoice, lines: dict[int, str], reason: str = "", now: dt.datetime | None = None
) -> SplitResult:
    """The council disputes some lines, each with a reason `[004 App. 6 §4.1]`. Lines carried as
    disputed from the start (hours over tolerance) go with them."""
    invoice = _locked(invoice)
    if invoice.status != InvoiceStatus.SUBMITTED:
        raise _status_error(invoice, "disputed")
    now = now or timezone.now()
    today = timezone.localdate(now)
    if invoice.received_on and today > invoice.received_on + dt.timedelta(days=DISPUTE_WINDOW_DAYS):
        raise ValidationError(
            f"Invoice {invoice.number} was received on {invoice.received_on:%-d %B %Y}: the council may dispute "
            f"an invoice within {DISPUTE_WINDOW_DAYS} days of receipt [004 App. 6 §4.1]."
        )
    on_invoice = {line.pk: line for line in invoice.lines.all()}
    reasons: dict[int, str] = {}
    for line_id, line_reason in lines.items():
        line = on_invoice.get(int(line_id))
        if line is None:
            raise ValidationError({"lines": f"Line {line_id} is not on invoice {invoice.number}."})
        line_reason = (line_reason or "").strip()
        if not line_reason:
            raise ValidationError(
                {"lines": f"Give a reason for disputing line {line.position}: {line.description}."}
            )
        reasons[line.pk] = line_reason
    for line in on_invoice.values():
        if line.disputed and line.pk not in reasons:
            reasons[line.pk] = line.dispute_reason
    if not reasons:
        raise ValidationError({"lines": "Choose at least one line to dispute, with a reason."})
    return _split(actor=actor, invoice=invoice, reasons=reasons, reason=reason.strip(), now=now)


@transaction.atomic
def invoice_approve(*, actor, invoice: Invoice, now: dt.datetime | None = None) -> Invoice:
    """The council approves a submitted invoice for payment. Lines carried as disputed from the
    start are split off first; the rest is approved. Returns the approved invoice."""
    invoice = _locked(invoice)
    if invoice.status != InvoiceStatus.SUBMITTED:
        raise _status_error(invoice, "approved")
    now = now or timezone.now()
    carried = {line.pk: line.dispute_reason for line in invoice.lines.filter(disputed=True)}
    if carried:
        result = _split(
            actor=actor,
            invoice=invoice,
            reasons=carried,
            reason="Hours over tolerance without authorisation [004 App. 6 §3.3]",
            now=now,
        )
        if result.undisputed is None:
            return result.disputed
        invoice = result.undisputed
    before = audit.snapshot(invoice, ["status"])
    invoice.status = InvoiceStatus.APPROVED
    invoice.approved_at = now
    invoice.approved_by = actor
    invoice.save()
    audit.record(
        actor=actor,
        obj=invoice,
        action="approved",
        changes=audit.diff(before, audit.snapshot(invoice, ["status"])),
        note=f"Payment due by {invoice.payment_due_on:%-d %B %Y}",
    )
    _approved_alerts(actor, invoice)
    return invoice


def _approved_alerts(actor, invoice: Invoice) -> None:
    resolve_matching(
        kind="invoice_to_review", key=f"invoice:{invoice.pk}", actor=actor, resolution="Approved"
    )
    raise_alert(
        recipient=invoice.commissioner,
        capability=Capability.COMMISSION,
        kind="invoice_to_pay",
        key=f"invoice:{invoice.pk}",
        title=f"Pay invoice {invoice.number} ({_money(invoice.gross_total)}) by {invoice.payment_due_on:%-d %B %Y}",
        url=invoice.get_absolute_url(),
        due_at=_due_at(invoice.payment_due_on),
        obj=invoice,
    )
    raise_alert(
        recipient=invoice.provider,
        capability=Capability.PROVIDER_MANAGE,
        kind="invoice_approved",
        key=f"invoice:{invoice.pk}",
        title=f"Invoice {invoice.number} approved: {_money(invoice.gross_total)} due by "
        f"{invoice.payment_due_on:%-d %B %Y}",
        url=invoice.get_absolute_url(),
        severity=Alert.Severity.INFO,
        obj=invoice,
    )


@transaction.atomic
def invoice_record_payment(
    *, actor, invoice: Invoice, paid_on: dt.date, payment_reference: str, now: dt.datetime | None = None
) -> Remittance:
    """The council records the BACS payment; the provider gets a remittance advice `[004 App. 6 §3.5]`."""
    invoice = _locked(invoice)
    if invoice.status != InvoiceStatus.APPROVED:
        raise _status_error(invoice, "paid")
    payment_reference = (payment_reference or "").strip()
    errors = {}
    if not payment_reference:
        errors["payment_reference"] = "Give the BACS payment reference."
    if paid_on > timezone.localdate(now or timezone.now()):
        errors["paid_on"] = "The payment date cannot be in the future."
    elif invoice.received_on and paid_on < invoice.received_on:
        errors["paid_on"] = (
            f"The invoice was received on {invoice.received_on:%-d %B %Y}: it cannot be paid before."
        )
    if errors:
        raise ValidationError(errors)
    remittance = Remittance.objects.create(
        invoice=invoice,
        number=f"RA-{invoice.number}",
        paid_on=paid_on,
        amount=invoice.gross_total,
        payment_reference=payment_reference[:60],
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    invoice.status = InvoiceStatus.PAID
    invoice.paid_on = paid_on
    invoice.save()
    late = invoice.payment_due_on is not None and paid_on > invoice.payment_due_on
    audit.record(
        actor=actor,
        obj=invoice,
        action="paid late" if late else "paid",
        changes={"status": [InvoiceStatus.APPROVED, InvoiceStatus.PAID], "paid_on": [None, paid_on]},
        note=f"BACS {payment_reference}",
    )
    audit.record(
        actor=actor,
        obj=remittance,
        action="remittance advice issued",
        changes={"amount": [None, remittance.amount]},
    )
    resolve_matching(kind="invoice_to_pay", key=f"invoice:{invoice.pk}", actor=actor, resolution="Paid")
    resolve_matching(kind="invoice_approved", key=f"invoice:{invoice.pk}", actor=actor, resolution="Paid")
    raise_alert(
        recipient=invoice.provider,
        capability=Capability.PROVIDER_MANAGE,
        kind="invoice_paid",
        key=f"invoice:{invoice.pk}",
        title=f"Invoice {invoice.number} paid on {paid_on:%-d %B %Y}: {_money(remittance.amount)} — remittance advice",
        url=remittance.get_absolute_url(),
        severity=Alert.Severity.INFO,
        obj=remittance,
    )
    return remittance


@transaction.atomic
def dispute_resolve(
    *, actor, dispute: InvoiceDispute, outcome: str, note: str, now: dt.datetime | None = None
) -> InvoiceDispute:
    """Close a dispute `[004 App. 6 §4.3–4.4]`: upheld (the disputed lines are not paid), or paid —
    the disputed invoice is approved and due at once (the determination is its due date
    `[002 App. 4 (e)]`)."""
    dispute = InvoiceDispute.objects.select_for_update().select_related("invoice").get(pk=dispute.pk)
    invoice = _locked(dispute.disputed_invoice)
    if dispute.outcome != DisputeOutcome.OPEN or invoice.status != InvoiceStatus.DISPUTED:
        raise ValidationError("This dispute is already resolved.")
    if outcome not in (DisputeOutcome.UPHELD, DisputeOutcome.PAID):
        raise ValidationError({"outcome": "Choose whether the dispute is upheld or the lines are paid."})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Record how the dispute was resolved."})
    now = now or timezone.now()
    today = timezone.localdate(now)
    dispute.outcome = outcome
    dispute.resolved_at = now
    dispute.resolved_by = actor if actor is not None and actor.is_authenticated else None
    dispute.resolution_note = note
    dispute.save()
    audit.record(
        actor=actor,
        obj=dispute,
        action="resolved",
        changes={"outcome": [DisputeOutcome.OPEN, outcome]},
        note=note,
    )
    before = audit.snapshot(invoice, ["status", "payment_due_on"])
    if outcome == DisputeOutcome.UPHELD:
        invoice.status = InvoiceStatus.NOT_PAYABLE
    else:
        invoice.status = InvoiceStatus.APPROVED
        invoice.approved_at = now
        invoice.approved_by = actor
        invoice.payment_due_on = today
    invoice.save()
    audit.record(
        actor=actor,
        obj=invoice,
        action="dispute upheld" if outcome == DisputeOutcome.UPHELD else "dispute resolved: to be paid",
        changes=audit.diff(before, audit.snapshot(invoice, ["status", "payment_due_on"])),
        note=note,
    )
    resolve_matching(
        kind="dispute_to_resolve", key=f"invoice:{invoice.pk}", actor=actor, resolution=note[:200]
    )
    raise_alert(
        recipient=invoice.provider,
        capability=Capability.PROVIDER_MANAGE,
        kind="dispute_resolved",
        key=f"invoice:{invoice.pk}",
        title=f"Dispute of invoice {dispute.invoice.number} resolved: "
        + (
            "upheld, not paid"
            if outcome == DisputeOutcome.UPHELD
            else f"{_money(invoice.gross_total)} to be paid"
        ),
        url=invoice.get_absolute_url(),
        severity=Alert.Severity.INFO,
        obj=invoice,
    )
    if outcome == DisputeOutcome.PAID:
        _approved_alerts(actor, invoice)
    return dispute


# Derby: deciding a block-volume review ---------------------------------------------------------


@transaction.atomic
def block_review_decide(
    *, actor, review: BlockVolumeReview, accept: bool, reason: str = "", now: dt.datetime | None = None
) -> BlockVolumeReview:
    """The council accepts the proposed block (the quarter's draft block invoice follows it) or
    rejects it with a reason `[002 App. 4]`."""
    Contract.objects.select_for_update().get(pk=review.contract_id)  # same lock order as the run
    review = BlockVolumeReview.objects.select_for_update().select_related("contract").get(pk=review.pk)
    if review.outcome != ReviewOutcome.PROPOSED:
        raise ValidationError(
            f"This review is {review.get_outcome_display().lower()}: there is nothing to decide."
        )
    reason = (reason or "").strip()
    if not accept and not reason:
        raise ValidationError({"reason": "Say why the updated block payment is rejected."})
    review.outcome = ReviewOutcome.ACCEPTED if accept else ReviewOutcome.REJECTED
    review.decided_at = now or timezone.now()
    review.decided_by = actor if actor is not None and actor.is_authenticated else None
    review.decision_reason = reason
    review.save()
    audit.record(
        actor=actor,
        obj=review,
        action="accepted" if accept else "rejected",
        changes={"outcome": [ReviewOutcome.PROPOSED, review.outcome]},
        note=reason,
    )
    resolve_matching(
        kind="block_review_to_decide", key=f"block_review:{review.pk}", actor=actor, resolution=review.outcome
    )
    raise_alert(
        recipient=review.contract.provider,
        capability=Capability.PROVIDER_MANAGE,
        kind="block_review_decided",
        key=f"block_review:{review.pk}",
        title=f"Block-volume review for {review.contract.reference}: updated block "
        + (f"of {_money(review.proposed_amount)} accepted" if accept else "rejected"),
        url=review.get_absolute_url(),
        severity=Alert.Severity.INFO,
        obj=review,
    )
    draft = Invoice.objects.filter(
        contract=review.contract, period_start=review.quarter_start, part="", status=InvoiceStatus.DRAFT
    ).exists()
    if draft:
        invoice_generate(contract_id=review.contract_id, period_start=review.quarter_start, actor=actor)
    return review


# Terms ------------------------------------------------------------------------------------------

TERMS_FIELDS = [
    "vat_code",
    "submission_working_days",
    "submission_due_basis",
    "payment_days",
    "tolerance_percent",
    "package_tolerance_hours",
    "block_review_threshold_percent",
    "block_review_months",
    "block_weeks_per_quarter",
    "period_anchor",
    "count_each_carer",
]


@transaction.atomic
def invoicing_terms_set(*, actor, contract: Contract, **values) -> InvoicingTerms:
    """The council sets a contract's invoicing terms. Invoices already generated keep theirs until
    regenerated (drafts) — submitted invoices never change."""
    unknown = set(values) - set(TERMS_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown terms: {', '.join(sorted(unknown))}")
    terms = InvoicingTerms.for_contract(contract)
    before = audit.snapshot(terms, TERMS_FIELDS) if terms.pk else {}
    for key, value in values.items():
        setattr(terms, key, value)
    terms.full_clean()
    terms.save()
    changes = audit.diff(before, audit.snapshot(terms, TERMS_FIELDS))
    if changes:
        audit.record(actor=actor, obj=terms, action="invoicing terms set", changes=changes)
    return terms


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
