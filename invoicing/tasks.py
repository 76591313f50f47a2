"""Invoice runs as Celery tasks: one per contract and period, fanned out with a group by the daily
beat entry, and runnable on demand. Tasks take ids and call one service."""

import datetime as dt

from celery import group, shared_task
from django.utils import timezone

from portal.models import User

from . import services


@shared_task(name="invoicing.generate_invoice", soft_time_limit=540, time_limit=600)
def generate_invoice(contract_id: int, period_start: str, actor_id: int | None = None) -> int:
    """Generate (or bring up to date) one contract's invoice for one period; returns its id."""
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    result = services.invoice_generate(
        contract_id=contract_id, period_start=dt.date.fromisoformat(period_start), actor=actor
    )
    return result.invoice.pk


@shared_task(bind=True, name="invoicing.run_due_invoices", soft_time_limit=240, time_limit=300)
def run_due_invoices(self) -> int:
    """Fan out a run for every contract whose period has ended (or quarter begun) with no invoice,
    on the queue this task came from."""
    due = services.invoice_runs_due(timezone.localdate())
    if due:
        queue = (self.request.delivery_info or {}).get("routing_key")
        runs = group(generate_invoice.s(contract_id, start.isoformat()) for contract_id, start in due)
        runs.apply_async(**({"queue": queue} if queue else {}))
    return len(due)


@shared_task(name="invoicing.raise_tolerance_alerts", soft_time_limit=25 * 60, time_limit=30 * 60)
def raise_tolerance_alerts() -> int:
    """Daily: orders over the tolerance 4 weeks in a row, for brokerage to review [004 §3.2.7]."""
    return services.tolerance_alerts_raise()
