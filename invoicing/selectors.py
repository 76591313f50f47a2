"""Reads for invoicing: the run's inputs, gathered set-based (a Norfolk run's in one statement on
PostgreSQL, a handful of queries otherwise, however many orders and visits), and the scoped reads
behind the pages and the API."""

import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce

from packages_of_care.models import (
    Absence,
    IndividualServiceOrder,
    OrderStatus,
    TemporaryVariation,
    TemporaryVariationStatus,
)
from packages_of_care.rules import Version
from portal.tenancy import scoped
from schemes.models import Contract, ContractRate, SchemeUnplannedHours
from visits.models import Visit, VisitStatus
from visits.rules import PAYMENT_RUN_STATUSES
from visits.selectors import run_positions

from . import rules
from .models import (
    BlockVolumeReview,
    Invoice,
    InvoiceDispute,
    InvoiceLine,
    InvoicingTerms,
    Remittance,
)
from .schedule import BlockInputs, HourlyInputs, OrderInput, PackageInputs, Terms

# Orders that can be paid for: accepted onwards (not drafts, issued-but-unanswered or declined).
PAYABLE_ORDER_STATUSES = (OrderStatus.ACCEPTED, OrderStatus.ACTIVE, OrderStatus.SUSPENDED, OrderStatus.ENDED)


def terms_of(terms: InvoicingTerms) -> Terms:
    return Terms(
        vat_code=terms.vat_code,
        vat_rate=terms.vat_rate,
        tolerance_percent=terms.tolerance_percent,
        package_tolerance_hours=terms.package_tolerance_hours,
        block_review_threshold_percent=terms.block_review_threshold_percent,
        block_weeks_per_quarter=terms.block_weeks_per_quarter,
        count_each_carer=terms.count_each_carer,
    )


# The run's inputs ----------------------------------------------------------------------------


def orders_in_force(
    contract: Contract, start: dt.date, end: dt.date, *, planned_only: bool = False
) -> QuerySet:
    """The contract's payable orders in force on some day from start to end."""
    qs = IndividualServiceOrder.objects.filter(
        contract=contract, status__in=PAYABLE_ORDER_STATUSES, start_date__lte=end
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
    if planned_only:
        qs = qs.filter(is_planned_care=True)
    return qs


def order_inputs(orders: QuerySet) -> list[OrderInput]:
    """The orders with their versions, in one query (a row per version; an order with none yet
    comes back once, with no version)."""
    rows = orders.order_by("id", "versions__effective_from").values_list(
        "id",
        "reference",
        "service_user_id",
        "service_user__name",
        "service_user__reference",
        "start_date",
        "end_date",
        "versions__effective_from",
        "versions__weekly_hours",
        "versions__weekly_price",
    )
    by_id: dict[int, OrderInput] = {}
    for *order, effective_from, weekly_hours, weekly_price in rows:
        item = by_id.get(order[0])
        if item is None:
            item = by_id[order[0]] = OrderInput(*order)
        if effective_from is not None:
            item.versions.append(Version(effective_from, weekly_hours, weekly_price))
    return list(by_id.values())


def _week_case(start: dt.date, end: dt.date) -> Case:
    return Case(
        *[
            When(visit_date__lte=week_end, then=Value(i))
            for i, (_s, week_end) in enumerate(rules.period_weeks(start, end))
        ],
        output_field=IntegerField(),
    )


def _period_visits(contract: Contract, order_ids: list[int], start: dt.date, end: dt.date) -> QuerySet:
    # The orders' ids and the dates find the visits through the (order, visit_date) index; the
    # orders are the contract's, so the visits are its provider's.
    return Visit.objects.filter(visit_date__gte=start, visit_date__lte=end, order_id__in=order_ids).order_by()


def _carers(per_carer: bool):
    return F("carers") if per_carer else Value(1)


STATUS_SUMS = {
    VisitStatus.COMPLETED: (("completed_visits", "n"), ("completed_minutes", "actual")),
    VisitStatus.SHORTENED_BY_SERVICE_USER: (
        ("shortened_visits", "n"),
        ("shortened_minutes", "actual"),
        ("shortened_shortfall_minutes", "shortfall"),
    ),
    VisitStatus.ABORTED: (("aborted_visits", "n"), ("aborted_minutes", "scheduled")),
    VisitStatus.CANCELLED_SHORT_NOTICE: (("short_notice_visits", "n"), ("short_notice_minutes", "scheduled")),
    VisitStatus.CANCELLED_WITH_NOTICE: (("cancelled_with_notice_visits", "n"),),
    VisitStatus.MISSED: (("missed_visits", "n"),),
    VisitStatus.SCHEDULED: (("not_recorded_visits", "n"),),
}


def week_visits(
    contract: Contract, order_ids: list[int], start: dt.date, end: dt.date, *, per_carer: bool = False
) -> dict[tuple[int, int], rules.WeekVisits]:
    """{(order id, week index): WeekVisits} — sums by order, week and status in one GROUP BY; the
    short-notice cancellations one by one with their run positions (two more queries, only when
    there are any). With `per_carer`, each visit's minutes count once per carer."""
    if not order_ids:
        return {}
    carers = _carers(per_carer)
    shortfall = Case(
        When(actual_minutes__isnull=True, then=F("scheduled_minutes") * carers),
        When(
            actual_minutes__lt=F("scheduled_minutes"),
            then=(F("scheduled_minutes") - F("actual_minutes")) * carers,
        ),
        default=Value(0),
        output_field=IntegerField(),
    )
    grouped = (
        _period_visits(contract, order_ids, start, end)
        .annotate(week=_week_case(start, end))
        .values("order_id", "week", "status")
        .annotate(
            n=Count("id"),
            actual=Coalesce(Sum(F("actual_minutes") * carers, output_field=IntegerField()), 0),
            scheduled=Coalesce(Sum(F("scheduled_minutes") * carers, output_field=IntegerField()), 0),
            shortfall=Coalesce(Sum(shortfall), 0),
        )
        .values_list("order_id", "week", "status", "n", "actual", "scheduled", "shortfall")
    )
    sums: dict[tuple[int, int], dict] = defaultdict(lambda: defaultdict(int))
    cancelled_orders = set()
    for order_id, week, status, n, actual, scheduled, short in grouped:
        if status == VisitStatus.CANCELLED_SHORT_NOTICE:
            cancelled_orders.add(order_id)
        figures = {"n": n, "actual": actual, "scheduled": scheduled, "shortfall": short}
        s = sums[(order_id, week)]
        for name, source in STATUS_SUMS.get(status, ()):
            s[name] += figures[source]
    late: dict[tuple[int, int], list] = defaultdict(list)
    if cancelled_orders:
        # Only cancellations 4th or later in their run can go unpaid: list those one by one.
        positions = run_positions(
            orders=IndividualServiceOrder.objects.filter(pk__in=sorted(cancelled_orders)),
            start=start,
            end=end,
            counted=PAYMENT_RUN_STATUSES,
        )
        candidates = [pk for pk, position in positions.items() if position >= rules.UNPAID_FROM_RUN_POSITION]
        if candidates:
            for visit_id, order_id, week, scheduled in sorted(
                Visit.objects.filter(pk__in=candidates, status=VisitStatus.CANCELLED_SHORT_NOTICE)
                .annotate(week=_week_case(start, end), minutes=F("scheduled_minutes") * carers)
                .values_list("id", "order_id", "week", "minutes")
            ):
                late[(order_id, week)].append((scheduled, positions[visit_id]))
    return {key: rules.WeekVisits(**sums[key], late_in_run=tuple(late.get(key, ()))) for key in sorted(sums)}


def absence_spans(service_user_ids, start: dt.date, end: dt.date) -> dict[int, list[rules.AbsenceSpan]]:
    spans: dict[int, list[rules.AbsenceSpan]] = defaultdict(list)
    for su_id, a_start, a_end in (
        Absence.objects.filter(service_user_id__in=list(service_user_ids))
        .overlapping(start, end)
        .order_by("service_user_id", "start_date")
        .values_list("service_user_id", "start_date", "end_date")
    ):
        spans[su_id].append(rules.AbsenceSpan(a_start, a_end))
    return dict(spans)


def variation_spans(
    order_ids: list[int], start: dt.date, end: dt.date
) -> dict[int, list[rules.VariationSpan]]:
    spans: dict[int, list[rules.VariationSpan]] = defaultdict(list)
    for order_id, v_start, v_end, extra in (
        TemporaryVariation.objects.filter(order_id__in=order_ids)
        .approved_covering(start, end)
        .order_by("order_id", "start_date")
        .values_list("order_id", "start_date", "end_date", "extra_hours_per_week")
    ):
        spans[order_id].append(rules.VariationSpan(v_start, v_end, extra))
    return dict(spans)


def contract_rates(contract: Contract) -> list[tuple[dt.date, Decimal, Decimal | None]]:
    return list(
        ContractRate.objects.filter(contract=contract)
        .order_by("effective_from")
        .values_list("effective_from", "planned_hourly_rate", "unplanned_hourly_rate")
    )


def unplanned_hours_on(contract: Contract, day: dt.date) -> list[tuple[int, str, Decimal]]:
    """Each scheme's unplanned hours a week in force on `day`: [(scheme id, name, hours)]."""
    latest: dict[int, tuple] = {}
    for scheme_id, name, _effective_from, hours in (
        SchemeUnplannedHours.objects.filter(contract=contract, effective_from__lte=day)
        .order_by("scheme_id", "effective_from")
        .values_list("scheme_id", "scheme__name", "effective_from", "hours_per_week")
    ):
        latest[scheme_id] = (scheme_id, name, hours)
    return list(latest.values())


def hourly_inputs(contract: Contract, terms: InvoicingTerms, start: dt.date, end: dt.date) -> HourlyInputs:
    """Everything a Norfolk invoice is worked out from. On PostgreSQL, one statement
    (`_hourly_inputs_postgresql`); elsewhere, the querysets below (the same inputs)."""
    if connection.vendor == "postgresql":
        return _hourly_inputs_postgresql(contract, terms, start, end)
    return hourly_inputs_orm(contract, terms, start, end)


def hourly_inputs_orm(
    contract: Contract, terms: InvoicingTerms, start: dt.date, end: dt.date
) -> HourlyInputs:
    orders = order_inputs(orders_in_force(contract, start, end))
    ids = [o.id for o in orders]
    return HourlyInputs(
        period_start=start,
        period_end=end,
        orders=orders,
        week_visits=week_visits(contract, ids, start, end, per_carer=terms.count_each_carer),
        absences=absence_spans({o.service_user_id for o in orders}, start, end) if ids else {},
        variations=variation_spans(ids, start, end) if ids else {},
        rates=contract_rates(contract),
        unplanned=unplanned_hours_on(contract, start),
        terms=terms_of(terms),
    )


# The whole of a Norfolk run's inputs in one statement (PostgreSQL): the orders in force with
# their people and versions; their visits in the period summed by order, week and status, with the
# short-notice cancellations 4th or later in their run of consecutive cancellations listed one by
# one (runs read back to each order's last visit before the period that breaks a run, as
# `visits.selectors.run_positions` does: a counted visit's position is its row number since the
# last uncounted one); the people's absences, the orders' approved variations, the contract's
# rates and each scheme's unplanned hours in force on the period's first day. One round trip, a
# JSON document back (numbers as text, so every Decimal keeps its places).
HOURLY_INPUTS_SQL = """
WITH o AS (
    SELECT o.id, o.reference, o.service_user_id, o.start_date, o.end_date
    FROM {order} o
    WHERE o.contract_id = %(contract)s AND o.status = ANY(%(statuses)s)
      AND o.start_date <= %(end)s AND (o.end_date IS NULL OR o.end_date >= %(start)s)
),
boundary AS (
    SELECT y.order_id, MAX(y.scheduled_start) AS since
    FROM {visit} y
    WHERE y.order_id IN (SELECT id FROM o) AND y.visit_date < %(start)s AND y.status <> ALL(%(counted)s)
    GROUP BY y.order_id
),
sequence AS MATERIALIZED (
    SELECT x.id, x.order_id, x.visit_date, x.status, x.scheduled_start, x.scheduled_minutes, x.actual_minutes,
           CASE WHEN %(per_carer)s THEN x.carers ELSE 1 END AS carers,
           x.status = ANY(%(counted)s) AS counted
    FROM {visit} x LEFT JOIN boundary b ON b.order_id = x.order_id
    WHERE x.order_id IN (SELECT id FROM o) AND x.visit_date <= %(end)s
      AND (b.since IS NULL OR x.scheduled_start >= b.since)
),
weeks AS (
    SELECT order_id, (visit_date - %(start)s::date) / 7 AS week,
        COUNT(*) FILTER (WHERE status = %(completed)s) AS completed_visits,
        COALESCE(SUM(actual_minutes * carers) FILTER (WHERE status = %(completed)s), 0) AS completed_minutes,
        COUNT(*) FILTER (WHERE status = %(shortened)s) AS shortened_visits,
        COALESCE(SUM(actual_minutes * carers) FILTER (WHERE status = %(shortened)s), 0) AS shortened_minutes,
        COALESCE(SUM(CASE WHEN actual_minutes IS NULL THEN scheduled_minutes * carers
                          WHEN actual_minutes < scheduled_minutes THEN (scheduled_minutes - actual_minutes) * carers
                          ELSE 0 END) FILTER (WHERE status = %(shortened)s), 0) AS shortfall_minutes,
        COUNT(*) FILTER (WHERE status = %(aborted)s) AS aborted_visits,
        COALESCE(SUM(scheduled_minutes * carers) FILTER (WHERE status = %(aborted)s), 0) AS aborted_minutes,
        COUNT(*) FILTER (WHERE status = %(short_notice)s) AS short_notice_visits,
        COALESCE(SUM(scheduled_minutes * carers) FILTER (WHERE status = %(short_notice)s), 0) AS short_notice_minutes,
        COUNT(*) FILTER (WHERE status = %(with_notice)s) AS with_notice_visits,
        COUNT(*) FILTER (WHERE status = %(missed)s) AS missed_visits,
        COUNT(*) FILTER (WHERE status = %(scheduled)s) AS not_recorded_visits
    FROM sequence WHERE visit_date >= %(start)s
    GROUP BY 1, 2
),
runs AS (  -- only an order with a short-notice cancellation in the period and 4 or more counted
           -- visits in its sequence can have one 4th or later in its run
    SELECT order_id FROM sequence
    GROUP BY order_id
    HAVING COUNT(*) FILTER (WHERE counted) >= %(unpaid_from)s
       AND COUNT(*) FILTER (WHERE status = %(short_notice)s AND visit_date >= %(start)s) > 0
),
numbered AS (
    SELECT id, order_id, visit_date, status, scheduled_start, scheduled_minutes * carers AS minutes, counted,
           ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY scheduled_start, id) AS rn
    FROM sequence WHERE order_id IN (SELECT order_id FROM runs)
),
positioned AS (
    SELECT numbered.*, rn - MAX(CASE WHEN counted THEN 0 ELSE rn END)
               OVER (PARTITION BY order_id ORDER BY scheduled_start, id ROWS UNBOUNDED PRECEDING) AS position
    FROM numbered
)
SELECT json_build_object(
    'orders', (
        SELECT json_agg(json_build_array(
            o.id, o.reference, o.service_user_id,
            (SELECT json_build_array(su.name, su.reference) FROM {person} su WHERE su.id = o.service_user_id),
            o.start_date, o.end_date,
            (SELECT json_agg(json_build_array(v.effective_from, v.weekly_hours::text, v.weekly_price::text)
                             ORDER BY v.effective_from, v.id)
             FROM {version} v WHERE v.order_id = o.id)
        ) ORDER BY o.id)
        FROM o),
    'visits', (
        SELECT json_agg(json_build_array(
            order_id, week, completed_visits, completed_minutes, shortened_visits, shortened_minutes,
            shortfall_minutes, aborted_visits, aborted_minutes, short_notice_visits, short_notice_minutes,
            with_notice_visits, missed_visits, not_recorded_visits
        ) ORDER BY order_id, week)
        FROM weeks),
    'late', (
        SELECT json_agg(json_build_array(order_id, (visit_date - %(start)s::date) / 7, id, minutes, position))
        FROM positioned
        WHERE status = %(short_notice)s AND visit_date >= %(start)s AND position >= %(unpaid_from)s),
    'absences', (
        SELECT json_agg(json_build_array(a.service_user_id, a.start_date, a.end_date)
                        ORDER BY a.service_user_id, a.start_date, a.id)
        FROM {absence} a
        WHERE a.service_user_id IN (SELECT service_user_id FROM o)
          AND (a.end_date IS NULL OR a.end_date >= %(start)s) AND a.start_date <= %(end)s),
    'variations', (
        SELECT json_agg(json_build_array(t.order_id, t.start_date, t.end_date, t.extra_hours_per_week::text)
                        ORDER BY t.order_id, t.start_date, t.id)
        FROM {variation} t
        WHERE t.order_id IN (SELECT id FROM o) AND t.status = %(approved)s
          AND t.start_date <= %(end)s AND t.end_date >= %(start)s),
    'rates', (
        SELECT json_agg(json_build_array(r.effective_from, r.planned_hourly_rate::text, r.unplanned_hourly_rate::text)
                        ORDER BY r.effective_from)
        FROM {rate} r WHERE r.contract_id = %(contract)s),
    'unplanned', (
        SELECT json_agg(json_build_array(u.scheme_id, s.name, u.hours_per_week::text) ORDER BY u.scheme_id)
        FROM (
            SELECT DISTINCT ON (scheme_id) scheme_id, hours_per_week FROM {unplanned}
            WHERE contract_id = %(contract)s AND effective_from <= %(start)s
            ORDER BY scheme_id, effective_from DESC
        ) u JOIN {scheme} s ON s.id = u.scheme_id)
)::text
"""

# The visits' columns in HOURLY_INPUTS_SQL's rows, after order id and week (`late` last).
_WEEK_VISITS_FIELDS = rules.WEEK_VISIT_TOTALS


def _hourly_inputs_sql() -> str:
    from packages_of_care.models import OrderVersion, ServiceUser
    from schemes.models import Scheme

    return HOURLY_INPUTS_SQL.format(
        order=IndividualServiceOrder._meta.db_table,
        visit=Visit._meta.db_table,
        person=ServiceUser._meta.db_table,
        version=OrderVersion._meta.db_table,
        absence=Absence._meta.db_table,
        variation=TemporaryVariation._meta.db_table,
        rate=ContractRate._meta.db_table,
        unplanned=SchemeUnplannedHours._meta.db_table,
        scheme=Scheme._meta.db_table,
    )


def _day(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _hourly_inputs_postgresql(
    contract: Contract, terms: InvoicingTerms, start: dt.date, end: dt.date
) -> HourlyInputs:
    """`hourly_inputs_orm`'s inputs, equal value for value (and so the same fingerprint), in one
    round trip."""
    params = {
        "contract": contract.pk,
        "statuses": [str(status) for status in PAYABLE_ORDER_STATUSES],
        "start": start,
        "end": end,
        "counted": sorted(PAYMENT_RUN_STATUSES),
        "per_carer": bool(terms.count_each_carer),
        "unpaid_from": rules.UNPAID_FROM_RUN_POSITION,
        "approved": str(TemporaryVariationStatus.APPROVED),
        "completed": str(VisitStatus.COMPLETED),
        "shortened": str(VisitStatus.SHORTENED_BY_SERVICE_USER),
        "aborted": str(VisitStatus.ABORTED),
        "short_notice": str(VisitStatus.CANCELLED_SHORT_NOTICE),
        "with_notice": str(VisitStatus.CANCELLED_WITH_NOTICE),
        "missed": str(VisitStatus.MISSED),
        "scheduled": str(VisitStatus.SCHEDULED),
    }
    with connection.cursor() as cursor:
        cursor.execute(_hourly_inputs_sql(), params)
        data = json.loads(cursor.fetchone()[0])
    orders = []
    for order_id, reference, person_id, (name, person_ref), o_start, o_end, versions in data["orders"] or ():
        orders.append(
            OrderInput(
                order_id,
                reference,
                person_id,
                name,
                person_ref,
                dt.date.fromisoformat(o_start),
                _day(o_end),
                [
                    Version(dt.date.fromisoformat(v_from), Decimal(hours), _decimal(price))
                    for v_from, hours, price in versions or ()
                ],
            )
        )
    late: dict[tuple[int, int], list] = defaultdict(list)
    for order_id, week, _visit_id, minutes, position in sorted(data["late"] or (), key=lambda row: row[2]):
        late[(order_id, week)].append((minutes, position))
    week_visits = {}
    for order_id, week, *figures in data["visits"] or ():
        week_visits[(order_id, week)] = rules.WeekVisits(
            **dict(zip(_WEEK_VISITS_FIELDS, figures, strict=True)),
            late_in_run=tuple(late.get((order_id, week), ())),
        )
    absences: dict[int, list[rules.AbsenceSpan]] = defaultdict(list)
    for person_id, a_start, a_end in data["absences"] or ():
        absences[person_id].append(rules.AbsenceSpan(dt.date.fromisoformat(a_start), _day(a_end)))
    variations: dict[int, list[rules.VariationSpan]] = defaultdict(list)
    for order_id, v_start, v_end, extra in data["variations"] or ():
        variations[order_id].append(
            rules.VariationSpan(dt.date.fromisoformat(v_start), dt.date.fromisoformat(v_end), Decimal(extra))
        )
    return HourlyInputs(
        period_start=start,
        period_end=end,
        orders=orders,
        week_visits=week_visits,
        absences=dict(absences),
        variations=dict(variations),
        rates=[
            (dt.date.fromisoformat(r_from), Decimal(planned), _decimal(unplanned))
            for r_from, planned, unplanned in data["rates"] or ()
        ],
        unplanned=[(scheme_id, name, Decimal(hours)) for scheme_id, name, hours in data["unplanned"] or ()],
        terms=terms_of(terms),
    )


def package_inputs(contract: Contract, terms: InvoicingTerms, start: dt.date, end: dt.date) -> PackageInputs:
    orders = order_inputs(orders_in_force(contract, start, end))
    delivered = (
        _period_visits(contract, [o.id for o in orders], start, end)
        .filter(status__in=(VisitStatus.COMPLETED, VisitStatus.SHORTENED_BY_SERVICE_USER))
        .annotate(week=_week_case(start, end))
        .values("order_id", "week")
        .annotate(
            minutes=Coalesce(
                Sum(F("actual_minutes") * _carers(terms.count_each_carer), output_field=IntegerField()), 0
            )
        )
        .values_list("order_id", "week", "minutes")
    )
    return PackageInputs(
        period_start=start,
        period_end=end,
        orders=orders,
        delivered={(o, w): m for o, w, m in delivered} if orders else {},
        terms=terms_of(terms),
    )


def block_orders(contract: Contract, day: dt.date) -> list[OrderInput]:
    """Live planned-care orders on `day`, with their versions."""
    return order_inputs(orders_in_force(contract, day, day, planned_only=True))


def block_inputs(
    contract: Contract,
    terms: InvoicingTerms,
    start: dt.date,
    end: dt.date,
    *,
    weekly_hours_override: Decimal | None,
    review_id: int | None,
) -> BlockInputs:
    rate = rules.rate_on([(r[0], r[1]) for r in contract_rates(contract)], start)
    return BlockInputs(
        quarter_start=start,
        quarter_end=end,
        orders=block_orders(contract, start),
        rate=rate if rate is not None else Decimal("0.00"),
        weekly_hours_override=weekly_hours_override,
        review_id=review_id,
        terms=terms_of(terms),
    )


def review_allocations(contract: Contract, start: dt.date, end: dt.date) -> list[rules.OrderAllocation]:
    """Planned-care orders allocated to the provider at some time from start to end."""
    return [
        rules.OrderAllocation(o.versions, o.start_date, o.end_date)
        for o in order_inputs(orders_in_force(contract, start, end, planned_only=True))
    ]


# Hours used and unused (Derby `[002 §3.5]`) ---------------------------------------------------


UNUSED_REASONS = [
    ("cancelled_with_notice", "Cancelled by the person with notice"),
    ("cancelled_short_notice", "Cancelled by the person at short notice"),
    ("aborted", "Aborted: the person was not available or refused at the door"),
    ("shortened", "Cut short at the person's wish"),
    ("missed", "Missed by the provider"),
    ("absent", "The person was away (hospital, holiday)"),
    ("not_recorded", "Scheduled, no actuals recorded yet"),
    ("unexplained", "Not scheduled or not explained by a visit record"),
]


def hours_used_and_unused(contract: Contract, start: dt.date, end: dt.date) -> list[dict]:
    """Per planned-care order from start to end: hours allocated (day-weighted), used (delivered) and
    not used, with the unused hours split by reason. A handful of queries for the whole contract."""
    orders = order_inputs(orders_in_force(contract, start, end, planned_only=True))
    ids = [o.id for o in orders]
    shortfall = Case(
        When(actual_minutes__lt=F("scheduled_minutes"), then=F("scheduled_minutes") - F("actual_minutes")),
        default=Value(0),
        output_field=IntegerField(),
    )
    visit_sums: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for order_id, status, actual, scheduled, short in (
        _period_visits(contract, ids, start, end)
        .values("order_id", "status")
        .annotate(
            actual=Coalesce(Sum("actual_minutes"), 0),
            scheduled=Coalesce(Sum("scheduled_minutes"), 0),
            shortfall=Coalesce(Sum(shortfall), 0),
        )
        .values_list("order_id", "status", "actual", "scheduled", "shortfall")
    ):
        s = visit_sums[order_id]
        if status in (VisitStatus.COMPLETED, VisitStatus.SHORTENED_BY_SERVICE_USER):
            s["used"] += actual
            if status == VisitStatus.SHORTENED_BY_SERVICE_USER:
                s["shortened"] += short
        elif status == VisitStatus.SCHEDULED:
            s["not_recorded"] += scheduled
        else:
            s[status] += scheduled
    absences = absence_spans({o.service_user_id for o in orders}, start, end)
    report = []
    for order in sorted(orders, key=lambda o: (o.service_user_name, o.reference)):
        allocated = rules.exact(
            rules.commissioned_minutes(
                order.versions, start, end, order_start=order.start_date, order_end=order.end_date
            )
        )
        absent = Fraction(0)
        for absence in absences.get(order.service_user_id, []):
            span = rules.clip(absence.start, absence.end, start, end)
            if span:
                absent += rules.exact(
                    rules.commissioned_minutes(
                        order.versions,
                        span[0],
                        span[1],
                        order_start=order.start_date,
                        order_end=order.end_date,
                    )
                )
        s = visit_sums.get(order.id, {})
        used = s.get("used", 0)
        reasons = {key: Fraction(s.get(key, 0)) for key, _label in UNUSED_REASONS[:5]}
        reasons["absent"] = absent
        reasons["not_recorded"] = Fraction(s.get("not_recorded", 0))
        unused = max(Fraction(0), allocated - used)
        # What the records do not explain; none when they explain more than the gap (visits that
        # ran longer than scheduled make up for some of what was not delivered).
        reasons["unexplained"] = max(Fraction(0), unused - sum(reasons.values(), Fraction(0)))
        report.append(
            {
                "order": order,
                "allocated_hours": _hours2(allocated),
                "used_hours": _hours2(Fraction(used)),
                "unused_hours": _hours2(unused),
                "over_hours": _hours2(max(Fraction(0), used - allocated)),
                "reasons": [(label, _hours2(reasons[key])) for key, label in UNUSED_REASONS if reasons[key]],
            }
        )
    return report


def _hours2(minutes: Fraction) -> Decimal:
    return rules.round_half_up(rules.as_decimal(minutes / 60), rules.TWO_PLACES).quantize(rules.TWO_PLACES)


# Scoped reads for pages and the API ------------------------------------------------------------


def invoices_for(user) -> QuerySet:
    return scoped(Invoice, user).select_related("contract", "commissioner", "provider")


def invoice_lines(user, invoice: Invoice) -> QuerySet:
    return (
        scoped(InvoiceLine, user)
        .filter(invoice=invoice)
        .select_related("order", "order__service_user", "scheme")
        .order_by("position")
    )


def call_monitoring_visits(user, invoice: Invoice) -> QuerySet:
    """The individual call monitoring return `[004 App. 6 §3.1 a]`: every visit of the invoice's
    orders in its period, with the ECM times."""
    order_ids = scoped(InvoiceLine, user).filter(invoice=invoice, order__isnull=False).values("order_id")
    return (
        scoped(Visit, user)
        .filter(
            order__in=order_ids,
            visit_date__gte=invoice.period_start,
            visit_date__lte=invoice.period_end,
        )
        .select_related("order", "order__service_user")
        .order_by("order__service_user__name", "order__reference", "scheduled_start", "id")
    )


def line_visits(user, line: InvoiceLine) -> list[tuple[Visit, int | None]]:
    """The visits behind an order-week line, each with its place in a run of cancellations."""
    if line.order_id is None or line.week_start is None:
        return []
    visits = list(
        scoped(Visit, user)
        .filter(order_id=line.order_id, visit_date__gte=line.week_start, visit_date__lte=line.week_end)
        .order_by("scheduled_start", "id")
    )
    positions = {}
    if any(v.status in PAYMENT_RUN_STATUSES for v in visits):
        positions = run_positions(
            orders=IndividualServiceOrder.objects.filter(pk=line.order_id),
            start=line.week_start,
            end=line.week_end,
            counted=PAYMENT_RUN_STATUSES,
        )
    return [(v, positions.get(v.pk)) for v in visits]


def invoice_dispute(user, invoice: Invoice) -> InvoiceDispute | None:
    """The dispute that split this invoice, or that this invoice came out of."""
    return (
        scoped(InvoiceDispute, user)
        .filter(Q(invoice=invoice) | Q(disputed_invoice=invoice) | Q(undisputed_invoice=invoice))
        .select_related("invoice", "disputed_invoice", "undisputed_invoice", "raised_by", "resolved_by")
        .first()
    )


def remittances_for(user) -> QuerySet:
    return scoped(Remittance, user).select_related("invoice", "invoice__commissioner", "invoice__provider")


def block_reviews_for(user) -> QuerySet:
    return scoped(BlockVolumeReview, user).select_related(
        "contract", "contract__provider", "contract__commissioner"
    )


def block_review_for_invoice(user, invoice: Invoice) -> BlockVolumeReview | None:
    return (
        block_reviews_for(user)
        .filter(contract=invoice.contract_id, quarter_start=invoice.period_start)
        .first()
    )
