"""The computation through a real Celery worker on Redis."""

import datetime as dt
from decimal import Decimal as D

import pytest

from kpis.models import KpiReturn, KpiValue
from tests.kpis.factories import contract_with_kpis, derby_with_calls


@pytest.mark.celery_worker
def test_a_worker_computes_a_providers_quarter(celery_worker):
    contract = derby_with_calls((0, 10), (60, 11))

    result = celery_worker("kpis.compute_provider_quarter", contract.provider_id, "2026-Q2")
    assert result == {"created": 1}
    kpi_return = KpiReturn.objects.get(contract=contract, quarter="2026-Q2")
    d1 = KpiValue.objects.get(kpi_return=kpi_return, definition__code="D1")
    assert (d1.numerator, d1.denominator, d1.value) == (D(1), D(2), D("50.00"))
    # The same task again changes nothing.
    assert celery_worker("kpis.compute_provider_quarter", contract.provider_id, "2026-Q2") == {"unchanged": 1}


def test_beat_schedules_the_previous_quarter(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["kpis-compute-previous-quarter"]
    assert entry["task"] == "kpis.compute_previous_quarter"


@pytest.mark.django_db
def test_a_run_fans_out_one_task_per_provider(time_machine):
    from kpis.tasks import compute_previous_quarter

    contract = contract_with_kpis("derby")
    other = contract_with_kpis("norfolk")
    time_machine.move_to(dt.datetime(2026, 10, 8, 2, 0, tzinfo=dt.UTC))
    assert compute_previous_quarter() == "2026-Q2"  # eager in tests: the group runs in-process
    assert set(KpiReturn.objects.values_list("contract_id", "quarter")) == {
        (contract.pk, "2026-Q2"),
        (other.pk, "2026-Q2"),
    }
