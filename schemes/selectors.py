"""Reads for frameworks, lots, schemes and contracts, already scoped to the user."""

import datetime as dt

from django.db.models import Count, Prefetch

from portal.tenancy import scoped

from .models import Contract, ContractRate, Framework, Lot, Scheme, SchemeUnitGroup, SchemeUnplannedHours


def framework_tree(user, frameworks=None):
    """Frameworks the user may see (or the given scoped queryset of them), each with its visible lots and schemes (unit totals
    annotated), in a fixed number of queries however many schemes there are."""
    schemes = scoped(Scheme, user).with_unit_totals().order_by("name")
    lots = (
        scoped(Lot, user)
        .prefetch_related(Prefetch("schemes", queryset=schemes, to_attr="visible_schemes"))
        .annotate(contract_count=Count("contracts", distinct=True))
    )
    frameworks = scoped(Framework, user) if frameworks is None else frameworks
    return frameworks.select_related("commissioner").prefetch_related(
        Prefetch("lots", queryset=lots, to_attr="visible_lots")
    )


def scheme_units(scheme):
    return SchemeUnitGroup.objects.filter(scheme=scheme)


def contracts_for(user):
    return scoped(Contract, user).select_related("commissioner", "provider", "lot", "lot__framework")


def contract_rates(user, contract):
    return scoped(ContractRate, user).filter(contract=contract).order_by("-effective_from")


def contract_unplanned_hours(user, contract):
    return scoped(SchemeUnplannedHours, user).filter(contract=contract).select_related("scheme")


def contracts_in_notice_window(user, today: dt.date, days: int = 90):
    """Live contracts whose last day for giving notice falls within `days` of today (or has
    passed while the contract still runs): the commissioner must decide whether to extend.
    Contracts per organisation are few (tens), so this filters in Python."""
    horizon = today + dt.timedelta(days=days)
    live = contracts_for(user).live_on(today).filter(end_date__isnull=False)
    return [c for c in live if c.notice_deadline() <= horizon]
