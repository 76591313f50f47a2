"""Recovering money the council paid and should not have `[004 App. 6 §4.4 b, §5.1–5.2]`. Pure
functions: no ORM.

A credit note is recovered by set-off: the council deducts it from the provider's next invoices on
the contract `[§5.1]` ("may deduct that sum from any sum then due, or which at any later time may
become due"). An invoice is never taken below nothing: what does not fit is carried forward to
the invoice after.

Where a dispute settled in the council's favour after payment shows the provider claimed a sum
it was not entitled to, the provider repays it "with interest ... at the statutory rate from the
date on which payment was made" `[§4.4 b]`: the same statutory rate as late payment
(`invoicing.rules.interest`: 8% over the base rate on the reference date for the date paid),
simple, by day over 365, from the date the council paid up to, not including, the day the sum is
recovered. Each part of the principal carries its own interest to the day it is recovered, so a
remainder carried forward goes on earning interest until it is recovered, and no interest is
charged on interest. An overpayment found later `[§5.2]` is recoverable, the specification says
nothing of interest on it: none is charged.

Worked example: £1,000.00 paid on Friday 31 July 2026 (reference date 30 June 2026, base rate
3.75%, so 11.75%); a dispute settled for the council at £120.00; set off on Monday 14 September
2026: 45 days → £120.00 × 11.75% × 45 ÷ 365 = £1.7383… → £1.74; £121.74 recovered.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from portal.money import PENNY, pennies

from .interest import InterestCharge, statutory_interest

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class OpenCredit:
    """What the set-off needs of a credit note: the principal still owed, whether it carries
    interest, and when the council paid."""

    outstanding: Decimal
    charges_interest: bool
    paid_on: dt.date


@dataclass(frozen=True)
class Recovery:
    principal: Decimal
    interest: Decimal
    charge: InterestCharge | None

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest

    def explanation(self) -> str:
        return self.charge.explanation() if self.charge is not None and self.interest else ""


def repayment_interest(
    principal: Decimal, paid_on: dt.date, recovered_on: dt.date, rates: Sequence[tuple[dt.date, Decimal]]
) -> InterestCharge | None:
    """Statutory interest on `principal` from the date the council paid it (no grace) up to, not
    including, the day it is recovered `[004 App. 6 §4.4 b]`; None before a day has run."""
    return statutory_interest(principal, paid_on, recovered_on, rates, grace_working_days=0)


def recover(
    credit: OpenCredit,
    available: Decimal | None,
    recovered_on: dt.date,
    rates: Sequence[tuple[dt.date, Decimal]],
) -> Recovery | None:
    """How much of `credit` (principal and its interest) `available` pounds recover on
    `recovered_on` (None: no limit, a repayment): all of it if it fits, else the largest principal
    that fits with its own interest. None if nothing can be recovered."""
    if credit.outstanding <= 0 or (available is not None and available <= 0):
        return None
    if not credit.charges_interest:
        return Recovery(
            credit.outstanding if available is None else min(credit.outstanding, available), ZERO, None
        )
    charge = repayment_interest(credit.outstanding, credit.paid_on, recovered_on, rates)
    interest = charge.interest if charge else ZERO
    if available is None or credit.outstanding + interest <= available:
        return Recovery(credit.outstanding, interest, charge)
    if charge is None:
        return Recovery(available, ZERO, None)
    # principal × (1 + rate × days ÷ 365) = available; then down a penny at a time while rounding
    # the interest up would take the invoice below nothing.
    factor = 1 + charge.annual_rate * charge.days / (100 * 365)
    principal = min(credit.outstanding, pennies(available / factor))
    while principal > 0:
        part = repayment_interest(principal, credit.paid_on, recovered_on, rates)
        part_interest = part.interest if part else ZERO
        if principal + part_interest <= available:
            return Recovery(principal, part_interest, part)
        principal -= PENNY
    return None


def set_off(
    gross: Decimal,
    already_set_off: Decimal,
    credits: Sequence[OpenCredit],
    recovered_on: dt.date,
    rates: Sequence[tuple[dt.date, Decimal]],
) -> list[Recovery | None]:
    """Set `credits` (oldest first) against an invoice of `gross` of which `already_set_off` is
    taken: one answer per credit note, None where nothing of it fits. The invoice's net payable
    (gross − all set-off) is never below nothing."""
    available = gross - already_set_off
    answers: list[Recovery | None] = []
    for credit in credits:
        recovery = recover(credit, available, recovered_on, rates)
        if recovery is not None:
            available -= recovery.total
        answers.append(recovery)
    return answers
