"""Daily work for packages of care. Tasks take ids (none needed here), call one service, nothing else."""

import datetime as dt

from celery import shared_task

from . import services


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@shared_task(name="packages_of_care.advance_orders", soft_time_limit=540, time_limit=600)
def advance_orders(today: str | None = None) -> dict[str, int]:
    """Start accepted orders whose start date has come; end orders whose end date has passed."""
    return services.orders_advance(today=_day(today))


@shared_task(name="packages_of_care.raise_overdue_review_alerts", soft_time_limit=540, time_limit=600)
def raise_overdue_review_alerts(today: str | None = None) -> int:
    """Alert providers and brokerage to care plans whose review is overdue."""
    return services.care_plan_overdue_alerts(today=_day(today))


@shared_task(name="packages_of_care.raise_plan_agreement_alerts", soft_time_limit=540, time_limit=600)
def raise_plan_agreement_alerts(today: str | None = None) -> int:
    """Alert providers and brokerage to orders without a care plan agreed face to face in time [004 §3.2.9]."""
    return services.care_plan_agreement_alerts(today=_day(today))
