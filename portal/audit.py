"""The audit trail: every state change on an order, visit, return or invoice is written here by
the service that makes it, in the same transaction.

We write our own small trail rather than use signal-based libraries (django-auditlog,
django-simple-history) because our heavy paths use bulk_create, UPDATE … FROM and COPY, which
fire no signals, and because an entry must carry the verb ("issued", "accepted") and the
organisations party to the record, so each side can read its own trail.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import Actor, AuditEvent, User
from .webhooks import events as webhook_events

#: What an entry records as changed: {field: [old, new]} (any dict `jsonable` can write).
Changes = dict[str, Any]

_M = TypeVar("_M", bound=models.Model)


def jsonable(value: Any) -> Any:
    """`value` as JSON can hold it: Decimals as strings (no float ever holds money), dates and times
    in ISO form, records by primary key, lists, tuples and dicts item by item; anything else as is."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


# Other apps still import the old private name; it goes once they call `jsonable`.
_jsonable = jsonable


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of `fields`, for diffing after a change. Decimals are written to their
    field's places and times in UTC, so 5 and 5.00 (unsaved and saved), or 09:00+01:00 and 08:00Z,
    are not a change."""
    return {f: jsonable(_in_utc(_stored(obj, f))) for f in fields}


def _in_utc(value: object) -> object:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC)
    return value


def _stored(obj: models.Model, name: str) -> Any:
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


def _is_fk(obj: models.Model, name: str) -> bool:
    try:
        return obj._meta.get_field(name).is_relation
    except Exception:  # noqa: BLE001 - a property, not a field
        return False


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose value changed."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def parties(obj: models.Model) -> tuple[int | None, int | None]:
    """The commissioner and provider a record belongs to, so each can read its trail."""
    if hasattr(obj, "audit_parties"):
        return obj.audit_parties()
    return getattr(obj, "commissioner_id", None), getattr(obj, "provider_id", None)


def _event(
    *,
    actor: Actor,
    obj: models.Model,
    action: str,
    changes: Changes | None,
    note: str,
    content_type: ContentType | None = None,
) -> AuditEvent:
    commissioner_id, provider_id = parties(obj)
    person = actor if isinstance(actor, User) else None
    return AuditEvent(
        actor=person,
        actor_organisation_id=person.organisation_id if person else None,
        # Written now, so the trail names who acted even after their account is deactivated.
        actor_name=actor_display_name(person) if person else "",
        actor_organisation_name=person.organisation.name if person else "",
        action=action,
        content_type=content_type or ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=jsonable(changes or {}),
        note=note,
        commissioner_id=commissioner_id,
        provider_id=provider_id,
    )


def actor_display_name(user: User) -> str:
    """How the trail names a person: their full name and username, e.g. "Nadia Khan (nadia)"."""
    full = user.get_full_name()
    return f"{full} ({user.username})" if full else user.username


def record(
    *, actor: Actor, obj: models.Model, action: str, changes: Changes | None = None, note: str = ""
) -> AuditEvent:
    """Write one entry: `actor` did `action` to `obj`; `changes` is {field: [old, new]}."""
    event = _event(actor=actor, obj=obj, action=action, changes=changes, note=note)
    event.save()
    webhook_events.audited([(event, obj)])  # an entry that is a webhook event is delivered on commit
    return event


def record_many(
    *,
    actor: Actor,
    objects: Iterable[_M],
    action: str,
    changes: Changes | Callable[[_M], Changes | None] | None = None,
    note: str = "",
) -> int:
    """One entry per object in one INSERT, for bulk paths. `changes` may be a callable(obj)."""
    content_types: dict[type, ContentType] = {}
    events = []
    objects = list(objects)
    for obj in objects:
        ct = content_types.setdefault(
            type(obj), ContentType.objects.get_for_model(obj, for_concrete_model=False)
        )
        obj_changes = changes(obj) if callable(changes) else changes
        events.append(
            _event(actor=actor, obj=obj, action=action, changes=obj_changes, note=note, content_type=ct)
        )
    AuditEvent.objects.bulk_create(events, batch_size=2000)
    if webhook_events.watches(action):
        webhook_events.audited(zip(events, objects, strict=True))
    return len(events)


def save_new(
    obj: _M, *, actor: Actor, action: str, changes: Mapping[str, Any] | None = None, note: str = ""
) -> _M:
    """Validate, save and audit a new record."""
    obj.full_clean()
    obj.save()
    record(actor=actor, obj=obj, action=action, changes=dict(changes or {}), note=note)
    return obj


def save_changes(
    obj: _M, changes: Mapping[str, Any], *, fields: Iterable[str], actor: Actor, action: str = "updated"
) -> _M:
    """Set `changes` on a record (the caller holds its row lock, if it exists), validate, save, and
    audit what really changed; a record not saved before starts from nothing."""
    fields = list(fields)
    before = snapshot(obj, fields) if obj.pk else {}
    for field, value in changes.items():
        setattr(obj, field, value)
    obj.full_clean()
    obj.save()
    changed = diff(before, snapshot(obj, fields))
    if changed:
        record(actor=actor, obj=obj, action=action, changes=changed)
    return obj
