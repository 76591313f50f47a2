"""Pure rules for the 4-week tolerance alert `[004 §3.2.7, App. 3 §4]`. No ORM, no I/O.

Delivered hours may vary by ±20% of the commissioned weekly hours; hours above that need the
council's authorisation (a temporary variation). When the allocation has been exceeded for 4
consecutive weeks the council is told, so the order can be reviewed.

A week is over tolerance when delivered carer-minutes exceed the commissioned minutes × 1.2 plus
the minutes an approved temporary variation authorises that week. Commissioned minutes are
day-weighted (`packages_of_care.rules.commissioned_minutes`); a week with nothing commissioned
breaks a run.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

TOLERANCE = Decimal("0.20")
CONSECUTIVE_WEEKS = 4
WEEKS_LOOKED_AT = 8
SIXTY = Decimal(60)
SEVEN = Decimal(7)


@dataclass(frozen=True)
class WeekFigures:
    week_start: dt.date
    commissioned_minutes: Decimal
    authorised_extra_minutes: Decimal
    delivered_minutes: Decimal

    @property
    def allowed_minutes(self) -> Decimal:
        return self.commissioned_minutes * (1 + TOLERANCE) + self.authorised_extra_minutes

    @property
    def is_over(self) -> bool:
        return self.commissioned_minutes > 0 and self.delivered_minutes > self.allowed_minutes


def week_first_weekday(contract) -> int:
    """Monday (0), or for Norfolk's 4-weekly hourly contracts the weekday their payment periods
    start on `[004 App. 6]`."""
    if getattr(contract, "payment_model", "") == "hourly_4_weekly" and contract.payment_period_anchor:
        return contract.payment_period_anchor.weekday()
    return 0


def week_start(day: dt.date, first_weekday: int) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() - first_weekday) % 7)


def complete_weeks(today: dt.date, first_weekday: int, count: int) -> list[dt.date]:
    """The starts of the last `count` weeks that ended before `today`, oldest first.

    >>> complete_weeks(dt.date(2026, 10, 28), 0, 2)  # a Wednesday; weeks start on Monday
    [datetime.date(2026, 10, 12), datetime.date(2026, 10, 19)]
    """
    current = week_start(today, first_weekday)
    return [current - dt.timedelta(days=7 * k) for k in range(count, 0, -1)]


def authorised_extra_minutes(variations: Iterable[Mapping], start: dt.date, end: dt.date) -> Decimal:
    """Minutes approved temporary variations authorise from start to end: each covered day
    carries a seventh of the extra weekly hours."""
    weekly_sum = Decimal(0)
    for tv in variations:
        first = max(start, tv["start_date"])
        last = min(end, tv["end_date"])
        if last >= first:
            weekly_sum += Decimal(tv["extra_hours_per_week"]) * ((last - first).days + 1)
    return weekly_sum * SIXTY / SEVEN


def current_streak(weeks: list[WeekFigures]) -> list[WeekFigures]:
    """The run of over-tolerance weeks that ends with the last week (empty if it was not over)."""
    streak: list[WeekFigures] = []
    for week in reversed(weeks):
        if not week.is_over:
            break
        streak.append(week)
    return list(reversed(streak))


def hours(minutes: Decimal) -> str:
    """Minutes as hours for people, to the hundredth (display only; nothing is paid on it)."""
    from portal.money import PENNY, minutes_to_hours, round_half_up

    return f"{round_half_up(minutes_to_hours(minutes), PENNY):f}".rstrip("0").rstrip(".")
