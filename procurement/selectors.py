"""Reads for framework membership and call-offs, scoped to the user (sealed bids stay sealed:
every read of a bid goes through `Bid.objects.visible_to`), and what the entry check and the
ranking read before they call the pure rules."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from compliance.models import OfstedRegistration
from compliance.selectors import ProviderGaps, compliance_gaps, current_policies
from portal.models import Organisation, User
from portal.tenancy import scoped
from portal.workflow import NEW
from schemes.models import MEMBERSHIP_WORKFLOW, Contract, Framework, Lot, LotMembership, MembershipStatus
from workforce.selectors import staff_without_enhanced_dbs

from . import rules
from .models import Bid, BidStatus, CallOff, CallOffQuerySet, LotEntryCriterion, QualityQuestion


def memberships_for(user: User) -> QuerySet[LotMembership]:
    return scoped(LotMembership, user).select_related("lot", "lot__framework", "provider", "commissioner")


def calloffs_for(user: User) -> CallOffQuerySet:
    return (
        scoped(CallOff, user)
        .select_related("lot", "lot__framework", "commissioner", "contract")
        .prefetch_related(Prefetch("questions", queryset=QualityQuestion.objects.order_by("position")))
    )


def criteria_for(user: User, lot: Lot) -> QuerySet[LotEntryCriterion]:
    return scoped(LotEntryCriterion, user).filter(lot=lot).order_by("route", "position", "id")


@dataclass
class OpenLot:
    lot: Lot
    membership: LotMembership | None

    @property
    def can_apply(self) -> bool:
        status = self.membership.status if self.membership else NEW
        return status in MEMBERSHIP_WORKFLOW.sources("apply")


def open_lots_for_provider(user: User) -> list[OpenLot]:
    """Lots of open frameworks, each with the provider's membership (if any), in two queries."""
    lots = list(
        scoped(Lot, user)
        .filter(framework__is_open=True)
        .select_related("framework", "framework__commissioner")
        .order_by("framework__name", "position", "number")
    )
    mine = {m.lot_id: m for m in scoped(LotMembership, user).filter(lot__in=[lot.pk for lot in lots])}
    return [OpenLot(lot, mine.get(lot.pk)) for lot in lots]


@dataclass
class FrameworkProvider:
    provider: Organisation
    memberships: list[LotMembership] = field(default_factory=list)
    contracts: list[Contract] = field(default_factory=list)
    gaps: ProviderGaps | None = None


def framework_providers(user: User, framework: Framework, today: dt.date) -> list[FrameworkProvider]:
    """Every provider on a framework — applicants, members (any status) and contract holders —
    with its lots, statuses, rating and compliance gaps. A fixed number of queries."""
    rows: dict[int, FrameworkProvider] = {}
    memberships = (
        memberships_for(user).filter(lot__framework=framework).order_by("lot__position", "lot__number")
    )
    for m in memberships:
        rows.setdefault(m.provider_id, FrameworkProvider(m.provider)).memberships.append(m)
    contracts = (
        scoped(Contract, user)
        .filter(lot__framework=framework)
        .live_on(today)
        .select_related("provider", "lot")
    )
    for c in contracts:
        rows.setdefault(c.provider_id, FrameworkProvider(c.provider)).contracts.append(c)
    gaps = compliance_gaps(user, [r.provider for r in rows.values()], today)
    for pid, row in rows.items():
        row.gaps = gaps[pid]
    return sorted(rows.values(), key=lambda r: r.provider.name)


def pending_applications(user: User) -> QuerySet[LotMembership]:
    return memberships_for(user).filter(status=MembershipStatus.APPLIED)


@dataclass
class CallOffToBid:
    calloff: CallOff
    bid: Bid | None


def calloffs_to_bid(user: User, now: dt.datetime) -> list[CallOffToBid]:
    """Published call-offs still open that the provider may bid for, with its bid if any."""
    calloffs = list(calloffs_for(user).open_for_bids(now).order_by("closes_at"))
    mine = {b.calloff_id: b for b in scoped(Bid, user).filter(calloff__in=[c.pk for c in calloffs])}
    return [CallOffToBid(c, mine.get(c.pk)) for c in calloffs]


# The entry check's inputs -------------------------------------------------------------------


def criteria_of(lot: Lot) -> list[rules.Criterion]:
    return [
        rules.Criterion(c.pk, c.route, c.route_label, c.requirement, c.text, c.policy_kind)
        for c in LotEntryCriterion.objects.filter(lot=lot)
    ]


def provider_facts(
    provider: Organisation, declared: Iterable[int | str] = (), today: dt.date | None = None
) -> rules.ProviderFacts:
    """What the portal holds about a provider's registration, policies and staff vetting (three
    queries)."""
    ofsted = OfstedRegistration.objects.filter(provider=provider).first()
    policies = dict(current_policies().filter(provider=provider).values_list("kind", "review_due_on"))
    employed, without_enhanced = staff_without_enhanced_dbs(provider, today or timezone.localdate())
    return rules.ProviderFacts(
        cqc_location_id=provider.cqc_location_id,
        cqc_rating=provider.cqc_rating,
        cqc_rating_date=provider.cqc_rating_date,
        ofsted_urn=ofsted.urn if ofsted else "",
        ofsted_rating=ofsted.rating if ofsted else "",
        ofsted_rating_date=ofsted.rating_date if ofsted else None,
        policies=policies,
        declared=frozenset(int(d) for d in declared),
        staff_employed=employed,
        staff_without_enhanced_dbs=without_enhanced,
    )


def entry_assessment(
    *, provider: Organisation, lot: Lot, declared: Iterable[int | str] = (), today: dt.date | None = None
) -> tuple[list[rules.Criterion], rules.EntryAssessment]:
    """The lot's criteria and how the provider meets them today `[003 App. 1]`."""
    criteria = criteria_of(lot)
    today = today or timezone.localdate()
    facts = provider_facts(provider, declared, today)
    return criteria, rules.assess_entry(criteria, facts, today)


# The ranking --------------------------------------------------------------------------------


def ranking(calloff: CallOff, bids: QuerySet[Bid]) -> list[tuple[Bid, rules.RankedBid]]:
    """Score and rank the given (opened) bids of a call-off by the published weights."""
    opened = list(bids.prefetch_related("answers__question").select_related("provider"))
    by_id = {b.pk: b for b in opened}
    ranked = rules.rank_bids(
        [
            rules.BidForScoring(
                bid_id=b.pk,
                hourly_rate=b.hourly_rate,
                submitted_at=b.submitted_at,
                scores=tuple(
                    rules.QuestionScore(a.question.weight, a.question.max_score, a.score)
                    for a in b.answers.all()
                ),
            )
            for b in opened
        ],
        calloff.price_weight,
    )
    return [(by_id[r.bid_id], r) for r in ranked]


def opened_bids(calloff: CallOff) -> QuerySet[Bid]:
    """The call-off's submitted bids, unscoped: for the award, which runs only once they are opened."""
    return Bid.objects.filter(calloff=calloff, status=BidStatus.SUBMITTED)
