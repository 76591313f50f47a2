"""Raising and resolving alerts (see `portal.models.Alert`). Idempotent by (recipient, kind, key)."""

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from . import audit
from .models import Alert, Organisation
from .roles import Capability


def raise_alert(
    *,
    recipient: Organisation,
    capability: Capability,
    kind: str,
    key: str,
    title: str,
    detail: str = "",
    url: str = "",
    severity: str = Alert.Severity.ACTION,
    due_at: dt.datetime | None = None,
    obj: models.Model | None = None,
) -> tuple[Alert, bool]:
    """Raise an alert unless the same condition (recipient, kind, key) is already raised.
    Returns (alert, created). A resolved alert is not reopened: the condition was dealt with."""
    defaults = {
        "capability": capability,
        "title": title[:300],
        "detail": detail,
        "url": url,
        "severity": severity,
        "due_at": due_at,
    }
    if obj is not None:
        defaults["content_type"] = ContentType.objects.get_for_model(obj, for_concrete_model=False)
        defaults["object_id"] = str(obj.pk)
    return Alert.objects.get_or_create(recipient=recipient, kind=kind, key=key, defaults=defaults)


def raise_alerts(alerts: list[Alert]) -> int:
    """Raise many at once (one INSERT), skipping conditions already raised. Returns how many were new."""
    if not alerts:
        return 0
    existing = set(
        Alert.objects.filter(
            recipient__in={a.recipient_id for a in alerts},
            kind__in={a.kind for a in alerts},
            key__in=[a.key for a in alerts],
        ).values_list("recipient_id", "kind", "key")
    )
    new = [a for a in alerts if (a.recipient_id, a.kind, a.key) not in existing]
    Alert.objects.bulk_create(new, ignore_conflicts=True, batch_size=2000)
    return len(new)


@transaction.atomic
def resolve(*, alert: Alert, actor=None, resolution: str = "") -> Alert:
    if alert.resolved_at is None:
        alert.resolved_at = timezone.now()
        alert.resolved_by = actor if actor is not None and actor.is_authenticated else None
        alert.resolution = resolution
        alert.save(update_fields=["resolved_at", "resolved_by", "resolution"])
        audit.record(actor=actor, obj=alert, action="resolved", note=resolution)
    return alert


def resolve_matching(*, kind: str, key: str, actor=None, resolution: str = "", recipient=None) -> int:
    """Resolve open alerts for a condition that no longer holds (e.g. the order was accepted)."""
    qs = Alert.objects.open().filter(kind=kind, key=key)
    if recipient is not None:
        qs = qs.filter(recipient=recipient)
    return qs.update(
        resolved_at=timezone.now(),
        resolution=resolution,
        resolved_by=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
    )
