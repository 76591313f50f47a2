"""Worked examples: the figures are computed by hand in each test, then by the portal."""

import datetime as dt
from decimal import Decimal as D

import pytest

from kpis import services
from kpis.models import KpiValue
from kpis.quarters import Quarter
from kpis.selectors import value_records
from packages_of_care.models import OrderStatus
from records.models import AlarmOutcome
from tests.factories import UserFactory
from tests.kpis.factories import (
    AlarmCallFactory,
    ComplaintFactory,
    ReferralFactory,
    StaffFactory,
    contract_with_kpis,
    london,
    training,
)
from tests.packages_of_care.factories import OrderFactory, add_version
from tests.visits.factories import VisitFactory, at
from visits.models import VisitStatus

pytestmark = pytest.mark.django_db
Q1, Q2 = Quarter(2026, 1), Quarter(2026, 2)


def compute(contract, quarter=Q2):
    services.returns_compute_for_provider(provider=contract.provider, quarter=quarter)
    return KpiValue.objects.filter(
        kpi_return__contract=contract, kpi_return__quarter=quarter.label, kpi_return__is_latest=True
    )


def value(contract, code, scheme=None, quarter=Q2):
    return compute(contract, quarter).select_related("definition").get(definition__code=code, scheme=scheme)


def _person(contract, scheme, hours="10", start=dt.date(2026, 4, 1), **kwargs):
    return OrderFactory(
        contract=contract, service_user__scheme=scheme, weekly_hours=hours, start_date=start, **kwargs
    )


def test_norfolk_missed_visits_leave_out_visits_refused_or_cancelled_by_the_person():
    contract = contract_with_kpis("norfolk")
    scheme = contract.schemes.get()
    order = _person(contract, scheme)
    statuses = (
        [VisitStatus.COMPLETED] * 40
        + [VisitStatus.SHORTENED_BY_SERVICE_USER] * 5
        + [VisitStatus.MISSED] * 3
        + [VisitStatus.ABORTED] * 4  # refused at the door: left out
        + [VisitStatus.CANCELLED_SHORT_NOTICE] * 2  # cancelled by the person: left out
        + [VisitStatus.CANCELLED_WITH_NOTICE] * 3  # left out
        + [VisitStatus.SCHEDULED]  # no outcome yet: left out, and noted
    )
    for i, status in enumerate(statuses):
        VisitFactory(
            order=order,
            scheduled_start=at(dt.date(2026, 7, 1) + dt.timedelta(days=i // 2), 8 + 6 * (i % 2)),
            status=status,
        )
    VisitFactory(
        order=order, scheduled_start=at(dt.date(2026, 6, 30), 8), status=VisitStatus.MISSED
    )  # Q1: not counted

    # By hand: due = 40 completed + 5 cut short + 3 missed = 48; missed 3 → 3/48 = 6.25%.
    # (Counting the refused and cancelled ones too would give 3/57 = 5.26%.)
    v = value(contract, "N3", scheme)
    assert (v.numerator, v.denominator, v.value) == (D(3), D(48), D("6.25"))
    assert v.threshold == D(2) and v.rag == "red"
    assert (v.window_start, v.window_end) == (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert {b["label"]: b["count"] for b in v.breakdown} == {
        "Left out: Aborted (person not available or refused at the door)": 4,
        "Left out: Cancelled by the person at short notice (under 24 hours)": 2,
        "Left out: Cancelled by the person with notice": 3,
    }
    assert "1 visit(s) have no outcome recorded" in v.note

    # The records behind it: the 48 visits, 3 of them counted in the numerator.
    viewer = UserFactory(organisation=contract.commissioner, role="commissioner")
    records, has_numerator = value_records(viewer, v)
    assert has_numerator and records.count() == 48
    assert records.filter(in_numerator=True).count() == 3
    # Planned hours delivered: 45 visits × 60 minutes = 45 hours.
    assert value(contract, "N7a", scheme).value == D("45.00")


def _people(contract, scheme, n):
    for _ in range(n):
        _person(contract, scheme)


def test_complaints_threshold_is_2_for_a_scheme_of_60_and_3_for_a_scheme_of_150():
    contract = contract_with_kpis("norfolk", schemes=2)
    small, large = contract.schemes.order_by("pk")
    _people(contract, small, 60)
    _people(contract, large, 150)
    for scheme in (small, large):
        for received in (dt.date(2026, 4, 20), dt.date(2026, 7, 10), dt.date(2026, 9, 1)):
            ComplaintFactory(contract=contract, scheme=scheme, received_on=received, upheld=True)
        ComplaintFactory(contract=contract, scheme=scheme, received_on=dt.date(2026, 8, 1), upheld=False)
    ComplaintFactory(
        contract=contract, scheme=small, received_on=dt.date(2026, 3, 31), upheld=True
    )  # last year

    # Year to date (1 April – 30 September): 3 upheld at each scheme.
    # 60 people: 2% is 1.2, so the threshold is 2 → 3 is over it (red: no amber on whole numbers).
    # 150 people: 2% is 3, so the threshold is 3 → 3 is within it (green).
    small_value, large_value = value(contract, "N1", small), value(contract, "N1", large)
    assert (small_value.value, small_value.threshold, small_value.rag) == (D(3), D(2), "red")
    assert (large_value.value, large_value.threshold, large_value.rag) == (D(3), D(3), "green")
    assert (small_value.window_start, small_value.window_end) == (dt.date(2026, 4, 1), dt.date(2026, 9, 30))


def test_derby_alarm_call_answered_at_exactly_ten_minutes_is_within_target():
    contract = contract_with_kpis("derby")
    raised = london(dt.date(2026, 8, 12), 23, 30)
    for seconds in (599, 600, 601):
        AlarmCallFactory(
            contract=contract, raised_at=raised, responded_at=raised + dt.timedelta(seconds=seconds)
        )
        raised += dt.timedelta(hours=1)
    AlarmCallFactory(
        contract=contract, raised_at=raised, responded_at=None, outcome=AlarmOutcome.EMERGENCY_SERVICES
    )
    # By hand: 9:59 and 10:00 are within, 10:01 and the unanswered call are not: 2 of 4 = 50%.
    v = value(contract, "D1", contract.schemes.get())
    assert (v.numerator, v.denominator, v.value, v.rag) == (D(2), D(4), D("50.00"), "red")
    assert v.note == "1 call(s) not answered"


def test_dorset_r7_counts_working_days_and_skips_the_spring_bank_holiday():
    contract = contract_with_kpis("dorset_extra_care", schemes=0)
    accepted = london(dt.date(2026, 5, 15), 11)  # Friday
    # 7 working days after Friday 15 May 2026: 18, 19, 20, 21, 22, (Mon 25 is the Spring bank
    # holiday), 26, 27 → Wednesday 27 May is the 7th. Counting weekdays only, it would be the 8th.
    ReferralFactory(
        contract=contract,
        decided_at=accepted,
        received_at=accepted - dt.timedelta(days=2),
        first_visit_date=dt.date(2026, 5, 27),
    )
    ReferralFactory(
        contract=contract,
        decided_at=accepted,
        received_at=accepted - dt.timedelta(days=2),
        first_visit_date=dt.date(2026, 5, 28),
    )
    ReferralFactory(
        contract=contract,
        decided_at=accepted,
        received_at=accepted - dt.timedelta(days=2),
        first_visit_date=None,
    )
    v = value(contract, "R7", quarter=Q1)
    assert (v.numerator, v.denominator, v.value) == (D(1), D(3), D("33.33"))
    assert value(contract, "R1", quarter=Q1).value == D(3)


def test_dorset_r5_counts_24_hours_of_weekdays():
    contract = contract_with_kpis("dorset_extra_care", schemes=0)
    cases = [
        (london(dt.date(2026, 7, 3), 16), london(dt.date(2026, 7, 6), 15, 59), True),  # Fri 16:00 → Mon 15:59
        (london(dt.date(2026, 7, 3), 16), london(dt.date(2026, 7, 6), 16, 1), False),  # Mon 16:01 is too late
        (
            london(dt.date(2026, 7, 4), 11),
            london(dt.date(2026, 7, 6), 23),
            True,
        ),  # Sat → by the end of Monday
        (london(dt.date(2026, 7, 4), 11), london(dt.date(2026, 7, 7), 0, 30), False),
        # Fri 28 Aug 16:00; Mon 31 Aug 2026 is the Summer bank holiday, so Tue 1 Sep 15:00 is in time.
        (london(dt.date(2026, 8, 28), 16), london(dt.date(2026, 9, 1), 15), True),
        (london(dt.date(2026, 8, 28), 16), None, False),
    ]
    for received, responded, _ in cases:
        ReferralFactory(contract=contract, is_emergency=True, received_at=received, responded_at=responded)
    ReferralFactory(
        contract=contract,
        is_emergency=False,
        received_at=london(dt.date(2026, 7, 6), 9),
        responded_at=london(dt.date(2026, 7, 14), 9),
    )
    v = value(contract, "R5")
    assert (v.numerator, v.denominator) == (D(sum(c[2] for c in cases)), D(6))
    assert v.value == D("50.00")
    # R6: 7 days. The non-emergency referral was answered after 8 days; of the 6 emergencies,
    # the unanswered one misses and all five answered ones were within a week: 5 of 7.
    r6 = value(contract, "R6")
    assert (r6.numerator, r6.denominator) == (D(5), D(7))


def test_norfolk_care_hours_mix_reports_the_three_bands():
    contract = contract_with_kpis("norfolk")
    scheme = contract.schemes.get()
    for hours in ("4", "8.5", "9", "12.75", "13", "20"):
        _person(contract, scheme, hours)
    ended = _person(contract, scheme, "30", status=OrderStatus.ENDED)
    ended.end_date = dt.date(2026, 9, 1)
    ended.save()
    varied = _person(contract, scheme, "14")
    add_version(varied, dt.date(2026, 9, 15), "10")  # reduced: now medium, and working towards independence
    for flagged, day in ((varied, dt.date(2026, 6, 1)), (ended, dt.date(2026, 8, 1))):
        flagged.independence_potential_on = day  # the plan says "Potential for greater independence? Yes"
        flagged.save()
    # On 30 September: low 4 and 8.5 (8–9 h counts as low); medium 9, 12.75 (12–13 h counts as
    # medium) and 10; high 13 and 20. Seven residents: 2/7 = 28.57%, 3/7 = 42.86%, 2/7 = 28.57%.
    v = value(contract, "N7c", scheme)
    bands = {b["label"]: (b["count"], b["percent"]) for b in v.breakdown}
    assert bands == {
        "13 hours or more a week": (2, "28.57"),
        "9 to under 13 hours a week": (3, "42.86"),
        "Under 9 hours a week": (2, "28.57"),
    }
    assert v.denominator == D(7) and v.rag == "none"
    # Average: (4 + 8.5 + 9 + 12.75 + 13 + 20 + 10) / 7 = 77.25 / 7 = 11.04 h a week.
    assert value(contract, "N7b", scheme).value == D("11.04")
    # Independence counts only the people identified with potential for greater independence
    # [004 §3.2.8, App. 4]: 2 of the 8 served; 1 of them had their hours reduced = 50.00% (counting
    # everyone served would give 1 of 8, 12.50%).
    independence = value(contract, "N10", scheme)
    assert (independence.numerator, independence.denominator, independence.value) == (D(1), D(2), D("50.00"))


def test_hours_mix_counts_a_person_with_two_orders_once_on_their_total():
    contract = contract_with_kpis("norfolk")
    scheme = contract.schemes.get()
    first = _person(contract, scheme, "6")
    OrderFactory(
        contract=contract,
        service_user=first.service_user,
        weekly_hours="4.25",
        start_date=dt.date(2026, 4, 1),
    )
    _person(contract, scheme, "8.75")
    # Two residents: 6 + 4.25 = 10.25 h (medium, not two lows) and 8.75 h (low). Average
    # (10.25 + 8.75) / 2 = 9.50 h a week.
    v = value(contract, "N7c", scheme)
    bands = {b["label"]: b["count"] for b in v.breakdown}
    assert bands == {"13 hours or more a week": 0, "9 to under 13 hours a week": 1, "Under 9 hours a week": 1}
    assert v.denominator == D(2)
    average = value(contract, "N7b", scheme)
    assert (average.numerator, average.denominator, average.value) == (D("19.00"), D(2), D("9.50"))


def test_norfolk_training_within_months_of_starting_and_turnover():
    contract = contract_with_kpis("norfolk")
    scheme = contract.schemes.get()
    p = contract.provider
    a = StaffFactory(provider=p, scheme=scheme, started_on=dt.date(2026, 1, 15))
    training(a, "mca-dols", dt.date(2026, 7, 15))  # 6 months to the day: within
    b = StaffFactory(provider=p, scheme=scheme, started_on=dt.date(2026, 1, 15))
    training(b, "mca-dols", dt.date(2026, 7, 16))  # a day late
    c = StaffFactory(provider=p, scheme=scheme, started_on=dt.date(2025, 8, 31))
    training(c, "mca-dols", dt.date(2026, 2, 28))  # 31 Aug + 6 months is 28 Feb: within
    StaffFactory(provider=p, scheme=scheme, started_on=dt.date(2026, 8, 31))  # not yet 6 months in post
    StaffFactory(
        provider=p, scheme=scheme, started_on=dt.date(2024, 1, 1), left_on=dt.date(2026, 6, 30)
    )  # left
    StaffFactory(provider=p, scheme=None, started_on=dt.date(2024, 1, 1))  # another scheme's count
    # Due: a, b, c; trained within 6 months: a and c → 2/3 = 66.67%.
    v = value(contract, "N2", scheme)
    assert (v.numerator, v.denominator, v.value, v.rag) == (D(2), D(3), D("66.67"), "red")
    # Turnover over 1 Oct 2025 – 30 Sep 2026: in post on 1 Oct 2025: the leaver and c (2); on 30 Sep
    # 2026: a, b, c and the August starter (4); average 3; one leaver → 33.33%.
    t = value(contract, "N6", scheme)
    assert (t.numerator, t.denominator, t.value, t.rag) == (D(1), D("3.00"), D("33.33"), "red")
    assert (t.window_start, t.window_end) == (dt.date(2025, 10, 1), dt.date(2026, 9, 30))


def test_derby_hours_delivered_against_allocated_day_by_day():
    contract = contract_with_kpis("derby")
    scheme = contract.schemes.get()
    order = _person(contract, scheme, "7", start=dt.date(2026, 7, 1))
    add_version(order, dt.date(2026, 9, 1), "14")
    for day in range(10):
        VisitFactory(
            order=order,
            scheduled_start=at(dt.date(2026, 7, 1) + dt.timedelta(days=day), 9),
            status=VisitStatus.COMPLETED,
        )
    VisitFactory(order=order, scheduled_start=at(dt.date(2026, 7, 20), 9), status=VisitStatus.MISSED)
    # Allocated: July and August 62 days × 7/7 h + September 30 days × 14/7 h = 62 + 60 = 122 h.
    # Delivered: 10 hours → 10/122 = 8.20%; the missed hour is listed as not used.
    v = value(contract, "D4")
    assert (v.numerator, v.denominator, v.value) == (D("10.00"), D("122.00"), D("8.20"))
    assert {"label": "Not used: Missed (the provider did not come)", "hours": "1.00"} in v.breakdown


def test_cqc_rating_is_read_from_the_provider_registration():
    contract = contract_with_kpis("norfolk")
    scheme = contract.schemes.get()
    v = value(contract, "N4", scheme)
    assert v.value == D(3) and v.text.startswith("CQC Good") and v.rag == "green"
    contract.provider.cqc_rating = "requires_improvement"
    contract.provider.save()
    assert value(contract, "N4", scheme).rag == "red"
