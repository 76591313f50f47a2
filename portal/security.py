"""Response headers every page needs before the portal holds personal data (issue 15).

- `Cache-Control: no-store` on every response to a signed-in person or an API client: pages about
  named people, exports, PDFs and API responses must not be kept by the browser or a shared proxy
  (a shared council PC, the back button after signing out). Deciding page by page which ones name
  a person would miss some; the only responses left cacheable are the sign-in page, the public
  API schema and static files (WhiteNoise answers those before this middleware runs).
- `Permissions-Policy` on every response: the browser features the portal never uses are off
  (`settings.PERMISSIONS_POLICY`).

The Content-Security-Policy is django-csp's (`settings.CONTENT_SECURITY_POLICY`).

`TrustedProxyMiddleware` (production, when `TRUSTED_PROXIES` is set) drops the X-Forwarded-*
headers of a request that did not come from one of those proxies, so only the TLS-terminating
proxy can tell Django the browser used HTTPS (`SECURE_PROXY_SSL_HEADER`).

`BoundedRequestMiddleware` refuses, with 413 and before a byte of it is read, a request body
beyond `UPLOAD_MAX_BYTES` that is not a multipart form (a bulk API call's JSON, say). A multipart
form's files are bounded by `portal.uploads.limits.BoundedUploadHandler` instead, so the form can
say what was wrong and keep the rest of what was typed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.utils.cache import add_never_cache_headers, patch_cache_control


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """`{"camera": [], "fullscreen": ["self"]}` → `camera=(), fullscreen=(self)`."""
    return ", ".join(f"{feature}=({' '.join(allowed)})" for feature, allowed in policy.items())


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.permissions_policy = permissions_policy_header(settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if self.permissions_policy:
            response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        # DRF's token authentication sets request.user on the Django request too, so an API
        # client's responses are covered as well as a signed-in person's.
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path.startswith("/api/v1/"):
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        return response


class BoundedRequestMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = int(settings.UPLOAD_MAX_BYTES)
        multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/")
        if length > limit and not multipart:
            message = f"The request is larger than {filesizeformat(limit)}: send less at a time.".replace(
                "\xa0", " "
            )
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=413)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_FORWARDED",
)


def proxy_networks(entries: Iterable[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """`TRUSTED_PROXIES` entries (addresses or networks) as networks; a bad entry is an error."""
    return [ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip()]


class TrustedProxyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.networks = proxy_networks(getattr(settings, "TRUSTED_PROXIES", []))

    def trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not self.trusted(request.META.get("REMOTE_ADDR", "")):
            for header in FORWARDED_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)
