"""The TUPE legacy-costs API `[004 App. 3 §8]`: the Legacy Staff, the agreements of the list, the
LGPS figures and the quarterly legacy-cost invoices — all scoped to the caller's organisation."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from invoicing.api.serializers import InvoiceSerializer
from invoicing.models import Invoice, InvoiceKind
from legacy_costs import services
from legacy_costs.models import LegacyStaffAgreement, LegacyStaffMember, LgpsFigure
from portal.api.viewsets import ScopedCreateReadViewSet, ScopedReadOnlyViewSet, ServiceUpsertMixin
from portal.roles import Capability

from .serializers import (
    LegacyStaffAgreementSerializer,
    LegacyStaffMemberSerializer,
    LgpsFigureSerializer,
    RaiseSerializer,
    StaffEndSerializer,
)

# The Legacy Staff and their figures are kept by either side of the contract (the provider
# informs the council, the council audits) `[004 App. 3 §8]`; the council agrees the list.
EITHER_SIDE = (Capability.COMMISSION, Capability.PROVIDER_MANAGE)


class LegacyStaffViewSet(ScopedCreateReadViewSet, prefix="legacy-staff", basename="legacy-staff"):
    """The Legacy Staff of the caller's contracts."""

    queryset = LegacyStaffMember.objects.select_related("contract")
    serializer_class = LegacyStaffMemberSerializer
    write_capability = EITHER_SIDE
    action_capabilities = {"end": EITHER_SIDE}
    ordering = ["contract", "reference"]
    create_service = staticmethod(services.legacy_staff_add)
    organisation_arg = None

    @extend_schema(request=StaffEndSerializer, responses=LegacyStaffMemberSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """Record the last day in a TUPE'd role (promoted, moved, left): legacy costs stop after it."""
        member = self.get_object()
        data = self.action_input(StaffEndSerializer)
        member = services.legacy_staff_end(actor=request.user, staff_member=member, **data)
        return Response(LegacyStaffMemberSerializer(member, context=self.get_serializer_context()).data)


class LegacyStaffAgreementViewSet(
    ScopedCreateReadViewSet, prefix="legacy-staff-agreements", basename="legacy-staff-agreement"
):
    """Agreements of the list: at the contract's start and at each year's third-quarter review."""

    queryset = LegacyStaffAgreement.objects.select_related("contract", "agreed_by")
    serializer_class = LegacyStaffAgreementSerializer
    write_capability = Capability.COMMISSION
    ordering = ["contract", "-contract_year", "-agreed_at"]
    create_service = staticmethod(services.legacy_staff_list_agree)
    organisation_arg = None


class LgpsFigureViewSet(
    ServiceUpsertMixin, ScopedCreateReadViewSet, prefix="lgps-figures", basename="lgps-figure"
):
    """LGPS employer-contribution figures per person and contract year (201 new, 200 corrected)."""

    queryset = LgpsFigure.objects.select_related("staff_member")
    serializer_class = LgpsFigureSerializer
    write_capability = EITHER_SIDE
    ordering = ["staff_member", "contract_year", "kind"]
    create_service = staticmethod(services.lgps_figure_record)
    organisation_arg = None


class LegacyInvoiceViewSet(ScopedReadOnlyViewSet, prefix="legacy-invoices", basename="legacy-invoice"):
    """The quarterly legacy-cost invoices; submitted, approved and paid through /invoices/."""

    queryset = Invoice.objects.select_related("contract", "commissioner", "provider")
    serializer_class = InvoiceSerializer
    ordering = ["-period_start"]
    action_capabilities = {"raise_quarter": EITHER_SIDE}

    def refine_queryset(self, queryset):
        return queryset.filter(kind=InvoiceKind.LEGACY)

    @extend_schema(request=RaiseSerializer, responses={200: InvoiceSerializer, 201: InvoiceSerializer})
    @action(detail=False, methods=["post"], url_path="raise", url_name="raise")
    def raise_quarter(self, request):
        """Raise (or bring up to date, while a draft) the legacy-cost invoice of the contract quarter
        holding `period_start`; raised again with nothing changed, it answers 200 unchanged."""
        data = self.action_input(RaiseSerializer)
        result = services.legacy_invoice_raise(
            actor=request.user, contract=data["contract"], period_start=data["period_start"]
        )
        invoice = self.get_queryset().get(pk=result.invoice.pk)
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(InvoiceSerializer(invoice, context=self.get_serializer_context()).data, status=code)
