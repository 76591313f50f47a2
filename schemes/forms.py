from django import forms

from portal.forms import DateInput, PortalFormMixin

from .models import Contract, ContractRate, Lot, PaymentModel, Scheme
from .selectors import provider_named
from .services import CONTRACT_CHANGEABLE


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


class ContractCreateForm(PortalFormMixin, forms.Form):
    """A new contract on one of the council's lots (the lot choices are scoped to the council)."""

    provider = forms.CharField(max_length=200, help_text="The provider's name or CQC location ID.")
    lot = forms.ModelChoiceField(queryset=Lot.objects.all())
    reference = forms.CharField(max_length=60, help_text="e.g. NCC-HWC-L2")
    title = forms.CharField(max_length=200, required=False)
    start_date = forms.DateField(widget=DateInput())
    end_date = forms.DateField(widget=DateInput(), required=False)
    payment_model = forms.ChoiceField(choices=PaymentModel.choices)
    planned_hourly_rate = forms.DecimalField(
        max_digits=8, decimal_places=2, min_value=0, label="Planned care, £ per hour"
    )
    unplanned_hourly_rate = forms.DecimalField(
        max_digits=8, decimal_places=2, min_value=0, required=False, label="Unplanned care, £ per hour"
    )
    notice_period_days = forms.IntegerField(min_value=0, initial=90)
    purchase_order_number = forms.CharField(
        max_length=40, required=False, help_text="The council's purchase order, quoted on every invoice."
    )

    def clean_provider(self):
        provider = provider_named(self.cleaned_data["provider"])
        if provider is None:
            raise forms.ValidationError("No provider of that name or CQC location ID.")
        return provider


class ContractChangeForm(PortalFormMixin, forms.ModelForm):
    """What may change on a contract while it runs (`schemes.services.CONTRACT_CHANGEABLE`)."""

    class Meta:
        model = Contract
        fields = CONTRACT_CHANGEABLE
        widgets = {"end_date": DateInput()}


class UnplannedHoursForm(PortalFormMixin, forms.Form):
    scheme = forms.ModelChoiceField(queryset=Scheme.objects.none())
    effective_from = forms.DateField(widget=DateInput(), label="In force from")
    hours_per_week = forms.DecimalField(max_digits=7, decimal_places=2, min_value=0, label="Hours a week")

    def __init__(self, *args, contract: Contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = contract.schemes.all()
