"""Response headers (portal.security, django-csp): pages and API responses about people are never
stored by a browser or proxy; every page carries a Content Security Policy with no inline script
and a Permissions-Policy; and no template carries inline script for the policy to block."""

import re
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.urls import reverse

from portal.security import permissions_policy_header
from tests.factories import api_token_for
from tests.packages_of_care.factories import ServiceUserFactory

ROOT = Path(__file__).resolve().parents[2]


def _directives(response):
    return {
        part.split()[0]: part.split()[1:]
        for part in response["Content-Security-Policy"].split(";")
        if part.strip()
    }


@pytest.mark.django_db
def test_a_persons_page_is_not_stored_and_carries_the_policies(login, brokerage_user, commissioner_org):
    person = ServiceUserFactory(commissioner=commissioner_org, name="Ada Lovelace")
    response = login(brokerage_user).get(reverse("packages_of_care:service-user-detail", args=[person.pk]))
    assert response.status_code == 200 and "Ada Lovelace" in response.content.decode()
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= cache_control
    csp = _directives(response)
    assert csp["script-src"] == ["'self'"] and csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["default-src"] == ["'self'"]
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_exports_and_api_responses_are_not_stored(login, brokerage_user, commissioner_org, api_client):
    ServiceUserFactory(commissioner=commissioner_org)
    export = login(brokerage_user).get(reverse("packages_of_care:order-export") + "?format=csv")
    assert "no-store" in export["Cache-Control"]
    _user, key = api_token_for(commissioner_org)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api_client.get("/api/v1/service-users/")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    # A refused API call is not stored either.
    api_client.credentials()
    assert "no-store" in api_client.get("/api/v1/service-users/")["Cache-Control"]


@pytest.mark.django_db
def test_pages_for_anyone_carry_the_policies_too(client):
    for url in (reverse("account_login"), reverse("swagger-ui")):
        response = client.get(url)
        assert "Content-Security-Policy" in response and "Permissions-Policy" in response, url
    # The API documentation's start-up script is a file of its own, not inline.
    assert 'src="/api/docs/?script="' in client.get(reverse("swagger-ui")).content.decode()


def test_permissions_policy_header_syntax():
    assert permissions_policy_header({"camera": [], "fullscreen": ["self"]}) == "camera=(), fullscreen=(self)"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=|javascript:|\bhx-on", re.IGNORECASE)


def test_no_template_has_inline_script_or_event_handlers():
    """The policy would block them: the JavaScript lives in static/js/ (invoicing's PDF templates
    are rendered by WeasyPrint, not a browser, and carry no script either)."""
    offenders = []
    for path in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in path.parts or "node_modules" in path.parts:
            continue
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER):
            offenders += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in pattern.finditer(text)]
    assert offenders == []


def test_only_a_trusted_proxy_can_say_the_request_was_https(rf, settings):
    from portal.security import TrustedProxyMiddleware

    settings.TRUSTED_PROXIES = ["172.30.0.10", "10.1.0.0/16"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    seen = {}

    def view(request):
        seen["secure"] = request.is_secure()
        seen["forwarded_for"] = request.META.get("HTTP_X_FORWARDED_FOR")
        return HttpResponse()

    middleware = TrustedProxyMiddleware(view)
    for address, secure in (("172.30.0.10", True), ("10.1.2.3", True), ("203.0.113.9", False), ("", False)):
        request = rf.get("/", HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR="198.51.100.1")
        request.META["REMOTE_ADDR"] = address
        middleware(request)
        assert seen["secure"] is secure, address
        assert (seen["forwarded_for"] is not None) is secure, address


@pytest.mark.django_db
def test_uploaded_files_are_not_served_from_media_even_in_debug(
    settings, tmp_path, client, login, brokerage_user
):
    """`make run` (DEBUG) once served MEDIA_ROOT to anyone at /media/: a file a provider uploaded was
    readable without signing in."""
    import importlib

    from django.urls import clear_url_caches

    import portal.urls

    settings.MEDIA_ROOT = str(tmp_path)
    (tmp_path / "uploads").mkdir()
    (tmp_path / "uploads" / "visits.csv").write_text("order_reference\nISO-1\n")
    settings.DEBUG = True
    try:
        importlib.reload(portal.urls)
        clear_url_caches()
        assert client.get("/media/uploads/visits.csv").status_code == 404
        assert login(brokerage_user).get("/media/uploads/visits.csv").status_code == 404
    finally:
        settings.DEBUG = False
        importlib.reload(portal.urls)
        clear_url_caches()
