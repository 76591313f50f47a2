"""The webhook pages: an organisation's subscriptions, adding one, and each one's delivery log."""

from typing import Any

from django import forms
from django.views.generic import DetailView

from portal.forms import PortalFormMixin
from portal.roles import has_any_capability
from portal.views import AuthenticatedHttpRequest, ScopedListView, ScopedViewMixin, ServiceFormView

from . import services
from .api import MANAGE_WEBHOOKS
from .events import event_choices, registered_events
from .models import WebhookDelivery, WebhookSubscription


class WebhookListView(ScopedListView):
    model = WebhookSubscription
    template_name = "portal/webhook_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            page_title="Webhooks",
            events=registered_events(),
            can_manage=has_any_capability(self.request.user, MANAGE_WEBHOOKS),
            **kwargs,
        )


class WebhookForm(PortalFormMixin, forms.Form):
    url = forms.URLField(label="URL", max_length=500, assume_scheme="https")
    description = forms.CharField(max_length=200, required=False)
    events = forms.MultipleChoiceField(choices=[], widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["events"].choices = event_choices()  # type: ignore[attr-defined]


class WebhookCreateView(ServiceFormView):
    """Subscribe a URL to events; the page that follows shows the signing secret."""

    form_class = WebhookForm
    required_capability = write_capability = MANAGE_WEBHOOKS
    title = "Add a webhook"
    intro = (
        "Each event is POSTed to the URL as JSON, signed in the X-Portal-Signature header "
        '(t=<unix time>,v1=<HMAC-SHA256 of "<t>." + body with the secret>), and retried with '
        "back-off until your server answers 2xx."
    )
    submit_label = "Add the webhook"
    success_message = "The webhook is added."

    def perform(self, form: WebhookForm) -> WebhookSubscription:
        return services.subscription_create(
            actor=self.request.user, organisation=self.request.user.organisation, **form.cleaned_data
        )


class WebhookDetailView(ScopedViewMixin, DetailView):
    model = WebhookSubscription
    request: AuthenticatedHttpRequest
    template_name = "portal/webhook_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        return super().get_context_data(
            page_title=f"Webhook {self.object.url}",
            deliveries=WebhookDelivery.objects.visible_to(user).filter(subscription=self.object)[:100],
            can_manage=has_any_capability(user, MANAGE_WEBHOOKS),
            audit_events=self.audit_events(self.object),
            **kwargs,
        )
