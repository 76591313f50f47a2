"""Builds an invoice's detail schedule — its lines — from inputs the selectors gathered. No ORM.

Each builder applies `invoicing.rules` to every order and week and returns `LineSpec`s with the
steps that produced each figure (`breakdown`), so a line can be explained without recomputing it.
The digest of the inputs tells a regenerated draft whether anything changed.
"""

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from packages_of_care.rules import Version

from . import rules

PLANNED_CARE = "planned_care"
UNAUTHORISED = "unauthorised_excess"
UNPLANNED_CARE = "unplanned_care"
BLOCK = "block_payment"
PACKAGE = "weekly_package"

UNAUTHORISED_REASON = (
    "Delivered hours above the tolerance with no temporary variation authorising them: "
    "treated as disputed [004 App. 6 §3.3]."
)


@dataclass
class OrderInput:
    id: int
    reference: str
    service_user_id: int
    service_user_name: str
    service_user_reference: str
    start_date: dt.date
    end_date: dt.date | None
    versions: list[Version] = field(default_factory=list)

    @property
    def who(self) -> str:
        return f"{self.service_user_name} ({self.service_user_reference})"


@dataclass
class Terms:
    vat_code: str = "exempt"
    vat_rate: Decimal = Decimal("0")
    tolerance_percent: Decimal = Decimal("20")
    package_tolerance_hours: Decimal = Decimal("5")
    block_review_threshold_percent: Decimal = Decimal("5")
    block_weeks_per_quarter: int = 13
    count_each_carer: bool = True


@dataclass
class HourlyInputs:
    period_start: dt.date
    period_end: dt.date
    orders: list[OrderInput]
    # (order id, week index) -> visits; weeks −4 to −1 are the 4 before the period (the tolerance's run)
    week_visits: dict[tuple[int, int], rules.WeekVisits]
    absences: dict[int, list[rules.AbsenceSpan]]  # service user id -> absences
    variations: dict[int, list[rules.VariationSpan]]  # order id -> approved variations
    rates: list[tuple[dt.date, Decimal, Decimal | None]]  # (from, planned, unplanned)
    unplanned: list[tuple[int, str, Decimal]]  # (scheme id, scheme name, hours per week)
    terms: Terms


@dataclass
class LineSpec:
    kind: str
    description: str
    quantity: Decimal
    rate: Decimal
    net_amount: Decimal
    unit: str = "hour"
    order_id: int | None = None
    scheme_id: int | None = None
    week_start: dt.date | None = None
    week_end: dt.date | None = None
    commissioned_minutes: Decimal = Decimal("0")
    delivered_minutes: int = 0
    paid_not_delivered_minutes: int = 0
    retainer_minutes: Decimal = Decimal("0")
    allowance_minutes: Decimal = Decimal("0")
    unauthorised_minutes: Decimal = Decimal("0")
    delivered_hours: Decimal = Decimal("0")
    vat_code: str = "exempt"
    vat_rate: Decimal = Decimal("0")
    vat_amount: Decimal = Decimal("0.00")
    disputed: bool = False
    dispute_reason: str = ""
    review_flag: bool = False
    review_note: str = ""
    breakdown: dict = field(default_factory=dict)  # plain JSON values only


def jsonable(value):
    if isinstance(value, Decimal | Fraction):
        return str(rules.four_places(value) if isinstance(value, Fraction) else value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


# Bump when a rule changes, so that drafts are worked out again on their next run.
RULES_VERSION = "2026-12-05-tolerance-weeks"


def inputs_digest(inputs) -> str:
    """A fingerprint of everything an invoice is worked out from (and of the rules' version):
    equal digests mean a regenerated draft would change nothing, so the run skips the work. The
    selectors return inputs in a fixed order, so their repr is stable."""
    parts: list = [RULES_VERSION, type(inputs).__name__]
    for f in fields(inputs):
        value = getattr(inputs, f.name)
        parts.append(sorted(value.items()) if isinstance(value, dict) else value)
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _with_vat(spec: LineSpec, terms: Terms) -> LineSpec:
    spec.vat_code = terms.vat_code
    spec.vat_rate = terms.vat_rate
    spec.vat_amount = rules.vat_amount(spec.net_amount, terms.vat_rate)
    return spec


def _week_label(index: int, start: dt.date, end: dt.date) -> str:
    return f"week {index + 1} ({start:%-d %b} – {end:%-d %b %Y})"


def _versions_shown(versions: Sequence[Version]):
    """The versions of one order that priced some day from start to end, as a function of
    (start, end) giving [[from, weekly hours, weekly price]]: worked out once per order, asked
    once per week."""
    ordered = sorted(versions, key=lambda v: v.effective_from)
    items = []
    for v in ordered:
        next_from = min(
            (w.effective_from for w in versions if w.effective_from > v.effective_from), default=None
        )
        price = None if v.weekly_price is None else str(v.weekly_price)
        items.append((v.effective_from, next_from, v.effective_from.isoformat(), str(v.weekly_hours), price))

    def shown(start: dt.date, end: dt.date) -> list[list]:
        return [
            [iso, hours, price]
            for effective_from, next_from, iso, hours, price in items
            if effective_from <= end and (next_from is None or next_from > start)
        ]

    return shown


ZERO4 = Decimal("0.0000")
# Minutes × 7 → minutes to 4 places: a pure function of the value (the result is quantized, so
# equal Decimals of any exponent give the same figure), met again and again across a run's lines.
_minutes_from_sevenths = lru_cache(maxsize=16384)(rules.minutes_from_sevenths)


def _minutes(minutes7: Decimal) -> Decimal:
    return _minutes_from_sevenths(minutes7) if minutes7 else ZERO4


def _m(minutes7: Decimal) -> str:
    return str(_minutes(minutes7))


def weeks_over_before(
    order: OrderInput, inputs: HourlyInputs, variations: Sequence[rules.VariationSpan]
) -> int:
    """How many weeks in a row, just before the period, the order's delivered plus paid-not-
    delivered minutes were over its commissioned minutes plus variations (0–4): the tolerance's
    run crosses the period's start `[004 App. 3 §4]`."""
    back = rules.TOLERANCE_WEEKS
    if (order.id, -1) not in inputs.week_visits:
        return 0  # nothing delivered or paid the week before: no run to carry in
    first = inputs.period_start - dt.timedelta(days=7 * back)
    day_hours = rules.hours_by_day(
        order.versions,
        first,
        inputs.period_start - dt.timedelta(days=1),
        order_start=order.start_date,
        order_end=order.end_date,
    )
    run = 0
    for index in range(back):
        visits = inputs.week_visits.get((order.id, index - back))
        if visits is None:
            run = 0
            continue
        week_start = first + dt.timedelta(days=7 * index)
        run = rules.tolerance_week(
            versions=order.versions,
            week_start=week_start,
            week_end=week_start + dt.timedelta(days=6),
            order_start=order.start_date,
            order_end=order.end_date,
            variations=variations,
            delivered_minutes=visits.delivered_minutes,
            paid_not_delivered_minutes=visits.paid_not_delivered_minutes,
            tolerance_percent=inputs.terms.tolerance_percent,
            weeks_over_before=run,
            day_hours=day_hours[7 * index : 7 * index + 7],
        ).run_week
    return run


def hourly_schedule(inputs: HourlyInputs) -> list[LineSpec]:
    """Norfolk: a line per order per week (plus its unauthorised excess, if any) and a line per
    scheme for unplanned care."""
    specs: list[LineSpec] = []
    weeks = rules.period_weeks(inputs.period_start, inputs.period_end)
    planned_rates = [(r[0], r[1]) for r in inputs.rates]
    labels = [_week_label(i, ws, we) for i, (ws, we) in enumerate(weeks)]
    # The rate in force on each week's first day, and the date it took effect.
    week_rates = [rules.rate_on(planned_rates, ws) for ws, _we in weeks]
    rates_from = [
        max(d for d, _ in planned_rates if d <= ws).isoformat() if rate is not None else None
        for rate, (ws, _we) in zip(week_rates, weeks, strict=True)
    ]
    empty = rules.WeekVisits()
    tolerance = str(inputs.terms.tolerance_percent)
    # Each week's days as offsets into the period's days (`rules.hours_by_day`).
    week_days = [
        ((week_start - inputs.period_start).days, (week_end - inputs.period_start).days + 1)
        for week_start, week_end in weeks
    ]
    for order in sorted(inputs.orders, key=lambda o: (o.service_user_name, o.reference, o.id)):
        absences = inputs.absences.get(order.service_user_id, [])
        variations = inputs.variations.get(order.id, [])
        who = f"{order.reference} – {order.who}"
        # The weekly hours in force each day of the period, and the versions shown, once per order.
        day_hours = rules.hours_by_day(
            order.versions,
            inputs.period_start,
            inputs.period_end,
            order_start=order.start_date,
            order_end=order.end_date,
        )
        versions_in = _versions_shown(order.versions)
        run = weeks_over_before(order, inputs, variations)
        for index, (week_start, week_end) in enumerate(weeks):
            if order.start_date > week_end or (order.end_date is not None and order.end_date < week_start):
                run = 0  # nothing commissioned: the run ends
                continue
            rate = week_rates[index]
            if rate is None:
                run = 0
                continue  # no rate before the contract's first: nothing can be priced
            visits = inputs.week_visits.get((order.id, index), empty)
            first_day, last_day = week_days[index]
            week = rules.hourly_week(
                versions=order.versions,
                week_start=week_start,
                week_end=week_end,
                order_start=order.start_date,
                order_end=order.end_date,
                visits=visits,
                absences=absences,
                variations=variations,
                rate=rate,
                tolerance_percent=inputs.terms.tolerance_percent,
                weeks_over_before=run,
                day_hours=day_hours[first_day:last_day],
            )
            run = week.run_week
            rate_from = rates_from[index]
            breakdown = {
                "rule": "[004 App. 3, App. 6 §2–3]",
                "rate_from": rate_from,
                "versions": versions_in(week_start, week_end),
                "visits": visits.by_status(),
                "retainer_days": [
                    [d.day.isoformat(), d.absence_day, str(d.factor), _m(d.minutes7), d.full_pay_days]
                    for d in week.retainer_days
                ],
                "variation_extra_minutes": _m(week.extra7),
                "tolerance_percent": tolerance,
                "tolerance_run_week": week.run_week,
                "payable_minutes": _m(week.payable7),
            }
            specs.append(
                _with_vat(
                    LineSpec(
                        kind=PLANNED_CARE,
                        description=f"{who}, {labels[index]}",
                        order_id=order.id,
                        week_start=week_start,
                        week_end=week_end,
                        commissioned_minutes=_minutes_from_sevenths(week.commissioned7),
                        delivered_minutes=week.delivered_minutes,
                        paid_not_delivered_minutes=week.paid_not_delivered_minutes,
                        retainer_minutes=_minutes(week.retainer7),
                        allowance_minutes=_minutes_from_sevenths(week.allowance7),
                        unauthorised_minutes=_minutes(week.unauthorised7),
                        delivered_hours=week.delivered_hours,
                        quantity=week.payable_hours,
                        rate=rate,
                        net_amount=week.amount,
                        breakdown=breakdown,
                    ),
                    inputs.terms,
                )
            )
            if week.unauthorised7 > 0:
                specs.append(
                    _with_vat(
                        LineSpec(
                            kind=UNAUTHORISED,
                            description=f"{who}, {labels[index]}: hours over tolerance, not authorised",
                            order_id=order.id,
                            week_start=week_start,
                            week_end=week_end,
                            commissioned_minutes=rules.minutes_from_sevenths(week.commissioned7),
                            delivered_minutes=week.delivered_minutes,
                            allowance_minutes=rules.minutes_from_sevenths(week.allowance7),
                            unauthorised_minutes=rules.minutes_from_sevenths(week.unauthorised7),
                            quantity=week.unauthorised_hours,
                            rate=rate,
                            net_amount=week.unauthorised_amount,
                            disputed=True,
                            dispute_reason=UNAUTHORISED_REASON,
                            breakdown={
                                "rule": "[004 App. 6 §2.2.3, §3.3]",
                                "rate_from": rate_from,
                                "variation_extra_minutes": _m(week.extra7),
                                "tolerance_percent": str(inputs.terms.tolerance_percent),
                                "tolerance_run_week": week.run_week,
                                "paid_not_delivered_minutes": week.paid_not_delivered_minutes,
                            },
                        ),
                        inputs.terms,
                    )
                )
    unplanned_rates = [(r[0], r[2]) for r in inputs.rates if r[2] is not None]
    unplanned_rate = rules.rate_on(unplanned_rates, inputs.period_start)
    if unplanned_rate is not None:
        for scheme_id, scheme_name, hours_per_week in sorted(inputs.unplanned, key=lambda u: (u[1], u[0])):
            if not hours_per_week:
                continue
            care = rules.unplanned_care(hours_per_week, unplanned_rate)
            specs.append(
                _with_vat(
                    LineSpec(
                        kind=UNPLANNED_CARE,
                        description=f"Unplanned care (Peace of Mind), {scheme_name}: "
                        f"{hours_per_week.normalize():f} h a week × {care.weeks} weeks",
                        scheme_id=scheme_id,
                        week_start=inputs.period_start,
                        week_end=inputs.period_end,
                        quantity=care.hours,
                        rate=unplanned_rate,
                        net_amount=care.amount,
                        breakdown=jsonable(
                            {
                                "rule": "[004 App. 3 §5, App. 6 §1.1.5]",
                                "hours_per_week": hours_per_week,
                                "weeks": care.weeks,
                                "rate_from": max(d for d, _ in unplanned_rates if d <= inputs.period_start),
                            }
                        ),
                    ),
                    inputs.terms,
                )
            )
    return specs


@dataclass
class BlockInputs:
    quarter_start: dt.date
    quarter_end: dt.date
    weekly_hours: Decimal  # the agreed block volume in force on the quarter's first day
    volume_from: dt.date
    volume_source: str
    rate: Decimal
    terms: Terms


def block_schedule(inputs: BlockInputs) -> list[LineSpec]:
    """Derby: one line, the quarter's block payment: the agreed block volume × 13 × the composite
    rate `[002 §1, App. 4]`. The live hours of orders play no part."""
    weekly_hours = inputs.weekly_hours
    block = rules.block_payment(weekly_hours, inputs.rate, inputs.terms.block_weeks_per_quarter)
    return [
        _with_vat(
            LineSpec(
                kind=BLOCK,
                description=f"Block payment, quarter {inputs.quarter_start:%-d %b} – {inputs.quarter_end:%-d %b %Y}: "
                f"{weekly_hours.normalize():f} h a week (block volume from {inputs.volume_from:%-d %b %Y}) "
                f"× {block.weeks} weeks",
                week_start=inputs.quarter_start,
                week_end=inputs.quarter_end,
                commissioned_minutes=rules.four_places(Decimal(weekly_hours) * 60),
                quantity=block.hours,
                rate=inputs.rate,
                net_amount=block.amount,
                breakdown=jsonable(
                    {
                        "rule": "[002 §1, App. 4]",
                        "weekly_hours": weekly_hours,
                        "weeks": block.weeks,
                        "volume_from": inputs.volume_from,
                        "volume_source": inputs.volume_source,
                    }
                ),
            ),
            inputs.terms,
        )
    ]


@dataclass
class PackageInputs:
    period_start: dt.date
    period_end: dt.date
    orders: list[OrderInput]
    delivered: dict[tuple[int, int], int]  # (order id, week index) -> delivered minutes
    terms: Terms


def package_schedule(inputs: PackageInputs) -> list[LineSpec]:
    """Dorset: a line per order per week at its package price, pro rata by day; orders whose
    delivered hours differ from commissioned by more than the tolerance are flagged `[000 §1.4]`."""
    specs: list[LineSpec] = []
    weeks = rules.period_weeks(inputs.period_start, inputs.period_end)
    for order in sorted(inputs.orders, key=lambda o: (o.service_user_name, o.reference, o.id)):
        order_specs = []
        period_commissioned = Fraction(0)
        period_delivered = 0
        versions_in = _versions_shown(order.versions)
        for index, (week_start, week_end) in enumerate(weeks):
            if order.start_date > week_end or (order.end_date is not None and order.end_date < week_start):
                continue
            week = rules.package_week(
                order.versions, week_start, week_end, order_start=order.start_date, order_end=order.end_date
            )
            delivered = inputs.delivered.get((order.id, index), 0)
            period_commissioned += week.commissioned_minutes
            period_delivered += delivered
            price = week.weekly_price if week.weekly_price is not None else Decimal("0.00")
            order_specs.append(
                LineSpec(
                    kind=PACKAGE,
                    description=f"{order.reference} – {order.who}, {_week_label(index, week_start, week_end)}: "
                    f"{week.days_in_force} of 7 days",
                    unit="day",
                    order_id=order.id,
                    week_start=week_start,
                    week_end=week_end,
                    commissioned_minutes=rules.four_places(week.commissioned_minutes),
                    delivered_minutes=delivered,
                    delivered_hours=rules.hours_from_minutes(delivered),
                    quantity=Decimal(week.days_in_force),
                    rate=price,
                    net_amount=week.amount,
                    breakdown={
                        "rule": "[000 §1.4]",
                        "versions": versions_in(week_start, week_end),
                        "days_in_force": week.days_in_force,
                    },
                )
            )
        review = rules.package_period_review(
            period_delivered, period_commissioned, inputs.terms.package_tolerance_hours
        )
        for spec in order_specs:
            spec.breakdown["period_review"] = jsonable(
                {
                    "delivered_hours": review.delivered_hours,
                    "commissioned_hours": review.commissioned_hours,
                    "difference_hours": review.difference_hours,
                    "tolerance_hours": inputs.terms.package_tolerance_hours,
                }
            )
            if review.flagged:
                spec.review_flag = True
                spec.review_note = (
                    f"Delivered {review.delivered_hours} h against {review.commissioned_hours} h commissioned over "
                    f"the period ({review.difference_hours:+} h): more than "
                    f"{inputs.terms.package_tolerance_hours.normalize():f} h apart, flagged for review [000 §1.4]."
                )
            specs.append(_with_vat(spec, inputs.terms))
    return specs


def totals(specs: Sequence[LineSpec]) -> dict[str, Decimal]:
    """The summary invoice: the sum of the rounded lines `[004 App. 6 §3.1 c]`."""
    net = sum((s.net_amount for s in specs), Decimal("0.00"))
    vat = sum((s.vat_amount for s in specs), Decimal("0.00"))
    disputed = sum((s.net_amount for s in specs if s.disputed), Decimal("0.00"))
    return {"net_total": net, "vat_total": vat, "gross_total": net + vat, "disputed_total": disputed}
