"""The run's inputs gathered in one statement equal, value for value, the inputs the querysets
gather query by query, and so fingerprint the same; a week's visit totals and run positions from
the SQL generated off `visits.rules` equal the pure-Python rules worked visit by visit (the
oracle); and the per-order shortcuts of the line computation give the figures the day-by-day
rules give."""

import datetime as dt
import itertools
from decimal import Decimal as D

import pytest

from invoicing import rules, schedule, selectors
from invoicing.models import InvoicingTerms
from packages_of_care.models import OrderStatus, OrderVersion, TemporaryVariationStatus
from packages_of_care.rules import Version, commissioned_minutes
from tests.invoicing.conftest import NEXT_START, P_END, P_START, planned_rate_from
from tests.packages_of_care.factories import AbsenceFactory, OrderFactory, TemporaryVariationFactory
from tests.visits.factories import VisitFactory, at
from visits.models import Visit, VisitStatus
from visits.rules import PAYMENT_RUN_STATUSES, VisitFact, WeekVisits, run_positions

pytestmark = pytest.mark.django_db

S = VisitStatus


def _visits(order, first: dt.date, statuses, minutes=60, hour=8, **extra):
    for i, status in enumerate(statuses):
        VisitFactory(
            order=order,
            scheduled_start=at(first + dt.timedelta(days=i), hour),
            minutes=minutes,
            status=status,
            **extra,
        )


@pytest.fixture
def busy_contract(hourly_contract):
    """Orders with every kind of visit, versions, absences, variations and a rate change."""
    planned_rate_from(hourly_contract, dt.date(2026, 5, 13), D("23.10"))
    varied = OrderFactory(contract=hourly_contract, weekly_hours=D("14.25"), start_date=dt.date(2026, 3, 2))
    OrderVersion.objects.create(
        order=varied, number=2, effective_from=dt.date(2026, 5, 6), weekly_hours=D("21")
    )
    mix = [
        S.COMPLETED,
        S.SHORTENED_BY_SERVICE_USER,
        S.ABORTED,
        S.MISSED,
        S.SCHEDULED,
        S.CANCELLED_WITH_NOTICE,
    ]
    _visits(varied, P_START, mix * 4, minutes=75)
    _visits(varied, P_START, [S.COMPLETED] * 20, minutes=45, hour=18, carers=2)
    # Cut short with no actuals recorded: the whole schedule is the shortfall.
    VisitFactory(
        order=varied,
        scheduled_start=at(dt.date(2026, 5, 20), 13),
        minutes=50,
        status=S.SHORTENED_BY_SERVICE_USER,
        actual_start=None,
        actual_end=None,
    )
    AbsenceFactory(service_user=varied.service_user, start_date=dt.date(2026, 5, 16), end_date=None)
    AbsenceFactory(
        service_user=varied.service_user, start_date=dt.date(2026, 4, 20), end_date=dt.date(2026, 4, 29)
    )
    TemporaryVariationFactory(order=varied, start_date=dt.date(2026, 5, 1), end_date=dt.date(2026, 5, 9))
    TemporaryVariationFactory(
        order=varied,
        start_date=dt.date(2026, 5, 11),
        end_date=dt.date(2026, 5, 30),
        status=TemporaryVariationStatus.REQUESTED,
    )
    # Runs of cancellations: one read back across the period's start (a completed visit before it
    # bounds it), one of seven inside the period, and cancellations with no visit before them.
    runs = OrderFactory(contract=hourly_contract, weekly_hours=D("7"), start_date=dt.date(2026, 4, 1))
    _visits(
        runs,
        dt.date(2026, 4, 21),
        [S.COMPLETED, S.CANCELLED_SHORT_NOTICE, S.CANCELLED_SHORT_NOTICE, S.CANCELLED_WITH_NOTICE]
        + [S.CANCELLED_SHORT_NOTICE] * 3
        + [S.COMPLETED]
        + [S.CANCELLED_SHORT_NOTICE, S.CANCELLED_WITH_NOTICE] * 4
        + [S.ABORTED]
        + [S.CANCELLED_SHORT_NOTICE] * 5,
        carers=2,
    )
    fresh = OrderFactory(contract=hourly_contract, weekly_hours=D("3.5"), start_date=dt.date(2026, 5, 8))
    _visits(fresh, dt.date(2026, 5, 8), [S.CANCELLED_SHORT_NOTICE] * 6 + [S.COMPLETED], minutes=30)
    ended = OrderFactory(
        contract=hourly_contract,
        weekly_hours=D("10"),
        start_date=dt.date(2025, 1, 6),
        end_date=dt.date(2026, 5, 5),
        status=OrderStatus.ENDED,
    )
    _visits(ended, dt.date(2026, 4, 28), [S.COMPLETED] * 8, minutes=150)
    AbsenceFactory(
        service_user=ended.service_user, start_date=dt.date(2026, 5, 1), end_date=dt.date(2026, 5, 3)
    )
    # Neither in force nor payable: left out.
    OrderFactory(contract=hourly_contract, start_date=dt.date(2026, 6, 1))
    OrderFactory(contract=hourly_contract, status=OrderStatus.DRAFT)
    OrderFactory(contract=hourly_contract)  # in force, no visits
    return hourly_contract


@pytest.mark.parametrize("each_carer", [True, False])
@pytest.mark.parametrize("start", [P_START, NEXT_START])
def test_one_statement_gathers_what_the_querysets_gather(busy_contract, each_carer, start):
    terms = InvoicingTerms.for_contract(busy_contract)
    terms.count_each_carer = each_carer
    end = start + dt.timedelta(days=27)
    one = selectors.hourly_inputs(busy_contract, terms, start, end)
    orm = selectors.hourly_inputs_from_querysets(busy_contract, terms, start, end)
    assert one == orm
    assert repr(one) == repr(orm)
    assert schedule.inputs_digest(one) == schedule.inputs_digest(orm)
    assert schedule.hourly_schedule(one) == schedule.hourly_schedule(orm)
    assert one.week_visits == _week_visits_by_hand([o.id for o in one.orders], start, end, each_carer)
    if start == P_START:
        # The scenario reaches what it is for: late cancellations, absences, variations.
        assert sum(len(w.late_in_run) for w in one.week_visits.values()) >= 4
        assert one.absences and one.variations and len(one.orders) == 5


def _week_visits_by_hand(order_ids, start, end, per_carer):
    """The oracle: every visit of the orders read back to the start of time, run positions from
    `visits.rules.run_positions`, week totals from `WeekVisits.from_visits` — no SQL rule. Weeks
    from the 4 before the period (−4 to −1: the tolerance's run reads them)."""
    weeks = {}
    since = start - dt.timedelta(days=28)
    for order_id in order_ids:
        visits = list(
            Visit.objects.filter(order_id=order_id, visit_date__lte=end).order_by("scheduled_start", "id")
        )
        positions = run_positions([v.status for v in visits], PAYMENT_RUN_STATUSES)
        by_week = {}
        for visit, position in zip(visits, positions, strict=True):
            if visit.visit_date >= since:
                fact = VisitFact(
                    visit.status, visit.scheduled_minutes, visit.actual_minutes, position, visit.carers
                )
                by_week.setdefault((visit.visit_date - start).days // 7, []).append(fact)
        for week, facts in by_week.items():
            weeks[(order_id, week)] = WeekVisits.from_visits(facts, per_carer=per_carer)
    return {key: weeks[key] for key in sorted(weeks)}


def test_one_statement_with_no_orders(hourly_contract):
    terms = InvoicingTerms.for_contract(hourly_contract)
    one = selectors.hourly_inputs(hourly_contract, terms, P_START, P_END)
    assert one == selectors.hourly_inputs_from_querysets(hourly_contract, terms, P_START, P_END)
    assert one.orders == [] and one.week_visits == {} and one.unplanned


VERSION_SETS = [
    [],
    [Version(dt.date(2026, 4, 1), D("10.25"))],
    [Version(dt.date(2026, 5, 6), D("21")), Version(dt.date(2026, 4, 1), D("14.25"))],
    [
        Version(dt.date(2026, 5, 1), D("3")),
        Version(dt.date(2026, 5, 1), D("4.5")),
        Version(dt.date(2026, 5, 9), D("7")),
    ],
    [Version(dt.date(2026, 6, 1), D("9"))],
]
BOUNDS = [
    (None, None),
    (dt.date(2026, 4, 29), None),
    (None, dt.date(2026, 5, 12)),
    (dt.date(2026, 5, 2), dt.date(2026, 5, 3)),
    (dt.date(2026, 5, 30), None),
]


@pytest.mark.parametrize(("versions", "bounds"), list(itertools.product(VERSION_SETS, BOUNDS)))
def test_hours_by_day_read_as_the_day_by_day_rules(versions, bounds):
    order_start, order_end = bounds
    days = rules.hours_by_day(versions, P_START, P_END, order_start=order_start, order_end=order_end)
    assert len(days) == 28
    for offset, hours in enumerate(days):
        day = P_START + dt.timedelta(days=offset)
        minutes = commissioned_minutes(versions, day, day, order_start=order_start, order_end=order_end)
        assert (hours or 0) * 60 / 7 == minutes
    for week_start, week_end in rules.period_weeks(P_START, P_END):
        first = (week_start - P_START).days
        expected = rules.sevenths(
            commissioned_minutes(versions, week_start, week_end, order_start=order_start, order_end=order_end)
        )
        got = rules.commissioned7(days[first : first + 7])
        assert (got, str(got)) == (expected, str(expected))


@pytest.mark.parametrize(("versions", "bounds"), list(itertools.product(VERSION_SETS[1:4], BOUNDS[:4])))
def test_an_hourly_week_from_hours_by_day_is_the_same_week(versions, bounds):
    order_start, order_end = bounds
    days = rules.hours_by_day(versions, P_START, P_END, order_start=order_start, order_end=order_end)
    visits = rules.WeekVisits(
        completed_visits=9, completed_minutes=1013, aborted_visits=1, aborted_minutes=45
    )
    absences = [rules.AbsenceSpan(dt.date(2026, 4, 24), dt.date(2026, 5, 8))]
    variations = [rules.VariationSpan(dt.date(2026, 5, 2), dt.date(2026, 5, 12), D("2.75"))]
    for week_start, week_end in rules.period_weeks(P_START, P_END):
        first = (week_start - P_START).days
        common = {
            "versions": versions,
            "week_start": week_start,
            "week_end": week_end,
            "order_start": order_start,
            "order_end": order_end,
            "visits": visits,
            "absences": absences,
            "variations": variations,
            "rate": D("22.40"),
        }
        assert rules.hourly_week(**common, day_hours=days[first : first + 7]) == rules.hourly_week(**common)
