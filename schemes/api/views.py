from django.db.models import Prefetch

from portal.api.viewsets import ScopedReadOnlyViewSet
from schemes.models import Contract, Framework, Lot, Scheme, SchemeUnitGroup

from .filters import ContractFilter, FrameworkFilter, LotFilter, SchemeFilter
from .serializers import ContractSerializer, FrameworkSerializer, LotSerializer, SchemeSerializer


class FrameworkViewSet(ScopedReadOnlyViewSet):
    """Frameworks: a council's agreement with many providers."""

    queryset = Framework.objects.select_related("commissioner")
    serializer_class = FrameworkSerializer
    filterset_class = FrameworkFilter
    ordering_fields = ["name", "id", "start_date"]
    ordering = ["name"]


class LotViewSet(ScopedReadOnlyViewSet):
    queryset = Lot.objects.all()
    serializer_class = LotSerializer
    filterset_class = LotFilter
    ordering_fields = ["position", "number", "id"]
    ordering = ["framework", "position"]


class SchemeViewSet(ScopedReadOnlyViewSet):
    """Schemes with their units; `standard_units` and `dementia_units` follow the specification."""

    queryset = Scheme.objects.prefetch_related(Prefetch("units", queryset=SchemeUnitGroup.objects.all()))
    serializer_class = SchemeSerializer
    filterset_class = SchemeFilter
    ordering_fields = ["name", "id"]
    ordering = ["name"]

    def refine_queryset(self, queryset):
        return queryset.with_unit_totals()


class ContractViewSet(ScopedReadOnlyViewSet):
    """Contracts with their effective-dated rates and unplanned-care hours."""

    queryset = Contract.objects.select_related("commissioner", "provider").prefetch_related(
        "schemes", "rates", "unplanned_hours"
    )
    serializer_class = ContractSerializer
    filterset_class = ContractFilter
    ordering_fields = ["reference", "start_date", "end_date", "id"]
    ordering = ["reference"]
