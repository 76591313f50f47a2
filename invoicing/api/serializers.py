from rest_framework import serializers

from invoicing.models import (
    BlockVolumeReview,
    DisputeOutcome,
    Invoice,
    InvoiceDispute,
    InvoiceLine,
    Remittance,
)
from invoicing.selectors import block_payment_hold
from portal.api.fields import ScopedPrimaryKeyRelatedField
from portal.api.serializers import PortalModelSerializer
from schemes.models import BlockVolume, Contract


# Names the contract and the invoice a record belongs to, for serializers that list them.
class InvoicingSerializer(PortalModelSerializer):
    contract_reference = serializers.CharField(source="contract.reference", read_only=True)
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)


class InvoiceLineSerializer(serializers.ModelSerializer):
    order_reference = serializers.CharField(
        source="order.reference", read_only=True, default=None, allow_null=True
    )
    service_user_reference = serializers.CharField(
        source="order.service_user.reference", read_only=True, default=None, allow_null=True
    )
    service_user_name = serializers.CharField(
        source="order.service_user.name", read_only=True, default=None, allow_null=True
    )
    scheme_name = serializers.CharField(source="scheme.name", read_only=True, default=None, allow_null=True)

    class Meta:
        model = InvoiceLine
        fields = [
            "id",
            "invoice",
            "position",
            "kind",
            "description",
            "order",
            "order_reference",
            "service_user_reference",
            "service_user_name",
            "scheme",
            "scheme_name",
            "week_start",
            "week_end",
            "commissioned_minutes",
            "delivered_minutes",
            "paid_not_delivered_minutes",
            "retainer_minutes",
            "allowance_minutes",
            "unauthorised_minutes",
            "delivered_hours",
            "quantity",
            "unit",
            "rate",
            "net_amount",
            "vat_code",
            "vat_rate",
            "vat_amount",
            "disputed",
            "dispute_reason",
            "review_flag",
            "review_note",
            "breakdown",
            "source_line",
        ]


class InvoiceSerializer(InvoicingSerializer):
    undisputed_total = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    net_payable = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, help_text="The gross less the credit notes set off."
    )
    payment_hold = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "kind",
            "contract",
            "contract_reference",
            "commissioner",
            "commissioner_name",
            "provider",
            "provider_name",
            "period_start",
            "period_end",
            "revision",
            "part",
            "parent",
            "status",
            "submission_due_on",
            "submitted_at",
            "is_late",
            "late_reason",
            "received_on",
            "payment_due_on",
            "payment_hold",
            "approved_at",
            "paid_on",
            "net_total",
            "vat_total",
            "gross_total",
            "disputed_total",
            "undisputed_total",
            "set_off_total",
            "net_payable",
            "generated_at",
            "withdrawn_at",
            "withdrawn_reason",
            "interest_on",
        ]
        read_only_fields = fields

    def get_payment_hold(self, invoice: Invoice) -> dict | None:
        """A block whose payment follows monitoring: when it falls due and why `[002 App. 4 (b)]`."""
        hold = block_payment_hold(invoice)
        if hold is None:
            return None
        return {
            "held": hold.held,
            "due_on": hold.due_on.isoformat() if hold.due_on else None,
            "reason": hold.reason,
        }


class GenerateSerializer(serializers.Serializer):
    contract = ScopedPrimaryKeyRelatedField(queryset=Contract.objects.all())
    period_start = serializers.DateField(help_text="The first day of the payment period (or the quarter).")


class SubmitSerializer(serializers.Serializer):
    late_reason = serializers.CharField(required=False, allow_blank=True, default="")


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField()


class DisputedLineSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    reason = serializers.CharField()


class DisputeRequestSerializer(serializers.Serializer):
    lines = DisputedLineSerializer(many=True, allow_empty=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class PaymentSerializer(serializers.Serializer):
    paid_on = serializers.DateField()
    payment_reference = serializers.CharField(max_length=60)


class InvoiceDisputeSerializer(InvoicingSerializer):
    class Meta:
        model = InvoiceDispute
        fields = [
            "id",
            "invoice",
            "invoice_number",
            "undisputed_invoice",
            "disputed_invoice",
            "reason",
            "disputed_amount",
            "raised_at",
            "outcome",
            "resolved_at",
            "resolution_note",
        ]
        read_only_fields = fields


class ResolveSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[DisputeOutcome.UPHELD, DisputeOutcome.PAID])
    note = serializers.CharField()


class RemittanceSerializer(InvoicingSerializer):
    class Meta:
        model = Remittance
        fields = [
            "id",
            "number",
            "invoice",
            "invoice_number",
            "paid_on",
            "amount",
            "payment_reference",
            "created_at",
        ]
        read_only_fields = fields


class BlockVolumeReviewSerializer(InvoicingSerializer):
    class Meta:
        model = BlockVolumeReview
        fields = [
            "id",
            "contract",
            "contract_reference",
            "quarter_start",
            "quarter_end",
            "window_start",
            "window_end",
            "current_weekly_hours",
            "average_weekly_hours",
            "difference_percent",
            "threshold_percent",
            "rate",
            "weeks",
            "current_amount",
            "proposed_weekly_hours",
            "proposed_amount",
            "outcome",
            "effective_from",
            "volume",
            "signed_difference",
            "by_scheme",
            "decided_at",
            "decision_reason",
        ]
        read_only_fields = fields

    signed_difference = serializers.CharField(read_only=True)
    by_scheme = serializers.JSONField(source="breakdown.schemes", read_only=True, default=list)


class ReviewDecisionSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    effective_from = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Accepting: the date the updated volume applies from (default: the next quarter).",
    )


class BlockVolumeSerializer(InvoicingSerializer):
    """A block contract's agreed volume from a date `[002 App. 4]`: recorded by the council."""

    contract = ScopedPrimaryKeyRelatedField(queryset=Contract.objects.all())
    source = serializers.CharField(read_only=True)
    invoice_number = None  # type: ignore[assignment]

    class Meta:
        model = BlockVolume
        fields = ["id", "contract", "contract_reference", "effective_from", "weekly_hours", "source", "note"]
        read_only_fields = ["id", "contract_reference", "source"]
