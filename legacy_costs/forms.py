from django import forms

from portal.forms import PortalFormMixin

from .models import AgreementOccasion, EndReason, LgpsFigureKind

DATE = forms.DateInput(attrs={"type": "date"})


class RaiseForm(PortalFormMixin, forms.Form):
    period_start = forms.DateField(
        label="A day in the quarter", widget=DATE, help_text="Quarters run from the contract's start date."
    )


class AgreeForm(PortalFormMixin, forms.Form):
    occasion = forms.ChoiceField(label="Occasion", choices=AgreementOccasion.choices)
    on_costs_percent = forms.DecimalField(
        label="On-costs (%)",
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        help_text="Employer's National Insurance and pension added to the annual-leave element.",
    )
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class StaffAddForm(PortalFormMixin, forms.Form):
    reference = forms.CharField(label="Staff reference", max_length=40, help_text="No names.")
    role = forms.CharField(label="TUPE'd role", max_length=120)
    weekly_contracted_hours = forms.DecimalField(
        label="Contracted hours a week", max_digits=5, decimal_places=2, min_value=0
    )
    tupe_hourly_rate = forms.DecimalField(
        label="TUPE'd hourly rate (£)", max_digits=6, decimal_places=2, min_value=0
    )
    new_hourly_rate = forms.DecimalField(
        label="New hourly rate for the same role (£)", max_digits=6, decimal_places=2, min_value=0
    )
    start_date = forms.DateField(label="From", widget=DATE)
    lgps_member = forms.BooleanField(label="Member of the LGPS", required=False)


class StaffEndForm(PortalFormMixin, forms.Form):
    end_date = forms.DateField(label="Last day in a TUPE'd role", widget=DATE)
    end_reason = forms.ChoiceField(label="Why", choices=EndReason.choices)


class LgpsFigureForm(PortalFormMixin, forms.Form):
    contract_year = forms.IntegerField(
        label="Contract year", min_value=1, help_text="Year 1 starts on the contract's start date."
    )
    kind = forms.ChoiceField(label="Figure", choices=LgpsFigureKind.choices)
    amount = forms.DecimalField(label="Amount (£)", max_digits=12, decimal_places=2)
    note = forms.CharField(label="Note", required=False, max_length=300)
