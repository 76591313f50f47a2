from django.contrib import admin

from portal.admin import TenantModelAdmin

from .models import LotEntryCriterion


@admin.register(LotEntryCriterion)
class LotEntryCriterionAdmin(TenantModelAdmin):
    list_display = ["lot", "route", "requirement", "policy_kind", "text"]
    list_filter = ["lot__framework", "requirement"]
