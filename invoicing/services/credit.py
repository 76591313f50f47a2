"""Credit notes and set-off `[004 App. 6 §4.4 b, §5]`: the council raises a credit note on a paid
invoice (a dispute settled in its favour after payment, or an overpayment found later), the
provider agrees it, and it is set against the provider's next invoices on the contract when they
are approved or paid (a remainder carries forward), or the council records that the provider
repaid it. The amounts are `invoicing.rules.credit`'s."""

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from portal import audit
from portal.alerts import raise_alert, resolve_matching
from portal.models import User
from portal.money import pennies
from portal.workflow import COUNCIL, PORTAL, PROVIDER, Transition, Workflow

from .. import alerts, selectors
from ..models import (
    CreditNote,
    CreditNoteLine,
    CreditNoteReason,
    CreditNoteRecovery,
    CreditNoteStatus,
    Invoice,
    InvoiceStatus,
)
from ..rules import credit as credit_rules
from .common import locked, money

C = CreditNoteStatus
#: A credit note's life: raised by the council, agreed by the provider, then recovered — set off
#: in full against later invoices (by the portal, when they are approved or paid) or repaid.
CREDIT_NOTE_WORKFLOW = Workflow(
    {
        "agree": Transition("agreed", frozenset({C.RAISED}), C.ISSUED, PROVIDER),
        "set_off": Transition("set off in full", frozenset({C.ISSUED}), C.SET_OFF, PORTAL),
        "repay": Transition("recorded as repaid", frozenset({C.ISSUED}), C.REPAID, COUNCIL),
    },
    describe=lambda note: f"Credit note {note.number}",
)


def _user(actor: User | None) -> User | None:
    return actor if actor is not None and actor.is_authenticated else None


@transaction.atomic
def credit_note_raise(
    *,
    actor: User | None,
    invoice: Invoice,
    reason: str,
    explanation: str,
    amount: Decimal | None = None,
    lines: Mapping[int, Decimal | None] | None = None,
) -> CreditNote:
    """The council raises a credit note on a paid invoice: `lines` credits invoice lines ({line id:
    amount, or None for the whole line}); `amount` credits a sum `explanation` describes. A dispute
    settled in the council's favour carries statutory interest from the date paid `[§4.4 b]`."""
    invoice = locked(invoice)
    errors: dict[str, str] = {}
    explanation = (explanation or "").strip()
    if invoice.status != InvoiceStatus.PAID or invoice.paid_on is None:
        raise ValidationError(f"Invoice {invoice.number} is not paid: a credit note recovers money paid.")
    if reason not in CreditNoteReason.values:
        errors["reason"] = "Choose why the money is recovered."
    if not explanation:
        errors["explanation"] = "Say what is credited and why."
    chosen = dict(lines or {})
    invoice_lines = {line.pk: line for line in invoice.lines.filter(pk__in=list(chosen))}
    credit_lines: list[tuple[str, Decimal, int | None]] = []
    for pk, value in chosen.items():
        line = invoice_lines.get(pk)
        if line is None:
            errors["lines"] = "Choose lines of this invoice."
            continue
        credited = line.gross_amount if value is None else pennies(value)
        if credited <= 0 or credited > line.gross_amount:
            errors["lines"] = f"Credit between £0.01 and {money(line.gross_amount)} of “{line.description}”."
            continue
        credit_lines.append((f"{line.description}: {explanation}"[:300], credited, pk))
    if amount is not None:
        if pennies(amount) <= 0:
            errors["amount"] = "Give an amount above nothing."
        else:
            credit_lines.append((explanation[:300], pennies(amount), None))
    if not credit_lines and "lines" not in errors and "amount" not in errors:
        errors["amount"] = "Give the amount to credit, or choose the lines credited."
    total = sum((value for _d, value, _pk in credit_lines), start=Decimal("0.00"))
    credited_before = invoice.credit_notes.aggregate(total=Sum("amount"))["total"] or Decimal("0.00")
    if not errors and total + credited_before > invoice.gross_total:
        errors["amount"] = (
            f"Invoice {invoice.number} was for {money(invoice.gross_total)} and "
            f"{money(credited_before)} is already credited: at most "
            f"{money(invoice.gross_total - credited_before)} more can be."
        )
    if errors:
        raise ValidationError(errors)
    sequence = invoice.credit_notes.count() + 1
    note = CreditNote.objects.create(
        invoice=invoice,
        contract_id=invoice.contract_id,
        commissioner_id=invoice.commissioner_id,
        provider_id=invoice.provider_id,
        number=f"{invoice.number}-CN{sequence}",
        sequence=sequence,
        reason=reason,
        explanation=explanation,
        charges_interest=reason == CreditNoteReason.DISPUTE_SETTLED,
        amount=total,
        paid_on=invoice.paid_on,
        raised_by=_user(actor),
    )
    CreditNoteLine.objects.bulk_create(
        CreditNoteLine(credit_note=note, position=i, description=d, amount=v, invoice_line_id=pk)
        for i, (d, v, pk) in enumerate(credit_lines, start=1)
    )
    audit.record(
        actor=actor,
        obj=note,
        action="raised",
        changes={"status": [None, note.status], "amount": [None, note.amount]},
        note=f"{note.get_reason_display()}: {explanation}",
    )
    raise_alert(
        recipient=invoice.provider,
        kind=alerts.CREDIT_NOTE_TO_AGREE,
        key=f"credit_note:{note.pk}",
        title=f"Credit note {note.number} ({money(note.amount)}) on invoice {invoice.number}: check and agree it",
        url=note.get_absolute_url(),
        obj=note,
    )
    return note


def _locked_note(note: CreditNote) -> CreditNote:
    return CreditNote.objects.select_for_update().select_related("invoice").get(pk=note.pk)


@transaction.atomic
def credit_note_agree(
    *, actor: User | None, credit_note: CreditNote, now: dt.datetime | None = None
) -> CreditNote:
    """The provider agrees the credit note: it is issued, to be set against its next invoice."""
    note = _locked_note(credit_note)
    CREDIT_NOTE_WORKFLOW.check(note, "agree")
    note.issued_at = now or timezone.now()
    note.issued_by = _user(actor)
    CREDIT_NOTE_WORKFLOW.apply(note, "agree", actor=actor, note="To be set against the next invoice")
    resolve_matching(
        kind=alerts.CREDIT_NOTE_TO_AGREE, key=f"credit_note:{note.pk}", actor=actor, resolution="Agreed"
    )
    return note


def _recovered(actor: User | None, note: CreditNote, recovery: CreditNoteRecovery, action: str) -> None:
    """Add a recovery to the credit note; close it when nothing is left (audited)."""
    before = (note.principal_recovered, note.interest_recovered)
    note.principal_recovered += recovery.principal
    note.interest_recovered += recovery.interest
    changes = {
        "principal_recovered": [before[0], note.principal_recovered],
        "interest_recovered": [before[1], note.interest_recovered],
    }
    where = f" against invoice {recovery.invoice.number}" if recovery.invoice else ""
    text = f"{money(recovery.total)} recovered{where} on {recovery.recovered_on:%-d %B %Y}"
    if recovery.interest_explanation:
        text += f" (interest: {recovery.interest_explanation})"
    if note.outstanding == 0:
        note.closed_on = recovery.recovered_on
        CREDIT_NOTE_WORKFLOW.apply(note, action, actor=actor, note=text, changes=changes)
    else:
        note.save()
        audit.record(
            actor=actor,
            obj=note,
            action="set off in part",
            changes=changes,
            note=f"{text}; {money(note.outstanding)} carried forward",
        )


@transaction.atomic
def credit_notes_set_off(*, actor: User | None, invoice: Invoice, on: dt.date) -> list[CreditNoteRecovery]:
    """Set the contract's agreed credit notes (oldest first) against `invoice`, which the caller
    has locked, on the day `on` `[004 App. 6 §5.1]`. Idempotent: a credit note already set
    against this invoice is not set again; the invoice is never taken below nothing."""
    notes = list(
        CreditNote.objects.open()
        .select_for_update()
        .filter(contract_id=invoice.contract_id)
        .exclude(invoice=invoice)
        .exclude(pk__in=CreditNoteRecovery.objects.filter(invoice=invoice).values("credit_note"))
        .order_by("issued_at", "id")
    )
    if not notes:
        return []
    rates = selectors.bank_base_rates() if any(n.charges_interest for n in notes) else []
    try:
        answers = credit_rules.set_off(
            invoice.gross_total,
            invoice.set_off_total,
            [credit_rules.OpenCredit(n.outstanding, n.charges_interest, n.paid_on) for n in notes],
            on,
            rates,
        )
    except ValueError as exc:  # no base rate recorded for the reference date: the administrator adds it
        raise ValidationError(str(exc)) from exc
    made = []
    before = invoice.set_off_total
    for note, answer in zip(notes, answers, strict=True):
        if answer is None:
            continue
        recovery = CreditNoteRecovery.objects.create(
            credit_note=note,
            invoice=invoice,
            recovered_on=on,
            principal=answer.principal,
            interest=answer.interest,
            interest_explanation=answer.explanation()[:400],
        )
        invoice.set_off_total += recovery.total
        _recovered(actor, note, recovery, "set_off")
        made.append(recovery)
    if made:
        invoice.save(update_fields=["set_off_total", "updated_at"])
        audit.record(
            actor=actor,
            obj=invoice,
            action="credit notes set off",
            changes={"set_off_total": [before, invoice.set_off_total]},
            note=", ".join(f"{r.credit_note.number} {money(r.total)}" for r in made)
            + f"; {money(invoice.net_payable)} payable",
        )
    return made


@transaction.atomic
def credit_note_record_repayment(
    *,
    actor: User | None,
    credit_note: CreditNote,
    repaid_on: dt.date,
    payment_reference: str,
    now: dt.datetime | None = None,
) -> CreditNoteRecovery:
    """The council records that the provider repaid what is left of the credit note, with the
    statutory interest on it to the day repaid where the credit note carries interest."""
    note = _locked_note(credit_note)
    CREDIT_NOTE_WORKFLOW.check(note, "repay")
    payment_reference = (payment_reference or "").strip()
    errors = {}
    if not payment_reference:
        errors["payment_reference"] = "Give the reference of the provider's payment."
    if repaid_on > timezone.localdate(now or timezone.now()):
        errors["repaid_on"] = "The repayment date cannot be in the future."
    elif repaid_on < note.paid_on:
        errors["repaid_on"] = f"The council paid on {note.paid_on:%-d %B %Y}: it cannot be repaid before."
    if errors:
        raise ValidationError(errors)
    rates = selectors.bank_base_rates() if note.charges_interest else []
    credit = credit_rules.OpenCredit(note.outstanding, note.charges_interest, note.paid_on)
    # Nothing caps a repayment: whatever is owed is repaid, with its interest.
    try:
        answer = credit_rules.recover(credit, None, repaid_on, rates)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    if answer is None:  # pragma: no cover - an issued credit note always has something outstanding
        raise ValidationError("Nothing is left to repay on this credit note.")
    recovery = CreditNoteRecovery.objects.create(
        credit_note=note,
        invoice=None,
        recovered_on=repaid_on,
        principal=answer.principal,
        interest=answer.interest,
        interest_explanation=answer.explanation()[:400],
        payment_reference=payment_reference[:60],
    )
    _recovered(actor, note, recovery, "repay")
    return recovery
