from django.contrib import admin

from portal.admin import TenantModelAdmin

from .models import UploadJob, Visit


@admin.register(Visit)
class VisitAdmin(TenantModelAdmin):
    """Care records: the operator's admin sees none (visible_to answers nothing for it)."""

    list_display = ["scheduled_start", "order", "carer_reference", "status", "provider", "commissioner"]
    list_filter = ["status", "verification", "source"]
    raw_id_fields = ["order", "provider", "commissioner"]


@admin.register(UploadJob)
class UploadJobAdmin(TenantModelAdmin):
    list_display = ["created_at", "original_name", "kind", "status", "rows_read", "rows_rejected"]
    list_filter = ["kind", "status"]
    readonly_fields = ["errors"]
