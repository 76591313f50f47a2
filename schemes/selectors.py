"""Reads for frameworks, lots, schemes and contracts, already scoped to the user."""

import datetime as dt

from django.db.models import Count, Prefetch, Q, QuerySet

from portal.models import Organisation, User
from portal.tenancy import scoped

from .models import (
    Contract,
    ContractQuerySet,
    ContractRate,
    Framework,
    Lot,
    Scheme,
    SchemeUnitGroup,
    SchemeUnplannedHours,
)


def framework_tree(user: User, frameworks: QuerySet[Framework] | None = None) -> QuerySet[Framework]:
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


def scheme_units(scheme: Scheme) -> QuerySet[SchemeUnitGroup]:
    return SchemeUnitGroup.objects.filter(scheme=scheme)


def contracts_for(user: User) -> ContractQuerySet:
    return scoped(Contract, user).select_related("commissioner", "provider", "lot", "lot__framework")


def contract_rates(user: User, contract: Contract) -> QuerySet[ContractRate]:
    return scoped(ContractRate, user).filter(contract=contract).order_by("-effective_from")


def contract_unplanned_hours(user: User, contract: Contract) -> QuerySet[SchemeUnplannedHours]:
    return scoped(SchemeUnplannedHours, user).filter(contract=contract).select_related("scheme")


def contracts_in_notice_window(user: User, today: dt.date, days: int = 90) -> list[Contract]:
    """Live contracts whose last day for giving notice falls within `days` of today (or has
    passed while the contract still runs): the commissioner must decide whether to extend.
    Contracts per organisation are few (tens), so this filters in Python."""
    horizon = today + dt.timedelta(days=days)
    live = contracts_for(user).live_on(today).filter(end_date__isnull=False)
    return [c for c in live if (deadline := c.notice_deadline()) is not None and deadline <= horizon]


def contract_by_reference(reference: str, commissioner: str | None = None) -> Contract:
    """One contract by its reference (references are unique per commissioner: give the
    commissioner's name where two councils use the same one). For the management commands, which
    act for the operator, not for a user; raises ValueError naming what is wrong."""
    contracts = Contract.objects.filter(reference=reference).select_related("commissioner", "provider")
    if commissioner:
        contracts = contracts.filter(commissioner__name=commissioner)
    found = list(contracts[:2])
    if not found:
        raise ValueError(f"No contract {reference!r}" + (f" of {commissioner}" if commissioner else "") + ".")
    if len(found) > 1:
        raise ValueError(f"{reference!r} names contracts of several commissioners: give --commissioner.")
    return found[0]


def provider_named(text: str) -> Organisation | None:
    """A provider by id, name or CQC location ID. Providers are on the public CQC register, so a
    council may name any of them in a new contract, not only those it already works with."""
    text = str(text).strip()
    providers = Organisation.objects.providers()
    if text.isdigit():
        return providers.filter(pk=int(text)).first()
    return providers.filter(Q(name=text) | Q(cqc_location_id=text)).first()
