"""Pure calculations for framework entry and call-off evaluation (no ORM, no I/O).

Entry criteria `[003 App. 1]`: a lot's criteria are grouped in routes; every criterion of a route
must be met and meeting any one route is enough. Registration and ratings come from what the
portal holds; enhanced DBS for all staff from the staff register's vetting; policies from the
provider's compliance record or, failing that, its declaration; declarations only from the
applicant.

Call-off scoring: each quality question carries a weight (percentage points) and a highest
score; price carries the rest of the 100%.

    quality points = Σ question weight × score ÷ highest score
    price points   = price weight × lowest bid rate ÷ this bid's rate
    total          = quality points + price points

Quality and price points are each rounded half up to 2 decimal places (portal.money's one
rule) and the total is their sum, so the published figures add up. Bids rank by total, highest
first; a tie goes to the lower rate, then to the earlier bid.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from compliance.rules import fmt_day
from portal.money import round_half_up, to_decimal

GOOD_OR_BETTER = {"good", "outstanding"}
RATING_LABELS = {
    "outstanding": "Outstanding",
    "good": "Good",
    "requires_improvement": "Requires improvement",
    "inadequate": "Inadequate",
    "not_yet_rated": "Not yet rated",
}
POINTS = Decimal("0.01")
HUNDRED = Decimal("100")


# Entry criteria -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderFacts:
    """What the portal holds about a provider, and what it declares in its application."""

    cqc_location_id: str = ""
    cqc_rating: str = ""
    cqc_rating_date: dt.date | None = None
    ofsted_urn: str = ""
    ofsted_rating: str = ""
    ofsted_rating_date: dt.date | None = None
    #: policy kind -> review due date, for the provider's current (latest) policy of each kind
    policies: dict[str, dt.date] = field(default_factory=dict)
    #: ids of the criteria the applicant declares it meets
    declared: frozenset[int] = frozenset()
    #: staff on the register employed today, and how many of them have no enhanced DBS check
    staff_employed: int = 0
    staff_without_enhanced_dbs: int = 0


@dataclass(frozen=True)
class Criterion:
    id: int
    route: int
    route_label: str
    requirement: str
    text: str
    policy_kind: str = ""
    policy_label: str = ""


@dataclass(frozen=True)
class CriterionResult:
    criterion_id: int
    route: int
    text: str
    met: bool
    #: "portal" (from what the portal holds), "declared" (the applicant declared it), or "" (unmet)
    basis: str
    detail: str
    #: whether the applicant may meet it by declaring (policies and declarations)
    declarable: bool

    def as_dict(self) -> dict:
        return {
            "criterion": self.criterion_id,
            "route": self.route,
            "text": self.text,
            "met": self.met,
            "basis": self.basis,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class EntryAssessment:
    results: list[CriterionResult]
    met: bool
    #: the route that is met (the first), or None
    route_met: int | None

    def failures(self) -> list[CriterionResult]:
        return [r for r in self.results if not r.met]


def _rating(value: str) -> str:
    return RATING_LABELS.get(value, value or "none")


def _fmt(day: dt.date | None) -> str:
    return fmt_day(day) if day else ""


def assess_criterion(criterion: Criterion, facts: ProviderFacts, today: dt.date) -> CriterionResult:
    req = criterion.requirement

    def result(met: bool, basis: str, detail: str, declarable: bool = False) -> CriterionResult:
        return CriterionResult(criterion.id, criterion.route, criterion.text, met, basis, detail, declarable)

    registration = {
        "cqc_registered": ("CQC", "location", "no CQC location ID is recorded for you", False),
        "cqc_good_or_better": ("CQC", "location", "you are not registered with CQC", True),
        "ofsted_registered": ("Ofsted", "URN", "no Ofsted registration is recorded for you", False),
        "ofsted_good_or_better": ("Ofsted", "URN", "you are not registered with Ofsted", True),
    }.get(req)
    if registration is not None:
        regulator, reference_label, unregistered, needs_good = registration
        reference, rating, rated_on = (
            (facts.cqc_location_id, facts.cqc_rating, facts.cqc_rating_date)
            if regulator == "CQC"
            else (facts.ofsted_urn, facts.ofsted_rating, facts.ofsted_rating_date)
        )
        when = f" ({_fmt(rated_on)})" if rated_on else ""
        if not reference:
            return result(False, "", unregistered)
        if not needs_good:
            return result(True, "portal", f"{regulator} {reference_label} {reference}")
        if rating in GOOD_OR_BETTER:
            return result(True, "portal", f"{regulator} rated {_rating(rating)}{when}")
        return result(False, "", f"your {regulator} rating is {_rating(rating)}{when}")
    if req == "policy":
        review = facts.policies.get(criterion.policy_kind)
        if review is not None and review >= today:
            return result(True, "portal", f"policy on record, review due {_fmt(review)}", declarable=True)
        if criterion.id in facts.declared:
            return result(True, "declared", "declared by the applicant", declarable=True)
        if review is not None:
            return result(False, "", f"the policy on record was due for review on {_fmt(review)}", True)
        return result(False, "", "no such policy on record and not declared", declarable=True)
    if req == "enhanced_dbs_all_staff":
        # "All staff (employed and volunteers) shall have enhanced DBS checks" [003 App. 1]: read
        # from the staff register, not declared.
        if not facts.staff_employed:
            return result(False, "", "no staff are recorded on your staff register")
        if facts.staff_without_enhanced_dbs:
            return result(
                False,
                "",
                f"{facts.staff_without_enhanced_dbs} of {facts.staff_employed} staff have no enhanced DBS "
                "check recorded",
            )
        return result(True, "portal", f"all {facts.staff_employed} staff hold an enhanced DBS check")
    if req == "declaration":
        if criterion.id in facts.declared:
            return result(True, "declared", "declared by the applicant", declarable=True)
        return result(False, "", "not declared", declarable=True)
    raise ValueError(f"Unknown entry requirement {req!r}")


def assess_entry(criteria: list[Criterion], facts: ProviderFacts, today: dt.date) -> EntryAssessment:
    """Assess every criterion; the lot is met if every criterion of some route is (or if it has none)."""
    results = [assess_criterion(c, facts, today) for c in criteria]
    routes: dict[int, list[CriterionResult]] = {}
    for r in results:
        routes.setdefault(r.route, []).append(r)
    if not routes:
        return EntryAssessment(results, True, None)
    route_met = next((route for route in sorted(routes) if all(r.met for r in routes[route])), None)
    return EntryAssessment(results, route_met is not None, route_met)


def entry_failure_message(lot_name: str, criteria: list[Criterion], assessment: EntryAssessment) -> str:
    """Name every unmet criterion, route by route, in words an applicant can act on."""
    labels = {c.route: c.route_label for c in criteria}
    routes = sorted({r.route for r in assessment.results})
    parts = []
    for route in routes:
        unmet = [r for r in assessment.results if r.route == route and not r.met]
        words = "; ".join(f"{r.text} — {r.detail}" for r in unmet)
        if len(routes) > 1:
            label = labels.get(route) or f"Route {route}"
            parts.append(f"{label}: {words}")
        else:
            parts.append(words)
    return f"You do not meet the entry criteria for {lot_name}. " + " Or, ".join(parts) + "."


# Call-off scoring ---------------------------------------------------------------------------


def price_band_error(rate: Decimal, price_min: Decimal, price_max: Decimal) -> str | None:
    """A bid outside the band is refused `[004 App. 3 §1]`."""
    rate = to_decimal(rate)
    if price_min <= rate <= price_max:
        return None
    side = "above" if rate > price_max else "below"
    return (
        f"The hourly rate £{rate:.2f} is {side} the price band of £{price_min:.2f} to £{price_max:.2f}: "
        "bids outside the band are refused."
    )


@dataclass(frozen=True)
class QuestionScore:
    weight: Decimal
    max_score: int
    score: int | None


@dataclass(frozen=True)
class BidForScoring:
    bid_id: int
    hourly_rate: Decimal
    submitted_at: dt.datetime
    scores: tuple[QuestionScore, ...]


@dataclass(frozen=True)
class RankedBid:
    bid_id: int
    rank: int
    hourly_rate: Decimal
    quality_points: Decimal | None
    price_points: Decimal
    total: Decimal | None
    fully_scored: bool


def quality_points(scores: Sequence[QuestionScore]) -> Decimal | None:
    """Σ weight × score ÷ highest score, rounded to 2 places; None until every question is scored."""
    given = [(to_decimal(s.weight), s.score, s.max_score) for s in scores if s.score is not None]
    if len(given) < len(scores):
        return None
    for _weight, score, max_score in given:
        if not 0 <= score <= max_score:
            raise ValueError(f"A score must be between 0 and {max_score}")
    raw = sum((weight * score / max_score for weight, score, max_score in given), Decimal("0"))
    return round_half_up(raw, POINTS).quantize(POINTS)


def price_points(rate: Decimal, lowest: Decimal, price_weight: Decimal) -> Decimal:
    """price weight × lowest rate ÷ this rate, rounded to 2 places: the lowest bid gets the full weight."""
    rate, lowest = to_decimal(rate), to_decimal(lowest)
    if rate <= 0:
        raise ValueError("A bid's rate must be above zero")
    return round_half_up(to_decimal(price_weight) * lowest / rate, POINTS).quantize(POINTS)


def rank_bids(bids: list[BidForScoring], price_weight: Decimal) -> list[RankedBid]:
    """Score and rank bids. Bids not yet fully scored rank after the scored ones."""
    if not bids:
        return []
    lowest = min(b.hourly_rate for b in bids)
    scored = []
    for b in bids:
        q = quality_points(b.scores)
        p = price_points(b.hourly_rate, lowest, price_weight)
        scored.append((b, q, p, None if q is None else q + p))
    scored.sort(key=lambda t: (t[3] is None, -(t[3] or 0), t[0].hourly_rate, t[0].submitted_at, t[0].bid_id))
    return [
        RankedBid(b.bid_id, i, b.hourly_rate, q, p, total, q is not None)
        for i, (b, q, p, total) in enumerate(scored, start=1)
    ]


def weights_error(price_weight: Decimal, question_weights: list[Decimal]) -> str | None:
    """Published weights must add up to 100%."""
    total = to_decimal(price_weight) + sum((to_decimal(w) for w in question_weights), Decimal("0"))
    if total != HUNDRED:
        return f"The price weight and the question weights add up to {total.normalize():f}%, not 100%."
    return None
