"""One permission class for every endpoint: the view names the capability each action needs.

Detail actions are checked after the object is found through the scoped queryset, so a record
outside the caller's organisation answers 404 whatever their role, and existence never leaks.
"""

from rest_framework import permissions

from portal.roles import Capability, has_capability


def required_capability(view, request) -> Capability:
    action = getattr(view, "action", None)
    by_action = getattr(view, "action_capabilities", {}) or {}
    if action in by_action:
        return by_action[action]
    if request.method in permissions.SAFE_METHODS:
        return Capability.VIEW
    return getattr(view, "write_capability", None) or Capability.ADMINISTER


def _is_detail(view) -> bool:
    lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
    return lookup in getattr(view, "kwargs", {})


class CapabilityPermission(permissions.BasePermission):
    message = "Your role does not allow this."

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if _is_detail(view):
            return True  # decided in has_object_permission, after scoping (404 first)
        return has_capability(user, required_capability(view, request), request.auth)

    def has_object_permission(self, request, view, obj):
        return has_capability(request.user, required_capability(view, request), request.auth)


class PublicReadOnly(permissions.BasePermission):
    """For the schema and docs: anyone may read."""

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS
