"""Pure calculations on orders: what was commissioned on which day. No ORM, no I/O.

A week's commissioned hours are day-weighted: each day carries one seventh of the weekly hours of
the order version in force that day, so an order varied on a Wednesday counts Monday and Tuesday
on the old hours and Wednesday onwards on the new. Dorset's weekly package price is pro-rated by
day the same way. Nothing here rounds: rounding happens once, on the invoice line
(`portal.money`).
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol
from zoneinfo import ZoneInfo

from portal.workdays import add_working_days, is_working_day, working_days_between

SEVEN = Decimal(7)
SIXTY = Decimal(60)
LONDON = ZoneInfo("Europe/London")


class VersionLike(Protocol):
    @property
    def effective_from(self) -> dt.date: ...
    @property
    def weekly_hours(self) -> Decimal: ...
    @property
    def weekly_price(self) -> Decimal | None: ...


@dataclass(frozen=True)
class Version:
    """A plain version, for callers that read versions with values() rather than models."""

    effective_from: dt.date
    weekly_hours: Decimal
    weekly_price: Decimal | None = None


def days(start: dt.date, end: dt.date) -> Iterable[dt.date]:
    """Every day from start to end inclusive."""
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


def version_in_force(versions: Sequence[VersionLike], day: dt.date) -> VersionLike | None:
    """The version with the latest effective_from on or before `day` (None before the first)."""
    current = None
    for version in sorted(versions, key=lambda v: v.effective_from):
        if version.effective_from <= day:
            current = version
        else:
            break
    return current


def _in_order(day: dt.date, order_start: dt.date | None, order_end: dt.date | None) -> bool:
    return (order_start is None or day >= order_start) and (order_end is None or day <= order_end)


def commissioned_minutes_by_day(
    versions: Sequence[VersionLike],
    start: dt.date,
    end: dt.date,
    *,
    order_start: dt.date | None = None,
    order_end: dt.date | None = None,
) -> dict[dt.date, Decimal]:
    """{day: weekly hours in force that day × 60 ÷ 7} for each day from start to end; days outside
    the order's dates, or before its first version, carry nothing."""
    result = {}
    for day in days(start, end):
        version = version_in_force(versions, day) if _in_order(day, order_start, order_end) else None
        result[day] = (version.weekly_hours * SIXTY / SEVEN) if version is not None else Decimal(0)
    return result


def commissioned_minutes(
    versions: Sequence[VersionLike],
    start: dt.date,
    end: dt.date,
    *,
    order_start: dt.date | None = None,
    order_end: dt.date | None = None,
) -> Decimal:
    """Commissioned minutes from start to end inclusive, day-weighted (unrounded).

    Example: 14 h/week until Tuesday, 21 h/week from Wednesday, week Monday–Sunday:
    2 days × 14×60/7 + 5 days × 21×60/7 = 240 + 900 = 1,140 minutes (19 hours).

    The weekly figures are summed first and divided by 7 once, so a whole week at 10.25 h is
    exactly 615 minutes, not 615.0000…2.
    """
    weekly_sum = Decimal(0)
    for day in days(start, end):
        version = version_in_force(versions, day) if _in_order(day, order_start, order_end) else None
        if version is not None:
            weekly_sum += version.weekly_hours
    return weekly_sum * SIXTY / SEVEN


def package_price(
    versions: Sequence[VersionLike],
    start: dt.date,
    end: dt.date,
    *,
    order_start: dt.date | None = None,
    order_end: dt.date | None = None,
) -> Decimal:
    """Dorset: the weekly package price for each day the order is in force, ÷ 7 per day
    (unrounded). A full week at £350 is £350; three days are £150."""
    weekly_sum = Decimal(0)
    for day in days(start, end):
        if not _in_order(day, order_start, order_end):
            continue
        version = version_in_force(versions, day)
        if version is not None and version.weekly_price is not None:
            weekly_sum += version.weekly_price
    return weekly_sum / SEVEN


# --- Week by week ------------------------------------------------------------------------------


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


class TemporaryVariationLike(Protocol):
    start_date: dt.date
    end_date: dt.date
    extra_hours_per_week: Decimal


def authorised_extra_minutes(
    variations: Iterable[TemporaryVariationLike], start: dt.date, end: dt.date
) -> Decimal:
    """Extra minutes that approved temporary variations authorise from start to end inclusive,
    day-weighted like commissioned hours (a week of +3 h/week is 180 minutes; two days are
    3 × 60 × 2 / 7). Pass approved variations only. Unrounded."""
    weekly_sum = Decimal(0)
    for variation in variations:
        first, last = max(start, variation.start_date), min(end, variation.end_date)
        if first <= last:
            weekly_sum += variation.extra_hours_per_week * ((last - first).days + 1)
    return weekly_sum * SIXTY / SEVEN


@dataclass(frozen=True)
class WeekOfHours:
    """One Monday–Sunday week of an order: what was commissioned, day-weighted."""

    week_start: dt.date
    commissioned_minutes: Decimal
    authorised_extra_minutes: Decimal
    varied_on: tuple[dt.date, ...]  # versions taking effect inside the week (not on its Monday)
    weekly_price: Decimal | None  # Dorset: the package price for the days in force

    @property
    def week_end(self) -> dt.date:
        return self.week_start + dt.timedelta(days=6)

    @property
    def commissioned_hours(self) -> Decimal:
        return self.commissioned_minutes / SIXTY

    @property
    def authorised_extra_hours(self) -> Decimal:
        return self.authorised_extra_minutes / SIXTY


def weeks_of_hours(
    versions: Sequence[VersionLike],
    first_monday: dt.date,
    weeks: int,
    *,
    order_start: dt.date | None = None,
    order_end: dt.date | None = None,
    variations: Sequence[TemporaryVariationLike] = (),
) -> list[WeekOfHours]:
    """Commissioned hours week by week (Monday–Sunday) for `weeks` weeks from `first_monday`.

    Example: 14 h/week, varied to 21 h/week from Wednesday 6 May 2026: the week of Monday 4 May
    holds 2 days × 2 h + 5 days × 3 h = 19 h, and shows the variation on the 6th; the weeks
    before hold 14 h and the weeks after 21 h."""
    if first_monday.weekday() != 0:
        raise ValueError("first_monday must be a Monday")
    priced = any(v.weekly_price is not None for v in versions)
    result = []
    for n in range(weeks):
        start = first_monday + dt.timedelta(days=7 * n)
        end = start + dt.timedelta(days=6)
        result.append(
            WeekOfHours(
                week_start=start,
                commissioned_minutes=commissioned_minutes(
                    versions, start, end, order_start=order_start, order_end=order_end
                ),
                authorised_extra_minutes=authorised_extra_minutes(variations, start, end),
                varied_on=tuple(
                    sorted(
                        v.effective_from
                        for v in versions
                        if start < v.effective_from <= end
                        and (order_start is None or v.effective_from > order_start)
                    )
                ),
                weekly_price=package_price(versions, start, end, order_start=order_start, order_end=order_end)
                if priced
                else None,
            )
        )
    return result


# --- Schedules --------------------------------------------------------------------------------


class ScheduleLineLike(Protocol):
    duration_minutes: int
    carers: int


def schedule_carer_minutes(lines: Iterable) -> int:
    """Carer-minutes a weekly schedule delivers: each visit's length × its number of carers
    (a 30-minute double-handed visit is an hour of care). Lines may be objects or dicts."""
    total = 0
    for line in lines:
        minutes = line["duration_minutes"] if isinstance(line, dict) else line.duration_minutes
        carers = (line.get("carers") or 1) if isinstance(line, dict) else (line.carers or 1)
        total += int(minutes) * int(carers)
    return total


def schedule_matches_hours(lines: Sequence, weekly_hours: Decimal) -> bool:
    """A weekly schedule, when there is one, delivers exactly the commissioned weekly hours.
    An empty schedule is allowed: Dorset buys outcome-based weekly packages `[000 §1.4]`."""
    return not lines or Decimal(schedule_carer_minutes(lines)) == weekly_hours * SIXTY


# --- Referral response times: Dorset KPIs R5–R8 `[000 §5]`, `[001 §7]` ----------------------------

EMERGENCY_RESPONSE_WORKING_HOURS = 24  # R5: emergency referrals answered within 24 hours (weekdays)
RESPONSE_WITHIN_DAYS = 7  # R6: every referral answered within week one (calendar days)
FIRST_VISIT_WITHIN_WORKING_DAYS = 7  # R7: first visit within 7 working days of acceptance
SUPPORT_SOLUTION_WITHIN_WORKING_DAYS = 5  # R8: outcomes agreed within 5 working days of the first visit


def _london(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("Give an aware datetime")
    return moment.astimezone(LONDON)


def _next_midnight(moment: dt.datetime) -> dt.datetime:
    """The next Europe/London midnight after `moment`, in UTC (right across clock changes)."""
    day = _london(moment).date() + dt.timedelta(days=1)
    return dt.datetime(day.year, day.month, day.day, tzinfo=LONDON).astimezone(dt.UTC)


def working_time_between(start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """Elapsed time from start to end that falls on working days (Europe/London days; weekends
    and England's bank holidays do not count). A clock-change day counts its real 23 or 25 hours.
    Arithmetic is in UTC: aware datetimes sharing a zone would otherwise compare as wall times."""
    total = dt.timedelta(0)
    cursor = start.astimezone(dt.UTC)
    end = end.astimezone(dt.UTC)
    while cursor < end:
        boundary = min(_next_midnight(cursor), end)
        if is_working_day(_london(cursor).date()):
            total += boundary - cursor
        cursor = boundary
    return total


def emergency_response_due(received_at: dt.datetime) -> dt.datetime:
    """When 24 working hours after an emergency referral's receipt run out: the clock stops on
    weekends and bank holidays. Received Friday 16:00 → due Monday 16:00; received on a Saturday →
    due Tuesday 00:00 (the clock starts on Monday). Answered in Europe/London time."""
    remaining = dt.timedelta(hours=EMERGENCY_RESPONSE_WORKING_HOURS)
    cursor = received_at.astimezone(dt.UTC)
    while True:
        boundary = _next_midnight(cursor)
        if is_working_day(_london(cursor).date()):
            available = boundary - cursor
            if remaining <= available:
                return _london(cursor + remaining)
            remaining -= available
        cursor = boundary


@dataclass(frozen=True)
class Measure:
    """One referral's standing against one KPI: met (True/False), or None while the clock is
    still running or the measure does not apply. `taken` is how long it took (working days,
    calendar days or hours, see `unit`); `due` is the deadline."""

    code: str
    title: str
    applies: bool
    met: bool | None = None
    due: dt.date | dt.datetime | None = None
    taken: Decimal | int | None = None
    unit: str = ""

    @property
    def state(self) -> str:
        if not self.applies:
            return "not applicable"
        if self.met is None:
            return "in progress"
        return "met" if self.met else "not met"


def _local_date(moment: dt.datetime) -> dt.date:
    return _london(moment).date()


def r5_emergency_response(
    *, is_emergency: bool, received_at: dt.datetime, responded_at: dt.datetime | None, now: dt.datetime
) -> Measure:
    title = "Emergency referral answered within 24 hours (weekdays)"
    if not is_emergency:
        return Measure("R5", title, applies=False)
    due = emergency_response_due(received_at)
    if responded_at is None:
        return Measure("R5", title, applies=True, met=False if now > due else None, due=due, unit="hours")
    taken = working_time_between(received_at, responded_at)
    hours = Decimal(int(taken.total_seconds())) / Decimal(3600)
    return Measure("R5", title, applies=True, met=responded_at <= due, due=due, taken=hours, unit="hours")


def r6_response_within_week_one(
    *, received_at: dt.datetime, responded_at: dt.datetime | None, today: dt.date
) -> Measure:
    title = "Referral answered within week one"
    received = _local_date(received_at)
    due = received + dt.timedelta(days=RESPONSE_WITHIN_DAYS)
    if responded_at is None:
        return Measure("R6", title, applies=True, met=False if today > due else None, due=due, unit="days")
    responded = _local_date(responded_at)
    return Measure(
        "R6",
        title,
        applies=True,
        met=responded <= due,
        due=due,
        taken=(responded - received).days,
        unit="days",
    )


def _within_working_days(
    code: str, title: str, *, since: dt.date | None, done: dt.date | None, within: int, today: dt.date
) -> Measure:
    """Something done within `within` working days of `since` (not applicable without `since`;
    in progress until done or late)."""
    if since is None:
        return Measure(code, title, applies=False)
    due = add_working_days(since, within)
    if done is None:
        return Measure(
            code, title, applies=True, met=False if today > due else None, due=due, unit="working days"
        )
    return Measure(
        code,
        title,
        applies=True,
        met=done <= due,
        due=due,
        taken=working_days_between(since, done),
        unit="working days",
    )


def r7_first_visit(
    *, accepted_on: dt.date | None, first_visit_date: dt.date | None, today: dt.date
) -> Measure:
    """First visit within 7 working days of the referral's acceptance: accepted on Thursday
    21 August 2025, the 7th working day after is Tuesday 2 September (Monday 25th is the August
    bank holiday), so a first visit that Tuesday meets it."""
    return _within_working_days(
        "R7",
        "First visit within 7 working days of acceptance",
        since=accepted_on,
        done=first_visit_date,
        within=FIRST_VISIT_WITHIN_WORKING_DAYS,
        today=today,
    )


def r8_support_solution(
    *, first_visit_date: dt.date | None, agreed_on: dt.date | None, today: dt.date
) -> Measure:
    """Support solution with outcomes agreed within 5 working days of the first visit."""
    return _within_working_days(
        "R8",
        "Support solution agreed within 5 working days of the first visit",
        since=first_visit_date,
        done=agreed_on,
        within=SUPPORT_SOLUTION_WITHIN_WORKING_DAYS,
        today=today,
    )


class ReferralLike(Protocol):
    is_emergency: bool
    received_at: dt.datetime
    responded_at: dt.datetime | None
    decision: str
    decided_at: dt.datetime | None
    first_visit_date: dt.date | None
    support_solution_agreed_date: dt.date | None


def referral_measures(referral: ReferralLike, *, now: dt.datetime) -> list[Measure]:
    """R5–R8 for one referral, as of `now`. A declined referral has no first visit to measure."""
    today = _london(now).date()
    decided_at = referral.decided_at if referral.decision == "accepted" else None
    accepted_on = _local_date(decided_at) if decided_at is not None else None
    first_visit = referral.first_visit_date if accepted_on is not None else None
    return [
        r5_emergency_response(
            is_emergency=referral.is_emergency,
            received_at=referral.received_at,
            responded_at=referral.responded_at,
            now=now,
        ),
        r6_response_within_week_one(
            received_at=referral.received_at, responded_at=referral.responded_at, today=today
        ),
        r7_first_visit(accepted_on=accepted_on, first_visit_date=referral.first_visit_date, today=today),
        r8_support_solution(
            first_visit_date=first_visit, agreed_on=referral.support_solution_agreed_date, today=today
        ),
    ]


# Care plans agreed face to face `[004 §3.2.9]` ---------------------------------------------

# "A face-to-face meeting with the Service User before the start of the Service ... except in
# emergency situations when this must be done within the first 48 hours." Dates only: a service
# starting some time on day D has its first 48 hours end on D + 2, so an emergency plan agreed
# face to face by D + 2 is in time; otherwise by the start day itself.
EMERGENCY_PLAN_DAYS = 2


def plan_agreement_deadline(start_date: dt.date, is_emergency: bool) -> dt.date:
    """The last day a care plan may be agreed face to face for an order starting on `start_date`."""
    return start_date + dt.timedelta(days=EMERGENCY_PLAN_DAYS if is_emergency else 0)


def plan_agreed_in_time(
    *, start_date: dt.date, is_emergency: bool, agreed_on: dt.date | None, face_to_face: bool
) -> bool:
    """Whether a plan was agreed as `[004 §3.2.9]` asks: face to face, by the deadline. A plan
    agreed by phone, or after the deadline, is not. Starting Monday 6 July 2026: agreed on the 6th
    is in time, on the 7th is late — unless an emergency, when the 8th is still in time."""
    return (
        face_to_face
        and agreed_on is not None
        and agreed_on <= plan_agreement_deadline(start_date, is_emergency)
    )


def age_on(date_of_birth: dt.date, day: dt.date) -> int:
    """Whole years of age on `day` (a birthday on 29 February falls on 1 March in other years)."""
    return day.year - date_of_birth.year - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))


def referral_age_problem(
    *, date_of_birth: dt.date | None, referred_on: dt.date, min_age: int | None, age_limit: int | None
) -> str | None:
    """Why a person may not be referred on a lot with an age range, or None.

    Dorset's children's lot takes "children and young people, aged between 8 years and up to the
    young person's 18th birthday" `[001 P1 §4.2]`: aged 8 on the day of referral (the 8th birthday
    itself is in), and referred before the 18th birthday (on it is out)."""
    if min_age is None and age_limit is None:
        return None
    if date_of_birth is None:
        return "Record the person's date of birth first: this lot takes referrals by age."
    age = age_on(date_of_birth, referred_on)
    if min_age is not None and age < min_age:
        return (
            f"On the referral date ({referred_on:%-d %B %Y}) the person is {age}; "
            f"this lot takes people aged {min_age} or over (date of birth {date_of_birth:%-d %B %Y})."
        )
    if age_limit is not None and age >= age_limit:
        return (
            f"On the referral date ({referred_on:%-d %B %Y}) the person has had their {_ordinal(age_limit)} "
            f"birthday; this lot takes referrals only before it (date of birth {date_of_birth:%-d %B %Y})."
        )
    return None


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
