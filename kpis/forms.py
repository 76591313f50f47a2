"""Forms for KPI returns: each builds its fields from the return's figures."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone

from portal.forms import PortalFormMixin

from . import rules
from .models import Unit
from .quarters import Quarter

RATING_CHOICES = [("", "Not given")] + [
    (key, rules.RATING_LABELS[key]) for key in ("outstanding", "good", "requires_improvement", "inadequate")
]


def value_label(value) -> str:
    where = f" at {value.scheme.name}" if value.scheme_id else ""
    return f"{value.definition.code} {value.definition.title}{where}"


def _figure_field(value, *, required=False):
    unit = value.definition.unit
    label = value_label(value)
    if unit == Unit.TEXT:
        return forms.CharField(label=label, required=required, widget=forms.Textarea(attrs={"rows": 4}))
    if unit == Unit.RATING:
        return forms.ChoiceField(label=label, required=required, choices=RATING_CHOICES)
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal(0),
        help_text="A percentage from 0 to 100." if unit == Unit.PERCENTAGE else "",
    )


def initial_for(value):
    if value.definition.unit == Unit.TEXT:
        return value.text
    if value.definition.unit == Unit.RATING:
        return next(
            (k for k, o in rules.RATING_ORDINALS.items() if value.value is not None and o == value.value), ""
        )
    return value.value


def cleaned_figure(value, raw) -> tuple[Decimal | None, str | None]:
    """(number, text) to store for a form answer."""
    unit = value.definition.unit
    if unit == Unit.TEXT:
        return None, raw or ""
    if unit == Unit.RATING:
        if not raw:
            return None, ""
        return Decimal(rules.RATING_ORDINALS[raw]), rules.RATING_LABELS[raw]
    return raw, None


def _past_quarters():
    last = Quarter.last_completed(timezone.localdate())
    return [(q.label, q.long_label) for q in reversed(last.last(8))]


class DynamicFieldsForm(forms.Form):
    """Adds fields built from the return before `PortalFormMixin` styles them (and, on a bound form,
    validates them): subclasses keep what they need on `self` and implement `add_fields()`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_fields()

    def add_fields(self):  # pragma: no cover - subclasses implement
        raise NotImplementedError


class ComputeQuarterForm(PortalFormMixin, forms.Form):
    quarter = forms.ChoiceField(
        label="Quarter",
        choices=_past_quarters,
        help_text="Quarters follow the financial year: Q1 is April to June.",
    )

    def clean_quarter(self):
        return Quarter.parse(self.cleaned_data["quarter"])


class ReturnEditForm(PortalFormMixin, DynamicFieldsForm):
    """The provider's figures, its commentary on each KPI and on the quarter."""

    commentary = forms.CharField(
        label="Commentary on the quarter", required=False, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args, kpi_return, values, **kwargs):
        self.values = list(values)
        self.kpi_return = kpi_return
        super().__init__(*args, **kwargs)

    def add_fields(self):
        self.fields["commentary"].initial = self.kpi_return.commentary
        for value in self.values:
            if value.definition.obtained == "provider":
                self.fields[f"figure_{value.pk}"] = _figure_field(value)
                self.fields[f"figure_{value.pk}"].initial = initial_for(value)
            self.fields[f"commentary_{value.pk}"] = forms.CharField(
                label=f"Commentary on {value_label(value)}",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=value.commentary,
            )


class CouncilFiguresForm(PortalFormMixin, DynamicFieldsForm):
    def __init__(self, *args, values, **kwargs):
        self.values = [v for v in values if v.definition.obtained == "council"]
        super().__init__(*args, **kwargs)

    def add_fields(self):
        for value in self.values:
            self.fields[f"figure_{value.pk}"] = _figure_field(value)
            self.fields[f"figure_{value.pk}"].initial = initial_for(value)


class QueryForm(PortalFormMixin, DynamicFieldsForm):
    def __init__(self, *args, values, **kwargs):
        self.values = list(values)
        super().__init__(*args, **kwargs)

    def add_fields(self):
        for value in self.values:
            self.fields[f"query_{value.pk}"] = forms.CharField(
                label=f"Query on {value_label(value)}",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def queries(self) -> dict[int, str]:
        return {v.pk: self.cleaned_data.get(f"query_{v.pk}", "") for v in self.values}

    def clean(self):
        data = super().clean()
        if not any((data.get(f"query_{v.pk}") or "").strip() for v in self.values):
            raise forms.ValidationError("Write a query on at least one KPI.")
        return data


class AnswerForm(PortalFormMixin, DynamicFieldsForm):
    def __init__(self, *args, queries, **kwargs):
        self.queries = list(queries)
        super().__init__(*args, **kwargs)

    def add_fields(self):
        for query in self.queries:
            self.fields[f"answer_{query.value_id}"] = forms.CharField(
                label=f"Your answer on {value_label(query.value)}",
                help_text=f"The council asked: {query.text}",
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def answers(self) -> dict[int, str]:
        return {q.value_id: self.cleaned_data[f"answer_{q.value_id}"] for q in self.queries}


class ContractKpisForm(PortalFormMixin, forms.Form):
    """Which of the lot's KPIs a contract measures; none ticked: all of them."""

    codes = forms.MultipleChoiceField(
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="KPIs this contract reports",
        help_text="Tick none for every KPI of the lot.",
    )

    def __init__(self, *args, definitions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["codes"].choices = [(d.code, f"{d.code} {d.title}") for d in definitions]
