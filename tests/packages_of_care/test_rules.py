"""Worked examples for day-weighted commissioned hours and pro-rata package prices."""

import datetime as dt
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from packages_of_care.rules import (
    Version,
    commissioned_minutes,
    commissioned_minutes_by_day,
    package_price,
    version_in_force,
)

MON = dt.date(2026, 5, 4)
SUN = dt.date(2026, 5, 10)
WED = dt.date(2026, 5, 6)


def test_variation_on_a_wednesday_is_day_weighted():
    versions = [Version(dt.date(2026, 4, 1), D("14")), Version(WED, D("21"))]
    # Mon, Tue at 14 h/week = 120 min/day; Wed–Sun at 21 h/week = 180 min/day.
    by_day = commissioned_minutes_by_day(versions, MON, SUN)
    assert by_day[MON] == D(120) and by_day[dt.date(2026, 5, 5)] == D(120)
    assert by_day[WED] == D(180) and by_day[SUN] == D(180)
    assert commissioned_minutes(versions, MON, SUN) == D(1140)  # 2×120 + 5×180 = 19 hours


def test_days_outside_the_order_carry_nothing():
    versions = [Version(dt.date(2026, 5, 7), D("7"))]
    # The order starts on Thursday: Thu–Sun = 4 days × 60 minutes.
    assert commissioned_minutes(versions, MON, SUN, order_start=dt.date(2026, 5, 7)) == D(240)
    # …and ends on Saturday: 3 days.
    assert commissioned_minutes(
        versions, MON, SUN, order_start=dt.date(2026, 5, 7), order_end=dt.date(2026, 5, 9)
    ) == D(180)


def test_unrounded_thirds_of_a_minute_are_kept():
    versions = [Version(MON, D("10.25"))]
    # 10.25 h × 60 = 615 min/week; a day is 615/7 = 87.857… minutes.
    assert commissioned_minutes(versions, MON, MON) == D(615) / D(7)
    assert commissioned_minutes(versions, MON, SUN) == D(615)


def test_package_price_part_week():
    versions = [Version(dt.date(2026, 1, 1), D("10"), D("350.00"))]
    assert package_price(versions, MON, SUN) == D("350.00")
    # Order ends on Wednesday: Mon–Wed, 3 × £50.
    assert package_price(versions, MON, SUN, order_end=WED) == D("150.00")


def test_version_in_force():
    v1, v2 = Version(dt.date(2026, 4, 1), D("5")), Version(WED, D("6"))
    assert version_in_force([v2, v1], dt.date(2026, 3, 31)) is None
    assert version_in_force([v2, v1], dt.date(2026, 5, 5)) is v1
    assert version_in_force([v2, v1], WED) is v2


@given(
    hours=st.lists(st.decimals(min_value=0, max_value=80, places=2), min_size=1, max_size=4),
    change_days=st.lists(st.integers(min_value=1, max_value=6), min_size=0, max_size=3, unique=True),
)
def test_a_week_never_exceeds_the_largest_or_falls_below_the_smallest_weekly_hours(hours, change_days):
    dates = [MON] + [MON + dt.timedelta(days=d) for d in sorted(change_days)]
    versions = [Version(day, h) for day, h in zip(dates, hours, strict=False)]
    total = commissioned_minutes(versions, MON, SUN)
    used = [v.weekly_hours for v in versions]
    assert min(used) * 60 - D("0.000001") <= total <= max(used) * 60 + D("0.000001")
