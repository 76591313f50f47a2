from django import forms

from packages_of_care.models import IndividualServiceOrder
from portal.dateinput import DateTimePartsField
from portal.forms import PortalFormMixin

from .models import ManualReason, Verification, VisitStatus
from .validation import CANCELLED, PRESENT, RECORDABLE_ORDER_STATUSES

#: The fields each status needs, from the validation's own status sets (a cancelled visit has when
#: and why; a delivered one its actual times; an aborted one may have the minutes at the door; one
#: still scheduled may have started). The form's script shows only these for the chosen status;
#: without the script every field shows, and the checks say what does not belong.
STATUS_FIELDS: dict[str, list[str]] = {
    status: (["actual_start", "actual_end"] if status in PRESENT - {VisitStatus.SCHEDULED.value} else [])
    + (["actual_start"] if status == VisitStatus.SCHEDULED.value else [])
    + (["cancelled_at", "cancellation_reason"] if status in CANCELLED else [])
    for status in VisitStatus.values
}
STATUS_DEPENDENT = ["actual_start", "actual_end", "cancelled_at", "cancellation_reason"]

STATUS_HELP = (
    "Completed and cut-short visits need the actual times; cancellations need when the person cancelled "
    "(under 24 hours before the start is short notice); a missed visit is one the provider did not make."
)


class VisitForm(PortalFormMixin, forms.Form):
    """One visit, as a person enters it. The checks are those of every other way in
    (`visits.validation.check_visits`), run by the service when the form is saved."""

    scheduled_start = DateTimePartsField(label="Scheduled start")
    scheduled_end = DateTimePartsField(label="Scheduled end")
    status = forms.ChoiceField(label="What happened", choices=VisitStatus.choices, help_text=STATUS_HELP)
    actual_start = DateTimePartsField(label="Actual start", required=False, help_text="From call monitoring.")
    actual_end = DateTimePartsField(label="Actual end", required=False)
    carer_reference = forms.CharField(label="Carer's staff reference", max_length=40)
    second_carer_reference = forms.CharField(
        label="Second carer's staff reference",
        max_length=40,
        required=False,
        help_text="For a double-up visit.",
    )
    carers = forms.IntegerField(label="Number of carers", min_value=1, max_value=4, initial=1)
    time_critical = forms.BooleanField(
        label="Time-critical (for example, medication at a set time)", required=False
    )
    cancelled_at = DateTimePartsField(
        label="When the person cancelled", required=False, help_text="Cancelled visits only."
    )
    cancellation_reason = forms.CharField(label="Why the person cancelled", max_length=300, required=False)
    verification = forms.ChoiceField(
        label="How the visit was verified", choices=Verification.choices, initial="ecm"
    )
    manual_reason = forms.ChoiceField(
        label="Why it was entered by hand",
        choices=[("", "Not entered by hand")] + list(ManualReason.choices),
        required=False,
    )

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["manual_reason"] = data.get("manual_reason") or ""
        return data

    def apply_errors(self, exc) -> None:
        for field, errors in exc.message_dict.items():
            self.add_error(field if field in self.fields else None, errors)


class OrderChoiceForm(PortalFormMixin, forms.Form):
    order = forms.ModelChoiceField(
        label="Order",
        queryset=IndividualServiceOrder.objects.filter(status__in=RECORDABLE_ORDER_STATUSES).select_related(
            "service_user"
        ),
        help_text="The person's Individual Service Order.",
    )


class MissedExplanationForm(PortalFormMixin, forms.Form):
    explanation = forms.CharField(
        label="Why the visit was missed", widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )
    remedy = forms.CharField(
        label="What has been or will be done to put it right",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )
