"""Factories for people and orders, shared by every app's tests."""

import datetime as dt
from decimal import Decimal

import factory

from packages_of_care.models import (
    Absence,
    AbsenceKind,
    FundingRoute,
    IndividualServiceOrder,
    OrderStatus,
    OrderVersion,
    ScheduledVisit,
    ServiceUser,
    TemporaryVariation,
    TemporaryVariationStatus,
)
from tests.factories import CommissionerFactory, ContractPartiesFactory


class ServiceUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceUser

    commissioner = factory.SubFactory(CommissionerFactory)
    reference = factory.Sequence(lambda n: f"SU{100000 + n}")
    name = factory.Sequence(lambda n: f"Person {n}")
    date_of_birth = dt.date(1940, 5, 17)
    funding_route = FundingRoute.COUNCIL_FUNDED


class ForPersonFactory(ContractPartiesFactory):
    """A record under a contract for one person, known to the contract's council."""

    class Meta:
        abstract = True

    service_user = factory.SubFactory(
        ServiceUserFactory, commissioner=factory.SelfAttribute("..commissioner")
    )


class OrderFactory(ForPersonFactory):
    """An order under a contract, with a first version of `weekly_hours` (and `weekly_price`)
    from its start date: OrderFactory(contract=c, weekly_hours=Decimal("10"))."""

    class Meta:
        model = IndividualServiceOrder

    reference = factory.Sequence(lambda n: f"ISO-{n:06d}")
    status = OrderStatus.ACTIVE
    start_date = dt.date(2026, 4, 1)

    @classmethod
    def _generate(cls, strategy, params):
        weekly_hours = Decimal(str(params.pop("weekly_hours", "10.00")))
        weekly_price = params.pop("weekly_price", None)
        order = super()._generate(strategy, params)
        if strategy == factory.CREATE_STRATEGY:
            OrderVersion.objects.create(
                order=order,
                number=1,
                effective_from=order.start_date,
                weekly_hours=weekly_hours,
                weekly_price=weekly_price,
            )
        return order


def add_version(order, effective_from: dt.date, weekly_hours, weekly_price=None, schedule=()) -> OrderVersion:
    """A permanent variation from a date (tests' shorthand for the brokerage service)."""
    number = order.versions.count() + 1
    version = OrderVersion.objects.create(
        order=order,
        number=number,
        effective_from=effective_from,
        weekly_hours=Decimal(str(weekly_hours)),
        weekly_price=None if weekly_price is None else Decimal(str(weekly_price)),
    )
    for weekday, start, minutes in schedule:
        ScheduledVisit.objects.create(
            version=version, weekday=weekday, start_time=start, duration_minutes=minutes
        )
    return version


class AbsenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Absence

    service_user = factory.SubFactory(ServiceUserFactory)
    kind = AbsenceKind.HOSPITAL
    start_date = dt.date(2026, 5, 4)
    end_date = dt.date(2026, 5, 10)


class TemporaryVariationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TemporaryVariation

    order = factory.SubFactory(OrderFactory)
    start_date = dt.date(2026, 5, 4)
    end_date = dt.date(2026, 5, 17)
    extra_hours_per_week = Decimal("3.00")
    reason = "Recovering after a fall"
    status = TemporaryVariationStatus.APPROVED
