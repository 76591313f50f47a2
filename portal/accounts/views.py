"""The sign-in pages the portal adds to allauth's and Django's."""

from __future__ import annotations

from typing import Any

from allauth.account import views as account_views
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from portal import audit
from portal.api.throttling import PasswordResetThrottle

from . import sessions


class PasswordResetView(auth_views.PasswordResetView):
    """Django's, with requests for the email throttled per address (`password_reset` rate)."""

    http_method_names = ["get", "post", "head", "options"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not PasswordResetThrottle().allows(request):
            return render(request, "registration/password_reset_throttled.html", status=429)
        return super().post(request, *args, **kwargs)


class PasswordChangeView(account_views.PasswordChangeView):
    """allauth's password change (the current password, then the new one twice), audited; back to
    the same page with a message when done."""

    http_method_names = ["get", "post", "head", "options"]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not request.user.has_usable_password():
            # allauth would send them to "set a password", which the portal does not offer: an
            # invited person sets theirs with the emailed link.
            return redirect("portal:dashboard")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(page_title="Change your password", **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        audit.record(actor=self.request.user, obj=self.request.user, action="changed their password")
        return response


class SessionView(LoginRequiredMixin, View):
    """How long the session has left (GET, which is not activity), and "stay signed in" (POST,
    which is). The warning's script (static/js/session-timeout.js) calls both; without the script
    the warning's button posts here and comes back to the page."""

    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest) -> HttpResponse:
        return JsonResponse(self._state(request))

    def post(self, request: HttpRequest) -> HttpResponse:
        sessions.touch(request.session, always=True)
        if request.headers.get("Accept", "").startswith("application/json"):
            return JsonResponse(self._state(request))
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
            back = reverse("portal:dashboard")
        return HttpResponseRedirect(back)

    def _state(self, request: HttpRequest) -> dict[str, int]:
        return {
            "seconds_left": sessions.seconds_left(request.session),
            "warning_seconds": sessions.warning_seconds(),
        }


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent after its session ended (or from another site): say so in the portal's words."""
    return render(request, "403_csrf.html", status=403)
