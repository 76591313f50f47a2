"""Demo of the NHS children's complex care `[001 Part 2]`, loaded by `load_demo` after the packages
of care: for each of NHS Dorset's children, continuing-care eligibility, an individual health plan,
nurse delegation and a clinical quality check; a mileage agreement with one claim; and the
contract's 20-week mobilisation plan with agency costs borne by the provider. Idempotent."""

import datetime as dt
from decimal import Decimal as D

from django.db import transaction

from packages_of_care.models import ServiceUser
from portal.models import User
from schemes.models import Contract

from . import services
from .models import CareWorkerRole, CheckOutcome, MilestoneStatus, MobilisationPlan

CONTRACT = "NHSD-L20-01"
NURSES = ["Claire Dunn RN", "Marek Nowak RN", "Ife Adeyemi RN"]
TASKS = [
    "Gastrostomy feeding and care of the stoma site",
    "Oral suction and oxygen saturation monitoring overnight",
    "Rescue medication for prolonged seizures, as the epilepsy plan sets out",
]


@transaction.atomic
def load(out):
    contract = Contract.objects.filter(reference=CONTRACT).select_related("commissioner", "provider").first()
    if contract is None:
        return  # the reference data step did not run
    if MobilisationPlan.objects.filter(contract=contract).exists():
        out.write("  continuing care: already loaded")
        return
    nhs = User.objects.get(username="nhsdorset.commissioner")
    manager = User.objects.get(username="stour.manager")
    people = list(ServiceUser.objects.filter(commissioner=contract.commissioner).order_by("reference"))
    for i, person in enumerate(people):
        decided = dt.date(2025, 6, 2) + dt.timedelta(days=21 * i)
        # The first child's review falls due within four weeks of December 2026: an alert.
        review = dt.date(2026, 12, 21) if i == 0 else decided + dt.timedelta(days=365 + 14 * i)
        services.eligibility_record(
            actor=nhs, service_user=person, decided_on=decided, review_due_on=review,
            notes="Eligible for children's continuing care: complex health needs, unpredictable seizures.",
        )  # fmt: skip
        plan = services.health_plan_record(
            actor=nhs,
            service_user=person,
            agreed_on=decided + dt.timedelta(days=7),
            review_due_on=decided + dt.timedelta(days=190),
            summary=f"{TASKS[i % 3]}. Outcomes: stays well at home, attends school four days a week, "
            "family has two nights' sleep a week.",
        )
        services.delegation_record(
            actor=manager, provider=contract.provider, service_user=person,
            overseeing_nurse=NURSES[i % 3], nurse_pin=f"15A{4820 + i}E", care_worker=f"HCA-{101 + i}",
            care_worker_role=CareWorkerRole.HCA, tasks=TASKS[i % 3], delegated_on=decided + dt.timedelta(days=10),
            competence_review_on=decided + dt.timedelta(days=190),
        )  # fmt: skip
        met = i != 1
        services.quality_check_record(
            actor=nhs, health_plan=plan, provider=contract.provider, checked_on=decided + dt.timedelta(days=90),
            checked_by="Quality assurance nurse, NHS Dorset",
            findings="Care records match the plan; delegation signed off." if met
            else "Two overnight suction entries missing; competence review overdue for one HCA.",
            outcome=CheckOutcome.MET if met else CheckOutcome.PARTLY_MET,
            actions="" if met else "Complete the missing records and the competence review.",
            actions_due_on=None if met else decided + dt.timedelta(days=104),
        )  # fmt: skip
    agreement = services.mileage_agreement_create(
        actor=nhs, contract=contract, reference="NHSD-MIL-001",
        purpose="Escorting to Poole and Southampton children's hospital appointments",
        agreed_on=dt.date(2026, 4, 1), valid_from=dt.date(2026, 4, 1), valid_to=dt.date(2027, 3, 31),
        rate_per_mile=D("0.45"), max_miles=D("2000"),
    )  # fmt: skip
    if people:
        services.mileage_claim_create(
            actor=manager, provider=contract.provider, agreement=agreement, service_user=people[0],
            travelled_on=dt.date(2026, 5, 12), miles=D("86.4"), journey="Blandford to Southampton General and back",
        )  # fmt: skip
    plan = services.mobilisation_plan_create(actor=nhs, contract=contract)
    for milestone in plan.milestones.all():
        services.milestone_update(
            actor=manager, milestone=milestone, status=MilestoneStatus.DONE,
            completed_on=milestone.due_on - dt.timedelta(days=2),
        )  # fmt: skip
    services.agency_cost_record(
        actor=manager, plan=plan, incurred_on=plan.starts_on + dt.timedelta(days=30), amount=D("3840.00"),
        description="Agency nurses for night cover while two RNs were recruited",
    )  # fmt: skip
    alerts = services.eligibility_review_alerts_raise(today=dt.date(2026, 12, 1))
    out.write(
        f"  continuing care: {len(people)} children of NHS Dorset with eligibility, plans and checks; "
        f"mileage agreement {agreement.reference}; mobilisation plan for {CONTRACT}; {alerts} review alerts"
    )
