"""Demo staff and training for the demo providers: deterministic (fixed seed, fixed dates) and
idempotent. Staff references are `<PREFIX>-<nnn>` (e.g. WVC-001 for Wensum Valley Care);
`staff_references(provider_name)` lists them for other demo steps (visits use them as carers)."""

import datetime as dt
import random

from django.db import transaction

from portal.models import Organisation
from schemes.models import Scheme

from .catalogue import ensure_catalogue
from .models import StaffMember, TrainingCompletion, TrainingCourse

# provider: (reference prefix, number of staff)
DEMO_STAFF = {
    "Wensum Valley Care": ("WVC", 24),
    "Waveney Homecare": ("WAV", 16),
    "Derwent Extra Care Services": ("DEC", 14),
    "Markeaton Support": ("MKS", 12),
    "Purbeck Care Partnership": ("PCP", 10),
    "Stour Children's Support": ("SCS", 8),
}
GENERATED_UP_TO = dt.date(2026, 10, 30)  # demo training is dated on or before this day
JOB_TITLES = ["Care worker", "Care worker", "Care worker", "Senior care worker", "Team leader", "Night carer"]


def staff_references(provider_name: str) -> list[str]:
    prefix, count = DEMO_STAFF[provider_name]
    return [f"{prefix}-{i:03d}" for i in range(1, count + 1)]


@transaction.atomic
def load(out):
    ensure_catalogue()
    courses = list(TrainingCourse.objects.order_by("code"))
    rng = random.Random(20260401)  # noqa: S311 - demo data, not security
    created_staff = created_training = 0
    for name in DEMO_STAFF:
        provider = Organisation.objects.filter(name=name).first()
        if provider is None:
            continue
        schemes = list(Scheme.objects.filter(contracts__provider=provider).distinct().order_by("name"))
        completions = []
        for i, reference in enumerate(staff_references(name), start=1):
            # Every random draw happens whether or not the record exists, so reruns match.
            started = dt.date(2021, 1, 4) + dt.timedelta(days=rng.randrange(0, 1760))
            left = started + dt.timedelta(days=rng.randrange(200, 700)) if i % 9 == 0 else None
            if left is not None and left > GENERATED_UP_TO:
                left = None
            title = JOB_TITLES[rng.randrange(len(JOB_TITLES))]
            plan = []
            for course in courses:
                roll = rng.random()
                offset = rng.randrange(0, 700)
                plan.append((course, roll, offset))
            staff, created = StaffMember.objects.get_or_create(
                provider=provider,
                reference=reference,
                defaults={
                    "started_on": started,
                    "left_on": left,
                    "job_title": title,
                    "scheme": schemes[i % len(schemes)] if schemes else None,
                },
            )
            created_staff += created
            for course, roll, offset in plan:
                if roll < 0.12:
                    continue  # not done: gaps for the matrix to show
                base = max(started, GENERATED_UP_TO - dt.timedelta(days=760))
                done = min(base + dt.timedelta(days=offset), GENERATED_UP_TO)
                completions.append(
                    TrainingCompletion(staff=staff, course=course, completed_on=done).fill_expiry()
                )
        before = TrainingCompletion.objects.filter(staff__provider=provider).count()
        TrainingCompletion.objects.bulk_create(completions, ignore_conflicts=True, batch_size=1000)
        created_training += TrainingCompletion.objects.filter(staff__provider=provider).count() - before
    out.write(f"  Staff: {created_staff} new; training completions: {created_training} new")
