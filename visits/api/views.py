from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from portal.api.pagination import PortalCursorPagination
from portal.api.viewsets import ScopedModelViewSet
from portal.roles import Capability
from portal.uploads.api import bulk_response
from visits import services
from visits.models import Visit, VisitSource
from visits.visit_uploads import VISITS

from .filters import VisitFilter
from .serializers import (
    BulkResultSerializer,
    ExplanationSerializer,
    VisitBulkItemSerializer,
    VisitSerializer,
    VisitUpdateSerializer,
)


class VisitCursorPagination(PortalCursorPagination):
    ordering = "-id"


def _bulk_limit() -> int:
    return int(getattr(settings, "VISITS", {}).get("BULK_API_MAX_ROWS", 10_000))


@extend_schema_view(
    list=extend_schema(summary="Visits (cursor-paged, newest first)"),
    create=extend_schema(
        summary="Record one visit",
        description="The order is given by id; an order you cannot see answers 404. Sending a visit already "
        "recorded (same order, scheduled start and carer) updates it: 200 instead of 201.",
    ),
)
class VisitViewSet(ScopedModelViewSet, prefix="visits", basename="visit"):
    """Visits: what providers delivered, from call monitoring or entered by hand.

    Councils read the visits they commissioned; providers read and write their own. Writes are
    checked exactly as the web form and the spreadsheet upload are."""

    queryset = Visit.objects.select_related("order", "order__service_user")
    serializer_class = VisitSerializer
    filterset_class = VisitFilter
    filter_backends = [DjangoFilterBackend]
    pagination_class = VisitCursorPagination
    write_capability = Capability.PROVIDER_RECORD
    action_capabilities = {"bulk": Capability.PROVIDER_RECORD, "explain": Capability.PROVIDER_RECORD}

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return VisitUpdateSerializer
        return super().get_serializer_class()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        order = data.pop("order")
        with transaction.atomic():
            try:
                visit, created = services.visit_record(
                    actor=request.user, order=order, values=data, source=VisitSource.API
                )
            except DjangoValidationError as exc:
                raise ValidationError(exc.message_dict) from exc
            visit = self.rescoped(visit)
        return Response(
            self.get_serializer(visit).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        visit = self.get_object()
        serializer = self.get_serializer(visit, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            try:
                visit = services.visit_update(
                    actor=request.user,
                    visit=visit,
                    values=dict(serializer.validated_data),
                    source=VisitSource.API,
                )
            except DjangoValidationError as exc:
                raise ValidationError(exc.message_dict) from exc
            visit = self.rescoped(visit)
        return Response(VisitSerializer(visit, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Record many visits at once (all or nothing)",
        description="A JSON array of visits, each naming its order by reference. Every item is checked as the "
        "spreadsheet upload checks a row; if any is rejected, nothing is saved and the response names every "
        "rejected item (`row`, the first being 1) and field. Sending the same visits again creates nothing new: "
        "identical visits are unchanged, changed ones updated. `?dry_run=true` checks without saving. At most "
        "10,000 visits per request; upload a spreadsheet for more.",
        request=VisitBulkItemSerializer(many=True),
        parameters=[OpenApiParameter("dry_run", bool, description="Check only; save nothing.")],
        responses={200: BulkResultSerializer, 400: OpenApiResponse(BulkResultSerializer, "Rejected items")},
    )
    @action(detail=False, methods=["post"], url_path="bulk")
    def bulk(self, request):
        return bulk_response(
            request,
            VISITS,
            actor=request.user,
            wrapper="visits",
            source=VisitSource.API,
            note="Bulk API submission",
            noun="visit",
            limit=_bulk_limit(),
        )

    @extend_schema(summary="Explain a missed visit", request=ExplanationSerializer, responses=VisitSerializer)
    @action(detail=True, methods=["post"])
    def explain(self, request, pk=None):
        visit = self.get_object()
        data = self.action_input(ExplanationSerializer)
        try:
            visit = services.visit_explain_missed(actor=request.user, visit=visit, **data)
        except DjangoValidationError as exc:
            raise ValidationError(getattr(exc, "message_dict", {"detail": exc.messages})) from exc
        return Response(VisitSerializer(visit, context=self.get_serializer_context()).data)
