"""Demo operational records for 1 April – 30 September 2026, deterministic (fixed seeds) and
idempotent (loaded once: the first demo complaint present means loaded). Written in bulk.

- Alarm calls for every scheme a demo provider serves, about five a day, a third overnight; most
  answered within 10 minutes (Markeaton's Derby schemes a little under the 90% target), a few
  with emergency services called, and one resident per Norfolk scheme calling night after night.
- Complaints, concerns and compliments; safeguarding incidents; survey responses each quarter;
  voids (some still empty, some pending); Norfolk's monthly nominations panels with reasons.
- Activities: Stour's short breaks for disabled children (Dorset Lot 27, Saturdays) and the
  Derby providers' wellbeing activities (weekly per scheme), with attendance.
"""

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal as D
from zoneinfo import ZoneInfo

from django.db import transaction

from packages_of_care.models import OrderStatus, ServiceUser
from schemes.models import Contract
from visits.demo import fast_insert

from .models import (
    Activity,
    ActivityAttendance,
    ActivityKind,
    AlarmCall,
    AlarmOutcome,
    Complaint,
    ComplaintKind,
    NominationDecision,
    SafeguardingIncident,
    SurveyResponse,
    Void,
    VoidStatus,
)

LONDON = ZoneInfo("Europe/London")
SEED = 20260402
START, END = dt.date(2026, 4, 1), dt.date(2026, 9, 30)
MARKER = "DEMO-CMP-0001"
DEMO_PROVIDERS = (
    "Wensum Valley Care",
    "Waveney Homecare",
    "Derwent Extra Care Services",
    "Markeaton Support",
    "Purbeck Care Partnership",
    "Stour Children's Support",
)
OUTCOMES = [
    (AlarmOutcome.ADVICE, 40),
    (AlarmOutcome.ATTENDED, 30),
    (AlarmOutcome.FALL_ASSISTED, 12),
    (AlarmOutcome.FALSE_ALARM, 14),
    (AlarmOutcome.EMERGENCY_SERVICES, 2),
    (AlarmOutcome.OTHER, 2),
]
COMPLAINTS = [
    "Tea-time visit late three days running",
    "Carer did not stay the full time",
    "Medication prompt missed",
    "Laundry not returned",
    "Different carer every morning",
    "Staff were rude on the phone",
]
COMPLIMENTS = ["Thank you card for the night staff", "Family praised the end-of-life care"]
SAFEGUARDING = [
    (SafeguardingIncident.Category.MEDICATION, "Evening medication given twice"),
    (SafeguardingIncident.Category.FINANCIAL, "Concern about a relative handling the resident's money"),
    (SafeguardingIncident.Category.NEGLECT, "Resident found without a drink for some hours"),
    (SafeguardingIncident.Category.SELF_NEGLECT, "Resident refusing meals and personal care"),
    (SafeguardingIncident.Category.PHYSICAL, "Unexplained bruising reported by a visitor"),
]
SHORT_BREAKS = [
    "Swimming at Sandford Park",
    "Sensory garden morning",
    "Climbing wall taster",
    "Beach day at Studland",
    "Cooking club",
    "Forest school",
]
WELLBEING = ["Coffee morning", "Chair exercise", "Memory café", "Gardening club", "Film afternoon"]
DECLINE_REASONS = [
    (NominationDecision.DeclinedBy.PROVIDER, "Needs beyond what the scheme's night cover can meet safely"),
    (NominationDecision.DeclinedBy.PANEL, "Under 55 and no exceptional circumstances"),
    (NominationDecision.DeclinedBy.APPLICANT, "Chose to stay with family"),
    (NominationDecision.DeclinedBy.LANDLORD, "Rent arrears with the landlord"),
]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


def _days():
    day = START
    while day <= END:
        yield day
        day += dt.timedelta(days=1)


def _weighted(rng, choices):
    total = sum(w for _c, w in choices)
    pick = rng.uniform(0, total)
    for choice, weight in choices:
        pick -= weight
        if pick <= 0:
            return choice
    return choices[-1][0]


@transaction.atomic
def load(out):
    if Complaint.objects.filter(reference=MARKER).exists():
        out.write("  records: already loaded")
        return
    contracts = list(
        Contract.objects.filter(provider__name__in=DEMO_PROVIDERS)
        .select_related("provider", "commissioner", "lot")
        .prefetch_related("schemes")
        .order_by("reference")
    )
    if not contracts:
        out.write("  records: no demo contracts")
        return
    residents = defaultdict(list)
    for person in ServiceUser.objects.filter(scheme__isnull=False).order_by("reference"):
        residents[person.scheme_id].append(person)
    calls, complaints, incidents, surveys, voids, nominations = [], [], [], [], [], []
    numbers = defaultdict(int)
    for contract in contracts:
        rng = random.Random(f"{SEED}:{contract.reference}")  # noqa: S311 - demo data, not security
        schemes = sorted(contract.schemes.all(), key=lambda s: s.name)
        for scheme in schemes:
            people = residents.get(scheme.pk, [])
            calls += _alarm_calls(rng, contract, scheme, people)
            surveys += _surveys(rng, contract, scheme, people, numbers)
            voids += _voids(rng, contract, scheme)
            if contract.commissioner.name == "Norfolk County Council":
                nominations += _nominations(rng, contract, scheme)
        complaints += _complaints(rng, contract, schemes, numbers)
        incidents += _incidents(rng, contract, schemes, numbers)
    if complaints:
        complaints[0].reference = MARKER
    for batch in (calls, complaints, incidents, surveys, voids, nominations):
        if batch:
            fast_insert(type(batch[0]), batch)
    activities, attendance = _activities(contracts)
    from .demo_complaints import load as load_complaints_and_quality

    load_complaints_and_quality(out, contracts, dt.date(2026, 11, 20))
    out.write(
        f"  records: {len(calls):,} alarm calls, {len(complaints)} complaints and compliments, "
        f"{len(incidents)} safeguarding incidents, {len(surveys)} survey responses, {len(voids)} voids, "
        f"{len(nominations)} nominations decisions, {activities} activities with {attendance} attendances"
    )


def _alarm_calls(rng, contract, scheme, people):
    calls = []
    slow = contract.provider.name == "Markeaton Support"
    frequent = people[0] if people and contract.commissioner.name == "Norfolk County Council" else None
    for day in _days():
        for _n in range(rng.randint(3, 8)):
            overnight = rng.random() < 0.33
            hour = rng.choice([22, 23, 0, 1, 2, 3, 4, 5, 6]) if overnight else rng.randint(7, 21)
            raised = _at(day, hour, rng.randint(0, 59)) + dt.timedelta(seconds=rng.randint(0, 59))
            person = rng.choice(people) if people and rng.random() < 0.7 else None
            calls.append(_call(rng, contract, scheme, raised, person, slow))
        if frequent is not None and day >= dt.date(2026, 8, 1) and rng.random() < 0.6:
            for hour in (1, 3):
                raised = _at(day, hour, rng.randint(0, 59))
                calls.append(_call(rng, contract, scheme, raised, frequent, slow))
    return calls


def _call(rng, contract, scheme, raised, person, slow):
    within = rng.random() < (0.86 if slow else 0.94)
    seconds = rng.randint(25, 600) if within else rng.randint(601, 1800)
    call = AlarmCall(
        contract=contract,
        scheme=scheme,
        service_user=person,
        flat=person.flat if person else str(rng.randint(1, 60)),
        resident_is_customer=person.is_customer if person else rng.random() < 0.5,
        raised_at=raised,
        responded_at=raised + dt.timedelta(seconds=seconds),
        outcome=_weighted(rng, OUTCOMES),
    )
    if call.outcome == AlarmOutcome.EMERGENCY_SERVICES:
        call.notes = "Ambulance called; resident taken to hospital."
    return call.fill_derived()


def _complaints(rng, contract, schemes, numbers):
    from portal.workdays import add_working_days

    out = []
    month = START
    while month <= END:
        for _n in range(rng.randint(0, 3)):
            numbers[contract.provider_id] += 1
            received = month + dt.timedelta(days=rng.randint(0, 27))
            kind = _weighted(
                rng,
                [(ComplaintKind.COMPLAINT, 60), (ComplaintKind.CONCERN, 25), (ComplaintKind.COMPLIMENT, 15)],
            )
            complaint = Complaint(
                contract=contract,
                reference=f"{contract.provider.name[:3].upper()}-CMP-{numbers[contract.provider_id]:04d}",
                kind=kind,
                scheme=rng.choice(schemes) if schemes else None,
                received_on=received,
                summary=rng.choice(COMPLIMENTS if kind == ComplaintKind.COMPLIMENT else COMPLAINTS),
            )
            if kind != ComplaintKind.COMPLIMENT:
                complaint.upheld = rng.random() < 0.4
                complaint.outcome = (
                    "Apology given; rota changed." if complaint.upheld else "Explained the visit times."
                )
                complaint.closed_on = received + dt.timedelta(days=rng.randint(5, 20))
                late = rng.random() < 0.15
                complaint.response_sent_to_council_on = add_working_days(
                    received, rng.randint(11, 15) if late else rng.randint(2, 10)
                )
                if complaint.response_sent_to_council_on > END:
                    complaint.response_sent_to_council_on = None
            out.append(complaint.fill_pair())
        month = (month.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return out


def _incidents(rng, contract, schemes, numbers):
    out = []
    for n, day in enumerate(_days()):
        if rng.random() < 0.012:
            category, summary = SAFEGUARDING[rng.randrange(len(SAFEGUARDING))]
            numbers[("sg", contract.provider_id)] += 1
            out.append(
                SafeguardingIncident(
                    contract=contract,
                    reference=f"{contract.provider.name[:3].upper()}-SG-{numbers[('sg', contract.provider_id)]:04d}",
                    scheme=rng.choice(schemes) if schemes else None,
                    occurred_on=day,
                    reported_to_council_on=day + dt.timedelta(days=rng.randint(0, 2)),
                    category=category,
                    summary=summary,
                    outcome="Referred to the council's safeguarding team." if n % 2 else "",
                ).fill_pair()
            )
    return out


def _surveys(rng, contract, scheme, people, numbers):
    out = []
    satisfied_share = 0.8 if scheme.name == "Harriet Court" else 0.93
    for quarter_end in (dt.date(2026, 6, 20), dt.date(2026, 9, 20)):
        respondents = people or [None] * 6
        for person in respondents:
            if rng.random() < 0.3:
                continue
            numbers[("survey", contract.provider_id)] += 1
            satisfied = rng.random() < satisfied_share
            out.append(
                SurveyResponse(
                    contract=contract,
                    scheme=scheme,
                    service_user=person,
                    reference=f"SUR-{contract.provider_id}-{numbers[('survey', contract.provider_id)]:05d}",
                    responded_on=quarter_end - dt.timedelta(days=rng.randint(0, 14)),
                    satisfied=satisfied,
                    comments="" if satisfied else "Would like the same carers more often.",
                ).fill_pair()
            )
    return out


def _voids(rng, contract, scheme):
    out = []
    for n in range(rng.randint(0, 2)):
        start = START + dt.timedelta(days=rng.randint(0, 150))
        ended = rng.random() < 0.6
        out.append(
            Void(
                contract=contract,
                scheme=scheme,
                flat=str(40 + n),
                status=VoidStatus.ACTUAL,
                start_date=start,
                end_date=min(END, start + dt.timedelta(days=rng.randint(14, 60))) if ended else None,
                reason=rng.choice(
                    ["Tenant moved to nursing care", "Tenant died", "Tenant moved nearer family"]
                ),
            ).fill_pair()
        )
    if rng.random() < 0.4:
        out.append(
            Void(
                contract=contract,
                scheme=scheme,
                flat="50",
                status=VoidStatus.PENDING,
                start_date=END - dt.timedelta(days=rng.randint(3, 20)),
                reason="Notice given",
            ).fill_pair()
        )
    return out


def _nominations(rng, contract, scheme):
    out = []
    month = START
    n = 0
    while month <= END:
        panel = month + dt.timedelta(days=13)
        for _k in range(rng.randint(1, 2)):
            n += 1
            roll = rng.random()
            decision = (
                NominationDecision.Decision.ACCEPTED
                if roll < 0.7
                else NominationDecision.Decision.DECLINED
                if roll < 0.9
                else NominationDecision.Decision.DEFERRED
            )
            declined_by, reason = ("", "")
            if decision == NominationDecision.Decision.DECLINED:
                declined_by, reason = DECLINE_REASONS[rng.randrange(len(DECLINE_REASONS))]
            out.append(
                NominationDecision(
                    contract=contract,
                    scheme=scheme,
                    panel_date=panel,
                    applicant_reference=f"NOM-{scheme.pk}-{n:03d}",
                    applicant_age=rng.randint(56, 94),
                    assessed_care_hours_per_week=D(rng.randint(17, 60)) / 4,
                    has_housing_need=rng.random() < 0.85,
                    decision=decision,
                    declined_by=declined_by,
                    reason=reason,
                ).fill_pair()
            )
        month = (month.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return out


def _activities(contracts) -> tuple[int, int]:
    """Stour's short breaks (Saturdays) and the Derby providers' wellbeing activities (weekly per
    scheme), then attendance from the people each serves."""
    rng = random.Random(f"{SEED}:activities")  # noqa: S311 - demo data, not security
    activities, members = [], []
    for contract in contracts:
        if contract.provider.name == "Stour Children's Support":
            served = list(
                ServiceUser.objects.filter(orders__contract=contract, orders__status=OrderStatus.ACTIVE)
                .distinct()
                .order_by("reference")
            )
            saturday = START + dt.timedelta(days=(5 - START.weekday()) % 7)
            week = 0
            while saturday <= END:
                title = SHORT_BREAKS[week % len(SHORT_BREAKS)]
                starts = _at(saturday, 10)
                activity = Activity(
                    contract=contract,
                    kind=ActivityKind.SHORT_BREAK,
                    title=f"{title} ({contract.lot.number})",
                    description="A short break for disabled children, with one-to-one support where needed.",
                    location=title.split(" at ")[-1] if " at " in title else "Stour family centre, Blandford",
                    starts_at=starts,
                    ends_at=starts + dt.timedelta(hours=3),
                    capacity=8,
                    is_new_choice=week % len(SHORT_BREAKS) in (2, 5),
                ).fill_pair()
                activities.append(activity)
                members.append((activity, served))
                saturday += dt.timedelta(days=14)
                week += 1
        elif contract.commissioner.name == "Derby City Council":
            for scheme in sorted(contract.schemes.all(), key=lambda s: s.name):
                customers = list(
                    ServiceUser.objects.filter(
                        scheme=scheme, is_customer=True, orders__contract=contract,
                        orders__status__in=(OrderStatus.ACTIVE, OrderStatus.SUSPENDED),
                    ).distinct().order_by("reference")
                )  # fmt: skip
                day = START + dt.timedelta(days=(2 - START.weekday()) % 7)  # Wednesdays
                week = 0
                while day <= END:
                    starts = _at(day, 14)
                    activity = Activity(
                        contract=contract,
                        kind=ActivityKind.WELLBEING,
                        title=f"{WELLBEING[week % len(WELLBEING)]}, {scheme.name}",
                        scheme=scheme,
                        location=f"{scheme.name} lounge",
                        starts_at=starts,
                        ends_at=starts + dt.timedelta(hours=1, minutes=30),
                        capacity=12,
                    ).fill_pair()
                    activities.append(activity)
                    members.append((activity, customers))
                    day += dt.timedelta(days=7)
                    week += 1
    Activity.objects.bulk_create(activities, batch_size=500)
    attendance = []
    for activity, people in members:
        taken = 0
        for person in people:
            if rng.random() < 0.45 and taken < activity.capacity:
                taken += 1
                attendance.append(
                    ActivityAttendance(activity=activity, service_user=person, attended=rng.random() < 0.9)
                )
    ActivityAttendance.objects.bulk_create(attendance, batch_size=1000)
    return len(activities), len(attendance)
