"""Forms for the council's complaint information requests, the provider's monthly complaints report
and the council's PAMMS assessments (`records.services.complaints`). Choices are scoped to the user."""

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from packages_of_care.models import ServiceUser
from portal.forms import DateInput, PortalFormMixin
from portal.tenancy import scoped
from schemes.models import Contract, Scheme

from .models import PammsRating


class _ContractForm(PortalFormMixin, forms.Form):
    contract = forms.ModelChoiceField(queryset=Contract.objects.none(), label="Contract")

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        side = "commissioner" if user.organisation.kind == "commissioner" else "provider"
        self.fields["contract"].queryset = (
            scoped(Contract, user).filter(**{side: user.organisation}).order_by("reference")
        )
        if "scheme" in self.fields:
            self.fields["scheme"].queryset = scoped(Scheme, user).order_by("name")
        if "service_user" in self.fields:
            self.fields["service_user"].queryset = scoped(ServiceUser, user).order_by("name")


class ComplaintRequestForm(_ContractForm):
    reference = forms.CharField(label="The council's complaint reference", max_length=40)
    requested_on = forms.DateField(label="Requested on", widget=DateInput())
    information_requested = forms.CharField(
        label="Information requested", widget=forms.Textarea(attrs={"rows": 4})
    )
    scheme = forms.ModelChoiceField(queryset=Scheme.objects.none(), required=False, label="Scheme")
    service_user = forms.ModelChoiceField(queryset=ServiceUser.objects.none(), required=False, label="Person")


class ComplaintAnswerForm(PortalFormMixin, forms.Form):
    answered_on = forms.DateField(label="Returned to the council on", widget=DateInput())
    answer = forms.CharField(label="What was sent", required=False, widget=forms.Textarea(attrs={"rows": 4}))


def _months() -> list[tuple[str, str]]:
    first = timezone.localdate().replace(day=1)
    months = []
    for _ in range(12):
        first = (first - dt.timedelta(days=1)).replace(day=1)
        months.append((first.isoformat(), f"{first:%B %Y}"))
    return months


class ComplaintsReportForm(_ContractForm):
    month = forms.TypedChoiceField(choices=_months, coerce=dt.date.fromisoformat, label="Month")
    actions_taken = forms.CharField(
        label="Actions taken on the month's complaints", widget=forms.Textarea(attrs={"rows": 5})
    )
    lessons_learned = forms.CharField(
        label="Lessons learned and shared", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class PammsForm(_ContractForm):
    scheme = forms.ModelChoiceField(queryset=Scheme.objects.none(), label="Scheme")
    rating = forms.ChoiceField(choices=PammsRating.choices, label="PAMMS rating", widget=forms.RadioSelect)
    assessed_on = forms.DateField(label="Published on", widget=DateInput())
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 3}))
