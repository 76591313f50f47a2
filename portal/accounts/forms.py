"""The sign-in form: allauth's, refusing accounts that are systems rather than people."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import LoginForm
from django.core.exceptions import ValidationError

from portal.roles import signs_in_to_browser

API_CLIENT_REFUSED = (
    "This is an API client account. It calls the API with its key and cannot sign in to the "
    "portal's pages. To use the portal, sign in with your own account."
)


class PortalLoginForm(LoginForm):
    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean()
        user = getattr(self, "user", None)  # set by allauth once the password is right
        if user is not None and not signs_in_to_browser(user.role):
            self.user = None
            raise ValidationError(API_CLIENT_REFUSED, code="api_client_account")
        return cleaned
