"""Writes about people's second factors."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.db import transaction

from portal import audit
from portal.models import User


@transaction.atomic
def second_factor_give_known_secret(*, user: User, secret: str) -> bool:
    """Give a demo account an authenticator with a known `secret` (and recovery codes), so that a
    demo can be signed into; only where the settings name a demo secret (`PORTAL["DEMO_TOTP_SECRET"]`,
    never in production). Idempotent: an account that has an authenticator keeps it. True if added."""
    if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        return False
    TOTP.activate(user, secret)
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists():
        RecoveryCodes.activate(user)
    audit.record(actor=None, obj=user, action="second factor added (demo secret)")
    return True
