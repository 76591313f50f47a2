"""The packages-of-care demo data: the Norfolk mix of hours, schedules that add up, the workflow
records, and a second run that changes nothing."""

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps

from packages_of_care import demo, rules
from packages_of_care.models import (
    CarePlan,
    IndividualServiceOrder,
    OrderStatus,
    OrderVersion,
    Referral,
    ServiceUser,
    TemporaryVariation,
)
from portal.models import Alert
from schemes import demo as schemes_demo


def _counts():
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 11, 20, 9, tzinfo=ZoneInfo("Europe/London")), tick=False)
def test_demo_packages_of_care():
    out = StringIO()
    schemes_demo.load(out)
    demo.load(out)
    assert "packages of care: " in out.getvalue()
    first = _counts()

    norfolk = IndividualServiceOrder.objects.filter(
        commissioner__name="Norfolk County Council", reference__startswith="NCC-ISO-0"
    )
    first_hours = [
        o.versions.order_by("number").first().weekly_hours
        for o in norfolk
        if not o.reference.startswith("NCC-ISO-09")
    ]
    assert len(first_hours) == 120  # 8 in each of the 15 schemes
    assert sum(h >= 13 for h in first_hours) == 48  # 40%
    assert sum(9 <= h <= 12 for h in first_hours) == 36  # 30%
    assert sum(h < 8 for h in first_hours) == 36  # 30%

    for version in OrderVersion.objects.prefetch_related("schedule"):
        assert rules.schedule_matches_hours(list(version.schedule.all()), version.weekly_hours), version
        assert version.schedule.exists()
    assert OrderVersion.objects.filter(
        number__gt=1, effective_from__range=(dt.date(2026, 4, 1), dt.date(2026, 9, 30))
    ).exists()
    live = IndividualServiceOrder.objects.filter(status=OrderStatus.ACTIVE)
    assert live.count() > 150 and not live.filter(start_date__gte=dt.date(2026, 4, 1)).exists()
    assert (
        ServiceUser.objects.filter(
            commissioner__name="Derby City Council", is_customer=False, orders__isnull=True
        ).count()
        == 10
    )
    # Dorset: 15 extra care and 7 children's (Part 1) orders; the 3 complex-care children are NHS
    # Dorset's [001 Part 2].
    dorset = IndividualServiceOrder.objects.filter(commissioner__name="Dorset Council")
    assert dorset.count() == 22 and not dorset.filter(versions__weekly_price__isnull=True).exists()
    assert (
        Referral.objects.filter(commissioner__name="Dorset Council", first_visit_date__isnull=False).count()
        == 22
    )
    assert IndividualServiceOrder.objects.filter(commissioner__name="NHS Dorset").count() == 3

    wensum = IndividualServiceOrder.objects.filter(provider__name="Wensum Valley Care")
    assert wensum.filter(status=OrderStatus.ISSUED).count() == 3
    assert wensum.filter(status=OrderStatus.DECLINED).count() == 1
    assert (
        Alert.objects.open()
        .filter(recipient__name="Wensum Valley Care", kind="order_awaiting_acceptance")
        .count()
        == 3
    )
    assert TemporaryVariation.objects.filter(status="requested").count() == 1
    assert 2 <= CarePlan.objects.overdue_on(dt.date(2026, 11, 20)).count() <= 5
    for plan in CarePlan.objects.all():
        plan.full_clean()

    demo.load(StringIO())
    assert _counts() == first
