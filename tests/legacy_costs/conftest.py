import datetime as dt
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest

from legacy_costs import services
from legacy_costs.models import LgpsFigureKind, NationalLivingWage
from tests.factories import ContractFactory

LONDON = ZoneInfo("Europe/London")
# A Norfolk contract from 1 May 2024: quarter 1 is 1 May–31 Jul 2024 (92 days).
START = dt.date(2024, 5, 1)
Q1 = START
Q2 = dt.date(2024, 8, 1)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)


@pytest.fixture
def nlw(db):
    """The NLW rates (the data migration's rows are flushed by transactional tests: our own)."""
    NationalLivingWage.objects.all().delete()
    for day, rate in (("2024-04-01", "11.44"), ("2025-04-01", "12.21"), ("2026-04-01", "12.71")):
        NationalLivingWage.objects.create(effective_from=day, hourly_rate=D(rate))


@pytest.fixture
def contract(commissioner_org, provider_org):
    return ContractFactory(
        commissioner=commissioner_org,
        provider=provider_org,
        reference="NCC-HWC-L9",
        start_date=START,
        payment_period_anchor=START,
    )


@pytest.fixture
def staff(contract, provider_manager):
    """LS-1: 30 h, TUPE'd £12.50, new £11.60, LGPS (fund: £450.00 a quarter). LS-2: 22.5 h, TUPE'd
    £12.00, new £11.44, not in the LGPS."""
    one = services.legacy_staff_add(
        actor=provider_manager,
        contract=contract,
        reference="LS-1",
        role="Senior carer",
        weekly_contracted_hours=D("30"),
        tupe_hourly_rate=D("12.50"),
        new_hourly_rate=D("11.60"),
        start_date=START,
        lgps_member=True,
    )
    two = services.legacy_staff_add(
        actor=provider_manager,
        contract=contract,
        reference="LS-2",
        role="Carer",
        weekly_contracted_hours=D("22.5"),
        tupe_hourly_rate=D("12.00"),
        new_hourly_rate=D("11.44"),
        start_date=START,
    )
    services.lgps_figure_record(
        actor=provider_manager,
        staff_member=one,
        contract_year=1,
        kind=LgpsFigureKind.FUND_QUARTERLY,
        amount=D("450.00"),
    )
    return one, two


@pytest.fixture
def agreed(staff, contract, commissioner_user):
    return services.legacy_staff_list_agree(
        actor=commissioner_user,
        contract=contract,
        occasion="start",
        on_costs_percent=D("25"),
        note="Agreed at the start",
        now=at(START),
    )
