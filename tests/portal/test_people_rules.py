"""What a manager may do to their organisation's accounts: the pure rules (portal.accounts.rules)."""

import datetime as dt

from portal.accounts.rules import (
    NOT_A_SYSTEM,
    NOT_ABOVE_YOURSELF,
    NOT_THIS_KIND,
    InvitationState,
    grantable_roles,
    invitation_state,
    role_refusal,
)
from portal.roles import ROLE_CAPABILITIES, Capability, Role

PROVIDER_MANAGER = ROLE_CAPABILITIES[Role.PROVIDER_MANAGER]
COMMISSIONER = ROLE_CAPABILITIES[Role.COMMISSIONER]


def test_the_manager_roles_hold_the_new_capability():
    holders = {role for role, caps in ROLE_CAPABILITIES.items() if Capability.MANAGE_PEOPLE in caps}
    assert holders == {Role.COMMISSIONER, Role.PROVIDER_MANAGER}


def test_a_provider_manager_gives_the_providers_people_roles():
    assert grantable_roles(manager_capabilities=PROVIDER_MANAGER, organisation_kind="provider") == [
        Role.PROVIDER_MANAGER,
        Role.PROVIDER_STAFF,
    ]
    assert grantable_roles(manager_capabilities=COMMISSIONER, organisation_kind="commissioner") == [
        Role.COMMISSIONER,
        Role.BROKERAGE,
    ]


def test_never_another_kinds_role_a_system_role_or_the_operators():
    assert (
        role_refusal(
            manager_capabilities=PROVIDER_MANAGER, organisation_kind="provider", role=Role.COMMISSIONER
        )
        == NOT_THIS_KIND
    )
    assert (
        role_refusal(
            manager_capabilities=PROVIDER_MANAGER, organisation_kind="provider", role=Role.SITE_ADMIN
        )
        == NOT_THIS_KIND
    )
    assert (
        role_refusal(
            manager_capabilities=PROVIDER_MANAGER, organisation_kind="provider", role=Role.API_CLIENT
        )
        == NOT_A_SYSTEM
    )


def test_nobody_raises_anyone_above_their_own_powers():
    """Someone without the power to manage people (were they to reach the service) cannot make a
    manager: a privileged capability passes only from one who holds it."""
    staff = ROLE_CAPABILITIES[Role.PROVIDER_STAFF]
    assert (
        role_refusal(manager_capabilities=staff, organisation_kind="provider", role=Role.PROVIDER_MANAGER)
        == NOT_ABOVE_YOURSELF
    )
    assert (
        role_refusal(manager_capabilities=staff, organisation_kind="provider", role=Role.PROVIDER_STAFF)
        is None
    )
    broker = ROLE_CAPABILITIES[Role.BROKERAGE]
    assert (
        role_refusal(manager_capabilities=broker, organisation_kind="commissioner", role=Role.COMMISSIONER)
        == NOT_ABOVE_YOURSELF
    )


def test_an_invitation_works_once_until_it_expires():
    sent = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    expires = sent + dt.timedelta(hours=72)  # 4 Dec 09:00
    state = lambda now, accepted=None, withdrawn=None: invitation_state(  # noqa: E731
        now=now, expires_at=expires, accepted_at=accepted, withdrawn_at=withdrawn
    )
    assert state(dt.datetime(2026, 12, 4, 8, 59, tzinfo=dt.UTC)) == InvitationState.OPEN
    assert state(dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)) == InvitationState.EXPIRED
    assert state(sent, accepted=sent) == InvitationState.USED
    assert state(sent, withdrawn=sent) == InvitationState.WITHDRAWN
