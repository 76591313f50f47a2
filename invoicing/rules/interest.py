"""Late-payment interest on an undisputed invoice `[004 App. 6 §3.4]`. Pure functions: no ORM.

If the council pays an undisputed invoice after its due date (30 days after receipt), the provider
may charge interest at the statutory rate from the day falling 15 working days after the due
date, by a separate invoice. The statutory rate (Late Payment of Commercial Debts (Interest) Act
1998) is 8% a year over the Bank of England base rate in force on the reference date: 31 December
for a debt falling due from January to June, 30 June for one falling due from July to December.
Simple interest, by the day over 365, for each day from that day up to but not including the
payment date; rounded to the penny once.

A dispute later settled in the provider's favour carries interest at the statutory rate "from the
date on which payment should have been made" `[004 App. 6 §4.4 a]`: from the due date itself, with
no 15 working days' grace.

Worked example: £10,441.76 due on Friday 26 June 2026 → interest runs from Friday 17 July 2026 (15
working days later); the reference date is 31 December 2025, when the base rate was 3.75%, so the
rate is 11.75%; paid on Friday 31 July 2026: 14 days → £10,441.76 × 11.75% × 14 ÷ 365 = £47.06.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from portal.money import pennies
from portal.workdays import add_working_days

STATUTORY_MARGIN_PERCENT = Decimal(8)
WORKING_DAYS_BEFORE_INTEREST = 15
DAYS_IN_YEAR = 365


def reference_date(due_on: dt.date) -> dt.date:
    """31 December before a debt falling due January–June; 30 June for July–December."""
    if due_on.month <= 6:
        return dt.date(due_on.year - 1, 12, 31)
    return dt.date(due_on.year, 6, 30)


def base_rate_on(rates: Sequence[tuple[dt.date, Decimal]], day: dt.date) -> Decimal:
    """The base rate in force on `day` from (effective from, rate %) pairs."""
    in_force = [rate for effective_from, rate in sorted(rates) if effective_from <= day]
    if not in_force:
        raise ValueError(f"No Bank of England base rate is recorded for {day:%-d %B %Y}.")
    return in_force[-1]


def interest_starts(due_on: dt.date, grace_working_days: int = WORKING_DAYS_BEFORE_INTEREST) -> dt.date:
    """The day falling 15 working days after the due date (or `grace_working_days`), from which
    interest runs."""
    return add_working_days(due_on, grace_working_days)


@dataclass(frozen=True)
class InterestCharge:
    amount: Decimal
    due_on: dt.date
    paid_on: dt.date
    starts_on: dt.date
    days: int
    reference_date: dt.date
    base_rate: Decimal
    annual_rate: Decimal
    interest: Decimal

    def explanation(self) -> str:
        return (
            f"£{self.amount:,.2f} × {self.annual_rate}% a year (8% over the base rate of {self.base_rate}% "
            f"on {self.reference_date:%-d %B %Y}) × {self.days} day{'s' if self.days != 1 else ''} "
            f"from {self.starts_on:%-d %B %Y} to {self.paid_on:%-d %B %Y} ÷ {DAYS_IN_YEAR} = £{self.interest:,.2f}"
        )


def statutory_interest(
    amount: Decimal,
    due_on: dt.date,
    paid_on: dt.date,
    rates: Sequence[tuple[dt.date, Decimal]],
    grace_working_days: int = WORKING_DAYS_BEFORE_INTEREST,
) -> InterestCharge | None:
    """The interest the provider may charge on `amount` due on `due_on` and paid on `paid_on`, or
    None if no day of interest has run."""
    starts_on = interest_starts(due_on, grace_working_days)
    days = (paid_on - starts_on).days
    if days <= 0:
        return None
    reference = reference_date(due_on)
    base = base_rate_on(rates, reference)
    annual = STATUTORY_MARGIN_PERCENT + base
    interest = pennies(amount * annual * days / (100 * DAYS_IN_YEAR))
    return InterestCharge(amount, due_on, paid_on, starts_on, days, reference, base, annual, interest)
