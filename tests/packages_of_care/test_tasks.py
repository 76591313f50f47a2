"""The daily tasks start and end orders on their dates and alert overdue reviews, idempotently,
eagerly and on a real worker."""

import datetime as dt

import pytest

from packages_of_care import alerts, services
from packages_of_care.models import IndividualServiceOrder, OrderStatus
from packages_of_care.tasks import advance_orders, raise_overdue_review_alerts
from portal.models import Alert


@pytest.fixture
def orders(make_order, brokerage_user):
    """One accepted order starting 1 April 2026, one active order ending 30 April 2026."""
    starting = services.order_issue(actor=brokerage_user, order=make_order(start_date=dt.date(2026, 4, 1)))
    IndividualServiceOrder.objects.filter(pk=starting.pk).update(status=OrderStatus.ACCEPTED)
    ending = make_order(start_date=dt.date(2026, 1, 5), reference="ISO-END")
    IndividualServiceOrder.objects.filter(pk=ending.pk).update(
        status=OrderStatus.ACTIVE, end_date=dt.date(2026, 4, 30)
    )
    return starting, ending


@pytest.mark.django_db
def test_advance_orders_runs_eagerly_and_twice_changes_nothing(orders):
    starting, ending = orders
    assert advance_orders.delay("2026-03-31").get() == {"started": 0, "ended": 0}
    assert advance_orders.delay("2026-04-01").get() == {"started": 1, "ended": 0}
    assert advance_orders.delay("2026-05-01").get() == {"started": 0, "ended": 1}
    assert advance_orders.delay("2026-05-01").get() == {"started": 0, "ended": 0}
    assert IndividualServiceOrder.objects.get(pk=starting.pk).status == OrderStatus.ACTIVE
    assert IndividualServiceOrder.objects.get(pk=ending.pk).status == OrderStatus.ENDED


@pytest.mark.django_db
def test_overdue_review_alerts_task(make_order, brokerage_user):
    order = services.order_issue(actor=brokerage_user, order=make_order())
    services.order_accept(actor=None, order=order)
    services.care_plan_create(
        actor=brokerage_user, order=order, agreed_on=dt.date(2025, 5, 1), next_review_due=dt.date(2026, 5, 1)
    )
    assert raise_overdue_review_alerts.delay("2026-05-01").get() == 0
    assert raise_overdue_review_alerts.delay("2026-05-02").get() == 2
    assert raise_overdue_review_alerts.delay("2026-05-03").get() == 0
    assert Alert.objects.filter(kind=alerts.REVIEW_OVERDUE).count() == 2


@pytest.mark.celery_worker
def test_advance_orders_on_a_real_worker(celery_worker, orders):
    starting, _ending = orders
    assert celery_worker("packages_of_care.advance_orders", "2026-05-01") == {"started": 1, "ended": 1}
    assert IndividualServiceOrder.objects.get(pk=starting.pk).status == OrderStatus.ACTIVE


def test_the_beat_schedule_runs_both_tasks():
    from django.conf import settings

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"packages_of_care.advance_orders", "packages_of_care.raise_overdue_review_alerts"} <= tasks
