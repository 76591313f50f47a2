"""Writes to the access log besides the reads themselves: the nightly purge."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from .models import AccessLogEntry


def access_log_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the entries older than PORTAL["ACCESS_LOG_DAYS"] (two years unless set otherwise:
    see docs/security.md on the choice), in one DELETE. Returns how many went."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=int(settings.PORTAL["ACCESS_LOG_DAYS"]))
    deleted, _ = AccessLogEntry.objects.filter(at__lt=cutoff).delete()
    return deleted
