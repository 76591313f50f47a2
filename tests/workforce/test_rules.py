"""Worked examples for the training matrix states."""

import datetime as dt

from workforce.rules import CourseRule, TrainingState, add_months, training_status

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
