from django import forms
from django.utils import timezone

from portal.forms import DateInput, PortalFormMixin
from portal.models import CqcRating, Organisation
from schemes.models import partners_of

from .models import (
    CapacitySnapshot,
    ComplianceTerms,
    InsuranceCertificate,
    InsuranceRequirement,
    ProviderDuty,
    ProviderPolicy,
    Regulator,
    monday_of,
)

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
DOCUMENT_TYPES = (".pdf", ".docx", ".doc", ".odt", ".xlsx", ".png", ".jpg", ".jpeg")


def _check_document(upload):
    if upload is None:
        return upload
    if upload.size > MAX_DOCUMENT_BYTES:
        raise forms.ValidationError("The file is larger than 10 MB.")
    if not upload.name.lower().endswith(DOCUMENT_TYPES):
        raise forms.ValidationError("Attach a PDF, Word, OpenDocument, Excel or image file.")
    return upload


class RatingForm(PortalFormMixin, forms.Form):
    regulator = forms.ChoiceField(choices=Regulator.choices, label="Regulator")
    location_id = forms.CharField(
        max_length=20,
        required=False,
        label="CQC location ID or Ofsted URN",
        help_text="Leave empty to keep the one on record.",
    )
    rating = forms.ChoiceField(choices=CqcRating.choices, label="Rating")
    rated_on = forms.DateField(
        widget=DateInput(), label="Date of the rating", help_text="As the regulator published it."
    )
    report_received_at = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        label="When you received the report (optional)",
        help_text="Some councils want the outcome and report within 24 hours of this [004 §8.1.7]. "
        "Leave empty for now.",
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Note (optional)")


class NotificationSendForm(PortalFormMixin, forms.Form):
    """The notice: the inspection's outcome and its report; the action plan may follow later."""

    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        label="The inspection's outcome",
        help_text="What the inspection found, and any correspondence with the regulator [004 §8.1.7].",
    )
    report = forms.FileField(
        required=False, label="The inspection report", help_text="PDF, Word or similar, up to 10 MB."
    )
    action_plan = forms.FileField(
        required=False,
        label="Action plan (optional now)",
        help_text="For a rating below Good the plan may follow on the timescale the council agrees [002 §4.3].",
    )

    def clean_report(self):
        return _check_document(self.cleaned_data.get("report"))

    def clean_action_plan(self):
        return _check_document(self.cleaned_data.get("action_plan"))

    def clean(self):
        data = super().clean()
        if not data.get("report") and not (data.get("summary") or "").strip():
            raise forms.ValidationError("Attach the inspection report or summarise its outcome.")
        return data


class ActionPlanForm(PortalFormMixin, forms.Form):
    action_plan = forms.FileField(
        required=False, label="Action plan", help_text="PDF, Word or similar, up to 10 MB."
    )
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        label="What you will do, and by when",
        help_text="Summarise the action plan that addresses the regulator's concerns [002 §4.3].",
    )

    def clean_action_plan(self):
        return _check_document(self.cleaned_data.get("action_plan"))

    def clean(self):
        data = super().clean()
        if not data.get("action_plan") and not (data.get("summary") or "").strip():
            raise forms.ValidationError("Attach the action plan or summarise it.")
        return data


class TimescaleForm(PortalFormMixin, forms.Form):
    plan_due_on = forms.DateField(widget=DateInput(), label="The action plan is due by")


class ComplianceTermsForm(PortalFormMixin, forms.ModelForm):
    class Meta:
        model = ComplianceTerms
        fields = [
            "inspection_report_hours",
            "rating_notice_working_days",
            "safeguarding_contact",
            "self_assessment_months",
            "source",
        ]
        labels = {
            "inspection_report_hours": "Every inspection's outcome and report within (hours)",
            "rating_notice_working_days": "A rating below Good notified within (working days)",
            "self_assessment_months": "Self-assessment due every (months)",
            "source": "Where these come from",
        }


class DutyForm(PortalFormMixin, forms.ModelForm):
    class Meta:
        model = ProviderDuty
        fields = ["commissioner", "kind", "summary", "occurred_on"]
        widgets = {"occurred_on": DateInput(), "summary": forms.Textarea(attrs={"rows": 4})}
        labels = {"commissioner": "Council", "kind": "What it is", "occurred_on": "Date"}
        help_texts = {
            "occurred_on": "The day of the change, review or appointment; the sub-contractor's planned "
            "start; or the previous self-assessment. The portal works out when it is due."
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        queryset = Organisation.objects.commissioners().order_by("name")
        if self.user is not None:
            queryset = queryset.filter(pk__in=partners_of(self.user.organisation).values("pk"))
        self.fields["commissioner"].queryset = queryset


class InsuranceForm(PortalFormMixin, forms.ModelForm):
    class Meta:
        model = InsuranceCertificate
        fields = ["kind", "insurer", "policy_number", "cover_amount", "starts_on", "expires_on", "document"]
        widgets = {"starts_on": DateInput(), "expires_on": DateInput()}
        labels = {
            "kind": "Insurance",
            "cover_amount": "Cover for any one occurrence (£)",
            "document": "Certificate",
        }

    def clean_document(self):
        return _check_document(self.cleaned_data.get("document"))


class RequirementForm(PortalFormMixin, forms.ModelForm):
    class Meta:
        model = InsuranceRequirement
        fields = ["kind", "minimum_cover", "source"]
        labels = {"kind": "Insurance", "minimum_cover": "Minimum cover (£)", "source": "Where it comes from"}


class PolicyForm(PortalFormMixin, forms.ModelForm):
    class Meta:
        model = ProviderPolicy
        fields = ["kind", "title", "version", "approved_on", "review_due_on", "document"]
        widgets = {"approved_on": DateInput(), "review_due_on": DateInput()}
        labels = {
            "kind": "Policy",
            "approved_on": "Approved on",
            "review_due_on": "Review by",
            "document": "Policy document",
        }

    def clean_document(self):
        return _check_document(self.cleaned_data.get("document"))


class CapacityForm(PortalFormMixin, forms.ModelForm):
    class Meta:
        model = CapacitySnapshot
        fields = ["lot", "week_starting", "area", "available_hours", "note"]
        widgets = {"week_starting": DateInput()}
        labels = {"available_hours": "Care hours available", "week_starting": "Week starting"}
        help_texts = {"week_starting": "Any day of the week: the portal records its Monday."}

    def __init__(self, *args, lots=None, **kwargs):
        super().__init__(*args, **kwargs)
        if lots is not None:
            self.fields["lot"].queryset = lots.select_related("framework").order_by(
                "framework__name", "position"
            )
        self.fields["lot"].label_from_instance = lambda lot: f"{lot} ({lot.framework.name})"
        self.initial.setdefault("week_starting", monday_of(timezone.localdate()))

    def clean_week_starting(self):
        return monday_of(self.cleaned_data["week_starting"])
