"""The portal's capability permission, allowing an endpoint to accept any one of several
capabilities (e.g. an absence may be recorded by the provider's staff or by brokerage)."""

from rest_framework import permissions

from portal.api.permissions import required_capability
from portal.roles import has_capability


def _is_detail(view) -> bool:
    lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
    return lookup in getattr(view, "kwargs", {})


class AnyCapabilityPermission(permissions.BasePermission):
    """As `portal.api.permissions.CapabilityPermission` (detail routes decide after scoping, so
    out-of-scope records answer 404 first), but `action_capabilities` / `write_capability` may
    name a tuple of capabilities, any one of which will do."""

    message = "Your role does not allow this."

    def _allowed(self, request, view) -> bool:
        needed = required_capability(view, request)
        options = needed if isinstance(needed, tuple | list | set | frozenset) else (needed,)
        return any(has_capability(request.user, c, request.auth) for c in options)

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if _is_detail(view):
            return True
        return self._allowed(request, view)

    def has_object_permission(self, request, view, obj):
        return self._allowed(request, view)
