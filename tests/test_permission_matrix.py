"""The permission matrix: every route × every method × every role × two organisations of each kind.

Routes come from the URL resolver and the OpenAPI schema; each must have a spec in some
`tests/<app>/matrix.py`. For every request we check:
  - anonymous users are sent to sign in (pages) or refused (API);
  - a record outside the user's organisation answers 404, whatever the role;
  - a role that may not use the method is refused (403/405), one that may is not;
  - no response (page, JSON, CSV, XLSX, PDF, error) contains another organisation's canary;
  - a refused write changes nothing;
  - nothing answers 500.
"""

import io
import re
import zipfile

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from portal.models import AuditEvent
from tests.matrix.routes import discover_routes
from tests.matrix.world import MATRIX_ROLES, all_tokens, build_world, forbidden_tokens, in_scope
from tests.signin import SignedInAPIClient, SignedInClient

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
SKIP_NAMESPACES = {"admin"}
ROUTES = discover_routes()


def _walk(patterns, prefix="", namespace=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            if ns in SKIP_NAMESPACES:
                continue
            full_ns = ":".join(x for x in (namespace, p.namespace) if x) if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), full_ns)
        elif isinstance(p, URLPattern):
            if p.name is None:
                continue  # e.g. static/media serving in DEBUG
            yield (f"{namespace}:{p.name}" if namespace else p.name), prefix + str(p.pattern)


def resolver_routes() -> dict[str, str]:
    return dict(_walk(get_resolver().url_patterns))


def schema_operations() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [(path, method.upper()) for path, ops in schema["paths"].items() for method in ops]


def test_every_route_is_in_the_matrix():
    missing = sorted(set(resolver_routes()) - set(ROUTES))
    assert not missing, f"Routes with no permission-matrix spec: {missing}"
    stale = sorted(set(ROUTES) - set(resolver_routes()))
    assert not stale, f"Matrix specs for routes that no longer exist: {stale}"


def test_every_openapi_operation_is_in_the_matrix():
    from django.urls import resolve

    problems = []
    for path, method in schema_operations():
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        match = resolve(concrete)
        name = ":".join(filter(None, [match.namespace, match.url_name]))
        route = ROUTES.get(name)
        if route is None:
            problems.append(f"{method} {path}: no spec for {name}")
        elif method not in route.allowed:
            problems.append(f"{method} {path}: documented, but the matrix allows it for nobody")
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once per module (and per xdist worker) inside a transaction rolled back at the end,
    so other tests never see it."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _fingerprint():
    """Row counts of every portal table in one query: a refused write must not change them."""
    tables = [t for t in connection.introspection.table_names() if not t.startswith(("django_", "auth_"))]
    sql = "SELECT " + ", ".join(f'(SELECT count(*) FROM "{t}")' for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip(tables, cursor.fetchone(), strict=True))


def _body_text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    ctype = response.get("Content-Type", "")
    if content[:2] == b"PK":  # XLSX and other zipped formats
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    if "pdf" in ctype or content[:4] == b"%PDF":
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(content))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    return content.decode("utf-8", "replace")


def _clients(world, org_key, matrix_role, api: bool):
    user = world.user(org_key, matrix_role)
    if api and matrix_role.startswith("api_client"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {world.keys[(org_key, matrix_role)]}")
        return client
    client = SignedInAPIClient() if api else SignedInClient()
    client.force_login(user)
    return client


def _request(client, method, url, data, api):
    if api:
        return getattr(client, method.lower())(url, data or {}, format="json")
    if method in ("GET", "DELETE"):
        return getattr(client, method.lower())(url)
    if method == "POST":
        return client.post(url, data or {})
    return client.generic(method, url, "")


def _url(route, world, route_path):
    kwargs = route.kwargs(world) if route.kwargs else {}
    url = reverse(route.name, kwargs=kwargs)
    return url + (f"?{route.query}" if route.query else "")


@pytest.mark.django_db
@pytest.mark.parametrize("route_name", sorted(ROUTES))
def test_permission_matrix(route_name, world):
    route = ROUTES[route_name]
    routes = resolver_routes()
    if route_name not in routes:
        pytest.fail(f"{route_name} is in the matrix but not served")
    url = _url(route, world, routes[route_name])
    api = url.startswith("/api/")
    problems = []

    users = [(org, role) for org, roles in MATRIX_ROLES.items() for role in roles]
    for method in METHODS:
        # Anonymous.
        with transaction.atomic():
            response = _request(
                APIClient() if api else Client(), method, url, route.data(world) if route.data else None, api
            )
            transaction.set_rollback(True)
        if not route.public:
            ok = {401, 403, 405} if api else {302, 403, 405}
            if response.status_code not in ok:
                problems.append(f"anonymous {method}: {response.status_code}")
            elif response.status_code == 302 and "/login/" not in response["Location"]:
                problems.append(f"anonymous {method}: redirected to {response['Location']}, not to sign in")
        text = _body_text(response)
        for token in all_tokens():
            if token in text:
                problems.append(f"anonymous {method}: body contains {token}")

        for org_key, matrix_role in users:
            client = _clients(world, org_key, matrix_role, api)
            data = route.data(world) if route.data else None
            with transaction.atomic():
                before = _fingerprint() if method != "GET" else None
                audit_before = AuditEvent.objects.count()
                response = _request(client, method, url, data, api)
                status = response.status_code
                text = _body_text(response)
                refused = status in (401, 403, 404, 405)
                if method != "GET" and refused:
                    if _fingerprint() != before or AuditEvent.objects.count() != audit_before:
                        problems.append(
                            f"{org_key}/{matrix_role} {method}: refused ({status}) but data changed"
                        )
                transaction.set_rollback(True)

            who = f"{org_key}/{matrix_role} {method}"
            for token in forbidden_tokens(org_key):
                if token in text:
                    problems.append(f"{who}: body contains foreign canary {token} (status {status})")
            if status >= 500:
                problems.append(f"{who}: server error {status}")
                continue
            scoped_in = route.owner is None or in_scope(org_key, route.owner, route.reference)
            allowed_roles = route.allowed.get(method)
            if allowed_roles is None:
                if status not in (403, 404, 405):
                    problems.append(f"{who}: method not offered, but got {status}")
                continue
            if not scoped_in:
                if status != 404:
                    problems.append(f"{who}: record out of scope, expected 404, got {status}")
                continue
            side = (
                "council"
                if org_key.startswith("C")
                else "provider"
                if org_key.startswith("P")
                else "operator"
            )
            if matrix_role in allowed_roles or f"{matrix_role}:{side}" in allowed_roles:
                if status in (401, 403, 404, 405) and status not in route.extra_ok:
                    problems.append(f"{who}: allowed, but got {status}")
            elif status not in (403, 405):
                problems.append(f"{who}: role not allowed, expected 403, got {status}")

    assert not problems, f"{route_name} ({url}):\n  " + "\n  ".join(problems)


@pytest.mark.django_db
def test_admin_site_is_for_the_operator_only(world):
    """Django's admin: only site administrators reach it; they see reference data and no care
    records (the admin querysets go through visible_to)."""
    from django.contrib import admin

    problems = []
    for model, model_admin in admin.site._registry.items():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for org_key, roles in MATRIX_ROLES.items():
            for matrix_role in roles:
                client = SignedInClient()
                client.force_login(world.user(org_key, matrix_role))
                response = client.get(url)
                if matrix_role == "site_admin":
                    if response.status_code != 200:
                        problems.append(f"{url} site admin: {response.status_code}")
                    text = response.content.decode()
                    for token in forbidden_tokens("OP"):
                        if token in text:
                            problems.append(f"{url} site admin sees care record {token}")
                elif response.status_code != 302 or "/admin/login/" not in response["Location"]:
                    problems.append(f"{url} {org_key}/{matrix_role}: {response.status_code}")
        # Change pages of every world record of this model.
        admin_client = SignedInClient()
        admin_client.force_login(world.user("OP", "site_admin"))
        for objects in world.objects.values():
            for obj in objects.values():
                if type(obj) is not model:
                    continue
                change = reverse(
                    f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk]
                )
                response = admin_client.get(change)
                text = response.content.decode()
                for token in forbidden_tokens("OP"):
                    if token in text:
                        problems.append(f"{change}: site admin sees care record {token}")
    assert not problems, "\n".join(problems)
