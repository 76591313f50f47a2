"""One permission class for every endpoint: the view names the capability each action needs.

`action_capabilities` maps an action to a capability, or to a tuple of capabilities any one of
which will do (running an invoice is open to the council's commissioners and the provider's
managers alike); other writes need `write_capability`, reads `Capability.VIEW`.

Detail actions are checked after the object is found through the scoped queryset, so a record
outside the caller's organisation answers 404 whatever their role, and existence never leaks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework import permissions

from portal.roles import Capability, CapabilityNeed, has_any_capability

from .authentication import request_token

if TYPE_CHECKING:  # DRF imports this module while it is importing its own views
    from rest_framework.request import Request
    from rest_framework.views import APIView


def required_capability(view: APIView, request: Request) -> CapabilityNeed:
    action = getattr(view, "action", None)
    by_action = getattr(view, "action_capabilities", {}) or {}
    if action in by_action:
        return by_action[action]
    if request.method in permissions.SAFE_METHODS:
        return Capability.VIEW
    return getattr(view, "write_capability", None) or Capability.ADMINISTER


def _is_detail(view: APIView) -> bool:
    lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
    return lookup in getattr(view, "kwargs", {})


class CapabilityPermission(permissions.BasePermission):
    message = "Your role does not allow this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if _is_detail(view):
            return True  # decided in has_object_permission, after scoping (404 first)
        return has_any_capability(user, required_capability(view, request), request_token(request))

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        return has_any_capability(request.user, required_capability(view, request), request_token(request))


class PublicReadOnly(permissions.BasePermission):
    """For the schema and docs: anyone may read."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in permissions.SAFE_METHODS
