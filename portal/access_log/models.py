"""The access log: who read which person's records, when, how many rows, from where (issue 15).

One row per request that read personal data (a person's page, an order, a list filtered to a
person, an export or a download, an API read of person-level records), never one per record read:
`ids` and `people` hold the records and the people the request touched. An organisation's manager
reads the reads made by its own people; entries older than PORTAL["ACCESS_LOG_DAYS"] are purged
nightly.
"""

from __future__ import annotations

from typing import Self

from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils import timezone

from portal.tenancy import TenantQuerySet


class AccessChannel(models.TextChoices):
    WEB = "web", "Web page"
    API = "api", "API"


class AccessAction(models.TextChoices):
    VIEWED = "viewed", "Viewed"
    LISTED = "listed", "Listed"
    EXPORTED = "exported", "Exported"
    DOWNLOADED = "downloaded", "Downloaded"


class AccessLogQuerySet(TenantQuerySet["AccessLogEntry"]):
    # An organisation reads the log of its own people's reads; the operator reads none of it
    # (it holds the names of the people read about).
    commissioner_lookup = provider_lookup = "organisation"

    def about_person(self, person_id: int) -> Self:
        return self.filter(people__contains=[person_id])


class AccessLogEntry(models.Model):
    """One request that read personal data: who (kept by name too, should the account go), when,
    what (the kind of record and its ids, or the filter used), how many rows, and from where."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        "portal.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user_name = models.CharField(max_length=150)
    organisation = models.ForeignKey(
        "portal.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=AccessChannel.choices)
    token = models.ForeignKey(
        "portal.ApiToken", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    address = models.GenericIPAddressField(null=True, blank=True)
    action = models.CharField(max_length=20, choices=AccessAction.choices)
    what = models.CharField(max_length=100)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    ids = models.JSONField(default=list, blank=True)
    filters = models.JSONField(default=dict, blank=True)
    rows = models.PositiveIntegerField(default=0)
    people = ArrayField(models.BigIntegerField(), default=list, blank=True)
    path = models.CharField(max_length=500)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "access log entry"
        verbose_name_plural = "access log entries"
        indexes = [
            models.Index(fields=["organisation", "-at"], name="access_log_org_at_idx"),
            GinIndex(fields=["people"], name="access_log_people_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_name} {self.action} {self.what}"
