"""Pure KPI rules: percentages, thresholds, RAG, bands, and each KPI's formula. No ORM, no I/O.

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

The formulas (`count`, `share`, `missed_visits`, …) turn a `Tally` — what one declaration in
`kpis.measures` counted for one contract or scheme — into a `Figure`. Which records they count is
the declaration's business; how the counts make a figure is theirs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from portal.money import round_half_up, to_decimal
from portal.workdays import add_working_days
from workforce.rules import add_months

Number = int | Decimal
HUNDRED = Decimal(100)
HUNDREDTH = Decimal("0.01")
SIXTY = Decimal(60)
SEVEN = Decimal(7)


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


RAG_WORDS = {Rag.RED: "Red", Rag.AMBER: "Amber", Rag.GREEN: "Green", Rag.NONE: "Not rated"}

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


# Each scale on its own: PAMMS, Norfolk's own quality assessment, has four grades as CQC does, and
# "Good or higher" is Good or Outstanding for CQC, Good or Excellent for PAMMS `[004 App. 4]` —
# the ordinal 3 or more on either scale.
PAMMS_ORDINALS = {"excellent": 4, "good": 3, "requires_improvement": 2, "poor": 1}
PAMMS_LABELS = {
    "excellent": "Excellent",
    "good": "Good",
    "requires_improvement": "Requires improvement",
    "poor": "Poor",
}
GOOD_OR_HIGHER = 3


def ratio(numerator: Number | None, denominator: Number | None) -> Decimal | None:
    """numerator ÷ denominator to two places, half up (e.g. average hours); None when there is
    nothing to divide by."""
    if denominator is None or numerator is None:
        return None
    denominator = to_decimal(denominator)
    if denominator == 0:
        return None
    return round_half_up(to_decimal(numerator) / denominator, HUNDREDTH).quantize(HUNDREDTH)


def percentage(numerator: Number | None, denominator: Number | None) -> Decimal | None:
    """100 × numerator ÷ denominator to two places, half up; None when there is nothing to divide by."""
    return ratio(None if numerator is None else HUNDRED * to_decimal(numerator), denominator)


def greater_of_count_or_percent(*, count: Number, percent: Number, population: Number | None) -> Decimal:
    """Norfolk's complaints threshold: "no more than 2 service users (or 2% of total service users)
    whichever is greater" `[004 App. 4]`. For a scheme of 60: 2% is 1.2, so 2; of 150: 2% is 3, so 3;
    of 175: 3.5 (so 3 upheld complaints are within it, 4 are not)."""
    share = to_decimal(percent) * to_decimal(population or 0) / HUNDRED
    return max(to_decimal(count), share).quantize(HUNDREDTH)


def rag(value: Number | None, *, direction: str, threshold: Number | None, margin: Number) -> str:
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
HOURS_BANDS: tuple[tuple[str, str, Decimal | None, Decimal | None, Decimal], ...] = (
    ("high", "13 hours or more a week", Decimal(13), None, Decimal(40)),
    ("medium", "9 to under 13 hours a week", Decimal(9), Decimal(13), Decimal(30)),
    ("low", "Under 9 hours a week", None, Decimal(9), Decimal(30)),
)


def hours_band(weekly_hours: Number) -> str:
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


def band_mix(counts: Mapping[str, int]) -> list[BandShare]:
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


def within_months(started: dt.date, completed: dt.date, months: int) -> bool:
    return (
        month_key(completed.year, completed.month, completed.day)
        <= month_key(started.year, started.month, started.day) + months * 100
    )


def latest_start_due(day: dt.date, months: int) -> dt.date:
    """The latest start date whose "within `months` of starting" deadline has passed by `day`: staff
    who started then or earlier are due the course `[004 App. 4]`. For 30 September and 6 months:
    31 March (its deadline, 30 September, has come); 1 April's is 1 October."""
    first = day.replace(day=1)
    first = add_months(first, -months) if months else first
    best = None
    probe = first
    while probe <= day and add_months(probe, months) <= day:  # at most a month of days
        best = probe
        probe += dt.timedelta(days=1)
    return best or (first - dt.timedelta(days=1))


def hours(minutes: Number | None) -> Decimal:
    """Minutes as hours to two places, half up."""
    return round_half_up(to_decimal(minutes or 0) / SIXTY, HUNDREDTH).quantize(HUNDREDTH)


# Figures ---------------------------------------------------------------------------------


@dataclass
class Figure:
    """One KPI's figure for one contract (or scheme): what a `KpiValue` stores."""

    numerator: Decimal | None = None
    denominator: Decimal | None = None
    value: Decimal | None = None
    text: str = ""
    breakdown: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""


@dataclass(frozen=True)
class Part:
    """A labelled sub-figure of a tally: a count by status or reason, hours not used, …"""

    key: str
    label: str
    amount: Number


@dataclass(frozen=True)
class Tally:
    """What one declaration counted for one contract or scheme: `records` behind the figure (each
    person once where the declaration counts people), `counted` — those in its numerator, or the
    quantity it adds up over them — and its labelled `parts`, by group."""

    records: int = 0
    counted: Number = 0
    parts: Mapping[str, Sequence[Part]] = field(default_factory=dict)

    def part(self, group: str) -> Number:
        return sum((p.amount for p in self.parts.get(group, ())), 0)

    def rows(self, group: str, prefix: str = "") -> list[dict[str, Any]]:
        return [{"label": f"{prefix}{p.label}", "count": p.amount} for p in self.parts.get(group, ())]


# The group of parts that breaks a count down by a field's value (reason, category, activity).
BY = "by"


def _d(value: Number | None) -> Decimal:
    return to_decimal(value or 0)


def count(tally: Tally, breakdown: list[dict[str, Any]] | None = None) -> Figure:
    """A count: the records counted (by default broken down by the declaration's field)."""
    n = _d(tally.counted)
    return Figure(numerator=n, value=n, breakdown=tally.rows(BY) if breakdown is None else breakdown)


def share(tally: Tally, note: str = "") -> Figure:
    """A percentage: those counted of the records behind the figure."""
    return Figure(
        numerator=_d(tally.counted),
        denominator=_d(tally.records),
        value=percentage(tally.counted, tally.records),
        note=note,
    )


def alarm_calls_answered(tally: Tally) -> Figure:
    """Derby D1 `[002 §3.1]`: calls answered within 10 minutes; unanswered calls count against it."""
    unanswered = tally.part("unanswered")
    return share(tally, note=f"{unanswered} call(s) not answered" if unanswered else "")


def missed_visits(tally: Tally) -> Figure:
    """Norfolk's missed visits `[004 App. 4]`: missed of the visits due, with those left out listed
    and visits with no outcome yet noted."""
    figure = share(tally)
    figure.breakdown = tally.rows("left_out", prefix="Left out: ")
    unrecorded = tally.part("no_outcome")
    figure.note = f"{unrecorded} visit(s) have no outcome recorded and are left out" if unrecorded else ""
    return figure


def hours_delivered(tally: Tally) -> Figure:
    """Norfolk N7a: the hours delivered (the minutes of the visits delivered)."""
    delivered = hours(tally.counted)
    return Figure(
        numerator=delivered,
        value=delivered,
        breakdown=[{"label": "Visits delivered", "count": tally.records}],
    )


def hours_delivered_against_allocated(tally: Tally, allocated_hour_days: Decimal) -> Figure:
    """Derby D4 `[002 §3.5]`: hours delivered as a share of hours allocated, where each day an order
    is in force carries a seventh of its weekly hours (`allocated_hour_days` ÷ 7), with the hours not
    used by reason."""
    delivered = hours(tally.counted)
    allocated = round_half_up(allocated_hour_days / SEVEN, HUNDREDTH).quantize(HUNDREDTH)
    breakdown: list[dict[str, Any]] = [
        {"label": "Hours allocated", "hours": str(allocated)},
        {"label": "Hours delivered", "hours": str(delivered)},
    ]
    for part in [*tally.parts.get("unused", ()), *tally.parts.get("cut_short", ())]:
        if part.amount:
            breakdown.append({"label": f"Not used: {part.label}", "hours": str(hours(part.amount))})
    return Figure(
        numerator=delivered,
        denominator=allocated,
        value=percentage(delivered, allocated),
        breakdown=breakdown,
        note=f"{max(allocated - delivered, Decimal(0))} allocated hours not delivered",
    )


def of_received(tally: Tally, received: str) -> Figure:
    """A count of some of the records received, with how many were received (N1, N14)."""
    return count(tally, breakdown=[{"label": received, "count": tally.records}])


def upheld_complaints(tally: Tally) -> Figure:
    """Norfolk N1 `[004 App. 4]`: concerns and complaints upheld, of those received."""
    return of_received(tally, "Received")


def tenancies_declined(tally: Tally) -> Figure:
    """Norfolk N14 `[004 App. 4]`: tenancies declined solely by the provider, of the nominations decided."""
    return of_received(tally, "Nominations decided")


def staff_turnover(tally: Tally, window: tuple[dt.date, dt.date]) -> Figure:
    """Leavers in the 12 months as a share of the average headcount on the first and last day."""
    at_start, at_end = tally.part("at_start"), tally.part("at_end")
    average = (_d(at_start) + _d(at_end)) / 2
    return Figure(
        numerator=_d(tally.counted),
        denominator=average.quantize(HUNDREDTH),
        value=percentage(tally.counted, average),
        breakdown=[
            {"label": f"In post on {window[0]:%d %b %Y}", "count": at_start},
            {"label": f"In post on {window[1]:%d %b %Y}", "count": at_end},
        ],
    )


def cqc_rating(rating: str, rated_on: dt.date | None) -> Figure:
    """The provider's CQC rating as an ordinal, and in words."""
    ordinal = RATING_ORDINALS.get(rating)
    when = f" (rated {rated_on:%d %B %Y})" if rated_on else ""
    return Figure(value=_d(ordinal) if ordinal else None, text=RATING_LABELS.get(rating, rating) + when)


@dataclass(frozen=True)
class Rating:
    """A published rating: which scheme of assessment (CQC or PAMMS), the grade, and its date."""

    source: str  # "cqc" or "pamms"
    grade: str
    rated_on: dt.date | None


def most_recent_rating(cqc: Rating | None, pamms: Rating | None) -> Figure:
    """Norfolk N4 `[004 App. 4]`: "Published CQC/PAMMS rating of Good or higher. The most recent
    rating will be considered." Each rating stays on its own scale (its words in the text); the
    value is its ordinal, so Good or higher is 3 or more on either: PAMMS Excellent 4 counts, CQC
    Requires improvement 2 does not. The more recent wins; an undated CQC rating gives way to any
    PAMMS assessment, and on the same day the council's PAMMS assessment is taken."""
    candidates = [r for r in (cqc, pamms) if r is not None and r.grade]
    if not candidates:
        return Figure(text="No rating")
    latest = max(candidates, key=lambda r: (r.rated_on or dt.date.min, r.source == "pamms"))
    scale, labels, name = (
        (PAMMS_ORDINALS, PAMMS_LABELS, "PAMMS")
        if latest.source == "pamms"
        else (RATING_ORDINALS, RATING_LABELS, "CQC")
    )
    ordinal = scale.get(latest.grade)
    when = f" ({latest.rated_on:%d %B %Y})" if latest.rated_on else ""
    verdict = (
        "" if ordinal is None else (" — Good or higher" if ordinal >= GOOD_OR_HIGHER else " — below Good")
    )
    return Figure(
        value=_d(ordinal) if ordinal else None,
        text=f"{name} {labels.get(latest.grade, latest.grade)}{when}{verdict}",
    )


def days_whose_deadline_falls_in(
    period: tuple[dt.date, dt.date], working_days: int
) -> tuple[dt.date, dt.date]:
    """The first and last day a clock of `working_days` may start on for its deadline to fall in
    `period` (`portal.workdays.add_working_days`, which never goes backwards as the start moves
    on). R7 and N16 count a record in the quarter its window closes, so a referral accepted two
    working days before a quarter's end counts in the next quarter `[000 §5, 004 §8.5.5]`. For 7
    working days and 1 April – 30 June 2026: from Monday 23 March (its 7th working day is 1 April)
    to Sunday 21 June (its 7th is 30 June)."""
    start, end = period
    first = start - dt.timedelta(days=2 * working_days + 14)
    while add_working_days(first, working_days) < start:
        first += dt.timedelta(days=1)
    last = end
    while last >= first and add_working_days(last, working_days) > end:
        last -= dt.timedelta(days=1)
    return first, last


@dataclass(frozen=True)
class Residents:
    """Residents with planned care on a day, their total weekly hours, and how many in each band."""

    n: int = 0
    hours: Decimal = Decimal(0)
    bands: Mapping[str, int] = field(default_factory=dict)


def average_weekly_hours(residents: Residents) -> Figure:
    """Norfolk N7b: commissioned weekly hours per resident."""
    return Figure(
        numerator=residents.hours, denominator=_d(residents.n), value=ratio(residents.hours, residents.n)
    )


def hours_mix(residents: Residents) -> Figure:
    """Norfolk N7c `[004 App. 4, App. 5]`: residents (one each, not per visit) in each hours band."""
    mix = band_mix(residents.bands)
    text = " · ".join(
        f"{b.label}: {b.count} ({b.percent if b.percent is not None else '–'}%, aim {b.aim}%)" for b in mix
    )
    return Figure(
        denominator=_d(sum(residents.bands.values())),
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


def hospital_and_end_of_life(tally: Tally, deaths: Tally, ends: Tally) -> Figure:
    """Norfolk N11 `[004 App. 4]`: the percentage of hospital stays ended in the window after which
    the person returned home to the scheme, with the deaths by place (the aim: most residents
    supported at the end of their life in the scheme) and how services ended, by reason."""
    figure = share(tally)
    died_at_home = sum((p.amount for p in deaths.parts.get(BY, ()) if p.key == "scheme"), 0)
    figure.breakdown = [
        {"label": "Hospital stays ended", "count": tally.records},
        {"label": "Returned home from hospital", "count": tally.counted},
        {"label": "Deaths", "count": deaths.records},
        *deaths.rows(BY, prefix="Died: "),
        *ends.rows(BY, prefix="Service ended: "),
    ]
    if deaths.records:
        figure.note = f"{died_at_home} of {deaths.records} death(s) at home in the scheme ({percentage(died_at_home, deaths.records)}%)"
    return figure


@dataclass(frozen=True)
class RepeatedNights:
    """Residents with two or more overnight calls in one night, and those for whom that happened on
    three or more nights (a sustained pattern)."""

    residents: int = 0
    sustained: int = 0


def unplanned_care(tally: Tally, nights: RepeatedNights) -> Figure:
    """Norfolk N12 `[004 App. 4]`: alarm calls, overnight calls, and residents calling repeatedly at night."""
    return count(
        tally,
        breakdown=[
            {"label": "Overnight calls (22:00–07:00)", "count": tally.part("overnight")},
            {"label": "Residents with two or more calls in one night", "count": nights.residents},
            {"label": "… on three or more nights (sustained)", "count": nights.sustained},
        ],
    )


def voids(tally: Tally) -> Figure:
    """Norfolk N13: voids open at the quarter's end, pending and actual, and those let again."""
    return count(
        tally,
        breakdown=[
            {"label": "Pending at the quarter's end", "count": tally.part("pending")},
            {"label": "Actual (empty) at the quarter's end", "count": tally.part("actual")},
            {"label": "Let again during the quarter", "count": tally.part("let")},
        ],
    )
