"""The demo visits: from the orders' schedules, deterministic, idempotent, realistic, and no
carer ever in two places."""

import datetime as dt

import pytest

from packages_of_care.models import ScheduledVisit
from tests.factories import ContractFactory, ProviderFactory
from tests.helpers import Out
from tests.packages_of_care.factories import OrderFactory
from visits import demo
from visits.models import Visit, VisitStatus
from visits.validation import interval, overlaps
from workforce.models import StaffMember

pytestmark = [pytest.mark.django_db]


def _orders():
    contract = ContractFactory(provider=ProviderFactory(name="Wensum Valley Care"))
    for n in range(6):
        StaffMember.objects.create(
            provider=contract.provider, reference=f"WVC-{n:03d}", started_on=dt.date(2024, 1, 1)
        )
    scheduled = OrderFactory(contract=contract, reference="NCC-1", weekly_hours="14")
    version = scheduled.versions.get()
    for weekday in range(7):
        for start, minutes in ((dt.time(7, 30), 45), (dt.time(12, 30), 30), (dt.time(17, 0), 45)):
            ScheduledVisit.objects.create(
                version=version, weekday=weekday, start_time=start, duration_minutes=minutes
            )
    OrderFactory(contract=contract, reference="NCC-2", weekly_hours="10.5")  # no schedule: spread
    OrderFactory(contract=contract, reference="NCC-3", weekly_hours="21", start_date=dt.date(2026, 6, 1))
    return contract


def _signature():
    return list(
        Visit.objects.order_by("order__reference", "scheduled_start", "carer_reference").values_list(
            "order__reference", "scheduled_start", "carer_reference", "status", "actual_start", "actual_end"
        )
    )


def test_demo_visits_follow_the_schedules_and_load_once():
    _orders()
    out = Out()
    demo.load(out)
    visits = list(Visit.objects.select_related("order"))
    assert "visits:" in out.lines[0]
    assert all(demo.START <= v.visit_date <= demo.END for v in visits)
    assert all(v.visit_date >= v.order.start_date for v in visits)
    first = [v for v in visits if v.order.reference == "NCC-1"]
    assert len(first) == 183 * 3
    assert {v.scheduled_minutes for v in first} == {45, 30}
    spread = [v for v in visits if v.order.reference == "NCC-2"]
    assert len(spread) == 183 * 2 and {v.scheduled_minutes for v in spread} == {45}
    per_person_day = len(visits) / (183 * 2 + 122)
    assert 2.0 <= per_person_day <= 3.5
    statuses = {s: sum(1 for v in visits if v.status == s) for s in VisitStatus.values}
    assert statuses["completed"] / len(visits) > 0.85
    assert statuses["missed"] and statuses["aborted"] and statuses["cancelled_short_notice"]
    assert all(v.carer_reference.startswith("WVC-") for v in visits)
    intervals = [(v.carer_reference, *interval(v), v.pk) for v in visits if interval(v)]
    assert overlaps(intervals) == {}
    # Idempotent, and deterministic: a fresh load gives the same visits.
    before = _signature()
    demo.load(out)
    assert out.lines[-1] == "  visits: already loaded" and _signature() == before
    Visit.objects.all().delete()
    demo.load(Out())
    assert _signature() == before
