"""TUPE legacy costs `[004 App. 3 §8]`: pure calculations, no ORM.

The council reimburses the provider, quarter by quarter, three elements for each member of the
Legacy Staff (staff who transferred from the council under TUPE), for as long as they hold a
role on the TUPE list — promoted or moved into a role not on it, the council stops paying every
element from the next day:

1. **LGPS employer contributions** ("Invoice/Payment Process for LGPS TUPE Staff"). Quarters are
   the contract's own (from its start date, so "the first two quarters" and "the first
   anniversary" mean what they say). Quarters 1 and 2: in the first year, the Norfolk Pension
   Fund's quarterly figure; from the second year, "the prior year financial amounts" — the
   quarterly figure agreed at the previous year's third quarter. Quarter 3 "is the reconciliation
   point based on actual costs": the actual contributions over quarters 1–3 less what quarters 1
   and 2 charged (so it may be less than nothing). Quarter 4 "is issued based on the agreed
   calculation in quarter three": a third of the actual contributions over quarters 1–3. Estimates
   (quarters 1, 2 and 4) are pro rata to the days of the quarter the person held a TUPE'd role.
2. **Pay-rate difference** ("Pay Rate Terms"): for each day, the TUPE'd hourly rate less the
   provider's new rate for the same role, the new rate counted as at least the National Living
   Wage in force that day — the "cap at the National Living Wage level that applies from time to
   time": the council never pays what the law makes the provider pay anyway, so the difference
   shrinks as the NLW rises and stops once the NLW reaches the TUPE'd rate. Times the contracted
   hours only ("additional hours above the contracts position are not included"): weekly hours ×
   days ÷ 7. Each stretch under one NLW rate is a step of its own, rounded to the penny.
3. **Annual-leave difference** ("Annual Leave Terms"): TUPE'd terms give up to 29 days, the new
   terms up to 25, so 4 days × the hourly contracted (TUPE'd) rate, pro rata — a day is a fifth of
   the contracted weekly hours — plus on-costs (a percentage agreed with the list). A quarter pays a
   quarter of the year's amount, pro rata to the days of the quarter in a TUPE'd role.

Amounts are rounded to the penny, half up, once per step (`portal.money.pennies`).
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from portal.money import ZERO, pennies

#: TUPE'd terms reach 29 days, the new terms 25: "the difference of 4 days" `[004 App. 3 §8]`.
EXTRA_LEAVE_DAYS = Decimal(4)
#: Pro rata: a day's leave is a fifth of the contracted weekly hours.
WORKING_DAYS_PER_WEEK = Decimal(5)
QUARTERS_PER_YEAR = 4


class MissingFigure(ValueError):
    """A figure the calculation needs has not been recorded (said plainly, for the person raising it)."""


@dataclass(frozen=True)
class StaffTerms:
    """One member of the Legacy Staff as the rules need them."""

    reference: str
    role: str
    weekly_hours: Decimal
    tupe_rate: Decimal
    new_rate: Decimal
    start: dt.date
    end: dt.date | None = None
    lgps_member: bool = False


@dataclass(frozen=True)
class Quarter:
    """The contract's quarter `number` (1–4) of contract year `year`, from `start` to `end`."""

    year: int
    number: int
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        return f"year {self.year}, quarter {self.number} ({self.start:%-d %b %Y} to {self.end:%-d %b %Y})"


@dataclass(frozen=True)
class LegacyCharge:
    """One line: the amount and the steps that produced it, in words."""

    amount: Decimal
    steps: list[str] = field(default_factory=list)
    figures: dict[str, str] = field(default_factory=dict)

    def explanation(self) -> str:
        return "; ".join(self.steps)


def _money(value: Decimal) -> str:
    sign = "−" if value < 0 else ""
    return f"{sign}£{abs(value):,.2f}"


def _day(day: dt.date) -> str:
    return f"{day:%-d %b %Y}"


def _plain(value: Decimal) -> str:
    """A number without trailing zeros: 30.00 → 30, 22.50 → 22.5."""
    text = f"{value.normalize():f}"
    return text


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day where it has no such day)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)  # unreachable: every month has a 28th


def quarter_numbered(contract_start: dt.date, year: int, number: int) -> Quarter:
    """The contract's quarter `number` of contract year `year` (quarters run from the start date)."""
    index = (year - 1) * QUARTERS_PER_YEAR + (number - 1)
    start = add_months(contract_start, 3 * index)
    end = add_months(contract_start, 3 * (index + 1)) - dt.timedelta(days=1)
    return Quarter(year, number, start, end)


def contract_quarter(contract_start: dt.date, day: dt.date) -> Quarter:
    """The contract quarter holding `day`."""
    if day < contract_start:
        raise ValueError(f"{_day(day)} is before the contract starts ({_day(contract_start)}).")
    index = ((day.year - contract_start.year) * 12 + day.month - contract_start.month) // 3
    while add_months(contract_start, 3 * index) > day:
        index -= 1
    while add_months(contract_start, 3 * (index + 1)) <= day:
        index += 1
    return quarter_numbered(contract_start, index // QUARTERS_PER_YEAR + 1, index % QUARTERS_PER_YEAR + 1)


def days_in_role(staff: StaffTerms, quarter: Quarter) -> tuple[dt.date, dt.date, int] | None:
    """(first, last, days) of the quarter in which the person held a TUPE'd role, or None."""
    first = max(staff.start, quarter.start)
    last = min(staff.end, quarter.end) if staff.end else quarter.end
    if last < first:
        return None
    return first, last, (last - first).days + 1


def _ended(staff: StaffTerms, quarter: Quarter) -> str:
    if staff.end is None or staff.end >= quarter.end:
        return ""
    return f"; paid to {_day(staff.end)}, the last day in a TUPE'd role"


def nlw_on(rates: Sequence[tuple[dt.date, Decimal]], day: dt.date) -> Decimal:
    """The National Living Wage in force on `day`, from (effective from, hourly rate) pairs."""
    in_force = [rate for effective_from, rate in sorted(rates) if effective_from <= day]
    if not in_force:
        raise MissingFigure(f"No National Living Wage rate is recorded for {_day(day)}.")
    return in_force[-1]


def pay_rate_difference(
    staff: StaffTerms, quarter: Quarter, rates: Sequence[tuple[dt.date, Decimal]]
) -> LegacyCharge | None:
    """The pay-rate difference for the quarter (see the module's note 2), or None when the
    person held no TUPE'd role in it."""
    held = days_in_role(staff, quarter)
    if held is None:
        return None
    first, last, _ = held
    changes = sorted(day for day, _ in rates if first < day <= last)
    bounds = [first, *changes, last + dt.timedelta(days=1)]
    total = ZERO
    steps = []
    for begin, after in zip(bounds, bounds[1:], strict=False):
        days = (after - begin).days
        nlw = nlw_on(rates, begin)
        counted = max(staff.new_rate, nlw)
        difference = max(ZERO, staff.tupe_rate - counted)
        amount = pennies(staff.weekly_hours * days * difference / 7)
        total += amount
        floor = "the new rate" if staff.new_rate >= nlw else f"the National Living Wage of £{nlw}"
        steps.append(
            f"{_day(begin)} to {_day(after - dt.timedelta(days=1))} ({days} days, NLW £{nlw}): "
            f"TUPE'd £{staff.tupe_rate} − £{counted} ({floor}) = £{difference} an hour × "
            f"{_plain(staff.weekly_hours)} contracted hours a week × {days}/7 weeks = {_money(amount)}"
        )
    return LegacyCharge(
        total,
        [*steps, f"total {_money(total)}{_ended(staff, quarter)}"],
        {
            "tupe_rate": str(staff.tupe_rate),
            "new_rate": str(staff.new_rate),
            "first": str(first),
            "last": str(last),
        },
    )


def annual_leave_difference(
    staff: StaffTerms, quarter: Quarter, on_costs_percent: Decimal
) -> LegacyCharge | None:
    """The annual-leave difference for the quarter (see the module's note 3), or None."""
    held = days_in_role(staff, quarter)
    if held is None:
        return None
    _, _, days = held
    day_hours = staff.weekly_hours / WORKING_DAYS_PER_WEEK
    leave_hours = EXTRA_LEAVE_DAYS * day_hours
    year_pay = leave_hours * staff.tupe_rate
    year_total = year_pay * (1 + on_costs_percent / 100)
    amount = pennies(year_total / QUARTERS_PER_YEAR * days / quarter.days)
    share = "the whole quarter" if days == quarter.days else f"{days} of the quarter's {quarter.days} days"
    steps = [
        f"{_plain(EXTRA_LEAVE_DAYS)} extra days of leave (29 on TUPE'd terms, 25 on the new) × "
        f"{_plain(day_hours)} hours a day ({_plain(staff.weekly_hours)} contracted hours a week ÷ 5) = "
        f"{_plain(leave_hours)} hours × £{staff.tupe_rate} (the TUPE'd hourly rate) = {_money(pennies(year_pay))} "
        f"a year, plus on-costs of {_plain(on_costs_percent)}% = {_money(pennies(year_total))}",
        f"a quarter's share for {share} in a TUPE'd role: {_money(pennies(year_total))} ÷ 4"
        + ("" if days == quarter.days else f" × {days}/{quarter.days}")
        + f" = {_money(amount)}{_ended(staff, quarter)}",
    ]
    return LegacyCharge(amount, steps, {"on_costs_percent": str(on_costs_percent), "days": str(days)})


@dataclass(frozen=True)
class LgpsFigures:
    """One person's LGPS figures: the pension fund's quarterly figure by contract year, and the
    actual employer contributions over quarters 1–3 by contract year."""

    fund_quarterly: dict[int, Decimal] = field(default_factory=dict)
    actual_q1_q3: dict[int, Decimal] = field(default_factory=dict)


def _agreed_quarterly(figures: LgpsFigures, year: int, who: str) -> Decimal:
    """The quarterly figure agreed at year `year`'s third-quarter reconciliation."""
    actual = figures.actual_q1_q3.get(year)
    if actual is None:
        raise MissingFigure(
            f"{who}: the actual LGPS contributions for quarters 1–3 of year {year} are not recorded."
        )
    return actual / 3


def _estimate(staff: StaffTerms, quarter: Quarter, figures: LgpsFigures) -> tuple[Decimal, Decimal, str]:
    """(quarterly figure, pro-rated amount, where the figure came from) for quarters 1, 2 and 4."""
    who = staff.reference
    if quarter.number == 4:
        base = _agreed_quarterly(figures, quarter.year, who)
        source = (
            f"on the calculation agreed at quarter 3: actual contributions over quarters 1–3 of "
            f"{_money(figures.actual_q1_q3[quarter.year])} ÷ 3 = {_money(pennies(base))}"
        )
    elif quarter.year == 1:
        fund = figures.fund_quarterly.get(1)
        if fund is None:
            raise MissingFigure(
                f"{who}: the Norfolk Pension Fund's quarterly figure for year 1 is not recorded."
            )
        base, source = fund, f"on the Norfolk Pension Fund's quarterly figure: {_money(fund)}"
    else:
        base = _agreed_quarterly(figures, quarter.year - 1, who)
        source = (
            f"on the prior year's amount: year {quarter.year - 1}'s actual contributions over quarters 1–3 of "
            f"{_money(figures.actual_q1_q3[quarter.year - 1])} ÷ 3 = {_money(pennies(base))}"
        )
    held = days_in_role(staff, quarter)
    days = held[2] if held else 0
    return base, pennies(base * days / quarter.days), source


def lgps_contribution(
    staff: StaffTerms, quarter: Quarter, figures: LgpsFigures, contract_start: dt.date
) -> LegacyCharge | None:
    """The LGPS employer contributions for the quarter (see the module's note 1), or None for a
    person not in the LGPS or with no day in a TUPE'd role in the quarter."""
    if not staff.lgps_member or days_in_role(staff, quarter) is None:
        return None
    held = days_in_role(staff, quarter)
    days = held[2] if held else 0
    share = "" if days == quarter.days else f" × {days}/{quarter.days} days in a TUPE'd role = "
    if quarter.number != 3:
        base, amount, source = _estimate(staff, quarter, figures)
        result = f"{share}{_money(amount)}" if share else ""
        step = f"Quarter {quarter.number}, {source}{result}{_ended(staff, quarter)}"
        return LegacyCharge(amount, [step], {"source": source, "days": str(days)})
    actual = figures.actual_q1_q3.get(quarter.year)
    if actual is None:
        raise MissingFigure(
            f"{staff.reference}: the actual LGPS contributions for quarters 1–3 of year {quarter.year} "
            "are not recorded (quarter 3 is the reconciliation point)."
        )
    charged = []
    for number in (1, 2):
        earlier = quarter_numbered(contract_start, quarter.year, number)
        if days_in_role(staff, earlier) is None:
            charged.append(ZERO)
        else:
            charged.append(_estimate(staff, earlier, figures)[1])
    amount = actual - charged[0] - charged[1]
    step = (
        f"Quarter 3, the reconciliation: actual contributions over quarters 1–3 of {_money(actual)} − "
        f"{_money(charged[0])} charged for quarter 1 − {_money(charged[1])} charged for quarter 2 = "
        f"{_money(amount)}{_ended(staff, quarter)}"
    )
    return LegacyCharge(
        amount, [step], {"actual_q1_q3": str(actual), "q1": str(charged[0]), "q2": str(charged[1])}
    )
