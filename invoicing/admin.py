"""Admin pages for invoicing. Invoices are care records: the portal operator sees none of them
(the querysets go through `visible_to`); only the contracts' invoicing terms are reference data."""

from django.contrib import admin

from portal.admin import TenantModelAdmin

from .models import (
    BankBaseRate,
    BlockVolumeReview,
    Invoice,
    InvoiceDispute,
    InvoiceLine,
    InvoicingTerms,
    Remittance,
)


class ReadOnlyAdmin(TenantModelAdmin):
    """Invoices change only through the services (audited); the admin shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InvoicingTerms)
class InvoicingTermsAdmin(TenantModelAdmin):
    list_display = [
        "contract",
        "vat_code",
        "submission_working_days",
        "payment_days",
        "tolerance_percent",
        "package_tolerance_hours",
        "block_review_threshold_percent",
    ]


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "period_start", "status", "net_total"]
    list_filter = ["kind", "status"]


@admin.register(InvoiceLine)
class InvoiceLineAdmin(ReadOnlyAdmin):
    list_display = ["invoice", "position", "kind", "quantity", "rate", "net_amount"]


@admin.register(InvoiceDispute)
class InvoiceDisputeAdmin(ReadOnlyAdmin):
    list_display = ["invoice", "disputed_amount", "outcome", "raised_at"]


@admin.register(Remittance)
class RemittanceAdmin(ReadOnlyAdmin):
    list_display = ["number", "paid_on", "amount"]


@admin.register(BlockVolumeReview)
class BlockVolumeReviewAdmin(ReadOnlyAdmin):
    list_display = ["contract", "quarter_start", "current_weekly_hours", "average_weekly_hours", "outcome"]


@admin.register(BankBaseRate)
class BankBaseRateAdmin(admin.ModelAdmin):
    """Reference data: the Bank of England base rate, kept up to date by the portal's operator."""

    list_display = ["effective_from", "rate_percent", "note"]
