"""The invoicing API: invoices (with their detail schedule as JSON or CSV, and the workflow as
actions), lines, disputes, remittances and block-volume reviews — all scoped to the caller's
organisation. Each action finds the record through the scope first (404), checks the capability
(403), then calls one service (invalid transitions → 400)."""

import io
import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from invoicing import services
from invoicing.models import BlockVolumeReview, Invoice, InvoiceDispute, InvoiceLine, Remittance
from portal.api.pagination import PortalCursorPagination
from portal.api.viewsets import ScopedCreateReadViewSet, ScopedReadOnlyViewSet
from portal.exports import SafeDictWriter
from portal.roles import Capability
from schemes.models import BlockVolume

from .filters import (
    BlockVolumeFilter,
    BlockVolumeReviewFilter,
    InvoiceDisputeFilter,
    InvoiceFilter,
    InvoiceLineFilter,
    RemittanceFilter,
)
from .serializers import (
    BlockVolumeReviewSerializer,
    BlockVolumeSerializer,
    DisputeRequestSerializer,
    GenerateSerializer,
    InvoiceDisputeSerializer,
    InvoiceLineSerializer,
    InvoiceSerializer,
    PaymentSerializer,
    RemittanceSerializer,
    ResolveSerializer,
    ReviewDecisionSerializer,
    SubmitSerializer,
    WithdrawSerializer,
)

# Running an invoice (generate, regenerate) is open to the council's commissioners and the
# provider's managers alike; every other action needs the one capability it names.
EITHER_SIDE = (Capability.COMMISSION, Capability.PROVIDER_MANAGE)


class ScheduleCSVRenderer(BaseRenderer):
    """The detail schedule as CSV (`?format=csv`): one row per line, the breakdown as JSON text."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        rows = data if isinstance(data, list) else [data]
        buffer = io.StringIO()
        if rows and isinstance(rows[0], dict):
            writer = SafeDictWriter(buffer, fieldnames=list(rows[0]))
            writer.writeheader()
            for row in rows:
                writer.writerow(
                    {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in row.items()}
                )
        return buffer.getvalue().encode(self.charset)


class InvoiceLineCursorPagination(PortalCursorPagination):
    ordering = "id"


class InvoiceViewSet(ScopedReadOnlyViewSet, prefix="invoices", basename="invoice"):
    """Invoices: one per contract and payment period (and the parts a dispute splits one into)."""

    queryset = Invoice.objects.select_related("contract", "commissioner", "provider")
    serializer_class = InvoiceSerializer
    filterset_class = InvoiceFilter
    ordering_fields = ["period_start", "number", "id", "net_total"]
    ordering = ["-period_start", "number"]
    action_capabilities = {
        "generate": EITHER_SIDE,
        "regenerate": EITHER_SIDE,
        "submit": Capability.PROVIDER_MANAGE,
        "withdraw": Capability.PROVIDER_MANAGE,
        "interest": Capability.PROVIDER_MANAGE,
        "approve": Capability.COMMISSION,
        "dispute": Capability.COMMISSION,
        "pay": Capability.COMMISSION,
    }

    def _done(self, invoice, code=status.HTTP_200_OK):
        invoice = self.get_queryset().get(pk=invoice.pk)
        return Response(InvoiceSerializer(invoice, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=GenerateSerializer, responses={200: InvoiceSerializer, 201: InvoiceSerializer})
    @action(detail=False, methods=["post"])
    def generate(self, request):
        """Run the invoice for a contract and period now (idempotent: an unchanged draft stays as it is)."""
        data = self.action_input(GenerateSerializer)
        result = services.invoice_generate(
            contract_id=data["contract"].pk,
            period_start=data["period_start"],
            actor=request.user,
        )
        return self._done(result.invoice, status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)

    @extend_schema(request=None, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def regenerate(self, request, pk=None):
        invoice = self.get_object()
        return self._done(services.invoice_regenerate(actor=request.user, invoice=invoice).invoice)

    @extend_schema(request=SubmitSerializer, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        invoice = self.get_object()
        data = self.action_input(SubmitSerializer)
        return self._done(services.invoice_submit(actor=request.user, invoice=invoice, **data))

    @extend_schema(request=WithdrawSerializer, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw a submitted invoice the council has not decided on; the response is the new
        revision (a draft, worked out again) to check and submit."""
        invoice = self.get_object()
        data = self.action_input(WithdrawSerializer)
        return self._done(services.invoice_withdraw(actor=request.user, invoice=invoice, **data))

    @extend_schema(request=None, responses={201: InvoiceSerializer, 200: InvoiceSerializer})
    @action(detail=True, methods=["post"])
    def interest(self, request, pk=None):
        """Raise the late-payment interest invoice on an invoice the council paid late (a draft to
        submit); 200 with the one already raised."""
        invoice = self.get_object()
        already = Invoice.objects.filter(interest_on=invoice).exists()
        raised = services.interest_invoice_raise(actor=request.user, invoice=invoice)
        return self._done(raised, status.HTTP_200_OK if already else status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve for payment; lines carried as disputed from the start are split off first and the
        undisputed part (returned) is approved."""
        invoice = self.get_object()
        return self._done(services.invoice_approve(actor=request.user, invoice=invoice))

    @extend_schema(request=DisputeRequestSerializer, responses=InvoiceDisputeSerializer)
    @action(detail=True, methods=["post"])
    def dispute(self, request, pk=None):
        """Dispute lines, each with a reason: the invoice is replaced by a disputed and an undisputed part."""
        invoice = self.get_object()
        data = self.action_input(DisputeRequestSerializer)
        lines = {row["line"]: row["reason"] for row in data["lines"]}
        result = services.invoice_dispute(
            actor=request.user, invoice=invoice, lines=lines, reason=data["reason"]
        )
        return Response(InvoiceDisputeSerializer(result.dispute).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PaymentSerializer, responses=RemittanceSerializer)
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        invoice = self.get_object()
        data = self.action_input(PaymentSerializer)
        remittance = services.invoice_record_payment(actor=request.user, invoice=invoice, **data)
        return Response(RemittanceSerializer(remittance).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"], required=False)],
        responses={
            (200, "application/json"): InvoiceLineSerializer(many=True),
            (200, "text/csv"): OpenApiTypes.STR,
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="detail-schedule",
        renderer_classes=[JSONRenderer, ScheduleCSVRenderer],
        # Every line in one answer, not a page: documented so. Its lines name people, so the
        # access log records the read as of invoice lines.
        pagination_class=None,
        serializer_class=InvoiceLineSerializer,
    )
    def detail_schedule(self, request, pk=None, format=None):
        """The invoice detail schedule, every line, as JSON or (`?format=csv`) CSV."""
        invoice = self.get_object()
        lines = (
            InvoiceLine.objects.visible_to(request.user)
            .filter(invoice=invoice)
            .select_related("order", "order__service_user", "scheme")
            .order_by("position")
        )
        return Response(InvoiceLineSerializer(lines, many=True).data)


class InvoiceLineViewSet(ScopedReadOnlyViewSet, prefix="invoice-lines", basename="invoice-line"):
    """Invoice lines across the caller's invoices (cursor-paged), each with how it was worked out."""

    queryset = InvoiceLine.objects.select_related("order", "order__service_user", "scheme")
    serializer_class = InvoiceLineSerializer
    filterset_class = InvoiceLineFilter
    pagination_class = InvoiceLineCursorPagination
    ordering_fields = ["id"]


class InvoiceDisputeViewSet(ScopedReadOnlyViewSet, prefix="invoice-disputes", basename="invoice-dispute"):
    """Disputes of invoices and how they were resolved."""

    queryset = InvoiceDispute.objects.select_related("invoice")
    serializer_class = InvoiceDisputeSerializer
    filterset_class = InvoiceDisputeFilter
    ordering_fields = ["raised_at", "id"]
    ordering = ["-raised_at"]
    action_capabilities = {"resolve": Capability.COMMISSION}

    @extend_schema(request=ResolveSerializer, responses=InvoiceDisputeSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        dispute = self.get_object()
        data = self.action_input(ResolveSerializer)
        dispute = services.dispute_resolve(actor=request.user, dispute=dispute, **data)
        return Response(InvoiceDisputeSerializer(dispute).data)


class RemittanceViewSet(ScopedReadOnlyViewSet, prefix="remittances", basename="remittance"):
    """Remittance advice for payments made."""

    queryset = Remittance.objects.select_related("invoice")
    serializer_class = RemittanceSerializer
    filterset_class = RemittanceFilter
    ordering_fields = ["paid_on", "id"]
    ordering = ["-paid_on", "-id"]


class BlockVolumeReviewViewSet(ScopedReadOnlyViewSet, prefix="block-reviews", basename="block-review"):
    """Derby's quarterly block-volume reviews."""

    queryset = BlockVolumeReview.objects.select_related("contract")
    serializer_class = BlockVolumeReviewSerializer
    filterset_class = BlockVolumeReviewFilter
    ordering_fields = ["quarter_start", "id"]
    ordering = ["-quarter_start"]
    action_capabilities = {"decide": Capability.COMMISSION}

    @extend_schema(request=ReviewDecisionSerializer, responses=BlockVolumeReviewSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        review = self.get_object()
        data = self.action_input(ReviewDecisionSerializer)
        review = services.block_review_decide(actor=request.user, review=review, **data)
        return Response(BlockVolumeReviewSerializer(review).data)


class BlockVolumeViewSet(ScopedCreateReadViewSet, prefix="block-volumes", basename="block-volume"):
    """Block contracts' agreed volumes (weekly hours from a date) `[002 App. 4]`: both sides read,
    the council records one (agreed at award or in writing); an accepted review records its own."""

    queryset = BlockVolume.objects.select_related("contract")
    serializer_class = BlockVolumeSerializer
    filterset_class = BlockVolumeFilter
    write_capability = Capability.COMMISSION
    ordering_fields = ["effective_from", "id"]
    ordering = ["contract", "-effective_from"]
    create_service = staticmethod(services.block_volume_record)
    organisation_arg = None
