"""Pure compliance calculations (no ORM, no I/O): deadlines, expiry windows and gaps."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from portal.workdays import add_working_days

#: Items expiring within this many days show on the dashboards and raise alerts.
EXPIRY_WARNING_DAYS = 30
#: A rating below Good must be notified within this many working days `[002 §4.3]`.
RATING_NOTICE_WORKING_DAYS = 2
BELOW_GOOD = {"requires_improvement", "inadequate"}


def rating_notice_due(rated_on: dt.date) -> dt.date:
    """The last day to tell the council of a rating below Good: 2 working days after the rating's
    date (weekends and England's bank holidays excluded) `[002 §4.3]`. A rating on Friday 28 Aug
    2026 is due by Wednesday 2 Sep 2026 (Monday 31 Aug is the summer bank holiday)."""
    return add_working_days(rated_on, RATING_NOTICE_WORKING_DAYS)


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
