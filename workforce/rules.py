"""Pure training-matrix calculations (no ORM, no I/O).

A course with a refresh interval `[002 §6.1]` is in date until its latest completion's expiry
(completed on + interval: training done on 1 March 2024 with a 2-year refresh is due again by
1 March 2026 and overdue from 2 March). A course that must be done within some months of
starting `[004 App. 4]` (MCA and DoLS within 6, Dementia Friends within 9) is "due" until that
date and overdue after it. A mandatory course with neither, never done, is "not done".

Which courses, and at what intervals, is each council's to say (`TrainingRequirement`): a
provider working with several is held to the strictest of them for each course (`strictest`),
so safeguarding last done 13 months ago is overdue for a Dorset provider (yearly `[003 §12.11]`)
and in date for a Derby provider (every 2 years `[002 §6.1]`).

Vetting `[002 §6.1]`, `[003 §7.4]`, `[001 §5.1]`: a DBS check (enhanced where the council or lot
requires it for all staff; the child workforce check for children's services), two written
references, and a right to work check, warned of before it expires (`vetting_gaps`). The ASC-WDS
share counts staff whose individual record was updated in the current financial year (from 1
April) `[003 §9.2]`.
"""

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from portal.money import round_half_up

WARNING_DAYS = 30


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day when it has no such day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class TrainingState(StrEnum):
    CURRENT = "current"
    EXPIRING = "expiring"  # in date, but due again within the warning window
    DUE = "due"  # not done yet, and not yet required (inside the months after starting)
    OVERDUE = "overdue"  # expired, or not done by the date it was required
    NOT_DONE = "not_done"  # a mandatory course never done, with no deadline of its own

    @property
    def label(self) -> str:
        return {
            "current": "In date",
            "expiring": "Due soon",
            "due": "Not yet due",
            "overdue": "Overdue",
            "not_done": "Not done",
        }[self.value]

    @property
    def is_gap(self) -> bool:
        return self in (TrainingState.OVERDUE, TrainingState.NOT_DONE)


@dataclass(frozen=True)
class CourseRule:
    refresh_months: int | None
    due_within_months_of_start: int | None


@dataclass(frozen=True)
class TrainingStatus:
    state: TrainingState
    #: the day it must be done (again) by, if there is one
    due_on: dt.date | None
    last_completed_on: dt.date | None


def training_status(
    rule: CourseRule,
    started_on: dt.date,
    last_completed_on: dt.date | None,
    today: dt.date,
    warn_days: int = WARNING_DAYS,
) -> TrainingStatus:
    warn_until = today + dt.timedelta(days=warn_days)
    if last_completed_on is not None:
        if not rule.refresh_months:
            return TrainingStatus(TrainingState.CURRENT, None, last_completed_on)
        due = add_months(last_completed_on, rule.refresh_months)
        if due < today:
            state = TrainingState.OVERDUE
        elif due <= warn_until:
            state = TrainingState.EXPIRING
        else:
            state = TrainingState.CURRENT
        return TrainingStatus(state, due, last_completed_on)
    if rule.due_within_months_of_start:
        due = add_months(started_on, rule.due_within_months_of_start)
        if due < today:
            return TrainingStatus(TrainingState.OVERDUE, due, None)
        return TrainingStatus(TrainingState.EXPIRING if due <= warn_until else TrainingState.DUE, due, None)
    return TrainingStatus(TrainingState.NOT_DONE, None, None)


def _least(values: Iterable[int | None]) -> int | None:
    present = [v for v in values if v]
    return min(present) if present else None


def strictest(rules: Iterable[CourseRule]) -> CourseRule:
    """One course required by several councils: the shortest refresh interval and the earliest
    deadline after starting any of them sets. Yearly (Dorset) beats every 2 years (Derby)."""
    rules = list(rules)
    return CourseRule(
        _least(r.refresh_months for r in rules), _least(r.due_within_months_of_start for r in rules)
    )


# Vetting ------------------------------------------------------------------------------------

ENHANCED_LEVELS = {"enhanced", "enhanced_barred"}
CHILD_WORKFORCES = {"child", "adult_child"}


@dataclass(frozen=True)
class VettingStandard:
    """What the councils a provider works with require (the strictest of them)."""

    enhanced_dbs: bool = False
    child_workforce: bool = False
    references: int = 2
    asc_wds_target: Decimal | None = None


def strictest_standard(standards: Iterable[VettingStandard]) -> VettingStandard:
    standards = list(standards)
    targets = [s.asc_wds_target for s in standards if s.asc_wds_target is not None]
    return VettingStandard(
        enhanced_dbs=any(s.enhanced_dbs for s in standards),
        child_workforce=any(s.child_workforce for s in standards),
        references=max((s.references for s in standards), default=2),
        asc_wds_target=max(targets) if targets else None,
    )


@dataclass(frozen=True)
class StaffVetting:
    dbs_level: str = ""
    dbs_workforce: str = ""
    dbs_issued_on: dt.date | None = None
    references: int = 0
    right_to_work_checked_on: dt.date | None = None
    right_to_work_expires_on: dt.date | None = None


@dataclass(frozen=True)
class VettingGap:
    item: str  # "dbs", "references", "right_to_work"
    text: str
    overdue: bool  # needs action now; otherwise a warning before expiry
    due_on: dt.date | None = None


def vetting_gaps(
    staff: StaffVetting, standard: VettingStandard, today: dt.date, warn_days: int = WARNING_DAYS
) -> list[VettingGap]:
    """What is missing from one member of staff's vetting, judged against the standard.

    A right to work that ends on 30 June 2026 is warned of from 31 May (30 days before) and
    overdue from 1 July."""
    gaps: list[VettingGap] = []
    level, workforce = staff.dbs_level, staff.dbs_workforce
    if not level:
        gaps.append(VettingGap("dbs", "No DBS check recorded", True))
    else:
        if standard.enhanced_dbs and level not in ENHANCED_LEVELS:
            gaps.append(VettingGap("dbs", "DBS check is not enhanced (enhanced required)", True))
        if standard.child_workforce and workforce not in CHILD_WORKFORCES:
            gaps.append(VettingGap("dbs", "DBS check does not cover the child workforce", True))
        if staff.dbs_issued_on is None:
            gaps.append(VettingGap("dbs", "DBS certificate's issue date not recorded", True))
    if staff.references < standard.references:
        gaps.append(
            VettingGap(
                "references",
                f"{staff.references} of {standard.references} written references received",
                True,
            )
        )
    if staff.right_to_work_checked_on is None:
        gaps.append(VettingGap("right_to_work", "No right to work check recorded", True))
    elif (ends := staff.right_to_work_expires_on) is not None:
        if ends < today:
            gaps.append(VettingGap("right_to_work", f"Right to work ended on {ends:%d %b %Y}", True, ends))
        elif ends <= today + dt.timedelta(days=warn_days):
            gaps.append(VettingGap("right_to_work", f"Right to work ends on {ends:%d %b %Y}", False, ends))
    return gaps


# The workforce data set ---------------------------------------------------------------------


def financial_year_start(day: dt.date) -> dt.date:
    """1 April on or before `day`."""
    return dt.date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def asc_wds_current(updated_on: dt.date | None, today: dt.date) -> bool:
    """An individual ASC-WDS record counts if it was updated in this financial year `[003 §9.2]`."""
    return updated_on is not None and financial_year_start(today) <= updated_on <= today


def share_percent(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` as a percentage to 1 decimal place, half up; None with nobody to count."""
    if not whole:
        return None
    return round_half_up(Decimal(part) * 100 / Decimal(whole), Decimal("0.1"))
