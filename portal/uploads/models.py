"""Upload jobs: one spreadsheet, checked first and imported when the uploader confirms.

The table keeps its first name (`visits_uploadjob`): uploads began with visits, and every kind
an app registers (`portal.hooks.register_upload`) now shares it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from portal.hooks import upload_kinds, upload_page
from portal.tenancy import TenantQuerySet


class UploadStatus(models.TextChoices):
    CHECKING = "checking", "Checking"
    CHECKED = "checked", "Checked, waiting for you to import"
    REJECTED = "rejected", "Rejected: nothing can be imported until the rows are corrected"
    IMPORTING = "importing", "Importing"
    IMPORTED = "imported", "Imported"
    FAILED = "failed", "Failed"
    DISCARDED = "discarded", "Discarded"


UPLOAD_OPEN_STATUSES = (UploadStatus.CHECKING, UploadStatus.IMPORTING)


class UploadJobQuerySet(TenantQuerySet):
    """A provider's uploads are its own working papers: the council sees the records, not the files."""

    provider_lookup = "provider"


class UploadJob(models.Model):
    """One spreadsheet upload: checked first (a dry run that counts rows read, new, updated,
    unchanged and rejected and names every rejected row and field), then imported all-or-nothing.

    Small files go through django-import-export in the request; large files of a kind that
    streams (visits) are checked set-based in the database as a Celery task, which reports its
    progress here for the page to poll.
    """

    class Path(models.TextChoices):
        SMALL = "small", "Checked row by row (django-import-export)"
        STREAMING = "streaming", "Streamed into a staging table and checked in SQL"

    provider = models.ForeignKey("portal.Organisation", on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=upload_kinds)
    file = models.FileField(upload_to="uploads/%Y/%m/", blank=True)
    original_name = models.CharField(max_length=255)
    size_bytes = models.PositiveBigIntegerField(default=0)
    path = models.CharField(max_length=10, choices=Path.choices, default=Path.SMALL)
    status = models.CharField(max_length=10, choices=UploadStatus.choices, default=UploadStatus.CHECKING)
    phase = models.CharField(max_length=100, blank=True, help_text="What the task is doing now.")
    progress_done = models.PositiveBigIntegerField(default=0)
    progress_total = models.PositiveBigIntegerField(default=0)
    rows_read = models.PositiveIntegerField(null=True, blank=True)
    rows_new = models.PositiveIntegerField(null=True, blank=True)
    rows_updated = models.PositiveIntegerField(null=True, blank=True)
    rows_unchanged = models.PositiveIntegerField(null=True, blank=True)
    rows_rejected = models.PositiveIntegerField(null=True, blank=True)
    errors = models.JSONField(default=list, blank=True, help_text="[{row, field, message}], the first 1,000.")
    errors_total = models.PositiveIntegerField(default=0)
    failure = models.TextField(blank=True, help_text="Why the upload could not be read or imported.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the check or the import now running began (stuck jobs are failed).",
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    seconds_taken = models.FloatField(null=True, blank=True)

    objects = UploadJobQuerySet.as_manager()

    class Meta:
        db_table = "visits_uploadjob"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["provider", "created_at"], name="upload_provider_created_idx")]

    def __str__(self) -> str:
        return f"Upload {self.pk}: {self.original_name} ({self.get_kind_display().lower()})"

    def get_absolute_url(self) -> str:
        return reverse(upload_page("upload-detail"), args=[self.pk])

    def audit_parties(self) -> tuple[int | None, int | None]:
        return None, self.provider_id

    @property
    def is_running(self) -> bool:
        return self.status in UPLOAD_OPEN_STATUSES

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, int(self.progress_done * 100 / self.progress_total))
