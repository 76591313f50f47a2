"""Reads for an organisation's manager: its people, each with what the People page shows."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils import timezone

from portal.models import AuditEvent, User

from .models import Invitation


def people_of(manager: User) -> QuerySet[User]:
    """The people of the manager's organisation (and its API client accounts), annotated as
    `with_account_state` says."""
    return with_account_state(User.objects.filter(organisation_id=manager.organisation_id))


def with_account_state(people: QuerySet[User]) -> QuerySet[User]:
    """`people`, each annotated with `has_second_factor`, `invitation_open`, `never_signed_in` and
    `locked` (by failed sign-ins, now)."""
    now = timezone.now()
    locked = AccessAttempt.objects.filter(
        username=OuterRef("username"),
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
        attempt_time__gte=now - settings.AXES_COOLOFF_TIME,
    )
    return (
        people.select_related("organisation")
        .annotate(
            has_second_factor=Exists(
                Authenticator.objects.filter(user_id=OuterRef("pk"), type=Authenticator.Type.TOTP)
            ),
            invitation_open=Exists(
                Invitation.objects.filter(
                    user_id=OuterRef("pk"),
                    accepted_at__isnull=True,
                    withdrawn_at__isnull=True,
                    expires_at__gt=now,
                )
            ),
            # No password set yet: invited, not yet accepted (Django marks unusable ones with "!").
            never_signed_in=ExpressionWrapper(Q(password__startswith="!"), output_field=BooleanField()),
            locked=Exists(locked),
        )
        .order_by("-is_active", "last_name", "first_name", "username")
    )


def person_history(manager: User, person: User) -> QuerySet[AuditEvent]:
    """What was done to the person's account, most recent first (their organisation's trail)."""
    return AuditEvent.objects.visible_to(manager).for_object(person)[:100]


def person_status(person: Any) -> str:
    """The person's state in words, from `people_of`'s annotations."""
    if not person.is_active:
        return (
            "Invited"
            if person.never_signed_in and person.invitation_open
            else ("Invitation expired" if person.never_signed_in else "Deactivated")
        )
    if person.locked:
        return "Locked"
    return "Active"
