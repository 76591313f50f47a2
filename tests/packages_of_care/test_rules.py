"""Worked examples for day-weighted commissioned hours and pro-rata package prices."""

import datetime as dt
from decimal import Decimal as D

import pytest
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


# --- Week by week, schedules, authorised extra hours -------------------------------------------------

from zoneinfo import ZoneInfo  # noqa: E402

from packages_of_care.rules import (  # noqa: E402
    authorised_extra_minutes,
    emergency_response_due,
    r5_emergency_response,
    r6_response_within_week_one,
    r7_first_visit,
    r8_support_solution,
    referral_measures,
    schedule_carer_minutes,
    schedule_matches_hours,
    weeks_of_hours,
    working_time_between,
)

LONDON = ZoneInfo("Europe/London")


def at(day, hh, mm=0):
    return dt.datetime(day.year, day.month, day.day, hh, mm, tzinfo=LONDON)


def test_weeks_of_hours_show_a_wednesday_variation_and_a_package_price():
    versions = [Version(dt.date(2026, 4, 1), D("14"), D("350.00")), Version(WED, D("21"), D("525.00"))]
    weeks = weeks_of_hours(versions, dt.date(2026, 4, 27), 3, order_start=dt.date(2026, 4, 1))
    assert [w.week_start for w in weeks] == [dt.date(2026, 4, 27), MON, dt.date(2026, 5, 11)]
    # 14 h; then Mon–Tue at 14 h/week and Wed–Sun at 21 h/week = 4 + 15 = 19 h; then 21 h.
    assert [w.commissioned_hours for w in weeks] == [D("14"), D("19"), D("21")]
    assert [w.varied_on for w in weeks] == [(), (WED,), ()]
    # The price the same way: 2 × £50 + 5 × £75 = £475.
    assert [w.weekly_price for w in weeks] == [D("350"), D("475"), D("525")]
    assert weeks[1].week_end == SUN


def test_the_first_week_of_an_order_is_part_weighted_and_not_called_a_variation():
    versions = [Version(dt.date(2026, 4, 1), D("14"))]  # a Wednesday start
    week = weeks_of_hours(versions, dt.date(2026, 3, 30), 1, order_start=dt.date(2026, 4, 1))[0]
    assert week.commissioned_hours == D("10") and week.varied_on == () and week.weekly_price is None


def test_authorised_extra_minutes_are_day_weighted():
    tv = TemporaryVariationFactoryLike(dt.date(2026, 5, 6), dt.date(2026, 5, 19), D("3.5"))
    assert authorised_extra_minutes([tv], MON, SUN) == D("3.5") * 60 * 5 / 7  # Wed–Sun: 150 minutes
    assert authorised_extra_minutes([tv], MON, SUN) == D(150)
    assert authorised_extra_minutes([tv], dt.date(2026, 5, 11), dt.date(2026, 5, 17)) == D(210)  # a full week
    assert authorised_extra_minutes([tv], dt.date(2026, 5, 20), dt.date(2026, 5, 26)) == 0


class TemporaryVariationFactoryLike:
    def __init__(self, start_date, end_date, extra_hours_per_week):
        self.start_date, self.end_date, self.extra_hours_per_week = start_date, end_date, extra_hours_per_week


def test_a_schedule_adds_up_in_carer_minutes():
    lines = [{"duration_minutes": 30, "carers": 2}] * 7 + [{"duration_minutes": 45}]
    assert schedule_carer_minutes(lines) == 7 * 60 + 45
    assert schedule_matches_hours(lines, D("7.75"))
    assert not schedule_matches_hours(lines, D("7.5"))
    assert schedule_matches_hours([], D("12"))  # an outcome-based package has no schedule


@given(
    hours=st.lists(st.decimals(min_value=0, max_value=60, places=2), min_size=1, max_size=4),
    change_days=st.lists(st.integers(min_value=1, max_value=27), max_size=3, unique=True),
)
def test_weeks_add_up_to_the_period(hours, change_days):
    start = dt.date(2026, 4, 6)
    dates = [start] + [start + dt.timedelta(days=d) for d in sorted(change_days)]
    versions = [Version(day, h) for day, h in zip(dates, hours, strict=False)]
    weeks = weeks_of_hours(versions, start, 4)
    total = commissioned_minutes(versions, start, start + dt.timedelta(days=27))
    # Each week divides by 7 once, so the parts agree with the whole to Decimal's precision.
    assert abs(sum(w.commissioned_minutes for w in weeks) - total) < D("1e-20")


# --- Referral response times: R5–R8 -------------------------------------------------------------------


def test_r5_the_24_hour_clock_stops_over_a_weekend_and_a_bank_holiday():
    # Friday 22 Aug 2025 16:00; Sat, Sun and Mon 25 Aug (the August bank holiday) do not count:
    # 8 hours on Friday + 16 on Tuesday → due Tuesday 26 Aug 16:00.
    received = at(dt.date(2025, 8, 22), 16)
    assert emergency_response_due(received) == at(dt.date(2025, 8, 26), 16)
    met = r5_emergency_response(
        is_emergency=True, received_at=received, responded_at=at(dt.date(2025, 8, 26), 15, 59), now=received
    )
    assert (met.met, met.taken) == (True, D("23.98333333333333333333333333"))
    late = r5_emergency_response(
        is_emergency=True, received_at=received, responded_at=at(dt.date(2025, 8, 26), 16, 1), now=received
    )
    assert late.met is False and late.state == "not met"
    # Not an emergency: R5 does not apply.
    assert r5_emergency_response(
        is_emergency=False, received_at=received, responded_at=None, now=received
    ).state == ("not applicable")
    # Unanswered: in progress until the deadline, then not met.
    assert (
        r5_emergency_response(
            is_emergency=True, received_at=received, responded_at=None, now=at(dt.date(2025, 8, 25), 12)
        ).met
        is None
    )
    assert (
        r5_emergency_response(
            is_emergency=True, received_at=received, responded_at=None, now=at(dt.date(2025, 8, 26), 17)
        ).met
        is False
    )


def test_r5_received_on_a_saturday_starts_the_clock_on_monday():
    assert emergency_response_due(at(dt.date(2026, 3, 28), 10)) == at(dt.date(2026, 3, 31), 0)
    # Across the clock change (Sunday 29 March 2026) a working day is still 24 real hours.
    assert working_time_between(at(dt.date(2026, 3, 27), 12), at(dt.date(2026, 3, 30), 12)) == dt.timedelta(
        hours=24
    )


def test_r6_answered_within_week_one():
    received = at(dt.date(2026, 4, 2), 9)  # Thursday before Easter
    assert r6_response_within_week_one(
        received_at=received, responded_at=at(dt.date(2026, 4, 9), 17), today=dt.date(2026, 4, 9)
    ).met
    late = r6_response_within_week_one(
        received_at=received, responded_at=at(dt.date(2026, 4, 10), 8), today=dt.date(2026, 4, 10)
    )
    assert (late.met, late.taken, late.due) == (False, 8, dt.date(2026, 4, 9))


def _measure(result, expected: dict) -> dict:
    """The measure's attributes that `expected` names, to compare with it."""
    return {name: getattr(result, name) for name in expected}


# Accepted Thursday 21 Aug 2025. Working days after: Fri 22 (1), [Sat, Sun, bank holiday Mon 25],
# Tue 26 (2), Wed 27 (3), Thu 28 (4), Fri 29 (5), Mon 1 Sep (6), Tue 2 Sep (7).
R7_ACCEPTED = dt.date(2025, 8, 21)
# (first visit, today, what the measure says)
R7_CASES = [
    (dt.date(2025, 9, 2), dt.date(2025, 9, 30), {"met": True, "taken": 7, "due": dt.date(2025, 9, 2)}),
    # Counting the bank holiday as a working day would have made 2 September the 8th day.
    (dt.date(2025, 9, 3), dt.date(2025, 9, 30), {"met": False, "taken": 8}),
    (None, dt.date(2025, 9, 2), {"state": "in progress"}),
    (None, dt.date(2025, 9, 3), {"state": "not met"}),
]


@pytest.mark.parametrize(("first_visit", "today", "expected"), R7_CASES)
def test_r7_counts_working_days_from_acceptance_across_the_august_bank_holiday(first_visit, today, expected):
    result = r7_first_visit(accepted_on=R7_ACCEPTED, first_visit_date=first_visit, today=today)
    assert _measure(result, expected) == expected


def test_r7_does_not_apply_before_acceptance():
    assert (
        r7_first_visit(accepted_on=None, first_visit_date=None, today=R7_ACCEPTED).state == "not applicable"
    )


# First visit Thursday 2 April 2026. Good Friday 3 and Easter Monday 6 April are bank holidays:
# Tue 7 (1), Wed 8 (2), Thu 9 (3), Fri 10 (4), Mon 13 (5) → due Monday 13 April.
R8_CASES = [
    # (agreed on, what the measure says on 1 May)
    (dt.date(2026, 4, 13), {"met": True, "taken": 5, "due": dt.date(2026, 4, 13)}),
    (dt.date(2026, 4, 14), {"met": False, "taken": 6}),
]


@pytest.mark.parametrize(("agreed_on", "expected"), R8_CASES)
def test_r8_counts_working_days_from_the_first_visit_across_easter(agreed_on, expected):
    result = r8_support_solution(
        first_visit_date=dt.date(2026, 4, 2), agreed_on=agreed_on, today=dt.date(2026, 5, 1)
    )
    assert _measure(result, expected) == expected


def test_referral_measures_follow_the_decision():
    class Referral:
        is_emergency = False
        received_at = at(dt.date(2025, 8, 18), 10)
        responded_at = at(dt.date(2025, 8, 19), 10)
        decision = "accepted"
        decided_at = at(dt.date(2025, 8, 21), 15)
        first_visit_date = dt.date(2025, 9, 2)
        support_solution_agreed_date = dt.date(2025, 9, 9)

    measures = referral_measures(Referral, now=at(dt.date(2025, 10, 1), 9))
    assert [(m.code, m.state) for m in measures] == [
        ("R5", "not applicable"),
        ("R6", "met"),
        ("R7", "met"),
        ("R8", "met"),  # 2 Sep → 9 Sep is 5 working days
    ]
    Referral.decision = "declined"
    assert [m.state for m in referral_measures(Referral, now=at(dt.date(2025, 10, 1), 9))][2:] == [
        "not applicable",
        "not applicable",
    ]
