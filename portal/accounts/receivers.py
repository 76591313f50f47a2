"""What the portal does when allauth reports a change to someone's second factor."""

from __future__ import annotations

from typing import Any

from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added, authenticator_reset
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from portal import audit
from portal.models import User

from . import sessions


@receiver(user_logged_in)
def session_clocks_start(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        sessions.start(request.session)


@receiver(authenticator_added)
def second_factor_set_up(
    sender: Any, request: HttpRequest, user: User, authenticator: Authenticator, **kwargs: Any
) -> None:
    """Setting up an authenticator app proves the person holds it (they typed its code), so this
    session has passed its second factor, as a sign-in with the code would have."""
    if authenticator.type == Authenticator.Type.TOTP:
        record_authentication(request, user, "mfa", type=authenticator.type, id=authenticator.pk)
    audit.record(actor=user, obj=user, action=f"second factor added ({authenticator.type})")


@receiver(authenticator_reset)
def second_factor_reset(
    sender: Any, request: HttpRequest, user: User, authenticator: Authenticator, **kwargs: Any
) -> None:
    audit.record(actor=user, obj=user, action=f"second factor renewed ({authenticator.type})")
