"""Reads for framework membership and call-offs, scoped to the user (sealed bids stay sealed:
every read of a bid goes through `Bid.objects.visible_to`)."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q

from compliance.selectors import ProviderGaps, compliance_gaps
from portal.models import Organisation
from portal.tenancy import scoped
from schemes.models import Contract, Framework, Lot

from .models import (
    Bid,
    BidStatus,
    CallOff,
    LotEntryCriterion,
    LotMembership,
    MembershipStatus,
    QualityQuestion,
)


def memberships_for(user):
    return scoped(LotMembership, user).select_related("lot", "lot__framework", "provider", "commissioner")


def calloffs_for(user):
    return (
        scoped(CallOff, user)
        .select_related("lot", "lot__framework", "commissioner", "contract")
        .prefetch_related(Prefetch("questions", queryset=QualityQuestion.objects.order_by("position")))
    )


def bids_for(user):
    return scoped(Bid, user).select_related("calloff", "provider", "commissioner")


def criteria_for(user, lot):
    return scoped(LotEntryCriterion, user).filter(lot=lot).order_by("route", "position", "id")


def open_lots_for_provider(user):
    """Lots of open frameworks, each with the provider's membership (if any), in three queries."""
    lots = list(
        scoped(Lot, user)
        .filter(framework__is_open=True)
        .select_related("framework", "framework__commissioner")
        .annotate(criteria_count=Count("entry_criteria"))
        .order_by("framework__name", "position", "number")
    )
    mine = {m.lot_id: m for m in scoped(LotMembership, user).filter(lot__in=[lot.pk for lot in lots])}
    for lot in lots:
        lot.my_membership = mine.get(lot.pk)
    return lots


@dataclass
class FrameworkProvider:
    provider: Organisation
    memberships: list = field(default_factory=list)
    contracts: list = field(default_factory=list)
    gaps: ProviderGaps | None = None


def framework_providers(user, framework: Framework, today: dt.date) -> list[FrameworkProvider]:
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


def pending_applications(user):
    return memberships_for(user).filter(status=MembershipStatus.APPLIED)


def calloffs_to_bid(user, now):
    """Published call-offs still open that the provider may bid for, with its bid if any."""
    calloffs = list(calloffs_for(user).open_for_bids(now).order_by("closes_at"))
    mine = {b.calloff_id: b for b in scoped(Bid, user).filter(calloff__in=[c.pk for c in calloffs])}
    for c in calloffs:
        c.my_bid = mine.get(c.pk)
    return calloffs


def opened_bid_counts(user, calloff_ids):
    return dict(
        scoped(Bid, user)
        .filter(calloff__in=calloff_ids, status=BidStatus.SUBMITTED)
        .values_list("calloff_id")
        .annotate(n=Count("id"))
    )


def admitted_providers(lot):
    return Organisation.objects.filter(
        Q(pk__in=LotMembership.objects.admitted().filter(lot=lot).values("provider_id"))
    ).order_by("name")
