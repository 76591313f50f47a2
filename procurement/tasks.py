"""Periodic call-off checks. Tasks take ids, call one service, nothing else."""

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(name="procurement.alert_closed_calloffs", soft_time_limit=240, time_limit=300)
def alert_closed_calloffs() -> int:
    """Tell councils which call-offs have closed with bids to score."""
    return services.calloffs_closed_alerts(now=timezone.now())
