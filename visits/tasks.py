"""Celery tasks for visits. Tasks take ids, call one service, and set both time limits."""

from celery import shared_task


@shared_task(name="visits.raise_late_visit_alerts", soft_time_limit=100, time_limit=120)
def raise_late_visit_alerts() -> int:
    from .services import late_visit_alerts_raise

    return late_visit_alerts_raise()
