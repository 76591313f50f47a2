"""Demo visits: 1 April – 30 September 2026 for every demo order, from its versions' weekly
schedules (`ScheduledVisit`), deterministic (a fixed seed per provider) and idempotent (loaded
once: demo visits present means loaded). Written with COPY (`fast_insert`).

Each provider's carers are its staff register (`workforce.StaffMember`) — or, for a provider with
no register yet, references of its own — and each carer works one visit after another: the rota
puts a visit at the schedule's time, or as soon after it as a carer is free, so no carer is ever
in two places. About 93% of visits are completed, the rest cut short, aborted, cancelled (with
and without notice) or missed, a few start late, a few were entered by hand; two people's hours
run over the tolerance from late August, for the 4-week alert.

Alerts come from the same services as live data, for the demo's last fortnight (so dashboards
show a realistic handful rather than six months' worth), and the tolerance check as of
1 October 2026.
"""

import datetime as dt
import heapq
import random
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from packages_of_care.models import Absence, IndividualServiceOrder, OrderVersion

from .models import ManualReason, Verification, Visit, VisitSource, VisitStatus
from .rules import OrderSchedule, ScheduleLine
from .validation import RECORDABLE_ORDER_STATUSES

LONDON = ZoneInfo("Europe/London")
SEED = 20260930
START, END = dt.date(2026, 4, 1), dt.date(2026, 9, 30)
ALERTS_FROM = dt.date(2026, 9, 17)
# (Invoicing's demo step raises the 4-week tolerance alerts as of 1 October 2026.)
OVER_FROM = dt.date(2026, 8, 24)
SLOTS = [dt.time(7, 30), dt.time(12, 30), dt.time(17, 0), dt.time(20, 30)]
EXPLANATIONS = [
    ("The carer was taken ill on the way and the cover carer was not told in time.",
     "A senior carer visited at 10:15 and the on-call rota now confirms cover by phone."),
    ("The visit dropped off the rota when it was re-planned.",
     "The visit was made two hours later; the rota change process now has a second check."),
    ("Road closure: the carer could not reach the scheme.",
     "The person's family were called and a carer visited as soon as the road reopened."),
]  # fmt: skip


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=LONDON)


def _ceil5(value: dt.datetime) -> dt.datetime:
    local = value.astimezone(LONDON)
    extra = (-local.minute) % 5
    return (local + dt.timedelta(minutes=extra)).replace(second=0, microsecond=0)


def _schedule_for(version) -> list[ScheduleLine]:
    """The version's weekly schedule, or its weekly hours spread over the day's usual times when
    it has none."""
    lines = [
        ScheduleLine(line.weekday, line.start_time, line.duration_minutes, line.carers, line.time_critical)
        for line in version.schedule.all()
    ]
    if lines or not version.weekly_hours:
        return lines
    daily = int(version.weekly_hours * 60 / 7)
    visits = max(1, min(4, round(daily / 45)))
    minutes = max(15, 5 * round(daily / visits / 5))
    slots = SLOTS[:visits] if visits < 4 else SLOTS
    return [ScheduleLine(weekday, slot, minutes) for weekday in range(7) for slot in slots]


@transaction.atomic
def load(out):
    if Visit.objects.filter(source=VisitSource.DEMO).exists():
        out.write("  visits: already loaded")
        return
    from workforce.models import StaffMember

    orders = list(
        IndividualServiceOrder.objects.filter(status__in=RECORDABLE_ORDER_STATUSES, start_date__lte=END)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=START))
        .select_related("provider", "service_user")
        .order_by("provider__name", "reference")
    )
    if not orders:
        out.write("  visits: no demo orders to visit")
        return
    versions = defaultdict(list)
    for version in (
        OrderVersion.objects.filter(order__in=orders)
        .prefetch_related("schedule")
        .order_by("effective_from", "number")
    ):
        versions[version.order_id].append((version.effective_from, _schedule_for(version)))
    away = defaultdict(list)
    for absence in Absence.objects.filter(service_user__in={o.service_user_id for o in orders}):
        away[absence.service_user_id].append((absence.start_date, absence.end_date))
    staff = defaultdict(list)
    for member in StaffMember.objects.filter(provider__in={o.provider_id for o in orders}).order_by(
        "reference"
    ):
        staff[member.provider_id].append(member)
    by_provider = defaultdict(list)
    for order in orders:
        by_provider[order.provider].append(order)

    visits = []
    for provider, provider_orders in by_provider.items():
        visits += _provider_visits(provider, provider_orders, versions, away, staff[provider.pk])
    _insert(visits)
    alerts = _alerts()
    counts = defaultdict(int)
    for visit in visits:
        counts[visit.status] += 1
    people = len({o.service_user_id for o in orders})
    days = (END - START).days + 1
    out.write(
        f"  visits: {len(visits):,} for {people} people, {len(visits) / people / days:.1f} a person a day "
        f"({counts['completed']:,} completed, {counts['missed']:,} missed, "
        f"{counts['cancelled_short_notice'] + counts['cancelled_with_notice']:,} cancelled, {counts['aborted']:,} aborted); "
        f"{alerts} alerts"
    )


def _insert(visits: list[Visit]) -> None:
    fast_insert(Visit, visits)


def fast_insert(model, objects: list) -> None:
    """Insert many rows at once with COPY (psycopg's write_row does the escaping)."""
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    stamped = {f.name for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        with cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
            for o in objects:
                copy.write_row([now if f.name in stamped else getattr(o, f.attname) for f in fields])


def _provider_visits(provider, orders, versions, away, members) -> list[Visit]:
    rng = random.Random(f"{SEED}:{provider.name}")  # noqa: S311 - demo data, not security
    prefix = "".join(w[0] for w in provider.name.split()[:3]).upper()
    over = (
        {o.pk for o in sorted(orders, key=lambda o: o.reference)[:2]}
        if provider.name == "Wensum Valley Care"
        else set()
    )
    visits = []
    day = START
    while day <= END:
        pool = [
            m.reference for m in members if m.started_on <= day and (m.left_on is None or m.left_on >= day)
        ]
        if not pool:
            pool = [f"{prefix}-C{n:02d}" for n in range(1, max(4, len(orders) // 3) + 1)]
        # (free on the rota, free in fact, carer): the earliest-free carer takes the next visit.
        carers = [(_at(day, dt.time(0, 0)), _at(day, dt.time(0, 0)), ref) for ref in pool]
        heapq.heapify(carers)
        todays = []
        for order in orders:
            # The one expansion of an order's schedule (visits.rules), as the live generator uses.
            schedule = OrderSchedule(
                order.start_date,
                order.end_date,
                versions.get(order.pk, ()),
                away.get(order.service_user_id, ()),
            )
            for line in schedule.lines_on(day):
                todays.append(
                    (
                        _at(day, line.start_time),
                        not line.time_critical,
                        order.reference,
                        order,
                        line.minutes,
                        line.carers,
                        line.time_critical,
                    )
                )
        todays.sort(key=lambda t: t[:3])
        for planned, _nc, _ref, order, minutes, n_carers, critical in todays:
            plan_free, fact_free, carer = heapq.heappop(carers)
            second = None
            if n_carers > 1 and carers:
                second = heapq.heappop(carers)
            start = max(planned, _ceil5(plan_free + dt.timedelta(minutes=5)))
            visit = Visit(
                order=order,
                scheduled_start=start,
                scheduled_end=start + dt.timedelta(minutes=minutes),
                carer_reference=carer,
                second_carer_reference=second[2] if second else "",
                carers=2 if second else 1,
                time_critical=critical,
                source=VisitSource.DEMO,
            )
            fact_free = _outcome(visit, rng, fact_free, over=order.pk in over and day >= OVER_FROM)
            visit.fill_derived()
            visits.append(visit)
            heapq.heappush(carers, (visit.scheduled_end, fact_free, carer))
            if second:
                heapq.heappush(carers, (visit.scheduled_end, max(fact_free, second[1]), second[2]))
        day += dt.timedelta(days=1)
    return visits


def _outcome(visit: Visit, rng: random.Random, fact_free: dt.datetime, *, over: bool) -> dt.datetime:
    """What happened at a visit; returns when the carer was free again."""
    roll = rng.random()
    start = visit.scheduled_start
    minutes = visit.scheduled_end - visit.scheduled_start
    jitter = dt.timedelta(minutes=rng.randint(-3, 8))
    late = dt.timedelta(minutes=rng.randint(31, 50)) if rng.random() < 0.03 else dt.timedelta(0)
    arrive = max(start + jitter + late, fact_free + dt.timedelta(minutes=2)).replace(second=0, microsecond=0)
    manual = rng.random() < 0.04
    reason = list(ManualReason.values)[rng.randrange(len(ManualReason.values))]
    if roll < 0.012 and not over:
        visit.status = VisitStatus.MISSED
        pick = EXPLANATIONS[rng.randrange(len(EXPLANATIONS))]
        when = rng.random()
        if visit.scheduled_start.date() < dt.date(2026, 9, 20) or when < 0.6:
            visit.missed_explanation, visit.missed_remedy = pick
            hours = rng.randint(1, 20) if when < 0.9 else rng.randint(26, 40)
            visit.missed_explained_at = start + dt.timedelta(hours=hours)
        return fact_free
    if roll < 0.027 and not over:
        visit.status = VisitStatus.CANCELLED_SHORT_NOTICE
        visit.cancelled_at = start - dt.timedelta(minutes=rng.randint(60, 20 * 60))
        visit.cancellation_reason = [
            "Not feeling well",
            "Family visiting",
            "Out for the day",
            "Hospital appointment",
        ][rng.randrange(4)]
        return fact_free
    if roll < 0.042 and not over:
        visit.status = VisitStatus.CANCELLED_WITH_NOTICE
        visit.cancelled_at = start - dt.timedelta(hours=rng.randint(36, 96))
        visit.cancellation_reason = "Away with family"
        return fact_free
    if roll < 0.052 and not over:
        visit.status = VisitStatus.ABORTED
        visit.actual_start = arrive
        visit.actual_end = arrive + dt.timedelta(minutes=4)
        return visit.actual_end
    visit.actual_start = arrive
    if roll < 0.072 and not over:
        visit.status = VisitStatus.SHORTENED_BY_SERVICE_USER
        share = rng.uniform(0.5, 0.8)
    else:
        visit.status = VisitStatus.COMPLETED
        share = rng.uniform(1.3, 1.45) if over else rng.uniform(0.9, 1.1)
    visit.actual_end = arrive + dt.timedelta(minutes=max(10, round(minutes.total_seconds() / 60 * share)))
    if visit.status == VisitStatus.SHORTENED_BY_SERVICE_USER and visit.actual_end >= arrive + minutes:
        visit.actual_end = arrive + minutes - dt.timedelta(minutes=5)
    if manual:
        visit.verification = Verification.MANUAL
        visit.manual_reason = reason
    return visit.actual_end


def _alerts() -> int:
    from packages_of_care.models import IndividualServiceOrder as Order

    from . import services

    recent = Visit.objects.filter(source=VisitSource.DEMO, visit_date__gte=ALERTS_FROM)
    raised = services.missed_alerts_raise(recent.filter(status=VisitStatus.MISSED))
    raised += services.run_notifications_raise(
        orders=Order.objects.filter(pk__in=recent.values("order_id")), start=ALERTS_FROM, end=END
    )
    return raised
