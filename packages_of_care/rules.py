"""Pure calculations on orders: what was commissioned on which day. No ORM, no I/O.

A week's commissioned hours are day-weighted: each day carries one seventh of the weekly hours of
the order version in force that day, so an order varied on a Wednesday counts Monday and Tuesday
on the old hours and Wednesday onwards on the new. Dorset's weekly package price is pro-rated by
day the same way. Nothing here rounds: rounding happens once, on the invoice line
(`portal.money`).
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

SEVEN = Decimal(7)
SIXTY = Decimal(60)


class VersionLike(Protocol):
    effective_from: dt.date
    weekly_hours: Decimal
    weekly_price: Decimal | None


@dataclass(frozen=True)
class Version:
    """A plain version, for callers that read versions with values() rather than models."""

    effective_from: dt.date
    weekly_hours: Decimal
    weekly_price: Decimal | None = None


def days(start: dt.date, end: dt.date) -> Iterable[dt.date]:
    """Every day from start to end inclusive."""
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


def version_in_force(versions: Sequence[VersionLike], day: dt.date) -> VersionLike | None:
    """The version with the latest effective_from on or before `day` (None before the first)."""
    current = None
    for version in sorted(versions, key=lambda v: v.effective_from):
        if version.effective_from <= day:
            current = version
        else:
            break
    return current


def _in_order(day: dt.date, order_start: dt.date | None, order_end: dt.date | None) -> bool:
    return (order_start is None or day >= order_start) and (order_end is None or day <= order_end)


def commissioned_minutes_by_day(
    versions: Sequence[VersionLike],
    start: dt.date,
    end: dt.date,
    *,
    order_start: dt.date | None = None,
    order_end: dt.date | None = None,
) -> dict[dt.date, Decimal]:
    """{day: weekly hours in force that day × 60 ÷ 7} for each day from start to end; days outside
    the order's dates, or before its first version, carry nothing."""
    result = {}
    for day in days(start, end):
        version = version_in_force(versions, day) if _in_order(day, order_start, order_end) else None
        result[day] = (version.weekly_hours * SIXTY / SEVEN) if version is not None else Decimal(0)
    return result


def commissioned_minutes(
    versions: Sequence[VersionLike],
    start: dt.date,
    end: dt.date,
    *,
    order_start: dt.date | None = None,
    order_end: dt.date | None = None,
) -> Decimal:
    """Commissioned minutes from start to end inclusive, day-weighted (unrounded).

    Example: 14 h/week until Tuesday, 21 h/week from Wednesday, week Monday–Sunday:
    2 days × 14×60/7 + 5 days × 21×60/7 = 240 + 900 = 1,140 minutes (19 hours).

    The weekly figures are summed first and divided by 7 once, so a whole week at 10.25 h is
    exactly 615 minutes, not 615.0000…2.
    """
    weekly_sum = Decimal(0)
    for day in days(start, end):
        version = version_in_force(versions, day) if _in_order(day, order_start, order_end) else None
        if version is not None:
            weekly_sum += version.weekly_hours
    return weekly_sum * SIXTY / SEVEN


def package_price(
    versions: Sequence[VersionLike],
    start: dt.date,
    end: dt.date,
    *,
    order_start: dt.date | None = None,
    order_end: dt.date | None = None,
) -> Decimal:
    """Dorset: the weekly package price for each day the order is in force, ÷ 7 per day
    (unrounded). A full week at £350 is £350; three days are £150."""
    weekly_sum = Decimal(0)
    for day in days(start, end):
        if not _in_order(day, order_start, order_end):
            continue
        version = version_in_force(versions, day)
        if version is not None and version.weekly_price is not None:
            weekly_sum += version.weekly_price
    return weekly_sum / SEVEN
