"""The bulk API endpoint's body, the same for every kind: a JSON array of objects with the
spreadsheet template's columns, checked as an upload is (all or nothing; the same items again
change nothing), or only checked with `?dry_run=true`."""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response

from portal.models import User

from .files import Unreadable, table_from_records
from .resource import submit
from .specs import UploadSpec


def bulk_response(
    request: Request,
    spec: UploadSpec,
    *,
    actor: User,
    source: str,
    note: str,
    noun: str,
    limit: int,
    wrapper: str | None = None,
) -> Response:
    """Check and (unless a dry run or an item is rejected) write `payload`; `noun` names one item
    ("visit") in the messages; the body is the array, or (with `wrapper`) an object holding it there. Every answer, refused or not, has the documented shape
    (`BulkResultSerializer`), with a `detail` saying why when it is refused."""
    dry_run = str(request.query_params.get("dry_run", "")).lower() in ("1", "true", "yes")
    try:
        payload = request.data
    except ParseError as exc:  # a body that is not JSON: refused in the same shape
        return _refused(dry_run, str(exc.detail), [])
    if wrapper is not None and isinstance(payload, dict) and wrapper in payload:
        payload = payload[wrapper]  # {"visits": [...]} as well as [...]
    if isinstance(payload, list) and len(payload) > limit:
        return _refused(dry_run, f"Send at most {limit:,} {noun}s per request.", [])
    try:
        table = table_from_records(spec, payload)
    except Unreadable as exc:
        return _refused(dry_run, str(exc), [p.as_dict() for p in exc.problems])
    outcome = submit(spec, table, actor=actor, source=source, dry_run=dry_run, note=note)
    body = {"dry_run": dry_run, **outcome.summary(), "errors": [p.as_dict() for p in outcome.problems]}
    if not outcome.ok:
        body["detail"] = f"{outcome.rejected} {noun}(s) rejected: nothing was saved."
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    return Response(body)


def _refused(dry_run: bool, detail: str, errors: list[dict[str, Any]]) -> Response:
    """A submission refused before any item was checked: nothing read, nothing saved."""
    counts = dict.fromkeys(("read", "new", "updated", "unchanged", "rejected"), 0)
    body = {"dry_run": dry_run, **counts, "errors": errors, "detail": detail}
    return Response(body, status=status.HTTP_400_BAD_REQUEST)
