"""Celery tasks for visits. Tasks take ids, call one service, and set both time limits."""

from celery import shared_task


@shared_task(name="visits.raise_late_visit_alerts", soft_time_limit=100, time_limit=120)
def raise_late_visit_alerts() -> int:
    from .services import late_visit_alerts_raise

    return late_visit_alerts_raise()


@shared_task(name="visits.generate_expected_visits", soft_time_limit=600, time_limit=660)
def generate_expected_visits() -> tuple[int, int]:
    from .services import expected_visits_generate

    return expected_visits_generate()
