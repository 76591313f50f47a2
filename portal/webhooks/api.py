"""The webhooks API: an organisation's subscriptions (created, changed) and its delivery log."""

from typing import Any, cast

import django_filters
from rest_framework import serializers

from portal.api.filters import PortalFilterSet
from portal.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet
from portal.models import User
from portal.roles import Capability

from . import services
from .events import event_choices
from .models import DeliveryStatus, WebhookDelivery, WebhookSubscription

#: Who manages an organisation's webhooks: the council's commissioners, the provider's managers
#: (and tokens granted those capabilities).
MANAGE_WEBHOOKS = (Capability.COMMISSION, Capability.PROVIDER_MANAGE)


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=[]), allow_empty=False)
    secret = serializers.SerializerMethodField(help_text="The signing secret: answered once, when created.")

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "description", "events", "is_active", "secret", "created_at"]
        read_only_fields = ["created_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        events = cast(serializers.ListField, self.fields["events"])
        cast(serializers.ChoiceField, events.child).choices = event_choices()

    def get_secret(self, obj: WebhookSubscription) -> str | None:
        view = self.context.get("view")
        return obj.secret if getattr(view, "action", None) == "create" else None


class WebhookSubscriptionViewSet(
    ScopedModelViewSet, prefix="webhooks/subscriptions", basename="webhook-subscription"
):
    """Your organisation's webhook subscriptions. The signing secret is answered once, on create;
    every delivery carries `X-Portal-Signature: t=<unix time>,v1=<HMAC-SHA256 hex of "<t>." + body>`."""

    queryset = WebhookSubscription.objects.all()
    serializer_class = WebhookSubscriptionSerializer
    write_capability = MANAGE_WEBHOOKS
    create_service = staticmethod(services.subscription_create)
    organisation_arg = "organisation"
    ordering = ["url"]

    def perform_update(self, serializer: Any) -> None:
        user = cast(User, self.request.user)
        serializer.instance = self.rescoped(
            services.subscription_update(
                actor=user, subscription=serializer.instance, **serializer.validated_data
            )
        )


class WebhookDeliveryFilter(PortalFilterSet):
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices)

    class Meta:
        model = WebhookDelivery
        fields = ["subscription", "event", "status"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    url = serializers.CharField(source="subscription.url", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "subscription",
            "url",
            "event",
            "event_id",
            "status",
            "attempts",
            "response_status",
            "error",
            "created_at",
            "last_attempt_at",
            "next_attempt_at",
            "delivered_at",
            "payload",
        ]


class WebhookDeliveryViewSet(
    ScopedReadOnlyViewSet, prefix="webhooks/deliveries", basename="webhook-delivery"
):
    """The delivery log: each event sent to your subscriptions, its attempts and their outcome."""

    queryset = WebhookDelivery.objects.select_related("subscription")
    serializer_class = WebhookDeliverySerializer
    filterset_class = WebhookDeliveryFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]
