"""Pure compliance calculations (no ORM, no I/O): deadlines, expiry windows and gaps.

Notices of an inspection are owed to each council as its terms say (`notice_deadline`): the
outcome and report within the council's hours of the provider receiving the report (Norfolk: 24
`[004 §8.1.7]`), and a rating below Good within its working days of the rating (Derby: 2
`[002 §4.3]`); the earlier deadline governs a notice owed for both reasons. The action plan is
not part of the notice's deadline: it follows on the timescale the council agrees.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from portal.workdays import add_working_days
from workforce.rules import add_months

LONDON = ZoneInfo("Europe/London")

#: Items expiring within this many days show on the dashboards and raise alerts.
EXPIRY_WARNING_DAYS = 30
#: A rating below Good must be notified within this many working days `[002 §4.3]`.
RATING_NOTICE_WORKING_DAYS = 2
BELOW_GOOD = {"requires_improvement", "inadequate"}


def fmt_day(day: dt.date) -> str:
    """A date as notices and alerts write it: 2 Sep 2026."""
    return f"{day.day} {day:%b %Y}"


def rating_notice_due(rated_on: dt.date, working_days: int = RATING_NOTICE_WORKING_DAYS) -> dt.date:
    """The last day to tell the council of a rating below Good: 2 working days after the rating's
    date (weekends and England's bank holidays excluded) `[002 §4.3]`. A rating on Friday 28 Aug
    2026 is due by Wednesday 2 Sep 2026 (Monday 31 Aug is the summer bank holiday)."""
    return add_working_days(rated_on, working_days)


def end_of_day(day: dt.date) -> dt.datetime:
    """The last minute of a day in London: a deadline "by" a day."""
    return dt.datetime.combine(day, dt.time(23, 59), tzinfo=LONDON)


@dataclass(frozen=True)
class NoticeTerms:
    """A council's terms for notices (`ComplianceTerms`); None: not asked."""

    inspection_report_hours: int | None = None
    rating_notice_working_days: int | None = None


@dataclass(frozen=True)
class NoticeDeadline:
    due_at: dt.datetime
    report_required: bool  # the outcome and a copy of the report [004 §8.1.7]
    plan_required: bool  # a rating below Good: an action plan follows [002 §4.3]

    @property
    def due_on(self) -> dt.date:
        return self.due_at.astimezone(LONDON).date()


def notice_deadline(
    terms: NoticeTerms, *, rating: str, rated_on: dt.date, report_received_at: dt.datetime
) -> NoticeDeadline | None:
    """What one council is owed for one inspection, and by when; None if its terms ask nothing.

    Norfolk (24 hours): a report received on Friday 28 Aug 2026 at 15:00 is due by Saturday 29
    Aug 15:00, whatever the rating — the hours are clock hours. Derby (2 working days): a rating
    of Requires improvement on Friday 28 Aug 2026 is due by the end of Wednesday 2 Sep (the
    weekend and the bank holiday Monday skipped); a Good rating is owed nothing."""
    deadlines: list[dt.datetime] = []
    report = terms.inspection_report_hours is not None
    if report:
        deadlines.append(report_received_at + dt.timedelta(hours=terms.inspection_report_hours or 0))
    plan = is_below_good(rating) and terms.rating_notice_working_days is not None
    if plan:
        deadlines.append(end_of_day(rating_notice_due(rated_on, terms.rating_notice_working_days or 0)))
    if not deadlines:
        return None
    return NoticeDeadline(min(deadlines), report, plan)


# Other duties with due dates ----------------------------------------------------------------

#: Days (working days) after the event each duty is due; the self-assessment by months instead.
DUTY_WORKING_DAYS = {
    "significant_change": 0,  # "immediately" [004 §3.4.1]: the same day
    "safeguarding_lead": 0,  # the lead, and any change of them, notified in writing [002 §4.8]
    "serious_harm_review": 1,  # its start and outcome notified [004 §8.2.2]: by the next working day
}
SELF_ASSESSMENT_MONTHS = 12  # "on at least an annual basis" [002 §5]


def duty_due(kind: str, occurred_on: dt.date, self_assessment_months: int | None = None) -> dt.date:
    """When a provider's duty to a council falls due.

    - a significant change, or a new safeguarding lead: the day itself (at once);
    - a serious-harm review: the next working day (Friday 28 Aug 2026 → Tuesday 1 Sep 2026);
    - the self-assessment: 12 months (or the council's months) after the previous one;
    - consent to sub-contract: before the sub-contractor starts, i.e. by its planned start
      (`occurred_on`) `[002 §6.4]`, `[003 §11]`."""
    if kind == "self_assessment":
        return add_months(occurred_on, self_assessment_months or SELF_ASSESSMENT_MONTHS)
    if kind == "subcontracting":
        return occurred_on
    return add_working_days(occurred_on, DUTY_WORKING_DAYS[kind])


def is_below_good(rating: str) -> bool:
    return rating in BELOW_GOOD


class ExpiryState(StrEnum):
    CURRENT = "current"
    EXPIRING = "expiring"  # within the warning window
    EXPIRED = "expired"


def expiry_state(last_day: dt.date, today: dt.date, warn_days: int = EXPIRY_WARNING_DAYS) -> ExpiryState:
    """`last_day` is the last day something is valid (a certificate's expiry, a policy's review date)."""
    if last_day < today:
        return ExpiryState.EXPIRED
    if last_day <= today + dt.timedelta(days=warn_days):
        return ExpiryState.EXPIRING
    return ExpiryState.CURRENT


@dataclass(frozen=True)
class Certificate:
    kind: str
    cover: Decimal
    expires_on: dt.date


@dataclass(frozen=True)
class Requirement:
    kind: str
    minimum: Decimal
    commissioner: str = ""


@dataclass(frozen=True)
class InsuranceGap:
    kind: str
    problem: str  # "missing", "expired", "below", "expiring"
    text: str
    overdue: bool  # needs action now (not just a warning)


def _money(value: Decimal) -> str:
    return f"£{value:,.0f}" if value == value.to_integral_value() else f"£{value:,.2f}"


def insurance_gaps(
    requirements: list[Requirement],
    current: dict[str, Certificate],
    today: dt.date,
    labels: dict[str, str],
    warn_days: int = EXPIRY_WARNING_DAYS,
) -> list[InsuranceGap]:
    """Check a provider's current certificates (the latest-expiring of each kind) against
    requirements; also warn of any held certificate expired or expiring, required or not."""
    gaps: list[InsuranceGap] = []
    seen: set[str] = set()
    for req in requirements:
        label = labels.get(req.kind, req.kind)
        whose = f" ({req.commissioner})" if req.commissioner else ""
        cert = current.get(req.kind)
        if cert is None:
            gaps.append(
                InsuranceGap(req.kind, "missing", f"No {label.lower()} insurance certificate{whose}", True)
            )
            seen.add(req.kind)
            continue
        if cert.cover < req.minimum:
            gaps.append(
                InsuranceGap(
                    req.kind,
                    "below",
                    f"{label} cover of {_money(cert.cover)} is below the {_money(req.minimum)} required{whose}",
                    True,
                )
            )
    for kind, cert in sorted(current.items()):
        if kind in seen:
            continue
        label = labels.get(kind, kind)
        state = expiry_state(cert.expires_on, today, warn_days)
        if state == ExpiryState.EXPIRED:
            gaps.append(
                InsuranceGap(
                    kind, "expired", f"{label} insurance expired on {cert.expires_on:%d %b %Y}", True
                )
            )
        elif state == ExpiryState.EXPIRING:
            gaps.append(
                InsuranceGap(
                    kind, "expiring", f"{label} insurance expires on {cert.expires_on:%d %b %Y}", False
                )
            )
    return gaps
