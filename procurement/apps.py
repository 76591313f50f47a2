from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = "Framework membership and call-off competitions"

    def ready(self):
        from portal.models import register_partner_source

        from .models import memberships_partners

        # Commissioners see the names of the providers that applied to or joined their lots, and
        # providers see the councils whose frameworks they joined.
        register_partner_source(memberships_partners)
