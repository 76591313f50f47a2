"""Reads for invoicing: the run's inputs, gathered set-based (a Norfolk run's in one statement, a
handful of queries for the other kinds, however many orders and visits), and the scoped reads
behind the pages and the API."""

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from kpis.models import KpiReturn
from packages_of_care.models import (
    Absence,
    IndividualServiceOrder,
    OrderVersion,
    ServiceUser,
    TemporaryVariation,
)
from packages_of_care.rules import Version
from portal.models import User
from portal.sql import named_sql
from portal.tenancy import scoped
from schemes.models import BlockVolume, Contract, ContractRate, Scheme, SchemeUnplannedHours
from visits import rules as visit_rules
from visits import selectors as visit_selectors
from visits.models import Visit

from . import rules
from .models import (
    BankBaseRate,
    BlockVolumeReview,
    Invoice,
    InvoiceDispute,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    InvoicingTerms,
    Remittance,
)
from .rules import interest
from .schedule import BlockInputs, HourlyInputs, OrderInput, PackageInputs, Terms


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
) -> QuerySet[IndividualServiceOrder]:
    """The contract's orders in force on some day from start to end (the one definition:
    `IndividualServiceOrder.objects.in_force`)."""
    qs = IndividualServiceOrder.objects.filter(contract=contract).in_force(start, end)
    return qs.filter(is_planned_care=True) if planned_only else qs


def order_inputs(orders: QuerySet[IndividualServiceOrder]) -> list[OrderInput]:
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
    for (
        pk,
        reference,
        person_id,
        name,
        person_ref,
        start,
        end,
        effective_from,
        weekly_hours,
        weekly_price,
    ) in rows:
        item = by_id.get(pk)
        if item is None:
            item = by_id[pk] = OrderInput(pk, reference, person_id, name, person_ref, start, end)
        if effective_from is not None:
            item.versions.append(Version(effective_from, weekly_hours, weekly_price))
    return list(by_id.values())


def absence_spans(
    service_user_ids: Iterable[int], start: dt.date, end: dt.date
) -> dict[int, list[rules.AbsenceSpan]]:
    spans: dict[int, list[rules.AbsenceSpan]] = defaultdict(list)
    for su_id, a_start, a_end, full_until in (
        Absence.objects.filter(service_user_id__in=list(service_user_ids))
        .overlapping(start, end)
        .order_by("service_user_id", "start_date", "id")
        .values_list("service_user_id", "start_date", "end_date", "retainer_full_pay_until")
    ):
        spans[su_id].append(rules.AbsenceSpan(a_start, a_end, full_until))
    return dict(spans)


def variation_spans(
    order_ids: Iterable[int], start: dt.date, end: dt.date
) -> dict[int, list[rules.VariationSpan]]:
    spans: dict[int, list[rules.VariationSpan]] = defaultdict(list)
    for order_id, v_start, v_end, extra in (
        TemporaryVariation.objects.filter(order_id__in=list(order_ids))
        .approved_covering(start, end)
        .order_by("order_id", "start_date", "id")
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


def _unplanned_in_force(contract: Contract, day: dt.date) -> QuerySet:
    """Each scheme's unplanned hours a week in force on `day` (the latest from on or before it)."""
    return (
        SchemeUnplannedHours.objects.filter(contract=contract, effective_from__lte=day)
        .order_by("scheme_id", "-effective_from")
        .distinct("scheme_id")
    )


def unplanned_hours_on(contract: Contract, day: dt.date) -> list[tuple[int, str, Decimal]]:
    """[(scheme id, name, hours a week)] in force on `day`."""
    return [
        (row.scheme_id, row.scheme.name, row.hours_per_week)
        for row in _unplanned_in_force(contract, day).select_related("scheme")
    ]


# A Norfolk run's inputs in one statement: the orders in force (the queryset's own SQL) with their
# people and versions; their visits in the period as a week's totals and the cancellations 4th or
# later in their run (`visits.selectors`' generated CTEs: runs read back across the period's
# start); the people's absences and the orders' approved variations overlapping the period (the
# querysets' SQL); the contract's rates and each scheme's unplanned hours in force on the period's
# first day. One round trip, a JSON document back (numbers as text, so every Decimal keeps its
# places). `hourly_inputs_from_querysets` (tests) gathers the same inputs query by query.
HOURLY_INPUTS_SQL = """
WITH o AS ({orders}),
{sequence},
{weeks},
late_runs AS (
    SELECT order_id FROM sequence GROUP BY order_id
    HAVING COUNT(*) FILTER (WHERE counted) >= %(unpaid_from)s
),
{positions}
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
    'visits', (SELECT json_agg(json_build_array(order_id, week, {totals}) ORDER BY order_id, week) FROM weeks),
    'late', (SELECT json_agg(json_build_array(order_id, week, id, minutes, position)) FROM ({late}) late),
    'absences', (
        SELECT json_agg(json_build_array(a.service_user_id, a.start_date, a.end_date, a.retainer_full_pay_until)
                        ORDER BY a.service_user_id, a.start_date, a.id)
        FROM ({absences}) a WHERE a.service_user_id IN (SELECT service_user_id FROM o)),
    'variations', (
        SELECT json_agg(json_build_array(t.order_id, t.start_date, t.end_date, t.extra_hours_per_week::text)
                        ORDER BY t.order_id, t.start_date, t.id)
        FROM ({variations}) t WHERE t.order_id IN (SELECT id FROM o)),
    'rates', (
        SELECT json_agg(json_build_array(r.effective_from, r.planned_hourly_rate::text,
                                         r.unplanned_hourly_rate::text) ORDER BY r.effective_from)
        FROM {rate} r WHERE r.contract_id = %(contract)s),
    'unplanned', (
        SELECT json_agg(json_build_array(u.scheme_id, s.name, u.hours_per_week::text) ORDER BY u.scheme_id)
        FROM ({unplanned}) u JOIN {scheme} s ON s.id = u.scheme_id)
)::text
"""


def lookback_start(start: dt.date) -> dt.date:
    """Where a Norfolk run's visit weeks start: the 4 weeks before the period too, so that a run of
    weeks over the commissioned hours that began before the period is counted `[004 App. 3 §4]`
    (only whether 4 weeks in a row were over matters, so 4 weeks back are enough)."""
    return start - dt.timedelta(days=7 * rules.TOLERANCE_WEEKS)


def _hourly_inputs_statement(contract: Contract, start: dt.date, end: dt.date) -> tuple[str, dict[str, Any]]:
    orders, orders_params = named_sql(
        orders_in_force(contract, start, end).values(
            "id", "reference", "service_user_id", "start_date", "end_date"
        ),
        "o",
    )
    absences, absences_params = named_sql(
        Absence.objects.overlapping(start, end).values(
            "id", "service_user_id", "start_date", "end_date", "retainer_full_pay_until"
        ),
        "a",
    )
    variations, variations_params = named_sql(
        TemporaryVariation.objects.approved_covering(lookback_start(start), end).values(
            "id", "order_id", "start_date", "end_date", "extra_hours_per_week"
        ),
        "t",
    )
    unplanned, unplanned_params = named_sql(
        _unplanned_in_force(contract, start).values("scheme_id", "hours_per_week"), "u"
    )
    sql = HOURLY_INPUTS_SQL.format(
        orders=orders,
        sequence=visit_selectors.run_sequence_ctes(),
        weeks=visit_selectors.week_totals_cte(),
        positions=visit_selectors.run_position_ctes("order_id IN (SELECT order_id FROM late_runs)"),
        totals=", ".join(visit_rules.WEEK_VISIT_TOTALS),
        late=visit_selectors.LATE_IN_RUN_SELECT,
        absences=absences,
        variations=variations,
        unplanned=unplanned,
        person=ServiceUser._meta.db_table,
        version=OrderVersion._meta.db_table,
        rate=ContractRate._meta.db_table,
        scheme=Scheme._meta.db_table,
    )
    return sql, {**orders_params, **absences_params, **variations_params, **unplanned_params}


def _day(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def hourly_inputs(contract: Contract, terms: InvoicingTerms, start: dt.date, end: dt.date) -> HourlyInputs:
    """Everything a Norfolk invoice is worked out from, in one round trip. The visits' weeks are
    indexed from the period's first week (0); the 4 weeks before it are −4 to −1 (`lookback_start`)."""
    sql, params = _hourly_inputs_statement(contract, start, end)
    params.update(
        contract=contract.pk,
        start=lookback_start(start),
        end=end,
        counted=sorted(visit_rules.PAYMENT_RUN_STATUSES),
        per_carer=bool(terms.count_each_carer),
        unpaid_from=visit_rules.UNPAID_FROM_RUN_POSITION,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        data = json.loads(cursor.fetchone()[0])
    orders = [
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
        for order_id, reference, person_id, (name, person_ref), o_start, o_end, versions in data["orders"]
        or ()
    ]
    late: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    back = rules.TOLERANCE_WEEKS
    for order_id, week, _visit_id, minutes, position in sorted(data["late"] or (), key=lambda row: row[2]):
        late[(order_id, week - back)].append((minutes, position))
    absences: dict[int, list[rules.AbsenceSpan]] = defaultdict(list)
    for person_id, a_start, a_end, full_until in data["absences"] or ():
        absences[person_id].append(
            rules.AbsenceSpan(dt.date.fromisoformat(a_start), _day(a_end), _day(full_until))
        )
    variations: dict[int, list[rules.VariationSpan]] = defaultdict(list)
    for order_id, v_start, v_end, extra in data["variations"] or ():
        variations[order_id].append(
            rules.VariationSpan(dt.date.fromisoformat(v_start), dt.date.fromisoformat(v_end), Decimal(extra))
        )
    return HourlyInputs(
        period_start=start,
        period_end=end,
        orders=orders,
        week_visits={
            (order_id, week - back): visit_selectors.week_visits_of(
                totals, late.get((order_id, week - back), ())
            )
            for order_id, week, *totals in data["visits"] or ()
        },
        absences=dict(absences),
        variations=dict(variations),
        rates=[
            (dt.date.fromisoformat(r_from), Decimal(planned), _decimal(unplanned))
            for r_from, planned, unplanned in data["rates"] or ()
        ],
        unplanned=[(scheme_id, name, Decimal(hours)) for scheme_id, name, hours in data["unplanned"] or ()],
        terms=terms_of(terms),
    )


def hourly_inputs_from_querysets(
    contract: Contract, terms: InvoicingTerms, start: dt.date, end: dt.date
) -> HourlyInputs:
    """The same inputs query by query (the one statement's test oracle)."""
    orders = order_inputs(orders_in_force(contract, start, end))
    ids = [o.id for o in orders]
    back = rules.TOLERANCE_WEEKS
    weeks = visit_selectors.week_visits(
        orders=ids, start=lookback_start(start), end=end, per_carer=terms.count_each_carer
    )
    return HourlyInputs(
        period_start=start,
        period_end=end,
        orders=orders,
        week_visits={(order_id, week - back): visits for (order_id, week), visits in weeks.items()},
        absences=absence_spans({o.service_user_id for o in orders}, start, end) if ids else {},
        variations=variation_spans(ids, lookback_start(start), end) if ids else {},
        rates=contract_rates(contract),
        unplanned=unplanned_hours_on(contract, start),
        terms=terms_of(terms),
    )


def package_inputs(contract: Contract, terms: InvoicingTerms, start: dt.date, end: dt.date) -> PackageInputs:
    orders = order_inputs(orders_in_force(contract, start, end))
    weeks = visit_selectors.week_visits(
        orders=[o.id for o in orders], start=start, end=end, per_carer=terms.count_each_carer
    )
    return PackageInputs(
        period_start=start,
        period_end=end,
        orders=orders,
        delivered={key: week.delivered_minutes for key, week in weeks.items() if week.delivered_minutes},
        terms=terms_of(terms),
    )


def block_volume_on(contract: Contract, day: dt.date) -> BlockVolume | None:
    """The agreed block volume in force on `day`: the latest from on or before it."""
    return contract.block_volumes.filter(effective_from__lte=day).order_by("-effective_from").first()


def block_inputs(contract: Contract, terms: InvoicingTerms, start: dt.date, end: dt.date) -> BlockInputs:
    """The quarter's block: the agreed volume and the composite rate in force on its first day."""
    rate = rules.rate_on([(r[0], r[1]) for r in contract_rates(contract)], start)
    volume = block_volume_on(contract, start)
    if volume is None:
        raise ValidationError(
            {
                "period_start": f"Contract {contract.reference} has no block volume in force on "
                f"{start:%-d %B %Y}: record the volume agreed at award before its block is invoiced."
            }
        )
    return BlockInputs(
        quarter_start=start,
        quarter_end=end,
        weekly_hours=volume.weekly_hours,
        volume_from=volume.effective_from,
        volume_source=volume.get_source_display(),
        rate=rate if rate is not None else Decimal("0.00"),
        terms=terms_of(terms),
    )


@dataclass(frozen=True)
class PaymentHold:
    """Where a block's payment follows monitoring `[002 App. 4 (a)–(b)]`: when it falls due (None
    while the previous quarter's KPI return is not in) and why."""

    due_on: dt.date | None
    held: bool
    reason: str


def block_payment_hold(invoice: Invoice, today: dt.date | None = None) -> PaymentHold | None:
    """The hold on a block invoice whose contract ties payment to monitoring; None otherwise."""
    if invoice.kind != InvoiceKind.BLOCK:
        return None
    contract = invoice.contract
    if not InvoicingTerms.for_contract(contract).payment_follows_monitoring:
        return None
    first_quarter = rules.quarter_of(contract.start_date)[0] == invoice.period_start
    submitted_on = None
    if not first_quarter:
        first = (
            KpiReturn.objects.filter(
                contract=contract,
                period_end=invoice.period_start - dt.timedelta(days=1),
                submitted_at__isnull=False,
            )
            .order_by("submitted_at")
            .values_list("submitted_at", flat=True)
            .first()
        )
        submitted_on = timezone.localdate(first) if first is not None else None
    due = rules.block_payment_due(
        invoice.period_start,
        monitoring_submitted_on=submitted_on,
        first_quarter_from=contract.start_date if first_quarter else None,
    )
    if first_quarter:
        why = f"the contract's first quarter: due 4 weeks after it started on {contract.start_date:%-d %B %Y}"
    elif submitted_on is None:
        why = "the previous quarter's monitoring (KPI) return has not been submitted"
    else:
        why = f"the previous quarter's monitoring (KPI) return was submitted on {submitted_on:%-d %B %Y}"
    today = today or timezone.localdate()
    if due is None:
        reason = f"Payment held: {why}. It falls due 4 weeks after the return is submitted [002 App. 4 (b)]."
    elif due > today:
        reason = f"Payment held until {due:%-d %B %Y}: {why} [002 App. 4 (b)]."
    else:
        reason = f"Payment due from {due:%-d %B %Y}: {why} [002 App. 4 (b)]."
    return PaymentHold(due, due is None or due > today, reason)


def review_allocations(contract: Contract, start: dt.date, end: dt.date) -> list[rules.OrderAllocation]:
    """Planned-care orders allocated to the provider at some time from start to end, each with
    the scheme its service user lives at."""
    orders = orders_in_force(contract, start, end, planned_only=True)
    schemes = dict(orders.values_list("id", "service_user__scheme__name"))
    return [
        rules.OrderAllocation(o.versions, o.start_date, o.end_date, schemes.get(o.id) or "No scheme")
        for o in order_inputs(orders)
    ]


# Tolerance week by week (the 4-week alert) ---------------------------------------------------


@dataclass
class OrderToleranceWeeks:
    """One order's last complete weeks against its contract's tolerance, oldest first."""

    order: OrderInput
    commissioner_id: int
    provider_id: int
    tolerance_percent: Decimal
    weeks: list[tuple[dt.date, rules.ToleranceWeek]]


def tolerance_first_weekday(contract: Contract, terms: InvoicingTerms) -> int:
    """The weekday the contract's weeks start on: the invoice's weeks (7 days from the payment
    period's first day, `[004 App. 6]`)."""
    return terms.anchor().weekday()


def tolerance_weeks(
    today: dt.date,
    *,
    count: int = rules.WEEKS_LOOKED_AT,
    orders: QuerySet[IndividualServiceOrder] | None = None,
) -> list[OrderToleranceWeeks]:
    """For every order of a contract with a tolerance (`rules.has_tolerance`: Norfolk's hourly
    contracts, not Derby's block nor Dorset's packages) in force over the last `count` complete
    weeks before `today` (or those of `orders`), each week against the tolerance as the invoice
    works it out (`rules.tolerance_week`, the contract's terms, each week's run of weeks over the
    commissioned hours read 4 weeks further back as the invoice reads it). A fixed number of
    queries: the orders, their variations, and one week-totals statement per kind of week."""
    back = rules.TOLERANCE_WEEKS
    window_start = today - dt.timedelta(days=7 * (count + back + 1))
    in_force = IndividualServiceOrder.objects.in_force(window_start, today - dt.timedelta(days=1)).filter(
        contract__payment_model__in=sorted(rules.TOLERANCE_PAYMENT_MODELS)
    )
    if orders is not None:
        in_force = in_force.filter(pk__in=orders.values("pk"))
    facts = {
        pk: (contract_id, commissioner_id, provider_id)
        for pk, contract_id, commissioner_id, provider_id in in_force.values_list(
            "pk", "contract_id", "commissioner_id", "provider_id"
        )
    }
    if not facts:
        return []
    contracts = {
        c.pk: (c, InvoicingTerms.for_contract(c))
        for c in Contract.objects.filter(pk__in={f[0] for f in facts.values()}).select_related(
            "invoicing_terms"
        )
    }
    inputs = {o.id: o for o in order_inputs(IndividualServiceOrder.objects.filter(pk__in=list(facts)))}
    variations = variation_spans(list(facts), window_start, today)
    # Orders whose weeks start on the same day and count carers alike share one statement.
    groups: dict[tuple[dt.date, bool], list[int]] = defaultdict(list)
    starts: dict[int, list[dt.date]] = {}
    for pk, (contract_id, _commissioner_id, _provider_id) in facts.items():
        contract, terms = contracts[contract_id]
        starts[pk] = rules.complete_weeks(today, tolerance_first_weekday(contract, terms), count + back)
        groups[(starts[pk][0], terms.count_each_carer)].append(pk)
    delivered: dict[tuple[int, int], visit_rules.WeekVisits] = {}
    for (first, per_carer), ids in groups.items():
        end = first + dt.timedelta(days=7 * (count + back) - 1)
        delivered.update(visit_selectors.week_visits(orders=ids, start=first, end=end, per_carer=per_carer))
    empty = visit_rules.WeekVisits()
    result = []
    for pk in sorted(facts):
        contract_id, commissioner_id, provider_id = facts[pk]
        order, terms = inputs[pk], contracts[contract_id][1]
        weeks = []
        run = 0
        for index, week_start in enumerate(starts[pk]):
            visits = delivered.get((pk, index), empty)
            week = rules.tolerance_week(
                versions=order.versions,
                week_start=week_start,
                week_end=week_start + dt.timedelta(days=6),
                order_start=order.start_date,
                order_end=order.end_date,
                variations=variations.get(pk, []),
                delivered_minutes=visits.delivered_minutes,
                paid_not_delivered_minutes=visits.paid_not_delivered_minutes,
                tolerance_percent=terms.tolerance_percent,
                weeks_over_before=run,
            )
            run = week.run_week
            weeks.append((week_start, week))
        result.append(
            OrderToleranceWeeks(order, commissioner_id, provider_id, terms.tolerance_percent, weeks[back:])
        )
    return result


# Hours used and unused (Derby `[002 §3.5]`) ---------------------------------------------------


def hours_used_and_unused(contract: Contract, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Per planned-care order from start to end: hours allocated (day-weighted), used (delivered)
    and not used, with the unused hours split by reason — each visit status's reason and measure
    from `visits.rules.STATUS_RULES`, then absences, then what the records do not explain. The
    week totals the invoice uses, summed over the weeks; two queries for the whole contract."""
    orders = order_inputs(orders_in_force(contract, start, end, planned_only=True))
    weeks = visit_selectors.week_visits(
        orders=[o.id for o in orders],
        start=start,
        end=end,
        per_carer=InvoicingTerms.for_contract(contract).count_each_carer,
    )
    per_order: dict[int, list[visit_rules.WeekVisits]] = defaultdict(list)
    for (order_id, _week), week in weeks.items():
        per_order[order_id].append(week)
    absences = absence_spans({o.service_user_id for o in orders}, start, end)
    labels = [*visit_rules.UNUSED_REASONS, ("absent", ABSENT), ("unexplained", UNEXPLAINED)]
    report = []
    for order in sorted(orders, key=lambda o: (o.service_user_name, o.reference)):
        in_force = {"order_start": order.start_date, "order_end": order.end_date}
        allocated = rules.exact(rules.commissioned_minutes(order.versions, start, end, **in_force))
        order_weeks = per_order.get(order.id, [])
        used = Fraction(sum(w.delivered_minutes for w in order_weeks))
        reasons = {
            key: Fraction(sum(w.unused_minutes(key) for w in order_weeks))
            for key, _ in visit_rules.UNUSED_REASONS
        }
        reasons["absent"] = sum(
            (
                rules.exact(rules.commissioned_minutes(order.versions, span[0], span[1], **in_force))
                for absence in absences.get(order.service_user_id, [])
                if (span := rules.clip(absence.start, absence.end, start, end))
            ),
            Fraction(0),
        )
        unused = max(Fraction(0), allocated - used)
        # What the records do not explain; none when they explain more than the gap (visits that
        # ran longer than scheduled make up for some of what was not delivered).
        reasons["unexplained"] = max(Fraction(0), unused - sum(reasons.values(), Fraction(0)))
        report.append(
            {
                "order": order,
                "allocated_hours": _hours2(allocated),
                "used_hours": _hours2(used),
                "unused_hours": _hours2(unused),
                "over_hours": _hours2(max(Fraction(0), used - allocated)),
                "reasons": [(label, _hours2(reasons[key])) for key, label in labels if reasons[key]],
            }
        )
    return report


ABSENT = "The person was away (hospital, holiday)"
UNEXPLAINED = "Not scheduled or not explained by a visit record"


def _hours2(minutes: Fraction) -> Decimal:
    return rules.round_half_up(rules.as_decimal(minutes / 60), rules.TWO_PLACES).quantize(rules.TWO_PLACES)


# Scoped reads for pages and the API ------------------------------------------------------------


def invoices_for(user: User) -> QuerySet:
    return scoped(Invoice, user).select_related("contract", "commissioner", "provider")


def invoice_lines(user: User, invoice: Invoice) -> QuerySet:
    return (
        scoped(InvoiceLine, user)
        .filter(invoice=invoice)
        .select_related("order", "order__service_user", "scheme")
        .order_by("position")
    )


def bank_base_rates() -> list[tuple[dt.date, Decimal]]:
    """The Bank of England base rates the site administrator keeps, (effective from, rate %)."""
    return list(BankBaseRate.objects.order_by("effective_from").values_list("effective_from", "rate_percent"))


def late_payment_interest(invoice: Invoice) -> interest.InterestCharge | None:
    """The statutory interest the provider may charge on a paid invoice: on an undisputed invoice
    paid late, from 15 working days after its due date `[004 App. 6 §3.4]`; on the disputed part
    of an invoice, paid because the dispute was settled in the provider's favour, from the date it
    should have been paid (30 days after the council received the invoice) `[004 App. 6 §4.4 a]`.
    None for an invoice not yet paid, paid in time, or an interest invoice. On the net payable."""
    if (
        invoice.status != InvoiceStatus.PAID
        or invoice.paid_on is None
        or invoice.payment_due_on is None
        or invoice.kind == InvoiceKind.INTEREST
        or invoice.net_payable <= 0  # all of it set off: nothing was owed [004 App. 6 §5.1]
    ):
        return None
    if invoice.part.endswith("D"):
        if invoice.received_on is None:
            return None
        terms = InvoicingTerms.for_contract(invoice.contract)
        should_have_been_paid = rules.payment_due_on(invoice.received_on, terms.payment_days)
        return interest.statutory_interest(
            invoice.net_payable,
            should_have_been_paid,
            invoice.paid_on,
            bank_base_rates(),
            grace_working_days=0,
        )
    return interest.statutory_interest(
        invoice.net_payable, invoice.payment_due_on, invoice.paid_on, bank_base_rates()
    )


def invoice_revision(user: User, invoice: Invoice, revision: int) -> Invoice | None:
    """Revision `revision` of the invoice for the same contract and period (parts aside), if any."""
    if invoice.part or revision < 1:
        return None
    same_period = {"contract_id": invoice.contract_id, "period_start": invoice.period_start, "part": ""}
    return scoped(Invoice, user).filter(**same_period, revision=revision).first()


def previous_revision(user: User, invoice: Invoice) -> Invoice | None:
    """The revision this invoice replaced (R1 for R2), if any."""
    return invoice_revision(user, invoice, invoice.revision - 1)


@dataclass(frozen=True)
class LineChange:
    description: str
    before_quantity: Decimal | None
    after_quantity: Decimal | None
    before_amount: Decimal | None
    after_amount: Decimal | None

    @property
    def change(self) -> Decimal:
        return (self.after_amount or Decimal("0.00")) - (self.before_amount or Decimal("0.00"))


def revision_changes(before: Iterable[InvoiceLine], after: Iterable[InvoiceLine]) -> list[LineChange]:
    """Line by line, what a revision changed: lines matched on what they are for (kind, order,
    scheme, week, unit); a line on one side only was added or removed. Unchanged lines are left out."""

    def key(line: InvoiceLine) -> tuple:
        return (line.kind, line.order_id, line.scheme_id, line.week_start, line.unit)

    old = {key(line): line for line in before}
    changes = []
    for line in after:
        was = old.pop(key(line), None)
        if was is not None and (was.quantity, was.net_amount) == (line.quantity, line.net_amount):
            continue
        changes.append(
            LineChange(
                line.description,
                was.quantity if was else None,
                line.quantity,
                was.net_amount if was else None,
                line.net_amount,
            )
        )
    changes += [LineChange(was.description, was.quantity, None, was.net_amount, None) for was in old.values()]
    return changes


def call_monitoring_visits(user: User, invoice: Invoice) -> QuerySet:
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


def line_visits(user: User, line: InvoiceLine) -> list[tuple[Visit, int | None]]:
    """The visits behind an order-week line, each with its place in a run of cancellations."""
    if line.order_id is None or line.week_start is None or line.week_end is None:
        return []
    visits = list(
        scoped(Visit, user)
        .filter(order_id=line.order_id, visit_date__gte=line.week_start, visit_date__lte=line.week_end)
        .order_by("scheduled_start", "id")
    )
    positions = {}
    if any(v.status in visit_rules.PAYMENT_RUN_STATUSES for v in visits):
        positions = visit_selectors.run_positions(
            orders=[line.order_id],
            start=line.week_start,
            end=line.week_end,
            counted=visit_rules.PAYMENT_RUN_STATUSES,
        )
    return [(v, positions.get(v.pk)) for v in visits]


def line_retainer_agreements(user: User, line: InvoiceLine) -> QuerySet[Absence]:
    """The absences behind a line's retainer on which the social worker agreed in writing to pay
    in full for longer than 7 days `[004 §1.6.1 b]`: the line page shows who agreed, when, to which day."""
    if line.order_id is None or line.week_start is None or line.week_end is None:
        return Absence.objects.none()
    return (
        scoped(Absence, user)
        .filter(service_user__orders=line.order_id, retainer_full_pay_until__isnull=False)
        .overlapping(line.week_start, line.week_end)
        .order_by("start_date")
    )


def invoice_dispute(user: User, invoice: Invoice) -> InvoiceDispute | None:
    """The dispute that split this invoice, or that this invoice came out of."""
    return (
        scoped(InvoiceDispute, user)
        .filter(Q(invoice=invoice) | Q(disputed_invoice=invoice) | Q(undisputed_invoice=invoice))
        .select_related("invoice", "disputed_invoice", "undisputed_invoice", "raised_by", "resolved_by")
        .first()
    )


def remittances_for(user: User) -> QuerySet:
    return scoped(Remittance, user).select_related("invoice", "invoice__commissioner", "invoice__provider")


def block_reviews_for(user: User) -> QuerySet:
    return scoped(BlockVolumeReview, user).select_related(
        "contract", "contract__provider", "contract__commissioner"
    )


def block_review_for_invoice(user: User, invoice: Invoice) -> BlockVolumeReview | None:
    return (
        block_reviews_for(user)
        .filter(contract=invoice.contract_id, quarter_start=invoice.period_start)
        .first()
    )
