import django_filters

from portal.api.filters import PortalFilterSet
from visits.models import Visit, VisitStatus


class VisitFilter(PortalFilterSet):
    order_reference = django_filters.CharFilter(field_name="order__reference")
    status = django_filters.MultipleChoiceFilter(choices=VisitStatus.choices)
    visit_date = django_filters.DateFromToRangeFilter(
        help_text="visit_date_after / visit_date_before (YYYY-MM-DD)"
    )
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    carer_reference = django_filters.CharFilter(method="filter_carer")

    class Meta:
        model = Visit
        fields = [
            "order",
            "order_reference",
            "provider",
            "commissioner",
            "status",
            "visit_date",
            "time_critical",
            "carer_reference",
            "updated_since",
        ]

    def filter_carer(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(carer_reference=value) | Q(second_carer_reference=value))
