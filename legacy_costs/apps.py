from django.apps import AppConfig


class LegacyCostsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "legacy_costs"
    verbose_name = "TUPE legacy costs"
