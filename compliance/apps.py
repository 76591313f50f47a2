from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Provider compliance (registration, insurance, policies, capacity)"
