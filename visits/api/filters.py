"""The visit list's filters: one FilterSet for the API endpoint and the browser list page."""

import datetime as dt
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from portal.filters import PortalFilterSet
from portal.forms import DateInput
from portal.models import Organisation
from visits.models import Visit, VisitStatus

LATE_AFTER = dt.timedelta(minutes=15)  # "due, with no start recorded" on the list and dashboard
ATTENTION = [
    ("late", "Due, with no start recorded"),
    ("unexplained", "Missed, not yet explained"),
    ("time_critical", "Time-critical"),
]


def _providers(request: Any) -> QuerySet[Organisation]:
    return Organisation.objects.providers().visible_to(getattr(request, "user", None)).order_by("name")


class VisitFilter(PortalFilterSet):
    visit_date_after = django_filters.DateFilter(
        field_name="visit_date", lookup_expr="gte", label="From", widget=DateInput()
    )
    visit_date_before = django_filters.DateFilter(
        field_name="visit_date", lookup_expr="lte", label="To", widget=DateInput()
    )
    status = django_filters.MultipleChoiceFilter(choices=VisitStatus.choices, label="Status")
    order_reference = django_filters.CharFilter(field_name="order__reference", label="Order reference")
    carer_reference = django_filters.CharFilter(method="filter_carer", label="Carer reference")
    provider = django_filters.ModelChoiceFilter(queryset=_providers, label="Provider", empty_label="Any")
    attention = django_filters.ChoiceFilter(
        choices=ATTENTION, method="filter_attention", label="Needing attention", empty_label="All visits"
    )
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    # One person's visits (a list so filtered goes in the access log, issue 15).
    service_user = django_filters.NumberFilter(field_name="order__service_user", label="Person")

    class Meta:
        model = Visit
        fields = ["order", "commissioner", "time_critical"]

    def filter_carer(self, queryset: QuerySet[Visit], name: str, value: str) -> QuerySet[Visit]:
        value = value.strip()
        return queryset.filter(Q(carer_reference=value) | Q(second_carer_reference=value))

    def filter_attention(self, queryset: QuerySet[Visit], name: str, value: str) -> QuerySet[Visit]:
        if value == "late":
            return queryset.filter(
                status=VisitStatus.SCHEDULED,
                actual_start__isnull=True,
                scheduled_start__lte=timezone.now() - LATE_AFTER,
            )
        if value == "unexplained":
            return queryset.filter(status=VisitStatus.MISSED, missed_explained_at__isnull=True)
        if value == "time_critical":
            return queryset.filter(time_critical=True)
        return queryset
