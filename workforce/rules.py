"""Pure training-matrix calculations (no ORM, no I/O).

A course with a refresh interval `[002 §6.1]` is in date until its latest completion's expiry
(completed on + interval: training done on 1 March 2024 with a 2-year refresh is due again by
1 March 2026 and overdue from 2 March). A course that must be done within some months of
starting `[004 App. 4]` (MCA and DoLS within 6, Dementia Friends within 9) is "due" until that
date and overdue after it. A mandatory course with neither, never done, is "not done".
"""

import calendar
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

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
