"""Worked examples of the Part 2 rules `[001 Part 2]`."""

import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from continuing_care import rules


def test_week_20_of_a_plan_from_monday_5_january_2026_ends_sunday_24_may_2026():
    # 5 January + 20 × 7 − 1 = 139 days: 26 days to 31 January, 28 in February, 31 in March,
    # 30 in April, 24 in May → 24 May 2026.
    assert rules.week_due_on(dt.date(2026, 1, 5), 20) == dt.date(2026, 5, 24)
    assert rules.week_due_on(dt.date(2026, 1, 5), 1) == dt.date(2026, 1, 11)
    assert rules.week_due_on(dt.date(2026, 1, 5), 2) == dt.date(2026, 1, 18)


def test_week_zero_is_not_a_week():
    with pytest.raises(ValueError):
        rules.week_due_on(dt.date(2026, 1, 5), 0)


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)), st.integers(1, 52))
def test_each_week_ends_seven_days_after_the_last(start, week):
    assert rules.week_due_on(start, week + 1) - rules.week_due_on(start, week) == dt.timedelta(days=7)


def test_eligibility_review_alerts_four_weeks_ahead():
    due = dt.date(2026, 12, 21)
    assert rules.review_alert_on(due) == dt.date(2026, 11, 23)
    assert rules.review_state(due, dt.date(2026, 11, 22)) == ""
    assert rules.review_state(due, dt.date(2026, 11, 23)) == "due soon"
    assert rules.review_state(due, dt.date(2026, 12, 21)) == "due soon"
    assert rules.review_state(due, dt.date(2026, 12, 22)) == "overdue"


def test_a_mileage_claim_without_an_agreement_is_refused():
    problems = rules.mileage_claim_problems(
        has_agreement=False, travelled_on=dt.date(2026, 5, 12), miles=D("10")
    )
    assert list(problems) == ["agreement"] and "prior agreement" in problems["agreement"]


def test_a_mileage_claim_inside_the_agreement():
    # 2,000 miles agreed, 1,950.0 claimed already: 50.0 left; 50.0 is allowed, 50.1 is not.
    terms = dict(
        has_agreement=True,
        travelled_on=dt.date(2026, 5, 12),
        valid_from=dt.date(2026, 4, 1),
        valid_to=dt.date(2027, 3, 31),
        miles_already_claimed=D("1950.0"),
        max_miles=D("2000"),
    )
    assert rules.mileage_claim_problems(miles=D("50.0"), **terms) == {}
    assert list(rules.mileage_claim_problems(miles=D("50.1"), **terms)) == ["miles"]
    outside = {**terms, "travelled_on": dt.date(2026, 3, 31)}
    assert list(rules.mileage_claim_problems(miles=D("1"), **outside)) == ["travelled_on"]


def test_mileage_amount_to_the_penny():
    # 86.4 miles × £0.45 = £38.88; 10.1 × £0.45 = £4.545 → £4.55 (half up).
    assert rules.mileage_amount(D("86.4"), D("0.45")) == D("38.88")
    assert rules.mileage_amount(D("10.1"), D("0.45")) == D("4.55")
