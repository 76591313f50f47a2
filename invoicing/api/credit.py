"""Credit notes in the API `[004 App. 6 §4.4 b, §5]`: both sides list and read their own; the
council raises one on a paid invoice (POST); the provider agrees it (`agree`). Set-off happens when
the provider's next invoice is approved or paid, through the invoice actions."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from invoicing import services
from invoicing.models import (
    CreditNote,
    CreditNoteLine,
    CreditNoteReason,
    CreditNoteRecovery,
    Invoice,
    InvoiceLine,
)
from portal.api.fields import ScopedPrimaryKeyRelatedField
from portal.api.viewsets import ScopedCreateReadViewSet
from portal.roles import Capability

from .filters import CreditNoteFilter
from .serializers import InvoicingSerializer


class CreditNoteLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = CreditNoteLine
        fields = ["position", "invoice_line", "description", "amount"]
        read_only_fields = fields


class CreditNoteRecoverySerializer(serializers.ModelSerializer):
    invoice_number = serializers.CharField(source="invoice.number", read_only=True, default=None)
    total = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = CreditNoteRecovery
        fields = [
            "invoice",
            "invoice_number",
            "recovered_on",
            "principal",
            "interest",
            "total",
            "interest_explanation",
            "payment_reference",
        ]
        read_only_fields = fields


class CreditedLineSerializer(serializers.Serializer):
    line = ScopedPrimaryKeyRelatedField(queryset=InvoiceLine.objects.all())
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        help_text="Part of the line credited; empty: the whole line.",
    )


class CreditNoteSerializer(InvoicingSerializer):
    """A credit note on a paid invoice. To raise one, give the invoice, the reason, what is credited
    and why (`explanation`), and an `amount`, or `credited_lines`, or both."""

    invoice = ScopedPrimaryKeyRelatedField(queryset=Invoice.objects.all())
    contract_reference = serializers.CharField(source="contract.reference", read_only=True)
    lines = CreditNoteLineSerializer(many=True, read_only=True)
    recoveries = CreditNoteRecoverySerializer(many=True, read_only=True)
    outstanding = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    reason = serializers.ChoiceField(choices=CreditNoteReason.choices)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    credited_lines = CreditedLineSerializer(many=True, write_only=True, required=False)

    class Meta:
        model = CreditNote
        fields = [
            "id",
            "number",
            "invoice",
            "invoice_number",
            "contract",
            "contract_reference",
            "reason",
            "explanation",
            "charges_interest",
            "amount",
            "credited_lines",
            "paid_on",
            "status",
            "principal_recovered",
            "interest_recovered",
            "outstanding",
            "lines",
            "recoveries",
            "issued_at",
            "closed_on",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "number",
            "invoice_number",
            "contract",
            "contract_reference",
            "charges_interest",
            "paid_on",
            "status",
            "principal_recovered",
            "interest_recovered",
            "outstanding",
            "lines",
            "recoveries",
            "issued_at",
            "closed_on",
            "created_at",
        ]


def _raise(*, actor, invoice, reason, explanation, amount=None, credited_lines=()):
    return services.credit_note_raise(
        actor=actor,
        invoice=invoice,
        reason=reason,
        explanation=explanation,
        amount=amount,
        lines={row["line"].pk: row["amount"] for row in credited_lines},
    )


class CreditNoteViewSet(ScopedCreateReadViewSet, prefix="credit-notes", basename="credit-note"):
    """Credit notes: money the council paid and recovers by set-off against the provider's next
    invoices, or by repayment. The council raises them; the provider agrees them."""

    queryset = CreditNote.objects.select_related("invoice", "contract").prefetch_related(
        "lines", "recoveries", "recoveries__invoice"
    )
    serializer_class = CreditNoteSerializer
    filterset_class = CreditNoteFilter
    write_capability = Capability.COMMISSION
    action_capabilities = {"agree": Capability.PROVIDER_MANAGE}
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]
    create_service = staticmethod(_raise)
    organisation_arg = None

    @extend_schema(request=None, responses=CreditNoteSerializer)
    @action(detail=True, methods=["post"])
    def agree(self, request, pk=None):
        """The provider agrees the credit note: it is set against its next invoice on the contract."""
        note = services.credit_note_agree(actor=request.user, credit_note=self.get_object())
        note = self.get_queryset().get(pk=note.pk)
        return Response(
            CreditNoteSerializer(note, context=self.get_serializer_context()).data, status=status.HTTP_200_OK
        )
