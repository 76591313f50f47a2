"""Continuing-care records of the canary world, made through the services: for the NHS pair
(CNP4) an eligibility, a health plan, a nurse delegation, a clinical quality check, a mileage
agreement with a claim, and a mobilisation plan with an agency cost, each carrying the pair's
canary. Names stored: cc_eligibility, cc_health_plan, cc_delegation, cc_check, cc_agreement,
cc_claim, cc_plan, cc_milestone, cc_agency_cost."""

import datetime as dt
from decimal import Decimal

from continuing_care import services
from tests.matrix.world import pii

ORDER = 25
PAIR = "CNP4"


def build(world):
    canary = pii(PAIR)
    person = world.get("service_user", PAIR)
    contract = world.get("contract", PAIR)
    provider = world.provider(PAIR)
    eligibility = services.eligibility_record(
        actor=None, service_user=person, decided_on=dt.date(2025, 4, 1), review_due_on=dt.date(2026, 4, 1),
        notes=f"Eligible {canary}",
    )  # fmt: skip
    plan = services.health_plan_record(
        actor=None, service_user=person, agreed_on=dt.date(2025, 4, 8), summary=f"Health plan {canary}"
    )
    delegation = services.delegation_record(
        actor=None, provider=provider, service_user=person, overseeing_nurse=f"Nurse {canary}",
        care_worker="HCA-1", care_worker_role="hca", tasks=f"Tasks {canary}", delegated_on=dt.date(2025, 4, 10),
    )  # fmt: skip
    check = services.quality_check_record(
        actor=None, health_plan=plan, provider=provider, checked_on=dt.date(2025, 7, 1), checked_by="QA nurse",
        findings=f"Findings {canary}", outcome="partly_met", actions=f"Actions {canary}",
        actions_due_on=dt.date(2025, 7, 15),
    )  # fmt: skip
    agreement = services.mileage_agreement_create(
        actor=None, contract=contract, reference=f"MIL-{PAIR}", purpose=f"Journeys {canary}",
        agreed_on=dt.date(2025, 4, 1), valid_from=dt.date(2025, 4, 1), valid_to=dt.date(2026, 3, 31),
        rate_per_mile=Decimal("0.45"), max_miles=Decimal("500"),
    )  # fmt: skip
    claim = services.mileage_claim_create(
        actor=None, provider=provider, agreement=agreement, service_user=person,
        travelled_on=dt.date(2025, 5, 1), miles=Decimal("20"), journey=f"Journey {canary}",
    )  # fmt: skip
    mobilisation = services.mobilisation_plan_create(actor=None, contract=contract)
    cost = services.agency_cost_record(
        actor=None, plan=mobilisation, incurred_on=mobilisation.starts_on, amount=Decimal("100"),
        description=f"Agency {canary}",
    )  # fmt: skip
    milestone = mobilisation.milestones.order_by("week").first()
    milestone.title = f"Milestone {canary}"
    milestone.save(update_fields=["title"])
    for name, obj in [
        ("cc_eligibility", eligibility),
        ("cc_health_plan", plan),
        ("cc_delegation", delegation),
        ("cc_check", check),
        ("cc_agreement", agreement),
        ("cc_claim", claim),
        ("cc_plan", mobilisation),
        ("cc_milestone", milestone),
        ("cc_agency_cost", cost),
    ]:
        world.put(name, PAIR, obj)
