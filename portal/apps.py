from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal (organisations, people, audit)"

    def ready(self) -> None:
        # Each app's hooks.py registers its navigation, dashboard panels and demo data.
        autodiscover_modules("hooks")
        from . import panels  # noqa: F401 - the shell's own navigation and panels

        # Each app's alerts.py declares the alert kinds it raises (portal.alerts registry).
        autodiscover_modules("alerts")
        from .accounts import receivers  # noqa: F401 - second-factor signals from allauth
