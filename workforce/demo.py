"""Demo staff, their vetting and training for the demo providers, and each council's training
requirements and workforce standards: deterministic (fixed seed, fixed dates) and idempotent.
Staff references are `<PREFIX>-<nnn>` (e.g. WVC-001 for Wensum Valley Care);
`staff_references(provider_name)` lists them for other demo steps (visits use them as carers).

Councils: Derby's 22 requirements `[002 §6.1]` and enhanced DBS for all staff; Dorset's
safeguarding within 3 months and yearly `[003 §12.10-11]`, 90% in ASC-WDS `[003 §9.2]`, and on its
children's lots enhanced DBS with the child workforce check `[003 §7.4, App. 1]`, `[001 §5.1]`;
Norfolk's MCA/DoLS and Dementia Friends deadlines `[004 App. 4]`."""

import datetime as dt
import random

from django.db import transaction

from portal.models import Organisation
from schemes.models import Lot, Scheme

from .catalogue import apply_requirement_set, ensure_catalogue
from .models import StaffMember, TrainingCompletion, TrainingCourse, WorkforceStandard

# council: requirement set
REQUIREMENT_SETS = {
    "Derby City Council": "derby-002",
    "Dorset Council": "dorset-003",
    "Norfolk County Council": "norfolk-004",
}

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
    requirements = _council_terms()
    vetted = _vetting()
    out.write(
        f"  Staff: {created_staff} new; training completions: {created_training} new; "
        f"{requirements} council training requirements new; vetting recorded for {vetted} staff"
    )


def _council_terms() -> int:
    created = 0
    councils = {o.name: o for o in Organisation.objects.filter(name__in=REQUIREMENT_SETS)}
    for name, set_code in REQUIREMENT_SETS.items():
        if name in councils:
            created += apply_requirement_set(councils[name], set_code)
    standards = []
    if "Derby City Council" in councils:
        standards.append(
            (councils["Derby City Council"], None, {"enhanced_dbs_all_staff": True}, "[002 §6.1]")
        )
    if "Dorset Council" in councils:
        dorset = councils["Dorset Council"]
        standards.append((dorset, None, {"asc_wds_target_percent": 90}, "[003 §7.4, §9.2]"))
        # The children's lots, whatever they are numbered: all staff enhanced, child workforce.
        for lot in Lot.objects.filter(framework__commissioner=dorset, name__icontains="children"):
            standards.append(
                (
                    dorset,
                    lot,
                    {"enhanced_dbs_all_staff": True, "child_workforce_check": True},
                    "[003 §7.4, App. 1], [001 §5.1]",
                )
            )
    for commissioner, lot, values, source in standards:
        WorkforceStandard.objects.get_or_create(
            commissioner=commissioner, lot=lot, defaults={**values, "source": source}
        )
    return created


def _vetting() -> int:
    """Vetting for staff with none recorded: most fully vetted, a few gaps to show (a basic DBS,
    a missing reference, a right to work ending), and ASC-WDS records mostly updated this
    financial year (one in five not, so a Dorset provider falls below its 90%)."""
    count = 0
    for name, (prefix, _n) in DEMO_STAFF.items():
        for staff in StaffMember.objects.filter(provider__name=name, dbs_level="").order_by("reference"):
            i = int(staff.reference.rsplit("-", 1)[1])
            children = prefix == "SCS"
            # Children's services: enhanced for all staff, an entry criterion of the lot [003 App. 1].
            staff.dbs_level = "enhanced_barred" if children else "basic" if i == 5 else "enhanced"
            staff.dbs_workforce = "adult_child" if children else "adult"
            staff.dbs_issued_on = staff.started_on - dt.timedelta(days=21)
            staff.dbs_update_service_checked_on = dt.date(2026, 9, 1) if i % 3 == 0 else None
            staff.first_reference_on = staff.started_on - dt.timedelta(days=28)
            staff.second_reference_on = None if i == 7 else staff.started_on - dt.timedelta(days=25)
            staff.right_to_work_checked_on = staff.started_on - dt.timedelta(days=30)
            staff.right_to_work_expires_on = dt.date(2027, 1, 15) if i == 4 else None
            staff.asc_wds_updated_on = dt.date(2026, 5, 12) if i % 5 else dt.date(2026, 2, 10)
            staff.save()
            count += 1
    return count
