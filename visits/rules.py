"""Pure rules on visits: how each status counts, and runs of consecutive visits. No ORM, no I/O.

How each visit status is paid and counted — delivered, paid though not delivered, not paid, towards
which runs, and why its hours went unused — is declared once, in `STATUS_RULES`. Everything else is
derived from it: the status sets (`DELIVERED_STATUSES`…), a week's totals in Python
(`WeekVisits.from_visits`, the test oracle) and in SQL (`visits.selectors.week_totals_sql`), the
"how this line was worked out" page (`counted_as`), and Derby's "hours used" page
(`UNUSED_REASONS`).

Norfolk `[004 §1.6, App. 3, App. 6 §3]`:
- completed and cut-short visits deliver their actual minutes;
- a visit cut short at the person's wish is paid in full: the rest of its scheduled time is paid,
  not delivered (all of it when no actuals were recorded);
- an aborted visit (the person not available, or refusing at the door) is paid its scheduled time;
- a short-notice cancellation by the person is paid its scheduled time unless it is the 4th or later
  consecutive cancellation of the order — either kind of cancellation counts towards that run
  `[004 App. 6 §3 c]`;
- a cancellation with notice and a visit the provider missed are not paid;
- notified to the council `[004 §1.6.1, §3.6.16]`: the 2nd and 3rd short-notice cancellation in a
  payment period, and separately the 2nd and 3rd visit aborted or cut short at the person's wish in
  a payment period (`StatusRule.notified_as` names the count a status adds to; `numbers_in_period`).

Runs are broken by any visit whose status is not counted; they cross week and period boundaries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

#: The 4th or later consecutive cancellation is not paid [004 App. 6 §3 c].
UNPAID_FROM_RUN_POSITION = 4

#: What the council is told of, counted per order and payment period `[004 §1.6.1, §3.6.16]`: the
#: 2nd and 3rd of each count.
SHORT_NOTICE = "short_notice"
ABORTED_OR_CUT_SHORT = "aborted_or_cut_short"
NOTIFIED_NUMBERS = (2, 3)
NOTICE_WORDS = {
    SHORT_NOTICE: "short-notice cancellation",
    ABORTED_OR_CUT_SHORT: "visit aborted or cut short at the person's wish",
}


class Paid(StrEnum):
    """What a visit's minutes pay, besides what it delivered."""

    NOTHING = "nothing"
    SCHEDULED = "scheduled"  # its scheduled minutes, paid though not delivered
    SHORTFALL = "shortfall"  # scheduled − actual (all scheduled minutes when no actuals)


@dataclass(frozen=True)
class StatusRule:
    status: str  # visits.models.VisitStatus value
    key: str  # names its totals: <key>_visits, <key>_minutes, <key>_shortfall_minutes
    delivered: bool  # its actual minutes are care delivered
    paid: Paid  # what it pays beyond what it delivered
    unpaid_late_in_run: bool = False  # not paid from the 4th consecutive cancellation
    in_payment_run: bool = False  # counts towards the run of cancellations [004 App. 6 §3 c]
    notified_as: str = ""  # the per-period count it adds to (2nd, 3rd notified) [004 §1.6.1]
    unused_reason: str = ""  # why allocated hours went unused (Derby's hours used [002 §3.5])
    counted_as: str = ""  # how the line page explains it; {actual}, {scheduled}, {short}, {n}


STATUS_RULES: tuple[StatusRule, ...] = (
    StatusRule(
        "completed", "completed", delivered=True, paid=Paid.NOTHING, counted_as="Delivered: {actual} min"
    ),
    StatusRule(
        "shortened_by_service_user",
        "shortened",
        delivered=True,
        paid=Paid.SHORTFALL,
        notified_as=ABORTED_OR_CUT_SHORT,
        unused_reason="Cut short at the person's wish",
        counted_as="Delivered {actual} min; {short} min paid, not delivered (cut short at the person's wish)",
    ),
    StatusRule(
        "aborted",
        "aborted",
        delivered=False,
        paid=Paid.SCHEDULED,
        notified_as=ABORTED_OR_CUT_SHORT,
        unused_reason="Aborted: the person was not available or refused at the door",
        counted_as="Paid, not delivered: {scheduled} min scheduled (aborted)",
    ),
    StatusRule(
        "cancelled_short_notice",
        "short_notice",
        delivered=False,
        paid=Paid.SCHEDULED,
        unpaid_late_in_run=True,
        in_payment_run=True,
        notified_as=SHORT_NOTICE,
        unused_reason="Cancelled by the person at short notice",
        counted_as="Paid, not delivered: {scheduled} min (cancellation {n} in a row)",
    ),
    StatusRule(
        "cancelled_with_notice",
        "cancelled_with_notice",
        delivered=False,
        paid=Paid.NOTHING,
        in_payment_run=True,
        unused_reason="Cancelled by the person with notice",
        counted_as="Not paid: cancelled with notice",
    ),
    StatusRule(
        "missed",
        "missed",
        delivered=False,
        paid=Paid.NOTHING,
        unused_reason="Missed by the provider",
        counted_as="Not paid: missed by the provider",
    ),
    StatusRule(
        "scheduled",
        "not_recorded",
        delivered=False,
        paid=Paid.NOTHING,
        unused_reason="Scheduled, no actuals recorded yet",
        counted_as="Not paid: no actuals recorded",
    ),
)
RULE_OF: dict[str, StatusRule] = {rule.status: rule for rule in STATUS_RULES}

DELIVERED_STATUSES = frozenset(r.status for r in STATUS_RULES if r.delivered)
# Towards the 4th-cancellation payment rule [004 App. 6 §3 c]: either kind of cancellation.
PAYMENT_RUN_STATUSES = frozenset(r.status for r in STATUS_RULES if r.in_payment_run)
# Towards the notification duty [004 §1.6.1, §3.6.16]: short-notice cancellations; aborted visits
# and visits cut short at the person's wish.
NOTIFIED_AS: dict[str, str] = {r.status: r.notified_as for r in STATUS_RULES if r.notified_as}
NOTIFIED_STATUSES = frozenset(NOTIFIED_AS)
# Why allocated hours went unused (Derby's hours-used page lists these, then absences and what the
# records do not explain).
UNUSED_REASONS: tuple[tuple[str, str], ...] = tuple(
    (r.key, r.unused_reason) for r in STATUS_RULES if r.unused_reason
)


# A week's totals ---------------------------------------------------------------------------------


class Measure(StrEnum):
    """What a total adds up, per visit (× its carers where each carer counts)."""

    COUNT = "count"
    ACTUAL = "actual"
    SCHEDULED = "scheduled"
    SHORTFALL = "shortfall"


@dataclass(frozen=True)
class Total:
    name: str
    status: str
    measure: Measure


def _totals() -> tuple[Total, ...]:
    """Each status's totals: how many visits; the minutes it delivered (actual) or, if it delivered
    nothing, its scheduled minutes; and for a cut-short visit the shortfall."""
    totals = []
    for rule in STATUS_RULES:
        totals.append(Total(f"{rule.key}_visits", rule.status, Measure.COUNT))
        totals.append(
            Total(f"{rule.key}_minutes", rule.status, Measure.ACTUAL if rule.delivered else Measure.SCHEDULED)
        )
        if rule.paid == Paid.SHORTFALL:
            totals.append(Total(f"{rule.key}_shortfall_minutes", rule.status, Measure.SHORTFALL))
    return tuple(totals)


WEEK_TOTALS: tuple[Total, ...] = _totals()
#: The totals' names, in the order the SQL returns them.
WEEK_VISIT_TOTALS: tuple[str, ...] = tuple(t.name for t in WEEK_TOTALS)


@dataclass(frozen=True)
class VisitFact:
    """One visit as the rules see it."""

    status: str
    scheduled_minutes: int
    actual_minutes: int | None = None
    run_position: int | None = None  # for cancellations: position in the run of consecutive ones
    carers: int = 1


def measure_of(visit: VisitFact, measure: Measure) -> int:
    """One visit's contribution to a total (before carers)."""
    actual = visit.actual_minutes
    if measure == Measure.COUNT:
        return 1
    if measure == Measure.ACTUAL:
        return actual or 0
    if measure == Measure.SCHEDULED:
        return visit.scheduled_minutes
    if actual is None:
        return visit.scheduled_minutes
    return max(0, visit.scheduled_minutes - actual)


@dataclass(frozen=True)
class WeekVisits:
    """A week of one order's visits, summed by what happened (in SQL for a run: the totals of
    `WEEK_TOTALS`). Minutes count once per carer where the contract counts each carer.

    Whether a short-notice cancellation is paid depends on its place in the run of consecutive
    cancellations, so those 4th or later in their run are also listed one by one, with their
    minutes and positions (`late_in_run`); the rest are paid in full."""

    completed_visits: int = 0
    completed_minutes: int = 0
    shortened_visits: int = 0
    shortened_minutes: int = 0
    shortened_shortfall_minutes: int = 0
    aborted_visits: int = 0
    aborted_minutes: int = 0
    short_notice_visits: int = 0
    short_notice_minutes: int = 0
    cancelled_with_notice_visits: int = 0
    cancelled_with_notice_minutes: int = 0
    missed_visits: int = 0
    missed_minutes: int = 0
    not_recorded_visits: int = 0
    not_recorded_minutes: int = 0
    late_in_run: tuple[tuple[int, int], ...] = ()  # (minutes, position ≥ 4)

    @classmethod
    def from_visits(cls, visits: Iterable[VisitFact], *, per_carer: bool = True) -> WeekVisits:
        """The week's totals worked out visit by visit (the SQL's test oracle)."""
        visits = list(visits)
        sums = dict.fromkeys(WEEK_VISIT_TOTALS, 0)
        late = []
        for visit in visits:
            carers = visit.carers if per_carer else 1
            rule = RULE_OF[visit.status]
            for total in WEEK_TOTALS:
                if total.status == visit.status:
                    weight = 1 if total.measure == Measure.COUNT else carers
                    sums[total.name] += measure_of(visit, total.measure) * weight
            if rule.unpaid_late_in_run and (visit.run_position or 1) >= UNPAID_FROM_RUN_POSITION:
                late.append((visit.scheduled_minutes * carers, visit.run_position or 1))
        return cls(**sums, late_in_run=tuple(sorted(late)))

    def total(self, key: str, what: str = "visits") -> int:
        return getattr(self, f"{key}_{what}")

    def by_status(self) -> dict[str, list[int]]:
        """The week's visits by status for a line's breakdown: [visits, minutes delivered or paid
        (, shortfall)], short-notice cancellations split into paid and unpaid."""
        summary: dict[str, list[int]] = {}
        for key, fields in _BREAKDOWN:
            if fields is None:
                summary[f"{key}_paid"] = list(self.short_notice_paid)
                summary[f"{key}_unpaid"] = list(self.short_notice_unpaid)
            else:
                summary[key] = [getattr(self, name) for name in fields]
        return summary

    def unused_minutes(self, key: str) -> int:
        """Allocated minutes a status left unused: a delivering status's shortfall, else its
        scheduled minutes (Derby's hours used `[002 §3.5]`)."""
        rule = next(r for r in STATUS_RULES if r.key == key)
        if rule.delivered:
            return self.total(key, "shortfall_minutes") if rule.paid == Paid.SHORTFALL else 0
        return self.total(key, "minutes")

    # A run reads these for every line, so each is worked out once per week (the dataclass stays
    # frozen: cached_property writes to the instance's __dict__).
    @cached_property
    def delivered_minutes(self) -> int:
        return sum(getattr(self, name) for name in _DELIVERED_FIELDS)

    @cached_property
    def short_notice_unpaid(self) -> tuple[int, int]:
        """(visits, minutes) of cancellations 4th or later in their run: not paid."""
        unpaid = [m for m, position in self.late_in_run if position >= UNPAID_FROM_RUN_POSITION]
        return len(unpaid), sum(unpaid)

    @property
    def short_notice_paid(self) -> tuple[int, int]:
        """(visits, minutes) of short-notice cancellations that are paid."""
        visits, minutes = self.short_notice_unpaid
        return self.short_notice_visits - visits, self.short_notice_minutes - minutes

    @cached_property
    def paid_not_delivered_minutes(self) -> int:
        paid = sum(getattr(self, name) for name in _PAID_NOT_DELIVERED_FIELDS)
        return paid - self.short_notice_unpaid[1]


# Which of WeekVisits' totals each figure reads, derived from STATUS_RULES once.
_DELIVERED_FIELDS: tuple[str, ...] = tuple(f"{r.key}_minutes" for r in STATUS_RULES if r.delivered)
_PAID_NOT_DELIVERED_FIELDS: tuple[str, ...] = tuple(
    f"{r.key}_shortfall_minutes" if r.paid == Paid.SHORTFALL else f"{r.key}_minutes"
    for r in STATUS_RULES
    if r.paid in (Paid.SCHEDULED, Paid.SHORTFALL)
)
# A line's breakdown: each status's [visits, minutes delivered or paid (, shortfall)]; None for the
# status split into paid and unpaid by its place in a run.
_BREAKDOWN: tuple[tuple[str, tuple[str, ...] | None], ...] = tuple(
    (
        r.key,
        None
        if r.unpaid_late_in_run
        else (f"{r.key}_visits",)
        + ((f"{r.key}_minutes",) if r.delivered or r.paid != Paid.NOTHING else ())
        + ((f"{r.key}_shortfall_minutes",) if r.paid == Paid.SHORTFALL else ()),
    )
    for r in STATUS_RULES
)


def counted_as(
    status: str, *, scheduled_minutes: int, actual_minutes: int | None, run_position: int | None
) -> str:
    """How the rules count one visit, in words, for the line page `[004 App. 6 §3]`."""
    rule = RULE_OF[status]
    n = run_position or 1
    if rule.unpaid_late_in_run and n >= UNPAID_FROM_RUN_POSITION:
        return f"Not paid: cancellation {n} in a row (the 4th or later)"
    fact = VisitFact(status, scheduled_minutes, actual_minutes)
    text = rule.counted_as.format(
        actual=actual_minutes or 0,
        scheduled=scheduled_minutes,
        short=measure_of(fact, Measure.SHORTFALL),
        n=n,
    )
    if rule.in_payment_run and rule.paid == Paid.NOTHING and run_position:
        text += f" (cancellation {run_position} in a row)"
    return text


# Runs ---------------------------------------------------------------------------------------------


def numbers_in_period(visits: Sequence[tuple[str, int]]) -> list[int | None]:
    """For visits in time order as (status, payment period number), each notified visit's number
    within its count (`StatusRule.notified_as`) in its period; None for the others
    (`visits.selectors.NOTICE_NUMBERS_SQL` is the same rule in SQL).

    >>> numbers_in_period([("cancelled_short_notice", 1), ("aborted", 1), ("completed", 1),
    ...                    ("shortened_by_service_user", 1), ("cancelled_short_notice", 1),
    ...                    ("cancelled_short_notice", 2)])
    [1, 1, None, 2, 2, 1]
    """
    counts: dict[tuple[str, int], int] = {}
    numbers: list[int | None] = []
    for status, period in visits:
        group = NOTIFIED_AS.get(status)
        if group is None:
            numbers.append(None)
            continue
        counts[(group, period)] = counts.get((group, period), 0) + 1
        numbers.append(counts[(group, period)])
    return numbers


def run_positions(statuses: Sequence[str], counted: Iterable[str]) -> list[int | None]:
    """For visits in time order, each counted visit's position in its run (1, 2, 3…); None for the
    visits that break runs (`visits.selectors.RUN_POSITIONS_SQL` is the same rule in SQL).

    >>> run_positions(["completed", "cancelled_short_notice", "cancelled_with_notice", "aborted",
    ...                "cancelled_short_notice"], PAYMENT_RUN_STATUSES)
    [None, 1, 2, None, 1]
    """
    counted = frozenset(counted)
    positions: list[int | None] = []
    run = 0
    for status in statuses:
        if status in counted:
            run += 1
            positions.append(run)
        else:
            run = 0
            positions.append(None)
    return positions


# The visits an order's schedule expects ---------------------------------------------------------
# One expansion of the weekly schedule into days, read by the expected-visit generator
# (`visits.expected`) and the demo: the version in force that day (latest effective_from on or
# before it), within the order's dates, and not on a day the person is away (an absence,
# `[004 App. 3 §3]`: no visits while in hospital or on holiday). Suspended orders expect nothing
# (the generator does not offer them); the suspension has no dates of its own.


@dataclass(frozen=True)
class ScheduleLine:
    """One line of a version's weekly schedule (packages_of_care.ScheduledVisit)."""

    weekday: int  # Monday is 0
    start_time: dt.time
    minutes: int
    carers: int = 1
    time_critical: bool = False


@dataclass(frozen=True)
class OrderSchedule:
    """What the expansion reads of one order: its dates, its versions' weekly schedules
    ((effective_from, lines), any order) and the person's absences ((start, end or None))."""

    start_date: dt.date
    end_date: dt.date | None
    versions: Sequence[tuple[dt.date, Sequence[ScheduleLine]]]
    away: Sequence[tuple[dt.date, dt.date | None]] = ()

    def lines_on(self, day: dt.date) -> list[ScheduleLine]:
        """The schedule's visits on `day`, by start time; none outside the order or while away."""
        if day < self.start_date or (self.end_date is not None and day > self.end_date):
            return []
        if any(start <= day and (end is None or day <= end) for start, end in self.away):
            return []
        in_force = [v for v in self.versions if v[0] <= day]
        if not in_force:
            return []
        _from, lines = max(in_force, key=lambda v: v[0])
        return sorted((line for line in lines if line.weekday == day.weekday()), key=lambda li: li.start_time)


def expected_visits(
    schedule: OrderSchedule, start: dt.date, end: dt.date
) -> list[tuple[dt.date, ScheduleLine]]:
    """Every (day, line) the schedule expects from `start` to `end` inclusive."""
    out: list[tuple[dt.date, ScheduleLine]] = []
    day = start
    while day <= end:
        out.extend((day, line) for line in schedule.lines_on(day))
        day += dt.timedelta(days=1)
    return out
