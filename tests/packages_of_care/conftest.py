"""Shared set-up for the packages-of-care tests: a council and a provider with a contract, the
council's brokerage, and a person."""

import datetime as dt
from decimal import Decimal

import pytest

from packages_of_care import services
from portal.roles import Role
from schemes.models import PaymentModel
from tests.factories import ContractFactory, ProviderFactory, SchemeFactory, user_for
from tests.packages_of_care.factories import ServiceUserFactory

MORNING = dt.time(8, 0)


@pytest.fixture
def scheme(commissioner_org):
    return SchemeFactory(lot__framework__commissioner=commissioner_org, name="Barley Court")


@pytest.fixture
def contract(commissioner_org, provider_org, scheme):
    return ContractFactory(
        commissioner=commissioner_org,
        provider=provider_org,
        lot=scheme.lot,
        schemes=[scheme],
        reference="NCC-L1",
    )


@pytest.fixture
def package_contract(commissioner_org, provider_org):
    return ContractFactory(
        commissioner=commissioner_org,
        provider=provider_org,
        reference="DOR-L8",
        payment_model=PaymentModel.WEEKLY_PACKAGE,
        payment_period_anchor=None,
    )


@pytest.fixture
def other_provider(db):
    return ProviderFactory(name="Other Care Ltd")


@pytest.fixture
def other_contract(commissioner_org, other_provider, scheme):
    return ContractFactory(
        commissioner=commissioner_org, provider=other_provider, lot=scheme.lot, reference="NCC-L1B"
    )


@pytest.fixture
def other_manager(other_provider):
    return user_for(other_provider, Role.PROVIDER_MANAGER, username="other-manager")


@pytest.fixture
def person(commissioner_org, scheme):
    return ServiceUserFactory(
        commissioner=commissioner_org, name="Ada Lovelace", reference="NCC-0001", scheme=scheme
    )


def daily_schedule(weekly_hours, start=MORNING):
    """One visit a day whose lengths add up to the weekly hours (quarter-hours spread evenly)."""
    units = int(Decimal(str(weekly_hours)) * 4)
    base, extra = divmod(units, 7)
    return [
        {"weekday": day, "start_time": start, "duration_minutes": 15 * (base + (1 if day < extra else 0))}
        for day in range(7)
        if base + (1 if day < extra else 0)
    ]


@pytest.fixture
def make_order(brokerage_user, contract, person):
    def _make(
        *, weekly_hours="14", start_date=dt.date(2026, 4, 1), contract=contract, service_user=person, **kwargs
    ):
        kwargs.setdefault("schedule", daily_schedule(weekly_hours))
        return services.order_create(
            actor=brokerage_user,
            service_user=service_user,
            contract=contract,
            start_date=start_date,
            weekly_hours=Decimal(weekly_hours),
            **kwargs,
        )

    return _make
