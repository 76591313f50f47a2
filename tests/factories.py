"""factory_boy factories for the shared models. Apps add their own in tests/<app>/factories.py."""

import datetime as dt
from decimal import Decimal

import factory

from portal.models import ApiToken, CommissionerType, CqcRating, Organisation, User
from portal.roles import OrganisationKind, Role
from schemes.models import (
    Contract,
    ContractRate,
    Framework,
    Lot,
    PaymentModel,
    Scheme,
    SchemeUnitGroup,
    UnitType,
)

PASSWORD = "test-password-123"


class OrganisationFactory(factory.django.DjangoModelFactory):
    """The organisation factories below: one organisation a name (asking again gets the same one)."""

    class Meta:
        model = Organisation
        django_get_or_create = ["name"]
        abstract = True


class CommissionerFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Council {n}")
    kind = OrganisationKind.COMMISSIONER
    commissioner_type = CommissionerType.COUNCIL


class ProviderFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Provider {n}")
    kind = OrganisationKind.PROVIDER
    cqc_location_id = factory.Sequence(lambda n: f"1-{1000000000 + n}")
    cqc_rating = CqcRating.GOOD
    cqc_rating_date = dt.date(2025, 1, 1)


class OperatorFactory(OrganisationFactory):
    name = "Portal operations"
    kind = OrganisationKind.OPERATOR


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    organisation = factory.SubFactory(CommissionerFactory)
    role = Role.COMMISSIONER
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def user_for(organisation, role, **kwargs) -> User:
    return UserFactory(organisation=organisation, role=role, **kwargs)


def api_token_for(organisation, scopes=(), username=None) -> tuple[User, str]:
    user = UserFactory(
        organisation=organisation, role=Role.API_CLIENT, **({"username": username} if username else {})
    )
    _token, key = ApiToken.issue(user=user, name="test", scopes=scopes)
    return user, key


class FrameworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Framework

    commissioner = factory.SubFactory(CommissionerFactory)
    name = factory.Sequence(lambda n: f"Framework {n}")


class LotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lot

    framework = factory.SubFactory(FrameworkFactory)
    number = factory.Sequence(lambda n: str(n + 1))
    name = factory.Sequence(lambda n: f"Lot {n}")


class SchemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scheme

    lot = factory.SubFactory(LotFactory)
    name = factory.Sequence(lambda n: f"Scheme {n}")
    landlord = "Test Housing Trust"
    address = "1 High Street, Norwich"
    postcode = "NR1 1AA"
    unplanned_hours_per_week = Decimal("98")


class SchemeUnitGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchemeUnitGroup

    scheme = factory.SubFactory(SchemeFactory)
    unit_type = UnitType.GENERAL
    count = 30


class ContractFactory(factory.django.DjangoModelFactory):
    """A contract on a lot of the commissioner's framework, covering the given schemes."""

    class Meta:
        model = Contract
        skip_postgeneration_save = True

    commissioner = factory.SubFactory(CommissionerFactory)
    provider = factory.SubFactory(ProviderFactory)
    lot = factory.SubFactory(LotFactory, framework__commissioner=factory.SelfAttribute("...commissioner"))
    reference = factory.Sequence(lambda n: f"CT-{n:04d}")
    start_date = dt.date(2024, 4, 1)
    end_date = dt.date(2029, 3, 31)
    payment_model = PaymentModel.HOURLY_4_WEEKLY
    payment_period_anchor = dt.date(2024, 4, 1)

    @factory.post_generation
    def schemes(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.schemes.set(extracted)

    @factory.post_generation
    def rate(obj, create, extracted, **kwargs):
        if create:
            ContractRate.objects.create(
                contract=obj,
                effective_from=obj.start_date,
                planned_hourly_rate=extracted if extracted is not None else Decimal("22.00"),
                unplanned_hourly_rate=Decimal("24.28"),
            )


class ContractPartiesFactory(factory.django.DjangoModelFactory):
    """A record under a contract that carries the contract's two parties (the scoping columns)."""

    class Meta:
        abstract = True

    contract = factory.SubFactory(ContractFactory)
    commissioner = factory.SelfAttribute("contract.commissioner")
    provider = factory.SelfAttribute("contract.provider")


class FillsDerived:
    """Saves through the model's fill_derived(), as the services do: mix in before the factory."""

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        obj = model_class(*args, **kwargs)
        obj.fill_derived()
        obj.save()
        return obj
