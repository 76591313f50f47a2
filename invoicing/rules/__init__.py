"""Invoicing rules, to the penny. Pure functions: no ORM, no I/O. Each function cites the
specification it follows; the worked rules, with their examples, are in docs/invoicing.md.

Norfolk, hourly, 4-weekly `[004 §1.6, App. 3, App. 6]`: an order's week (`hourly_week`) from the
visits' totals (`visits.rules.STATUS_RULES`), the day-weighted commissioned minutes, absence
retainers (`retainer7`) and tolerance (`tolerance_week`, which the 4-week alert calls too).
Derby, quarterly block `[002 §1, App. 4]`: `block_payment`, `block_volume_review`,
`block_payment_due`. Dorset, weekly package `[000 §1.4]`: `package_week`, `package_period_review`.

Exactness: day-weighted minutes are sevenths, so a week is worked out in minutes × 7 (`sevenths`),
where every figure is an exact Decimal, and divided once at the end, so a figure on a rounding
boundary (427.5 minutes = 7.125 hours) is exact rather than a hair under. Rounding is
`portal.money`'s, once per figure.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import lru_cache

from packages_of_care.rules import VersionLike, commissioned_minutes, package_price, version_in_force
from portal.money import PENNY, minutes_to_hours, pennies, quarter_hours, round_half_up
from portal.workdays import add_working_days
from visits.rules import UNPAID_FROM_RUN_POSITION, WEEK_VISIT_TOTALS, VisitFact, WeekVisits

__all__ = ["UNPAID_FROM_RUN_POSITION", "WEEK_VISIT_TOTALS", "VisitFact", "WeekVisits"]

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


DISPUTE_WINDOW_DAYS = 30


def dispute_window_closes(received_on: dt.date) -> dt.date:
    """The last day on which the council may dispute an invoice: 30 days after its receipt
    `[004 App. 6 §4.1]`."""
    return received_on + dt.timedelta(days=DISPUTE_WINDOW_DAYS)


def dispute_window_open(received_on: dt.date | None, today: dt.date) -> bool:
    """Whether the council may still dispute an invoice received on `received_on`."""
    return received_on is None or today <= dispute_window_closes(received_on)


def payment_due_on(received_on: dt.date, days: int = 30) -> dt.date:
    """Payment within 30 calendar days of receipt of the undisputed invoice `[004 App. 6 §3.4]`."""
    return received_on + dt.timedelta(days=days)


def vat_amount(net: Decimal, vat_rate_percent: Decimal) -> Decimal:
    if not vat_rate_percent:
        return NO_MONEY
    return pennies(net * vat_rate_percent / HUNDRED)


# Absences and variations ---------------------------------------------------------------------------


#: Days of an absence paid in full unless the social worker agreed a longer period in writing,
#: then this many more at half `[004 §1.6.1 b, App. 6 §3 d]`.
FULL_PAY_DAYS = 7
HALF_PAY_DAYS = 7


@dataclass(frozen=True)
class AbsenceSpan:
    start: dt.date
    end: dt.date | None  # None: still away
    full_pay_until: dt.date | None = None  # agreed in writing by the social worker: paid in full to then

    @property
    def full_pay_days(self) -> int:
        """Days 1 to this are paid in full: 7, or up to the agreed day (never fewer than 7)."""
        if self.full_pay_until is None:
            return FULL_PAY_DAYS
        return max(FULL_PAY_DAYS, (self.full_pay_until - self.start).days + 1)


@dataclass(frozen=True)
class VariationSpan:
    """An approved temporary variation of the order."""

    start: dt.date
    end: dt.date
    extra_hours_per_week: Decimal


def absence_factor(day_number: int, full_pay_days: int = FULL_PAY_DAYS) -> Decimal:
    """Retainer share for the n-th day of an absence: days 1–7 in full, 8–14 at half, nothing after
    `[004 App. 6 §3 d]`. Where the social worker agreed in writing to pay in full up to day n
    (`full_pay_days`), days 1–n in full, the 7 after at half: to day 21, days 22–28 at half."""
    if day_number <= full_pay_days:
        return ONE
    if day_number <= full_pay_days + HALF_PAY_DAYS:
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
    full_pay_days: int = FULL_PAY_DAYS  # days paid in full (more if agreed in writing)

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
        # Days after the half-pay week earn nothing (day 15 onwards unless agreed otherwise).
        full_days = absence.full_pay_days
        last_paid = absence.start + dt.timedelta(days=full_days + HALF_PAY_DAYS - 1)
        end = last_paid if absence.end is None else min(absence.end, last_paid)
        span = clip(absence.start, end, week_start, week_end)
        if span is None:
            continue
        day = span[0]
        while day <= span[1]:
            number = (day - absence.start).days + 1
            factor = absence_factor(number, full_days)
            day7 = commissioned7((day_hours[(day - week_start).days],))
            total += day7 * factor
            days.append(RetainerDay(day, number, factor, day7 * factor, full_days))
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


# Tolerance `[004 §3.2.7, App. 3 §4, App. 6 §2.2.3, §3.3]` ------------------------------------------

#: The +20% holds "for up to four weeks" `[004 App. 3 §4]`; a run of weeks over the commissioned
#: hours reaching this many is raised with the locality worker `[004 §3.2.7]`.
TOLERANCE_WEEKS = 4
CONSECUTIVE_WEEKS_OVER = TOLERANCE_WEEKS
WEEKS_LOOKED_AT = 8  # how far back the daily alert looks for that run of weeks
#: Only hourly contracts (Norfolk) have the tolerance: Derby's block pays a volume, and Dorset's
#: packages have their own 5-hour review `[000 §1.4]` (`schemes.models.PaymentModel` values).
TOLERANCE_PAYMENT_MODELS = frozenset({"hourly_4_weekly"})


def has_tolerance(payment_model: str) -> bool:
    return payment_model in TOLERANCE_PAYMENT_MODELS


@dataclass(frozen=True)
class ToleranceWeek:
    """An order's week against the tolerance; minute figures × 7 (exact, see the module notes).

    `run_week`: the week's place in a run of consecutive weeks whose delivered plus
    paid-not-delivered minutes exceed the commissioned minutes plus approved temporary
    variations (0: not over them, which ends a run). In weeks 1–4 of a run the +20% applies; from
    the 5th, everything above the commissioned minutes (plus variations) is unauthorised."""

    commissioned7: Decimal
    extra7: Decimal  # what approved temporary variations add
    allowance7: Decimal
    delivered_minutes: int
    unauthorised7: Decimal
    paid_not_delivered_minutes: int = 0
    run_week: int = 0

    @property
    def is_over(self) -> bool:
        return self.unauthorised7 > 0

    @property
    def over_commissioned(self) -> bool:
        return self.run_week > 0

    @property
    def beyond_tolerance_weeks(self) -> bool:
        """The 5th or later week in a row over the commissioned hours: no +20% any more."""
        return self.run_week > TOLERANCE_WEEKS

    @property
    def calls_for_review(self) -> bool:
        """Over the commissioned hours (plus variations) with something commissioned to compare
        with: a week of a run that is raised with the locality worker at 4 `[004 §3.2.7]`."""
        return self.over_commissioned


def tolerance_week(
    *,
    versions: Sequence[VersionLike],
    week_start: dt.date,
    week_end: dt.date,
    order_start: dt.date | None,
    order_end: dt.date | None,
    variations: Sequence[VariationSpan],
    delivered_minutes: int,
    tolerance_percent: Decimal,
    paid_not_delivered_minutes: int = 0,
    weeks_over_before: int = 0,
    day_hours: Sequence[Decimal | None] | None = None,
) -> ToleranceWeek:
    """The week's allowance and what was delivered above it.

    `weeks_over_before`: how many weeks in a row, just before this one, were over the commissioned
    minutes plus variations (`ToleranceWeek.run_week` of the previous week; runs cross periods).
    Weeks 1–4 of a run: the allowance is commissioned × (1 + tolerance) + variations and the
    delivered minutes above it are unauthorised — 10 h/week at 20%: 720 minutes allowed; 840
    delivered → 120 over. From week 5: the allowance is commissioned + variations and the
    delivered plus paid-not-delivered minutes above it are unauthorised (at most what was
    delivered) — 840 delivered → 240 over `[004 App. 3 §4, App. 6 §3.3]`.
    `day_hours`: the week's `hours_by_day`, if worked out."""
    if day_hours is None:
        day_hours = hours_by_day(versions, week_start, week_end, order_start=order_start, order_end=order_end)
    commissioned = commissioned7(day_hours)
    extra = (
        variation_extra7(variations, week_start, week_end, order_start=order_start, order_end=order_end)
        if variations
        else ZERO
    )
    base = commissioned + extra
    delivered7 = SEVEN_D * delivered_minutes
    hours7 = SEVEN_D * (delivered_minutes + paid_not_delivered_minutes)
    # A week with nothing commissioned is not compared with anything: it ends a run.
    run_week = weeks_over_before + 1 if commissioned > 0 and hours7 > base else 0
    if run_week > TOLERANCE_WEEKS:
        allowance = base
        unauthorised = min(delivered7, hours7 - base)
    else:
        allowance = commissioned * (1 + tolerance_percent / HUNDRED) + extra
        unauthorised = max(ZERO, delivered7 - allowance)
    return ToleranceWeek(
        commissioned, extra, allowance, delivered_minutes, unauthorised, paid_not_delivered_minutes, run_week
    )


def weeks_over_in_a_row(weeks: Sequence[ToleranceWeek]) -> int:
    """How many weeks, ending with the last, were over the commissioned hours in a row (the
    last week's `run_week`, as far as the weeks given show)."""
    run = 0
    for week in reversed(weeks):
        if not week.calls_for_review:
            break
        run += 1
    return run


def complete_weeks(today: dt.date, first_weekday: int, count: int) -> list[dt.date]:
    """The starts of the last `count` weeks that ended before `today`, oldest first.

    >>> complete_weeks(dt.date(2026, 10, 28), 0, 2)  # a Wednesday; weeks start on Monday
    [datetime.date(2026, 10, 12), datetime.date(2026, 10, 19)]
    """
    current = today - dt.timedelta(days=(today.weekday() - first_weekday) % 7)
    return [current - dt.timedelta(days=7 * k) for k in range(count, 0, -1)]


def hours_text(minutes: Fraction | Decimal | int) -> str:
    """Minutes as hours for people, to the hundredth: 860 → "14.33" (display only)."""
    value = as_decimal(Fraction(minutes)) if not isinstance(minutes, Decimal) else minutes
    return f"{round_half_up(minutes_to_hours(value), PENNY):f}".rstrip("0").rstrip(".")


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
    run_week: int = 0  # its place in a run of weeks over the commissioned hours (`ToleranceWeek`)

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
    weeks_over_before: int = 0,
    day_hours: Sequence[Decimal | None] | None = None,
) -> HourlyWeek:
    """One order's week on a Norfolk invoice (see the module docstring for each step).
    `day_hours`: the week's `hours_by_day`, if the caller has worked them out for the period."""
    if day_hours is None:
        day_hours = hours_by_day(versions, week_start, week_end, order_start=order_start, order_end=order_end)
    tolerance = tolerance_week(
        versions=versions,
        week_start=week_start,
        week_end=week_end,
        order_start=order_start,
        order_end=order_end,
        variations=variations,
        delivered_minutes=visits.delivered_minutes,
        paid_not_delivered_minutes=visits.paid_not_delivered_minutes,
        tolerance_percent=tolerance_percent,
        weeks_over_before=weeks_over_before,
        day_hours=day_hours,
    )
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
    commissioned, extra, allowance = tolerance.commissioned7, tolerance.extra7, tolerance.allowance7
    unauthorised = tolerance.unauthorised7
    delivered = visits.delivered_minutes
    pnd = visits.paid_not_delivered_minutes
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
        run_week=tolerance.run_week,
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
    scheme: str = ""  # the scheme the order's care is at, for the review's breakdown


def average_weekly_hours(orders: Iterable[OrderAllocation], start: dt.date, end: dt.date) -> Fraction:
    """Average weekly hours allocated from start to end, day-weighted: the sum of every order's
    commissioned hours over the window ÷ the window's length in weeks."""
    return sum(average_weekly_hours_by_scheme(orders, start, end).values(), Fraction(0))


def average_weekly_hours_by_scheme(
    orders: Iterable[OrderAllocation], start: dt.date, end: dt.date
) -> dict[str, Fraction]:
    """The same average, per scheme: the council and the provider "share their data on the volume
    of care hours allocated to each scheme" `[002 App. 4]`. 400 h/wk for 91 days then 440 h/wk
    for 92 days = (400 × 91 + 440 × 92) ÷ 183 = 76,880 ÷ 183 = 420.1093 h/wk."""
    minutes: dict[str, Fraction] = {}
    for order in orders:
        minutes[order.scheme] = minutes.get(order.scheme, Fraction(0)) + exact(
            commissioned_minutes(
                order.versions, start, end, order_start=order.order_start, order_end=order.order_end
            )
        )
    window_days = (end - start).days + 1
    return {scheme: total / SIXTY * SEVEN / window_days for scheme, total in sorted(minutes.items())}


@dataclass(frozen=True)
class BlockReview:
    current_weekly_hours: Decimal
    average_weekly_hours: Fraction
    difference_percent: Fraction | None  # signed: above the block +, below −; None on a 0 h block
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
    """The difference, signed, as a share of the block volume in force; more than `threshold_percent`
    either way → propose a volume of the average (2 places of an hour) `[002 App. 4]`.
    Block 400 h/wk, average 412.5683 h → +3.14%: no change; average 420.1093 h → +5.03%:
    propose 420.11 h × 13 × £20.50 = £111,959.32 (111,959.315, halves up)."""
    current = block_payment(current_weekly_hours, rate, weeks)
    if current_weekly_hours:
        difference = (average - Fraction(current_weekly_hours)) / Fraction(current_weekly_hours) * 100
        proposes = abs(difference) > Fraction(threshold_percent)
    else:
        difference = None
        proposes = average > 0
    proposed = None
    if proposes:
        proposed = block_payment(two_places(average), rate, weeks)
    return BlockReview(
        current_weekly_hours, average, difference, threshold_percent, proposes, current, proposed
    )


def two_places(value: Fraction | Decimal) -> Decimal:
    """Hours and percentages for display and storage: 2 places, half up (−2.095 → −2.10)."""
    value = as_decimal(value) if isinstance(value, Fraction) else value
    return round_half_up(value, TWO_PLACES).quantize(TWO_PLACES)


def next_quarter_start(day: dt.date) -> dt.date:
    """An accepted review's volume applies, unless the council sets a date, from the quarter after
    the review's: the review held for the quarter from 1 Oct 2026 changes the block from 1 Jan 2027."""
    return quarter_of(day)[1] + dt.timedelta(days=1)


MONITORING_PAYMENT_DAYS = 28


def block_payment_due(
    quarter_start: dt.date, *, monitoring_submitted_on: dt.date | None, first_quarter_from: dt.date | None
) -> dt.date | None:
    """When a quarter's block falls due where payment follows monitoring `[002 App. 4 (a)–(b)]`: the
    later of the quarter's start and 4 weeks after the previous quarter's monitoring return (its
    KPI return) was submitted; for the contract's first quarter, 4 weeks after the contract's
    start (`first_quarter_from`). None while that return is not in: the payment is held.
    Quarter from 1 Oct 2026, return submitted 8 Oct → due 5 Nov; submitted 1 Sep → due 1 Oct."""
    basis = first_quarter_from if first_quarter_from is not None else monitoring_submitted_on
    if basis is None:
        return None
    return max(quarter_start, basis + dt.timedelta(days=MONITORING_PAYMENT_DAYS))


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
