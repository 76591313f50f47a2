from django.contrib import admin

from portal.admin import TenantModelAdmin

from .models import KpiDefinition


@admin.register(KpiDefinition)
class KpiDefinitionAdmin(TenantModelAdmin):
    """KPI definitions are reference data: the operator sets them up with the council."""

    list_display = [
        "code",
        "title",
        "lot",
        "commissioner",
        "unit",
        "obtained",
        "direction",
        "target",
        "is_active",
    ]
    list_filter = ["commissioner", "obtained", "unit", "is_active"]
    search_fields = ["code", "title"]
