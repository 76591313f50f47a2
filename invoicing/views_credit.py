"""The browser side of credit notes and set-off `[004 App. 6 §4.4 b, §5]`: the council raises a
credit note on a paid invoice, the provider agrees it, the council records a repayment; each
credit note has its page and PDF, and the remittance advice its CSV with the set-off lines.

Records are reached through `ScopedViewMixin` (out of scope → 404, then capability → 403); every
change goes through one service in `invoicing.services`.
"""

from django.contrib import messages
from django.utils import timezone
from django.views.generic import DetailView

from portal.roles import Capability
from portal.views import ScopedActionView, ScopedListView, ScopedViewMixin, ServiceFormView

from . import documents, selectors, selectors_credit, services
from .api.filters import CreditNoteFilter
from .forms import CreditNoteForm, RepaymentForm
from .models import CreditNote, CreditNoteStatus, Remittance
from .views import InvoiceFormView


class CreditNoteRaiseView(InvoiceFormView):
    """The council raises a credit note on a paid invoice."""

    required_capability = write_capability = Capability.COMMISSION
    form_class = CreditNoteForm
    template_name = "invoicing/credit_note_raise.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["invoice_lines"] = selectors.invoice_lines(self.request.user, self.object)
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=f"Raise a credit note on invoice {self.object.number}", **kwargs
        )

    def perform(self, form):
        data = form.cleaned_data
        return services.credit_note_raise(
            actor=self.request.user,
            invoice=self.object,
            reason=data["reason"],
            explanation=data["explanation"],
            amount=data["amount"],
            lines={line.pk: None for line in data["lines"] or []},
        )

    def get_success_message(self, note):
        return f"Credit note {note.number} (£{note.amount:,.2f}) is raised: {note.provider} is asked to agree it."


class CreditNoteMixin(ScopedViewMixin):
    model = CreditNote

    def refine_queryset(self, queryset):
        return queryset.select_related(
            "invoice", "contract", "commissioner", "provider", "raised_by", "issued_by"
        )


class CreditNoteListView(ScopedListView):
    model = CreditNote
    template_name = "invoicing/credit_note_list.html"
    filterset_class = CreditNoteFilter
    filter_fields = ("status", "contract")

    def refine_queryset(self, queryset):
        return queryset.select_related("invoice", "contract", "provider").order_by("-created_at", "-id")

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title="Credit notes", **kwargs)


def _credit_note_context(user, note) -> dict:
    return {
        "note": note,
        "invoice": note.invoice,
        "lines": selectors_credit.credit_note_lines(user, note),
        "recoveries": selectors_credit.recoveries_of(user, note),
    }


class CreditNoteDetailView(CreditNoteMixin, DetailView):
    template_name = "invoicing/credit_note_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        note = self.object
        return super().get_context_data(
            page_title=f"Credit note {note.number}",
            **_credit_note_context(user, note),
            can_agree=note.status == CreditNoteStatus.RAISED and user.can(Capability.PROVIDER_MANAGE),
            can_repay=note.status == CreditNoteStatus.ISSUED and user.can(Capability.COMMISSION),
            audit_events=self.audit_events(note),
            **kwargs,
        )


class CreditNotePdfView(CreditNoteDetailView):
    def get(self, request, *args, **kwargs):
        note = self.object
        return documents.pdf_response(
            documents.filename_for(note.invoice, f"CN{note.sequence}"),
            "invoicing/pdf/credit_note.html",
            {**_credit_note_context(request.user, note), "generated_on": timezone.localdate()},
        )


class CreditNoteAgreeView(CreditNoteMixin, ScopedActionView):
    """The provider agrees the credit note: it is set against its next invoice."""

    write_capability = Capability.PROVIDER_MANAGE

    def perform(self, obj):
        note = services.credit_note_agree(actor=self.request.user, credit_note=obj)
        messages.success(
            self.request, f"Credit note {note.number} is agreed: it will be set against your next invoice."
        )
        return note


class CreditNoteRepayView(CreditNoteMixin, ServiceFormView):
    """The council records that the provider repaid the credit note instead of a set-off."""

    required_capability = write_capability = Capability.COMMISSION
    form_class = RepaymentForm
    template_name = "invoicing/credit_note_repay.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=f"Record the repayment of credit note {self.object.number}", note=self.object, **kwargs
        )

    def perform(self, form):
        return services.credit_note_record_repayment(
            actor=self.request.user, credit_note=self.object, **form.cleaned_data
        ).credit_note

    def get_success_message(self, note):
        return f"Credit note {note.number} is recorded as repaid."


class RemittanceCsvView(ScopedViewMixin, DetailView):
    """The remittance advice as CSV: the gross, the set-off lines and the net paid."""

    model = Remittance

    def refine_queryset(self, queryset):
        return queryset.select_related("invoice")

    def get(self, request, *args, **kwargs):
        remittance = self.object
        set_offs = selectors_credit.set_offs_against(request.user, remittance.invoice)
        return documents.csv_response(
            documents.filename_for(remittance.invoice, "remittance"),
            documents.REMITTANCE_HEADERS,
            documents.remittance_rows(remittance, set_offs),
        )
