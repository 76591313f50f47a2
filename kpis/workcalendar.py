"""England's working days as a table (`CalendarDay`), so working-day KPIs are computed in SQL.

`number` counts working days from 1 January 2000 (inclusive) to the day (inclusive): for any two
days a ≤ b, `number(b) − number(a)` is `portal.workdays.working_days_between(a, b)` — the working
days after a up to and including b. Rows are added for whole years, on demand and idempotently.
"""

import datetime as dt
from functools import lru_cache

from django.db import transaction

from portal.workdays import is_working_day

EPOCH = dt.date(2000, 1, 1)


@lru_cache(maxsize=128)
def _working_days_before_year(year: int) -> int:
    """Working days from EPOCH up to 31 December of the year before `year`."""
    if year <= EPOCH.year:
        return 0
    previous = _working_days_before_year(year - 1)
    day, count = dt.date(year - 1, 1, 1), 0
    while day.year == year - 1:
        count += is_working_day(day)
        day += dt.timedelta(days=1)
    return previous + count


def year_rows(year: int) -> list[tuple[dt.date, bool, int]]:
    number = _working_days_before_year(year)
    rows = []
    day = dt.date(year, 1, 1)
    while day.year == year:
        working = is_working_day(day)
        number += working
        rows.append((day, working, number))
        day += dt.timedelta(days=1)
    return rows


def ensure_calendar(first: dt.date, last: dt.date) -> int:
    """Make sure every day of the years from `first` to `last` is in the table. Returns rows added."""
    from .models import CalendarDay

    added = 0
    for year in range(max(first.year, EPOCH.year), last.year + 1):
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        expected = (end - start).days + 1
        if CalendarDay.objects.filter(day__range=(start, end)).count() == expected:
            continue
        with transaction.atomic():
            rows = [CalendarDay(day=d, is_working_day=w, number=n) for d, w, n in year_rows(year)]
            CalendarDay.objects.bulk_create(rows, ignore_conflicts=True)
            added += len(rows)
    return added
