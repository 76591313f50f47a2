"""Invitations: how an organisation's manager brings a person in (issue 15).

The manager names the person, their email address and role; the portal makes their account (not
yet active, no password) and emails a link that works once, for PORTAL["INVITATION_HOURS"]. Only a
hash of the link's key is stored, as for API keys.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from .rules import InvitationState, invitation_state


def hash_invitation_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_invitation_key() -> str:
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    """One emailed link for a person to set their password. A newer invitation to the same person
    withdraws the older; accepting one uses it up."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.user}"

    @property
    def state(self) -> str:
        return invitation_state(
            now=timezone.now(),
            expires_at=self.expires_at,
            accepted_at=self.accepted_at,
            withdrawn_at=self.withdrawn_at,
        )

    @property
    def is_open(self) -> bool:
        return self.state == InvitationState.OPEN

    def audit_parties(self) -> tuple[int | None, int | None]:
        return self.user.audit_parties()
