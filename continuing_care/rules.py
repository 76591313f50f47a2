"""Pure rules of the NHS children's complex care (Part 2) `[001 Part 2]`. No ORM, no I/O."""

import datetime as dt
from decimal import Decimal

from portal.money import pennies

MOBILISATION_WEEKS = 20  # "within the 20-week period" `[001 P2 §4.4]`
REVIEW_ALERT_DAYS = 28  # the commissioner is alerted this many days before an eligibility review is due

# The milestones a new mobilisation plan starts with (week, title); the commissioner and provider
# may add more. Week 20 is the end of the period by which the package must have mobilised.
STANDARD_MILESTONES = [
    (2, "Individual health plans received for every person"),
    (6, "Staff recruited and vetted (enhanced DBS, children's workforce)"),
    (10, "Clinical competencies signed off by the overseeing registered nurse"),
    (14, "Introductions made and first visits held"),
    (MOBILISATION_WEEKS, "Package of care fully mobilised with the provider's own staff"),
]


def week_due_on(starts_on: dt.date, week: int) -> dt.date:
    """The last day of week `week` counted from `starts_on` (week 1 is `starts_on` and the six days
    after it): a milestone due "in week n" is due by then. Week 20 of a plan starting Monday
    5 January 2026 ends on Sunday 24 May 2026 (5 January + 20 × 7 − 1 days)."""
    if week < 1:
        raise ValueError("Weeks count from 1.")
    return starts_on + dt.timedelta(days=7 * week - 1)


def review_alert_on(review_due_on: dt.date) -> dt.date:
    """The day the commissioner is alerted that a continuing-care eligibility review is coming."""
    return review_due_on - dt.timedelta(days=REVIEW_ALERT_DAYS)


def review_state(review_due_on: dt.date, today: dt.date) -> str:
    """ "overdue", "due soon" (within the alert window) or "" for an eligibility's review."""
    if today > review_due_on:
        return "overdue"
    if today >= review_alert_on(review_due_on):
        return "due soon"
    return ""


def mileage_claim_problems(
    *,
    has_agreement: bool,
    travelled_on: dt.date,
    miles: Decimal,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    miles_already_claimed: Decimal = Decimal("0"),
    max_miles: Decimal | None = None,
) -> dict[str, str]:
    """Why a mileage claim may not be made, by field. Mileage is paid "only with the prior agreement
    of the Commissioner" `[001 P2 §3.4]`: the claim names an agreement, for a journey inside its
    dates, within the miles it covers."""
    if not has_agreement:
        return {
            "agreement": "Mileage can only be claimed under the commissioner's prior agreement: "
            "name the mileage agreement that covers this journey."
        }
    problems = {}
    assert valid_from is not None and valid_to is not None and max_miles is not None
    if not valid_from <= travelled_on <= valid_to:
        problems["travelled_on"] = (
            f"The agreement covers journeys from {valid_from:%-d %B %Y} to {valid_to:%-d %B %Y} only."
        )
    left = max_miles - miles_already_claimed
    if miles > left:
        problems["miles"] = f"The agreement covers {max_miles} miles in all; {left} are left to claim."
    return problems


def mileage_amount(miles: Decimal, rate_per_mile: Decimal) -> Decimal:
    """Miles × the agreed rate, to the penny (ROUND_HALF_UP)."""
    return pennies(miles * rate_per_mile)
