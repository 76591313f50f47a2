from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal (organisations, people, audit)"

    def ready(self):
        # Each app's hooks.py registers its navigation, dashboard panels and demo data.
        autodiscover_modules("hooks")
