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
