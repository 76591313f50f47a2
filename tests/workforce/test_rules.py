"""Worked examples for the training matrix states."""

import datetime as dt
from decimal import Decimal

from workforce.rules import (
    CourseRule,
    StaffVetting,
    TrainingState,
    VettingStandard,
    add_months,
    asc_wds_current,
    financial_year_start,
    share_percent,
    strictest,
    strictest_standard,
    training_status,
    vetting_gaps,
)

TODAY = dt.date(2026, 6, 1)
TWO_YEARS = CourseRule(24, None)  # e.g. safeguarding adults [002 §6.1]
MCA_DOLS = CourseRule(24, 6)  # within 6 months of starting [004 App. 4], then every 2 years
ONCE = CourseRule(None, None)


def test_refresh_due_on_the_anniversary_and_overdue_the_day_after():
    assert (
        training_status(TWO_YEARS, dt.date(2020, 1, 1), dt.date(2024, 6, 1), TODAY).state
        == TrainingState.EXPIRING
    )
    status = training_status(TWO_YEARS, dt.date(2020, 1, 1), dt.date(2024, 5, 31), TODAY)
    assert (status.state, status.due_on) == (TrainingState.OVERDUE, dt.date(2026, 5, 31))
    assert (
        training_status(TWO_YEARS, dt.date(2020, 1, 1), dt.date(2024, 7, 2), TODAY).state
        == TrainingState.CURRENT
    )


def test_a_course_due_within_months_of_starting():
    # Started 1 Jan 2026: MCA and DoLS due by 1 Jul 2026 — within 30 days of today, so "due soon".
    status = training_status(MCA_DOLS, dt.date(2026, 1, 1), None, TODAY)
    assert (status.state, status.due_on) == (TrainingState.EXPIRING, dt.date(2026, 7, 1))
    assert training_status(MCA_DOLS, dt.date(2026, 3, 1), None, TODAY).state == TrainingState.DUE
    assert training_status(MCA_DOLS, dt.date(2025, 11, 30), None, TODAY).state == TrainingState.OVERDUE


def test_a_mandatory_course_never_done_is_not_done_and_one_done_once_stays_done():
    assert training_status(ONCE, dt.date(2026, 5, 1), None, TODAY).state == TrainingState.NOT_DONE
    assert (
        training_status(ONCE, dt.date(2020, 5, 1), dt.date(2020, 5, 2), TODAY).state == TrainingState.CURRENT
    )


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert add_months(dt.date(2024, 2, 29), 24) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2025, 8, 31), 6) == dt.date(2026, 2, 28)


# Council requirements, vetting and the workforce data set ---------------------------------


def test_the_strictest_of_several_councils_rules():
    derby, dorset = CourseRule(24, None), CourseRule(12, 3)  # [002 §6.1], [003 §12.11]
    assert strictest([derby, dorset]) == CourseRule(12, 3)
    assert strictest([ONCE, TWO_YEARS]) == TWO_YEARS
    assert strictest([ONCE]) == ONCE


VETTED = StaffVetting("enhanced", "adult", dt.date(2024, 1, 2), 2, dt.date(2024, 1, 3), None)


def test_a_fully_vetted_member_of_staff_has_no_gaps_until_the_standard_asks_for_more():
    assert vetting_gaps(VETTED, VettingStandard(enhanced_dbs=True), TODAY) == []
    # A children's lot asks for the child workforce check [003 §7.4], [001 §5.1].
    gaps = vetting_gaps(VETTED, VettingStandard(enhanced_dbs=True, child_workforce=True), TODAY)
    assert [(g.item, g.text, g.overdue) for g in gaps] == [
        ("dbs", "DBS check does not cover the child workforce", True)
    ]


def test_vetting_gaps_name_what_is_missing():
    basic = StaffVetting("basic", "", None, 1, None, None)
    gaps = vetting_gaps(basic, VettingStandard(enhanced_dbs=True), TODAY)
    assert [g.text for g in gaps] == [
        "DBS check is not enhanced (enhanced required)",
        "DBS certificate's issue date not recorded",
        "1 of 2 written references received",
        "No right to work check recorded",
    ]
    assert [g.text for g in vetting_gaps(StaffVetting(), VettingStandard(), TODAY)][
        0
    ] == "No DBS check recorded"


def test_right_to_work_is_warned_of_30_days_before_it_ends_and_overdue_after():
    ends = StaffVetting(**{**VETTED.__dict__, "right_to_work_expires_on": dt.date(2026, 6, 30)})
    # 30 May + 30 days = 29 Jun: not yet; 31 May + 30 = 30 Jun: warned; on the day still a warning.
    assert vetting_gaps(ends, VettingStandard(), dt.date(2026, 5, 30)) == []
    for today in (dt.date(2026, 5, 31), dt.date(2026, 6, 30)):
        (gap,) = vetting_gaps(ends, VettingStandard(), today)
        assert (gap.item, gap.overdue, gap.due_on) == ("right_to_work", False, dt.date(2026, 6, 30))
    (gap,) = vetting_gaps(ends, VettingStandard(), dt.date(2026, 7, 1))
    assert (gap.text, gap.overdue) == ("Right to work ended on 30 Jun 2026", True)


def test_standards_combine_to_the_strictest():
    combined = strictest_standard(
        [VettingStandard(enhanced_dbs=True), VettingStandard(asc_wds_target=Decimal("90"), references=2)]
    )
    assert combined == VettingStandard(True, False, 2, Decimal("90"))
    assert strictest_standard([]) == VettingStandard()


def test_an_asc_wds_record_counts_when_updated_in_this_financial_year():
    # [003 §9.2]: updated at least once per financial year (from 1 April).
    assert financial_year_start(dt.date(2026, 6, 1)) == dt.date(2026, 4, 1)
    assert financial_year_start(dt.date(2027, 2, 10)) == dt.date(2026, 4, 1)
    assert not asc_wds_current(dt.date(2026, 3, 31), TODAY)
    assert asc_wds_current(dt.date(2026, 4, 1), TODAY)
    assert not asc_wds_current(None, TODAY)


def test_the_asc_wds_share_against_dorsets_90_percent():
    assert share_percent(9, 10) == Decimal("90.0")  # 9 ÷ 10 = 90.0%: meets 90%
    assert share_percent(8, 9) == Decimal("88.9")  # 8 ÷ 9 = 88.88…% → 88.9%: below 90%
    assert share_percent(0, 0) is None
