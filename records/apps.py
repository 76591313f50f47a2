from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = (
        "Operational records (alarm calls, complaints, incidents, surveys, voids, nominations, activities)"
    )
