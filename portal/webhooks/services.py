"""Writes for webhooks: subscriptions (audited) and the sending of one delivery."""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal import audit
from portal.models import Organisation, User

from . import rules
from .events import event_names
from .models import DeliveryStatus, WebhookDelivery, WebhookSubscription

SUBSCRIPTION_FIELDS = ["url", "description", "events", "is_active"]


def _setting(name: str, default: int) -> int:
    return int(settings.PORTAL.get(name, default))


def _checked_events(events: Iterable[str]) -> list[str]:
    chosen = sorted(set(events))
    unknown = set(chosen) - set(event_names())
    if unknown:
        raise ValidationError({"events": f"Unknown events: {', '.join(sorted(unknown))}."})
    if not chosen:
        raise ValidationError({"events": "Choose at least one event."})
    return chosen


@transaction.atomic
def subscription_create(
    *,
    actor: User | None,
    organisation: Organisation,
    url: str,
    events: Iterable[str],
    description: str = "",
    is_active: bool = True,
) -> WebhookSubscription:
    """Subscribe one of the organisation's URLs to events (paused from the start if not
    `is_active`); the secret is generated here."""
    subscription = WebhookSubscription(
        organisation=organisation,
        url=url,
        description=description,
        events=_checked_events(events),
        is_active=is_active,
        created_by=actor,
    )
    return audit.save_new(
        subscription,
        actor=actor,
        action="webhook subscribed",
        changes={"url": [None, url], "events": [None, subscription.events]},
    )


@transaction.atomic
def subscription_update(
    *, actor: User | None, subscription: WebhookSubscription, **values: Any
) -> WebhookSubscription:
    """Change a subscription's URL, events, description or whether it is active."""
    unknown = set(values) - set(SUBSCRIPTION_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}")
    if "events" in values:
        values["events"] = _checked_events(values["events"])
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    return audit.save_changes(
        subscription, values, fields=SUBSCRIPTION_FIELDS, actor=actor, action="webhook changed"
    )


def body_of(delivery: WebhookDelivery) -> bytes:
    """The exact bytes sent (and signed)."""
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()


def _post(url: str, body: bytes, headers: dict[str, str], timeout: int) -> tuple[int | None, str]:
    """POST the body; (HTTP status or None, error text)."""
    if not url.startswith(("http://", "https://")):
        return None, "Only http and https URLs are delivered to."
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - scheme checked above
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked above
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        return None, str(getattr(exc, "reason", exc))[:500]


def delivery_attempt(*, delivery_id: int) -> WebhookDelivery | None:
    """Send one delivery once (unless it is already delivered or given up on), and log the
    outcome: delivered on a 2xx, else retried with exponential back-off until the attempts
    allowed (`PORTAL["WEBHOOK_MAX_ATTEMPTS"]`) are used up. The row is locked while sending, so
    two workers never send the same delivery at once."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("subscription")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status in (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED):
            return delivery
        subscription = delivery.subscription
        body = body_of(delivery)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "care-portal-webhooks/1",
            rules.EVENT_HEADER: delivery.event,
            rules.DELIVERY_HEADER: str(delivery.event_id),
            rules.SIGNATURE_HEADER: rules.signature(subscription.secret, int(time.time()), body),
        }
        status, error = _post(subscription.url, body, headers, _setting("WEBHOOK_TIMEOUT_SECONDS", 10))
        now = timezone.now()
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.response_status = status
        delivery.error = error
        delivery.next_attempt_at = None
        if status is not None and 200 <= status < 300:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = now
        elif delivery.attempts >= _setting("WEBHOOK_MAX_ATTEMPTS", 6):
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.status = DeliveryStatus.RETRYING
            delivery.next_attempt_at = now + dt.timedelta(seconds=retry_delay_after(delivery.attempts))
        delivery.save()
        return delivery


def retry_delay_after(attempts: int) -> int:
    """Seconds before the next attempt, after `attempts` failed ones (the settings' back-off)."""
    return rules.retry_delay(
        attempts,
        base_seconds=_setting("WEBHOOK_RETRY_BASE_SECONDS", 60),
        cap_seconds=_setting("WEBHOOK_RETRY_CAP_SECONDS", 6 * 60 * 60),
    )


def deliveries_overdue(now: dt.datetime, *, grace: dt.timedelta = dt.timedelta(minutes=10)) -> list[int]:
    """Deliveries whose sending was lost (a broker restarted, a worker died holding the task):
    still waiting well after they were due. Receivers tell a repeat by `X-Portal-Delivery`."""
    cutoff = now - grace
    waiting = WebhookDelivery.objects.filter(
        status__in=(DeliveryStatus.PENDING, DeliveryStatus.RETRYING)
    ).filter(Q(next_attempt_at__lt=cutoff) | Q(next_attempt_at__isnull=True, created_at__lt=cutoff))
    return list(waiting.order_by("pk").values_list("pk", flat=True)[:1000])
