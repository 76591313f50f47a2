from django.contrib import admin

from portal.admin import TenantModelAdmin

from .models import InsuranceRequirement


@admin.register(InsuranceRequirement)
class InsuranceRequirementAdmin(TenantModelAdmin):
    list_display = ["commissioner", "kind", "minimum_cover", "source"]
    list_filter = ["commissioner", "kind"]
