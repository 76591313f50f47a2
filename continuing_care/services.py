"""Writes for the NHS children's complex care (Part 2) `[001 Part 2]`: keyword-only, atomic,
audited. The commissioner records eligibility, health plans, quality checks and mileage
agreements; the provider records nurse delegations, mileage claims and mobilisation progress."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Sum

from packages_of_care.models import IndividualServiceOrder, ServiceUser
from portal import audit
from portal.alerts import raise_alert
from portal.models import Organisation, User
from schemes.models import Contract

from . import rules
from .alerts import ELIGIBILITY_REVIEW
from .models import (
    CheckOutcome,
    ClinicalQualityCheck,
    ContinuingCareEligibility,
    IndividualHealthPlan,
    MileageAgreement,
    MileageClaim,
    MilestoneStatus,
    MobilisationAgencyCost,
    MobilisationMilestone,
    MobilisationPlan,
    NurseDelegation,
)


def _require(actor: User | None, organisation_id: int | None, who: str) -> None:
    """The actor acts for `organisation_id` (no actor: the portal itself, e.g. the demo loader)."""
    if actor is not None and actor.organisation_id != organisation_id:
        raise PermissionDenied(f"Only {who} may do this.")


def _provider_of(service_user: ServiceUser, provider: Organisation) -> None:
    if (
        not IndividualServiceOrder.objects.live()
        .filter(service_user=service_user, provider=provider)
        .exists()
    ):
        raise ValidationError({"service_user": "Your organisation holds no live order for this person."})


@transaction.atomic
def eligibility_record(
    *,
    actor: User | None,
    service_user: ServiceUser,
    decided_on: dt.date,
    review_due_on: dt.date,
    notes: str = "",
) -> ContinuingCareEligibility:
    """The commissioner records a continuing-care eligibility decision and its review date `[001 P2 §1.3]`."""
    _require(actor, service_user.commissioner_id, "the person's commissioner")
    if review_due_on <= decided_on:
        raise ValidationError({"review_due_on": "The review must fall after the decision."})
    eligibility = ContinuingCareEligibility(
        service_user=service_user,
        decided_on=decided_on,
        review_due_on=review_due_on,
        notes=notes,
        recorded_by=actor,
    )
    return audit.save_new(
        eligibility,
        actor=actor,
        action="eligibility recorded",
        changes={"decided_on": [None, decided_on], "review_due_on": [None, review_due_on]},
    )


@transaction.atomic
def health_plan_record(
    *,
    actor: User | None,
    service_user: ServiceUser,
    agreed_on: dt.date,
    summary: str,
    review_due_on: dt.date | None = None,
) -> IndividualHealthPlan:
    """The commissioner records the person's individual health plan; a revision is the next version."""
    _require(actor, service_user.commissioner_id, "the person's commissioner")
    latest = (
        IndividualHealthPlan.objects.select_for_update()
        .filter(service_user=service_user)
        .aggregate(v=Max("version"))["v"]
    )
    plan = IndividualHealthPlan(
        service_user=service_user,
        version=(latest or 0) + 1,
        agreed_on=agreed_on,
        review_due_on=review_due_on,
        summary=summary,
        recorded_by=actor,
    )
    return audit.save_new(
        plan, actor=actor, action="health plan recorded", changes={"version": [None, plan.version]}
    )


@transaction.atomic
def delegation_record(
    *,
    actor: User | None,
    provider: Organisation,
    service_user: ServiceUser,
    overseeing_nurse: str,
    care_worker: str,
    care_worker_role: str,
    tasks: str,
    delegated_on: dt.date,
    nurse_pin: str = "",
    competence_review_on: dt.date | None = None,
) -> NurseDelegation:
    """The provider records which tasks a registered nurse delegates to a care worker for one person
    `[001 P2 §1.3-1.4]`."""
    _require(actor, provider.pk, "the provider caring for the person")
    _provider_of(service_user, provider)
    delegation = NurseDelegation(
        service_user=service_user,
        provider=provider,
        overseeing_nurse=overseeing_nurse,
        nurse_pin=nurse_pin,
        care_worker=care_worker,
        care_worker_role=care_worker_role,
        tasks=tasks,
        delegated_on=delegated_on,
        competence_review_on=competence_review_on,
        recorded_by=actor,
    )
    return audit.save_new(
        delegation,
        actor=actor,
        action="nurse delegation recorded",
        changes={"care_worker_role": [None, care_worker_role], "delegated_on": [None, delegated_on]},
    )


@transaction.atomic
def quality_check_record(
    *,
    actor: User | None,
    health_plan: IndividualHealthPlan,
    provider: Organisation,
    checked_on: dt.date,
    checked_by: str,
    findings: str,
    outcome: str,
    actions: str = "",
    actions_due_on: dt.date | None = None,
) -> ClinicalQualityCheck:
    """The commissioner's clinical quality check of a person's care against their health plan
    `[001 P2 §3.2]`. Anything short of "met" needs the actions and the date they are due."""
    service_user = health_plan.service_user
    _require(actor, service_user.commissioner_id, "the person's commissioner")
    _provider_of(service_user, provider)
    if outcome != CheckOutcome.MET and (not actions.strip() or actions_due_on is None):
        raise ValidationError(
            {"actions": "Say what the provider must do, and by when, unless the plan is met."}
        )
    check = ClinicalQualityCheck(
        service_user=service_user,
        provider=provider,
        health_plan=health_plan,
        checked_on=checked_on,
        checked_by=checked_by,
        findings=findings,
        outcome=outcome,
        actions=actions,
        actions_due_on=actions_due_on,
        recorded_by=actor,
    )
    return audit.save_new(
        check, actor=actor, action="quality check recorded", changes={"outcome": [None, outcome]}
    )


@transaction.atomic
def mileage_agreement_create(
    *,
    actor: User | None,
    contract: Contract,
    reference: str,
    purpose: str,
    agreed_on: dt.date,
    valid_from: dt.date,
    valid_to: dt.date,
    rate_per_mile: Decimal,
    max_miles: Decimal,
    service_user: ServiceUser | None = None,
) -> MileageAgreement:
    """The commissioner agrees in advance to pay mileage under a contract `[001 P2 §3.4]`."""
    _require(actor, contract.commissioner_id, "the contract's commissioner")
    if valid_to < valid_from:
        raise ValidationError({"valid_to": "The agreement must end on or after it starts."})
    if service_user is not None and service_user.commissioner_id != contract.commissioner_id:
        raise ValidationError({"service_user": "The person is funded by another commissioner."})
    if MileageAgreement.objects.filter(contract=contract, reference=reference).exists():
        raise ValidationError({"reference": "This contract already has an agreement with that reference."})
    agreement = MileageAgreement(
        contract=contract,
        service_user=service_user,
        reference=reference,
        purpose=purpose,
        agreed_on=agreed_on,
        valid_from=valid_from,
        valid_to=valid_to,
        rate_per_mile=rate_per_mile,
        max_miles=max_miles,
        agreed_by=actor,
    )
    return audit.save_new(
        agreement,
        actor=actor,
        action="mileage agreed",
        changes={"rate_per_mile": [None, rate_per_mile], "max_miles": [None, max_miles]},
    )


@transaction.atomic
def mileage_claim_create(
    *,
    actor: User | None,
    provider: Organisation,
    service_user: ServiceUser,
    travelled_on: dt.date,
    miles: Decimal,
    journey: str,
    agreement: MileageAgreement | None = None,
) -> MileageClaim:
    """The provider claims mileage under the commissioner's prior agreement, and only so
    `[001 P2 §3.4]`: a claim naming no agreement is refused."""
    _require(actor, provider.pk, "the provider")
    if agreement is None:
        raise ValidationError(
            rules.mileage_claim_problems(has_agreement=False, travelled_on=travelled_on, miles=miles)
        )
    agreement = MileageAgreement.objects.select_for_update().select_related("contract").get(pk=agreement.pk)
    if agreement.contract.provider_id != provider.pk:
        raise ValidationError({"agreement": "That agreement is with another provider."})
    if agreement.service_user_id not in (None, service_user.pk):
        raise ValidationError({"service_user": "The agreement covers another person's journeys."})
    if service_user.commissioner_id != agreement.contract.commissioner_id:
        raise ValidationError({"service_user": "The person is funded by another commissioner."})
    claimed = agreement.claims.aggregate(m=Sum("miles"))["m"] or Decimal("0")
    problems = rules.mileage_claim_problems(
        has_agreement=True,
        travelled_on=travelled_on,
        miles=miles,
        valid_from=agreement.valid_from,
        valid_to=agreement.valid_to,
        miles_already_claimed=claimed,
        max_miles=agreement.max_miles,
    )
    if problems:
        raise ValidationError(problems)
    claim = MileageClaim(
        agreement=agreement,
        service_user=service_user,
        travelled_on=travelled_on,
        miles=miles,
        amount=rules.mileage_amount(miles, agreement.rate_per_mile),
        journey=journey,
        claimed_by=actor,
    )
    return audit.save_new(
        claim,
        actor=actor,
        action="mileage claimed",
        changes={"miles": [None, miles], "amount": [None, claim.amount]},
    )


@transaction.atomic
def mobilisation_plan_create(*, actor: User | None, contract: Contract) -> MobilisationPlan:
    """The commissioner starts a contract's 20-week mobilisation plan from the contract's start, with
    the standard milestones due at the end of their weeks `[001 P2 §4.4]`."""
    _require(actor, contract.commissioner_id, "the contract's commissioner")
    if MobilisationPlan.objects.filter(contract=contract).exists():
        raise ValidationError({"contract": "This contract already has a mobilisation plan."})
    plan = audit.save_new(
        MobilisationPlan(contract=contract, starts_on=contract.start_date, weeks=rules.MOBILISATION_WEEKS),
        actor=actor,
        action="mobilisation planned",
        changes={"starts_on": [None, contract.start_date]},
    )
    milestones = MobilisationMilestone.objects.bulk_create(
        MobilisationMilestone(
            plan=plan, week=week, title=title, due_on=rules.week_due_on(plan.starts_on, week)
        )
        for week, title in rules.STANDARD_MILESTONES
    )
    audit.record_many(actor=actor, objects=milestones, action="milestone planned")
    return plan


@transaction.atomic
def milestone_update(
    *, actor: User | None, milestone: MobilisationMilestone, status: str, completed_on: dt.date | None = None
) -> MobilisationMilestone:
    """The provider reports a milestone's progress; a milestone done says when."""
    milestone = (
        MobilisationMilestone.objects.select_for_update()
        .select_related("plan__contract")
        .get(pk=milestone.pk)
    )
    _require(actor, milestone.plan.contract.provider_id, "the provider mobilising the contract")
    if status == MilestoneStatus.DONE and completed_on is None:
        raise ValidationError({"completed_on": "Say when the milestone was done."})
    if status != MilestoneStatus.DONE:
        completed_on = None
    return audit.save_changes(
        milestone,
        {"status": status, "completed_on": completed_on},
        fields=["status", "completed_on"],
        actor=actor,
        action="milestone updated",
    )


@transaction.atomic
def agency_cost_record(
    *, actor: User | None, plan: MobilisationPlan, incurred_on: dt.date, amount: Decimal, description: str
) -> MobilisationAgencyCost:
    """The provider records agency staff hired to mobilise: the provider's own cost `[001 P2 §4.4]`."""
    _require(actor, plan.contract.provider_id, "the provider mobilising the contract")
    last_day = rules.week_due_on(plan.starts_on, plan.weeks)
    if not plan.starts_on <= incurred_on <= last_day:
        raise ValidationError(
            {
                "incurred_on": f"The mobilisation period runs from {plan.starts_on:%-d %B %Y} to {last_day:%-d %B %Y}."
            }
        )
    cost = MobilisationAgencyCost(plan=plan, incurred_on=incurred_on, amount=amount, description=description)
    return audit.save_new(
        cost, actor=actor, action="agency cost recorded", note="Borne by the provider [001 P2 §4.4].",
        changes={"amount": [None, amount]},
    )  # fmt: skip


def eligibility_review_alerts_raise(*, today: dt.date) -> int:
    """Alert each commissioner to the continuing-care eligibility reviews due within the alert
    window (or overdue) of each person's latest decision. Returns how many alerts were new."""
    latest = (
        ContinuingCareEligibility.objects.order_by("service_user_id", "-decided_on")
        .distinct("service_user_id")
        .select_related("service_user__commissioner")
    )
    new = 0
    for eligibility in latest:
        state = rules.review_state(eligibility.review_due_on, today)
        if not state:
            continue
        person = eligibility.service_user
        _alert, created = raise_alert(
            recipient=person.commissioner,
            kind=ELIGIBILITY_REVIEW,
            key=f"eligibility-{eligibility.pk}",
            title=f"Continuing care review {state} for {person.reference}: {eligibility.review_due_on:%-d %B %Y}",
            url=eligibility.get_absolute_url(),
            obj=eligibility,
        )
        new += created
    return new
