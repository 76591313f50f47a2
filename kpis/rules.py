"""Pure KPI calculations: percentages, thresholds, RAG and bands. No ORM, no I/O.

RAG against a target `[domain: Quarterly KPIs]`: green when the target is met; amber when it is
missed by no more than the amber margin (a fraction of the threshold, `PORTAL["KPI_AMBER_MARGIN"]`,
10% by default); red when it is missed by more. Worked examples with the default 10%:

* "no more than 2%" (at most 2.00): 2.00 is green, 2.20 amber (2.00 × 1.10), 2.21 red.
* "at least 90%" (at least 90.00): 90.00 green, 81.00 amber (90.00 × 0.90), 80.99 red.
* A count "no more than 4": 4 green; the amber band reaches 4.4, so 5 is red — on small
  whole-number thresholds there is no amber.
* A rating "Good or higher" is the ordinal 3 (Outstanding 4, Good 3, Requires improvement 2,
  Inadequate 1): Requires improvement misses by 1, more than 0.3, so it is red.

Targets with no direction (reported only) and discussion items have no RAG.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from portal.money import round_half_up, to_decimal

HUNDRED = Decimal(100)
HUNDREDTH = Decimal("0.01")


class Direction:
    AT_MOST = "at_most"
    AT_LEAST = "at_least"
    NONE = "none"
    DISCUSSION = "discussion"


class Rag:
    RED = "red"
    AMBER = "amber"
    GREEN = "green"
    NONE = "none"


RAG_WORDS = {Rag.RED: "Red", Rag.AMBER: "Amber", Rag.GREEN: "Green", Rag.NONE: "No RAG"}

# CQC ratings as ordinals, so "Good or higher" is an at-least target of 3.
RATING_ORDINALS = {"outstanding": 4, "good": 3, "requires_improvement": 2, "inadequate": 1}
RATING_LABELS = {
    "outstanding": "Outstanding",
    "good": "Good",
    "requires_improvement": "Requires improvement",
    "inadequate": "Inadequate",
    "not_yet_rated": "Not yet rated",
    "": "No rating",
}


def percentage(numerator, denominator) -> Decimal | None:
    """100 × numerator ÷ denominator to two places, half up; None when there is nothing to divide by."""
    if denominator is None or numerator is None:
        return None
    denominator = to_decimal(denominator)
    if denominator == 0:
        return None
    return round_half_up(HUNDRED * to_decimal(numerator) / denominator, HUNDREDTH).quantize(HUNDREDTH)


def ratio(numerator, denominator) -> Decimal | None:
    """numerator ÷ denominator to two places, half up (e.g. average hours)."""
    if denominator is None or numerator is None:
        return None
    denominator = to_decimal(denominator)
    if denominator == 0:
        return None
    return round_half_up(to_decimal(numerator) / denominator, HUNDREDTH).quantize(HUNDREDTH)


def greater_of_count_or_percent(*, count, percent, population) -> Decimal:
    """Norfolk's complaints threshold: "no more than 2 service users (or 2% of total service users)
    whichever is greater" `[004 App. 4]`. For a scheme of 60: 2% is 1.2, so 2; of 150: 2% is 3, so 3;
    of 175: 3.5 (so 3 upheld complaints are within it, 4 are not)."""
    share = to_decimal(percent) * to_decimal(population or 0) / HUNDRED
    return max(to_decimal(count), share).quantize(HUNDREDTH)


def rag(value, *, direction: str, threshold, margin) -> str:
    """The RAG status of `value` against `threshold` (see the module docstring)."""
    if value is None or threshold is None or direction not in (Direction.AT_MOST, Direction.AT_LEAST):
        return Rag.NONE
    value, threshold, margin = to_decimal(value), to_decimal(threshold), to_decimal(margin)
    band = abs(threshold) * margin
    if direction == Direction.AT_MOST:
        if value <= threshold:
            return Rag.GREEN
        return Rag.AMBER if value <= threshold + band else Rag.RED
    if value >= threshold:
        return Rag.GREEN
    return Rag.AMBER if value >= threshold - band else Rag.RED


# Norfolk's mix of residents by weekly care hours `[004 App. 4, App. 5]`: 40% at 13+ hours, 30% at
# 9–12 hours, 30% under 8 hours. The specification leaves 8–9 h and 12–13 h unbanded; App. 5 calls
# the low band "4–8 hrs". We band on whole hours started: under 9 h is low (so 8.5 h is low),
# 9 h up to but not including 13 h is medium (so 12.75 h is medium), 13 h and over is high.
HOURS_BANDS = (
    ("high", "13 hours or more a week", Decimal(13), None, Decimal(40)),
    ("medium", "9 to under 13 hours a week", Decimal(9), Decimal(13), Decimal(30)),
    ("low", "Under 9 hours a week", None, Decimal(9), Decimal(30)),
)


def hours_band(weekly_hours) -> str:
    hours = to_decimal(weekly_hours)
    for key, _label, low, high, _aim in HOURS_BANDS:
        if (low is None or hours >= low) and (high is None or hours < high):
            return key
    raise AssertionError("bands cover every number")  # pragma: no cover


@dataclass(frozen=True)
class BandShare:
    key: str
    label: str
    count: int
    percent: Decimal | None
    aim: Decimal


def band_mix(counts: dict[str, int]) -> list[BandShare]:
    """Each band's count and share of the residents counted (shares to 2 places, half up)."""
    total = sum(counts.values())
    return [
        BandShare(key, label, counts.get(key, 0), percentage(counts.get(key, 0), total), aim)
        for key, label, _low, _high, aim in HOURS_BANDS
    ]


def month_key(year: int, month: int, day: int) -> int:
    """An integer that orders dates: used to compare "within N months of" in SQL and in tests alike.
    A date d2 is within N months of d1 exactly when key(d2) <= key(d1) + N×100 with months counted
    as year×12+month: when d1's day does not exist N months on (31 Aug + 6 months), every day of
    that month is still on or before the month's last day, which is the deadline."""
    return (year * 12 + month - 1) * 100 + day


def within_months(started, completed, months: int) -> bool:
    return (
        month_key(completed.year, completed.month, completed.day)
        <= month_key(started.year, started.month, started.day) + months * 100
    )
