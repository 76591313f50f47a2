"""Writing the access log: one mechanism for pages, API reads and exports (issue 15).

Apps say which models are personal data (`portal.hooks.register_personal_data`, with the path from
a record to its person); the shared bases do the rest:

- `ScopedViewMixin` (every browser page over records) calls `page_read` after a GET: a record's
  page is logged, and a list when it is filtered to one person (`person_filters`);
- `ScopedAPIMixin` (every API viewset) calls `api_read` after a GET: every read of a registered
  model, with the ids and the number of rows it answered;
- an export or a download calls `record_read` itself (`action=EXPORTED` or `DOWNLOADED`).

One INSERT per request whatever the rows read (the people are found by a subquery inside it),
at most one entry per request, and a failure is logged as an error, never shown to the
reader: the response does not wait on the log and is never refused because of it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.expressions import ArraySubquery
from django.db import models, transaction
from django.http import HttpRequest

from portal.hooks import PersonalData, personal_data
from portal.models import ApiToken

from .models import AccessAction, AccessChannel, AccessLogEntry

logger = logging.getLogger(__name__)

_LOGGED = "_portal_access_logged"
#: At most this many people are named on one entry (an export of a whole council's orders names
#: them all up to here; the entry still says how many rows were read).
MAX_PEOPLE = 10_000


def record_read(
    request: Any,
    *,
    action: str,
    what: str,
    model: type[models.Model] | None = None,
    ids: Iterable[Any] = (),
    queryset: models.QuerySet[Any] | None = None,
    rows: int = 0,
    people: Iterable[int] | None = None,
) -> None:
    """Write this request's entry: `request.user` did `action` (viewed, listed, exported,
    downloaded) on `what`, `rows` rows of `model` (`ids`, or those of `queryset`). The people are
    `people`, or found from the records through the model's `register_personal_data` path.
    Never raises; a request writes one entry at most."""
    http_request: HttpRequest = getattr(request, "_request", request)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(http_request, _LOGGED, False):
        return
    setattr(http_request, _LOGGED, True)
    try:
        with transaction.atomic():
            if model is None and queryset is not None:
                model = queryset.model
            ids = [_id(i) for i in ids]
            found = _people(model, ids, queryset) if people is None else sorted(set(people))[:MAX_PEOPLE]
            token = getattr(request, "auth", None)
            AccessLogEntry.objects.create(
                user=user,
                user_name=(user.get_full_name() or user.username)[:150],
                organisation_id=user.organisation_id,
                channel=AccessChannel.API if http_request.path.startswith("/api/") else AccessChannel.WEB,
                token=token if isinstance(token, ApiToken) else None,
                address=http_request.META.get("REMOTE_ADDR") or None,
                action=action,
                what=what[:100],
                content_type=ContentType.objects.get_for_model(model) if model is not None else None,
                ids=ids[:MAX_PEOPLE],
                filters=_filters(http_request),
                rows=rows,
                people=found,
                path=http_request.path[:500],
            )
    except Exception:  # noqa: BLE001 - the reader gets their page; the failure goes to the error log
        logger.exception("Could not write the access log entry for %s", http_request.path)


def page_read(view: Any, request: HttpRequest, response: Any) -> None:
    """After a browser GET: a registered record's page, or a list of them filtered to a person."""
    if request.method != "GET" or response.status_code != 200:
        return
    spec = personal_data(getattr(view, "model", None))
    if spec is None:
        return
    obj = getattr(view, "object", None)
    if isinstance(obj, view.model):
        person = _person_of(obj, spec)
        record_read(
            request,
            action=AccessAction.VIEWED,
            what=spec.label,
            model=view.model,
            ids=[obj.pk],
            rows=1,
            people=[person] if person is not None else [],
        )
        return
    if any(request.GET.get(name) for name in spec.person_filters):
        listed = getattr(view, "object_list", None)
        context = getattr(response, "context_data", None) or {}
        paginator = context.get("paginator")
        rows = paginator.count if paginator is not None else len(context.get("object_list") or [])
        record_read(
            request,
            action=AccessAction.LISTED,
            what=f"{spec.label}s",
            model=view.model,
            queryset=listed if isinstance(listed, models.QuerySet) else None,
            rows=rows,
        )


def api_read(view: Any, request: Any, response: Any) -> None:
    """After an API GET on a registered model: its ids and how many rows were answered."""
    if request.method != "GET" or response.status_code != 200:
        return
    queryset = getattr(view, "queryset", None)
    model = queryset.model if queryset is not None else None
    # An action may answer other records than the viewset's (an invoice's detail schedule
    # answers its lines): its serializer's model says which.
    answered_model = _serializer_model(view) or model
    if personal_data(answered_model) is not None:
        model = answered_model
    spec = personal_data(model)
    if spec is None:
        return
    data = getattr(response, "data", None)
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        answered: Sequence[Any] = data["results"]
    elif isinstance(data, list):
        answered = data
    else:
        answered = [data] if data else []
    lookup = view.lookup_url_kwarg or view.lookup_field
    if (
        lookup in view.kwargs
        and queryset is not None
        and model is queryset.model
        and not isinstance(data, list)
    ):
        action, ids = AccessAction.VIEWED, [view.kwargs[lookup]]
    else:
        action = AccessAction.LISTED
        ids = [row["id"] for row in answered if isinstance(row, dict) and row.get("id") is not None]
    name = getattr(view, "action", None)
    what = spec.label if name in (None, "list", "retrieve") else f"{spec.label}: {name.replace('_', ' ')}"
    record_read(request, action=action, what=what, model=model, ids=ids, rows=len(answered))


def _serializer_model(view: Any) -> type[models.Model] | None:
    try:
        serializer_class = view.get_serializer_class()
    except Exception:  # noqa: BLE001 - a view without a serializer answers its own model
        return None
    return getattr(getattr(serializer_class, "Meta", None), "model", None)


def _id(value: Any) -> Any:
    return int(value) if isinstance(value, str) and value.isdigit() else value


def _filters(request: HttpRequest) -> dict[str, Any]:
    return {key: values[0] if len(values) == 1 else values for key, values in request.GET.lists()}


def _person_of(obj: models.Model, spec: PersonalData) -> int | None:
    """The person's id from a record already in hand (no query when the path is one step)."""
    if spec.person == "pk":
        return int(obj.pk)
    *hops, last = spec.person.split("__")
    target: Any = obj
    for hop in hops:
        target = getattr(target, hop, None)
        if target is None:
            return None
    return getattr(target, f"{last}_id", None)


def _people(model: type[models.Model] | None, ids: list[Any], queryset: models.QuerySet[Any] | None) -> Any:
    """The people the records are about: a list, or a subquery the INSERT itself runs (so the
    entry still costs one statement), or nothing for records that name no person."""
    spec = personal_data(model)
    if spec is None or model is None:
        return []
    if queryset is None:
        if spec.person == "pk":
            return [i for i in ids if isinstance(i, int)]
        queryset = model._default_manager.filter(pk__in=ids)
    path = "pk" if spec.person == "pk" else spec.person
    people = (
        queryset.order_by(path).filter(**{f"{path}__isnull": False}).values_list(path, flat=True).distinct()
    )
    return ArraySubquery(people[:MAX_PEOPLE])
