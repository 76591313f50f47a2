"""The invoicing rules on their own: worked examples, each figure computed by hand in the comments
(minutes → hours → quarter-hours → £), and hypothesis properties."""

import datetime as dt
from decimal import Decimal as D
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from invoicing import rules
from invoicing.rules import AbsenceSpan, VariationSpan, VisitFact, WeekVisits
from packages_of_care.rules import Version
from tests.invoicing.conftest import VISIT_OUTCOMES

MON_4_MAY = dt.date(2026, 5, 4)
SUN_10_MAY = dt.date(2026, 5, 10)


def week(
    versions=None, *, visits=(), absences=(), variations=(), rate="22.00", start=MON_4_MAY, order_start=None
):
    versions = versions or [Version(dt.date(2026, 4, 1), D("10.00"))]
    return rules.hourly_week(
        versions=versions,
        week_start=start,
        week_end=start + dt.timedelta(days=6),
        order_start=order_start or dt.date(2026, 4, 1),
        order_end=None,
        visits=WeekVisits.from_visits(visits),
        absences=absences,
        variations=variations,
        rate=D(rate),
    )


def completed(minutes):
    return VisitFact("completed", minutes, minutes)


# Periods -------------------------------------------------------------------------------------------


def test_norfolk_periods_run_28_days_from_the_anchor():
    anchor = dt.date(2024, 4, 1)
    # 1 Apr 2024 + 26 × 28 days = 30 Mar 2026; + 27 × 28 = 27 Apr 2026.
    assert rules.payment_period(anchor, dt.date(2026, 5, 1)) == (dt.date(2026, 4, 27), dt.date(2026, 5, 24))
    assert rules.period_number(anchor, dt.date(2026, 4, 27)) == 28
    assert rules.payment_period(anchor, dt.date(2026, 5, 25))[0] == dt.date(2026, 5, 25)
    assert rules.period_weeks(dt.date(2026, 4, 27), dt.date(2026, 5, 24)) == [
        (dt.date(2026, 4, 27), dt.date(2026, 5, 3)),
        (dt.date(2026, 5, 4), dt.date(2026, 5, 10)),
        (dt.date(2026, 5, 11), dt.date(2026, 5, 17)),
        (dt.date(2026, 5, 18), dt.date(2026, 5, 24)),
    ]


def test_submission_is_due_on_the_tenth_working_day_after_the_period():
    # Period ends Sunday 24 May 2026; Monday 25 May is the Spring bank holiday, so the 10
    # working days are 26–29 May and 1–5 and 8 June: due Monday 8 June.
    assert rules.submission_due_on(dt.date(2026, 5, 24), 10) == dt.date(2026, 6, 8)
    # Payment 30 calendar days after receipt on 3 June: 3 July.
    assert rules.payment_due_on(dt.date(2026, 6, 3), 30) == dt.date(2026, 7, 3)


def test_quarters_and_the_six_month_review_window():
    assert rules.quarter_of(dt.date(2026, 5, 17)) == (dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    assert rules.quarter_of(dt.date(2026, 12, 31)) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert rules.review_window(dt.date(2026, 4, 1)) == (dt.date(2025, 10, 1), dt.date(2026, 3, 31))
    assert rules.months_after(dt.date(2026, 8, 31), -6) == dt.date(2026, 2, 28)


# Norfolk worked examples ----------------------------------------------------------------------------


def test_plain_week_delivered_as_commissioned():
    # 10 h/week; five 120-minute visits = 600 min = 10.00 h; × £22.00 = £220.00.
    result = week(visits=[completed(120)] * 5)
    assert result.commissioned_minutes == 600
    assert result.payable_hours == D("10.00")
    assert result.amount == D("220.00")


def test_fourth_consecutive_short_notice_cancellation_is_not_paid():
    # 10 h/week. One completed 60-minute visit; then four short-notice cancellations of 60 minutes,
    # the 1st, 2nd, 3rd and 4th of a run. Paid: 60 delivered + 3 × 60 cancelled = 240 min;
    # the 4th (60 min) is not paid. 240 min = 4.00 h × £22.00 = £88.00.
    visits = [completed(60)] + [VisitFact("cancelled_short_notice", 60, None, n) for n in (1, 2, 3, 4)]
    result = week(visits=visits)
    assert result.delivered_minutes == 60
    assert result.paid_not_delivered_minutes == 180
    assert result.visits.short_notice_unpaid == (1, 60)
    assert result.payable_hours == D("4.00")
    assert result.amount == D("88.00")


def test_cancellations_with_notice_and_missed_visits_are_not_paid_aborted_and_shortened_are():
    # aborted 45 scheduled → 45; shortened 60 scheduled / 40 actual → 40 delivered + 20;
    # with notice 60 → 0; missed 60 → 0. Payable 45 + 40 + 20 = 105 min = 1.75 h;
    # delivered shown 40 min = 0.6667 h → 0.75 h. 1.75 × £22.00 = £38.50.
    visits = [
        VisitFact("aborted", 45),
        VisitFact("shortened_by_service_user", 60, 40),
        VisitFact("cancelled_with_notice", 60, None, 1),
        VisitFact("missed", 60),
    ]
    result = week(visits=visits)
    assert (result.delivered_minutes, result.paid_not_delivered_minutes) == (40, 65)
    assert result.delivered_hours == D("0.75")
    assert result.payable_hours == D("1.75")
    assert result.amount == D("38.50")


def test_absence_days_1_to_7_in_full_and_8_to_14_at_half_across_a_period_boundary():
    # 14 h/week = 120 commissioned minutes a day. Absence from Friday 22 May 2026 (day 1), ongoing.
    # Norfolk periods: 27 Apr – 24 May and 25 May – 21 Jun 2026.
    versions = [Version(dt.date(2026, 4, 1), D("14.00"))]
    absence = [AbsenceSpan(dt.date(2026, 5, 22), None)]
    # Period 1, week 18–24 May: 4 days of visits (4 × 120 = 480) and absence days 1–3 (22–24 May):
    # 3 × 120 = 360. Payable 840 min = 14.00 h × £23.10 = £323.40.
    w4 = week(
        versions, visits=[completed(120)] * 4, absences=absence, rate="23.10", start=dt.date(2026, 5, 18)
    )
    assert w4.retainer_minutes == 360
    assert [(d.absence_day, d.factor) for d in w4.retainer_days] == [(1, 1), (2, 1), (3, 1)]
    assert (w4.payable_hours, w4.amount) == (D("14.00"), D("323.40"))
    # Period 2, week 25–31 May: days 4–7 (25–28 May) 4 × 120 = 480; days 8–10 (29–31 May)
    # 3 × 60 = 180. 660 min = 11.00 h × £23.10 = £254.10.
    w1 = week(versions, absences=absence, rate="23.10", start=dt.date(2026, 5, 25))
    assert w1.retainer_minutes == 660
    assert (w1.payable_hours, w1.amount) == (D("11.00"), D("254.10"))
    # Week 1–7 June: days 11–14 (1–4 June) 4 × 60 = 240; days 15–17 nothing. 4.00 h = £92.40.
    w2 = week(versions, absences=absence, rate="23.10", start=dt.date(2026, 6, 1))
    assert w2.retainer_minutes == 240
    assert (w2.payable_hours, w2.amount) == (D("4.00"), D("92.40"))
    # Week 8–14 June: day 18 onwards, nothing.
    assert week(versions, absences=absence, start=dt.date(2026, 6, 8)).retainer_minutes == 0
    # Together: 7 × 120 + 7 × 60 = 1,260 minutes, as the rule says.
    assert w4.retainer_minutes + w1.retainer_minutes + w2.retainer_minutes == 1260


def test_an_absence_day_when_the_order_is_not_in_force_earns_nothing():
    # Order starts Thursday 7 May; absence Monday 4 – Sunday 10 May (days 1–7).
    # Only 7–10 May carry commissioned minutes: 4 × 600/7 = 342.857… min → 5.7143 h → 5.75 h.
    result = week(
        absences=[AbsenceSpan(dt.date(2026, 5, 4), dt.date(2026, 5, 10))], order_start=dt.date(2026, 5, 7)
    )
    assert result.retainer_minutes == Fraction(2400, 7)
    assert result.payable_hours == D("5.75")


def test_twenty_five_percent_over_without_a_temporary_variation():
    # 10 h/week = 600 min; allowance 120% = 720 min. Delivered 750 min (25% over):
    # excess 30 min on an unauthorised line: 0.50 h × £22.00 = £11.00, carried as disputed.
    # The week's line: 750 − 30 = 720 min = 12.00 h × £22.00 = £264.00.
    result = week(visits=[completed(150)] * 5)
    assert result.allowance_minutes == 720
    assert result.unauthorised_minutes == 30
    assert (result.payable_hours, result.amount) == (D("12.00"), D("264.00"))
    assert (result.unauthorised_hours, result.unauthorised_amount) == (D("0.50"), D("11.00"))
    assert result.delivered_hours == D("12.50")


def test_twenty_five_percent_over_with_a_temporary_variation_for_the_week():
    # +3 h/week approved for the whole week: allowance 720 + 180 = 900 min ≥ 750: nothing
    # unauthorised. 750 min = 12.50 h × £22.00 = £275.00.
    result = week(visits=[completed(150)] * 5, variations=[VariationSpan(MON_4_MAY, SUN_10_MAY, D("3.00"))])
    assert result.allowance_minutes == 900
    assert result.unauthorised_minutes == 0
    assert (result.payable_hours, result.amount) == (D("12.50"), D("275.00"))


def test_a_temporary_variation_covering_part_of_the_week_is_day_weighted():
    # +3 h/week from Saturday 9 May: 2 days × 180/7 = 51.43 min extra; allowance 771.43 ≥ 750.
    # A variation on Sunday only: 180/7 = 25.71; allowance 745.71 < 750: excess 4.29 min.
    two_days = week(
        visits=[completed(150)] * 5, variations=[VariationSpan(dt.date(2026, 5, 9), SUN_10_MAY, D("3"))]
    )
    assert two_days.variation_extra_minutes == Fraction(360, 7)
    assert two_days.unauthorised_minutes == 0
    one_day = week(visits=[completed(150)] * 5, variations=[VariationSpan(SUN_10_MAY, SUN_10_MAY, D("3"))])
    assert one_day.unauthorised_minutes == Fraction(30, 7)
    # 750 − 30/7 = 745.714 min = 12.43 h → 12.50 h (£275.00); excess 0.0714 h → 0.00 h (£0.00).
    assert (one_day.payable_hours, one_day.unauthorised_hours) == (D("12.50"), D("0.00"))


def test_a_variation_mid_week_is_day_weighted():
    # 14 h/week until Tuesday, 21 h/week from Wednesday 6 May:
    # 2 × 14×60/7 + 5 × 21×60/7 = 240 + 900 = 1,140 min (19 h). Delivered 1,140 → £418.00 at £22.
    versions = [Version(dt.date(2026, 4, 1), D("14")), Version(dt.date(2026, 5, 6), D("21"))]
    result = week(versions, visits=[completed(1140)])
    assert result.commissioned_minutes == 1140
    assert result.amount == D("418.00")


def test_half_quarter_hours_round_up_exactly():
    # 14.25 h/week = 855 min/week. An absence from Thursday 30 April to Thursday 7 May: in the
    # week of 4 May its days 5, 6, 7 (Mon–Wed) in full and day 8 (Thursday) at half:
    # 3.5 × 855/7 = 427.5 min = 7.125 h — exactly half-way, so up to 7.25 h. × £22.00 = £159.50.
    # (Summing the days as 28-digit Decimals gives 427.4999…98 min, which would round to 7.00 h.)
    result = week(
        [Version(dt.date(2026, 4, 1), D("14.25"))],
        absences=[AbsenceSpan(dt.date(2026, 4, 30), dt.date(2026, 5, 7))],
    )
    assert result.retainer_minutes == D("427.5")
    assert (result.payable_hours, result.amount) == (D("7.25"), D("159.50"))
    day = D("14.25") * 60 / 7
    assert rules.quarter_hours((day + day + day + day / 2) / 60) == D("7.00")  # the trap avoided


def test_rate_in_force_on_the_weeks_first_day():
    # £22.00 from 1 Apr 2026, £23.00 from Wednesday 13 May: the week of 11 May starts before it
    # (old rate), the week of 18 May after it (new rate).
    rates = [(dt.date(2026, 4, 1), D("22.00")), (dt.date(2026, 5, 13), D("23.00"))]
    assert rules.rate_on(rates, dt.date(2026, 5, 11)) == D("22.00")
    assert rules.rate_on(rates, dt.date(2026, 5, 18)) == D("23.00")
    assert rules.rate_on(rates, dt.date(2026, 3, 31)) is None


def test_unplanned_care_line():
    # 98 h × 4 = 392 h × £24.28 = £9,517.76; The Meadows 147 h × 4 = 588 h × £24.28 = £14,276.64.
    assert rules.unplanned_care(D("98"), D("24.28")).amount == D("9517.76")
    assert rules.unplanned_care(D("147"), D("24.28")).amount == D("14276.64")


def test_vat_per_line():
    assert rules.vat_amount(D("9517.76"), D("0")) == D("0.00")
    # 20% of £88.03 = £17.606 → £17.61.
    assert rules.vat_amount(D("88.03"), D("20")) == D("17.61")


# Derby -----------------------------------------------------------------------------------------------

Q_START = dt.date(2026, 4, 1)  # review window 1 Oct 2025 – 31 Mar 2026: 182 days = 26 weeks


def _allocations(extra_hours):
    # Order A: 125 h/week all along. Order B: `extra_hours` a week for the 91 days
    # 31 Dec 2025 – 31 Mar 2026, ended before the quarter.
    return [
        rules.OrderAllocation([Version(dt.date(2025, 4, 1), D("125"))], dt.date(2025, 4, 1), None),
        rules.OrderAllocation(
            [Version(dt.date(2025, 12, 31), D(extra_hours))], dt.date(2025, 12, 31), dt.date(2026, 3, 31)
        ),
    ]


def test_block_payment():
    # 125 h × 13 = 1,625 h × £22.35 = £36,318.75.
    assert rules.block_payment(D("125"), D("22.35")).amount == D("36318.75")


def test_block_volume_review_at_4_9_percent_changes_nothing():
    # Average = (125 × 182 + 12.25 × 91) / 182 = (22,750 + 1,114.75) / 182 = 131.125 h a week;
    # 6.125 / 125 = 4.9%: not more than 5%, no change.
    start, end = rules.review_window(Q_START)
    average = rules.average_weekly_hours(_allocations("12.25"), start, end)
    assert average == Fraction("131.125")
    review = rules.block_volume_review(current_weekly_hours=D("125"), average=average, rate=D("22.35"))
    assert review.difference_percent == Fraction("4.9")
    assert not review.proposes_change and review.proposed is None
    assert review.current.amount == D("36318.75")


def test_block_volume_review_at_5_1_percent_proposes_an_updated_block():
    # Average = (22,750 + 12.75 × 91) / 182 = (22,750 + 1,160.25) / 182 = 131.375 h; 6.375/125 = 5.1%.
    # Proposal: 131.375 → 131.38 h × 13 = 1,707.94 h × £22.35 = £38,172.459 → £38,172.46.
    start, end = rules.review_window(Q_START)
    average = rules.average_weekly_hours(_allocations("12.75"), start, end)
    review = rules.block_volume_review(current_weekly_hours=D("125"), average=average, rate=D("22.35"))
    assert review.difference_percent == Fraction("5.1")
    assert review.proposes_change
    assert review.proposed.weekly_hours == D("131.38")
    assert review.proposed.amount == D("38172.46")


def test_block_volume_review_below_the_block_too():
    # 5.1% under also proposes: average 118.625 h against 125 h: (118.625 − 125) / 125 = −5.1%.
    review = rules.block_volume_review(
        current_weekly_hours=D("125"), average=Fraction("118.625"), rate=D("22.35")
    )
    assert review.difference_percent == Fraction("-5.1")
    assert review.proposes_change and review.proposed.weekly_hours == D("118.63")


# Dorset -----------------------------------------------------------------------------------------------


def test_dorset_part_week_is_pro_rata_by_day():
    # £350 a week from Thursday 7 May: 4 days × £350/7 = £200.00. Ending Tuesday 5 May
    # instead: 2 days = £100.00. A full week: £350.00.
    versions = [Version(dt.date(2026, 5, 1), D("14"), D("350.00"))]
    assert rules.package_week(
        versions, MON_4_MAY, SUN_10_MAY, order_start=dt.date(2026, 5, 7), order_end=None
    ).amount == D("200.00")
    ended = rules.package_week(
        versions, MON_4_MAY, SUN_10_MAY, order_start=dt.date(2026, 5, 1), order_end=dt.date(2026, 5, 5)
    )
    assert (ended.days_in_force, ended.amount) == (2, D("100.00"))
    assert rules.package_week(
        versions, MON_4_MAY, SUN_10_MAY, order_start=dt.date(2026, 5, 1), order_end=None
    ).amount == D("350.00")
    # £333.33 a week for 3 days: 999.99/7 = 142.855… → £142.86.
    odd = [Version(dt.date(2026, 5, 1), D("14"), D("333.33"))]
    assert rules.package_week(
        odd, MON_4_MAY, SUN_10_MAY, order_start=dt.date(2026, 5, 8), order_end=None
    ).amount == D("142.86")


def test_dorset_five_hour_tolerance_over_the_period():
    # 14 h/week over 4 weeks = 56 h = 3,360 min commissioned.
    assert not rules.package_period_review(3060, Fraction(3360)).flagged  # 5.00 h under: within
    flagged = rules.package_period_review(3059, Fraction(3360))  # 5.02 h under
    assert flagged.flagged and flagged.difference_hours == D("-5.02")
    assert rules.package_period_review(3700, Fraction(3360)).flagged  # 5.67 h over


# Properties ----------------------------------------------------------------------------------------

statuses = st.sampled_from(VISIT_OUTCOMES)


@st.composite
def visit_facts(draw):
    status = draw(statuses)
    scheduled = draw(st.integers(min_value=15, max_value=240))
    actual = (
        draw(st.integers(min_value=0, max_value=300))
        if status in ("completed", "shortened_by_service_user")
        else None
    )
    return VisitFact(status, scheduled, actual, draw(st.integers(min_value=1, max_value=6)))


@given(
    weekly=st.integers(min_value=0, max_value=400).map(lambda q: D(q) / 4),
    visits=st.lists(visit_facts(), max_size=20),
    absence_start=st.integers(min_value=-20, max_value=6),
    extra=st.integers(min_value=0, max_value=40).map(lambda q: D(q) / 4),
    rate=st.integers(min_value=2100, max_value=2352).map(lambda p: D(p) / 100),
)
def test_amounts_are_pennies_and_hours_quarter_hours(weekly, visits, absence_start, extra, rate):
    absences = [AbsenceSpan(MON_4_MAY + dt.timedelta(days=absence_start), None)]
    variations = [VariationSpan(MON_4_MAY, SUN_10_MAY, extra)] if extra else []
    result = week(
        [Version(dt.date(2026, 4, 1), weekly)],
        visits=visits,
        absences=absences,
        variations=variations,
        rate=str(rate),
    )
    for amount in (result.amount, result.unauthorised_amount):
        assert amount == amount.quantize(D("0.01")) and amount.as_tuple().exponent == -2
    for hours in (result.payable_hours, result.delivered_hours, result.unauthorised_hours):
        assert (hours * 4) == (hours * 4).to_integral_value()
    # Payable hours are within an eighth of an hour of the exact payable minutes.
    assert abs(Fraction(result.payable_hours) - result.payable_minutes / 60) <= Fraction(1, 8)
    assert result.unauthorised_minutes >= 0 and result.payable_minutes >= 0
