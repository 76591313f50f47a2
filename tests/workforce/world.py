"""Workforce records of the canary world: for each pair a member of the provider's staff (the
canary is the staff reference) with a training completion."""

import datetime as dt

from tests.matrix.world import PAIR_PARTIES, pii
from workforce.catalogue import ensure_catalogue
from workforce.models import (
    StaffMember,
    TrainingCompletion,
    TrainingCourse,
    TrainingRequirement,
    WorkforceStandard,
)

ORDER = 25


def build(world):
    ensure_catalogue()
    course = TrainingCourse.objects.get(code="safeguarding-adults")
    world.put("course", "all", course)
    for key in ("C1", "C2"):
        # Each council's own terms (reference data): a requirement and a workforce standard.
        world.put(
            "training_requirement",
            key,
            TrainingRequirement.objects.create(
                commissioner=world.orgs[key], course=course, refresh_months=12, source=f"Terms {key}"
            ),
        )
        world.put(
            "workforce_standard",
            key,
            WorkforceStandard.objects.create(commissioner=world.orgs[key], enhanced_dbs_all_staff=True),
        )
    for pair, (_c, p_key) in PAIR_PARTIES.items():
        staff = StaffMember.objects.create(
            provider=world.orgs[p_key],
            reference=f"CW-{pii(pair)}",
            scheme=world.get("scheme", pair),
            job_title="Care worker",
            started_on=dt.date(2024, 1, 8),
        )
        world.put("staff", pair, staff)
        completion = TrainingCompletion(
            staff=staff, course=course, completed_on=dt.date(2025, 2, 3)
        ).fill_expiry()
        completion.save()
        world.put("training", pair, completion)
