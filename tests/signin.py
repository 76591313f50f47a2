"""Signing in, in tests, as the portal signs people in: with their second factor.

`client.force_login(user)` and `client.login(...)` make a Django session without going through the
sign-in pages, so they record no second factor and the portal (`SecondFactorMiddleware`) would
answer nothing. `SignedInClient` and `SignedInAPIClient` record it the way allauth does after a
code is typed (`record_authentication(..., "mfa")`); tests of the second factor itself use plain
`django.test.Client` and the real pages.
"""

from __future__ import annotations

import time

from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.test import Client, RequestFactory
from rest_framework.test import APIClient


def mark_second_factor_passed(client, user) -> None:
    """Record in `client`'s session that `user` signed in with their second factor."""
    request = RequestFactory().get("/")
    request.session = client.session
    request.user = user
    record_authentication(request, user, "password", username=user.username)
    record_authentication(request, user, "mfa", type="totp")
    request.session.save()


class _SignsInWithSecondFactor:
    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        mark_second_factor_passed(self, user)

    def login(self, **credentials):
        # Checks the password as the portal does (ModelBackend), without django-axes' backend,
        # which counts failures by request and so needs one.
        user = ModelBackend().authenticate(None, **credentials)
        if user is None:
            return False
        self.force_login(user)
        return True


class SignedInClient(_SignsInWithSecondFactor, Client):
    pass


class SignedInAPIClient(_SignsInWithSecondFactor, APIClient):
    pass


def totp_code(secret: str, *, offset: int = 0, counter: int | None = None) -> str:
    """The authenticator app's code for `secret` now (or `offset` periods from now, or for the
    period numbered `counter`), by allauth's own TOTP functions."""
    if counter is None:
        counter = int(time.time()) // getattr(settings, "MFA_TOTP_PERIOD", 30) + offset
    return format_hotp_value(hotp_value(secret, counter))
