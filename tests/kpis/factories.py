"""Factories for the records and workforce models the KPIs read, and a contract with its KPI set."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory

from kpis import catalogue
from packages_of_care.models import Referral, ReferralDecision
from records.models import (
    Activity,
    ActivityAttendance,
    ActivityKind,
    AlarmCall,
    AlarmOutcome,
    Complaint,
    ComplaintInformationRequest,
    ComplaintKind,
    NominationDecision,
    PammsAssessment,
    SafeguardingIncident,
    SurveyResponse,
    Void,
    VoidStatus,
)
from tests.factories import (
    CommissionerFactory,
    ContractFactory,
    ContractPartiesFactory,
    FillsDerived,
    LotFactory,
    ProviderFactory,
    SchemeFactory,
)
from tests.packages_of_care.factories import ForPersonFactory, ServiceUserFactory
from workforce.catalogue import ensure_catalogue
from workforce.models import StaffMember, TrainingCompletion, TrainingCourse

LONDON = ZoneInfo("Europe/London")


def london(day: dt.date, hh: int = 9, mm: int = 0, ss: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=LONDON)


class AlarmCallFactory(FillsDerived, ContractPartiesFactory):
    class Meta:
        model = AlarmCall

    scheme = factory.LazyAttribute(lambda a: a.contract.schemes.first())
    raised_at = factory.LazyFunction(lambda: london(dt.date(2026, 7, 6), 14))
    responded_at = factory.LazyAttribute(lambda a: a.raised_at + dt.timedelta(minutes=a.answered_in))
    outcome = AlarmOutcome.ADVICE

    class Params:
        answered_in = 5  # minutes from raised to responded


class ComplaintFactory(ContractPartiesFactory):
    class Meta:
        model = Complaint

    reference = factory.Sequence(lambda n: f"CMP-{n:05d}")
    kind = ComplaintKind.COMPLAINT
    scheme = factory.LazyAttribute(lambda c: c.contract.schemes.first())
    received_on = dt.date(2026, 7, 10)
    summary = "Carer arrived late"
    upheld = True


class InformationRequestFactory(ContractPartiesFactory):
    class Meta:
        model = ComplaintInformationRequest

    reference = factory.Sequence(lambda n: f"NCC-CMP-{n:05d}")
    scheme = factory.LazyAttribute(lambda c: c.contract.schemes.first())
    requested_on = dt.date(2026, 7, 10)
    information_requested = "Visit logs and the care plan for the fortnight complained about"
    due_on = dt.date(2026, 7, 24)  # derived again on save


class PammsFactory(ContractPartiesFactory):
    class Meta:
        model = PammsAssessment

    scheme = factory.LazyAttribute(lambda c: c.contract.schemes.first())
    rating = "good"
    assessed_on = dt.date(2026, 5, 1)


class SafeguardingFactory(ContractPartiesFactory):
    class Meta:
        model = SafeguardingIncident

    reference = factory.Sequence(lambda n: f"SG-{n:05d}")
    scheme = factory.LazyAttribute(lambda c: c.contract.schemes.first())
    occurred_on = dt.date(2026, 7, 15)
    category = SafeguardingIncident.Category.NEGLECT
    summary = "Concern raised"


class SurveyFactory(ContractPartiesFactory):
    class Meta:
        model = SurveyResponse

    scheme = factory.LazyAttribute(lambda c: c.contract.schemes.first())
    responded_on = dt.date(2026, 8, 1)
    satisfied = True


class VoidFactory(ContractPartiesFactory):
    class Meta:
        model = Void

    scheme = factory.LazyAttribute(lambda c: c.contract.schemes.first())
    flat = factory.Sequence(lambda n: f"F{n}")
    status = VoidStatus.ACTUAL
    start_date = dt.date(2026, 8, 1)


class NominationFactory(ContractPartiesFactory):
    class Meta:
        model = NominationDecision

    scheme = factory.LazyAttribute(lambda c: c.contract.schemes.first())
    panel_date = dt.date(2026, 7, 20)
    applicant_reference = factory.Sequence(lambda n: f"APP-{n}")
    applicant_age = 72
    assessed_care_hours_per_week = Decimal("10")
    has_housing_need = True
    decision = NominationDecision.Decision.DECLINED
    declined_by = NominationDecision.DeclinedBy.PROVIDER
    reason = "Needs beyond the scheme's night cover"


class ActivityFactory(ContractPartiesFactory):
    class Meta:
        model = Activity

    kind = ActivityKind.SHORT_BREAK
    title = factory.Sequence(lambda n: f"Activity {n}")
    location = "Community hall"
    starts_at = factory.LazyFunction(lambda: london(dt.date(2026, 8, 3), 10))
    ends_at = factory.LazyAttribute(lambda a: a.starts_at + dt.timedelta(hours=2))
    capacity = 10


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActivityAttendance

    activity = factory.SubFactory(ActivityFactory)
    service_user = factory.SubFactory(
        ServiceUserFactory, commissioner=factory.SelfAttribute("..activity.commissioner")
    )


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMember

    provider = factory.SubFactory(ProviderFactory)
    reference = factory.Sequence(lambda n: f"STAFF-{n:04d}")
    started_on = dt.date(2025, 1, 6)


def training(staff, code: str, completed_on: dt.date) -> TrainingCompletion:
    ensure_catalogue()
    course = TrainingCourse.objects.get(code=code)
    return TrainingCompletion.objects.create(
        staff=staff, course=course, completed_on=completed_on
    ).fill_expiry()


class ReferralFactory(ForPersonFactory):
    class Meta:
        model = Referral

    reference = factory.Sequence(lambda n: f"REF-{n:05d}")
    received_at = factory.LazyFunction(lambda: london(dt.date(2026, 7, 6), 10))
    decision = ReferralDecision.ACCEPTED
    decided_at = factory.LazyAttribute(lambda r: r.received_at + dt.timedelta(days=1))
    responded_at = factory.LazyAttribute(lambda r: r.received_at + dt.timedelta(hours=4))


def contract_with_kpis(set_key: str, *, schemes: int = 1, commissioner=None, provider=None, **kwargs):
    """A commissioner's lot with `schemes` schemes, its KPI set installed, and a provider's contract on it."""
    commissioner = commissioner or CommissionerFactory()
    provider = provider or ProviderFactory()
    lot = LotFactory(framework__commissioner=commissioner)
    scheme_list = [SchemeFactory(lot=lot) for _ in range(schemes)]
    catalogue.install(lot, set_key)
    return ContractFactory(
        commissioner=commissioner, provider=provider, lot=lot, schemes=scheme_list, **kwargs
    )


def derby_with_calls(*calls):
    """A contract on the Derby KPI set with alarm calls on Tuesday 7 July 2026, each given as
    (minutes after 10:00 it was raised, minutes taken to answer it)."""
    contract = contract_with_kpis("derby")
    raised = london(dt.date(2026, 7, 7), 10)
    for after, answered_in in calls:
        AlarmCallFactory(
            contract=contract, raised_at=raised + dt.timedelta(minutes=after), answered_in=answered_in
        )
    return contract
