"""Shared set-up for the packages-of-care tests: a council and a provider with a contract, the
council's brokerage, and a person."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from packages_of_care import services
from portal.roles import Role
from schemes.models import PaymentModel
from tests.factories import ContractFactory, ProviderFactory, SchemeFactory, user_for
from tests.packages_of_care.factories import ServiceUserFactory

MORNING = dt.time(8, 0)


def frozen_at(moment: dt.datetime):
    """A `frozen` fixture: the clock stands at `moment` for the test."""

    @pytest.fixture
    def frozen():
        with time_machine.travel(moment, tick=False):
            yield

    return frozen


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


def person_with_one_of_each(actor, contract, *, absent_from, received_at, **care_plan):
    """A new person under the contract with an accepted 7-hour order, a hospital stay from
    `absent_from`, a care plan (`care_plan`: its dates), a week's temporary variation in June and a
    referral: one row for each list, for the tests that count queries as the lists grow."""
    person = ServiceUserFactory(commissioner=contract.commissioner)
    order = services.order_create(
        actor=actor, service_user=person, contract=contract, start_date=dt.date(2026, 4, 1),
        weekly_hours=Decimal("7"), schedule=daily_schedule("7"),
    )  # fmt: skip
    services.order_issue(actor=actor, order=order)
    services.order_accept(actor=None, order=order)
    services.absence_record(actor=actor, service_user=person, kind="hospital", start_date=absent_from)
    services.care_plan_create(actor=actor, order=order, **care_plan)
    services.temporary_variation_record(
        actor=actor, order=order, start_date=dt.date(2026, 6, 1), end_date=dt.date(2026, 6, 7),
        extra_hours_per_week=Decimal("1"), reason="x",
    )  # fmt: skip
    services.referral_create(actor=actor, service_user=person, contract=contract, received_at=received_at)
    return person, order
