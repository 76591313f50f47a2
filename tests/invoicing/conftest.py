import datetime as dt
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine

from schemes.models import PaymentModel, SchemeUnplannedHours
from tests.factories import ContractFactory, LotFactory, SchemeFactory
from tests.packages_of_care.factories import OrderFactory
from tests.visits.factories import VisitFactory, at
from visits.models import VisitStatus

LONDON = ZoneInfo("Europe/London")
# Norfolk's period from Monday 27 April to Sunday 24 May 2026 (anchor 1 April 2024).
P_START = dt.date(2026, 4, 27)
P_END = dt.date(2026, 5, 24)
NEXT_START = dt.date(2026, 5, 25)


def on(day: dt.date, hh: int = 10):
    """time_machine.travel to a London day and hour."""
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hh, 0, tzinfo=LONDON), tick=False)


def daily_visits(order, first: dt.date, days: int, minutes: int, status=VisitStatus.COMPLETED, hour=8):
    return [
        VisitFactory(
            order=order,
            scheduled_start=at(first + dt.timedelta(days=i), hour),
            minutes=minutes,
            status=status,
        )
        for i in range(days)
    ]


@pytest.fixture
def hourly_contract(commissioner_org, provider_org):
    """A Norfolk-style contract: £22.00/h planned, £24.28/h unplanned, one scheme at 98 h/week."""
    lot = LotFactory(framework__commissioner=commissioner_org)
    scheme = SchemeFactory(lot=lot, name="Barley Court")
    contract = ContractFactory(
        commissioner=commissioner_org,
        provider=provider_org,
        lot=lot,
        schemes=[scheme],
        reference="NCC-HWC-L1",
    )
    SchemeUnplannedHours.objects.create(
        contract=contract, scheme=scheme, effective_from=contract.start_date, hours_per_week=D("98")
    )
    return contract


@pytest.fixture
def block_contract(commissioner_org, provider_org):
    """A Derby-style block contract: composite rate £22.35/h from 1 April 2025."""
    lot = LotFactory(framework__commissioner=commissioner_org)
    return ContractFactory(
        commissioner=commissioner_org,
        provider=provider_org,
        lot=lot,
        reference="DCC-EC-L1",
        start_date=dt.date(2025, 4, 1),
        payment_model=PaymentModel.BLOCK_QUARTERLY,
        payment_period_anchor=None,
        rate=D("22.35"),
    )


@pytest.fixture
def package_contract(commissioner_org, provider_org):
    """A Dorset-style weekly-package contract starting Monday 6 January 2025 (periods of 28 days
    from then: 27 April – 24 May 2026 is one)."""
    lot = LotFactory(framework__commissioner=commissioner_org)
    return ContractFactory(
        commissioner=commissioner_org,
        provider=provider_org,
        lot=lot,
        reference="DOR-S1L8-01",
        start_date=dt.date(2025, 1, 6),
        payment_model=PaymentModel.WEEKLY_PACKAGE,
        payment_period_anchor=None,
        rate=D("24.50"),
    )


@pytest.fixture
def order(hourly_contract):
    return OrderFactory(contract=hourly_contract, weekly_hours=D("10.00"), start_date=dt.date(2026, 4, 1))
