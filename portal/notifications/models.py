"""Each person's choice of how alerts reach them by email, and the log that makes sending idempotent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class EmailFrequency(models.TextChoices):
    IMMEDIATELY = "immediately", "Immediately, one email for each alert"
    DAILY = "daily", "Once a day, one email listing the day's alerts"


class NotificationPreference(models.Model):
    """How one person wants alerts emailed. No row means the default: immediately."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    frequency = models.CharField(
        max_length=12, choices=EmailFrequency.choices, default=EmailFrequency.IMMEDIATELY
    )
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user}: {self.get_frequency_display()}"

    def audit_parties(self) -> tuple[int | None, int | None]:
        """A person's choice belongs to their own organisation's side (`portal.audit.parties`)."""
        organisation = self.user.organisation
        if organisation.kind == "commissioner":
            return organisation.pk, None
        return (None, organisation.pk) if organisation.kind == "provider" else (None, None)


class AlertEmail(models.Model):
    """One alert emailed to one person, once: the unique pair is what makes sending idempotent
    (a task run twice, or an alert in both an immediate email and a digest, sends nothing more)."""

    class Via(models.TextChoices):
        IMMEDIATE = "immediate", "Immediate email"
        DIGEST = "digest", "Daily digest"

    alert = models.ForeignKey("portal.Alert", on_delete=models.CASCADE, related_name="emails")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    via = models.CharField(max_length=10, choices=Via.choices)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alert", "user"], name="alert_email_once_per_person")]

    def __str__(self) -> str:
        return f"Alert {self.alert_id} to {self.user_id} ({self.via})"
