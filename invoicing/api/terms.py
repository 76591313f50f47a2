"""A contract's invoicing terms over the API: read by both sides, set by the council."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from invoicing import services
from invoicing.models import InvoicingTerms
from portal.api.viewsets import ScopedAPIMixin
from portal.roles import Capability
from schemes.models import Contract


class InvoicingTermsSerializer(serializers.ModelSerializer):
    contract_reference = serializers.CharField(source="contract.reference", read_only=True)

    class Meta:
        model = InvoicingTerms
        fields = ["contract", "contract_reference", *services.TERMS_FIELDS]
        read_only_fields = ["contract"]


class InvoicingTermsViewSet(
    ScopedAPIMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
    prefix="invoicing-terms",
    basename="invoicing-terms",
):
    """A contract's invoicing terms, by the contract's id: VAT, when invoices are due, payment
    days, tolerance, block-review settings and where 4-weekly periods start. Terms never saved
    answer the payment model's defaults. PUT or PATCH (the council) sets them; drafts follow at
    their next run, submitted invoices keep theirs."""

    queryset = Contract.objects.select_related("invoicing_terms")
    serializer_class = InvoicingTermsSerializer
    write_capability = Capability.COMMISSION

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self.get_serializer(InvoicingTerms.for_contract(self.get_object())).data)

    @extend_schema(request=InvoicingTermsSerializer, responses=InvoicingTermsSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        contract = self.get_object()
        terms = InvoicingTerms.for_contract(contract)
        serializer = self.get_serializer(terms, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        saved = services.invoicing_terms_set(
            actor=request.user, contract=contract, **serializer.validated_data
        )
        return Response(self.get_serializer(saved).data)
