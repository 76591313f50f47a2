"""Sending must-act alerts by email: at once, or in each person's daily digest (issue 16).

What an email says is safe by construction: the kind of alert, a reference to the record, when it
is due and a link to the page — never the alert's title or detail, which may name the person whose
care it is. The link leads to the portal, where the reader signs in and sees only what their
organisation may see.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from portal import audit
from portal.alerts import AlertKind, kind_of, registered_kinds
from portal.roles import ROLE_CAPABILITIES, SYSTEM_ROLES, Capability

from .models import AlertEmail, EmailFrequency, NotificationPreference

if TYPE_CHECKING:
    from portal.models import Alert, User

#: A digest looks back this far for alerts not yet emailed, so a missed run (or a person who has
#: just chosen the digest) still gets them, but no one is sent a backlog of old alerts.
DIGEST_LOOKBACK = dt.timedelta(days=7)


def emailed_kinds() -> list[AlertKind]:
    """The kinds people must act on, which are emailed."""
    return [k for k in registered_kinds() if k.email]


def frequency_of(user: User) -> str:
    pref = NotificationPreference.objects.filter(user=user).values_list("frequency", flat=True).first()
    return pref or EmailFrequency.IMMEDIATELY


@transaction.atomic
def notification_preference_set(*, actor: User, frequency: str) -> NotificationPreference:
    """A person chooses how alerts reach them by email (their own choice only)."""
    if frequency not in EmailFrequency.values:
        raise ValueError(f"Unknown email frequency {frequency!r}")
    pref, _ = NotificationPreference.objects.select_for_update().get_or_create(user=actor)
    if pref.frequency != frequency:
        changes = {"frequency": [pref.frequency, frequency]}
        pref.frequency, pref.updated_at = frequency, timezone.now()
        pref.save(update_fields=["frequency", "updated_at"])
        audit.record(actor=actor, obj=pref, action="email preference changed", changes=changes)
    return pref


def _roles_with(capability: str) -> list[str]:
    return [
        role
        for role, caps in ROLE_CAPABILITIES.items()
        if Capability(capability) in caps and role not in SYSTEM_ROLES
    ]


def _people_for(alert: Alert, frequency: str) -> models.QuerySet[User]:
    """The people of the recipient organisation who act on the alert and want this frequency."""
    from portal.models import User

    people = User.objects.filter(
        organisation_id=alert.recipient_id, is_active=True, role__in=_roles_with(alert.capability)
    ).exclude(email="")
    if frequency == EmailFrequency.IMMEDIATELY:
        return people.exclude(notification_preference__frequency=EmailFrequency.DAILY)
    return people.filter(notification_preference__frequency=frequency)


def link(path: str) -> str:
    """An absolute link to a page of the portal (emails are read outside it)."""
    base = settings.PORTAL["BASE_URL"].rstrip("/")
    return f"{base}{path or reverse('portal:alert-list')}"


def reference_of(alert: Alert) -> str:
    """The record's reference (an order's ISO number, an invoice's number…), never a name."""
    obj: Any = None
    if alert.content_type_id and alert.object_id:
        model = alert.content_type.model_class() if alert.content_type else None
        if model is not None:
            obj = model._default_manager.filter(pk=alert.object_id).first()
    if obj is None:
        return f"alert {alert.pk}"
    for holder in (obj, getattr(obj, "order", None), getattr(obj, "invoice", None)):
        for field in ("reference", "number"):
            value = getattr(holder, field, "") if holder is not None else ""
            if value:
                return str(value)
    return f"{obj._meta.verbose_name} {obj.pk}"


@dataclass(frozen=True)
class EmailedAlert:
    label: str
    reference: str
    due: str
    url: str


def _emailed(alert: Alert) -> EmailedAlert:
    due = f"{timezone.localtime(alert.due_at):%d %b %Y}" if alert.due_at else ""
    return EmailedAlert(kind_of(alert.kind).label, reference_of(alert), due, link(alert.url))


def _message(
    user: User, subject: str, template: str, context: dict[str, Any], connection: Any
) -> EmailMessage:
    service = settings.PORTAL["SERVICE_NAME"]
    body = render_to_string(
        template,
        {**context, "service_name": service, "preferences_url": link(reverse("portal:notifications"))},
    )
    return EmailMessage(f"{service}: {subject}", body, to=[user.email], connection=connection)


def alert_emails_send(*, alert_ids: Iterable[int]) -> int:
    """Email each open must-act alert at once to the people who act on it and chose "immediately".
    Idempotent: a person is emailed an alert once (`AlertEmail`), however often this runs. Returns
    how many emails were sent."""
    from portal.models import Alert

    sent = 0
    connection = get_connection()
    alerts = Alert.objects.filter(pk__in=list(alert_ids), resolved_at__isnull=True).select_related(
        "content_type"
    )
    for alert in alerts:
        if not kind_of(alert.kind).email:
            continue
        item = _emailed(alert)
        for user in _people_for(alert, EmailFrequency.IMMEDIATELY):
            with transaction.atomic():
                # The row first, under the alert's lock: a second run waits, then finds it and
                # sends nothing; a failed send rolls the row back, so a retry sends it.
                list(Alert.objects.select_for_update().filter(pk=alert.pk).values_list("pk", flat=True))
                _, created = AlertEmail.objects.get_or_create(
                    alert=alert, user=user, defaults={"via": AlertEmail.Via.IMMEDIATE}
                )
                if not created:
                    continue
                subject = f"{item.label} ({item.reference})"
                _message(user, subject, "portal/email/alert.txt", {"item": item}, connection).send()
            sent += 1
    return sent


def digests_send(*, now: dt.datetime | None = None) -> int:
    """Once a day: one email to each person who chose the digest, listing the open must-act alerts
    for them not emailed yet. Returns how many digests were sent."""
    from portal.models import Alert, User

    now = now or timezone.now()
    codes = [k.code for k in emailed_kinds()]
    sent = 0
    connection = get_connection()
    people = (
        User.objects.filter(is_active=True, notification_preference__frequency=EmailFrequency.DAILY)
        .exclude(email="")
        .exclude(role__in=SYSTEM_ROLES)
    )
    for user in people.select_related("organisation"):
        caps = [c.value for c in ROLE_CAPABILITIES.get(user.role, frozenset())]
        with transaction.atomic():
            due = list(
                Alert.objects.select_for_update(of=("self",))
                .filter(
                    recipient_id=user.organisation_id,
                    capability__in=caps,
                    kind__in=codes,
                    resolved_at__isnull=True,
                    raised_at__gte=now - DIGEST_LOOKBACK,
                )
                .exclude(emails__user=user)
                .select_related("content_type")
                .order_by("raised_at", "pk")
            )
            if not due:
                continue
            AlertEmail.objects.bulk_create(
                [AlertEmail(alert=a, user=user, via=AlertEmail.Via.DIGEST, sent_at=now) for a in due],
                ignore_conflicts=True,
            )
            items = [_emailed(a) for a in due]
            subject = f"{len(items)} thing{'s' if len(items) != 1 else ''} to act on"
            _message(user, subject, "portal/email/digest.txt", {"items": items}, connection).send()
        sent += 1
    return sent
