"""TUPE legacy costs [004 App. 3 §8]: worked examples, each figure computed by hand below."""

import datetime as dt
from decimal import Decimal as D

import pytest

from legacy_costs import rules
from legacy_costs.rules import LgpsFigures, StaffTerms

NLW = [
    (dt.date(2024, 4, 1), D("11.44")),
    (dt.date(2025, 4, 1), D("12.21")),
    (dt.date(2026, 4, 1), D("12.71")),
]
# A contract starting 1 May 2024: its quarters run May–Jul, Aug–Oct, Nov–Jan, Feb–Apr.
START = dt.date(2024, 5, 1)


def staff(**terms):
    values = dict(
        reference="LS-1",
        role="Senior carer",
        weekly_hours=D("30"),
        tupe_rate=D("12.50"),
        new_rate=D("11.60"),
        start=START,
        end=None,
        lgps_member=True,
    )
    values.update(terms)
    return StaffTerms(**values)


def test_contract_quarters_run_from_the_start_date():
    q4 = rules.quarter_numbered(START, 1, 4)
    assert (q4.start, q4.end, q4.days) == (dt.date(2025, 2, 1), dt.date(2025, 4, 30), 89)
    assert rules.contract_quarter(START, dt.date(2025, 4, 30)) == q4
    assert rules.contract_quarter(START, dt.date(2025, 5, 1)) == rules.quarter_numbered(START, 2, 1)
    # A start on the 31st: quarters end on the day before the same date (or the month's last day).
    assert rules.quarter_numbered(dt.date(2024, 8, 31), 1, 2).start == dt.date(2024, 11, 30)


def test_pay_rate_difference_with_the_nlw_cap_crossing_1_april():
    """Year 1 quarter 4, 1 Feb–30 Apr 2025, 30 contracted hours, TUPE'd £12.50, new rate £11.60.
    1 Feb–31 Mar (59 days), NLW £11.44 below the new rate: £12.50 − £11.60 = £0.90 × 30 × 59/7
    = £227.571… → £227.57. 1–30 Apr (30 days), NLW £12.21 above the new rate, so the difference is
    capped there: £12.50 − £12.21 = £0.29 × 30 × 30/7 = £37.285… → £37.29. Total £264.86."""
    charge = rules.pay_rate_difference(staff(), rules.quarter_numbered(START, 1, 4), NLW)
    assert charge.amount == D("264.86")
    assert "£0.90 an hour" in charge.steps[0] and "= £227.57" in charge.steps[0]
    assert "the National Living Wage of £12.21" in charge.steps[1] and "= £37.29" in charge.steps[1]


def test_pay_rate_difference_stops_once_the_nlw_reaches_the_tupe_rate():
    """From 1 April 2026 the NLW (£12.71) is above the TUPE'd £12.50: nothing is due."""
    charge = rules.pay_rate_difference(staff(), rules.quarter_numbered(START, 3, 1), NLW)
    assert charge.amount == D("0.00")


def test_annual_leave_difference_part_time_whole_quarter():
    """22.5 hours a week: a day is 4.5 hours; 4 days = 18 hours × £12.00 = £216.00 a year, plus
    25% on-costs = £270.00; a quarter = £67.50."""
    person = staff(weekly_hours=D("22.5"), tupe_rate=D("12.00"))
    charge = rules.annual_leave_difference(person, rules.quarter_numbered(START, 1, 1), D("25"))
    assert charge.amount == D("67.50")
    assert "4.5 hours a day" in charge.steps[0] and "£270.00" in charge.steps[0]


def test_a_person_promoted_mid_quarter_is_paid_to_their_last_day_in_the_role():
    """Promoted from 16 June 2024 (last TUPE'd day 15 June): 46 of quarter 1's 92 days (1 May–31 Jul).
    Leave: £270.00 ÷ 4 × 46/92 = £33.75. Pay: new rate £11.44 = NLW, so £12.00 − £11.44 = £0.56 ×
    22.5 × 46/7 = £82.80. LGPS on the fund's £450.00 a quarter: £450.00 × 46/92 = £225.00. The next
    quarter pays nothing."""
    person = staff(
        weekly_hours=D("22.5"), tupe_rate=D("12.00"), new_rate=D("11.44"), end=dt.date(2024, 6, 15)
    )
    q1 = rules.quarter_numbered(START, 1, 1)
    figures = LgpsFigures(fund_quarterly={1: D("450.00")})
    assert rules.annual_leave_difference(person, q1, D("25")).amount == D("33.75")
    assert rules.pay_rate_difference(person, q1, NLW).amount == D("82.80")
    assert rules.lgps_contribution(person, q1, figures, START).amount == D("225.00")
    q2 = rules.quarter_numbered(START, 1, 2)
    assert rules.annual_leave_difference(person, q2, D("25")) is None
    assert rules.pay_rate_difference(person, q2, NLW) is None
    assert rules.lgps_contribution(person, q2, figures, START) is None


def test_lgps_first_year_fund_figures_then_q3_reconciles_and_q4_follows_it():
    """Year 1: quarters 1 and 2 on the pension fund's £450.00; actual contributions over quarters
    1–3 £1,410.00, so quarter 3 = £1,410.00 − £450.00 − £450.00 = £510.00; quarter 4 on the agreed
    calculation = £1,410.00 ÷ 3 = £470.00."""
    figures = LgpsFigures(fund_quarterly={1: D("450.00")}, actual_q1_q3={1: D("1410.00")})
    amounts = [
        rules.lgps_contribution(staff(), rules.quarter_numbered(START, 1, n), figures, START).amount
        for n in (1, 2, 3, 4)
    ]
    assert amounts == [D("450.00"), D("450.00"), D("510.00"), D("470.00")]


def test_lgps_later_years_use_last_years_amounts_and_q3_adjusts_by_the_difference():
    """Year 2: quarters 1 and 2 on last year's agreed £470.00 (£1,410.00 ÷ 3); year 2's actual over
    quarters 1–3 is £1,380.00, so quarter 3 = £1,380.00 − £470.00 − £470.00 = £440.00 (its own
    quarter at the actual £460.00, less the £20.00 over-charged in quarters 1 and 2); quarter 4 =
    £1,380.00 ÷ 3 = £460.00."""
    figures = LgpsFigures(fund_quarterly={1: D("450.00")}, actual_q1_q3={1: D("1410.00"), 2: D("1380.00")})
    amounts = [
        rules.lgps_contribution(staff(), rules.quarter_numbered(START, 2, n), figures, START).amount
        for n in (1, 2, 3, 4)
    ]
    assert amounts == [D("470.00"), D("470.00"), D("440.00"), D("460.00")]


def test_lgps_missing_figures_are_named_and_non_members_pay_nothing():
    with pytest.raises(rules.MissingFigure, match="Pension Fund"):
        rules.lgps_contribution(staff(), rules.quarter_numbered(START, 1, 1), LgpsFigures(), START)
    with pytest.raises(rules.MissingFigure, match="quarters 1–3 of year 1"):
        rules.lgps_contribution(
            staff(), rules.quarter_numbered(START, 1, 3), LgpsFigures(fund_quarterly={1: D("1")}), START
        )
    assert (
        rules.lgps_contribution(
            staff(lgps_member=False), rules.quarter_numbered(START, 1, 1), LgpsFigures(), START
        )
        is None
    )
