"""How long a signed-in session lasts: it ends after a spell without activity (with a warning and
a way to stay signed in before it does, WCAG 2.2.1) and, whatever the activity, after an absolute
limit [issue 15]. Times are in the session as epoch seconds."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse

SIGNED_IN_AT = "portal.signed_in_at"
LAST_ACTIVE_AT = "portal.last_active_at"
#: Activity is written to the session at most this often (seconds), not on every request.
_TOUCH_EVERY = 15


def idle_seconds() -> int:
    return int(settings.PORTAL["SESSION_IDLE_MINUTES"]) * 60


def warning_seconds() -> int:
    return int(settings.PORTAL["SESSION_WARNING_MINUTES"]) * 60


def absolute_seconds() -> int:
    return int(settings.PORTAL["SESSION_ABSOLUTE_HOURS"]) * 60 * 60


def start(session: SessionBase, now: float | None = None) -> None:
    """A sign-in: both clocks start."""
    now = time.time() if now is None else now
    session[SIGNED_IN_AT] = now
    session[LAST_ACTIVE_AT] = now


def touch(session: SessionBase, now: float | None = None, *, always: bool = False) -> None:
    """Activity (a page, an API call, "stay signed in"): the idle clock starts again. Written at
    most every few seconds unless `always`."""
    now = time.time() if now is None else now
    if always or now - float(session.get(LAST_ACTIVE_AT, 0)) >= _TOUCH_EVERY:
        session[LAST_ACTIVE_AT] = now


def seconds_left(session: SessionBase, now: float | None = None) -> int:
    """Until the session ends, by whichever limit comes first."""
    now = time.time() if now is None else now
    idle_end = float(session.get(LAST_ACTIVE_AT, now)) + idle_seconds()
    absolute_end = float(session.get(SIGNED_IN_AT, now)) + absolute_seconds()
    return max(0, int(min(idle_end, absolute_end) - now))


def ended_because(session: SessionBase, now: float | None = None) -> str | None:
    now = time.time() if now is None else now
    if now - float(session.get(LAST_ACTIVE_AT, now)) >= idle_seconds():
        return (
            f"You were signed out after {settings.PORTAL['SESSION_IDLE_MINUTES']} minutes without activity."
        )
    if now - float(session.get(SIGNED_IN_AT, now)) >= absolute_seconds():
        return (
            f"You were signed out: a session lasts at most {settings.PORTAL['SESSION_ABSOLUTE_HOURS']} hours."
        )
    return None


#: Asking how long is left must not count as activity (the warning's script asks).
_NOT_ACTIVITY = ("/accounts/session/",)


class SessionLimitsMiddleware:
    """Ends a signed-in session that was idle too long or has lasted too long; otherwise counts
    the request as activity. After authentication, before the second-factor check."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            session = request.session
            if SIGNED_IN_AT not in session:
                start(session)
            reason = ended_because(session)
            if reason:
                logout(request)  # the request goes on signed out: pages send to sign-in, the API refuses
                messages.info(request, reason)
            elif not (request.method == "GET" and request.path_info in _NOT_ACTIVITY):
                touch(session)
        return self.get_response(request)
