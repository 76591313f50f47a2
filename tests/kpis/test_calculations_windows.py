"""Worked examples for issue 14's KPI rules: windows that close (R7, N16), ratings on their own
scales (N4), R5/R6 without a target, who counts towards greater independence (N10) and returns from
hospital with deaths by place (N11). Figures computed by hand in each test."""

import datetime as dt
from decimal import Decimal as D

import pytest

from kpis import rules
from kpis.quarters import Quarter
from packages_of_care.models import OrderStatus
from records.models import ComplaintInformationRequest
from tests.kpis.factories import (
    InformationRequestFactory,
    PammsFactory,
    ReferralFactory,
    contract_with_kpis,
    london,
)
from tests.kpis.test_calculations import value
from tests.packages_of_care.factories import AbsenceFactory, OrderFactory

pytestmark = pytest.mark.django_db
Q1, Q2, Q3 = Quarter(2026, 1), Quarter(2026, 2), Quarter(2026, 3)


def test_deadline_window_of_a_quarter_by_hand():
    # 7 working days into 1 April – 30 June 2026. Easter 2026: Good Friday 3 April, Easter Monday 6
    # April. From Saturday 21 March: 23, 24, 25, 26, 27, 30, 31 March → the 7th is 31 March (Q4);
    # from Monday 23 March: 24, 25, 26, 27, 30, 31 March, 1 April → 1 April, the first in Q1.
    first, last = rules.days_whose_deadline_falls_in((dt.date(2026, 4, 1), dt.date(2026, 6, 30)), 7)
    assert first == dt.date(2026, 3, 23)
    # Friday 19 June: 22, 23, 24, 25, 26, 29, 30 June → 30 June; so from Saturday 20 and Sunday 21.
    # Monday 22 June's 7th is 1 July.
    assert last == dt.date(2026, 6, 21)


def test_complaint_information_10_working_days_from_a_friday_before_a_bank_holiday():
    """[004 §8.5.5] Requested on Friday 22 May 2026; Monday 25 May is the Spring bank holiday. The
    10 working days: 26, 27, 28, 29 May, 1, 2, 3, 4, 5 and 8 June → due Monday 8 June. Answered on
    the 8th: on time; on Tuesday 9 June (the 11th working day): late."""
    contract = contract_with_kpis("norfolk")
    friday = dt.date(2026, 5, 22)
    on_time = InformationRequestFactory(
        contract=contract, requested_on=friday, answered_on=dt.date(2026, 6, 8)
    )
    late = InformationRequestFactory(contract=contract, requested_on=friday, answered_on=dt.date(2026, 6, 9))
    assert on_time.due_on == dt.date(2026, 6, 8) and on_time.answered_in_time
    assert late.answered_in_time is False
    # Requested Monday 22 June: its 10th working day is Monday 6 July, so it counts in Q2, not Q1.
    InformationRequestFactory(contract=contract, requested_on=dt.date(2026, 6, 22), answered_on=None)
    v = value(contract, "N16", quarter=Q1)
    assert (v.numerator, v.denominator, v.value) == (D(1), D(2), D("50.00"))
    assert v.rag == "red"  # target 100%
    q2 = value(contract, "N16", quarter=Q2)
    assert (q2.numerator, q2.denominator) == (D(0), D(1))


def test_a_request_whose_ten_days_have_not_ended_is_not_scored_yet(time_machine):
    contract = contract_with_kpis("norfolk")
    InformationRequestFactory(
        contract=contract, requested_on=dt.date(2026, 7, 1), answered_on=None
    )  # due 15 July
    time_machine.move_to(dt.datetime(2026, 7, 10, 12, tzinfo=dt.UTC))
    v = value(contract, "N16")
    assert (v.numerator, v.denominator, v.value) == (D(0), D(0), None)  # nothing due yet: not 0%
    time_machine.move_to(dt.datetime(2026, 7, 16, 12, tzinfo=dt.UTC))
    v = value(contract, "N16")
    assert (v.numerator, v.denominator, v.value) == (D(0), D(1), D("0.00"))
    assert ComplaintInformationRequest.objects.get().due_on == dt.date(2026, 7, 15)


def test_r7_referral_accepted_two_working_days_before_the_quarter_end_counts_in_the_next():
    contract = contract_with_kpis("dorset_extra_care", schemes=0)
    # Accepted Friday 26 June 2026, two working days before Tuesday 30 June (29, 30). Its 7 working
    # days: 29, 30 June, 1, 2, 3, 6, 7 July → the window closes on Tuesday 7 July, in Q2.
    late_june = london(dt.date(2026, 6, 26), 10)
    ReferralFactory(
        contract=contract, decided_at=late_june, received_at=late_june, first_visit_date=dt.date(2026, 7, 7)
    )
    # Accepted Monday 1 June: the 7th working day is 10 June, in Q1; visited on the 11th: late.
    june = london(dt.date(2026, 6, 1), 10)
    ReferralFactory(
        contract=contract, decided_at=june, received_at=june, first_visit_date=dt.date(2026, 6, 11)
    )
    q1 = value(contract, "R7", quarter=Q1)
    assert (q1.numerator, q1.denominator, q1.value) == (D(0), D(1), D("0.00"))
    q2 = value(contract, "R7", quarter=Q2)
    assert (q2.numerator, q2.denominator, q2.value) == (D(1), D(1), D("100.00"))
    # R1 still counts acceptances in the quarter they were made: both in Q1.
    assert value(contract, "R1", quarter=Q1).value == D(2)


def test_r5_and_r6_report_without_a_target_or_rag():
    contract = contract_with_kpis("dorset_extra_care", schemes=0)
    received = london(dt.date(2026, 7, 6), 9)
    ReferralFactory(contract=contract, is_emergency=True, received_at=received, responded_at=None)
    for code in ("R5", "R6"):
        v = value(contract, code)
        assert v.value == D("0.00") and v.threshold is None and v.rag == "none", code
        assert v.definition.target is None and v.definition.direction == "none"
    assert rules.RAG_WORDS[rules.Rag.NONE] == "Not rated"


def test_n4_takes_the_most_recent_rating_each_on_its_own_scale():
    contract = contract_with_kpis("norfolk", schemes=2)
    first, second = contract.schemes.order_by("pk")
    provider = contract.provider
    provider.cqc_rating, provider.cqc_rating_date = "requires_improvement", dt.date(2026, 3, 1)
    provider.save()
    # First scheme: PAMMS Excellent in May, after the CQC rating in March → PAMMS Excellent (4): Good or higher.
    PammsFactory(contract=contract, scheme=first, rating="excellent", assessed_on=dt.date(2026, 5, 1))
    # Second scheme: PAMMS Good in January, before the CQC Requires improvement in March → CQC (2): red.
    PammsFactory(contract=contract, scheme=second, rating="good", assessed_on=dt.date(2026, 1, 10))
    a, b = value(contract, "N4", first), value(contract, "N4", second)
    assert (a.value, a.rag) == (D(4), "green") and a.text == "PAMMS Excellent (01 May 2026) — Good or higher"
    assert (b.value, b.rag) == (
        D(2),
        "red",
    ) and b.text == "CQC Requires improvement (01 March 2026) — below Good"
    # A PAMMS Poor published after the quarter's end is not yet the rating for Q2.
    PammsFactory(contract=contract, scheme=first, rating="poor", assessed_on=dt.date(2026, 10, 2))
    assert value(contract, "N4", first).value == D(4)
    assert value(contract, "N4", first, quarter=Q3).value == D(1)


def test_n11_returns_home_from_hospital_and_deaths_by_place():
    contract = contract_with_kpis("norfolk")
    scheme = contract.schemes.get()
    people = [
        OrderFactory(contract=contract, service_user__scheme=scheme, start_date=dt.date(2026, 4, 1))
        for _ in range(6)
    ]
    stays = ["returned_home", "returned_home", "returned_home", "moved_to_care", "died"]
    for order, discharge in zip(people, stays, strict=False):
        AbsenceFactory(
            service_user=order.service_user,
            kind="hospital",
            start_date=dt.date(2026, 7, 1),
            end_date=dt.date(2026, 7, 20),
            discharge=discharge,
        )
    for order, place in ((people[4], "hospital"), (people[5], "scheme")):
        order.status, order.end_date, order.end_reason, order.place_of_death = (
            OrderStatus.ENDED,
            dt.date(2026, 8, 1),
            "died",
            place,
        )
        order.save()
    # 5 hospital stays ended in the quarter; 3 returned home → 60.00%. Two deaths: one in hospital,
    # one at home in the scheme (1 of 2, 50.00%).
    v = value(contract, "N11", scheme)
    assert (v.numerator, v.denominator, v.value) == (D(3), D(5), D("60.00"))
    rows = {b["label"]: b["count"] for b in v.breakdown}
    assert rows["Deaths"] == 2
    assert rows["Died: At home in the scheme"] == 1 and rows["Died: In hospital"] == 1
    assert v.note == "1 of 2 death(s) at home in the scheme (50.00%)"
