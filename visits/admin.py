from django.contrib import admin

from portal.admin import TenantModelAdmin

from .models import Visit


@admin.register(Visit)
class VisitAdmin(TenantModelAdmin):
    """Care records: the operator's admin sees none (visible_to answers nothing for it)."""

    list_display = ["scheduled_start", "order", "carer_reference", "status", "provider", "commissioner"]
    list_filter = ["status", "verification", "source"]
    raw_id_fields = ["order", "provider", "commissioner"]
