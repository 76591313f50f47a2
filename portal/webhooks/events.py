"""The webhook events: each app declares its own (in its hooks.py, as it declares alert kinds),
naming the model and the audit-trail actions that are the event.

Every state change a client can subscribe to is already written to the audit trail by the one
service or workflow transition that makes it (`portal.audit.record`, `Workflow.apply`), in the
transaction that makes it; the trail tells this module, which turns a matching entry into one
delivery row per subscribed organisation party to the record, in the same transaction, and
queues their sending on commit. So an event is emitted from the one place its change happens, a
change rolled back sends nothing, and no service needs a second call to remember.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone

if TYPE_CHECKING:
    from portal.models import AuditEvent

#: `fn(record) -> dict`: what the event says about the record, beside its id and type.
Describe = Callable[[Any], Mapping[str, Any]]


@dataclass(frozen=True)
class WebhookEvent:
    name: str  # "invoice.generated"
    label: str  # what the pages call it
    model: str  # "invoicing.Invoice"
    actions: tuple[str, ...]  # the audit actions that are this event
    describe: Describe


_EVENTS: dict[str, WebhookEvent] = {}
_BY_ACTION: dict[tuple[str, str], WebhookEvent] = {}


def webhook_event(
    name: str, label: str, *, model: str, actions: Iterable[str], describe: Describe
) -> WebhookEvent:
    """Declare an event (once, from the app's hooks.py)."""
    event = WebhookEvent(name, label, model.lower(), tuple(actions), describe)
    existing = _EVENTS.setdefault(name, event)
    if existing.model != event.model or existing.actions != event.actions:
        raise ValueError(f"Webhook event {name!r} is declared twice, differently")
    for action in event.actions:
        _BY_ACTION[(event.model, action)] = existing
    return existing


def registered_events() -> list[WebhookEvent]:
    return sorted(_EVENTS.values(), key=lambda e: e.name)


def event_names() -> list[str]:
    return sorted(_EVENTS)


def event_choices() -> list[tuple[str, str]]:
    return [(e.name, f"{e.name}: {e.label}") for e in registered_events()]


def watches(action: str) -> bool:
    """Whether an audit action is any event's (bulk paths ask once, not per record)."""
    return any(action == a for _m, a in _BY_ACTION)


def _label(obj: models.Model) -> str:
    return f"{obj._meta.app_label}.{obj._meta.object_name}".lower()


def audited(entries: Iterable[tuple[AuditEvent, models.Model]]) -> None:
    """Called by the audit trail with each entry it wrote and its record: queue the deliveries of
    the entries that are events. Cheap for the rest (a dictionary look-up each)."""
    if not _BY_ACTION:
        return
    matched = [
        (event, entry, obj)
        for entry, obj in entries
        if (event := _BY_ACTION.get((_label(obj), entry.action))) is not None
    ]
    if matched:
        _queue(matched)


def _queue(matched: list[tuple[WebhookEvent, AuditEvent, models.Model]]) -> None:
    from .models import WebhookDelivery, WebhookSubscription

    parties = {p for _e, entry, _o in matched for p in (entry.commissioner_id, entry.provider_id) if p}
    subscriptions = list(WebhookSubscription.objects.active().filter(organisation_id__in=parties))
    if not subscriptions:
        return
    deliveries = []
    for event, entry, obj in matched:
        to = [
            s
            for s in subscriptions
            if s.organisation_id in (entry.commissioner_id, entry.provider_id) and event.name in s.events
        ]
        if not to:
            continue
        event_id = uuid.uuid4()
        payload = _payload(event, event_id, entry, obj)
        deliveries += [
            WebhookDelivery(subscription=s, event=event.name, event_id=event_id, payload=payload) for s in to
        ]
    if not deliveries:
        return
    created = WebhookDelivery.objects.bulk_create(deliveries)
    ids = [d.pk for d in created]
    transaction.on_commit(lambda: _send(ids))


def _payload(
    event: WebhookEvent, event_id: uuid.UUID, entry: AuditEvent, obj: models.Model
) -> dict[str, Any]:
    from portal.audit import jsonable

    return {
        "id": str(event_id),
        "event": event.name,
        "occurred_at": (entry.at or timezone.now()).isoformat(),
        "data": jsonable({"type": obj._meta.model_name, "id": obj.pk, **event.describe(obj)}),
        "changes": entry.changes,
    }


def _send(delivery_ids: list[int]) -> None:
    from portal.tasks import deliver_webhook

    for pk in delivery_ids:
        deliver_webhook.delay(pk)
