from django import forms

from portal.forms import DateInput, PortalFormMixin

from .models import ContractRate


class ContractRateForm(PortalFormMixin, forms.ModelForm):
    class Meta:
        model = ContractRate
        fields = ["effective_from", "planned_hourly_rate", "unplanned_hourly_rate", "note"]
        widgets = {"effective_from": DateInput()}
        labels = {
            "effective_from": "In force from",
            "planned_hourly_rate": "Planned care, £ per hour",
            "unplanned_hourly_rate": "Unplanned care, £ per hour",
        }
        help_texts = {"planned_hourly_rate": "Derby: the composite hourly rate."}
