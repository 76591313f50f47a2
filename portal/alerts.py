"""Raising and resolving alerts (see `portal.models.Alert`). Idempotent by (recipient, kind, key).

Alert kinds live in one registry: each app declares its kinds once (`alert_kind(...)`, in its
`alerts.py`) with the label people see and the capability that acts on them, and passes the kind
object around — never the code as a string literal — so a kind cannot be misspelt in one place
and the alert list can name every kind.

A kind declared with `email=True` is one people must act on: when such an alert is raised, by
`raise_alert` or `raise_alerts`, `portal.notifications` emails it (after the commit) to the people
of the recipient organisation who act on it, at once or in their daily digest — one path for every
app, so no app sends email of its own.
"""

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from . import audit
from .models import Actor, Alert, Organisation
from .roles import Capability


@dataclass(frozen=True)
class AlertKind:
    code: str  # stored in Alert.kind
    label: str  # what the alert list calls this kind
    capability: Capability  # who in the recipient organisation acts on it
    email: bool = False  # must act: emailed to the people who act on it (portal.notifications)

    def __str__(self) -> str:
        return self.code


_KINDS: dict[str, AlertKind] = {}


def alert_kind(code: str, label: str, capability: Capability, *, email: bool = False) -> AlertKind:
    """Declare an alert kind (once, at import of the app's alerts module); `email=True` for the
    alerts people must act on, which are emailed to them."""
    kind = AlertKind(code, label, capability, email)
    existing = _KINDS.setdefault(code, kind)
    if existing != kind:
        raise ValueError(f"Alert kind {code!r} is declared twice, differently")
    return kind


def kind_of(code: str | AlertKind) -> AlertKind:
    """The registered kind for a code; an unknown code is an error, not a silent new kind."""
    if isinstance(code, AlertKind):
        return code
    try:
        return _KINDS[code]
    except KeyError:
        raise ValueError(f"Unknown alert kind {code!r}: declare it with portal.alerts.alert_kind") from None


def registered_kinds() -> list[AlertKind]:
    return sorted(_KINDS.values(), key=lambda k: k.label)


def kind_label(code: str) -> str:
    kind = _KINDS.get(code)
    return kind.label if kind is not None else code.replace("_", " ").capitalize()


def raise_alert(
    *,
    recipient: Organisation,
    kind: AlertKind,
    key: str,
    title: str,
    detail: str = "",
    url: str = "",
    severity: str = Alert.Severity.ACTION,
    due_at: dt.datetime | None = None,
    obj: models.Model | None = None,
    capability: Capability | None = None,
) -> tuple[Alert, bool]:
    """Raise an alert unless the same condition (recipient, kind, key) is already raised.
    Returns (alert, created). A resolved alert is not reopened: the condition was dealt with.
    `capability` overrides the kind's own (who acts) where it differs by case."""
    kind = kind_of(kind)
    defaults: dict[str, Any] = {
        "capability": capability or kind.capability,
        "title": title[:300],
        "detail": detail,
        "url": url,
        "severity": severity,
        "due_at": due_at,
    }
    if obj is not None:
        defaults["content_type"] = ContentType.objects.get_for_model(obj, for_concrete_model=False)
        defaults["object_id"] = str(obj.pk)
    alert, created = Alert.objects.get_or_create(
        recipient=recipient, kind=kind.code, key=key, defaults=defaults
    )
    if created and kind.email:
        email_on_commit([alert.pk])
    return alert, created


def new_alert(*, kind: AlertKind, capability: Capability | None = None, **fields: Any) -> Alert:
    """An unsaved alert of a registered kind, for `raise_alerts` (bulk paths)."""
    kind = kind_of(kind)
    return Alert(kind=kind.code, capability=capability or kind.capability, **fields)


def raise_alerts(alerts: list[Alert]) -> int:
    """Raise many at once (one INSERT), skipping conditions already raised. Returns how many were new."""
    if not alerts:
        return 0
    for alert in alerts:
        alert.kind = kind_of(alert.kind).code
    existing = set(
        Alert.objects.filter(
            recipient__in={a.recipient_id for a in alerts},
            kind__in={a.kind for a in alerts},
            key__in=[a.key for a in alerts],
        ).values_list("recipient_id", "kind", "key")
    )
    new = [a for a in alerts if (a.recipient_id, a.kind, a.key) not in existing]
    Alert.objects.bulk_create(new, ignore_conflicts=True, batch_size=2000)
    emailed = [a for a in new if kind_of(a.kind).email]
    if emailed:
        # bulk_create with ignore_conflicts sets no primary keys: read back the ones just raised.
        wanted = {(a.recipient_id, a.kind, a.key) for a in emailed}
        rows = Alert.objects.filter(
            recipient__in={a.recipient_id for a in emailed},
            kind__in={a.kind for a in emailed},
            key__in=[a.key for a in emailed],
        ).values_list("pk", "recipient_id", "kind", "key")
        email_on_commit([pk for pk, *condition in rows if tuple(condition) in wanted])
    return len(new)


_emails_muted: ContextVar[bool] = ContextVar("alert_emails_muted", default=False)


@contextmanager
def emails_muted() -> Iterator[None]:
    """Raise alerts without emailing them: `load_demo` writes months of history at once, whose
    alerts are there to be seen in the portal, not mailed to the demo's people."""
    token = _emails_muted.set(True)
    try:
        yield
    finally:
        _emails_muted.reset(token)


def email_on_commit(alert_ids: list[int]) -> None:
    """Email must-act alerts once the transaction that raised them commits (never for a change
    rolled back): a Celery task, so a slow mail server never slows the change down."""
    if not alert_ids or _emails_muted.get():
        return

    def send() -> None:
        from .tasks import email_alerts

        email_alerts.delay(alert_ids)

    # Robust: with no broker (`make run`) the task runs here, after the commit; a mail server that
    # is down is logged, never turned into an error page for a change that was saved.
    transaction.on_commit(send, robust=True)


@transaction.atomic
def resolve(*, alert: Alert, actor: Actor = None, resolution: str = "") -> Alert:
    if alert.resolved_at is None:
        alert.resolved_at = timezone.now()
        alert.resolved_by = actor if actor is not None and actor.is_authenticated else None
        alert.resolution = resolution
        alert.save(update_fields=["resolved_at", "resolved_by", "resolution"])
        audit.record(actor=actor, obj=alert, action="resolved", note=resolution)
    return alert


def resolve_matching(
    *,
    kind: AlertKind,
    key: str | Iterable[str],
    actor: Actor = None,
    resolution: str = "",
    recipient: Organisation | None = None,
) -> int:
    """Resolve open alerts for a condition that no longer holds (e.g. the order was accepted).
    `key` may be several keys (one UPDATE)."""
    code = kind_of(kind).code
    qs = Alert.objects.open().filter(kind=code)
    qs = qs.filter(key=key) if isinstance(key, str) else qs.filter(key__in=list(key))
    if recipient is not None:
        qs = qs.filter(recipient=recipient)
    return qs.update(
        resolved_at=timezone.now(),
        resolution=resolution,
        resolved_by=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
    )
