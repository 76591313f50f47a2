from decimal import Decimal

from django.db import migrations

# The National Living Wage (age 21 and over), each from 1 April; the site administrator adds later
# rates in the admin.
RATES = [
    ("2024-04-01", "11.44"),
    ("2025-04-01", "12.21"),
    ("2026-04-01", "12.71"),
]


def seed_rates(apps, schema_editor):
    NationalLivingWage = apps.get_model("legacy_costs", "NationalLivingWage")
    for effective_from, rate in RATES:
        NationalLivingWage.objects.get_or_create(
            effective_from=effective_from,
            defaults={"hourly_rate": Decimal(rate), "note": "National Living Wage (21 and over)"},
        )


def unseed_rates(apps, schema_editor):
    NationalLivingWage = apps.get_model("legacy_costs", "NationalLivingWage")
    NationalLivingWage.objects.filter(effective_from__in=[day for day, _ in RATES]).delete()


class Migration(migrations.Migration):
    dependencies = [("legacy_costs", "0001_legacy_staff_agreements_lgps_figures_nlw")]

    operations = [migrations.RunPython(seed_rates, unseed_rates)]
