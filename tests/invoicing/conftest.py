import datetime as dt
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine

from schemes.models import PaymentModel, SchemeUnplannedHours
from schemes.services import block_volume_set, contract_rate_set
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


def planned_rate_from(contract, day: dt.date, planned_hourly_rate: D):
    """A new planned hourly rate for the contract from `day`; unplanned hours stay at £24.28."""
    contract_rate_set(
        actor=None,
        contract=contract,
        effective_from=day,
        planned_hourly_rate=planned_hourly_rate,
        unplanned_hourly_rate=D("24.28"),
    )


# The ways a visit can turn out, for the properties' random visits.
VISIT_OUTCOMES = [
    "completed",
    "shortened_by_service_user",
    "aborted",
    "cancelled_short_notice",
    "cancelled_with_notice",
    "missed",
]


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


def _contract_on_own_lot(commissioner, provider, reference, start_date, payment_model, rate):
    """A contract on a lot of its own; the payment periods are the model's, not an anchor's."""
    lot = LotFactory(framework__commissioner=commissioner)
    return ContractFactory(
        commissioner=commissioner,
        provider=provider,
        lot=lot,
        reference=reference,
        start_date=start_date,
        payment_model=payment_model,
        payment_period_anchor=None,
        rate=rate,
    )


# The terms of the contracts below: (reference, start date, payment model, rate).
TERMS = {
    "block": ("DCC-EC-L1", dt.date(2025, 4, 1), PaymentModel.BLOCK_QUARTERLY, D("22.35")),
    "package": ("DOR-S1L8-01", dt.date(2025, 1, 6), PaymentModel.WEEKLY_PACKAGE, D("24.50")),
}


@pytest.fixture
def block_contract(commissioner_org, provider_org):
    """A Derby-style block contract: composite rate £22.35/h from 1 April 2025, a block volume of
    10 h a week agreed at award."""
    contract = _contract_on_own_lot(commissioner_org, provider_org, *TERMS["block"])
    block_volume_set(
        actor=None,
        contract=contract,
        effective_from=contract.start_date,
        weekly_hours=D("10"),
        source="award",
    )
    return contract


@pytest.fixture
def package_contract(commissioner_org, provider_org):
    """A Dorset-style weekly-package contract starting Monday 6 January 2025 (periods of 28 days
    from then: 27 April – 24 May 2026 is one)."""
    return _contract_on_own_lot(commissioner_org, provider_org, *TERMS["package"])


@pytest.fixture
def block_orders(block_contract):
    """Two orders on the block contract from 1 April 2025: 10 h a week, and 5 h a week that ended
    31 March 2026."""
    return [
        OrderFactory(contract=block_contract, weekly_hours=D("10"), start_date=dt.date(2025, 4, 1)),
        OrderFactory(
            contract=block_contract,
            weekly_hours=D("5"),
            start_date=dt.date(2025, 4, 1),
            end_date=dt.date(2026, 3, 31),
        ),
    ]


@pytest.fixture
def order(hourly_contract):
    return OrderFactory(contract=hourly_contract, weekly_hours=D("10.00"), start_date=dt.date(2026, 4, 1))
