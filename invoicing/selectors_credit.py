"""Reads for credit notes and set-off `[004 App. 6 §4.4 b, §5]`, scoped to the user."""

from django.db.models import QuerySet

from portal.models import User

from .models import CreditNote, CreditNoteLine, CreditNoteRecovery, Invoice


def credit_notes_for(user: User) -> QuerySet[CreditNote]:
    """The credit notes the user's organisation raised or received, newest first."""
    return CreditNote.objects.visible_to(user).select_related(
        "invoice", "contract", "commissioner", "provider"
    )


def credit_notes_on(user: User, invoice: Invoice) -> QuerySet[CreditNote]:
    """The credit notes raised on `invoice` (money recovered from it)."""
    return credit_notes_for(user).filter(invoice=invoice).order_by("sequence")


def set_offs_against(user: User, invoice: Invoice) -> QuerySet[CreditNoteRecovery]:
    """The credit notes set against `invoice`: what was deducted from it, and why."""
    return (
        CreditNoteRecovery.objects.visible_to(user)
        .filter(invoice=invoice)
        .select_related("credit_note", "credit_note__invoice")
        .order_by("id")
    )


def credit_note_lines(user: User, note: CreditNote) -> QuerySet[CreditNoteLine]:
    return CreditNoteLine.objects.visible_to(user).filter(credit_note=note).select_related("invoice_line")


def recoveries_of(user: User, note: CreditNote) -> QuerySet[CreditNoteRecovery]:
    return CreditNoteRecovery.objects.visible_to(user).filter(credit_note=note).select_related("invoice")
