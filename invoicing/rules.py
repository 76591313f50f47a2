"""Invoicing rules, to the penny. Pure functions: no ORM, no I/O.

Norfolk, hourly, 4-weekly `[004 §1.6, App. 3, App. 6]` — for each order and each 7-day week of a
28-day payment period (weeks start on the period's first day):

- delivered minutes = actual minutes of `completed` and `shortened_by_service_user` visits;
- paid-not-delivered minutes = scheduled minutes of `aborted` visits, plus scheduled − actual of
  each `shortened_by_service_user` visit, plus scheduled minutes of each `cancelled_short_notice`
  visit unless it is the 4th or later in its run of consecutive cancellations (either kind counts
  towards the run; runs cross week and period boundaries — `visits.selectors.run_positions`);
  nothing for `cancelled_with_notice` or `missed`;
- commissioned minutes = Σ over the week's days of the weekly hours in force that day × 60 ÷ 7
  (`packages_of_care.rules.commissioned_minutes`; days outside the order's dates carry nothing);
- absence retainer = for each day of the week inside an absence, that day's commissioned minutes ×
  1 (days 1–7 of the absence) or × ½ (days 8–14), nothing after. Day 1 is the absence's start
  date, and the count runs on across weeks and periods; a day on which the order is not in force
  has no commissioned minutes and so earns nothing;
- tolerance: the week's allowance is 120% of its commissioned minutes **plus**, for each approved
  temporary variation, its extra hours per week × 60 ÷ 7 for each day of the week that the
  variation covers while the order is in force (so a variation covering 3 days of the week adds
  3/7 of its weekly extra). Delivered minutes above the allowance are the unauthorised excess:
  they leave the week's line and go on a line of their own, carried as disputed
  `[004 App. 6 §3.3]`;
- payable minutes = delivered + paid-not-delivered + retainer − unauthorised excess; payable hours
  = payable minutes ÷ 60 rounded to the nearest quarter-hour, halves up; delivered hours are shown
  rounded the same way;
- amount = payable hours × the planned-care hourly rate in force on the week's first day, rounded
  to the penny, halves up. VAT per line from its VAT code. The invoice total is the sum of its
  (rounded) lines.
- unplanned care (Peace of Mind) = the scheme's unplanned hours per week × 4 × the unplanned rate
  in force on the period's first day: 98 h × 4 × £24.28 = £9,517.76 `[004 App. 3 §5]`.

Derby, quarterly block `[002 §1, App. 4]`: the block = weekly hours of the provider's live
planned-care orders on the quarter's first day × 13 × the composite hourly rate. The review
compares the average weekly hours allocated over the previous 6 months (Σ of day-weighted
commissioned hours ÷ the window's weeks) with the weekly hours of the quarter's block; more than
5% apart (of the block's figure) → an updated block is proposed on the average, rounded to 2
decimal places of an hour.

Dorset, weekly package `[000 §1.4]`: each week the order is in force pays its weekly price, pro rata
by day for part weeks (`packages_of_care.rules.package_price`), rounded to the penny per week.
Delivered and commissioned hours differing by more than 5 hours over the period flag the order's
lines for review; the payment does not change.

Exactness. Day-weighted minutes are sevenths; the shared rules divide by 7 once and return 28
significant digits. Summing such values could land a hair under a rounding boundary (427.4999…
instead of 427.5 minutes = 7.125 hours, which rounds *up*), so a week is worked out in minutes
× 7 (`sevenths`), where every figure is an exact Decimal with at most two places, and divided
once at the end: a figure on a rounding boundary is then a terminating decimal, exact. Rounding is
`portal.money`'s, once per figure.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import lru_cache

from packages_of_care.rules import VersionLike, commissioned_minutes, package_price, version_in_force
from portal.money import pennies, quarter_hours, round_half_up
from portal.workdays import add_working_days

PERIOD_DAYS = 28
WEEKS_PER_PERIOD = 4
SIXTY = Fraction(60)
SEVEN = Fraction(7)
SIXTY_D = Decimal(60)
SEVEN_D = Decimal(7)
FOUR_TWENTY = Decimal(420)  # minutes × 7 per hour
HUNDRED = Decimal(100)
ZERO = Decimal(0)
HALF = Decimal("0.5")
ONE = Decimal(1)
TENTH = Decimal("0.1")
NO_HOURS = Decimal("0.00")
NO_MONEY = Decimal("0.00")
FOUR_PLACES = Decimal("0.0001")
TWO_PLACES = Decimal("0.01")

# Statuses (visits.models.VisitStatus values; kept as strings so the rules need no models).
COMPLETED = "completed"
SHORTENED = "shortened_by_service_user"
ABORTED = "aborted"
CANCELLED_SHORT_NOTICE = "cancelled_short_notice"
CANCELLED_WITH_NOTICE = "cancelled_with_notice"
MISSED = "missed"
SCHEDULED = "scheduled"
UNPAID_FROM_RUN_POSITION = 4  # the 4th or later consecutive cancellation is not paid [004 App. 6 §3 c]


# Exactness ---------------------------------------------------------------------------------------


def exact(minutes: Decimal) -> Fraction:
    """The exact value of a day-weighted figure from `packages_of_care.rules`: weekly hours (in
    hundredths) × 60 ÷ 7 has a denominator dividing 35, and the 28-digit Decimal is within 1e-20
    of it, so the nearest fraction with a small denominator is the true value."""
    return Fraction(minutes).limit_denominator(7000)


def as_decimal(value: Fraction) -> Decimal:
    """A fraction as a Decimal: exact when it terminates within 28 digits (every rounding boundary
    does), otherwise correct to 28 digits, which no boundary can be confused with."""
    return Decimal(value.numerator) / Decimal(value.denominator)


def four_places(value: Fraction | Decimal) -> Decimal:
    """For display and storage of minutes: 4 decimal places, half up."""
    value = as_decimal(value) if isinstance(value, Fraction) else value
    return round_half_up(value, FOUR_PLACES).quantize(FOUR_PLACES)


def minutes_from_sevenths(minutes7: Decimal) -> Decimal:
    """Minutes × 7 → minutes to 4 decimal places, for display and storage."""
    return round_half_up(minutes7 / SEVEN_D, FOUR_PLACES).quantize(FOUR_PLACES)


def hours_from_minutes(minutes: Fraction | int | Decimal) -> Decimal:
    """Minutes → hours rounded to the nearest quarter-hour, halves up `[004 App. 3 §6]`."""
    return quarter_hours(as_decimal(Fraction(minutes) / SIXTY))


# Periods -----------------------------------------------------------------------------------------


def payment_period(anchor: dt.date, day: dt.date, length_days: int = PERIOD_DAYS) -> tuple[dt.date, dt.date]:
    """The payment period containing `day`: periods run in steps of 28 days from `anchor`
    (backwards too). Norfolk anchored on 1 Apr 2024: 1 Jun 2026 is in 25 May – 21 Jun 2026."""
    index = (day - anchor).days // length_days
    start = anchor + dt.timedelta(days=index * length_days)
    return start, start + dt.timedelta(days=length_days - 1)


def period_number(anchor: dt.date, period_start: dt.date, length_days: int = PERIOD_DAYS) -> int:
    """1 for the period starting on the anchor."""
    return (period_start - anchor).days // length_days + 1


def is_period_start(anchor: dt.date, day: dt.date, length_days: int = PERIOD_DAYS) -> bool:
    return (day - anchor).days % length_days == 0


def period_weeks(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """7-day weeks from the period's first day (the last one shorter if the period is)."""
    weeks = []
    week_start = start
    while week_start <= end:
        weeks.append((week_start, min(week_start + dt.timedelta(days=6), end)))
        week_start += dt.timedelta(days=7)
    return weeks


def quarter_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The calendar quarter (Jan/Apr/Jul/Oct) containing `day` `[002 App. 4 (a)]`."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = dt.date(day.year, first_month, 1)
    return start, months_after(start, 3) - dt.timedelta(days=1)


def months_after(day: dt.date, months: int) -> dt.date:
    """The same day-of-month `months` later (or earlier if negative), clamped to the month's end."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def review_window(quarter_start: dt.date, months: int = 6) -> tuple[dt.date, dt.date]:
    """The previous `months` before a quarter: for the quarter from 1 Apr 2026, 1 Oct 2025 – 31 Mar 2026."""
    return months_after(quarter_start, -months), quarter_start - dt.timedelta(days=1)


def submission_due_on(basis_day: dt.date, working_days: int = 10) -> dt.date:
    """Due for submission by the 10th working day after the period's last day `[004 App. 6 §3.1]`."""
    return add_working_days(basis_day, working_days)


def payment_due_on(received_on: dt.date, days: int = 30) -> dt.date:
    """Payment within 30 calendar days of receipt of the undisputed invoice `[004 App. 6 §3.4]`."""
    return received_on + dt.timedelta(days=days)


def vat_amount(net: Decimal, vat_rate_percent: Decimal) -> Decimal:
    if not vat_rate_percent:
        return NO_MONEY
    return pennies(net * vat_rate_percent / HUNDRED)


# Visits ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitFact:
    """One visit as the rules see it."""

    status: str
    scheduled_minutes: int
    actual_minutes: int | None = None
    run_position: int | None = None  # for cancellations: position in the run of consecutive ones


# WeekVisits' whole-number totals, in order (the invoice run's SQL returns them in this order).
WEEK_VISIT_TOTALS = (
    "completed_visits",
    "completed_minutes",
    "shortened_visits",
    "shortened_minutes",
    "shortened_shortfall_minutes",
    "aborted_visits",
    "aborted_minutes",
    "short_notice_visits",
    "short_notice_minutes",
    "cancelled_with_notice_visits",
    "missed_visits",
    "not_recorded_visits",
)


@dataclass(frozen=True)
class WeekVisits:
    """A week of one order's visits, summed by what happened (the run sums them in SQL).

    Whether a short-notice cancellation is paid depends on its place in the run of consecutive
    cancellations, so those that are 4th or later in their run are also listed one by one, with
    their positions (`late_in_run`); the rest are paid in full."""

    completed_visits: int = 0
    completed_minutes: int = 0  # actual
    shortened_visits: int = 0
    shortened_minutes: int = 0  # actual
    shortened_shortfall_minutes: int = 0  # Σ max(0, scheduled − actual)
    aborted_visits: int = 0
    aborted_minutes: int = 0  # scheduled
    short_notice_visits: int = 0
    short_notice_minutes: int = 0  # scheduled, all short-notice cancellations
    late_in_run: tuple[tuple[int, int], ...] = ()  # (scheduled minutes, position ≥ 4)
    cancelled_with_notice_visits: int = 0
    missed_visits: int = 0
    not_recorded_visits: int = 0  # still "scheduled": no actuals yet

    @classmethod
    def from_visits(cls, visits: Iterable[VisitFact]) -> "WeekVisits":
        sums = dict.fromkeys(WEEK_VISIT_TOTALS, 0)
        late = []
        for v in visits:
            actual = v.actual_minutes or 0
            if v.status == COMPLETED:
                sums["completed_visits"] += 1
                sums["completed_minutes"] += actual
            elif v.status == SHORTENED:
                sums["shortened_visits"] += 1
                sums["shortened_minutes"] += actual
                sums["shortened_shortfall_minutes"] += max(0, v.scheduled_minutes - actual)
            elif v.status == ABORTED:
                sums["aborted_visits"] += 1
                sums["aborted_minutes"] += v.scheduled_minutes
            elif v.status == CANCELLED_SHORT_NOTICE:
                sums["short_notice_visits"] += 1
                sums["short_notice_minutes"] += v.scheduled_minutes
                if (v.run_position or 1) >= UNPAID_FROM_RUN_POSITION:
                    late.append((v.scheduled_minutes, v.run_position))
            elif v.status == CANCELLED_WITH_NOTICE:
                sums["cancelled_with_notice_visits"] += 1
            elif v.status == MISSED:
                sums["missed_visits"] += 1
            elif v.status == SCHEDULED:
                sums["not_recorded_visits"] += 1
        return cls(**sums, late_in_run=tuple(late))

    @property
    def delivered_minutes(self) -> int:
        return self.completed_minutes + self.shortened_minutes

    @property
    def short_notice_unpaid(self) -> tuple[int, int]:
        """(visits, scheduled minutes) of the 4th-or-later consecutive cancellations: not paid."""
        if not self.late_in_run:
            return 0, 0
        unpaid = [m for m, position in self.late_in_run if position >= UNPAID_FROM_RUN_POSITION]
        return len(unpaid), sum(unpaid)

    @property
    def short_notice_paid(self) -> tuple[int, int]:
        """(visits, scheduled minutes) of short-notice cancellations that are paid."""
        visits, minutes = self.short_notice_unpaid
        return self.short_notice_visits - visits, self.short_notice_minutes - minutes

    @property
    def paid_not_delivered_minutes(self) -> int:
        return self.aborted_minutes + self.shortened_shortfall_minutes + self.short_notice_paid[1]


# Absences and variations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AbsenceSpan:
    start: dt.date
    end: dt.date | None  # None: still away


@dataclass(frozen=True)
class VariationSpan:
    """An approved temporary variation of the order."""

    start: dt.date
    end: dt.date
    extra_hours_per_week: Decimal


def absence_factor(day_number: int) -> Decimal:
    """Retainer share for the n-th day of an absence: days 1–7 in full, 8–14 at half `[004 App. 6 §3 d]`."""
    if day_number <= 7:
        return ONE
    if day_number <= 14:
        return HALF
    return ZERO


def clip(start: dt.date, end: dt.date | None, lo: dt.date, hi: dt.date) -> tuple[dt.date, dt.date] | None:
    a = max(start, lo)
    b = hi if end is None else min(end, hi)
    return (a, b) if a <= b else None


def sevenths(minutes: Decimal) -> Decimal:
    """A day-weighted figure from `packages_of_care.rules` × 7, exactly: the shared rules sum
    weekly hours (in hundredths) × 60 and divide by 7 once, so × 7 is a whole number of tenths,
    within 1e-20 of the 28-digit Decimal. (Recovering an exact value, not rounding a figure: any
    rounding mode gives the same tenths.)"""
    return (minutes * SEVEN_D).quantize(TENTH, rounding=ROUND_HALF_UP)


def hours_by_day(
    versions: Sequence[VersionLike],
    start: dt.date,
    end: dt.date,
    *,
    order_start: dt.date | None,
    order_end: dt.date | None,
) -> list[Decimal | None]:
    """The weekly hours of the version in force on each day from start to end — None on a day the
    order is not in force or before its first version — read as `commissioned_minutes` reads them,
    day by day: worked out once per order and period rather than once per day and week."""
    days = (end - start).days + 1
    result: list[Decimal | None] = [None] * days
    # The days the order is in force, as offsets from `start`: [lo, hi).
    lo = 0 if order_start is None else max(0, (order_start - start).days)
    hi = days if order_end is None else min(days, (order_end - start).days + 1)
    ordered = sorted(versions, key=lambda v: v.effective_from)
    # Each version is in force from its date until the next one's (of versions with the same date,
    # the last: `version_in_force`).
    for index, version in enumerate(ordered):
        first = max(lo, (version.effective_from - start).days)
        last = hi if index + 1 == len(ordered) else min(hi, (ordered[index + 1].effective_from - start).days)
        if first < last:
            result[first:last] = [version.weekly_hours] * (last - first)
    return result


@lru_cache(maxsize=4096)
def _commissioned7(day_hours: tuple[Decimal | None, ...]) -> Decimal:
    weekly_sum = ZERO
    for hours in day_hours:
        if hours is not None:
            weekly_sum += hours
    return sevenths(weekly_sum * SIXTY_D / SEVEN_D)


def commissioned7(day_hours: Iterable[Decimal | None]) -> Decimal:
    """Commissioned minutes × 7 of the days whose weekly hours are given (`hours_by_day`): the
    same figure as `sevenths(commissioned_minutes(...))` over those days, by the same steps
    (remembered: most weeks of most orders are alike; the figure is quantized, so equal hours
    of any exponent give the same one)."""
    return _commissioned7(tuple(day_hours))


@dataclass(frozen=True)
class RetainerDay:
    day: dt.date
    absence_day: int
    factor: Decimal
    minutes7: Decimal  # the day's retainer minutes × 7

    @property
    def minutes(self) -> Fraction:
        return Fraction(self.minutes7) / 7


def retainer7(
    versions: Sequence[VersionLike],
    week_start: dt.date,
    week_end: dt.date,
    absences: Sequence[AbsenceSpan],
    *,
    order_start: dt.date | None,
    order_end: dt.date | None,
    day_hours: Sequence[Decimal | None] | None = None,
) -> tuple[Decimal, list[RetainerDay]]:
    """Retainer minutes × 7 for the week, and the days that earned them. `day_hours`: the
    week's `hours_by_day`, if already worked out."""
    if day_hours is None:
        day_hours = hours_by_day(versions, week_start, week_end, order_start=order_start, order_end=order_end)
    total = ZERO
    days: list[RetainerDay] = []
    for absence in absences:
        # Days 15 onwards earn nothing, so only the first 14 days of the absence matter.
        fortnight_end = absence.start + dt.timedelta(days=13)
        end = fortnight_end if absence.end is None else min(absence.end, fortnight_end)
        span = clip(absence.start, end, week_start, week_end)
        if span is None:
            continue
        day = span[0]
        while day <= span[1]:
            number = (day - absence.start).days + 1
            factor = absence_factor(number)
            day7 = commissioned7((day_hours[(day - week_start).days],))
            total += day7 * factor
            days.append(RetainerDay(day, number, factor, day7 * factor))
            day += dt.timedelta(days=1)
    return total, days


def variation_extra7(
    variations: Sequence[VariationSpan],
    week_start: dt.date,
    week_end: dt.date,
    *,
    order_start: dt.date | None,
    order_end: dt.date | None,
) -> Decimal:
    """Extra minutes × 7 the week's approved temporary variations allow: each variation's extra
    hours per week × 60 for each day of the week it covers while the order is in force (÷ 7 gives
    minutes: 3/7 of the weekly extra for 3 days)."""
    lo = max(week_start, order_start) if order_start else week_start
    hi = min(week_end, order_end) if order_end else week_end
    extra = ZERO
    for variation in variations:
        span = clip(variation.start, variation.end, lo, hi)
        if span is not None:
            extra += variation.extra_hours_per_week * SIXTY_D * ((span[1] - span[0]).days + 1)
    return extra


# Norfolk: an order's week --------------------------------------------------------------------------


@dataclass(frozen=True)
class HourlyWeek:
    """One order's week. Day-weighted figures are held × 7 (`*7`), where they are exact; the
    minute properties give them as exact fractions."""

    commissioned7: Decimal
    delivered_minutes: int
    paid_not_delivered_minutes: int
    retainer7: Decimal
    retainer_days: list[RetainerDay]
    extra7: Decimal
    allowance7: Decimal
    unauthorised7: Decimal
    payable7: Decimal
    payable_hours: Decimal
    delivered_hours: Decimal
    rate: Decimal
    amount: Decimal
    unauthorised_hours: Decimal
    unauthorised_amount: Decimal
    visits: WeekVisits = field(repr=False, default_factory=WeekVisits)

    commissioned_minutes = property(lambda self: Fraction(self.commissioned7) / 7)
    retainer_minutes = property(lambda self: Fraction(self.retainer7) / 7)
    variation_extra_minutes = property(lambda self: Fraction(self.extra7) / 7)
    allowance_minutes = property(lambda self: Fraction(self.allowance7) / 7)
    unauthorised_minutes = property(lambda self: Fraction(self.unauthorised7) / 7)
    payable_minutes = property(lambda self: Fraction(self.payable7) / 7)


def hours_from_sevenths(minutes7: Decimal) -> Decimal:
    """Minutes × 7 → hours, rounded to the nearest quarter-hour, halves up. A half-way figure
    (x.125 h) is a terminating decimal, so the division is exact exactly where it matters."""
    return quarter_hours(minutes7 / FOUR_TWENTY)


# A run meets the same figures again and again (a whole week of 10.25 h; 7.5 h at £22.40): these
# roundings are pure functions of their arguments' values, and each result is quantized (equal
# Decimals of any exponent give the same figure), so they are remembered.
_hours_from_sevenths = lru_cache(maxsize=16384)(hours_from_sevenths)


@lru_cache(maxsize=16384)
def _delivered_hours(minutes: int) -> Decimal:
    return quarter_hours(Decimal(minutes) / SIXTY_D)


@lru_cache(maxsize=16384)
def _amount(hours: Decimal, rate: Decimal) -> Decimal:
    return pennies(hours * rate)


def hourly_week(
    *,
    versions: Sequence[VersionLike],
    week_start: dt.date,
    week_end: dt.date,
    order_start: dt.date | None,
    order_end: dt.date | None,
    visits: WeekVisits,
    absences: Sequence[AbsenceSpan] = (),
    variations: Sequence[VariationSpan] = (),
    rate: Decimal,
    tolerance_percent: Decimal = Decimal("20"),
    day_hours: Sequence[Decimal | None] | None = None,
) -> HourlyWeek:
    """One order's week on a Norfolk invoice (see the module docstring for each step).
    `day_hours`: the week's `hours_by_day`, if the caller has worked them out for the period."""
    if day_hours is None:
        day_hours = hours_by_day(versions, week_start, week_end, order_start=order_start, order_end=order_end)
    commissioned = commissioned7(day_hours)
    retained, retainer_days = (
        retainer7(
            versions,
            week_start,
            week_end,
            absences,
            order_start=order_start,
            order_end=order_end,
            day_hours=day_hours,
        )
        if absences
        else (ZERO, [])
    )
    extra = (
        variation_extra7(variations, week_start, week_end, order_start=order_start, order_end=order_end)
        if variations
        else ZERO
    )
    allowance = commissioned * (1 + tolerance_percent / HUNDRED) + extra
    delivered = visits.delivered_minutes
    pnd = visits.paid_not_delivered_minutes
    unauthorised = max(ZERO, SEVEN_D * delivered - allowance)
    payable = SEVEN_D * (delivered + pnd) + retained - unauthorised
    payable_hours = _hours_from_sevenths(payable)
    unauthorised_hours = _hours_from_sevenths(unauthorised) if unauthorised else NO_HOURS
    return HourlyWeek(
        commissioned7=commissioned,
        delivered_minutes=delivered,
        paid_not_delivered_minutes=pnd,
        retainer7=retained,
        retainer_days=retainer_days,
        extra7=extra,
        allowance7=allowance,
        unauthorised7=unauthorised,
        payable7=payable,
        payable_hours=payable_hours,
        delivered_hours=_delivered_hours(delivered),
        rate=rate,
        amount=_amount(payable_hours, rate),
        unauthorised_hours=unauthorised_hours,
        unauthorised_amount=_amount(unauthorised_hours, rate) if unauthorised else NO_MONEY,
        visits=visits,
    )


@dataclass(frozen=True)
class UnplannedCare:
    hours_per_week: Decimal
    weeks: int
    hours: Decimal
    rate: Decimal
    amount: Decimal


def unplanned_care(hours_per_week: Decimal, rate: Decimal, weeks: int = WEEKS_PER_PERIOD) -> UnplannedCare:
    """A scheme's unplanned care for a period: 98 h × 4 × £24.28 = £9,517.76 `[004 App. 3 §5]`."""
    hours = hours_per_week * weeks
    return UnplannedCare(hours_per_week, weeks, hours, rate, pennies(hours * rate))


def rate_on(rates: Sequence[tuple[dt.date, Decimal]], day: dt.date) -> Decimal | None:
    """The rate with the latest effective date on or before `day` (rates: (effective_from, rate))."""
    current = None
    for effective_from, value in sorted(rates, key=lambda r: r[0]):
        if effective_from <= day:
            current = value
        else:
            break
    return current


# Derby: block payments and the block-volume review ------------------------------------------------


def weekly_hours_on(versions: Sequence[VersionLike], day: dt.date) -> Decimal:
    """The weekly hours of the version in force on `day` (0 before the first)."""
    version = version_in_force(versions, day)
    return version.weekly_hours if version is not None else Decimal(0)


@dataclass(frozen=True)
class BlockPayment:
    weekly_hours: Decimal
    weeks: int
    hours: Decimal
    rate: Decimal
    amount: Decimal


def block_payment(weekly_hours: Decimal, rate: Decimal, weeks: int = 13) -> BlockPayment:
    """The quarter's block: weekly hours × 13 × the composite hourly rate `[002 §1]`.
    125 h × 13 × £22.35 = £36,318.75."""
    hours = weekly_hours * weeks
    return BlockPayment(weekly_hours, weeks, hours, rate, pennies(hours * rate))


@dataclass(frozen=True)
class OrderAllocation:
    versions: Sequence[VersionLike]
    order_start: dt.date | None
    order_end: dt.date | None


def average_weekly_hours(orders: Iterable[OrderAllocation], start: dt.date, end: dt.date) -> Fraction:
    """Average weekly hours allocated from start to end, day-weighted: the sum of every order's
    commissioned hours over the window ÷ the window's length in weeks."""
    total_minutes = Fraction(0)
    for order in orders:
        total_minutes += exact(
            commissioned_minutes(
                order.versions, start, end, order_start=order.order_start, order_end=order.order_end
            )
        )
    window_days = (end - start).days + 1
    return total_minutes / SIXTY * SEVEN / window_days


@dataclass(frozen=True)
class BlockReview:
    current_weekly_hours: Decimal
    average_weekly_hours: Fraction
    difference_percent: Fraction | None  # None when the block is based on no hours
    threshold_percent: Decimal
    proposes_change: bool
    current: BlockPayment
    proposed: BlockPayment | None


def block_volume_review(
    *,
    current_weekly_hours: Decimal,
    average: Fraction,
    rate: Decimal,
    threshold_percent: Decimal = Decimal("5"),
    weeks: int = 13,
) -> BlockReview:
    """More than `threshold_percent` of the current figure apart → propose a block on the average
    (rounded to 2 places of an hour). 125 h against an average of 131.125 h is 4.9%: no change;
    against 131.375 h it is 5.1%: propose 131.38 h × 13 × £22.35 = £38,172.46."""
    current = block_payment(current_weekly_hours, rate, weeks)
    if current_weekly_hours:
        difference = abs(average - Fraction(current_weekly_hours)) / Fraction(current_weekly_hours) * 100
        proposes = difference > Fraction(threshold_percent)
    else:
        difference = None
        proposes = average > 0
    proposed = None
    if proposes:
        proposed_hours = round_half_up(as_decimal(average), TWO_PLACES).quantize(TWO_PLACES)
        proposed = block_payment(proposed_hours, rate, weeks)
    return BlockReview(
        current_weekly_hours, average, difference, threshold_percent, proposes, current, proposed
    )


# Dorset: weekly packages ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PackageWeek:
    days_in_force: int
    weekly_price: Decimal | None
    amount: Decimal
    commissioned_minutes: Fraction


def package_week(
    versions: Sequence[VersionLike],
    week_start: dt.date,
    week_end: dt.date,
    *,
    order_start: dt.date | None,
    order_end: dt.date | None,
) -> PackageWeek:
    """The week's package price, pro rata by day: £350 a week for the 4 days from a Thursday is
    £200.00 `[000 §1.4]`."""
    lo = max(week_start, order_start) if order_start else week_start
    hi = min(week_end, order_end) if order_end else week_end
    days_in_force = max(0, (hi - lo).days + 1)
    version = version_in_force(versions, lo) if days_in_force else None
    return PackageWeek(
        days_in_force=days_in_force,
        weekly_price=version.weekly_price if version is not None else None,
        amount=pennies(
            package_price(versions, week_start, week_end, order_start=order_start, order_end=order_end)
        ),
        commissioned_minutes=exact(
            commissioned_minutes(versions, week_start, week_end, order_start=order_start, order_end=order_end)
        ),
    )


@dataclass(frozen=True)
class PackageReview:
    delivered_hours: Decimal
    commissioned_hours: Decimal
    difference_hours: Decimal  # delivered − commissioned, to 2 places
    flagged: bool


def package_period_review(
    delivered_minutes: int, commissioned: Fraction, tolerance_hours: Decimal = Decimal("5")
) -> PackageReview:
    """Flag an order whose delivered hours differ from its commissioned hours by more than the
    tolerance over the payment period `[000 §1.4]` (exactly 5 hours apart is within it)."""
    difference = Fraction(delivered_minutes) - commissioned
    flagged = abs(difference) > Fraction(tolerance_hours) * SIXTY
    return PackageReview(
        delivered_hours=round_half_up(as_decimal(Fraction(delivered_minutes) / SIXTY), TWO_PLACES).quantize(
            TWO_PLACES
        ),
        commissioned_hours=round_half_up(as_decimal(commissioned / SIXTY), TWO_PLACES).quantize(TWO_PLACES),
        difference_hours=round_half_up(as_decimal(difference / SIXTY), TWO_PLACES).quantize(TWO_PLACES),
        flagged=flagged,
    )
