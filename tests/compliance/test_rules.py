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


# Notices as each council's terms say [004 §8.1.7], [002 §4.3] ------------------------------

NORFOLK = rules.NoticeTerms(inspection_report_hours=24)
DERBY_TERMS = rules.NoticeTerms(rating_notice_working_days=2)
BOTH = rules.NoticeTerms(inspection_report_hours=24, rating_notice_working_days=2)
FRIDAY = dt.date(2026, 8, 28)
RECEIVED = dt.datetime(2026, 8, 28, 14, 0, tzinfo=dt.UTC)  # Friday 15:00 in London


def at_london(moment: dt.datetime) -> str:
    return moment.astimezone(rules.LONDON).strftime("%a %d %b %H:%M")


def test_norfolk_is_owed_every_inspection_within_24_clock_hours():
    for rating in ("good", "outstanding", "requires_improvement"):
        deadline = rules.notice_deadline(NORFOLK, rating=rating, rated_on=FRIDAY, report_received_at=RECEIVED)
        # Friday 15:00 + 24 h = Saturday 15:00 (clock hours: the weekend counts).
        assert at_london(deadline.due_at) == "Sat 29 Aug 15:00"
        assert (deadline.report_required, deadline.plan_required) == (True, False)


def test_derby_is_owed_a_rating_below_good_within_2_working_days_and_nothing_for_good():
    deadline = rules.notice_deadline(
        DERBY_TERMS, rating="inadequate", rated_on=FRIDAY, report_received_at=RECEIVED
    )
    # Friday 28 Aug; Mon 31 Aug is the summer bank holiday: Tue 1 Sep, Wed 2 Sep — by 23:59.
    assert at_london(deadline.due_at) == "Wed 02 Sep 23:59"
    assert (deadline.due_on, deadline.report_required, deadline.plan_required) == (
        dt.date(2026, 9, 2),
        False,
        True,
    )
    assert (
        rules.notice_deadline(DERBY_TERMS, rating="good", rated_on=FRIDAY, report_received_at=RECEIVED)
        is None
    )
    assert (
        rules.notice_deadline(
            rules.NoticeTerms(), rating="inadequate", rated_on=FRIDAY, report_received_at=RECEIVED
        )
        is None
    )


def test_a_council_asking_both_gets_one_notice_by_the_earlier_deadline_and_the_plan():
    deadline = rules.notice_deadline(
        BOTH, rating="requires_improvement", rated_on=FRIDAY, report_received_at=RECEIVED
    )
    assert at_london(deadline.due_at) == "Sat 29 Aug 15:00"  # 24 h beats 2 working days
    assert (deadline.report_required, deadline.plan_required) == (True, True)


def test_duty_due_dates():
    # A significant change is notified at once [004 §3.4.1]: the same day, even a Saturday.
    assert rules.duty_due("significant_change", dt.date(2026, 8, 29)) == dt.date(2026, 8, 29)
    assert rules.duty_due("safeguarding_lead", FRIDAY) == FRIDAY  # [002 §4.8]
    # A serious-harm review begun on Friday 28 Aug: by the next working day, Tuesday 1 Sep
    # (Monday 31 Aug is the bank holiday) [004 §8.2.2].
    assert rules.duty_due("serious_harm_review", FRIDAY) == dt.date(2026, 9, 1)
    # The self-assessment a year after the last one [002 §5], or the council's own interval.
    assert rules.duty_due("self_assessment", dt.date(2025, 2, 28)) == dt.date(2026, 2, 28)
    assert rules.duty_due("self_assessment", dt.date(2025, 2, 28), 6) == dt.date(2025, 8, 28)
    # Consent to sub-contract before the sub-contractor starts [002 §6.4], [003 §11].
    assert rules.duty_due("subcontracting", dt.date(2026, 10, 5)) == dt.date(2026, 10, 5)
