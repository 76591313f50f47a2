"""The lists' filters, one FilterSet per list, shared by the API's list endpoints and the browser's
list pages and order export (`ScopedListView.filterset_class`). A filter only the browser needs
(the free-text `q` search, the care plans' `show`) lives here too, so a filter is written once."""

from collections.abc import Callable
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from portal.api.filters import PortalFilterSet
from portal.forms import DateInput
from portal.models import Organisation

from ..models import (
    Absence,
    AbsenceKind,
    CarePlan,
    FundingRoute,
    IndividualServiceOrder,
    OrderStatus,
    OrderVersion,
    Referral,
    ReferralDecision,
    ServiceUser,
    TemporaryVariation,
    TemporaryVariationStatus,
    dates_overlap,
)


class OneOrAnySelect(forms.Select):
    """A select of one value or any (the first option, `any_label`) for a filter the API may
    repeat for several values (`?status=active&status=suspended`)."""

    def __init__(
        self, attrs: dict[str, Any] | None = None, choices: Any = (), *, any_label: str = "Any"
    ) -> None:
        super().__init__(attrs, choices)
        self.any_label = any_label

    def optgroups(self, name: str, value: list[str], attrs: dict[str, Any] | None = None) -> list[Any]:
        anything = self.create_option(name, "", self.any_label, not any(value), 0, attrs=attrs)
        return [(None, [anything], 0), *super().optgroups(name, value, attrs)]

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return [v for v in values if v not in (None, "")]


class IdChoiceField(forms.ModelChoiceField):
    """A related record by id. The browser offers the records the user may see (the form scopes
    the queryset); any id is taken, so an id out of reach lists nothing rather than answering an
    error that would tell it exists (as `PortalFilterSet`'s id filters do)."""

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        try:
            return int(str(value))
        except ValueError:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from None

    def validate(self, value: Any) -> None:
        forms.Field.validate(self, value)


class IdChoiceFilter(django_filters.Filter):
    field_class = IdChoiceField


def _search(*fields: str) -> Callable[[QuerySet[Any], str, str], QuerySet[Any]]:
    """A `q` filter method: any of `fields` contains the text."""

    def search(queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        text = value.strip()
        if not text:
            return queryset
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__icontains": text})
        return queryset.filter(condition)

    return search


class ServiceUserFilter(PortalFilterSet):
    q = django_filters.CharFilter(
        method=_search("name", "reference", "scheme__name"), label="Name, reference or scheme"
    )
    name = django_filters.CharFilter(lookup_expr="icontains")
    funding_route = django_filters.ChoiceFilter(choices=FundingRoute.choices)

    class Meta:
        model = ServiceUser
        fields = ["reference", "name", "scheme", "funding_route", "is_customer"]


class ReferralFilter(PortalFilterSet):
    decision = django_filters.ChoiceFilter(choices=ReferralDecision.choices, empty_label="Any")
    received_from = django_filters.DateFilter(
        field_name="received_at__date", lookup_expr="gte", widget=DateInput()
    )
    received_to = django_filters.DateFilter(
        field_name="received_at__date", lookup_expr="lte", widget=DateInput()
    )

    class Meta:
        model = Referral
        fields = ["provider", "contract", "service_user", "decision", "is_emergency", "reference"]


class OrderFilter(PortalFilterSet):
    q = django_filters.CharFilter(
        method=_search("reference", "service_user__name", "service_user__reference"),
        label="Order, person or reference",
    )
    status = django_filters.MultipleChoiceFilter(
        choices=OrderStatus.choices, label="Status", widget=OneOrAnySelect(any_label="Any status")
    )
    provider = IdChoiceFilter(
        queryset=Organisation.objects.providers(), label="Provider", empty_label="Any provider"
    )
    scheme = django_filters.NumberFilter(field_name="service_user__scheme")
    live_on = django_filters.DateFilter(method="filter_live_on", label="In force on", widget=DateInput())
    starts_from = django_filters.DateFilter(field_name="start_date", lookup_expr="gte")
    starts_to = django_filters.DateFilter(field_name="start_date", lookup_expr="lte")
    reference = django_filters.CharFilter(lookup_expr="icontains")
    plan_not_agreed = django_filters.BooleanFilter(
        method="filter_plan_not_agreed",
        label="Care plan not agreed face to face in time",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = IndividualServiceOrder
        fields = ["status", "provider", "contract", "service_user", "referral", "scheme", "reference"]

    def filter_live_on(self, queryset, name, value):
        return queryset.in_force(value)

    def filter_plan_not_agreed(self, queryset, name, value):
        """Orders in force whose plan was not agreed face to face by its deadline `[004 §3.2.9]`."""
        if not value:
            return queryset
        return queryset.filter(
            pk__in=IndividualServiceOrder.objects.without_plan_agreed_in_time(timezone.localdate()).values(
                "pk"
            )
        )


class OrderVersionFilter(PortalFilterSet):
    in_force_on = django_filters.DateFilter(
        method="filter_in_force_on", label="The version in force on a date"
    )

    class Meta:
        model = OrderVersion
        fields = ["order"]

    def filter_in_force_on(self, queryset, name, value):
        return queryset.in_force_on(value)


class TemporaryVariationFilter(PortalFilterSet):
    status = django_filters.ChoiceFilter(choices=TemporaryVariationStatus.choices, empty_label="Any")
    covering = django_filters.DateFilter(
        method="filter_covering", label="Covering this date", widget=DateInput()
    )

    class Meta:
        model = TemporaryVariation
        fields = ["order", "status"]

    def filter_covering(self, queryset, name, value):
        return queryset.filter(dates_overlap(value, value))


class AbsenceFilter(PortalFilterSet):
    kind = django_filters.ChoiceFilter(choices=AbsenceKind.choices, empty_label="Any")
    on = django_filters.DateFilter(method="filter_on", label="Away on", widget=DateInput())
    ongoing = django_filters.BooleanFilter(
        field_name="end_date", lookup_expr="isnull", label="No end date yet"
    )

    class Meta:
        model = Absence
        fields = ["service_user", "kind"]

    def filter_on(self, queryset, name, value):
        return queryset.away_on(value)


class CarePlanFilter(PortalFilterSet):
    CURRENT, OVERDUE, ALL = "current", "overdue", "all"
    SHOWS = [(CURRENT, "Current plans"), (OVERDUE, "Reviews overdue"), (ALL, "All plans")]
    show = django_filters.ChoiceFilter(choices=SHOWS, method="filter_show", label="Show")
    overdue_on = django_filters.DateFilter(method="filter_overdue_on", label="Review overdue on this date")

    class Meta:
        model = CarePlan
        fields = ["service_user", "order", "provider", "is_current"]

    def filter_show(self, queryset, name, value):
        if value == self.OVERDUE:
            return queryset.overdue_on(timezone.localdate())
        return queryset.filter(is_current=True) if value == self.CURRENT else queryset

    def filter_overdue_on(self, queryset, name, value):
        return queryset.overdue_on(value)
