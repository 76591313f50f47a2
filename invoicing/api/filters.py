from typing import Any

import django_filters
from django.db.models import QuerySet

from invoicing.models import (
    BlockVolumeReview,
    CreditNote,
    CreditNoteReason,
    CreditNoteStatus,
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
from schemes.models import BlockVolume, Contract

OPEN = "open"  # not yet settled: neither paid, upheld as not payable, nor split into parts
SETTLED_STATUSES = (InvoiceStatus.PAID, InvoiceStatus.NOT_PAYABLE, InvoiceStatus.SPLIT)


def _contracts(request: Any) -> QuerySet[Contract]:
    return Contract.objects.visible_to(getattr(request, "user", None)).order_by("reference")


class InvoiceFilter(PortalFilterSet):
    """One FilterSet for the invoices endpoint and the invoices page."""

    status = django_filters.ChoiceFilter(
        choices=[(OPEN, "Not yet settled"), *InvoiceStatus.choices],
        method="filter_status",
        label="Status",
        empty_label="All",
    )
    contract = django_filters.ModelChoiceFilter(queryset=_contracts, label="Contract", empty_label="All")
    kind = django_filters.ChoiceFilter(choices=InvoiceKind.choices)
    period_from = django_filters.DateFilter(field_name="period_start", lookup_expr="gte")
    period_to = django_filters.DateFilter(field_name="period_start", lookup_expr="lte")

    class Meta:
        model = Invoice
        fields = ["commissioner", "provider", "kind", "period_start", "number"]

    def filter_status(self, queryset: QuerySet[Invoice], name: str, value: str) -> QuerySet[Invoice]:
        if value == OPEN:
            return queryset.exclude(status__in=SETTLED_STATUSES)
        return queryset.filter(status=value)


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


class BlockVolumeFilter(PortalFilterSet):
    class Meta:
        model = BlockVolume
        fields = ["contract", "effective_from", "source"]


class CreditNoteFilter(PortalFilterSet):
    """One FilterSet for the credit-notes endpoint and the credit notes page."""

    status = django_filters.ChoiceFilter(choices=CreditNoteStatus.choices)
    reason = django_filters.ChoiceFilter(choices=CreditNoteReason.choices)
    contract = django_filters.ModelChoiceFilter(queryset=_contracts)

    class Meta:
        model = CreditNote
        fields = ["status", "reason", "contract", "invoice"]
