import django_filters
from django.db import models
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS

from portal.models import CqcRating, Organisation


class PortalFilterSet(django_filters.FilterSet):
    """Filters on related records take the id as a number, not a choice among all rows, so an
    unknown id gives an empty list rather than an error that would reveal which ids exist."""

    FILTER_DEFAULTS = {
        **FILTER_FOR_DBFIELD_DEFAULTS,
        models.ForeignKey: {"filter_class": django_filters.NumberFilter},
        models.OneToOneField: {"filter_class": django_filters.NumberFilter},
        models.ManyToManyField: {"filter_class": django_filters.NumberFilter},
    }


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
