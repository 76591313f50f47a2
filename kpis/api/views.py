"""KPI data over the API: definitions, returns and values; JSON or CSV; cursor-paginated; scoped.

Workflow actions on returns are POSTs that find the return through the caller's scope first (404),
then need the capability of the caller's side: COMMISSION for a council, PROVIDER_MANAGE for a
provider (a token holds them only if granted). A step the caller's side does not take — a council
submitting, a provider accepting — is refused with 400 and says so.
"""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from kpis import services
from kpis.models import KpiDefinition, KpiReturn, KpiValue
from portal.api.pagination import PortalCursorPagination
from portal.api.viewsets import ScopedReadOnlyViewSet
from portal.roles import Capability, has_capability

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


class KpiDefinitionViewSet(ScopedReadOnlyViewSet):
    """KPI definitions of the lots you hold or commission: unit, how obtained, target and direction."""

    queryset = KpiDefinition.objects.all()
    serializer_class = KpiDefinitionSerializer
    filterset_class = KpiDefinitionFilter
    pagination_class = KpiCursorPagination
    renderer_classes = RENDERERS
    ordering_fields = ["id"]


class KpiReturnViewSet(ScopedReadOnlyViewSet):
    """Quarterly KPI returns (every revision; `latest=true` for the current ones)."""

    queryset = KpiReturn.objects.all()
    serializer_class = KpiReturnSerializer
    filterset_class = KpiReturnFilter
    pagination_class = KpiCursorPagination
    renderer_classes = RENDERERS
    ordering_fields = ["id"]

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

    def _run(self, fn, *, side: str):
        kpi_return = self.get_object()
        user = self.request.user
        if (side == "provider") != user.is_provider_side:
            raise ValidationError(
                "Only the provider submits and answers its return."
                if side == "provider"
                else "Only the council queries and accepts a return."
            )
        fn(kpi_return)
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
        return self._run(lambda r: services.return_submit(actor=request.user, kpi_return=r), side="provider")

    @extend_schema(request=QueryRequestSerializer, responses={200: KpiReturnSerializer})
    @action(detail=True, methods=["post"])
    def query(self, request, pk=None):
        """Query a submitted return, with a question per figure (the council; needs COMMISSION)."""

        def run(r):
            body = QueryRequestSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            services.return_query(actor=request.user, kpi_return=r, queries=body.validated_data["queries"])

        return self._run(run, side="council")

    @extend_schema(request=AnswerRequestSerializer, responses={200: KpiReturnSerializer})
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        """Answer every query and resubmit (the provider; needs PROVIDER_MANAGE)."""

        def run(r):
            body = AnswerRequestSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            services.return_resubmit(actor=request.user, kpi_return=r, answers=body.validated_data["answers"])

        return self._run(run, side="provider")

    @extend_schema(request=AcceptRequestSerializer, responses={200: KpiReturnSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept a submitted or resubmitted return (the council; needs COMMISSION)."""

        def run(r):
            body = AcceptRequestSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            services.return_accept(actor=request.user, kpi_return=r, note=body.validated_data["note"])

        return self._run(run, side="council")


class KpiValueViewSet(ScopedReadOnlyViewSet):
    """KPI figures, one per KPI (and scheme) per return. Filter by commissioner, provider, lot, scheme,
    quarter (2026-Q2), code and status; add `format=csv` (or `Accept: text/csv`) for CSV."""

    queryset = KpiValue.objects.select_related("definition", "kpi_return")
    serializer_class = KpiValueSerializer
    filterset_class = KpiValueFilter
    pagination_class = KpiCursorPagination
    renderer_classes = RENDERERS
    ordering_fields = ["id"]
