"""What django-axes needs to know about the portal's sign-in form."""

from __future__ import annotations

from axes.helpers import get_cool_off, get_failure_limit
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def username_tried(request: HttpRequest, credentials: dict[str, str] | None) -> str | None:
    """The username a sign-in tried: allauth authenticates with `username`, its form posts `login`."""
    if credentials and credentials.get("username"):
        return credentials["username"]
    return request.POST.get("login") or None


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict[str, str] | None
) -> HttpResponse:
    """The page a locked sign-in gets (429): why, for how long, and what to do."""
    cool_off = get_cool_off(request)
    return render(
        request,
        "account/locked_out.html",
        {
            "failure_limit": get_failure_limit(request, credentials),
            "username": username_tried(request, credentials) or "",
            "minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
        },
        status=429,
    )


def is_locked(username: str) -> bool:
    """True if failed sign-ins have locked `username` now (until the cool-off ends, or its
    organisation's manager unlocks it)."""
    from axes.models import AccessAttempt
    from django.conf import settings
    from django.utils import timezone

    recent = timezone.now() - settings.AXES_COOLOFF_TIME
    return AccessAttempt.objects.filter(
        username=username, failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=recent
    ).exists()


def unlock(username: str) -> int:
    """Clear the failed sign-ins counted against `username` (not those of an address, which
    lock a place rather than an account). Returns how many records went."""
    from axes.utils import reset

    return reset(username=username)
