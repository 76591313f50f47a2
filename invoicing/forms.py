from decimal import Decimal

from django import forms
from django.utils import timezone

from portal.forms import DateInput, PortalFormMixin
from schemes.models import Contract

from .models import CreditNoteReason, DisputeOutcome, InvoicingTerms


class GenerateInvoiceForm(PortalFormMixin, forms.Form):
    contract = forms.ModelChoiceField(
        queryset=Contract.objects.select_related("provider").order_by("reference"),
        label="Contract",
        empty_label="Choose a contract",
    )
    day = forms.DateField(
        label="Any day in the payment period",
        widget=DateInput(),
        help_text="The invoice covers the whole payment period containing this day (28 days, or the quarter "
        "for a block payment).",
    )


class SubmitInvoiceForm(PortalFormMixin, forms.Form):
    late_reason = forms.CharField(
        label="Why is the invoice late?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed only after the submission due date.",
    )


class WithdrawInvoiceForm(PortalFormMixin, forms.Form):
    reason = forms.CharField(
        label="Why are you withdrawing the invoice?",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The council sees this beside the revision.",
    )


class DisputeForm(PortalFormMixin, forms.Form):
    """A checkbox and a reason for each line (see `dispute_form_class`); lines carried as disputed
    from the start are shown ticked and fixed."""

    lines: list = []
    reason = forms.CharField(
        label="Summary of the dispute (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    confirm = forms.BooleanField(
        label="I understand that the invoice will be split: the chosen lines go on a disputed invoice "
        "and the rest on a new undisputed invoice",
        error_messages={"required": "Confirm that the invoice is to be split."},
    )

    def rows(self):
        return [(line, self[f"dispute_{line.pk}"], self[f"reason_{line.pk}"]) for line in self.lines]

    def clean(self):
        cleaned = super().clean()
        chosen = {}
        for line in self.lines:
            if line.disputed:
                continue
            if cleaned.get(f"dispute_{line.pk}"):
                reason = (cleaned.get(f"reason_{line.pk}") or "").strip()
                if not reason:
                    self.add_error(f"reason_{line.pk}", f"Give a reason for disputing line {line.position}.")
                chosen[line.pk] = reason
        if not chosen:
            raise forms.ValidationError("Choose at least one line to dispute.")
        cleaned["chosen"] = chosen
        return cleaned


def dispute_form_class(lines) -> type[DisputeForm]:
    """A DisputeForm with a checkbox and a reason field per line, declared on the class so the
    portal's form mixin styles and validates them like any other field."""
    lines = list(lines)
    attrs: dict = {"lines": lines}
    for line in lines:
        attrs[f"dispute_{line.pk}"] = forms.BooleanField(
            required=False,
            label=f"Dispute line {line.position}",
            initial=line.disputed,
            disabled=line.disputed,
        )
        attrs[f"reason_{line.pk}"] = forms.CharField(
            required=False,
            max_length=1000,
            label=f"Reason for line {line.position}",
            initial=line.dispute_reason,
            disabled=line.disputed,
        )
    return type("DisputeLinesForm", (DisputeForm,), attrs)


class PaymentForm(PortalFormMixin, forms.Form):
    paid_on = forms.DateField(label="Date paid", widget=DateInput(), initial=timezone.localdate)
    payment_reference = forms.CharField(label="BACS payment reference", max_length=60)


class ResolveDisputeForm(PortalFormMixin, forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=[
            (DisputeOutcome.UPHELD, DisputeOutcome.UPHELD.label),
            (DisputeOutcome.PAID, DisputeOutcome.PAID.label),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="How it was resolved", widget=forms.Textarea(attrs={"rows": 3}))


class ReviewDecisionForm(PortalFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[("accept", "Accept the updated block payment"), ("reject", "Reject it")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed to reject.",
    )
    effective_from = forms.DateField(
        label="The updated volume applies from",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Accepting: leave empty for the next quarter. A quarter's block follows the volume in "
        "force on its first day.",
    )


class BlockVolumeForm(PortalFormMixin, forms.Form):
    """The council records an agreed block volume from a date `[002 App. 4]`."""

    effective_from = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    weekly_hours = forms.DecimalField(label="Weekly hours", max_digits=10, decimal_places=2, min_value=0)
    note = forms.CharField(
        label="Note", required=False, max_length=300, help_text="e.g. agreed in writing on …"
    )


class InvoicingTermsForm(PortalFormMixin, forms.ModelForm):
    class Meta:
        model = InvoicingTerms
        fields = [
            "vat_code",
            "submission_working_days",
            "submission_due_basis",
            "payment_days",
            "tolerance_percent",
            "count_each_carer",
            "package_tolerance_hours",
            "period_anchor",
            "block_review_threshold_percent",
            "block_review_months",
            "block_weeks_per_quarter",
            "payment_follows_monitoring",
        ]
        widgets = {"period_anchor": DateInput()}
        labels = {
            "vat_code": "VAT code",
            "submission_working_days": "Working days to submit",
            "submission_due_basis": "Counted from",
            "payment_days": "Calendar days to pay",
            "tolerance_percent": "Tolerance, % over commissioned hours",
            "count_each_carer": "Count each carer's minutes",
            "package_tolerance_hours": "Weekly packages: tolerance in hours per period",
            "period_anchor": "Weekly packages: first day of a payment period",
            "block_review_threshold_percent": "Block review threshold, %",
            "block_review_months": "Block review looks back (months)",
            "block_weeks_per_quarter": "Weeks in a block quarter",
        }


class CreditNoteForm(PortalFormMixin, forms.Form):
    """The council's credit note on a paid invoice: why, what, and how much (an amount, the whole
    of chosen lines, or both)."""

    reason = forms.ChoiceField(
        label="Why is money recovered?", choices=CreditNoteReason.choices, widget=forms.RadioSelect
    )
    explanation = forms.CharField(
        label="What is credited and why",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The provider reads this on the credit note.",
    )
    amount = forms.DecimalField(
        label="Amount to credit (£)",
        required=False,
        min_value=Decimal("0.01"),
        max_digits=14,
        decimal_places=2,
    )
    lines = forms.ModelMultipleChoiceField(
        label="Lines credited in full",
        queryset=None,
        required=False,
        help_text="Each line ticked is credited in full, as well as any amount above.",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, invoice_lines=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lines"].queryset = invoice_lines
        self.fields["lines"].label_from_instance = lambda line: (
            f"{line.description} (£{line.gross_amount:,.2f})"
        )


class RepaymentForm(PortalFormMixin, forms.Form):
    repaid_on = forms.DateField(label="Date repaid", widget=DateInput(), initial=timezone.localdate)
    payment_reference = forms.CharField(label="Reference of the provider's payment", max_length=60)
