# ruff: noqa: S608 - the SQL is built from our own table names and checked status constants; values are parameters.
"""Reads over visits, set-based.

The SQL here is generated from the declarations in `visits.rules` — a week's totals from the status
table, run positions from the run rule — so the alerts, the invoice run and the pages that explain
them read one definition. Statements use named parameters:

    %(orders)s     the orders' ids (a list)      %(start)s, %(end)s  the days, inclusive
    %(counted)s    the statuses a run counts     %(per_carer)s       count each carer's minutes
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Count, QuerySet

from packages_of_care.models import IndividualServiceOrder
from portal.models import User
from portal.tenancy import scoped
from schemes.models import Contract

from . import rules
from .models import Visit, VisitStatus

VISIT_TABLE = Visit._meta.db_table


def _literal(status: str) -> str:
    """A status as an SQL literal (our own constants, checked, never user input)."""
    if not re.fullmatch(r"[a-z_]+", status):
        raise ValueError(f"Not a status: {status!r}")
    return f"'{status}'"


def _statuses(statuses: Iterable[str]) -> str:
    return ", ".join(_literal(s) for s in sorted(statuses))


def run_sequence_ctes(orders_cte: str = "o") -> str:
    """CTEs `boundary` and `sequence`: the visits of the orders in `orders_cte` (a CTE with an `id`
    column) up to %(end)s, read back to each order's last visit before %(start)s that breaks a run
    (so a run that began before the period is counted whole), each with `counted` (in a run of
    %(counted)s statuses) and `carers` (its carers if %(per_carer)s, else 1)."""
    return f"""
boundary AS (
    SELECT y.order_id, MAX(y.scheduled_start) AS since
    FROM {VISIT_TABLE} y
    WHERE y.order_id IN (SELECT id FROM {orders_cte}) AND y.visit_date < %(start)s
      AND y.status <> ALL(%(counted)s)
    GROUP BY y.order_id
),
sequence AS MATERIALIZED (
    SELECT x.id, x.order_id, x.visit_date, x.status, x.scheduled_start, x.scheduled_minutes,
           x.actual_minutes, CASE WHEN %(per_carer)s THEN x.carers ELSE 1 END AS carers,
           x.status = ANY(%(counted)s) AS counted
    FROM {VISIT_TABLE} x LEFT JOIN boundary b ON b.order_id = x.order_id
    WHERE x.order_id IN (SELECT id FROM {orders_cte}) AND x.visit_date <= %(end)s
      AND (b.since IS NULL OR x.scheduled_start >= b.since)
)"""


def run_position_ctes(where: str = "TRUE") -> str:
    """CTEs `numbered` and `positioned` over `sequence` (rows matching `where`): each counted
    visit's position in its run of consecutive counted visits — its row number since the order's
    last uncounted visit (`visits.rules.run_positions` in Python)."""
    return f"""
numbered AS (
    SELECT id, order_id, visit_date, status, scheduled_start, scheduled_minutes * carers AS minutes, counted,
           ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY scheduled_start, id) AS rn
    FROM sequence WHERE {where}
),
positioned AS (
    SELECT numbered.*, rn - MAX(CASE WHEN counted THEN 0 ELSE rn END)
               OVER (PARTITION BY order_id ORDER BY scheduled_start, id ROWS UNBOUNDED PRECEDING) AS position
    FROM numbered
)"""


_MEASURE_SQL = {
    rules.Measure.COUNT: "COUNT(*)",
    rules.Measure.ACTUAL: "SUM(actual_minutes * carers)",
    rules.Measure.SCHEDULED: "SUM(scheduled_minutes * carers)",
    rules.Measure.SHORTFALL: "SUM(CASE WHEN actual_minutes IS NULL THEN scheduled_minutes"
    " WHEN actual_minutes < scheduled_minutes THEN scheduled_minutes - actual_minutes ELSE 0 END * carers)",
}


def week_totals_cte(name: str = "weeks", source: str = "sequence") -> str:
    """CTE `name`: each order's visits from %(start)s summed by 7-day week from %(start)s, one
    column per total of `visits.rules.WEEK_TOTALS` (in that order), each a FILTER on its status."""
    columns = ",\n        ".join(
        f"COALESCE({_MEASURE_SQL[t.measure]} FILTER (WHERE status = {_literal(t.status)}), 0) AS {t.name}"
        for t in rules.WEEK_TOTALS
    )
    return f"""
{name} AS (
    SELECT order_id, (visit_date - %(start)s::date) / 7 AS week,
        {columns}
    FROM {source} WHERE visit_date >= %(start)s
    GROUP BY 1, 2
)"""


#: Cancellations not paid from the 4th in a run: listed one by one with their positions.
LATE_IN_RUN_SELECT = f"""
    SELECT order_id, (visit_date - %(start)s::date) / 7 AS week, id, minutes, position
    FROM positioned
    WHERE status IN ({_statuses(r.status for r in rules.STATUS_RULES if r.unpaid_late_in_run)})
      AND visit_date >= %(start)s AND position >= {rules.UNPAID_FROM_RUN_POSITION}"""


def _order_ids(orders: QuerySet | Iterable[int]) -> list[int]:
    if isinstance(orders, QuerySet):
        return list(orders.values_list("pk", flat=True))
    return sorted(set(orders))


def run_params(
    orders: QuerySet | Iterable[int], start: dt.date, end: dt.date, **extra: Any
) -> dict[str, Any]:
    params: dict[str, Any] = {
        "orders": _order_ids(orders),
        "start": start,
        "end": end,
        "counted": sorted(rules.PAYMENT_RUN_STATUSES),
        "per_carer": False,
    }
    params.update(extra)
    return params


def _notified_as_case() -> str:
    """`visits.rules.NOTIFIED_AS` as an SQL CASE over `x.status`."""
    whens = " ".join(
        f"WHEN {_literal(status)} THEN {_literal(group)}"
        for status, group in sorted(rules.NOTIFIED_AS.items())
    )
    return f"CASE x.status {whens} END"


#: Each notified visit's number in its count (`StatusRule.notified_as`) within its order's payment
#: period — 28 days from the contract's anchor, or from the first Monday of the contract as the
#: invoice reads it — for the visits from %(start)s to %(end)s (the count reads back to the start
#: of the period holding %(start)s). `visits.rules.numbers_in_period` in Python.
NOTICE_NUMBERS_SQL = f"""
WITH x AS (
    SELECT x.id, x.order_id, x.visit_date, x.scheduled_start, {_notified_as_case()} AS grp,
           FLOOR((x.visit_date - COALESCE(c.payment_period_anchor,
                 c.start_date + (8 - EXTRACT(ISODOW FROM c.start_date)::int) %% 7)) / 28.0) AS period
    FROM {VISIT_TABLE} x
    JOIN {IndividualServiceOrder._meta.db_table} o ON o.id = x.order_id
    JOIN {Contract._meta.db_table} c ON c.id = o.contract_id
    WHERE x.order_id = ANY(%(orders)s) AND x.status IN ({_statuses(rules.NOTIFIED_STATUSES)})
      AND x.visit_date BETWEEN %(start)s::date - 27 AND %(end)s
),
numbered AS (
    SELECT id, visit_date, grp, ROW_NUMBER() OVER (
        PARTITION BY order_id, grp, period ORDER BY scheduled_start, id) AS number
    FROM x
)
SELECT id, grp, number FROM numbered WHERE visit_date >= %(start)s AND number = ANY(%(numbers)s)"""


def notice_numbers(
    *, orders: QuerySet | Iterable[int], start: dt.date, end: dt.date
) -> dict[int, tuple[str, int]]:
    """{visit id: (its count, its number in the payment period)} for the visits from start to end
    that are the 2nd or 3rd of their count in their order's payment period `[004 §1.6.1, §3.6.16]`.
    One statement (a window function)."""
    params = run_params(orders, start, end, numbers=list(rules.NOTIFIED_NUMBERS))
    if not params["orders"]:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(NOTICE_NUMBERS_SQL, params)
        return {pk: (group, number) for pk, group, number in cursor.fetchall()}


def run_positions(
    *, orders: QuerySet | Iterable[int], start: dt.date, end: dt.date, counted: Iterable[str]
) -> dict[int, int]:
    """{visit id: position in its run of consecutive counted visits} for the counted visits of
    `orders` whose day falls from start to end (`visits.rules.run_positions`). One statement; runs
    cross the start boundary."""
    params = run_params(orders, start, end, counted=sorted(set(counted)))
    if not params["counted"] or not params["orders"]:
        return {}
    sql = f"""
WITH o AS (SELECT unnest(%(orders)s::bigint[]) AS id),
{run_sequence_ctes()},
{run_position_ctes()}
SELECT id, position FROM positioned WHERE counted AND visit_date >= %(start)s"""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


WEEK_VISITS_SQL = f"""
WITH o AS (SELECT unnest(%(orders)s::bigint[]) AS id),
{run_sequence_ctes()},
{week_totals_cte()},
late_runs AS (  -- only an order with 4 or more counted visits in its sequence can have a late one
    SELECT order_id FROM sequence GROUP BY order_id HAVING COUNT(*) FILTER (WHERE counted) >= {rules.UNPAID_FROM_RUN_POSITION}
),
{run_position_ctes("order_id IN (SELECT order_id FROM late_runs)")}
SELECT 'w', order_id, week, {", ".join(rules.WEEK_VISIT_TOTALS)}, NULL::int AS position FROM weeks
UNION ALL
SELECT 'l', order_id, week, minutes, {", ".join(["NULL::bigint"] * (len(rules.WEEK_VISIT_TOTALS) - 1))}, position
FROM ({LATE_IN_RUN_SELECT}) late
"""


def week_visits(
    *, orders: QuerySet | Iterable[int], start: dt.date, end: dt.date, per_carer: bool
) -> dict[tuple[int, int], rules.WeekVisits]:
    """{(order id, week index): WeekVisits} for the orders' visits from start to end, in 7-day
    weeks from `start` — the totals of `visits.rules.WEEK_TOTALS` and the cancellations 4th or
    later in their run — in one statement. With `per_carer`, minutes count once per carer."""
    params = run_params(orders, start, end, per_carer=per_carer)
    if not params["orders"]:
        return {}
    sums: dict[tuple[int, int], list[int]] = {}
    late: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(WEEK_VISITS_SQL, params)
        for kind, order_id, week, *values, position in cursor.fetchall():
            if kind == "w":
                sums[(order_id, week)] = values
            else:
                late[(order_id, week)].append((values[0], position))
    return {key: week_visits_of(sums[key], late.get(key, ())) for key in sorted(sums)}


def week_visits_of(totals: Iterable[int], late: Iterable[tuple[int, int]]) -> rules.WeekVisits:
    """A WeekVisits from the SQL's totals (in `WEEK_VISIT_TOTALS` order) and late cancellations."""
    return rules.WeekVisits(
        **dict(zip(rules.WEEK_VISIT_TOTALS, (int(v) for v in totals), strict=True)),
        late_in_run=tuple(sorted(late)),
    )


# Reads for the screens and the API ---------------------------------------------------------------


def visits_for(user: User) -> QuerySet[Visit]:
    """Visits the user may see, with what the lists show, in one query per page."""
    return scoped(Visit, user).select_related("order", "order__service_user", "provider", "commissioner")


def missed_visits_for(user: User) -> QuerySet[Visit]:
    return visits_for(user).filter(status=VisitStatus.MISSED).order_by("-scheduled_start", "-id")


def status_counts(queryset: QuerySet[Visit]) -> dict[str, int]:
    """{status: how many} for a queryset, in one grouped query."""
    return dict(queryset.order_by().values_list("status").annotate(n=Count("id")))


# Recording a day -----------------------------------------------------------------------------


def expected_visit_to_record(order: IndividualServiceOrder, *, now: dt.datetime) -> Visit | None:
    """The visit the order's schedule expects that is still to be recorded: the latest one due by
    now today, or else the next one (generated ahead by `expected_visits_generate`)."""
    from django.utils import timezone

    from .models import LONDON

    today = timezone.localtime(now, LONDON).date()
    waiting = Visit.objects.filter(
        order=order,
        expected_start__isnull=False,
        status=VisitStatus.SCHEDULED,
        actual_start__isnull=True,
        carer_reference="",
    )
    due = waiting.filter(visit_date=today, scheduled_start__lte=now).order_by("-scheduled_start").first()
    return due or waiting.filter(scheduled_start__gt=now).order_by("scheduled_start").first()


def schedule_slot_to_record(order: IndividualServiceOrder, *, now: dt.datetime) -> Visit | None:
    """Today's visit from the order's weekly schedule itself (`rules.OrderSchedule`), when none
    was generated: the latest one due by now not yet recorded, or else the next one today. An
    unsaved Visit holding the times, carers and time-critical flag."""
    from django.utils import timezone

    from packages_of_care.models import Absence, ScheduledVisit

    from .models import LONDON

    today = timezone.localtime(now, LONDON).date()
    lines: dict[int, list[rules.ScheduleLine]] = defaultdict(list)
    effective = dict(order.versions.values_list("pk", "effective_from"))
    for row in ScheduledVisit.objects.filter(version_id__in=list(effective)):
        lines[row.version_id].append(
            rules.ScheduleLine(
                row.weekday, row.start_time, row.duration_minutes, row.carers, row.time_critical
            )
        )
    away = list(
        Absence.objects.filter(service_user_id=order.service_user_id).values_list("start_date", "end_date")
    )
    schedule = rules.OrderSchedule(
        order.start_date, order.end_date, [(day, lines[pk]) for pk, day in effective.items()], away
    )
    recorded = set(
        Visit.objects.filter(order=order, visit_date=today).values_list("scheduled_start", flat=True)
    )
    slots = []
    for line in schedule.lines_on(today):
        start = dt.datetime.combine(today, line.start_time, tzinfo=LONDON)
        if start not in recorded:
            visit = Visit(
                order=order,
                scheduled_start=start,
                scheduled_end=start + dt.timedelta(minutes=line.minutes),
                carers=line.carers,
                time_critical=line.time_critical,
            )
            slots.append(visit)
    due = [v for v in slots if v.scheduled_start <= now]
    return due[-1] if due else next(iter(slots), None)


def schemes_recorded_by(user: User) -> QuerySet[Any]:
    """The schemes where the user's organisation holds orders for residents: the grid's choice."""
    from schemes.models import Scheme

    held = IndividualServiceOrder.objects.filter(provider=user.organisation).exclude(status="draft")
    return scoped(Scheme, user).filter(residents__orders__in=held).distinct().order_by("name")


def day_visits(user: User, *, scheme_id: int, day: dt.date) -> QuerySet[Visit]:
    """A scheme's visits on a day that the user's organisation records, by scheduled start: the
    rows of the grid (numbered from 1 in this order)."""
    return (
        scoped(Visit, user)
        .filter(provider=user.organisation, visit_date=day, order__service_user__scheme_id=scheme_id)
        .select_related("order__service_user")
        .order_by("scheduled_start", "order__service_user__name", "pk")
    )


def visits_to_record(user: User, *, start: dt.date, end: dt.date) -> QuerySet[Visit]:
    """The user's organisation's visits from `start` to `end` still `scheduled` with no actual
    start — those the schedule expects, generated ahead — for the pre-filled template."""
    return (
        scoped(Visit, user)
        .filter(
            provider=user.organisation,
            visit_date__gte=start,
            visit_date__lte=end,
            status=VisitStatus.SCHEDULED,
            actual_start__isnull=True,
        )
        .select_related("order")
        .order_by("scheduled_start", "order__reference")
    )
