"""KPI data over the API: definitions, returns and values; JSON or CSV; cursor-paginated; scoped.

Workflow actions on returns are POSTs that find the return through the caller's scope first (404),
then need the capability of the caller's side: COMMISSION for a council, PROVIDER_MANAGE for a
provider (a token holds them only if granted). A step the caller's side does not take — a council
submitting, a provider accepting — is refused with 400 and says so.
"""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from kpis import services
from kpis.models import KpiDefinition, KpiReturn, KpiValue
from portal.api.pagination import PortalCursorPagination
from portal.api.viewsets import ScopedAPIMixin, ScopedReadOnlyViewSet
from portal.roles import Capability, has_capability
from schemes.models import Contract

from .filters import KpiDefinitionFilter, KpiReturnFilter, KpiValueFilter
from .renderers import CSVRenderer
from .serializers import (
    AcceptRequestSerializer,
    AnswerRequestSerializer,
    KpiDefinitionSerializer,
    KpiReturnSerializer,
    KpiValueSerializer,
    QueryRequestSerializer,
)

RENDERERS = [JSONRenderer, CSVRenderer, BrowsableAPIRenderer]


class KpiCursorPagination(PortalCursorPagination):
    ordering = "-id"


class KpiViewSet(ScopedReadOnlyViewSet):
    """KPI data pages by cursor and answers JSON or CSV."""

    pagination_class = KpiCursorPagination
    renderer_classes = RENDERERS
    ordering_fields = ["id"]


class KpiDefinitionViewSet(KpiViewSet, prefix="kpis/definitions", basename="definition"):
    """KPI definitions of the lots you hold or commission: unit, how obtained, target and direction."""

    queryset = KpiDefinition.objects.all()
    serializer_class = KpiDefinitionSerializer
    filterset_class = KpiDefinitionFilter


class KpiReturnViewSet(KpiViewSet, prefix="kpis/returns", basename="return"):
    """Quarterly KPI returns (every revision; `latest=true` for the current ones)."""

    queryset = KpiReturn.objects.select_related("contract", "commissioner", "provider")
    serializer_class = KpiReturnSerializer
    filterset_class = KpiReturnFilter

    def refine_queryset(self, queryset):
        return (
            queryset.distinct()
            if "code" in self.request.query_params or "scheme" in self.request.query_params
            else queryset
        )

    def _side_capability(self):
        user = self.request.user
        return Capability.COMMISSION if user.is_commissioner_side else Capability.PROVIDER_MANAGE

    def check_object_permissions(self, request, obj):
        super().check_object_permissions(request, obj)
        if self.action in ("submit", "query", "resubmit", "accept") and not has_capability(
            request.user, self._side_capability(), request.auth
        ):
            self.permission_denied(request, message="Your role does not allow this.")

    def _run(self, fn, *, side: str, body=None):
        """Run a workflow step on the return: `side`'s step only, with the request `body` checked
        by that serializer and its data passed on."""
        kpi_return = self.get_object()
        user = self.request.user
        if (side == "provider") != user.is_provider_side:
            raise ValidationError(
                "Only the provider submits and answers its return."
                if side == "provider"
                else "Only the council queries and accepts a return."
            )
        fn(kpi_return, {} if body is None else self.action_input(body))
        kpi_return.refresh_from_db()
        return Response(KpiReturnSerializer(kpi_return).data)

    action_capabilities = {
        "submit": Capability.VIEW,
        "query": Capability.VIEW,
        "resubmit": Capability.VIEW,
        "accept": Capability.VIEW,
    }

    @extend_schema(
        request=None, responses={200: KpiReturnSerializer, 400: OpenApiResponse(description="Not a draft")}
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit a draft (the provider; needs PROVIDER_MANAGE)."""
        return self._run(
            lambda r, _: services.return_submit(actor=request.user, kpi_return=r), side="provider"
        )

    @extend_schema(request=QueryRequestSerializer, responses={200: KpiReturnSerializer})
    @action(detail=True, methods=["post"])
    def query(self, request, pk=None):
        """Query a submitted return, with a question per figure (the council; needs COMMISSION)."""
        return self._run(
            lambda r, data: services.return_query(actor=request.user, kpi_return=r, queries=data["queries"]),
            side="council",
            body=QueryRequestSerializer,
        )

    @extend_schema(request=AnswerRequestSerializer, responses={200: KpiReturnSerializer})
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        """Answer every query and resubmit (the provider; needs PROVIDER_MANAGE)."""
        return self._run(
            lambda r, data: services.return_resubmit(
                actor=request.user, kpi_return=r, answers=data["answers"]
            ),
            side="provider",
            body=AnswerRequestSerializer,
        )

    @extend_schema(request=AcceptRequestSerializer, responses={200: KpiReturnSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept a submitted or resubmitted return (the council; needs COMMISSION)."""
        return self._run(
            lambda r, data: services.return_accept(actor=request.user, kpi_return=r, note=data["note"]),
            side="council",
            body=AcceptRequestSerializer,
        )


class KpiValueViewSet(KpiViewSet, prefix="kpis/values", basename="value"):
    """KPI figures, one per KPI (and scheme) per return. Filter by commissioner, provider, lot, scheme,
    quarter (2026-Q2), code and status; add `format=csv` (or `Accept: text/csv`) for CSV."""

    queryset = KpiValue.objects.select_related(
        "definition", "kpi_return__contract", "commissioner", "provider", "scheme"
    )
    serializer_class = KpiValueSerializer
    filterset_class = KpiValueFilter


class ContractKpisSerializer(serializers.Serializer):
    contract = serializers.IntegerField(source="pk", read_only=True)
    contract_reference = serializers.CharField(source="reference", read_only=True)
    chosen = serializers.SerializerMethodField(help_text="False: the contract takes every KPI of its lot.")
    codes = serializers.ListField(
        child=serializers.CharField(max_length=12),
        allow_empty=True,
        help_text="KPI codes of the lot; [] for all.",
    )
    definitions = serializers.SerializerMethodField()

    def get_chosen(self, contract) -> bool:
        return contract.chosen_kpis.exists()

    def get_definitions(self, contract) -> list[dict]:
        applying = KpiDefinition.objects.applying_to(contract).order_by("position", "code")
        return KpiDefinitionSerializer(applying, many=True).data

    def to_representation(self, instance):
        data = {
            "contract": instance.pk,
            "contract_reference": instance.reference,
            "chosen": self.get_chosen(instance),
            "definitions": self.get_definitions(instance),
        }
        data["codes"] = [d["code"] for d in data["definitions"]]
        return data


class ContractKpisViewSet(
    ScopedAPIMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
    prefix="kpis/contracts",
    basename="contract-kpis",
):
    """Which KPI definitions a contract's returns measure, by the contract's id: every one of its
    lot's unless the council chose some. PUT (or PATCH) `{"codes": [...]}` to choose; `[]` for all."""

    queryset = Contract.objects.select_related("lot")
    serializer_class = ContractKpisSerializer
    write_capability = Capability.COMMISSION

    def update(self, request, *args, **kwargs):
        contract = self.get_object()
        body = self.action_input(ContractKpisSerializer)
        services.contract_kpis_set(actor=request.user, contract=contract, codes=body["codes"])
        return Response(self.get_serializer(self.get_object()).data)
