"""Celery tasks for KPI returns. Tasks take ids, call one service, and nothing else.

A run for a quarter fans out a Celery group of tasks over batches of providers (each batch's
figures are computed in one set-based pass — per-provider tasks spend most of their time on fixed
per-query costs, see docs/kpis.md); a single provider's quarter (a re-run) is its own task.
Every task writes each return in its own transaction and may be retried or repeated safely (recomputing an unchanged
quarter changes nothing; a per-contract advisory lock serialises concurrent runs).
"""

from celery import group, shared_task
from django.conf import settings
from django.utils import timezone

from portal.models import Organisation, User

from . import selectors, services
from .quarters import Quarter


@shared_task(name="kpis.compute_provider_quarter", soft_time_limit=540, time_limit=600)
def compute_provider_quarter(
    provider_id: int, quarter: str, actor_id: int | None = None, contract_ids=None
) -> dict:
    provider = Organisation.objects.get(pk=provider_id)
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    return services.returns_compute_for_provider(
        provider=provider, quarter=Quarter.parse(quarter), actor=actor, contract_ids=contract_ids
    )


@shared_task(name="kpis.compute_providers_quarter", soft_time_limit=540, time_limit=600)
def compute_providers_quarter(provider_ids: list[int], quarter: str) -> dict:
    return services.returns_compute_for_providers(provider_ids=provider_ids, quarter=Quarter.parse(quarter))


@shared_task(name="kpis.compute_quarter", soft_time_limit=60, time_limit=120)
def compute_quarter(quarter: str) -> int:
    """Fan out a run: a group of tasks, each computing a batch of providers set-based
    (`PORTAL["KPI_RUN_BATCH"]` providers a task, 100 by default; 1 gives one task per provider)."""
    provider_ids = selectors.providers_for_quarter(Quarter.parse(quarter))
    size = max(1, int(settings.PORTAL.get("KPI_RUN_BATCH", 100)))
    batches = [provider_ids[i : i + size] for i in range(0, len(provider_ids), size)]
    group(compute_providers_quarter.s(batch, quarter) for batch in batches).apply_async()
    return len(batches)


@shared_task(name="kpis.compute_previous_quarter", soft_time_limit=60, time_limit=120)
def compute_previous_quarter() -> str:
    """Run by Celery beat after each quarter ends: compute the quarter just finished."""
    quarter = Quarter.last_completed(timezone.localdate())
    compute_quarter.delay(quarter.label)
    return quarter.label
