"""The records behind a figure are the records the figure counted.

For each council's KPI set, a demo-like quarter of records — every outcome, records just outside the
window, records of the provider's other contract and of another provider, people with two orders
or two referrals, complaints with no scheme of their own — is computed, and then for each computed
figure the drill-down page's records are counted by hand: those marked as counted must make the
figure's numerator, and all of them its denominator (or the "received" total it reports).
"""

import datetime as dt
import random
from decimal import Decimal as D

import pytest
from django.db.models import Sum

from kpis import rules, services
from kpis.measures import KPIS
from kpis.models import KpiValue, Obtained
from kpis.quarters import Quarter
from kpis.selectors import value_records
from packages_of_care.models import DeclineReason, OrderStatus, ReferralDecision, ServiceEndReason
from records.models import AlarmOutcome, ComplaintKind, NominationDecision, SafeguardingIncident, VoidStatus
from tests.factories import UserFactory
from tests.kpis.factories import (
    ActivityFactory,
    AlarmCallFactory,
    AttendanceFactory,
    ComplaintFactory,
    InformationRequestFactory,
    NominationFactory,
    ReferralFactory,
    SafeguardingFactory,
    StaffFactory,
    SurveyFactory,
    VoidFactory,
    contract_with_kpis,
    london,
    training,
)
from tests.packages_of_care.factories import AbsenceFactory, OrderFactory, ServiceUserFactory, add_version
from tests.visits.factories import VisitFactory, at
from visits.models import VisitStatus

pytestmark = pytest.mark.django_db
Q2 = Quarter(2026, 2)  # 1 July – 30 September 2026
DAYS = [dt.date(2026, 6, 20) + dt.timedelta(days=i) for i in range(110)]  # into Q1 and Q3 a little


def _people(rng, contract, scheme, n):
    orders = []
    for i in range(n):
        order = OrderFactory(
            contract=contract,
            service_user__scheme=scheme,
            service_user__commissioner=contract.commissioner,
            weekly_hours=str(rng.choice([4, 6.5, 8.75, 9, 10, 12.75, 13, 20])),
            start_date=rng.choice([dt.date(2026, 1, 5), dt.date(2026, 7, 20)]),
        )
        orders.append(order)
        if i % 5 == 0:  # a second order for the same person
            OrderFactory(contract=contract, service_user=order.service_user, weekly_hours="3.25")
        if i % 4 == 1:  # hours reduced (or raised) in the quarter
            add_version(order, dt.date(2026, 8, 3), rng.choice(["2", "30"]))
        if i % 7 == 3:
            order.status, order.end_date, order.end_reason = OrderStatus.ENDED, dt.date(2026, 9, 1), "died"
            order.place_of_death = rng.choice(["scheme", "hospital", ""])
            order.save()
        if i % 3 == 0:
            order.independence_potential_on = rng.choice([dt.date(2026, 3, 1), dt.date(2026, 10, 5)])
            order.save()
        if i % 6 == 2:
            AbsenceFactory(
                service_user=order.service_user,
                end_date=rng.choice(DAYS),
                start_date=DAYS[0],
                discharge=rng.choice(["returned_home", "died", "moved_to_care"]),
            )
    OrderFactory(contract=contract, service_user__scheme=scheme, status=OrderStatus.DRAFT)  # not in force
    return orders


def _visits(rng, orders):
    for order in orders:
        for day, hour in rng.sample([(day, hour) for day in DAYS for hour in (7, 12, 18)], 8):
            VisitFactory(
                order=order,
                scheduled_start=at(day, hour),
                minutes=rng.choice([30, 45, 60]),
                status=rng.choice(list(VisitStatus)),
            )


def _scheme_records(rng, contract, scheme, people):
    for _ in range(6):
        ComplaintFactory(
            contract=contract,
            scheme=rng.choice([scheme, None]),
            service_user=rng.choice(people),
            kind=rng.choice(list(ComplaintKind)),
            received_on=rng.choice([*DAYS, dt.date(2026, 4, 20)]),
            upheld=rng.choice([True, False, None]),
            response_sent_to_council_on=rng.choice([None, dt.date(2026, 7, 20), dt.date(2026, 9, 29)]),
        )
        requested = rng.choice([dt.date(2026, 6, 15), *DAYS[:95]])
        InformationRequestFactory(
            contract=contract,
            scheme=rng.choice([scheme, None]),
            service_user=rng.choice(people),
            requested_on=requested,
            answered_on=rng.choice([None, requested + dt.timedelta(days=rng.choice([3, 14, 16]))]),
        )
        SafeguardingFactory(
            contract=contract,
            scheme=scheme,
            occurred_on=rng.choice(DAYS),
            category=rng.choice(list(SafeguardingIncident.Category)),
        )
        SurveyFactory(
            contract=contract, scheme=scheme, responded_on=rng.choice(DAYS), satisfied=rng.random() < 0.8
        )
        void_from = rng.choice([dt.date(2026, 5, 1), *DAYS])
        let_on = rng.choice([None, dt.date(2026, 6, 25), dt.date(2026, 8, 15), dt.date(2026, 10, 2)])
        VoidFactory(
            contract=contract,
            scheme=scheme,
            status=rng.choice(list(VoidStatus)),
            start_date=void_from,
            end_date=let_on if let_on is not None and let_on >= void_from else None,
        )
        declined = rng.random() < 0.6
        NominationFactory(
            contract=contract,
            scheme=scheme,
            panel_date=rng.choice([*DAYS, dt.date(2026, 5, 5)]),
            assessed_care_hours_per_week=rng.choice([D("3"), D("4"), D("10")]),
            has_housing_need=rng.random() < 0.8,
            decision=NominationDecision.Decision.DECLINED
            if declined
            else NominationDecision.Decision.ACCEPTED,
            declined_by=rng.choice(list(NominationDecision.DeclinedBy)) if declined else "",
            reason="Declined" if declined else "",
        )
    for _ in range(25):
        raised = london(rng.choice(DAYS), rng.choice([1, 3, 10, 23]), rng.randrange(60))
        AlarmCallFactory(
            contract=contract,
            scheme=scheme,
            service_user=rng.choice(people[:3]),  # a few residents call often: repeated nights
            raised_at=raised,
            responded_at=rng.choice([None, raised + dt.timedelta(seconds=rng.choice([300, 600, 601, 900]))]),
            outcome=rng.choice(list(AlarmOutcome)),
        )
    for _ in range(6):
        started = rng.choice(
            [dt.date(2024, 3, 1), dt.date(2025, 11, 3), dt.date(2026, 1, 15), dt.date(2026, 8, 31)]
        )
        left = rng.choice([None, None, dt.date(2025, 12, 1), dt.date(2026, 2, 1), dt.date(2026, 9, 30)])
        staff = StaffFactory(
            provider=contract.provider,
            scheme=scheme,
            started_on=started,
            left_on=left if left is not None and left >= started else None,
        )
        for code in ("mca-dols", "dementia-friends"):
            if rng.random() < 0.7:
                training(staff, code, staff.started_on + dt.timedelta(days=rng.choice([30, 200, 300])))


def _housing_with_care(set_key, seed):
    rng = random.Random(seed)
    contract = contract_with_kpis(set_key, schemes=2)
    other = contract_with_kpis(
        set_key, schemes=1, provider=contract.provider
    )  # the provider's other contract
    stranger = contract_with_kpis(set_key, schemes=1, commissioner=contract.commissioner)  # another provider
    for c in (contract, other, stranger):
        for scheme in c.schemes.all():
            orders = _people(rng, c, scheme, 8)
            _visits(rng, orders)
            _scheme_records(rng, c, scheme, [o.service_user for o in orders])
    return contract


def _referrals(rng, contract, n):
    people = [ServiceUserFactory(commissioner=contract.commissioner) for _ in range(n - 3)]
    for _ in range(n):
        received = london(rng.choice(DAYS), rng.choice([8, 16, 22]))
        decided = received + dt.timedelta(days=rng.choice([0, 1, 3]))
        first = (decided + dt.timedelta(days=rng.choice([2, 9, 12]))).date()
        declined = rng.random() < 0.3
        ended = rng.choice([None, rng.choice(DAYS)])
        ReferralFactory(
            contract=contract,
            service_user=rng.choice(people),  # some people are referred twice
            received_at=received,
            is_emergency=rng.random() < 0.4,
            responded_at=rng.choice([None, received + dt.timedelta(hours=rng.choice([2, 20, 30, 200]))]),
            decision=ReferralDecision.DECLINED if declined else ReferralDecision.ACCEPTED,
            decided_at=decided,
            decline_reason=rng.choice(["", *DeclineReason]) if declined else "",
            first_visit_date=None if declined else rng.choice([None, first]),
            support_solution_agreed_date=rng.choice([None, first + dt.timedelta(days=rng.choice([3, 9]))]),
            service_ended_on=ended,
            service_end_reason=rng.choice(list(ServiceEndReason)) if ended else "",
        )


def _dorset(set_key, seed):
    rng = random.Random(seed)
    contract = contract_with_kpis(set_key, schemes=0)
    stranger = contract_with_kpis(set_key, schemes=0, commissioner=contract.commissioner)
    for c in (contract, stranger):
        _referrals(rng, c, 12)
        # A person referred twice and accepted twice counts once in R1.
        person = ServiceUserFactory(commissioner=c.commissioner)
        for _ in range(2):
            ReferralFactory(contract=c, service_user=person, received_at=london(dt.date(2026, 8, 3), 9))
        children = [ServiceUserFactory(commissioner=c.commissioner) for _ in range(6)]
        for _ in range(6):
            activity = ActivityFactory(
                contract=c,
                kind=rng.choice(["short_break", "wellbeing"]),
                is_new_choice=rng.random() < 0.5,
                starts_at=london(rng.choice(DAYS), 10),
            )
            for child in rng.sample(children, 3):
                AttendanceFactory(activity=activity, service_user=child, attended=rng.random() < 0.8)
    return contract


WORLDS = {
    "norfolk": lambda: _housing_with_care("norfolk", 1),
    "derby": lambda: _housing_with_care("derby", 2),
    "dorset_extra_care": lambda: _dorset("dorset_extra_care", 3),
    "dorset_childrens": lambda: _dorset("dorset_childrens", 4),
}

# What the records on a figure's page add up to, KPI by KPI (by calculation):
# "share": those marked make the numerator, all of them the denominator;
# "count": all of them make the figure; "marked": those marked make it;
# "of_received": those marked make it, and all of them the total it reports received;
# "hours": the minutes of those delivered (marked) make the hours in its numerator;
# "residents": the people make its denominator, their hours its numerator.
SHAPES = {
    "referrals_accepted": "count",
    "referrals_declined": "count",
    "service_completed": "count",
    "service_left_early": "count",
    "emergency_response_24h": "share",
    "response_week_one": "share",
    "first_visit_7wd": "share",
    "support_solution_5wd": "share",
    "new_choice_users": "count",
    "short_break_activities": "count",
    "activity_attendance": "count",
    "alarm_within_10_min": "share",
    "survey_satisfied": "share",
    "hours_delivered_vs_allocated": "hours",
    "upheld_complaints": "of_received",
    "mca_dols_training": "share",
    "missed_visits": "share",
    "safeguarding": "count",
    "staff_turnover": "marked",
    "planned_hours_total": "hours",
    "planned_hours_average": "residents",
    "hours_mix": "residents",
    "dementia_friends": "share",
    "independence": "share",
    "hospital_and_end_of_life": "share",
    "unplanned_care": "count",
    "voids": "marked",
    "tenancies_declined": "of_received",
    "emergency_call_outs": "count",
    "complaint_responses_10wd": "share",
}


def _counted(records, measure):
    """The records, or the people among them where the KPI counts each person once."""
    return records.values(measure.distinct).distinct().count() if measure.distinct else records.count()


@pytest.mark.parametrize("set_key", list(WORLDS))
def test_the_records_behind_each_figure_make_the_figure(set_key):
    contract = WORLDS[set_key]()
    services.returns_compute_for_provider(provider=contract.provider, quarter=Q2)
    viewer = UserFactory(organisation=contract.commissioner, role="commissioner")
    values = KpiValue.objects.filter(
        kpi_return__contract=contract, kpi_return__quarter=Q2.label, definition__obtained=Obtained.COMPUTED
    ).select_related("definition", "kpi_return")
    checked = set()
    for value in values:
        calculation = value.definition.calculation
        found = value_records(viewer, value)
        if calculation == "cqc_rating":  # read from CQC and PAMMS ratings, not from records
            assert found is None
            continue
        records, has_numerator = found
        measure = KPIS[calculation].records
        shape = SHAPES[calculation]
        marked = records.filter(in_numerator=True) if has_numerator else records
        where = f"{value.definition.code} at {value.scheme_id}"
        if shape == "share":
            assert (value.numerator, value.denominator) == (
                _counted(marked, measure),
                _counted(records, measure),
            ), where
        elif shape == "count":
            assert not has_numerator and value.numerator == _counted(records, measure), where
        elif shape == "marked":
            assert has_numerator and value.numerator == _counted(marked, measure), where
        elif shape == "of_received":
            assert value.numerator == _counted(marked, measure), where
            assert value.breakdown[0]["count"] == _counted(records, measure), where
        elif shape == "hours":
            minutes = marked.aggregate(m=Sum("actual_minutes"))["m"]
            assert value.numerator == rules.hours(minutes), where
        else:  # residents
            assert value.denominator == _counted(records, measure), where
            if value.numerator is not None:
                assert value.numerator == (records.aggregate(h=Sum("weekly_hours"))["h"] or 0), where
        checked.add(value.definition.code)
    # Every computed KPI of the set but the CQC rating was checked, on a world with something in it.
    assert checked == {v.definition.code for v in values} - {"N4"}
    assert values.exclude(numerator=0).exclude(numerator=None).count() >= len(checked) // 2
