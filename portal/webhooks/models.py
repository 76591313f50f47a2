"""Webhook subscriptions and the delivery log."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models

from portal.modelbases import DetailPage, Timestamped
from portal.tenancy import TenantQuerySet


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookSubscriptionQuerySet(TenantQuerySet):
    """An organisation's subscriptions are its own: no other organisation (nor the operator) sees them."""

    commissioner_lookup = "organisation"
    provider_lookup = "organisation"

    def active(self) -> WebhookSubscriptionQuerySet:
        return self.filter(is_active=True)


class WebhookSubscription(DetailPage, Timestamped):
    """An organisation's URL and the events delivered to it, signed with `secret`
    (`portal.webhooks.rules.signature`). Events reach a subscription only for records its
    organisation is party to (the commissioner or the provider)."""

    organisation = models.ForeignKey(
        "portal.Organisation", on_delete=models.CASCADE, related_name="webhook_subscriptions"
    )
    url = models.URLField("URL", max_length=500)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, help_text="The names of the events delivered here.")
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = WebhookSubscriptionQuerySet.as_manager()
    detail_view = "portal:webhook-detail"

    class Meta:
        ordering = ["organisation", "url"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "url"], name="webhook_unique_url"),
        ]

    def __str__(self) -> str:
        return self.url

    def audit_parties(self) -> tuple[int | None, int | None]:
        org = self.organisation
        return (org.pk, None) if org.is_commissioner else (None, org.pk)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    RETRYING = "retrying", "Failed, will retry"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (no more retries)"


class WebhookDeliveryQuerySet(TenantQuerySet):
    commissioner_lookup = "subscription__organisation"
    provider_lookup = "subscription__organisation"


class WebhookDelivery(models.Model):
    """One event for one subscription: the payload as sent, each attempt's outcome and the next.
    Written in the transaction that made the change, so a change rolled back sends nothing."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=60)
    event_id = models.UUIDField(
        default=uuid.uuid4, help_text="The same for every subscription the event went to."
    )
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_id"], name="webhook_delivery_unique_event"
            ),
        ]
        indexes = [models.Index(fields=["subscription", "-created_at"], name="webhook_delivery_log_idx")]

    def __str__(self) -> str:
        return f"{self.event} to {self.subscription_id} ({self.status})"
