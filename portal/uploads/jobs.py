"""An upload job's flow: the file is kept and checked (a dry run: the preview), then imported when
the uploader confirms, or discarded. Small files are checked in the request; large files of a
kind that streams go to a Celery worker, which reports its progress on the job.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q
from django.utils import timezone

from portal import audit
from portal.hooks import upload_spec
from portal.models import User

from .columns import Problem
from .files import Unreadable, is_xlsx, read_table
from .limits import XlsxTooLarge, unpacked_size
from .models import UPLOAD_OPEN_STATUSES, UploadJob, UploadStatus
from .resource import submit
from .specs import MAX_ERRORS_KEPT, Outcome

logger = logging.getLogger(__name__)

#: The Celery task that runs a large upload (portal/tasks.py). It keeps the name it had when
#: uploads lived in visits, so tasks queued before a deploy still find it.
PROCESS_UPLOAD = "visits.process_upload"


class Progress:
    """Writes a job's progress through a connection of its own, so the page sees it while the
    import's own transaction is still open. Best effort: progress never stops an import."""

    def __init__(self, job_id: int, *, every: float = 0.5):
        self.job_id = job_id
        self.every = every
        self._last = 0.0
        self._conn: BaseDatabaseWrapper | None = None

    def __call__(
        self, phase: str | None = None, done: int | None = None, total: int | None = None, force: bool = False
    ) -> None:
        now = time.monotonic()
        if not force and phase is None and now - self._last < self.every:
            return
        self._last = now
        sets, params = [], []
        for column, value in (("phase", phase), ("progress_done", done), ("progress_total", total)):
            if value is not None:
                sets.append(f"{column} = %s")
                params.append(value)
        if not sets:
            return
        try:
            if self._conn is None:
                self._conn = connections.create_connection("default")
                with self._conn.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '1s'")
            with self._conn.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {UploadJob._meta.db_table} SET {', '.join(sets)} WHERE id = %s",  # noqa: S608
                    [*params, self.job_id],
                )
        except Exception:  # noqa: BLE001 - progress is best effort
            logger.debug("Could not write upload progress", exc_info=True)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def upload_create(*, actor: User, kind: str, uploaded_file: UploadedFile) -> UploadJob:
    """Keep the file and decide its path; the check runs next (`upload_check_start`)."""
    spec = upload_spec(kind)
    name = (uploaded_file.name or "upload").rsplit("/", 1)[-1][:200]
    size = uploaded_file.size or 0
    limit = spec.streaming_bytes()
    # A workbook is read unpacked: its unpacked size (from the zip's directory) decides whether it
    # is read in the request or by a worker, so a small zip that unpacks large is never parsed here.
    read_size = size
    if is_xlsx(name):
        try:
            read_size = max(size, unpacked_size(uploaded_file))
        except XlsxTooLarge:
            pass  # not a zip: the check says so
    job = UploadJob(
        provider=actor.organisation,
        uploaded_by=actor,
        kind=kind,
        original_name=name,
        size_bytes=size,
        path=UploadJob.Path.STREAMING if limit is not None and read_size > limit else UploadJob.Path.SMALL,
        status=UploadStatus.CHECKING,
        phase="Waiting to start",
        started_at=timezone.now(),
    )
    job.file.save(f"{timezone.now():%Y%m%d%H%M%S}-{name}", uploaded_file, save=False)
    job.save()
    audit.record(actor=actor, obj=job, action="uploaded", note=f"{name}, {size:,} bytes")
    return job


def _check_or_import(job: UploadJob, *, actor: User, confirm: bool, progress: Progress) -> Outcome:
    spec = upload_spec(job.kind)
    if job.path == UploadJob.Path.STREAMING:
        return spec.stream(job, actor=actor, dry_run=not confirm, progress=progress)
    with job.file.open("rb") as handle:
        content = handle.read()
    table = read_table(spec, content, job.original_name)
    limit = spec.streaming_rows()
    if limit is not None and len(table.rows) > limit:
        # More rows than the size suggested: hand over to the streaming path.
        UploadJob.objects.filter(pk=job.pk).update(path=UploadJob.Path.STREAMING)
        job.path = UploadJob.Path.STREAMING
        return spec.stream(job, actor=actor, dry_run=not confirm, progress=progress)
    progress("Checking rows", 0, len(table.rows), force=True)
    return submit(
        spec,
        table,
        actor=actor,
        source="upload",
        dry_run=not confirm,
        note=f"Upload {job.pk} ({job.original_name})",
    )


def run_job(job_id: int, *, confirm: bool) -> UploadJob:
    """Check (confirm=False) or import (confirm=True) an upload. Called inline for small files
    and by the `process_upload` task for large ones."""
    job = UploadJob.objects.select_related("uploaded_by", "uploaded_by__organisation").get(pk=job_id)
    expected = UploadStatus.IMPORTING if confirm else UploadStatus.CHECKING
    if job.status != expected or job.uploaded_by is None:
        return job  # already done (a task delivered twice), or discarded meanwhile
    actor = job.uploaded_by
    started = time.monotonic()
    progress = Progress(job.pk)
    try:
        outcome = _check_or_import(job, actor=actor, confirm=confirm, progress=progress)
    except Unreadable as exc:
        outcome = Outcome(problems=exc.problems, problems_total=len(exc.problems) or 1, rejected=0)
        if not exc.problems:
            outcome.problems = [Problem(1, "file", "unreadable", str(exc))]
        job.failure = str(exc)
    except Exception as exc:  # noqa: BLE001 - recorded on the job for the person who uploaded
        logger.exception("Upload %s failed", job.pk)
        _finish(job, None, status=UploadStatus.FAILED, failure=f"The upload could not be processed: {exc}")
        return job
    finally:
        progress.close()
    job.seconds_taken = round(time.monotonic() - started, 2)
    if confirm and outcome.written:
        status = UploadStatus.IMPORTED
    elif outcome.ok:
        status = UploadStatus.CHECKED
    else:
        status = UploadStatus.REJECTED
    _finish(job, outcome, status=status)
    if status == UploadStatus.IMPORTED:
        audit.record(
            actor=actor,
            obj=job,
            action="imported",
            note=f"{outcome.new:,} new, {outcome.updated:,} updated, {outcome.unchanged:,} unchanged",
        )
        _forget_file(job)
    return job


def _finish(job: UploadJob, outcome: Outcome | None, *, status: str, failure: str = "") -> None:
    now = timezone.now()
    job.status = status
    job.phase = ""
    if outcome is not None:
        job.rows_read = outcome.read
        job.rows_new = outcome.new
        job.rows_updated = outcome.updated
        job.rows_unchanged = outcome.unchanged
        job.rows_rejected = outcome.rejected
        job.errors = [p.as_dict() for p in outcome.problems[:MAX_ERRORS_KEPT]]
        job.errors_total = outcome.problems_total
        job.progress_done = job.progress_total = outcome.read
    if failure:
        job.failure = failure
    if status in (UploadStatus.CHECKED, UploadStatus.REJECTED):
        job.checked_at = now
    if status == UploadStatus.IMPORTED:
        job.imported_at = now
    job.save()


def _forget_file(job: UploadJob) -> None:
    """The file holds personal data: it goes once imported or discarded."""
    if job.file:
        job.file.delete(save=False)
        UploadJob.objects.filter(pk=job.pk).update(file="")


def upload_check_start(job: UploadJob) -> None:
    """Check now (small files) or hand the check to a worker (large ones)."""
    _dispatch(job, confirm=False)


@transaction.atomic
def upload_confirm(*, actor: User, job: UploadJob) -> UploadJob:
    job = UploadJob.objects.select_for_update().get(pk=job.pk)
    if job.status != UploadStatus.CHECKED:
        raise ValidationError("Only a checked upload with no rejected rows can be imported.")
    job.status = UploadStatus.IMPORTING
    job.phase = "Waiting to start"
    job.progress_done = 0
    job.uploaded_by = actor  # the person who confirms is the one who imports
    job.started_at = timezone.now()
    job.save(update_fields=["status", "phase", "progress_done", "uploaded_by", "started_at"])
    transaction.on_commit(lambda: _dispatch(job, confirm=True))
    return job


@transaction.atomic
def upload_discard(*, actor: User, job: UploadJob) -> UploadJob:
    job = UploadJob.objects.select_for_update().get(pk=job.pk)
    if job.status in (UploadStatus.IMPORTED, UploadStatus.DISCARDED) or job.is_running:
        raise ValidationError("This upload cannot be discarded now.")
    job.status = UploadStatus.DISCARDED
    job.save(update_fields=["status"])
    _forget_file(job)
    audit.record(actor=actor, obj=job, action="discarded")
    return job


def _dispatch(job: UploadJob, *, confirm: bool) -> None:
    if job.path == UploadJob.Path.STREAMING and not settings.CELERY_TASK_ALWAYS_EAGER:
        current_app.send_task(PROCESS_UPLOAD, args=[job.pk, confirm])
    else:
        run_job(job.pk, confirm=confirm)


def uploads_clear_stale(*, older_than: dt.timedelta = dt.timedelta(days=7)) -> int:
    """Nightly: delete the files of uploads checked but never imported (they hold personal data),
    and give jobs stuck checking or importing (a worker killed, a task lost) a final status."""
    failed = uploads_fail_stuck()
    cutoff = timezone.now() - older_than
    stale = list(
        UploadJob.objects.filter(
            created_at__lt=cutoff,
            status__in=(UploadStatus.CHECKED, UploadStatus.REJECTED, UploadStatus.FAILED),
        ).exclude(file="")
    )
    for job in stale:
        job.file.delete(save=False)
    UploadJob.objects.filter(pk__in=[j.pk for j in stale]).update(file="", status=UploadStatus.DISCARDED)
    return failed + len(stale)


def stuck_after() -> dt.timedelta:
    return dt.timedelta(minutes=int(settings.UPLOAD_STUCK_AFTER_MINUTES))


def uploads_fail_stuck() -> int:
    """Jobs still checking or importing `UPLOAD_STUCK_AFTER_MINUTES` after they began will not
    finish (a task's hard time limit is far shorter; a killed worker or a lost task leaves them so
    for ever): they are failed, saying so, and their files deleted. A check writes nothing; an
    import writes all or nothing in one transaction, so its records say whether it happened."""
    cutoff = timezone.now() - stuck_after()
    stuck = list(
        UploadJob.objects.filter(status__in=UPLOAD_OPEN_STATUSES).filter(
            Q(started_at__lt=cutoff) | Q(started_at__isnull=True, created_at__lt=cutoff)
        )
    )
    failed = 0
    for job in stuck:
        if job.status == UploadStatus.CHECKING:
            failure = "The check stopped and did not finish: nothing was imported. Upload the file again."
        else:
            failure = (
                "The import stopped and its end was not recorded: look at the records before you "
                "upload the file again (an import writes all of its rows or none)."
            )
        # Only if it is still stuck: a job that finished meanwhile keeps its status and its file.
        if not UploadJob.objects.filter(pk=job.pk, status=job.status).update(
            status=UploadStatus.FAILED, phase="", file="", failure=failure
        ):
            continue
        if job.file:
            job.file.delete(save=False)
        audit.record(
            actor=None,
            obj=job,
            action="failed",
            note=f"Stuck {job.get_status_display().lower()} since {job.started_at or job.created_at}",
        )
        failed += 1
    return failed
