from django.contrib import admin

from .models import NationalLivingWage


@admin.register(NationalLivingWage)
class NationalLivingWageAdmin(admin.ModelAdmin):
    """Reference data: the National Living Wage from each April, kept up to date by the portal's
    operator; it caps the council's share of TUPE'd pay-rate differences [004 App. 3 §8]."""

    list_display = ["effective_from", "hourly_rate", "note"]
