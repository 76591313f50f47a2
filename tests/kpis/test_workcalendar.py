import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpis.models import CalendarDay
from kpis.workcalendar import ensure_calendar, year_rows
from portal.workdays import working_days_between


@given(
    st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2027, 12, 1)),
    st.integers(min_value=0, max_value=30),
)
@settings(max_examples=200)
def test_numbers_subtract_to_working_days_between(start, gap):
    end = start + dt.timedelta(days=gap)
    rows = {d: n for y in range(start.year, end.year + 1) for d, _w, n in year_rows(y)}
    assert rows[end] - rows[start] == working_days_between(start, end)


def test_spring_bank_holiday_2026_is_not_a_working_day():
    rows = {d: (w, n) for d, w, n in year_rows(2026)}
    assert rows[dt.date(2026, 5, 25)][0] is False
    # Friday 22 May to Tuesday 26 May: one working day (the Tuesday).
    assert rows[dt.date(2026, 5, 26)][1] - rows[dt.date(2026, 5, 22)][1] == 1


@pytest.mark.django_db
def test_ensure_calendar_is_idempotent():
    added = ensure_calendar(dt.date(2026, 3, 1), dt.date(2027, 2, 1))
    assert added == 365 + 365
    assert ensure_calendar(dt.date(2026, 1, 1), dt.date(2027, 12, 31)) == 0
    assert CalendarDay.objects.get(day=dt.date(2026, 12, 25)).is_working_day is False
