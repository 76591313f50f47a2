"""Computing a provider's KPIs for a quarter, set-based.

Each *source* is one aggregate query over one kind of record for one provider and one window,
grouped by contract and scheme (and sometimes a status or reason); each *calculation* turns the
aggregated rows for a contract (or one of its schemes) into a `Figure`. No query runs per record
and no Python loop runs over visits: the largest tables (visits, alarm calls) are only ever
grouped in SQL. Working-day rules join `CalendarDay` (see `kpis.workcalendar`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, ExtractDay, ExtractMonth, ExtractYear, TruncDate, TruncTime

from packages_of_care.models import (
    Absence,
    AbsenceKind,
    IndividualServiceOrder,
    OrderStatus,
    OrderVersion,
    Referral,
    ReferralDecision,
    ServiceEndReason,
)
from portal.money import to_decimal
from records.models import (
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
from visits.models import Visit, VisitStatus
from workforce.models import StaffMember, TrainingCompletion, add_months

from . import rules
from .models import Calculation, CalendarDay, Window
from .quarters import Quarter

LONDON = ZoneInfo("Europe/London")
SIXTY = Decimal(60)
SEVEN = Decimal(7)
HUNDREDTH = Decimal("0.01")

# Orders whose hours count as allocated on the days they are in force.
ORDERS_IN_FORCE = (OrderStatus.ACCEPTED, OrderStatus.ACTIVE, OrderStatus.SUSPENDED, OrderStatus.ENDED)

# Norfolk's missed-visit KPI excludes "calls refused or cancelled by Service Users" [004 App. 4]:
# a visit refused at the door is recorded as aborted; cancellations with or without notice are the
# person's. What remains is what the provider was due to deliver: completed, cut short at the
# person's wish (the carer came), and missed. Visits with no outcome yet are left out and noted.
MISSED_DENOMINATOR = (VisitStatus.COMPLETED, VisitStatus.SHORTENED_BY_SERVICE_USER, VisitStatus.MISSED)
MISSED_EXCLUDED = (VisitStatus.ABORTED, VisitStatus.CANCELLED_SHORT_NOTICE, VisitStatus.CANCELLED_WITH_NOTICE)
DELIVERED = (VisitStatus.COMPLETED, VisitStatus.SHORTENED_BY_SERVICE_USER)
ALARM_TARGET_SECONDS = 600  # answered at exactly 10:00 is within [002 §3.1]


@dataclass
class Figure:
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    value: Decimal | None = None
    text: str = ""
    breakdown: list = field(default_factory=list)
    note: str = ""
    population: int | None = None  # service users, for "greater of n or p% of service users"


def _d(value) -> Decimal:
    return to_decimal(value or 0)


def _hours(minutes) -> Decimal:
    return (_d(minutes) / SIXTY).quantize(HUNDREDTH)


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=LONDON)


def month_key(prefix: str = ""):
    """SQL expression matching `rules.month_key` for a date column."""
    return ExtractYear(f"{prefix}") * 1200 + ExtractMonth(f"{prefix}") * 100 - 100 + ExtractDay(f"{prefix}")


def latest_start_due(quarter_end: dt.date, months: int) -> dt.date:
    """The latest start date whose "within `months` of starting" deadline has passed by quarter_end."""
    day = quarter_end.replace(day=1)
    day = add_months(day, -months) if months else day
    day = dt.date(day.year, day.month, 1)
    # Walk forward to the last start whose deadline is on or before quarter_end (at most a month).
    best = None
    probe = day
    while probe <= quarter_end:
        if add_months(probe, months) <= quarter_end:
            best = probe
        else:
            break
        probe += dt.timedelta(days=1)
    return best or (day - dt.timedelta(days=1))


class Computation:
    """KPIs for one quarter over a set of contracts — one provider's (a per-provider task), or many
    providers' at once (a run's batch): every source is one query for the whole set either way."""

    def __init__(self, *, contracts, quarter: Quarter):
        self.contracts = list(contracts)
        self.provider_of = {c.pk: c.provider_id for c in self.contracts}
        self.providers = {c.provider_id: c.provider for c in self.contracts}
        self.provider_ids = sorted(self.providers)
        self.contract_ids = [c.pk for c in self.contracts]
        self.quarter = quarter
        self.schemes_of = {c.pk: [s.pk for s in c.schemes.all()] for c in self.contracts}
        self._cache: dict = {}
        self._indexes: dict = {}

    # Windows -------------------------------------------------------------------------------

    def window(self, kind: str) -> tuple[dt.date, dt.date]:
        q = self.quarter
        if kind == Window.YEAR_TO_DATE:
            return q.financial_year_start, q.end
        if kind == Window.ROLLING_YEAR:
            return add_months(q.end + dt.timedelta(days=1), -12), q.end
        return q.start, q.end

    def _cached(self, key, fn):
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    # Picking a target's rows -------------------------------------------------------------

    def _pick(self, rows: dict, contract_id: int, scheme_id: int | None) -> list[dict]:
        """Rows keyed (contract, scheme, …) for one contract, or one scheme of it (indexed once per source)."""
        index = self._indexes.get(id(rows))
        if index is None:
            index = {}
            for key, r in rows.items():
                index.setdefault(key[0], {}).setdefault(key[1], []).append(r)
            self._indexes[id(rows)] = index
        by_scheme = index.get(contract_id, {})
        if scheme_id is not None:
            return by_scheme.get(scheme_id, [])
        return [r for rs in by_scheme.values() for r in rs]

    def _staff_rows(self, rows: dict, contract_id: int, scheme_id: int | None) -> list[dict]:
        """Staff rows keyed (provider, scheme) for a contract's scheme, its schemes, or (a contract
        with no schemes) all the provider's staff."""
        provider = self.provider_of[contract_id]
        if scheme_id is not None:
            wanted = {scheme_id}
        else:
            wanted = set(self.schemes_of.get(contract_id) or [])
        return [r for (p, s), r in rows.items() if p == provider and (not wanted or s in wanted)]

    def _staff_scheme_filter(self, contract_id: int, scheme_id: int | None) -> Q:
        if scheme_id is not None:
            return Q(scheme_id=scheme_id)
        schemes = self.schemes_of.get(contract_id) or []
        return Q(scheme_id__in=schemes) if schemes else Q()

    # Sources -------------------------------------------------------------------------------

    def visits(self, window: tuple[dt.date, dt.date]) -> dict:
        def fetch():
            rows = (
                Visit.objects.filter(
                    provider_id__in=self.provider_ids,
                    visit_date__range=window,
                    order__contract_id__in=self.contract_ids,
                )
                .values(c=F("order__contract_id"), s=F("order__service_user__scheme_id"), st=F("status"))
                .annotate(n=Count("id"), actual=Sum("actual_minutes"), scheduled=Sum("scheduled_minutes"))
                .order_by()
            )
            return {(r["c"], r["s"], r["st"]): r for r in rows}

        return self._cached(("visits", window), fetch)

    def allocated_minutes(self, window: tuple[dt.date, dt.date]) -> dict:
        """Hours allocated in planned-care orders, day by day: {(contract, scheme): weekly-hour-days}.
        Each day in force carries one seventh of the weekly hours of the version in force that day."""

        def fetch():
            version = OrderVersion._meta.db_table
            order = IndividualServiceOrder._meta.db_table
            person = IndividualServiceOrder._meta.get_field("service_user").related_model._meta.db_table
            calendar = CalendarDay._meta.db_table
            statuses = ", ".join(["%s"] * len(ORDERS_IN_FORCE))
            contracts = ", ".join(["%s"] * len(self.contract_ids))
            # Only table names and placeholders are formatted in; every value is a parameter.
            sql = f"""
                WITH o AS (
                    SELECT id, contract_id, service_user_id, start_date, end_date FROM {order}
                    WHERE contract_id IN ({contracts}) AND is_planned_care
                      AND status IN ({statuses}) AND start_date <= %s
                      AND (end_date IS NULL OR end_date >= %s)
                ),
                v AS (
                    SELECT v.order_id, v.weekly_hours, v.effective_from,
                           LEAD(v.effective_from) OVER (PARTITION BY v.order_id ORDER BY v.effective_from) AS next_from
                    FROM {version} v WHERE v.order_id IN (SELECT id FROM o)
                )
                SELECT o.contract_id, p.scheme_id, SUM(CAST(ROUND(v.weekly_hours * 100) AS INTEGER)) AS centi_hour_days
                FROM v JOIN o ON o.id = v.order_id
                JOIN {person} p ON p.id = o.service_user_id
                JOIN {calendar} c ON c.day >= %s AND c.day <= %s
                    AND c.day >= v.effective_from AND (v.next_from IS NULL OR c.day < v.next_from)
                    AND c.day >= o.start_date AND (o.end_date IS NULL OR c.day <= o.end_date)
                GROUP BY o.contract_id, p.scheme_id
            """  # noqa: S608
            params = [*self.contract_ids, *ORDERS_IN_FORCE, window[1], window[0], *window]
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                # Summed in whole hundredths of an hour: SQLite would otherwise add decimals as floats.
                return {(c, s): {"hour_days": Decimal(int(h)) / 100} for c, s, h in cursor.fetchall()}

        return self._cached(("allocated", window), fetch)

    def residents(self, day: dt.date) -> dict:
        """{(contract, scheme): residents with planned care on `day`, their commissioned weekly
        hours, and how many fall in each of `rules.HOURS_BANDS`} — summed per person first (a
        person may hold more than one order), then per scheme, in the database."""

        def fetch():
            orders = (
                IndividualServiceOrder.objects.live_on(day)
                .filter(
                    provider_id__in=self.provider_ids, contract_id__in=self.contract_ids, is_planned_care=True
                )
                .values("id", "contract_id", "service_user_id")
                .order_by()
            )
            orders_sql, orders_params = orders.query.sql_with_params()
            version = OrderVersion._meta.db_table
            person = IndividualServiceOrder._meta.get_field("service_user").related_model._meta.db_table
            bands, band_params = [], []
            for _key, _label, low, high, _aim in rules.HOURS_BANDS:
                conditions = []
                if low is not None:
                    conditions.append("r.centi >= %s")
                    band_params.append(int(low * 100))
                if high is not None:
                    conditions.append("r.centi < %s")
                    band_params.append(int(high * 100))
                bands.append(f"SUM(CASE WHEN {' AND '.join(conditions)} THEN 1 ELSE 0 END)")
            # Only the ORM's own SQL and placeholders are formatted in; every value is a parameter.
            # Hours are summed and compared in whole hundredths: SQLite would otherwise add decimals
            # as floats, and compare a number with a decimal parameter (sent as text) as text.
            # The version in force on the day is the latest from on or before it (as
            # `OrderVersion.objects.in_force_on`), picked for every order at once by a window.
            sql = f"""
                WITH o AS ({orders_sql}),
                v AS (
                    SELECT order_id, weekly_hours,
                           ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY effective_from DESC, number DESC) AS k
                    FROM {version} WHERE effective_from <= %s AND order_id IN (SELECT id FROM o)
                ),
                r AS (
                    SELECT o.contract_id AS c, p.scheme_id AS s, o.service_user_id AS pid,
                           SUM(CAST(ROUND(v.weekly_hours * 100) AS INTEGER)) AS centi
                    FROM o JOIN v ON v.order_id = o.id AND v.k = 1 JOIN {person} p ON p.id = o.service_user_id
                    GROUP BY o.contract_id, p.scheme_id, o.service_user_id
                )
                SELECT r.c, r.s, COUNT(*), SUM(r.centi), {", ".join(bands)}
                FROM r GROUP BY r.c, r.s
            """  # noqa: S608
            with connection.cursor() as cursor:
                cursor.execute(sql, [*orders_params, day, *band_params])
                rows = cursor.fetchall()
            keys = [key for key, *_rest in rules.HOURS_BANDS]
            return {
                (c, s): {
                    "n": n,
                    "hours": Decimal(int(centi)) / 100,
                    "bands": dict(zip(keys, counts, strict=True)),
                }
                for c, s, n, centi, *counts in rows
            }

        return self._cached(("residents", day), fetch)

    def service_users(self, window: tuple[dt.date, dt.date]) -> dict:
        """People with an order from the provider in force at some time in the window."""

        def fetch():
            start, end = window
            rows = (
                IndividualServiceOrder.objects.filter(
                    provider_id__in=self.provider_ids,
                    contract_id__in=self.contract_ids,
                    status__in=ORDERS_IN_FORCE,
                    start_date__lte=end,
                )
                .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
                .values(c=F("contract_id"), s=F("service_user__scheme_id"))
                .annotate(n=Count("service_user", distinct=True))
                .order_by()
            )
            return {(r["c"], r["s"]): r for r in rows}

        return self._cached(("service_users", window), fetch)

    def _record_scheme(self):
        return Coalesce("scheme_id", "service_user__scheme_id")

    def complaints(self, window) -> dict:
        def fetch():
            rows = (
                Complaint.objects.filter(
                    provider_id__in=self.provider_ids,
                    contract_id__in=self.contract_ids,
                    received_on__range=window,
                    kind__in=(ComplaintKind.COMPLAINT, ComplaintKind.CONCERN),
                )
                .values(c=F("contract_id"), s=self._record_scheme())
                .annotate(total=Count("id"), upheld=Count("id", filter=Q(upheld=True)))
                .order_by()
            )
            return {(r["c"], r["s"]): r for r in rows}

        return self._cached(("complaints", window), fetch)

    def complaint_responses(self, window) -> dict:
        def fetch():
            number = CalendarDay.objects.values("number")
            rows = (
                Complaint.objects.filter(
                    provider_id__in=self.provider_ids,
                    contract_id__in=self.contract_ids,
                    received_on__range=window,
                    kind=ComplaintKind.COMPLAINT,
                )
                .annotate(
                    w_received=Subquery(number.filter(day=OuterRef("received_on"))[:1]),
                    w_sent=Subquery(number.filter(day=OuterRef("response_sent_to_council_on"))[:1]),
                )
                .values(c=F("contract_id"), s=self._record_scheme())
                .annotate(
                    total=Count("id"),
                    within=Count(
                        "id",
                        filter=Q(
                            response_sent_to_council_on__isnull=False,
                            response_sent_to_council_on__gte=F("received_on"),
                            w_sent__lte=F("w_received") + 10,
                        ),
                    ),
                )
                .order_by()
            )
            return {(r["c"], r["s"]): r for r in rows}

        return self._cached(("complaint_responses", window), fetch)

    def safeguarding(self, window) -> dict:
        def fetch():
            rows = (
                SafeguardingIncident.objects.filter(
                    provider_id__in=self.provider_ids,
                    contract_id__in=self.contract_ids,
                    occurred_on__range=window,
                )
                .values(c=F("contract_id"), s=self._record_scheme(), cat=F("category"))
                .annotate(n=Count("id"))
                .order_by()
            )
            return {(r["c"], r["s"], r["cat"]): r for r in rows}

        return self._cached(("safeguarding", window), fetch)

    def _alarm_calls(self, window):
        return AlarmCall.objects.filter(
            provider_id__in=self.provider_ids,
            contract_id__in=self.contract_ids,
            raised_at__gte=_day_start(window[0]),
            raised_at__lt=_day_start(window[1] + dt.timedelta(days=1)),
        )

    def alarms(self, window) -> dict:
        def fetch():
            rows = (
                self._alarm_calls(window)
                .values(c=F("contract_id"), s=F("scheme_id"))
                .annotate(
                    total=Count("id"),
                    within=Count("id", filter=Q(response_seconds__lte=ALARM_TARGET_SECONDS)),
                    unanswered=Count("id", filter=Q(responded_at__isnull=True)),
                    overnight=Count("id", filter=Q(is_overnight=True)),
                    emergency=Count("id", filter=Q(outcome=AlarmOutcome.EMERGENCY_SERVICES)),
                )
                .order_by()
            )
            return {(r["c"], r["s"]): r for r in rows}

        return self._cached(("alarms", window), fetch)

    def repeated_night_calls(self, window) -> dict:
        """{(contract, scheme): {"residents": n, "sustained": m}}: residents with two or more
        overnight calls in one night, and those for whom that happened on 3 or more nights."""

        def fetch():
            # The night a call belongs to: 12 hours earlier, London date (22:00 and 03:00 share one).
            nights = (
                self._alarm_calls(window)
                .filter(is_overnight=True)
                .annotate(night=TruncDate(F("raised_at") - dt.timedelta(hours=12), tzinfo=LONDON))
                .values(
                    c=F("contract_id"),
                    s=F("scheme_id"),
                    p=F("service_user_id"),
                    f=F("flat"),
                    night=F("night"),
                )
                .annotate(n=Count("id"))
                .filter(n__gte=2)
                .order_by()
            )
            per_resident: dict = defaultdict(int)
            for r in nights:  # one row per resident-night with repeated calls: few
                per_resident[(r["c"], r["s"], r["p"], r["f"])] += 1
            result: dict = defaultdict(lambda: {"residents": 0, "sustained": 0})
            for (c, s, _p, _f), count in per_resident.items():
                result[(c, s)]["residents"] += 1
                result[(c, s)]["sustained"] += count >= 3
            return dict(result)

        return self._cached(("nights", window), fetch)

    def surveys(self, window) -> dict:
        def fetch():
            rows = (
                SurveyResponse.objects.filter(
                    provider_id__in=self.provider_ids,
                    contract_id__in=self.contract_ids,
                    responded_on__range=window,
                )
                .values(c=F("contract_id"), s=self._record_scheme())
                .annotate(total=Count("id"), satisfied=Count("id", filter=Q(satisfied=True)))
                .order_by()
            )
            return {(r["c"], r["s"]): r for r in rows}

        return self._cached(("surveys", window), fetch)

    def voids(self, window) -> dict:
        def fetch():
            start, end = window
            rows = (
                Void.objects.filter(
                    provider_id__in=self.provider_ids, contract_id__in=self.contract_ids, start_date__lte=end
                )
                .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
                .values(c=F("contract_id"), s=F("scheme_id"))
                .annotate(
                    pending=Count(
                        "id",
                        filter=Q(status=VoidStatus.PENDING)
                        & (Q(end_date__isnull=True) | Q(end_date__gt=end)),
                    ),
                    actual=Count(
                        "id",
                        filter=Q(status=VoidStatus.ACTUAL) & (Q(end_date__isnull=True) | Q(end_date__gt=end)),
                    ),
                    let=Count("id", filter=Q(end_date__range=window)),
                )
                .order_by()
            )
            return {(r["c"], r["s"]): r for r in rows}

        return self._cached(("voids", window), fetch)

    def nominations(self, window) -> dict:
        def fetch():
            solely = Q(
                decision=NominationDecision.Decision.DECLINED,
                declined_by=NominationDecision.DeclinedBy.PROVIDER,
                has_housing_need=True,
                assessed_care_hours_per_week__gt=4,
            )
            rows = (
                NominationDecision.objects.filter(
                    provider_id__in=self.provider_ids,
                    contract_id__in=self.contract_ids,
                    panel_date__range=window,
                )
                .values(c=F("contract_id"), s=F("scheme_id"))
                .annotate(total=Count("id"), declined_solely=Count("id", filter=solely))
                .order_by()
            )
            return {(r["c"], r["s"]): r for r in rows}

        return self._cached(("nominations", window), fetch)

    def training_queryset(self, course_code: str, months: int, contract_id: int, scheme_id: int | None):
        """(staff in post at the quarter's end who have been in post `months` or more, Q of those who
        completed `course_code` within `months` of starting)."""
        end = self.quarter.end
        due_by = latest_start_due(end, months)
        completions = (
            TrainingCompletion.objects.filter(
                staff=OuterRef("pk"), course__code=course_code, completed_on__lte=end
            )
            .annotate(key=month_key("completed_on"), due_key=month_key("staff__started_on") + months * 100)
            .filter(key__lte=F("due_key"))
        )
        qs = (
            StaffMember.objects.filter(provider_id=self.provider_of[contract_id])
            .filter(self._staff_scheme_filter(contract_id, scheme_id))
            .employed_on(end)
            .filter(started_on__lte=due_by)
        )
        return qs, Q(Exists(completions))

    def staff_training(self, course_code: str, months: int, contract_id: int, scheme_id: int | None) -> dict:
        def fetch():
            end = self.quarter.end
            completions = (
                TrainingCompletion.objects.filter(
                    staff=OuterRef("pk"), course__code=course_code, completed_on__lte=end
                )
                .annotate(
                    key=month_key("completed_on"), due_key=month_key("staff__started_on") + months * 100
                )
                .filter(key__lte=F("due_key"))
            )
            rows = (
                StaffMember.objects.filter(provider_id__in=self.provider_ids)
                .employed_on(end)
                .filter(started_on__lte=latest_start_due(end, months))
                .values(p=F("provider_id"), s=F("scheme_id"))
                .annotate(due=Count("id"), trained=Count("id", filter=Q(Exists(completions))))
                .order_by()
            )
            return {(r["p"], r["s"]): r for r in rows}

        rows = self._staff_rows(self._cached(("training", course_code), fetch), contract_id, scheme_id)
        return {"due": self._sum(rows, "due"), "trained": self._sum(rows, "trained")}

    def staff_turnover(self, window, contract_id: int, scheme_id: int | None) -> dict:
        start, end = window

        def employed(day):
            return Q(started_on__lte=day) & (Q(left_on__isnull=True) | Q(left_on__gte=day))

        def fetch():
            rows = (
                StaffMember.objects.filter(provider_id__in=self.provider_ids)
                .values(p=F("provider_id"), s=F("scheme_id"))
                .annotate(
                    leavers=Count("id", filter=Q(left_on__range=window)),
                    at_start=Count("id", filter=employed(start)),
                    at_end=Count("id", filter=employed(end)),
                )
                .order_by()
            )
            return {(r["p"], r["s"]): r for r in rows}

        rows = self._staff_rows(self._cached(("turnover", window), fetch), contract_id, scheme_id)
        return {k: self._sum(rows, k) for k in ("leavers", "at_start", "at_end")}

    # Referrals (contract-level) -----------------------------------------------------------

    def _referrals(self):
        return Referral.objects.filter(provider_id__in=self.provider_ids, contract_id__in=self.contract_ids)

    def _decided_in(self, window):
        return Q(
            decided_at__gte=_day_start(window[0]), decided_at__lt=_day_start(window[1] + dt.timedelta(days=1))
        )

    def _received_in(self, window):
        return Q(
            received_at__gte=_day_start(window[0]),
            received_at__lt=_day_start(window[1] + dt.timedelta(days=1)),
        )

    def referral_counts(self, window) -> dict:
        def fetch():
            decided = self._decided_in(window)
            rows = (
                self._referrals()
                .values(c=F("contract_id"))
                .annotate(
                    accepted=Count(
                        "service_user", distinct=True, filter=decided & Q(decision=ReferralDecision.ACCEPTED)
                    ),
                    declined=Count("id", filter=decided & Q(decision=ReferralDecision.DECLINED)),
                    completed=Count(
                        "id",
                        filter=Q(
                            service_ended_on__range=window, service_end_reason=ServiceEndReason.COMPLETED
                        ),
                    ),
                    left_early=Count(
                        "id",
                        filter=Q(service_ended_on__range=window)
                        & ~Q(service_end_reason__in=(ServiceEndReason.COMPLETED, "")),
                    ),
                )
                .order_by()
            )
            return {(r["c"], None): r for r in rows}

        return self._cached(("referral_counts", window), fetch)

    def referral_reasons(self, window, kind: str) -> dict:
        def fetch():
            if kind == "declined":
                qs = self._referrals().filter(self._decided_in(window), decision=ReferralDecision.DECLINED)
                field_name = "decline_reason"
            else:
                qs = (
                    self._referrals()
                    .filter(service_ended_on__range=window)
                    .exclude(service_end_reason__in=(ServiceEndReason.COMPLETED, ""))
                )
                field_name = "service_end_reason"
            rows = qs.values(c=F("contract_id"), reason=F(field_name)).annotate(n=Count("id")).order_by()
            return {(r["c"], None, r["reason"]): r for r in rows}

        return self._cached(("referral_reasons", kind, window), fetch)

    def timeliness_queryset(self, window, calculation: str):
        """(referrals measured, Q of those within the time) for R5–R8."""
        number = CalendarDay.objects.values("number")
        working = CalendarDay.objects.values("is_working_day")
        qs = self._referrals()
        if calculation == Calculation.EMERGENCY_RESPONSE_24H:
            qs = qs.filter(self._received_in(window), is_emergency=True).annotate(
                d0=TruncDate("received_at", tzinfo=LONDON),
                t0=TruncTime("received_at", tzinfo=LONDON),
                d1=TruncDate("responded_at", tzinfo=LONDON),
                t1=TruncTime("responded_at", tzinfo=LONDON),
            )
            qs = qs.annotate(
                w0=Subquery(number.filter(day=OuterRef("d0"))[:1]),
                k0=Subquery(working.filter(day=OuterRef("d0"))[:1]),
                w1=Subquery(number.filter(day=OuterRef("d1"))[:1]),
                k1=Subquery(working.filter(day=OuterRef("d1"))[:1]),
            )
            # Received on a working day at time t: due by time t on the next working day. Received on
            # a weekend or bank holiday: due by the end of the next working day. Weekend hours and
            # bank holidays do not count ("24 hours (weekdays)" [000 §5]).
            next_working_day = Q(w1=F("w0") + 1, k1=True)
            within = Q(responded_at__isnull=False, responded_at__gte=F("received_at")) & (
                (Q(k0=True) & (Q(w1=F("w0")) | (next_working_day & Q(t1__lte=F("t0")))))
                | (Q(k0=False) & (Q(w1__lte=F("w0")) | next_working_day))
            )
        elif calculation == Calculation.RESPONSE_WEEK_ONE:
            qs = qs.filter(self._received_in(window))
            within = Q(
                responded_at__isnull=False,
                responded_at__gte=F("received_at"),
                responded_at__lte=F("received_at") + dt.timedelta(days=7),
            )
        elif calculation == Calculation.FIRST_VISIT_7WD:
            qs = (
                qs.filter(self._decided_in(window), decision=ReferralDecision.ACCEPTED)
                .annotate(accepted_on=TruncDate("decided_at", tzinfo=LONDON))
                .annotate(
                    w0=Subquery(number.filter(day=OuterRef("accepted_on"))[:1]),
                    w1=Subquery(number.filter(day=OuterRef("first_visit_date"))[:1]),
                )
            )
            within = Q(
                first_visit_date__isnull=False, first_visit_date__gte=F("accepted_on"), w1__lte=F("w0") + 7
            )
        elif calculation == Calculation.SUPPORT_SOLUTION_5WD:
            qs = qs.filter(first_visit_date__range=window).annotate(
                w0=Subquery(number.filter(day=OuterRef("first_visit_date"))[:1]),
                w1=Subquery(number.filter(day=OuterRef("support_solution_agreed_date"))[:1]),
            )
            within = Q(
                support_solution_agreed_date__isnull=False,
                support_solution_agreed_date__gte=F("first_visit_date"),
                w1__lte=F("w0") + 5,
            )
        else:  # pragma: no cover - the four above are all there are
            raise ValueError(calculation)
        return qs, within

    def referral_timeliness(self, window, calculation: str) -> dict:
        def fetch():
            qs, within = self.timeliness_queryset(window, calculation)
            rows = (
                qs.values(c=F("contract_id"))
                .annotate(total=Count("id"), within=Count("id", filter=within))
                .order_by()
            )
            return {(r["c"], None): r for r in rows}

        return self._cached(("timeliness", calculation, window), fetch)

    # Activities (contract-level) ----------------------------------------------------------

    def _activity_window(self, window, prefix=""):
        return Q(
            **{
                f"{prefix}starts_at__gte": _day_start(window[0]),
                f"{prefix}starts_at__lt": _day_start(window[1] + dt.timedelta(days=1)),
                f"{prefix}provider_id__in": self.provider_ids,
                f"{prefix}contract_id__in": self.contract_ids,
            }
        )

    def activities(self, window) -> dict:
        def fetch():
            from records.models import Activity

            rows = (
                Activity.objects.filter(self._activity_window(window))
                .values(c=F("contract_id"))
                .annotate(short_breaks=Count("id", filter=Q(kind=ActivityKind.SHORT_BREAK)))
                .order_by()
            )
            counts = {(r["c"], None): dict(r) for r in rows}
            attendance = ActivityAttendance.objects.filter(
                self._activity_window(window, "activity__"), attended=True
            )
            new_choice = (
                attendance.filter(activity__is_new_choice=True)
                .values(c=F("activity__contract_id"))
                .annotate(n=Count("service_user", distinct=True))
                .order_by()
            )
            short_break = (
                attendance.filter(activity__kind=ActivityKind.SHORT_BREAK)
                .values(c=F("activity__contract_id"))
                .annotate(n=Count("service_user", distinct=True))
                .order_by()
            )
            for r in new_choice:
                counts.setdefault((r["c"], None), {"c": r["c"], "short_breaks": 0})["new_choice"] = r["n"]
            for r in short_break:
                counts.setdefault((r["c"], None), {"c": r["c"], "short_breaks": 0})["attendees"] = r["n"]
            per_activity = (
                attendance.filter(activity__kind=ActivityKind.SHORT_BREAK)
                .values(c=F("activity__contract_id"), a=F("activity_id"), title=F("activity__title"))
                .annotate(n=Count("service_user", distinct=True))
                .order_by("activity__starts_at", "activity_id")
            )
            for r in per_activity:
                counts[(r["c"], None)].setdefault("per_activity", []).append(
                    {"label": r["title"], "count": r["n"]}
                )
            return counts

        return self._cached(("activities", window), fetch)

    # Orders: ends, hospital returns, reductions -------------------------------------------

    def order_ends(self, window) -> dict:
        def fetch():
            rows = (
                IndividualServiceOrder.objects.filter(
                    provider_id__in=self.provider_ids,
                    contract_id__in=self.contract_ids,
                    end_date__range=window,
                )
                .exclude(end_reason="")
                .values(c=F("contract_id"), s=F("service_user__scheme_id"), reason=F("end_reason"))
                .annotate(n=Count("id"))
                .order_by()
            )
            return {(r["c"], r["s"], r["reason"]): r for r in rows}

        return self._cached(("order_ends", window), fetch)

    def hospital_returns(self, window) -> dict:
        def fetch():
            contract = IndividualServiceOrder.objects.filter(
                service_user=OuterRef("service_user"),
                provider_id__in=self.provider_ids,
                contract_id__in=self.contract_ids,
                status__in=ORDERS_IN_FORCE,
            ).values("contract_id")[:1]
            rows = (
                Absence.objects.filter(kind=AbsenceKind.HOSPITAL, end_date__range=window)
                .annotate(c=Subquery(contract))
                .filter(c__isnull=False)
                .values("c", s=F("service_user__scheme_id"))
                .annotate(n=Count("id"))
                .order_by()
            )
            return {(r["c"], r["s"]): r for r in rows}

        return self._cached(("hospital", window), fetch)

    def reductions(self, window) -> dict:
        def fetch():
            previous = OrderVersion.objects.filter(
                order=OuterRef("order"), effective_from__lt=OuterRef("effective_from")
            ).order_by("-effective_from")
            rows = (
                OrderVersion.objects.filter(
                    order__provider_id__in=self.provider_ids,
                    order__contract_id__in=self.contract_ids,
                    effective_from__range=window,
                )
                .annotate(before=Subquery(previous.values("weekly_hours")[:1]))
                .filter(weekly_hours__lt=F("before"))
                .values(c=F("order__contract_id"), s=F("order__service_user__scheme_id"))
                .annotate(n=Count("order__service_user", distinct=True))
                .order_by()
            )
            return {(r["c"], r["s"]): r for r in rows}

        return self._cached(("reductions", window), fetch)

    # The calculations ---------------------------------------------------------------------

    def figure(self, definition, contract_id: int, scheme_id: int | None) -> Figure:
        window = self.window(definition.window)
        fn = getattr(self, f"calc_{definition.calculation}")
        figure = fn(window, contract_id, scheme_id)
        if figure.population is None:
            figure.population = sum(
                r["n"] for r in self._pick(self.service_users(window), contract_id, scheme_id)
            )
        return figure

    @staticmethod
    def _sum(rows, key) -> int:
        return sum(r.get(key) or 0 for r in rows)

    def _share(self, rows, num_key, den_key, **extra) -> Figure:
        num, den = self._sum(rows, num_key), self._sum(rows, den_key)
        return Figure(numerator=_d(num), denominator=_d(den), value=rules.percentage(num, den), **extra)

    def _count(self, n, **extra) -> Figure:
        return Figure(numerator=_d(n), value=_d(n), **extra)

    def _breakdown(self, rows, key, labels) -> list:
        counts: dict = defaultdict(int)
        for r in rows:
            counts[r[key]] += r["n"]
        return [
            {"label": str(labels.get(k, k or "Not given")), "count": n}
            for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
        ]

    def calc_referrals_accepted(self, window, c, s):
        return self._count(self._sum(self._pick(self.referral_counts(window), c, None), "accepted"))

    def calc_referrals_declined(self, window, c, s):
        from packages_of_care.models import DeclineReason

        n = self._sum(self._pick(self.referral_counts(window), c, None), "declined")
        reasons = self._pick(self.referral_reasons(window, "declined"), c, None)
        return self._count(n, breakdown=self._breakdown(reasons, "reason", dict(DeclineReason.choices)))

    def calc_service_completed(self, window, c, s):
        return self._count(self._sum(self._pick(self.referral_counts(window), c, None), "completed"))

    def calc_service_left_early(self, window, c, s):
        n = self._sum(self._pick(self.referral_counts(window), c, None), "left_early")
        reasons = self._pick(self.referral_reasons(window, "left"), c, None)
        return self._count(n, breakdown=self._breakdown(reasons, "reason", dict(ServiceEndReason.choices)))

    def _timeliness(self, window, c, calculation):
        return self._share(
            self._pick(self.referral_timeliness(window, calculation), c, None), "within", "total"
        )

    def calc_emergency_response_24h(self, window, c, s):
        return self._timeliness(window, c, Calculation.EMERGENCY_RESPONSE_24H)

    def calc_response_week_one(self, window, c, s):
        return self._timeliness(window, c, Calculation.RESPONSE_WEEK_ONE)

    def calc_first_visit_7wd(self, window, c, s):
        return self._timeliness(window, c, Calculation.FIRST_VISIT_7WD)

    def calc_support_solution_5wd(self, window, c, s):
        return self._timeliness(window, c, Calculation.SUPPORT_SOLUTION_5WD)

    def calc_new_choice_users(self, window, c, s):
        return self._count(self._sum(self._pick(self.activities(window), c, None), "new_choice"))

    def calc_short_break_activities(self, window, c, s):
        return self._count(self._sum(self._pick(self.activities(window), c, None), "short_breaks"))

    def calc_activity_attendance(self, window, c, s):
        rows = self._pick(self.activities(window), c, None)
        per_activity = [item for r in rows for item in r.get("per_activity", [])]
        return self._count(self._sum(rows, "attendees"), breakdown=per_activity)

    def calc_alarm_within_10_min(self, window, c, s):
        rows = self._pick(self.alarms(window), c, s)
        unanswered = self._sum(rows, "unanswered")
        return self._share(
            rows, "within", "total", note=f"{unanswered} call(s) not answered" if unanswered else ""
        )

    def calc_survey_satisfied(self, window, c, s):
        return self._share(self._pick(self.surveys(window), c, s), "satisfied", "total")

    def _visit_rows(self, window, c, s):
        return self._pick(self.visits(window), c, s)

    def calc_missed_visits(self, window, c, s):
        rows = self._visit_rows(window, c, s)
        den = sum(r["n"] for r in rows if r["st"] in MISSED_DENOMINATOR)
        num = sum(r["n"] for r in rows if r["st"] == VisitStatus.MISSED)
        labels = dict(VisitStatus.choices)
        breakdown = [
            {"label": f"Left out: {labels[st]}", "count": sum(r["n"] for r in rows if r["st"] == st)}
            for st in MISSED_EXCLUDED
        ]
        unrecorded = sum(r["n"] for r in rows if r["st"] == VisitStatus.SCHEDULED)
        return Figure(
            numerator=_d(num),
            denominator=_d(den),
            value=rules.percentage(num, den),
            breakdown=breakdown,
            note=f"{unrecorded} visit(s) have no outcome recorded and are left out" if unrecorded else "",
        )

    def calc_planned_hours_total(self, window, c, s):
        rows = self._visit_rows(window, c, s)
        minutes = sum(r["actual"] or 0 for r in rows if r["st"] in DELIVERED)
        visits = sum(r["n"] for r in rows if r["st"] in DELIVERED)
        hours = _hours(minutes)
        return Figure(
            numerator=hours, value=hours, breakdown=[{"label": "Visits delivered", "count": visits}]
        )

    def calc_hours_delivered_vs_allocated(self, window, c, s):
        rows = self._visit_rows(window, c, s)
        delivered = _hours(sum(r["actual"] or 0 for r in rows if r["st"] in DELIVERED))
        allocated = (
            sum((r["hour_days"] for r in self._pick(self.allocated_minutes(window), c, s)), Decimal(0))
            / SEVEN
        ).quantize(HUNDREDTH)
        labels = dict(VisitStatus.choices)
        breakdown = [
            {"label": "Hours allocated", "hours": str(allocated)},
            {"label": "Hours delivered", "hours": str(delivered)},
        ]
        for st in (
            VisitStatus.MISSED,
            VisitStatus.ABORTED,
            VisitStatus.CANCELLED_SHORT_NOTICE,
            VisitStatus.CANCELLED_WITH_NOTICE,
            VisitStatus.SCHEDULED,
        ):
            minutes = sum(r["scheduled"] or 0 for r in rows if r["st"] == st)
            if minutes:
                breakdown.append({"label": f"Not used: {labels[st]}", "hours": str(_hours(minutes))})
        short = sum(
            max(0, (r["scheduled"] or 0) - (r["actual"] or 0))
            for r in rows
            if r["st"] == VisitStatus.SHORTENED_BY_SERVICE_USER
        )
        if short:
            breakdown.append(
                {"label": "Not used: visits cut short at the person's wish", "hours": str(_hours(short))}
            )
        return Figure(
            numerator=delivered,
            denominator=allocated,
            value=rules.percentage(delivered, allocated),
            breakdown=breakdown,
            note=f"{max(allocated - delivered, Decimal(0))} allocated hours not delivered",
        )

    def calc_upheld_complaints(self, window, c, s):
        rows = self._pick(self.complaints(window), c, s)
        return self._count(
            self._sum(rows, "upheld"),
            denominator=None,
            breakdown=[{"label": "Received", "count": self._sum(rows, "total")}],
        )

    def calc_complaint_responses_10wd(self, window, c, s):
        return self._share(self._pick(self.complaint_responses(window), c, s), "within", "total")

    def _training(self, code, months, c, s):
        result = self.staff_training(code, months, c, s)
        return Figure(
            numerator=_d(result["trained"]),
            denominator=_d(result["due"]),
            value=rules.percentage(result["trained"], result["due"]),
        )

    def calc_mca_dols_training(self, window, c, s):
        return self._training("mca-dols", 6, c, s)

    def calc_dementia_friends(self, window, c, s):
        return self._training("dementia-friends", 9, c, s)

    def calc_staff_turnover(self, window, c, s):
        t = self.staff_turnover(window, c, s)
        average = (_d(t["at_start"]) + _d(t["at_end"])) / 2
        return Figure(
            numerator=_d(t["leavers"]),
            denominator=average.quantize(HUNDREDTH),
            value=rules.percentage(t["leavers"], average),
            breakdown=[
                {"label": f"In post on {window[0]:%d %b %Y}", "count": t["at_start"]},
                {"label": f"In post on {window[1]:%d %b %Y}", "count": t["at_end"]},
            ],
        )

    def calc_cqc_rating(self, window, c, s):
        provider = self.providers[self.provider_of[c]]
        rating = provider.cqc_rating or ""
        ordinal = rules.RATING_ORDINALS.get(rating)
        when = f" (rated {provider.cqc_rating_date:%d %B %Y})" if provider.cqc_rating_date else ""
        return Figure(
            value=_d(ordinal) if ordinal else None,
            text=rules.RATING_LABELS.get(rating, rating) + when,
        )

    def calc_safeguarding(self, window, c, s):
        from records.models import SafeguardingIncident as S

        rows = self._pick(self.safeguarding(window), c, s)
        return self._count(
            self._sum(rows, "n"), breakdown=self._breakdown(rows, "cat", dict(S.Category.choices))
        )

    def _residents(self, c, s) -> tuple[int, Decimal, dict[str, int]]:
        """Residents with planned care on the quarter's last day, their total weekly hours and
        how many fall in each hours band."""
        n, total, counts = 0, Decimal(0), defaultdict(int)
        for row in self._pick(self.residents(self.quarter.end), c, s):
            n += row["n"]
            total += row["hours"]
            for band, count in row["bands"].items():
                counts[band] += count
        return n, total, counts

    def calc_planned_hours_average(self, window, c, s):
        n, total, _counts = self._residents(c, s)
        return Figure(numerator=total, denominator=_d(n), value=rules.ratio(total, n))

    def calc_hours_mix(self, window, c, s):
        _n, _total, counts = self._residents(c, s)  # one per resident, not per visit
        mix = rules.band_mix(counts)
        text = " · ".join(
            f"{b.label}: {b.count} ({b.percent if b.percent is not None else '–'}%, aim {b.aim}%)"
            for b in mix
        )
        return Figure(
            denominator=_d(sum(counts.values())),
            text=text,
            breakdown=[
                {
                    "label": b.label,
                    "count": b.count,
                    "percent": None if b.percent is None else str(b.percent),
                    "aim": str(b.aim),
                }
                for b in mix
            ],
        )

    def calc_independence(self, window, c, s):
        reduced = self._sum(self._pick(self.reductions(window), c, s), "n")
        people = self._sum(self._pick(self.service_users(window), c, s), "n")
        return Figure(numerator=_d(reduced), denominator=_d(people), value=rules.percentage(reduced, people))

    def calc_hospital_and_end_of_life(self, window, c, s):
        returns = self._sum(self._pick(self.hospital_returns(window), c, s), "n")
        ends = self._pick(self.order_ends(window), c, s)
        breakdown = [{"label": "Returns from hospital", "count": returns}]
        breakdown += [
            {"label": f"Service ended: {label}", "count": n}
            for label, n in (
                (r["label"], r["count"])
                for r in self._breakdown(ends, "reason", dict(ServiceEndReason.choices))
            )
        ]
        return self._count(returns, breakdown=breakdown)

    def calc_unplanned_care(self, window, c, s):
        rows = self._pick(self.alarms(window), c, s)
        nights = self._pick(self.repeated_night_calls(window), c, s)
        return self._count(
            self._sum(rows, "total"),
            breakdown=[
                {"label": "Overnight calls (22:00–07:00)", "count": self._sum(rows, "overnight")},
                {
                    "label": "Residents with two or more calls in one night",
                    "count": sum(v["residents"] for v in nights),
                },
                {
                    "label": "… on three or more nights (sustained)",
                    "count": sum(v["sustained"] for v in nights),
                },
            ],
        )

    def calc_voids(self, window, c, s):
        rows = self._pick(self.voids(window), c, s)
        pending, actual = self._sum(rows, "pending"), self._sum(rows, "actual")
        return self._count(
            pending + actual,
            breakdown=[
                {"label": "Pending at the quarter's end", "count": pending},
                {"label": "Actual (empty) at the quarter's end", "count": actual},
                {"label": "Let again during the quarter", "count": self._sum(rows, "let")},
            ],
        )

    def calc_tenancies_declined(self, window, c, s):
        rows = self._pick(self.nominations(window), c, s)
        return self._count(
            self._sum(rows, "declined_solely"),
            breakdown=[{"label": "Nominations decided", "count": self._sum(rows, "total")}],
        )

    def calc_emergency_call_outs(self, window, c, s):
        return self._count(self._sum(self._pick(self.alarms(window), c, s), "emergency"))

    # The records behind a figure ------------------------------------------------------------

    def records(self, definition, contract_id: int, scheme_id: int | None):
        """(queryset of the records a figure was computed from, Q of those counted in its numerator
        or None). The filters mirror the sources above; a test checks that they agree."""
        window = self.window(definition.window)
        calc = definition.calculation
        C = Calculation
        s = scheme_id

        def on_scheme(qs, path):
            return qs.filter(**{path: s}) if s is not None else qs

        if calc in (C.MISSED_VISITS, C.PLANNED_HOURS_TOTAL, C.HOURS_DELIVERED_VS_ALLOCATED):
            qs = on_scheme(
                Visit.objects.filter(
                    provider_id=self.provider_of[contract_id],
                    visit_date__range=window,
                    order__contract_id=contract_id,
                ),
                "order__service_user__scheme_id",
            ).select_related("order", "order__service_user")
            if calc == C.MISSED_VISITS:
                return qs.filter(status__in=MISSED_DENOMINATOR), Q(status=VisitStatus.MISSED)
            if calc == C.PLANNED_HOURS_TOTAL:
                return qs.filter(status__in=DELIVERED), None
            return qs, Q(status__in=DELIVERED)
        referrals = self._referrals().filter(contract_id=contract_id).select_related("service_user")
        if calc == C.REFERRALS_ACCEPTED:
            return referrals.filter(self._decided_in(window), decision=ReferralDecision.ACCEPTED), None
        if calc == C.REFERRALS_DECLINED:
            return referrals.filter(self._decided_in(window), decision=ReferralDecision.DECLINED), None
        if calc == C.SERVICE_COMPLETED:
            return referrals.filter(
                service_ended_on__range=window, service_end_reason=ServiceEndReason.COMPLETED
            ), None
        if calc == C.SERVICE_LEFT_EARLY:
            return (
                referrals.filter(service_ended_on__range=window).exclude(
                    service_end_reason__in=(ServiceEndReason.COMPLETED, "")
                ),
                None,
            )
        if calc in (C.EMERGENCY_RESPONSE_24H, C.RESPONSE_WEEK_ONE, C.FIRST_VISIT_7WD, C.SUPPORT_SOLUTION_5WD):
            qs, within = self.timeliness_queryset(window, calc)
            return qs.filter(contract_id=contract_id).select_related("service_user"), within
        if calc in (C.ALARM_WITHIN_10_MIN, C.UNPLANNED_CARE, C.EMERGENCY_CALL_OUTS):
            qs = on_scheme(
                self._alarm_calls(window).filter(contract_id=contract_id), "scheme_id"
            ).select_related("scheme", "service_user")
            if calc == C.ALARM_WITHIN_10_MIN:
                return qs, Q(response_seconds__lte=ALARM_TARGET_SECONDS)
            if calc == C.UNPLANNED_CARE:
                return qs, Q(is_overnight=True)
            return qs.filter(outcome=AlarmOutcome.EMERGENCY_SERVICES), None
        scheme_of_record = Q(scheme_id=s) | Q(scheme__isnull=True, service_user__scheme_id=s)
        if calc == C.SURVEY_SATISFIED:
            qs = SurveyResponse.objects.filter(
                provider_id=self.provider_of[contract_id], contract_id=contract_id, responded_on__range=window
            )
            return (qs.filter(scheme_of_record) if s else qs), Q(satisfied=True)
        if calc in (C.UPHELD_COMPLAINTS, C.COMPLAINT_RESPONSES_10WD):
            kinds = (
                (ComplaintKind.COMPLAINT,)
                if calc == C.COMPLAINT_RESPONSES_10WD
                else (
                    ComplaintKind.COMPLAINT,
                    ComplaintKind.CONCERN,
                )
            )
            qs = Complaint.objects.filter(
                provider_id=self.provider_of[contract_id],
                contract_id=contract_id,
                received_on__range=window,
                kind__in=kinds,
            )
            qs = qs.filter(scheme_of_record) if s else qs
            if calc == C.UPHELD_COMPLAINTS:
                return qs, Q(upheld=True)
            number = CalendarDay.objects.values("number")
            qs = qs.annotate(
                w_received=Subquery(number.filter(day=OuterRef("received_on"))[:1]),
                w_sent=Subquery(number.filter(day=OuterRef("response_sent_to_council_on"))[:1]),
            )
            return qs, Q(
                response_sent_to_council_on__isnull=False,
                response_sent_to_council_on__gte=F("received_on"),
                w_sent__lte=F("w_received") + 10,
            )
        if calc == C.SAFEGUARDING:
            qs = SafeguardingIncident.objects.filter(
                provider_id=self.provider_of[contract_id], contract_id=contract_id, occurred_on__range=window
            )
            return (qs.filter(scheme_of_record) if s else qs), None
        if calc in (C.MCA_DOLS_TRAINING, C.DEMENTIA_FRIENDS):
            code, months = ("mca-dols", 6) if calc == C.MCA_DOLS_TRAINING else ("dementia-friends", 9)
            qs, trained = self.training_queryset(code, months, contract_id, s)
            return qs.select_related("scheme"), trained
        if calc == C.STAFF_TURNOVER:
            start, end = window
            qs = (
                StaffMember.objects.filter(provider_id=self.provider_of[contract_id])
                .filter(self._staff_scheme_filter(contract_id, s))
                .filter(started_on__lte=end)
                .filter(Q(left_on__isnull=True) | Q(left_on__gte=start))
            )
            return qs.select_related("scheme"), Q(left_on__range=window)
        if calc == C.VOIDS:
            start, end = window
            qs = Void.objects.filter(
                provider_id=self.provider_of[contract_id], contract_id=contract_id, start_date__lte=end
            ).filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
            return on_scheme(qs, "scheme_id").select_related("scheme"), Q(end_date__isnull=True) | Q(
                end_date__gt=end
            )
        if calc == C.TENANCIES_DECLINED:
            qs = on_scheme(
                NominationDecision.objects.filter(
                    provider_id=self.provider_of[contract_id],
                    contract_id=contract_id,
                    panel_date__range=window,
                ),
                "scheme_id",
            ).select_related("scheme")
            return qs, Q(
                decision=NominationDecision.Decision.DECLINED,
                declined_by=NominationDecision.DeclinedBy.PROVIDER,
                has_housing_need=True,
                assessed_care_hours_per_week__gt=4,
            )
        if calc in (C.PLANNED_HOURS_AVERAGE, C.HOURS_MIX):
            day = self.quarter.end
            orders = IndividualServiceOrder.objects.live_on(day).filter(
                provider_id=self.provider_of[contract_id], contract_id=contract_id, is_planned_care=True
            )
            qs = on_scheme(
                OrderVersion.objects.in_force_on(day).filter(order__in=orders),
                "order__service_user__scheme_id",
            ).select_related("order", "order__service_user")
            return qs, None
        if calc == C.INDEPENDENCE:
            previous = OrderVersion.objects.filter(
                order=OuterRef("order"), effective_from__lt=OuterRef("effective_from")
            ).order_by("-effective_from")
            qs = on_scheme(
                OrderVersion.objects.filter(
                    order__provider_id=self.provider_of[contract_id],
                    order__contract_id=contract_id,
                    effective_from__range=window,
                ),
                "order__service_user__scheme_id",
            ).annotate(before=Subquery(previous.values("weekly_hours")[:1]))
            return qs.select_related("order", "order__service_user"), Q(weekly_hours__lt=F("before"))
        if calc == C.HOSPITAL_AND_END_OF_LIFE:
            held = IndividualServiceOrder.objects.filter(
                service_user=OuterRef("service_user"),
                provider_id=self.provider_of[contract_id],
                contract_id=contract_id,
                status__in=ORDERS_IN_FORCE,
            )
            qs = on_scheme(
                Absence.objects.filter(kind=AbsenceKind.HOSPITAL, end_date__range=window).filter(
                    Exists(held)
                ),
                "service_user__scheme_id",
            )
            return qs.select_related("service_user"), None
        if calc in (C.NEW_CHOICE_USERS, C.ACTIVITY_ATTENDANCE):
            qs = ActivityAttendance.objects.filter(
                self._activity_window(window, "activity__"), activity__contract_id=contract_id, attended=True
            ).select_related("activity", "service_user")
            if calc == C.NEW_CHOICE_USERS:
                return qs.filter(activity__is_new_choice=True), None
            return qs.filter(activity__kind=ActivityKind.SHORT_BREAK), None
        if calc == C.SHORT_BREAK_ACTIVITIES:
            from records.models import Activity

            return Activity.objects.filter(
                self._activity_window(window), contract_id=contract_id, kind=ActivityKind.SHORT_BREAK
            ), None
        return None, None  # e.g. the CQC rating: read from the provider's registration
