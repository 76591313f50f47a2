from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = "Framework membership and call-off competitions"

    def ready(self):
        from portal.tenancy import widen_provider_scope
        from schemes.models import Scheme

        from .models import biddable_schemes

        # A provider sees the schemes of the call-offs it may bid for (schemes cannot import us).
        widen_provider_scope(Scheme, biddable_schemes)
