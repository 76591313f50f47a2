"""The audit trail: every state change on an order, visit, return or invoice is written here by
the service that makes it, in the same transaction.

We write our own small trail rather than use signal-based libraries (django-auditlog,
django-simple-history) because our heavy paths use bulk_create, UPDATE … FROM and COPY, which
fire no signals, and because an entry must carry the verb ("issued", "accepted") and the
organisations party to the record, so each side can read its own trail.
"""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEvent


def _jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict:
    """The current values of `fields`, for diffing after a change. Decimals are written to their
    field's places, so 5 and 5.00 (unsaved and saved) are not a change."""
    return {f: _jsonable(_stored(obj, f)) for f in fields}


def _stored(obj: models.Model, name: str):
    if _is_fk(obj, name):
        return getattr(obj, f"{name}_id")
    value = getattr(obj, name)
    if isinstance(value, Decimal) and value.is_finite():
        try:
            field = obj._meta.get_field(name)
        except Exception:  # noqa: BLE001 - a property, not a field
            return value
        if isinstance(field, models.DecimalField):
            return value.quantize(Decimal(1).scaleb(-field.decimal_places))
    return value


def _is_fk(obj, name) -> bool:
    try:
        return obj._meta.get_field(name).is_relation
    except Exception:  # noqa: BLE001 - a property, not a field
        return False


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields whose value changed."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def parties(obj) -> tuple[int | None, int | None]:
    """The commissioner and provider a record belongs to, so each can read its trail."""
    if hasattr(obj, "audit_parties"):
        return obj.audit_parties()
    return getattr(obj, "commissioner_id", None), getattr(obj, "provider_id", None)


def _event(*, actor, obj, action, changes, note, content_type=None) -> AuditEvent:
    commissioner_id, provider_id = parties(obj)
    return AuditEvent(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_organisation_id=getattr(actor, "organisation_id", None),
        action=action,
        content_type=content_type or ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=_jsonable(changes or {}),
        note=note,
        commissioner_id=commissioner_id,
        provider_id=provider_id,
    )


def record(
    *, actor, obj: models.Model, action: str, changes: dict | None = None, note: str = ""
) -> AuditEvent:
    """Write one entry: `actor` did `action` to `obj`; `changes` is {field: [old, new]}."""
    event = _event(actor=actor, obj=obj, action=action, changes=changes, note=note)
    event.save()
    return event


def record_many(*, actor, objects: Iterable[models.Model], action: str, changes=None, note: str = "") -> int:
    """One entry per object in one INSERT, for bulk paths. `changes` may be a callable(obj)."""
    content_types: dict[type, ContentType] = {}
    events = []
    for obj in objects:
        ct = content_types.setdefault(
            type(obj), ContentType.objects.get_for_model(obj, for_concrete_model=False)
        )
        obj_changes = changes(obj) if callable(changes) else changes
        events.append(
            _event(actor=actor, obj=obj, action=action, changes=obj_changes, note=note, content_type=ct)
        )
    AuditEvent.objects.bulk_create(events, batch_size=2000)
    return len(events)
