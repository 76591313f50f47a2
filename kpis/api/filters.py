import django_filters

from kpis.models import KpiDefinition, KpiReturn, KpiValue, ReturnStatus
from kpis.quarters import Quarter
from portal.api.filters import PortalFilterSet


class QuarterFilter(django_filters.CharFilter):
    """A quarter such as 2026-Q2 (Q1 is April to June); an unreadable one matches nothing."""

    def filter(self, qs, value):
        if not value:
            return qs
        try:
            label = Quarter.parse(value).label
        except ValueError:
            return qs.none()
        return qs.filter(**{self.field_name: label})


class KpiDefinitionFilter(PortalFilterSet):
    scheme = django_filters.NumberFilter(
        field_name="lot__schemes", label="Scheme id (definitions of its lot)"
    )

    class Meta:
        model = KpiDefinition
        fields = ["commissioner", "lot", "code", "unit", "obtained", "per_scheme", "scheme"]


class KpiReturnFilter(PortalFilterSet):
    quarter = QuarterFilter(field_name="quarter", label="Quarter, e.g. 2026-Q2")
    status = django_filters.ChoiceFilter(choices=ReturnStatus.choices)
    scheme = django_filters.NumberFilter(field_name="contract__schemes", label="Scheme id")
    code = django_filters.CharFilter(
        field_name="values__definition__code", label="Has a figure for this KPI code"
    )
    latest = django_filters.BooleanFilter(field_name="is_latest")

    class Meta:
        model = KpiReturn
        fields = [
            "commissioner",
            "provider",
            "lot",
            "contract",
            "quarter",
            "status",
            "scheme",
            "code",
            "latest",
        ]


class KpiValueFilter(PortalFilterSet):
    quarter = QuarterFilter(field_name="kpi_return__quarter", label="Quarter, e.g. 2026-Q2")
    lot = django_filters.NumberFilter(field_name="kpi_return__lot")
    contract = django_filters.NumberFilter(field_name="kpi_return__contract")
    code = django_filters.CharFilter(field_name="definition__code")
    status = django_filters.ChoiceFilter(field_name="kpi_return__status", choices=ReturnStatus.choices)
    latest = django_filters.BooleanFilter(field_name="kpi_return__is_latest")

    class Meta:
        model = KpiValue
        fields = [
            "commissioner",
            "provider",
            "lot",
            "contract",
            "scheme",
            "quarter",
            "code",
            "status",
            "rag",
            "latest",
        ]
