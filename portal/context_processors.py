from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .accounts.middleware import second_factor_passed
from .hooks import nav_for
from .roles import Capability, has_capability


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    # No menu until the second factor is in: none of its pages would answer before then.
    signed_in = user is not None and user.is_authenticated and second_factor_passed(request)
    return {
        "service_name": settings.PORTAL["SERVICE_NAME"],
        "nav_items": nav_for(user, request.path) if signed_in and user is not None else [],
        "can_manage_people": signed_in and has_capability(user, Capability.MANAGE_PEOPLE),
    }
