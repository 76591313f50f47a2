"""Working days: England's, excluding weekends and bank holidays (the `holidays` package, offline).

Deadlines across the specifications count working days: complaint information within 10 working
days `[004 §8.5.5]`, a CQC rating below Good within 2 `[002 §4.3]`, invoices within 10 of the
period's end `[004 App. 6]`, first visits within 7 and outcomes within 5 `[000 §5]`.
"""

import datetime as dt
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.UK(subdiv="ENG", years=year).keys())


def is_bank_holiday(day: dt.date) -> bool:
    return day in _bank_holidays(day.year)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and not is_bank_holiday(day)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (start itself is day 0, whatever it is).

    add_working_days(Friday 22 Aug 2025, 2) skips the weekend and the August bank holiday
    (Monday 25th) and answers Wednesday 27 Aug 2025.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    remaining = days
    while remaining:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 if end is not after start).

    From a Monday to the next day is 1; from a Friday to the Monday after is 1; from the Friday
    before a bank-holiday Monday to the Tuesday is 1.
    """
    if end <= start:
        return 0
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
