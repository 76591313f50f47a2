import django_filters
from django.utils import timezone

from portal.api.filters import PortalFilterSet
from workforce.models import StaffMember, TrainingCompletion


class StaffMemberFilter(PortalFilterSet):
    employed_on = django_filters.DateFilter(
        method="filter_employed_on", label="Employed on this date (YYYY-MM-DD)"
    )
    reference = django_filters.CharFilter(lookup_expr="iexact")
    show = django_filters.ChoiceFilter(
        choices=[("current", "Working now"), ("left", "Left"), ("all", "Everyone")],
        method="filter_show",
        empty_label=None,
        label="Show",
    )

    class Meta:
        model = StaffMember
        fields = ["provider", "scheme", "reference"]

    def filter_employed_on(self, queryset, name, value):
        return queryset.employed_on(value)

    def filter_show(self, queryset, name, value):
        today = timezone.localdate()
        if value == "current":
            return queryset.employed_on(today)
        if value == "left":
            return queryset.filter(left_on__lt=today)
        return queryset


class TrainingCompletionFilter(PortalFilterSet):
    course = django_filters.CharFilter(field_name="course__code")
    provider = django_filters.NumberFilter(field_name="staff__provider")
    completed_from = django_filters.DateFilter(field_name="completed_on", lookup_expr="gte")
    completed_to = django_filters.DateFilter(field_name="completed_on", lookup_expr="lte")

    class Meta:
        model = TrainingCompletion
        fields = ["staff", "course", "provider"]
