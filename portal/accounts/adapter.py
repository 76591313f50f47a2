"""How the portal tells django-allauth what it allows: nobody signs up, nobody drops their
second factor (an organisation's manager or the operator resets it)."""

from __future__ import annotations

import time
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.http import HttpRequest


class PortalAccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_password_mismatch": "Please enter a correct username and password. Both are case-sensitive.",
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False  # accounts are made for people by their organisation or the operator

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        # Setting up the first authenticator follows the password straight away (enrolment on
        # first sign-in), and its recovery codes are shown straight after its first code: asking
        # for the password again there helps nobody. Later changes to a second factor still ask.
        request = context.request
        if app == "allauth.mfa" and request is not None and request.user.is_authenticated:
            if not Authenticator.objects.filter(
                user_id=request.user.pk, type=Authenticator.Type.TOTP
            ).exists():
                return False
            recently = time.time() - account_settings.REAUTHENTICATION_TIMEOUT
            if any(
                record.get("method") == "mfa" and record.get("at", 0) > recently
                for record in get_authentication_records(request, request.user)
            ):
                return False
        return super().is_reauthentication_required(app=app, **kwargs)


class PortalMFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # A second factor is required of everyone: it is replaced, never removed by its owner.
        return False
