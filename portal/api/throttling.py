"""Throttles whose rates are read from the settings when a request comes, not when DRF is imported
(DRF's own read `DEFAULT_THROTTLE_RATES` once, so a changed setting never reached them)."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle


class _RatesFromSettings(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope or "")
        return None if rate is None else str(rate)


class AnonymousRateThrottle(_RatesFromSettings, AnonRateThrottle):
    """Calls with no credentials, per address."""


class AccountRateThrottle(_RatesFromSettings, UserRateThrottle):
    """Calls with a token or a session, per account."""


class PasswordResetThrottle(_RatesFromSettings):
    """Requests for a password-reset email, per address: the form cannot be used to flood an inbox
    or to probe for addresses."""

    scope = "password_reset"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allows(self, request: HttpRequest) -> bool:
        """For a Django view: DRF's throttles read only the address (META) of the request."""
        return self.allow_request(cast(Any, request), cast(Any, None))
