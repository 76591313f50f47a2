"""Writes an organisation's manager makes to its people's accounts (issue 15): invite, change role,
deactivate and reactivate, reset the second factor, unlock. Keyword-only, atomic, audited; the
rules are in `portal.accounts.rules`. The site administrator makes organisations and their first
manager (`organisation_manager_create`, the `create_organisation_manager` command).

Every service takes the acting manager and re-reads the person through the manager's reach, so a
person of another organisation is "not found" whatever the caller passed.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urljoin

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from portal import audit
from portal.models import Organisation, User
from portal.roles import ROLES_BY_KIND, Capability, OrganisationKind, Role, capabilities_of

from . import lockout
from .models import Invitation, hash_invitation_key, new_invitation_key
from .rules import (
    NOT_YOURSELF_DEACTIVATE,
    NOT_YOURSELF_ROLE,
    InvitationState,
    role_refusal,
)

NOT_A_MANAGER = "Only your organisation's managers run its people's accounts."


def _managed(manager: User, person: User) -> User:
    """`person`, locked, if `manager` manages people and `person` is in their organisation; else 404."""
    if not manager.can(Capability.MANAGE_PEOPLE):
        raise ValidationError(NOT_A_MANAGER)
    try:
        return (
            User.objects.select_for_update(of=("self",))
            .select_related("organisation")
            .get(pk=person.pk, organisation_id=manager.organisation_id)
        )
    except User.DoesNotExist as exc:
        raise Http404("No such person in your organisation.") from exc


def _check_role(manager: User | None, organisation: Organisation, role: str) -> None:
    held = capabilities_of(manager) if manager is not None else frozenset(Capability)
    refusal = role_refusal(manager_capabilities=held, organisation_kind=organisation.kind, role=role)
    if refusal:
        raise ValidationError({"role": refusal})


def _send_invitation(*, user: User, key: str, base_url: str, invited_by: User | None, hours: int) -> None:
    link = urljoin(base_url, reverse("invitation_accept", kwargs={"key": key}))
    context = {
        "user": user,
        "link": link,
        "hours": hours,
        "invited_by": invited_by,
        "service_name": settings.PORTAL["SERVICE_NAME"],
    }
    body = render_to_string("account/email/invitation.txt", context)
    subject = f"You are invited to the {settings.PORTAL['SERVICE_NAME']} by {user.organisation.name}"
    # Sent once the account and the invitation are saved: a rolled-back invite sends nothing.
    transaction.on_commit(lambda: send_mail(subject, body, None, [user.email]))


def _issue_invitation(*, actor: User | None, user: User, base_url: str) -> Invitation:
    """A new one-time link for `user`, withdrawing any open one; emailed on commit."""
    now = timezone.now()
    Invitation.objects.filter(user=user, accepted_at__isnull=True, withdrawn_at__isnull=True).update(
        withdrawn_at=now
    )
    hours = int(settings.PORTAL["INVITATION_HOURS"])
    key = new_invitation_key()
    invitation = Invitation.objects.create(
        user=user,
        invited_by=actor,
        key_hash=hash_invitation_key(key),
        created_at=now,
        expires_at=now + dt.timedelta(hours=hours),
    )
    _send_invitation(user=user, key=key, base_url=base_url, invited_by=actor, hours=hours)
    audit.record(
        actor=actor,
        obj=user,
        action="invited",
        changes={"email": [None, user.email], "role": [None, user.role]},
        note=f"Link expires {timezone.localtime(invitation.expires_at):%d %b %Y %H:%M}",
    )
    return invitation


def _new_person(
    *, organisation: Organisation, email: str, first_name: str, last_name: str, role: str
) -> User:
    email = email.strip().lower()
    if User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).exists():
        raise ValidationError({"email": "Someone already has an account with this email address."})
    user = User(
        username=email,
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        organisation=organisation,
        role=role,
        is_active=False,  # until they accept the invitation and set their password
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def person_invite(
    *, actor: User, email: str, first_name: str, last_name: str, role: str, base_url: str
) -> User:
    """Invite a person into the manager's organisation: their account (inactive, no password
    until they accept) and an emailed one-time link, valid PORTAL["INVITATION_HOURS"] hours.
    Their username is their email address."""
    if not actor.can(Capability.MANAGE_PEOPLE):
        raise ValidationError(NOT_A_MANAGER)
    organisation = actor.organisation
    _check_role(actor, organisation, role)
    user = _new_person(
        organisation=organisation, email=email, first_name=first_name, last_name=last_name, role=role
    )
    _issue_invitation(actor=actor, user=user, base_url=base_url)
    return user


@transaction.atomic
def person_invite_again(*, actor: User, person: User, base_url: str) -> Invitation:
    """A fresh link for someone who has not yet accepted (the old one stops working)."""
    person = _managed(actor, person)
    if person.has_usable_password():
        raise ValidationError("This person has already set their password: they sign in as usual.")
    return _issue_invitation(actor=actor, user=person, base_url=base_url)


def invitation_for_key(key: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("user__organisation")
        .filter(key_hash=hash_invitation_key(key))
        .first()
    )


@transaction.atomic
def invitation_accept(*, key: str, password: str) -> User:
    """The invitee sets their password with the emailed link: the account becomes active and the
    link is used up. They set up their second factor when they are signed in (as everyone does)."""
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("user__organisation")
        .filter(key_hash=hash_invitation_key(key))
        .first()
    )
    if invitation is None or invitation.state != InvitationState.OPEN:
        raise ValidationError(INVITATION_REFUSALS[invitation.state if invitation else "unknown"])
    user = invitation.user
    validate_password(password, user)
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit.record(actor=user, obj=user, action="accepted the invitation", changes={"is_active": [False, True]})
    return user


INVITATION_REFUSALS = {
    InvitationState.USED: "This invitation link has already been used. Sign in with your username and password.",
    InvitationState.EXPIRED: "This invitation link has expired. Ask your organisation's manager to send a new one.",
    InvitationState.WITHDRAWN: "A newer invitation replaced this link. Use the link in the latest email.",
    "unknown": "This invitation link is not valid. Check you copied all of it from the email.",
}


@transaction.atomic
def person_role_set(*, actor: User, person: User, role: str) -> User:
    """Give a person of the manager's organisation another role (never one above the manager's
    own powers, never the manager's own)."""
    person = _managed(actor, person)
    if person.pk == actor.pk:
        raise ValidationError({"role": NOT_YOURSELF_ROLE})
    if person.role == Role.API_CLIENT:
        raise ValidationError({"role": "An API client account keeps its role."})
    _check_role(actor, person.organisation, role)
    return audit.save_changes(person, {"role": role}, fields=["role"], actor=actor, action="role changed")


@transaction.atomic
def person_deactivate(*, actor: User, person: User) -> User:
    """Stop a person signing in (and their API keys working) from now on; their account and the
    trail of what they did stay."""
    person = _managed(actor, person)
    if person.pk == actor.pk:
        raise ValidationError(NOT_YOURSELF_DEACTIVATE)
    if not person.is_active:
        raise ValidationError("This account is already deactivated.")
    person.is_active = False
    person.save(update_fields=["is_active"])
    Invitation.objects.filter(user=person, accepted_at__isnull=True, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now()
    )
    audit.record(actor=actor, obj=person, action="deactivated", changes={"is_active": [True, False]})
    return person


@transaction.atomic
def person_reactivate(*, actor: User, person: User) -> User:
    """Let a deactivated person sign in again (with their password and second factor as before)."""
    person = _managed(actor, person)
    if person.is_active:
        raise ValidationError("This account is already active.")
    if not person.has_usable_password():
        raise ValidationError("This person never set a password: send them a new invitation instead.")
    person.is_active = True
    person.save(update_fields=["is_active"])
    audit.record(actor=actor, obj=person, action="reactivated", changes={"is_active": [False, True]})
    return person


@transaction.atomic
def person_second_factor_reset(*, actor: User, person: User) -> User:
    """A lost phone: delete the person's authenticators (app, recovery codes, passkeys), so they set
    one up again when they next sign in."""
    person = _managed(actor, person)
    if person.role == Role.API_CLIENT:
        raise ValidationError("An API client account has no second factor.")
    removed = sorted(Authenticator.objects.filter(user=person).values_list("type", flat=True))
    if not removed:
        raise ValidationError("This person has no second factor set up yet.")
    Authenticator.objects.filter(user=person).delete()
    audit.record(
        actor=actor, obj=person, action="second factor reset", changes={"authenticators": [removed, []]}
    )
    return person


@transaction.atomic
def person_unlock(*, actor: User, person: User) -> User:
    """Lift a lock that failed sign-ins put on a person's account, before it ends by itself."""
    person = _managed(actor, person)
    if not lockout.is_locked(person.username):
        raise ValidationError("This account is not locked.")
    lockout.unlock(person.username)
    audit.record(actor=actor, obj=person, action="unlocked")
    return person


@transaction.atomic
def organisation_manager_create(
    *,
    actor: User | None,
    organisation_name: str,
    kind: str,
    email: str,
    first_name: str,
    last_name: str,
    commissioner_type: str = "",
    base_url: str,
) -> User:
    """The site administrator's step: an organisation (made if it does not exist) and its first
    manager, invited by email like anyone else."""
    if actor is not None and not actor.can(Capability.ADMINISTER):
        raise ValidationError("Only the portal's operator creates organisations.")
    organisation = Organisation.objects.filter(name=organisation_name).first()
    if organisation is None:
        organisation = Organisation(name=organisation_name, kind=kind, commissioner_type=commissioner_type)
        audit.save_new(organisation, actor=actor, action="created")
    elif organisation.kind != kind:
        raise ValidationError(f"{organisation} is a {organisation.get_kind_display().lower()}.")
    role = FIRST_MANAGER_ROLE.get(organisation.kind)
    if role is None or role not in ROLES_BY_KIND[organisation.kind]:
        raise ValidationError("Only councils, NHS commissioners and providers have managers.")
    user = _new_person(
        organisation=organisation, email=email, first_name=first_name, last_name=last_name, role=role
    )
    _issue_invitation(actor=actor, user=user, base_url=base_url)
    return user


FIRST_MANAGER_ROLE: dict[str, str] = {
    OrganisationKind.COMMISSIONER: Role.COMMISSIONER,
    OrganisationKind.PROVIDER: Role.PROVIDER_MANAGER,
}
