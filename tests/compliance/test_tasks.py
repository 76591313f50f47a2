"""The periodic tasks: eager (as `make run` runs them) and on a real Celery worker."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import timezone

from compliance import services
from portal.models import Alert
from tests.factories import ProviderFactory
from tests.procurement.factories import calloff, open_lot


def _expiring_certificate():
    provider = ProviderFactory(name="Expiring Care")
    today = timezone.localdate()
    services.insurance_certificate_add(
        actor=None,
        provider=provider,
        kind="employers_liability",
        insurer="Insurer",
        cover_amount=D("5000000"),
        starts_on=today - dt.timedelta(days=300),
        expires_on=today + dt.timedelta(days=10),
    )
    return provider


@pytest.mark.django_db
def test_the_compliance_and_call_off_tasks_run_eagerly():
    from compliance.tasks import raise_expiry_alerts
    from procurement.tasks import alert_closed_calloffs
    from tests.factories import CommissionerFactory

    provider = _expiring_certificate()
    assert raise_expiry_alerts.delay().get() == 1
    assert Alert.objects.get(recipient=provider).kind == "insurance-expiring"
    assert raise_expiry_alerts.delay().get() == 0
    calloff(open_lot(CommissionerFactory()), closes_in=-dt.timedelta(minutes=1))
    assert alert_closed_calloffs.delay().get() == 1


@pytest.mark.celery_worker
def test_the_compliance_task_runs_on_a_real_worker(celery_worker):
    provider = _expiring_certificate()
    assert celery_worker("compliance.raise_expiry_alerts") == 1
    assert Alert.objects.filter(recipient=provider, kind="insurance-expiring").count() == 1
    assert celery_worker("compliance.raise_expiry_alerts") == 0
