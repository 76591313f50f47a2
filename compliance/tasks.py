"""Periodic compliance checks. Tasks take ids, call one service, nothing else."""

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(name="compliance.raise_expiry_alerts", soft_time_limit=540, time_limit=600)
def raise_expiry_alerts() -> int:
    """Items expiring within 30 days and overdue items (insurance, policies, training) → alerts."""
    return services.compliance_alerts_raise(today=timezone.localdate())
