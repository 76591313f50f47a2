"""Helpers for procurement tests: an open framework with a lot and criteria, members, call-offs."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from procurement.models import (
    CallOff,
    CallOffStatus,
    LotEntryCriterion,
    QualityQuestion,
)
from schemes.models import LotMembership, MembershipStatus, PaymentModel
from tests.factories import FrameworkFactory, LotFactory


def open_lot(commissioner, *, number="1", criteria=(("cqc_registered", ""), ("cqc_good_or_better", ""))):
    framework = FrameworkFactory(commissioner=commissioner, is_open=True, name=f"Open framework {number}")
    lot = LotFactory(framework=framework, number=number, name="Care and support at home")
    for position, (requirement, policy) in enumerate(criteria, start=1):
        LotEntryCriterion.objects.create(
            lot=lot, requirement=requirement, policy_kind=policy, position=position
        )
    return lot


def member(lot, provider, status=MembershipStatus.ADMITTED):
    return LotMembership.objects.create(
        lot=lot, provider=provider, commissioner=lot.framework.commissioner, status=status
    )


def calloff(
    lot,
    *,
    status=CallOffStatus.PUBLISHED,
    closes_in=dt.timedelta(days=7),
    price_weight="30",
    questions=(("Staffing", "40", 5), ("Outcomes", "30", 5)),
    reference="CO-1",
    schemes=None,
    **terms,
):
    c = CallOff.objects.create(
        commissioner=lot.framework.commissioner,
        lot=lot,
        reference=reference,
        title="Housing with care, lot 1",
        status=status,
        closes_at=timezone.now() + closes_in,
        price_min=Decimal("21.00"),
        price_max=Decimal("23.52"),
        price_weight=Decimal(price_weight),
        contract_reference=f"CT-{reference}",
        contract_start=dt.date(2027, 4, 1),
        contract_end=dt.date(2032, 3, 31),
        **{"payment_model": PaymentModel.HOURLY_4_WEEKLY, "unplanned_hourly_rate": Decimal("24.28"), **terms},
    )
    c.schemes.set(schemes if schemes is not None else list(lot.schemes.all()))
    for i, (text, weight, max_score) in enumerate(questions, start=1):
        QualityQuestion.objects.create(
            calloff=c, position=i, text=text, weight=Decimal(weight), max_score=max_score
        )
    return c


def answers_for(c, text="Our answer"):
    return {q.pk: f"{text} {q.position}" for q in c.questions.all()}
