from django.apps import AppConfig


class SchemesConfig(AppConfig):
    name = "schemes"
    verbose_name = "Frameworks, lots, schemes and contracts"

    def ready(self):
        from portal.models import register_partner_source

        from .models import contract_partners

        register_partner_source(contract_partners)
