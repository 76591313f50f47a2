"""Workforce records of the canary world: for each pair a member of the provider's staff (the
canary is the staff reference) with a training completion."""

import datetime as dt

from tests.matrix.world import PAIR_PARTIES, pii
from workforce.catalogue import ensure_catalogue
from workforce.models import StaffMember, TrainingCompletion, TrainingCourse

ORDER = 25


def build(world):
    ensure_catalogue()
    course = TrainingCourse.objects.get(code="safeguarding-adults")
    world.put("course", "all", course)
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
