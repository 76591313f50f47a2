from django import forms
from django.utils import timezone

from portal.forms import DateInput, PortalFormMixin
from portal.models import Organisation

from .models import StaffMember, TrainingCourse
from .services import VETTING_FIELDS


class StaffForm(PortalFormMixin, forms.ModelForm):
    class Meta:
        model = StaffMember
        fields = ["reference", "job_title", "scheme", "started_on", "left_on", *VETTING_FIELDS]
        widgets = {
            "started_on": DateInput(),
            "left_on": DateInput(),
            **{f: DateInput() for f in VETTING_FIELDS if f.endswith("_on")},
        }
        labels = {
            "reference": "Staff reference",
            "started_on": "Started on",
            "left_on": "Left on",
            "scheme": "Main scheme",
        }
        help_texts = {
            "reference": "Your own reference for this person (no names), as used in call monitoring.",
            "left_on": "Leave empty while they work for you.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .services import provider_schemes

        queryset = self.fields["scheme"].queryset
        if self.user is not None and self.user.is_provider_side:
            queryset = queryset.filter(pk__in=provider_schemes(self.user.organisation).values("pk"))
        self.fields["scheme"].queryset = queryset.order_by("name")


class TrainingForm(PortalFormMixin, forms.Form):
    course = forms.ModelChoiceField(queryset=TrainingCourse.objects.all(), label="Course")
    completed_on = forms.DateField(label="Completed on", widget=DateInput())

    def clean_completed_on(self):
        day = self.cleaned_data["completed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("The completion date cannot be in the future.")
        return day


class UploadForm(PortalFormMixin, forms.Form):
    file = forms.FileField(
        label="Spreadsheet",
        help_text="A .csv or .xlsx file whose first row names the columns, as in the template.",
    )


class ConfirmUploadForm(forms.Form):
    payload = forms.CharField(widget=forms.HiddenInput)


class MatrixFilterForm(PortalFormMixin, forms.Form):
    # Scoped by PortalFormMixin to the providers the user works with.
    provider = forms.ModelChoiceField(
        queryset=Organisation.objects.providers().order_by("name"),
        required=False,
        label="Provider",
        empty_label="Choose a provider",
    )
    gaps_only = forms.BooleanField(required=False, label="Only staff with training overdue or not done")
