"""Periodic checks. Tasks take ids, call one service, nothing else."""

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(name="continuing_care.raise_review_alerts", soft_time_limit=540, time_limit=600)
def raise_review_alerts() -> int:
    """Continuing-care eligibility reviews due within four weeks, or overdue → alerts to the commissioner."""
    return services.eligibility_review_alerts_raise(today=timezone.localdate())
