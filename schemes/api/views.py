from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from portal.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet
from portal.roles import Capability
from schemes import services
from schemes.models import Contract, Framework, Lot, Scheme, SchemeUnitGroup, SchemeUnplannedHours

from .filters import ContractFilter, FrameworkFilter, LotFilter, SchemeFilter
from .serializers import (
    ContractChangeSerializer,
    ContractCreateSerializer,
    ContractRateSerializer,
    ContractSerializer,
    FrameworkSerializer,
    LotSerializer,
    SchemeSerializer,
    UnplannedHoursInputSerializer,
)


class FrameworkViewSet(ScopedReadOnlyViewSet, prefix="frameworks", basename="framework"):
    """Frameworks: a council's agreement with many providers."""

    queryset = Framework.objects.select_related("commissioner")
    serializer_class = FrameworkSerializer
    filterset_class = FrameworkFilter
    ordering_fields = ["name", "id", "start_date"]
    ordering = ["name"]


class LotViewSet(ScopedReadOnlyViewSet, prefix="lots", basename="lot"):
    queryset = Lot.objects.all()
    serializer_class = LotSerializer
    filterset_class = LotFilter
    ordering_fields = ["position", "number", "id"]
    ordering = ["framework", "position"]


class SchemeViewSet(ScopedReadOnlyViewSet, prefix="schemes", basename="scheme"):
    """Schemes with their units; `standard_units` and `dementia_units` follow the specification."""

    queryset = Scheme.objects.prefetch_related(Prefetch("units", queryset=SchemeUnitGroup.objects.all()))
    serializer_class = SchemeSerializer
    filterset_class = SchemeFilter
    ordering_fields = ["name", "id"]
    ordering = ["name"]

    def refine_queryset(self, queryset):
        return queryset.with_unit_totals()


class ContractViewSet(ScopedModelViewSet, prefix="contracts", basename="contract"):
    """Contracts with their effective-dated rates and unplanned-care hours. A council's
    commissioners (and its tokens granted `commission`) create contracts on their lots, change the
    terms that may change, and set rates and unplanned hours from a date; filter by `reference`,
    `provider` (id or name), `lot`, `scheme`, `payment_model` or `live_on`."""

    queryset = Contract.objects.select_related("commissioner", "provider", "lot").prefetch_related(
        "schemes",
        "rates",
        Prefetch("unplanned_hours", queryset=SchemeUnplannedHours.objects.select_related("scheme")),
    )
    serializer_class = ContractSerializer
    filterset_class = ContractFilter
    ordering_fields = ["reference", "start_date", "end_date", "id"]
    ordering = ["reference"]
    write_capability = Capability.COMMISSION
    action_capabilities = {"rates": Capability.COMMISSION, "unplanned_hours": Capability.COMMISSION}
    create_service = staticmethod(services.contract_create)
    organisation_arg = "commissioner"

    def get_serializer_class(self) -> Any:
        if self.action == "create":
            return ContractCreateSerializer
        if self.action in ("update", "partial_update"):
            return ContractChangeSerializer
        return ContractSerializer

    def _answer(self, contract: Contract, status: int = 200) -> Response:
        fresh = self.get_queryset().get(pk=contract.pk)
        return Response(ContractSerializer(fresh, context=self.get_serializer_context()).data, status=status)

    @extend_schema(request=ContractCreateSerializer, responses={201: ContractSerializer})
    @transaction.atomic
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        return self._answer(serializer.instance, status=201)

    @extend_schema(request=ContractChangeSerializer, responses=ContractSerializer)
    @transaction.atomic
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        contract = self.get_object()
        serializer = self.get_serializer(contract, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        changed = services.contract_update(actor=request.user, contract=contract, **serializer.validated_data)
        return self._answer(self.rescoped(changed))

    @extend_schema(request=ContractRateSerializer, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def rates(self, request: Request, pk: str | None = None) -> Response:
        """A rate from a date (Norfolk reviews each April); earlier periods keep theirs."""
        contract = self.get_object()
        services.contract_rate_set(
            actor=request.user, contract=contract, **self.action_input(ContractRateSerializer)
        )
        return self._answer(contract)

    @extend_schema(request=UnplannedHoursInputSerializer, responses=ContractSerializer)
    @action(detail=True, methods=["post"], url_path="unplanned-hours")
    @transaction.atomic
    def unplanned_hours(self, request: Request, pk: str | None = None) -> Response:
        """Unplanned-care hours a week at one of the contract's schemes, from a date."""
        contract = self.get_object()
        services.unplanned_hours_set(
            actor=request.user, contract=contract, **self.action_input(UnplannedHoursInputSerializer)
        )
        return self._answer(contract)
