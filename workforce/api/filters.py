import django_filters

from portal.api.filters import PortalFilterSet
from workforce.models import StaffMember, TrainingCompletion


class StaffMemberFilter(PortalFilterSet):
    employed_on = django_filters.DateFilter(
        method="filter_employed_on", label="Employed on this date (YYYY-MM-DD)"
    )
    reference = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = StaffMember
        fields = ["provider", "scheme", "reference"]

    def filter_employed_on(self, queryset, name, value):
        return queryset.employed_on(value)


class TrainingCompletionFilter(PortalFilterSet):
    course = django_filters.CharFilter(field_name="course__code")
    provider = django_filters.NumberFilter(field_name="staff__provider")
    completed_from = django_filters.DateFilter(field_name="completed_on", lookup_expr="gte")
    completed_to = django_filters.DateFilter(field_name="completed_on", lookup_expr="lte")

    class Meta:
        model = TrainingCompletion
        fields = ["staff", "course", "provider"]
