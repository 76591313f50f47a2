"""Roles and what each may do: the one place that maps a person to their capabilities.

A user holds exactly one role in exactly one organisation. Views and API endpoints ask for a
capability, never for a role, so that a new role is a change here only.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from .models import Actor, ApiToken


class OrganisationKind(models.TextChoices):
    COMMISSIONER = "commissioner", "Commissioner"
    PROVIDER = "provider", "Provider"
    OPERATOR = "operator", "Portal operator"


class Role(models.TextChoices):
    COMMISSIONER = "commissioner", "Commissioner"
    BROKERAGE = "brokerage", "Brokerage officer"
    PROVIDER_MANAGER = "provider_manager", "Provider manager"
    PROVIDER_STAFF = "provider_staff", "Provider staff"
    API_CLIENT = "api_client", "API client"
    SITE_ADMIN = "site_admin", "Site administrator"


class Capability(StrEnum):
    VIEW = "view"  # read whatever the organisation's scope allows
    COMMISSION = "commission"  # frameworks, contracts, KPI review, invoice approval and disputes
    BROKER = "broker"  # referrals, Individual Service Orders, variations, authorisations
    PROVIDER_MANAGE = "provider_manage"  # accept/decline orders, submit returns and invoices
    PROVIDER_RECORD = "provider_record"  # visits, absences, operational records
    ADMINISTER = "administer"  # platform set-up: organisations, users, reference data
    # An organisation's manager runs its people's accounts: invites, roles, deactivation, second
    # factors, unlocking (issue 15). Only within their own organisation.
    MANAGE_PEOPLE = "manage_people"


# Which roles an organisation of each kind may hold.
ROLES_BY_KIND: dict[str, set[str]] = {
    OrganisationKind.COMMISSIONER: {Role.COMMISSIONER, Role.BROKERAGE, Role.API_CLIENT},
    OrganisationKind.PROVIDER: {Role.PROVIDER_MANAGER, Role.PROVIDER_STAFF, Role.API_CLIENT},
    OrganisationKind.OPERATOR: {Role.SITE_ADMIN},
}

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.COMMISSIONER: frozenset({Capability.VIEW, Capability.COMMISSION, Capability.MANAGE_PEOPLE}),
    Role.BROKERAGE: frozenset({Capability.VIEW, Capability.BROKER}),
    Role.PROVIDER_MANAGER: frozenset(
        {Capability.VIEW, Capability.PROVIDER_MANAGE, Capability.PROVIDER_RECORD, Capability.MANAGE_PEOPLE}
    ),
    Role.PROVIDER_STAFF: frozenset({Capability.VIEW, Capability.PROVIDER_RECORD}),
    # An API client reads; its token may be granted some of its organisation's write capabilities.
    Role.API_CLIENT: frozenset({Capability.VIEW}),
    Role.SITE_ADMIN: frozenset({Capability.VIEW, Capability.ADMINISTER}),
}

# Accounts that are systems, not people: they call the API with a token (single-factor by design)
# and never sign in to the portal's pages (issue 15).
SYSTEM_ROLES: frozenset[str] = frozenset({Role.API_CLIENT})


def signs_in_to_browser(role: str) -> bool:
    """True for people's roles; an API client's account is refused at the sign-in page."""
    return role not in SYSTEM_ROLES


# What a token may be granted, by the kind of organisation that owns it.
GRANTABLE_TO_TOKENS: dict[str, frozenset[Capability]] = {
    OrganisationKind.COMMISSIONER: frozenset({Capability.COMMISSION, Capability.BROKER}),
    OrganisationKind.PROVIDER: frozenset({Capability.PROVIDER_RECORD, Capability.PROVIDER_MANAGE}),
    OrganisationKind.OPERATOR: frozenset(),
}


#: What a page or an API action needs: one capability, or several of which any one will do
#: (an absence is recorded by the provider's staff or by brokerage).
CapabilityNeed = Capability | tuple[Capability, ...]


def capabilities_of(user: Actor, token: ApiToken | None = None) -> frozenset[Capability]:
    """The capabilities a request may use: the role's, plus what its API token was granted."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    caps = set(ROLE_CAPABILITIES.get(user.role, frozenset()))
    if user.role == Role.API_CLIENT and token is not None:
        grantable = GRANTABLE_TO_TOKENS.get(user.organisation.kind, frozenset())
        caps |= {Capability(c) for c in token.scopes if c in grantable}
    return frozenset(caps)


def has_capability(user: Actor, capability: Capability, token: ApiToken | None = None) -> bool:
    return capability in capabilities_of(user, token)


def has_any_capability(user: Actor, need: CapabilityNeed, token: ApiToken | None = None) -> bool:
    """True if the user (with the request's token) holds the capability, or any one of several."""
    held = capabilities_of(user, token)
    options = need if isinstance(need, tuple) else (need,)
    return any(c in held for c in options)
