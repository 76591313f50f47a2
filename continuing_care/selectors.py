"""Reads for the NHS children's complex care, scoped to the user (`visible_to`)."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import OuterRef, Q, QuerySet, Subquery

from packages_of_care.models import ServiceUser
from portal.models import AuditEvent, CommissionerType, User

from . import rules
from .models import (
    ClinicalQualityCheck,
    ContinuingCareEligibility,
    IndividualHealthPlan,
    MileageAgreement,
    MileageClaim,
    MobilisationPlan,
    NurseDelegation,
)


def people(user: User) -> QuerySet[ServiceUser]:
    """The people of NHS commissioners the user may see, with their latest eligibility's dates:
    the NHS commissions the children's complex care, a council does not `[001 Part 2]`."""
    latest = ContinuingCareEligibility.objects.filter(service_user=OuterRef("pk")).order_by("-decided_on")
    return (
        ServiceUser.objects.visible_to(user)
        .filter(commissioner__commissioner_type=CommissionerType.NHS)
        .select_related("commissioner")
        .annotate(
            eligibility_decided_on=Subquery(latest.values("decided_on")[:1]),
            eligibility_review_due_on=Subquery(latest.values("review_due_on")[:1]),
        )
        .order_by("name", "reference")
    )


@dataclass
class PersonRecords:
    eligibilities: list[ContinuingCareEligibility]
    health_plans: list[IndividualHealthPlan]
    delegations: list[NurseDelegation]
    checks: list[ClinicalQualityCheck]
    mileage_claims: list[MileageClaim]
    review_state: str


def person_records(user: User, service_user: ServiceUser, today: dt.date) -> PersonRecords:
    """Everything Part 2 holds about one person that the user may see."""
    eligibilities = list(ContinuingCareEligibility.objects.visible_to(user).filter(service_user=service_user))
    return PersonRecords(
        eligibilities=eligibilities,
        health_plans=list(IndividualHealthPlan.objects.visible_to(user).filter(service_user=service_user)),
        delegations=list(
            NurseDelegation.objects.visible_to(user)
            .filter(service_user=service_user)
            .select_related("provider")
        ),
        checks=list(
            ClinicalQualityCheck.objects.visible_to(user)
            .filter(service_user=service_user)
            .select_related("provider", "health_plan")
        ),
        mileage_claims=list(
            MileageClaim.objects.visible_to(user)
            .filter(service_user=service_user)
            .select_related("agreement")
        ),
        review_state=rules.review_state(eligibilities[0].review_due_on, today) if eligibilities else "",
    )


def person_trail(user: User, records: PersonRecords) -> QuerySet[AuditEvent]:
    """The audit trail of a person's Part 2 records that the user may read, newest first."""
    q = Q(pk__in=[])
    for objects in (records.eligibilities, records.health_plans, records.delegations, records.checks):
        if objects:
            content_type = ContentType.objects.get_for_model(objects[0], for_concrete_model=False)
            q |= Q(content_type=content_type, object_id__in=[str(o.pk) for o in objects])
    return (
        AuditEvent.objects.visible_to(user)
        .filter(q)
        .select_related("actor", "actor_organisation")
        .order_by("-at", "-id")[:100]
    )


def mileage_agreements(user: User) -> QuerySet[MileageAgreement]:
    return MileageAgreement.objects.visible_to(user).select_related("contract__provider", "service_user")


def mobilisation_plans(user: User) -> QuerySet[MobilisationPlan]:
    return MobilisationPlan.objects.visible_to(user).select_related(
        "contract__provider", "contract__commissioner"
    )


def plan_summary(plan: MobilisationPlan, today: dt.date) -> dict[str, Any]:
    """A plan's milestones with whether each is late, and the agency costs the provider bore."""
    milestones = list(plan.milestones.all())
    costs = list(plan.agency_costs.all())
    return {
        "milestones": [(m, m.status != "done" and m.due_on < today) for m in milestones],
        "agency_costs": costs,
        "agency_total": sum((c.amount for c in costs), start=rules.Decimal("0")),
        "ends_on": rules.week_due_on(plan.starts_on, plan.weeks),
    }
