"""Celery tasks for visits. Tasks take ids, call one service, and set both time limits."""

from celery import shared_task


@shared_task(name="visits.process_upload", soft_time_limit=55 * 60, time_limit=60 * 60, acks_late=True)
def process_upload(job_id: int, confirm: bool) -> str:
    """Check (confirm=False) or import a large upload through the streaming path."""
    from .uploads import run_job

    return run_job(job_id, confirm=confirm).status


@shared_task(name="visits.raise_late_visit_alerts", soft_time_limit=100, time_limit=120)
def raise_late_visit_alerts() -> int:
    from .services import late_visit_alerts_raise

    return late_visit_alerts_raise()


@shared_task(name="visits.raise_tolerance_alerts", soft_time_limit=25 * 60, time_limit=30 * 60)
def raise_tolerance_alerts() -> int:
    from .services import tolerance_alerts_raise

    return tolerance_alerts_raise()


@shared_task(name="visits.clear_stale_uploads", soft_time_limit=240, time_limit=300)
def clear_stale_uploads() -> int:
    from .uploads import uploads_clear_stale

    return uploads_clear_stale()
