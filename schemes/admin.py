from django.contrib import admin

from portal.admin import TenantModelAdmin, tabular_inline

from .models import Contract, ContractRate, Framework, Lot, Scheme, SchemeUnitGroup, SchemeUnplannedHours


@admin.register(Framework)
class FrameworkAdmin(TenantModelAdmin):
    list_display = ["name", "commissioner", "is_open", "start_date", "end_date"]
    list_filter = ["commissioner", "is_open"]
    inlines = [tabular_inline(Lot)]


@admin.register(Lot)
class LotAdmin(TenantModelAdmin):
    list_display = ["number", "name", "framework"]
    list_filter = ["framework"]


@admin.register(Scheme)
class SchemeAdmin(TenantModelAdmin):
    list_display = ["name", "lot", "landlord", "address", "unplanned_hours_per_week"]
    list_filter = ["lot__framework", "lot"]
    search_fields = ["name", "landlord", "postcode"]
    inlines = [tabular_inline(SchemeUnitGroup)]


@admin.register(Contract)
class ContractAdmin(TenantModelAdmin):
    list_display = ["reference", "commissioner", "provider", "lot", "payment_model", "start_date", "end_date"]
    list_filter = ["commissioner", "payment_model"]
    search_fields = ["reference", "provider__name"]
    filter_horizontal = ["schemes"]
    inlines = [tabular_inline(ContractRate), tabular_inline(SchemeUnplannedHours)]
