"""The Part 2 services: each refusal, each write audited `[001 Part 2]`."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from continuing_care import services
from continuing_care.models import ContinuingCareEligibility, MileageClaim, MilestoneStatus
from portal.models import Alert, AuditEvent

pytestmark = pytest.mark.django_db


def _agreement(nhs_user, nhs_contract, **overrides):
    terms = dict(
        actor=nhs_user, contract=nhs_contract, reference="NHSD-MIL-001", purpose="Hospital appointments",
        agreed_on=dt.date(2026, 4, 1), valid_from=dt.date(2026, 4, 1), valid_to=dt.date(2027, 3, 31),
        rate_per_mile=D("0.45"), max_miles=D("100"),
    )  # fmt: skip
    return services.mileage_agreement_create(**{**terms, **overrides})


def test_eligibility_recorded_and_audited(nhs_user, nhs_child):
    eligibility = services.eligibility_record(
        actor=nhs_user,
        service_user=nhs_child,
        decided_on=dt.date(2026, 1, 5),
        review_due_on=dt.date(2027, 1, 5),
    )
    assert AuditEvent.objects.filter(object_id=str(eligibility.pk), action="eligibility recorded").exists()
    with pytest.raises(ValidationError) as refused:
        services.eligibility_record(
            actor=nhs_user,
            service_user=nhs_child,
            decided_on=dt.date(2026, 2, 1),
            review_due_on=dt.date(2026, 2, 1),
        )
    assert "review_due_on" in refused.value.message_dict


def test_only_the_persons_commissioner_records_eligibility(council_user, nhs_child):
    with pytest.raises(PermissionDenied):
        services.eligibility_record(
            actor=council_user,
            service_user=nhs_child,
            decided_on=dt.date(2026, 1, 5),
            review_due_on=dt.date(2027, 1, 5),
        )


def test_review_alert_four_weeks_before(nhs_user, nhs_child, nhs):
    services.eligibility_record(
        actor=nhs_user,
        service_user=nhs_child,
        decided_on=dt.date(2026, 1, 5),
        review_due_on=dt.date(2026, 12, 21),
    )
    assert services.eligibility_review_alerts_raise(today=dt.date(2026, 11, 22)) == 0
    assert services.eligibility_review_alerts_raise(today=dt.date(2026, 11, 23)) == 1
    assert services.eligibility_review_alerts_raise(today=dt.date(2026, 11, 24)) == 0  # raised once
    alert = Alert.objects.get(kind="continuing-care-review")
    assert alert.recipient == nhs and "21 December 2026" in alert.title


def test_health_plans_are_versioned(nhs_brokerage, nhs_child):
    first = services.health_plan_record(
        actor=nhs_brokerage, service_user=nhs_child, agreed_on=dt.date(2026, 1, 5), summary="v1"
    )
    second = services.health_plan_record(
        actor=nhs_brokerage, service_user=nhs_child, agreed_on=dt.date(2026, 7, 5), summary="v2"
    )
    assert (first.version, second.version) == (1, 2)


def test_delegation_by_the_provider_with_a_live_order_only(manager, nhs_child, council_child, provider):
    delegation = services.delegation_record(
        actor=manager, provider=provider, service_user=nhs_child, overseeing_nurse="Claire Dunn RN",
        care_worker="HCA-101", care_worker_role="hca", tasks="Gastrostomy feeding", delegated_on=dt.date(2026, 1, 20),
    )  # fmt: skip
    assert delegation.get_care_worker_role_display() == "Health care assistant"
    assert AuditEvent.objects.filter(
        object_id=str(delegation.pk), action="nurse delegation recorded"
    ).exists()


def test_a_quality_check_short_of_met_needs_actions(nhs_user, nhs_child, provider):
    plan = services.health_plan_record(
        actor=nhs_user, service_user=nhs_child, agreed_on=dt.date(2026, 1, 5), summary="Plan"
    )
    terms = dict(
        actor=nhs_user, health_plan=plan, provider=provider, checked_on=dt.date(2026, 4, 1),
        checked_by="QA nurse", findings="Two records missing",
    )  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        services.quality_check_record(outcome="partly_met", **terms)
    assert "actions" in refused.value.message_dict
    check = services.quality_check_record(
        outcome="partly_met", actions="Complete the records", actions_due_on=dt.date(2026, 4, 15), **terms
    )
    assert check.service_user == nhs_child
    assert services.quality_check_record(outcome="met", **terms).actions == ""


def test_mileage_claim_without_an_agreement_is_refused(manager, provider, nhs_child):
    with pytest.raises(ValidationError) as refused:
        services.mileage_claim_create(
            actor=manager, provider=provider, agreement=None, service_user=nhs_child,
            travelled_on=dt.date(2026, 5, 12), miles=D("20"), journey="To hospital",
        )  # fmt: skip
    assert list(refused.value.message_dict) == ["agreement"]
    assert not MileageClaim.objects.exists()


def test_mileage_claim_under_the_agreement_priced_and_capped(
    nhs_user, nhs_contract, manager, provider, nhs_child
):
    agreement = _agreement(nhs_user, nhs_contract)
    claim = services.mileage_claim_create(
        actor=manager, provider=provider, agreement=agreement, service_user=nhs_child,
        travelled_on=dt.date(2026, 5, 12), miles=D("86.4"), journey="Blandford to Southampton and back",
    )  # fmt: skip
    assert claim.amount == D("38.88")  # 86.4 × £0.45
    with pytest.raises(ValidationError) as refused:  # 13.6 miles left of 100
        services.mileage_claim_create(
            actor=manager, provider=provider, agreement=agreement, service_user=nhs_child,
            travelled_on=dt.date(2026, 5, 19), miles=D("13.7"), journey="Again",
        )  # fmt: skip
    assert "13.6 are left" in refused.value.message_dict["miles"][0]


def test_mileage_agreement_for_another_commissioners_person_refused(nhs_user, nhs_contract, council_child):
    with pytest.raises(ValidationError):
        _agreement(nhs_user, nhs_contract, service_user=council_child)


def test_mobilisation_week_20_due_from_the_contract_start(nhs_user, nhs_contract, manager):
    # The contract starts Monday 5 January 2026; week 20 ends Sunday 24 May 2026.
    plan = services.mobilisation_plan_create(actor=nhs_user, contract=nhs_contract)
    due = {m.week: m.due_on for m in plan.milestones.all()}
    assert due[20] == dt.date(2026, 5, 24)
    assert due[2] == dt.date(2026, 1, 18)
    milestone = plan.milestones.get(week=20)
    with pytest.raises(ValidationError):
        services.milestone_update(actor=manager, milestone=milestone, status=MilestoneStatus.DONE)
    done = services.milestone_update(
        actor=manager, milestone=milestone, status=MilestoneStatus.DONE, completed_on=dt.date(2026, 5, 20)
    )
    assert done.status == "done"
    assert AuditEvent.objects.filter(action="milestone updated", object_id=str(milestone.pk)).exists()
    with pytest.raises(PermissionDenied):
        services.milestone_update(actor=nhs_user, milestone=milestone, status=MilestoneStatus.IN_PROGRESS)


def test_agency_costs_are_the_providers_within_the_20_weeks(nhs_user, nhs_contract, manager):
    plan = services.mobilisation_plan_create(actor=nhs_user, contract=nhs_contract)
    cost = services.agency_cost_record(
        actor=manager,
        plan=plan,
        incurred_on=dt.date(2026, 5, 24),
        amount=D("1200.00"),
        description="Agency RN",
    )
    assert cost.borne_by_provider
    with pytest.raises(ValidationError) as refused:
        services.agency_cost_record(
            actor=manager, plan=plan, incurred_on=dt.date(2026, 5, 25), amount=D("10"), description="After"
        )
    assert "24 May 2026" in refused.value.message_dict["incurred_on"][0]


def test_eligibility_is_invisible_to_the_council(nhs_user, nhs_child, council_user, manager):
    services.eligibility_record(
        actor=nhs_user,
        service_user=nhs_child,
        decided_on=dt.date(2026, 1, 5),
        review_due_on=dt.date(2027, 1, 5),
    )
    assert ContinuingCareEligibility.objects.visible_to(council_user).count() == 0
    assert ContinuingCareEligibility.objects.visible_to(manager).count() == 1
    assert ContinuingCareEligibility.objects.visible_to(nhs_user).count() == 1
