"""Runs of consecutive cancelled visits, in Python and in SQL, agree."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from packages_of_care.models import IndividualServiceOrder
from tests.packages_of_care.factories import OrderFactory
from tests.visits.factories import VisitFactory, at
from visits.models import Visit, VisitStatus
from visits.rules import PAYMENT_RUN_STATUSES, numbers_in_period, run_positions
from visits.selectors import run_positions as sql_run_positions

C_SHORT, C_NOTICE, ABORTED, DONE, MISSED = (
    VisitStatus.CANCELLED_SHORT_NOTICE,
    VisitStatus.CANCELLED_WITH_NOTICE,
    VisitStatus.ABORTED,
    VisitStatus.COMPLETED,
    VisitStatus.MISSED,
)


def test_python_rule_worked_example():
    statuses = [DONE, C_SHORT, C_NOTICE, C_SHORT, C_SHORT, DONE, C_SHORT]
    assert run_positions(statuses, PAYMENT_RUN_STATUSES) == [None, 1, 2, 3, 4, None, 1]
    # Notified counts run per payment period, short-notice cancellations apart from visits aborted or
    # cut short at the person's wish; nothing else counts or breaks them.
    shortened = VisitStatus.SHORTENED_BY_SERVICE_USER
    visits = [
        (C_SHORT, 1),
        (ABORTED, 1),
        (C_NOTICE, 1),
        (C_SHORT, 1),
        (shortened, 1),
        (C_SHORT, 1),
        (C_SHORT, 2),
    ]
    assert numbers_in_period(visits) == [1, 1, None, 2, 2, 3, 1]


def _visits(order, statuses, first_day=dt.date(2026, 4, 1)):
    """One visit a day at 08:00, in order."""
    return [
        VisitFactory(order=order, scheduled_start=at(first_day + dt.timedelta(days=i), 8), status=s)
        for i, s in enumerate(statuses)
    ]


@pytest.mark.django_db
def test_runs_cross_the_period_boundary():
    order = OrderFactory(start_date=dt.date(2026, 4, 1))
    # 1–3 Apr cancelled (before the period), 4 Apr (the period's first day) is the 4th in the run.
    visits = _visits(order, [C_SHORT, C_NOTICE, C_SHORT, C_SHORT, DONE, C_SHORT])
    positions = sql_run_positions(
        orders=IndividualServiceOrder.objects.filter(pk=order.pk),
        start=dt.date(2026, 4, 4),
        end=dt.date(2026, 4, 10),
        counted=PAYMENT_RUN_STATUSES,
    )
    assert positions == {visits[3].pk: 4, visits[5].pk: 1}


@pytest.mark.django_db
def test_sql_reads_back_only_to_the_last_breaking_visit():
    order = OrderFactory()
    visits = _visits(order, [C_SHORT, MISSED, C_SHORT, C_SHORT])
    positions = sql_run_positions(
        orders=IndividualServiceOrder.objects.filter(pk=order.pk),
        start=dt.date(2026, 4, 4),
        end=dt.date(2026, 4, 4),
        counted=PAYMENT_RUN_STATUSES,
    )
    assert positions == {visits[3].pk: 2}  # the missed visit on 2 Apr broke the run


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.sampled_from([C_SHORT, C_NOTICE, ABORTED, DONE, MISSED]), min_size=1, max_size=20),
    st.integers(min_value=0, max_value=19),
)
def test_sql_agrees_with_the_python_rule(statuses, cut):
    Visit.objects.all().delete()
    order = OrderFactory()
    visits = _visits(order, statuses)
    start = dt.date(2026, 4, 1) + dt.timedelta(days=min(cut, len(statuses) - 1))
    expected = {
        v.pk: p
        for v, p in zip(visits, run_positions(statuses, PAYMENT_RUN_STATUSES), strict=True)
        if p is not None and v.visit_date >= start
    }
    got = sql_run_positions(
        orders=IndividualServiceOrder.objects.filter(pk=order.pk),
        start=start,
        end=dt.date(2026, 5, 1),
        counted=PAYMENT_RUN_STATUSES,
    )
    assert got == expected
