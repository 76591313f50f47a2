import django_filters

from portal.api.filters import PortalFilterSet
from schemes.models import Contract, Framework, Lot, PaymentModel, Scheme


class FrameworkFilter(PortalFilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Framework
        fields = ["commissioner", "is_open", "name"]


class LotFilter(PortalFilterSet):
    commissioner = django_filters.NumberFilter(field_name="framework__commissioner")
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Lot
        fields = ["framework", "commissioner", "number", "name"]


class SchemeFilter(PortalFilterSet):
    framework = django_filters.NumberFilter(field_name="lot__framework")
    commissioner = django_filters.NumberFilter(field_name="lot__framework__commissioner")
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Scheme
        fields = ["lot", "framework", "commissioner", "name"]


class ContractFilter(PortalFilterSet):
    payment_model = django_filters.ChoiceFilter(choices=PaymentModel.choices)
    live_on = django_filters.DateFilter(method="filter_live_on", label="Live on this date (YYYY-MM-DD)")
    scheme = django_filters.NumberFilter(field_name="schemes")

    class Meta:
        model = Contract
        fields = ["commissioner", "provider", "lot", "payment_model", "reference", "scheme"]

    def filter_live_on(self, queryset, name, value):
        return queryset.live_on(value)
