"""The invoice's workflow after the run: the provider submits, the council approves or disputes
part of it (the invoice splits into a disputed and an undisputed part), pays, resolves disputes,
Each move goes through `INVOICE_WORKFLOW` and tells the
other side what it must do next."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal import audit
from portal.alerts import raise_alert, resolve_matching
from portal.models import Alert, User
from portal.workflow import COUNCIL, Transition, Workflow

from .. import alerts, rules, selectors
from ..models import (
    DisputeOutcome,
    Invoice,
    InvoiceDispute,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    InvoicingTerms,
    Remittance,
)
from .common import INVOICE_WORKFLOW, TOTAL_FIELDS, due_at, locked, money
from .credit import credit_notes_set_off
from .runs import invoice_generate

#: A dispute is open until the council upholds it or pays the lines `[004 App. 6 §4.3–4.4]`.
DISPUTE_WORKFLOW = Workflow(
    {
        "uphold": Transition("resolved", frozenset({DisputeOutcome.OPEN}), DisputeOutcome.UPHELD, COUNCIL),
        "pay": Transition("resolved", frozenset({DisputeOutcome.OPEN}), DisputeOutcome.PAID, COUNCIL),
    },
    field="outcome",
    describe=lambda dispute: "This dispute",
)


def _payment_due(invoice: Invoice, terms: InvoicingTerms, received_on: dt.date) -> dt.date | None:
    """30 days after receipt `[004 App. 6 §3.4]`; a block whose payment follows monitoring falls due
    when `selectors.block_payment_hold` says (None while the monitoring return is not in)."""
    hold = selectors.block_payment_hold(invoice, received_on)
    if hold is not None:
        return hold.due_on
    return rules.payment_due_on(received_on, terms.payment_days)


def _due_text(invoice: Invoice) -> str:
    if invoice.payment_due_on is None:
        return "payment held until the monitoring return is in"
    return f"due by {invoice.payment_due_on:%-d %B %Y}"


@transaction.atomic
def invoice_submit(
    *, actor: User | None, invoice: Invoice, late_reason: str = "", now: dt.datetime | None = None
) -> Invoice:
    """The provider submits the invoice documents `[004 App. 6 §3.1]`. After the due date the
    submission is marked late and needs a reason. Payment falls due 30 days after receipt."""
    invoice = locked(invoice)
    INVOICE_WORKFLOW.check(invoice, "submit")
    now = now or timezone.now()
    today = timezone.localdate(now)
    if invoice.kind != InvoiceKind.BLOCK and today <= invoice.period_end:
        raise ValidationError(
            f"The payment period ends on {invoice.period_end:%-d %B %Y}: invoices are submitted after it ends."
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
    INVOICE_WORKFLOW.move(invoice, "submit")
    invoice.submitted_at = now
    invoice.submitted_by = actor
    invoice.is_late = late
    invoice.late_reason = late_reason if late else ""
    invoice.received_on = today
    invoice.payment_due_on = _payment_due(invoice, terms, today)
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
        kind=alerts.INVOICE_TO_SUBMIT, key=f"invoice:{invoice.pk}", actor=actor, resolution="Submitted"
    )
    disputed = invoice.lines.filter(disputed=True).count()
    raise_alert(
        recipient=invoice.commissioner,
        kind=alerts.INVOICE_TO_REVIEW,
        key=f"invoice:{invoice.pk}",
        title=f"Approve or dispute invoice {invoice.number} from {invoice.provider} ({money(invoice.net_total)})"
        + (f"; {disputed} line(s) over tolerance are carried as disputed" if disputed else ""),
        url=invoice.get_absolute_url(),
        due_at=due_at(rules.dispute_window_closes(invoice.received_on)),
        obj=invoice,
    )
    flagged = invoice.lines.filter(review_flag=True).values("order_id").distinct().count()
    if flagged:
        raise_alert(
            recipient=invoice.commissioner,
            kind=alerts.PACKAGE_HOURS_TO_REVIEW,
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


def _part(parent: Invoice, letter: str, **fields: Any) -> Invoice:
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


def _split(
    *, actor: User | None, invoice: Invoice, reasons: dict[int, str], reason: str, now: dt.datetime
) -> SplitResult:
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
    INVOICE_WORKFLOW.move(invoice, "dispute")
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
        kind=alerts.INVOICE_TO_REVIEW, key=f"invoice:{invoice.pk}", actor=actor, resolution="Part disputed"
    )
    raise_alert(
        recipient=invoice.provider,
        kind=alerts.INVOICE_DISPUTED,
        key=f"invoice:{invoice.pk}",
        title=f"{invoice.commissioner} disputes {len(disputed_lines)} line(s) of invoice {invoice.number} "
        f"({money(disputed.net_total)})"
        + (f"; {money(undisputed.net_total)} proceeds" if undisputed else ""),
        url=disputed.get_absolute_url(),
        obj=disputed,
    )
    raise_alert(
        recipient=invoice.commissioner,
        kind=alerts.DISPUTE_TO_RESOLVE,
        key=f"invoice:{disputed.pk}",
        title=f"Resolve the dispute of invoice {invoice.number} ({money(disputed.net_total)})",
        url=disputed.get_absolute_url(),
        obj=disputed,
    )
    if undisputed is not None:
        raise_alert(
            recipient=invoice.commissioner,
            kind=alerts.INVOICE_TO_REVIEW,
            key=f"invoice:{undisputed.pk}",
            title=f"Approve the undisputed part of invoice {invoice.number} ({money(undisputed.net_total)})",
            url=undisputed.get_absolute_url(),
            due_at=due_at(undisputed.payment_due_on),
            obj=undisputed,
        )
    return SplitResult(dispute, undisputed, disputed)


@transaction.atomic
def invoice_dispute(
    *,
    actor: User | None,
    invoice: Invoice,
    lines: dict[int, str],
    reason: str = "",
    now: dt.datetime | None = None,
) -> SplitResult:
    """The council disputes some lines, each with a reason `[004 App. 6 §4.1]`. Lines carried as
    disputed from the start (hours over tolerance) go with them."""
    invoice = locked(invoice)
    INVOICE_WORKFLOW.check(invoice, "dispute")
    now = now or timezone.now()
    today = timezone.localdate(now)
    if not rules.dispute_window_open(invoice.received_on, today):
        raise ValidationError(
            f"Invoice {invoice.number} was received on {invoice.received_on:%-d %B %Y}: the council may dispute "
            f"an invoice within {rules.DISPUTE_WINDOW_DAYS} days of receipt [004 App. 6 §4.1]."
        )
    if not lines:
        # Lines carried as disputed from the start go with a dispute, but do not make one: with
        # nothing chosen, nothing is split (approving splits them off).
        raise ValidationError({"lines": "Choose at least one line to dispute, with a reason."})
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
def invoice_withdraw(
    *, actor: User | None, invoice: Invoice, reason: str, now: dt.datetime | None = None
) -> Invoice:
    """The provider withdraws a submitted invoice the council has not yet approved or disputed, and
    it is regenerated at once as the next revision (R2, R3…), a draft worked out from what is
    recorded now, for the provider to check and submit `[004 App. 6 §3]`. Returns the revision."""
    invoice = locked(invoice)
    INVOICE_WORKFLOW.check(invoice, "withdraw")
    if invoice.part:
        raise ValidationError(
            f"Invoice {invoice.number} is part of a disputed invoice: the dispute settles it, not a revision."
        )
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the invoice is withdrawn: the council sees it."})
    now = now or timezone.now()
    before = audit.snapshot(invoice, ["status"])
    INVOICE_WORKFLOW.move(invoice, "withdraw")
    invoice.withdrawn_at = now
    invoice.withdrawn_reason = reason
    invoice.save(update_fields=["status", "withdrawn_at", "withdrawn_reason", "updated_at"])
    audit.record(
        actor=actor,
        obj=invoice,
        action="withdrawn for a revision",
        changes=audit.diff(before, audit.snapshot(invoice, ["status"])),
        note=reason,
    )
    for kind in (alerts.INVOICE_TO_REVIEW, alerts.PACKAGE_HOURS_TO_REVIEW):
        resolve_matching(kind=kind, key=f"invoice:{invoice.pk}", actor=actor, resolution="Withdrawn")
    return invoice_generate(
        contract_id=invoice.contract_id, period_start=invoice.period_start, actor=actor
    ).invoice


@transaction.atomic
def invoice_approve(*, actor: User | None, invoice: Invoice, now: dt.datetime | None = None) -> Invoice:
    """The council approves a submitted invoice for payment. Lines carried as disputed from the
    start are split off first; the rest is approved. Returns the approved invoice."""
    invoice = locked(invoice)
    INVOICE_WORKFLOW.check(invoice, "approve")
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
    invoice.approved_at = now
    invoice.approved_by = actor
    # The net payable is fixed when the council approves: agreed credit notes are set off now.
    credit_notes_set_off(actor=actor, invoice=invoice, on=timezone.localdate(now))
    if invoice.payment_due_on is None and invoice.received_on is not None:  # held: is the return in now?
        invoice.payment_due_on = _payment_due(
            invoice, InvoicingTerms.for_contract(invoice.contract), invoice.received_on
        )
    INVOICE_WORKFLOW.apply(invoice, "approve", actor=actor, note=f"Payment {_due_text(invoice)}")
    _approved_alerts(actor, invoice)
    return invoice


def _approved_alerts(actor: User | None, invoice: Invoice) -> None:
    resolve_matching(
        kind=alerts.INVOICE_TO_REVIEW, key=f"invoice:{invoice.pk}", actor=actor, resolution="Approved"
    )
    raise_alert(
        recipient=invoice.commissioner,
        kind=alerts.INVOICE_TO_PAY,
        key=f"invoice:{invoice.pk}",
        title=f"Pay invoice {invoice.number} ({money(invoice.net_payable)}): {_due_text(invoice)}",
        url=invoice.get_absolute_url(),
        due_at=due_at(invoice.payment_due_on),
        obj=invoice,
    )
    raise_alert(
        recipient=invoice.provider,
        kind=alerts.INVOICE_APPROVED,
        key=f"invoice:{invoice.pk}",
        title=f"Invoice {invoice.number} approved: {money(invoice.net_payable)} {_due_text(invoice)}",
        url=invoice.get_absolute_url(),
        severity=Alert.Severity.INFO,
        obj=invoice,
    )


@transaction.atomic
def invoice_record_payment(
    *,
    actor: User | None,
    invoice: Invoice,
    paid_on: dt.date,
    payment_reference: str,
    now: dt.datetime | None = None,
) -> Remittance:
    """The council records the BACS payment; the provider gets a remittance advice `[004 App. 6 §3.5]`."""
    invoice = locked(invoice)
    INVOICE_WORKFLOW.check(invoice, "pay")
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
    # Credit notes agreed since the approval are set off now; those already set off are not again.
    credit_notes_set_off(actor=actor, invoice=invoice, on=paid_on)
    remittance = Remittance.objects.create(
        invoice=invoice,
        number=f"RA-{invoice.number}",
        paid_on=paid_on,
        amount=invoice.net_payable,
        payment_reference=payment_reference[:60],
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    INVOICE_WORKFLOW.move(invoice, "pay")
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
    resolve_matching(kind=alerts.INVOICE_TO_PAY, key=f"invoice:{invoice.pk}", actor=actor, resolution="Paid")
    resolve_matching(
        kind=alerts.INVOICE_APPROVED, key=f"invoice:{invoice.pk}", actor=actor, resolution="Paid"
    )
    raise_alert(
        recipient=invoice.provider,
        kind=alerts.INVOICE_PAID,
        key=f"invoice:{invoice.pk}",
        title=f"Invoice {invoice.number} paid on {paid_on:%-d %B %Y}: {money(remittance.amount)} — remittance advice",
        url=remittance.get_absolute_url(),
        severity=Alert.Severity.INFO,
        obj=remittance,
    )
    return remittance


@transaction.atomic
def dispute_resolve(
    *, actor: User | None, dispute: InvoiceDispute, outcome: str, note: str, now: dt.datetime | None = None
) -> InvoiceDispute:
    """Close a dispute `[004 App. 6 §4.3–4.4]`: upheld (the disputed lines are not paid), or paid —
    the disputed invoice is approved and due at once (the determination is its due date
    `[002 App. 4 (e)]`)."""
    dispute = InvoiceDispute.objects.select_for_update().select_related("invoice").get(pk=dispute.pk)
    invoice = locked(dispute.disputed_invoice)
    if dispute.outcome != DisputeOutcome.OPEN or invoice.status != InvoiceStatus.DISPUTED:
        raise ValidationError("This dispute is already resolved.")
    if outcome not in (DisputeOutcome.UPHELD, DisputeOutcome.PAID):
        raise ValidationError({"outcome": "Choose whether the dispute is upheld or the lines are paid."})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Record how the dispute was resolved."})
    now = now or timezone.now()
    today = timezone.localdate(now)
    dispute.resolved_at = now
    dispute.resolved_by = actor if actor is not None and actor.is_authenticated else None
    dispute.resolution_note = note
    upheld = outcome == DisputeOutcome.UPHELD
    DISPUTE_WORKFLOW.apply(dispute, "uphold" if upheld else "pay", actor=actor, note=note)
    changes = {}
    if not upheld:
        invoice.approved_at = now
        invoice.approved_by = actor
        changes["payment_due_on"] = [invoice.payment_due_on, today]
        invoice.payment_due_on = today
    INVOICE_WORKFLOW.apply(
        invoice, "uphold" if upheld else "pay_disputed", actor=actor, note=note, changes=changes
    )
    resolve_matching(
        kind=alerts.DISPUTE_TO_RESOLVE, key=f"invoice:{invoice.pk}", actor=actor, resolution=note[:200]
    )
    raise_alert(
        recipient=invoice.provider,
        kind=alerts.DISPUTE_RESOLVED,
        key=f"invoice:{invoice.pk}",
        title=f"Dispute of invoice {dispute.invoice.number} resolved: "
        + (
            "upheld, not paid"
            if outcome == DisputeOutcome.UPHELD
            else f"{money(invoice.gross_total)} to be paid"
        ),
        url=invoice.get_absolute_url(),
        severity=Alert.Severity.INFO,
        obj=invoice,
    )
    if outcome == DisputeOutcome.PAID:
        _approved_alerts(actor, invoice)
    return dispute
