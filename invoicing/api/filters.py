import django_filters

from invoicing.models import (
    BlockVolumeReview,
    DisputeOutcome,
    Invoice,
    InvoiceDispute,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
    Remittance,
    ReviewOutcome,
)
from portal.api.filters import PortalFilterSet


class InvoiceFilter(PortalFilterSet):
    status = django_filters.ChoiceFilter(choices=InvoiceStatus.choices)
    kind = django_filters.ChoiceFilter(choices=InvoiceKind.choices)
    period_from = django_filters.DateFilter(field_name="period_start", lookup_expr="gte")
    period_to = django_filters.DateFilter(field_name="period_start", lookup_expr="lte")

    class Meta:
        model = Invoice
        fields = ["contract", "commissioner", "provider", "status", "kind", "period_start", "number"]


class InvoiceLineFilter(PortalFilterSet):
    kind = django_filters.ChoiceFilter(choices=LineKind.choices)

    class Meta:
        model = InvoiceLine
        fields = ["invoice", "order", "kind", "week_start", "disputed", "review_flag"]


class InvoiceDisputeFilter(PortalFilterSet):
    outcome = django_filters.ChoiceFilter(choices=DisputeOutcome.choices)

    class Meta:
        model = InvoiceDispute
        fields = ["invoice", "outcome"]


class RemittanceFilter(PortalFilterSet):
    paid_from = django_filters.DateFilter(field_name="paid_on", lookup_expr="gte")
    paid_to = django_filters.DateFilter(field_name="paid_on", lookup_expr="lte")

    class Meta:
        model = Remittance
        fields = ["invoice"]


class BlockVolumeReviewFilter(PortalFilterSet):
    outcome = django_filters.ChoiceFilter(choices=ReviewOutcome.choices)

    class Meta:
        model = BlockVolumeReview
        fields = ["contract", "quarter_start", "outcome"]
