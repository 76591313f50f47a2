"""Token authentication for API clients: `Authorization: Token <key>` (or `Bearer <key>`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from portal.models import ApiToken, User

if TYPE_CHECKING:  # DRF imports this module while it is importing its own views
    from rest_framework.request import Request


def request_token(request: Request) -> ApiToken | None:
    """The API token a request came with; None for a browser session (or no credentials)."""
    return request.auth if isinstance(request.auth, ApiToken) else None


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("token", "bearer")

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Give the token after the keyword, with no spaces in it.")
        try:
            key = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(
                "The token contains characters that are not allowed."
            ) from exc
        token = ApiToken.authenticate(key)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Unknown, expired or revoked token.")
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return "Token"


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "portal.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`. Keys are issued per API client and are read-only unless granted scopes.",
        }
