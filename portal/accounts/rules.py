"""What an organisation's manager may do to its people's accounts (issue 15): pure, no ORM.

A manager (a role holding `Capability.MANAGE_PEOPLE`) runs the accounts of their own organisation
only. They may give a person any of the roles the organisation's kind allows, except:
  - a role carrying a privileged capability the manager does not hold themselves (managing people,
    administering the platform): nobody raises anyone above their own powers;
  - an API client's role: those accounts are systems, made by the portal's operator with their key.
The organisation's working capabilities (commissioning and brokerage at a council, managing and
recording care at a provider) are the organisation's to share out among its people.
A manager does not deactivate themselves nor change their own role, so an organisation never loses
its last manager by its own hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from portal.roles import ROLE_CAPABILITIES, ROLES_BY_KIND, SYSTEM_ROLES, Capability

#: Capabilities that only someone holding them may pass on.
PRIVILEGED: frozenset[Capability] = frozenset({Capability.MANAGE_PEOPLE, Capability.ADMINISTER})

NOT_ABOVE_YOURSELF = "You cannot give someone a role with powers you do not hold yourself."
NOT_THIS_KIND = "That role is not one an organisation like yours can give."
NOT_A_SYSTEM = "API client accounts are set up by the portal's operator, with their key."
NOT_YOURSELF_ROLE = "You cannot change your own role: ask another manager in your organisation."
NOT_YOURSELF_DEACTIVATE = "You cannot deactivate your own account: ask another manager in your organisation."


def role_refusal(
    *, manager_capabilities: Iterable[Capability], organisation_kind: str, role: str
) -> str | None:
    """Why a manager holding `manager_capabilities` may not give `role` in an organisation of
    `organisation_kind`; None if they may."""
    if role not in ROLES_BY_KIND.get(organisation_kind, set()):
        return NOT_THIS_KIND
    if role in SYSTEM_ROLES:
        return NOT_A_SYSTEM
    privileged = ROLE_CAPABILITIES.get(role, frozenset()) & PRIVILEGED
    if not privileged <= frozenset(manager_capabilities):
        return NOT_ABOVE_YOURSELF
    return None


def grantable_roles(*, manager_capabilities: Iterable[Capability], organisation_kind: str) -> list[str]:
    """The roles a manager may give, in the order the organisation's kind lists them."""
    held = frozenset(manager_capabilities)
    return [
        role
        for role in ROLE_CAPABILITIES
        if role_refusal(manager_capabilities=held, organisation_kind=organisation_kind, role=role) is None
    ]


class InvitationState:
    OPEN = "open"
    USED = "used"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


def invitation_state(
    *,
    now: dt.datetime,
    expires_at: dt.datetime,
    accepted_at: dt.datetime | None,
    withdrawn_at: dt.datetime | None,
) -> str:
    """An invitation link works once, until it expires or a newer one replaces it."""
    if accepted_at is not None:
        return InvitationState.USED
    if withdrawn_at is not None:
        return InvitationState.WITHDRAWN
    if now >= expires_at:
        return InvitationState.EXPIRED
    return InvitationState.OPEN
