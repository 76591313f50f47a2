"""The visits each order's schedule expects, generated ahead as `scheduled` (issue 16): the pure
expansion (`visits.rules.expected_visits`) and the nightly generator
(`services.expected_visits_generate`) — idempotent, within the order's dates, not while the person
is away or the order is suspended, a fixed number of queries — and an upload confirming one."""

import datetime as dt

import pytest
import time_machine

from packages_of_care.models import OrderStatus
from tests.packages_of_care.factories import AbsenceFactory, OrderFactory, add_version
from tests.visits.factories import at
from tests.visits.helpers import check, row_on, setup
from visits.models import Visit, VisitSource, VisitStatus
from visits.rules import OrderSchedule, ScheduleLine, expected_visits
from visits.services import expected_visits_generate

pytestmark = [pytest.mark.django_db]

MON = dt.date(2026, 4, 6)  # Monday 6 April 2026 (BST)
# Monday 08:00 for 45 min and 18:00 for 30 min; Wednesday 09:00 for an hour: 3 visits a week.
SCHEDULE = [(0, dt.time(8), 45), (0, dt.time(18), 30), (2, dt.time(9), 60)]


def test_expansion_worked_example():
    lines = [ScheduleLine(0, dt.time(8), 45), ScheduleLine(2, dt.time(9), 60)]
    later = [ScheduleLine(0, dt.time(10), 30)]
    schedule = OrderSchedule(
        start_date=dt.date(2026, 4, 7),  # a Tuesday: Monday 6 April is before the order
        end_date=dt.date(2026, 4, 27),
        versions=[(dt.date(2026, 4, 7), lines), (dt.date(2026, 4, 20), later)],
        away=[(dt.date(2026, 4, 13), dt.date(2026, 4, 13))],
    )
    days = [(d, li.start_time) for d, li in expected_visits(schedule, MON, dt.date(2026, 4, 30))]
    # Wed 8 (v1); Mon 13 away; Wed 15 (v1); Mon 20 (v2, 10:00; v2 has no Wednesday); Mon 27 (v2, the end day).
    assert days == [
        (dt.date(2026, 4, 8), dt.time(9)),
        (dt.date(2026, 4, 15), dt.time(9)),
        (dt.date(2026, 4, 20), dt.time(10)),
        (dt.date(2026, 4, 27), dt.time(10)),
    ]


def _order(**kwargs):
    s = setup(**kwargs)
    add_version(s.order, MON, "2.25", schedule=SCHEDULE)
    return s


def _expected(order):
    return list(
        Visit.objects.filter(order=order, source=VisitSource.SCHEDULE)
        .order_by("scheduled_start")
        .values_list("scheduled_start", "scheduled_minutes", "status", "carer_reference")
    )


def test_generates_two_weeks_once_and_never_again():
    s = _order()
    assert expected_visits_generate(start=MON, days=14) == (6, 0)
    visits = _expected(s.order)
    assert [v[0] for v in visits] == [
        at(MON, 8),
        at(MON, 18),
        at(dt.date(2026, 4, 8), 9),
        at(dt.date(2026, 4, 13), 8),
        at(dt.date(2026, 4, 13), 18),
        at(dt.date(2026, 4, 15), 9),
    ]
    assert [v[1] for v in visits] == [45, 30, 60, 45, 30, 60]
    assert {(v[2], v[3]) for v in visits} == {("scheduled", "")}
    assert expected_visits_generate(start=MON, days=14) == (0, 0)
    # Confirmed with its carer and times, the visit is still the one the schedule expected.
    first = Visit.objects.get(order=s.order, scheduled_start=at(MON, 8))
    first.carer_reference, first.status = "C1", VisitStatus.COMPLETED
    first.actual_start, first.actual_end = at(MON, 8), at(MON, 8, 40)
    first.fill_derived().save()
    assert expected_visits_generate(start=MON, days=14) == (0, 0)
    assert Visit.objects.filter(order=s.order).count() == 6


def test_respects_the_orders_dates():
    s = _order(end=dt.date(2026, 4, 13))
    assert expected_visits_generate(start=MON, days=14) == (5, 0)  # Mon 6 ×2, Wed 8, Mon 13 ×2
    assert max(v[0] for v in _expected(s.order)) == at(dt.date(2026, 4, 13), 18)


def test_absence_withdraws_untouched_visits_and_keeps_confirmed_ones():
    s = _order()
    assert expected_visits_generate(start=MON, days=14) == (6, 0)
    wednesday = Visit.objects.get(order=s.order, scheduled_start=at(dt.date(2026, 4, 8), 9))
    wednesday.carer_reference = "C2"  # the provider has already put a carer on it: kept
    wednesday.save()
    AbsenceFactory(
        service_user=s.order.service_user, start_date=dt.date(2026, 4, 8), end_date=dt.date(2026, 4, 13)
    )
    # Withdrawn: Mon 13 at 08:00 and 18:00. Kept: Mon 6 ×2, Wed 8 (has a carer), Wed 15.
    assert expected_visits_generate(start=MON, days=14) == (0, 2)
    assert len(_expected(s.order)) == 4


def test_suspended_orders_expect_nothing():
    s = _order()
    s.order.status = OrderStatus.SUSPENDED
    s.order.save()
    assert expected_visits_generate(start=MON, days=14) == (0, 0)
    s.order.status = OrderStatus.ACTIVE
    s.order.save()
    assert expected_visits_generate(start=MON, days=14) == (6, 0)
    s.order.status = OrderStatus.SUSPENDED
    s.order.save()
    assert expected_visits_generate(start=MON, days=14) == (0, 6)


def test_a_fixed_number_of_queries(django_assert_max_num_queries):
    s = _order()
    for _ in range(5):
        order = OrderFactory(contract=s.contract, start_date=dt.date(2026, 4, 1))
        add_version(order, MON, "2.25", schedule=SCHEDULE)
    with django_assert_max_num_queries(14):
        assert expected_visits_generate(start=MON, days=14) == (36, 0)


def test_an_upload_confirms_the_expected_visit_rather_than_adding_one():
    s = _order()
    expected_visits_generate(start=MON, days=14)
    with time_machine.travel(dt.datetime(2026, 4, 7, 12, tzinfo=dt.UTC), tick=False):
        outcome = check(
            s.staff_user,
            [row_on("2026-04-06", "08:00", "08:45", "08:02", "08:44", carer_reference="C1")],
            dry_run=False,
        )
    assert outcome.ok and (outcome.new, outcome.updated) == (0, 1)
    visit = Visit.objects.get(order=s.order, scheduled_start=at(MON, 8))
    assert (visit.carer_reference, visit.status, visit.actual_minutes) == ("C1", "completed", 42)
    assert Visit.objects.filter(order=s.order).count() == 6


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_large_upload_confirms_the_expected_visit_too(settings, tmp_path, dry_run):
    """The streaming path (large files) matches a generated visit with no carer as the small-file
    path does: no second visit for the same order and start; a dry run leaves it unassigned."""
    from tests.visits.test_streaming import stream

    settings.MEDIA_ROOT = str(tmp_path)
    s = _order()
    expected_visits_generate(start=MON, days=14)
    rows = [row_on("2026-04-06", "08:00", "08:45", "08:02", "08:44", carer_reference="C1")]
    with time_machine.travel(dt.datetime(2026, 4, 7, 12, tzinfo=dt.UTC), tick=False):
        outcome = stream(s.staff_user, rows, dry_run=dry_run)
    assert outcome.ok and (outcome.new, outcome.updated) == (0, 1)
    visit = Visit.objects.get(order=s.order, scheduled_start=at(MON, 8))
    if dry_run:
        assert (visit.carer_reference, visit.status) == ("", "scheduled")
    else:
        assert (visit.carer_reference, visit.status, visit.actual_minutes) == ("C1", "completed", 42)
    assert Visit.objects.filter(order=s.order).count() == 6


def test_the_nightly_task_generates_the_next_two_weeks(settings):
    from visits.tasks import generate_expected_visits

    assert (
        settings.CELERY_BEAT_SCHEDULE["visits-generate-expected"]["task"] == "visits.generate_expected_visits"
    )
    _order()
    with time_machine.travel(dt.datetime(2026, 4, 6, 0, 30, tzinfo=dt.UTC), tick=False):  # 01:30 BST Monday
        assert generate_expected_visits() == (6, 0)
        assert generate_expected_visits() == (0, 0)
