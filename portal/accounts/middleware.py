"""No page and no session-authenticated API call answers until the second factor is in.

allauth signs a person with an authenticator in only after their code (its login stage), so a
signed-in session without a second factor is one of: a person who has none yet (sent to set one
up, and to nothing else), or a session made some other way, e.g. Django's admin sign-in (signed
out). API calls with a token are single-factor by design and pass straight to DRF.
"""

from __future__ import annotations

from collections.abc import Callable

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve

from portal.api.authentication import ApiTokenAuthentication

#: What a person may reach before their second factor is in: signing in and out, setting up an
#: authenticator (which asks for the password again if the sign-in was long ago) and saving the
#: recovery codes it makes, resetting a password, accepting an invitation, and the accessibility
#: statement.
OPEN_BEFORE_SECOND_FACTOR = frozenset(
    {
        "account_login",
        "account_logout",
        "account_reauthenticate",
        "session",
        "mfa_authenticate",
        "mfa_activate_totp",
        "mfa_view_recovery_codes",
        "mfa_download_recovery_codes",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
        "portal:accessibility",
        "invitation_accept",
    }
)

SET_UP_FIRST = "Set up your authenticator app before you use the portal: every account has a second factor."
API_REFUSED = "Finish signing in with your second factor first (an authenticator app code)."


def second_factor_passed(request: HttpRequest) -> bool:
    """True if this session's sign-in included a second factor (allauth's record of it)."""
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, request.user))


def _url_name(request: HttpRequest) -> str | None:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return match.view_name


def _carries_token(request: HttpRequest) -> bool:
    """A call with an API token (`ApiTokenAuthentication`'s keywords): it succeeds or fails on the
    token alone. Any other Authorization header would fall through to the session."""
    scheme = request.headers.get("Authorization", "").split(" ", 1)[0].lower()
    return scheme in ApiTokenAuthentication.keywords


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated or second_factor_passed(request):
            return self.get_response(request)
        is_api = request.path_info.startswith("/api/")
        if is_api and _carries_token(request):
            return self.get_response(request)  # DRF authenticates it by its token, never the session
        if _url_name(request) in OPEN_BEFORE_SECOND_FACTOR:
            return self.get_response(request)
        if is_api:
            return JsonResponse({"detail": API_REFUSED}, status=403)
        if Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists():
            # Has a second factor but this session never passed it: not a sign-in we made.
            logout(request)
            return redirect("account_login")
        messages.info(request, SET_UP_FIRST)
        return redirect("mfa_activate_totp")
