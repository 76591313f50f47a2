"""Worked examples for compliance deadlines and gaps."""

import datetime as dt
from decimal import Decimal as D

from compliance import rules

LABELS = {"employers_liability": "Employer's liability", "public_liability": "Public liability"}
DERBY = [  # [002 §4.13]
    rules.Requirement("employers_liability", D("5000000")),
    rules.Requirement("public_liability", D("10000000")),
]


def test_a_rating_below_good_on_the_friday_before_a_bank_holiday_is_due_on_the_wednesday():
    # Friday 28 Aug 2026; Saturday, Sunday and Monday 31 Aug (summer bank holiday) do not count:
    # Tuesday 1 Sep is the first working day and Wednesday 2 Sep the second.
    assert rules.rating_notice_due(dt.date(2026, 8, 28)) == dt.date(2026, 9, 2)


def test_a_rating_on_a_tuesday_is_due_on_the_thursday():
    assert rules.rating_notice_due(dt.date(2026, 6, 9)) == dt.date(2026, 6, 11)


def test_only_requires_improvement_and_inadequate_are_below_good():
    assert rules.is_below_good("requires_improvement") and rules.is_below_good("inadequate")
    assert not any(rules.is_below_good(r) for r in ("good", "outstanding", "not_yet_rated", ""))


def test_expiry_states_around_the_30_day_window():
    today = dt.date(2026, 6, 1)
    assert rules.expiry_state(dt.date(2026, 5, 31), today) == rules.ExpiryState.EXPIRED
    assert rules.expiry_state(today, today) == rules.ExpiryState.EXPIRING
    assert rules.expiry_state(dt.date(2026, 7, 1), today) == rules.ExpiryState.EXPIRING
    assert rules.expiry_state(dt.date(2026, 7, 2), today) == rules.ExpiryState.CURRENT


def test_derby_insurance_check():
    today = dt.date(2026, 6, 1)
    current = {
        "employers_liability": rules.Certificate("employers_liability", D("5000000"), dt.date(2026, 6, 20)),
        "public_liability": rules.Certificate("public_liability", D("5000000"), dt.date(2027, 3, 31)),
    }
    gaps = rules.insurance_gaps(DERBY, current, today, LABELS)
    assert [(g.kind, g.problem, g.overdue) for g in gaps] == [
        ("public_liability", "below", True),
        ("employers_liability", "expiring", False),
    ]
    assert gaps[0].text == "Public liability cover of £5,000,000 is below the £10,000,000 required"
    assert gaps[1].text == "Employer's liability insurance expires on 20 Jun 2026"


def test_a_missing_or_expired_certificate_is_a_gap():
    today = dt.date(2026, 6, 1)
    current = {"public_liability": rules.Certificate("public_liability", D("10000000"), dt.date(2026, 5, 1))}
    gaps = rules.insurance_gaps(DERBY, current, today, LABELS)
    assert [(g.kind, g.problem) for g in gaps] == [
        ("employers_liability", "missing"),
        ("public_liability", "expired"),
    ]
    assert gaps[0].text == "No employer's liability insurance certificate"
