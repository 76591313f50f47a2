import django_filters
from django.db.models import Q

from portal.api.filters import PortalFilterSet

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
)


class ServiceUserFilter(PortalFilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")
    funding_route = django_filters.ChoiceFilter(choices=FundingRoute.choices)

    class Meta:
        model = ServiceUser
        fields = ["reference", "name", "scheme", "funding_route", "is_customer"]


class ReferralFilter(PortalFilterSet):
    decision = django_filters.ChoiceFilter(choices=ReferralDecision.choices)
    received_from = django_filters.DateFilter(field_name="received_at__date", lookup_expr="gte")
    received_to = django_filters.DateFilter(field_name="received_at__date", lookup_expr="lte")

    class Meta:
        model = Referral
        fields = ["provider", "contract", "service_user", "decision", "is_emergency", "reference"]


class OrderFilter(PortalFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=OrderStatus.choices)
    scheme = django_filters.NumberFilter(field_name="service_user__scheme")
    live_on = django_filters.DateFilter(method="filter_live_on", label="In force on this date (YYYY-MM-DD)")
    starts_from = django_filters.DateFilter(field_name="start_date", lookup_expr="gte")
    starts_to = django_filters.DateFilter(field_name="start_date", lookup_expr="lte")
    reference = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = IndividualServiceOrder
        fields = ["status", "provider", "contract", "service_user", "referral", "scheme", "reference"]

    def filter_live_on(self, queryset, name, value):
        return queryset.live_on(value)


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
    status = django_filters.ChoiceFilter(choices=TemporaryVariationStatus.choices)
    covering = django_filters.DateFilter(method="filter_covering", label="Covering this date")

    class Meta:
        model = TemporaryVariation
        fields = ["order", "status"]

    def filter_covering(self, queryset, name, value):
        return queryset.filter(start_date__lte=value, end_date__gte=value)


class AbsenceFilter(PortalFilterSet):
    kind = django_filters.ChoiceFilter(choices=AbsenceKind.choices)
    on = django_filters.DateFilter(method="filter_on", label="Away on this date")
    ongoing = django_filters.BooleanFilter(
        field_name="end_date", lookup_expr="isnull", label="No end date yet"
    )

    class Meta:
        model = Absence
        fields = ["service_user", "kind"]

    def filter_on(self, queryset, name, value):
        return queryset.filter(start_date__lte=value).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=value)
        )


class CarePlanFilter(PortalFilterSet):
    overdue_on = django_filters.DateFilter(method="filter_overdue_on", label="Review overdue on this date")

    class Meta:
        model = CarePlan
        fields = ["service_user", "order", "provider", "is_current"]

    def filter_overdue_on(self, queryset, name, value):
        return queryset.overdue_on(value)
