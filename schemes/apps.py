from django.apps import AppConfig


class SchemesConfig(AppConfig):
    name = "schemes"
    verbose_name = "Frameworks, lots, schemes and contracts"

    def ready(self):
        from portal.models import register_partner_source

        from .models import partner_ids

        # Organisations see the names of those they hold a contract or a lot membership with.
        register_partner_source(partner_ids)
