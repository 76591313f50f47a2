"""Each person's email preferences page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse

from portal.forms import PortalFormMixin
from portal.roles import Capability
from portal.views import ServiceFormView

from .models import EmailFrequency
from .services import emailed_kinds, frequency_of, notification_preference_set


class NotificationPreferenceForm(PortalFormMixin, forms.Form):
    frequency = forms.ChoiceField(
        label="How should alerts reach you by email?",
        choices=EmailFrequency.choices,
        widget=forms.RadioSelect,
    )


class NotificationPreferencesView(ServiceFormView):
    """The signed-in person's own choice: each alert at once (the default) or a daily digest."""

    required_capability = write_capability = Capability.VIEW
    form_class = NotificationPreferenceForm
    template_name = "portal/notification_preferences.html"
    title = "Email notifications"
    intro = (
        "We email you when something needs your action. Emails give the kind of alert, a reference"
        " and a link to the portal, never a person's name."
    )
    submit_label = "Save my choice"
    success_message = "Your email choice is saved."

    def caption(self) -> str:
        return self.request.user.email or "No email address on your account: ask your administrator"

    def get_initial(self) -> dict[str, Any]:
        return {"frequency": frequency_of(self.request.user)}

    def perform(self, form: Any) -> Any:
        return notification_preference_set(actor=self.request.user, frequency=form.cleaned_data["frequency"])

    def success_url_for(self, result: Any) -> str:
        return reverse("portal:notifications")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(kinds=emailed_kinds(), **kwargs)
