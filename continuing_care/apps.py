from django.apps import AppConfig


class ContinuingCareConfig(AppConfig):
    name = "continuing_care"
    verbose_name = "Children's continuing care (NHS)"
