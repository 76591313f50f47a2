"""Schemathesis over the published OpenAPI schema (issue 15, "API correctness").

Every operation in `/api/schema/` is called with generated data, in the canary world of the
permission matrix: a provider's read-write token calls every method, a council's read-only token
every GET. No answer may be a server error, and every answer must be what the schema says: its
body matches the documented schema for its status, its Content-Type is the documented one.

Bounded: one or two examples per operation (`CALLERS`), the same ones every run (derandomised), each
call inside a savepoint rolled back afterwards, so the world stays as built and the test takes
well under a minute. A detail route (`/…/{id}/`) is called with the id of a record the token can
see (the first on its list), so the body of a real record is checked, not only the 404.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.matrix.world import build_world

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
# Who calls, which methods, and how many generated examples per operation: the provider's
# read-write token every method, the council's read-only token every GET.
CALLERS = {("P1", "api_client_rw"): (None, 2), ("C1", "api_client"): ({"GET"}, 1)}


@contextlib.contextmanager
def _in_test_transaction():
    """The WSGI app answers inside the test's transaction, as Django's test client does (which
    reconnects the receiver after each of its own requests): Django would otherwise close the
    connection, and so the test's transaction, when a request starts and ends."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with transaction.atomic():
            yield
            transaction.set_rollback(True)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _first_id(key: str, path: str) -> dict[str, Any]:
    """Path parameters naming a record the token sees: the first on the list above the path."""
    names = re.findall(r"\{(\w+)\}", path)
    if len(names) != 1:
        return {}
    listing = path[: path.index("{")]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get(listing, {"page_size": 1})
    if response.status_code != 200 or "json" not in response.get("Content-Type", ""):
        return {}
    data = response.json()
    rows = data.get("results", []) if isinstance(data, dict) else data
    if not rows or not isinstance(rows[0], dict) or "id" not in rows[0]:
        return {}
    return {names[0]: rows[0]["id"]}


def _summary(exc: BaseException) -> str:
    parts = [str(exc)]
    if isinstance(exc, BaseExceptionGroup):
        parts += [str(e) for e in exc.exceptions]
    return "\n".join(parts)[:2500]


def _run(operation, key: str, examples: int, failures: list[str]) -> None:
    strategy = operation.as_strategy(path_parameters=_first_id(key, operation.path) or None)

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def call(case):
        with _in_test_transaction():
            case.call_and_validate(headers={"Authorization": f"Token {key}"}, checks=CHECKS)

    try:
        call()
    except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collect all, then report them
        failures.append(f"{operation.label}: {_summary(exc)}")


def test_api_conforms_to_its_schema():
    world = build_world()
    with _in_test_transaction():
        schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    failures: list[str] = []
    for (org, role), (methods, examples) in CALLERS.items():
        key = world.keys[(org, role)]
        for result in schema.get_all_operations():
            operation = result.ok()
            if methods is not None and operation.method.upper() not in methods:
                continue
            _run(operation, key, examples, failures)
    assert not failures, "\n\n".join(failures)
