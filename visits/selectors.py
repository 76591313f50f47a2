"""Reads over visits, set-based."""

import datetime as dt
from collections.abc import Iterable

from django.db import connection
from django.db.models import QuerySet

from .models import Visit


def run_positions(
    *, orders: QuerySet, start: dt.date, end: dt.date, counted: Iterable[str]
) -> dict[int, int]:
    """{visit id: position in its run of consecutive counted visits} for the counted visits of
    `orders` whose day falls from start to end (see `visits.rules.run_positions`).

    One SQL statement (gaps and islands with window functions; PostgreSQL and SQLite alike). Runs
    cross the start boundary: each order's earlier visits are read back to its last visit before
    `start` that breaks a run, so a cancellation on the period's first day can be the 4th.
    """
    counted = sorted(set(counted))
    if not counted:
        return {}
    table = Visit._meta.db_table
    orders_sql, orders_params = orders.values("pk").query.sql_with_params()
    marks = ", ".join(["%s"] * len(counted))
    # Only the table name and placeholders are formatted in; every value is a parameter.
    sql = f"""
        WITH scope AS ({orders_sql}),
        boundary AS (
            SELECT y.order_id, MAX(y.scheduled_start) AS since
            FROM {table} y
            WHERE y.order_id IN (SELECT * FROM scope) AND y.visit_date < %s AND y.status NOT IN ({marks})
            GROUP BY y.order_id
        ),
        v AS (
            SELECT x.id, x.order_id, x.scheduled_start, x.visit_date,
                   CASE WHEN x.status IN ({marks}) THEN 1 ELSE 0 END AS counted
            FROM {table} x LEFT JOIN boundary b ON b.order_id = x.order_id
            WHERE x.order_id IN (SELECT * FROM scope) AND x.visit_date <= %s
              AND (b.since IS NULL OR x.scheduled_start >= b.since)
        ),
        g AS (
            SELECT id, order_id, scheduled_start, visit_date, counted,
                   ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY scheduled_start, id)
                   - ROW_NUMBER() OVER (PARTITION BY order_id, counted ORDER BY scheduled_start, id) AS grp
            FROM v
        ),
        r AS (
            SELECT id, visit_date,
                   ROW_NUMBER() OVER (PARTITION BY order_id, grp ORDER BY scheduled_start, id) AS position
            FROM g WHERE counted = 1
        )
        SELECT id, position FROM r WHERE visit_date >= %s
    """  # noqa: S608
    params = [*orders_params, start, *counted, *counted, end, start]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


# Reads for the screens and the API ---------------------------------------------------------------


def visits_for(user):
    """Visits the user may see, with what the lists show, in one query per page."""
    from portal.tenancy import scoped

    return scoped(Visit, user).select_related("order", "order__service_user", "provider", "commissioner")


def filter_visits(queryset, data: dict, *, now=None):
    """Narrow a visit queryset by the list's filters (already cleaned)."""
    import datetime as _dt

    from django.db.models import Q
    from django.utils import timezone

    from .models import VisitStatus

    now = now or timezone.now()
    if data.get("date_from"):
        queryset = queryset.filter(visit_date__gte=data["date_from"])
    if data.get("date_to"):
        queryset = queryset.filter(visit_date__lte=data["date_to"])
    if data.get("status"):
        queryset = queryset.filter(status=data["status"])
    if data.get("order"):
        queryset = queryset.filter(order__reference=data["order"].strip())
    if data.get("carer"):
        carer = data["carer"].strip()
        queryset = queryset.filter(Q(carer_reference=carer) | Q(second_carer_reference=carer))
    if data.get("provider"):
        queryset = queryset.filter(provider=data["provider"])
    attention = data.get("attention")
    if attention == "late":
        queryset = queryset.filter(
            status=VisitStatus.SCHEDULED,
            actual_start__isnull=True,
            scheduled_start__lte=now - _dt.timedelta(minutes=15),
        )
    elif attention == "unexplained":
        queryset = queryset.filter(status=VisitStatus.MISSED, missed_explained_at__isnull=True)
    elif attention == "time_critical":
        queryset = queryset.filter(time_critical=True)
    return queryset


def missed_visits_for(user):
    from .models import VisitStatus

    return visits_for(user).filter(status=VisitStatus.MISSED).order_by("-scheduled_start", "-id")


def status_counts(queryset) -> dict[str, int]:
    """{status: how many} for a queryset, in one grouped query."""
    from django.db.models import Count

    return dict(queryset.order_by().values_list("status").annotate(n=Count("id")))
