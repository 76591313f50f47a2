"""NHS Dorset and Dorset Council both buy from one provider: the NHS its children's complex care
(`[001 Part 2]`), the council its Part 1 children's care. Each has a child with a live order."""

import datetime as dt
from decimal import Decimal

import pytest

from packages_of_care import services as packages
from portal.models import CommissionerType
from portal.roles import Role
from tests.factories import CommissionerFactory, ContractFactory, ProviderFactory, user_for
from tests.packages_of_care.factories import ServiceUserFactory

SCHEDULE = [{"weekday": d, "start_time": dt.time(8, 0), "duration_minutes": 60} for d in range(7)]


@pytest.fixture
def nhs(db):
    return CommissionerFactory(name="NHS Dorset", commissioner_type=CommissionerType.NHS)


@pytest.fixture
def council(db):
    return CommissionerFactory(name="Dorset Council")


@pytest.fixture
def provider(db):
    return ProviderFactory(name="Stour Children's Support")


@pytest.fixture
def nhs_user(nhs):
    return user_for(nhs, Role.COMMISSIONER, username="nhs-commissioner")


@pytest.fixture
def nhs_brokerage(nhs):
    return user_for(nhs, Role.BROKERAGE, username="nhs-brokerage")


@pytest.fixture
def council_user(council):
    return user_for(council, Role.COMMISSIONER, username="council-commissioner")


@pytest.fixture
def manager(provider):
    return user_for(provider, Role.PROVIDER_MANAGER, username="stour-manager")


@pytest.fixture
def staff(provider):
    return user_for(provider, Role.PROVIDER_STAFF, username="stour-staff")


@pytest.fixture
def nhs_contract(nhs, provider):
    return ContractFactory(
        commissioner=nhs,
        provider=provider,
        reference="NHSD-L20-01",
        start_date=dt.date(2026, 1, 5),
        lot__number="20",
    )


@pytest.fixture
def council_contract(council, provider):
    return ContractFactory(commissioner=council, provider=provider, reference="DOR-L27-01", lot__number="27")


def _child_with_order(contract, reference, name):
    child = ServiceUserFactory(
        commissioner=contract.commissioner, reference=reference, name=name, date_of_birth=dt.date(2014, 4, 1)
    )
    order = packages.order_create(
        actor=None,
        service_user=child,
        contract=contract,
        start_date=dt.date(2026, 1, 12),
        weekly_hours=Decimal("7"),
        schedule=SCHEDULE,
        reference=f"ISO-{reference}",
    )
    packages.order_issue(actor=None, order=order)
    packages.order_accept(actor=None, order=order)
    return child


@pytest.fixture
def nhs_child(nhs_contract):
    return _child_with_order(nhs_contract, "NHSD-0001", "Isla Hardy")


@pytest.fixture
def council_child(council_contract):
    return _child_with_order(council_contract, "DOR-0001", "Noah Pike")
