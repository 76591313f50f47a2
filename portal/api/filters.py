import django_filters

from portal.filters import PortalFilterSet
from portal.models import CqcRating, Organisation

__all__ = ["CommissionerFilter", "PortalFilterSet", "ProviderFilter"]


class CommissionerFilter(PortalFilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Organisation
        fields = ["name", "commissioner_type"]


class ProviderFilter(PortalFilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")
    cqc_rating = django_filters.ChoiceFilter(choices=CqcRating.choices)

    class Meta:
        model = Organisation
        fields = ["name", "cqc_rating", "cqc_location_id"]
