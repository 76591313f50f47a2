"""Spreadsheet uploads and bulk submissions: one feature for visits and every operational record.

A submission (a CSV or XLSX file, or a bulk API payload) is checked first — a dry run that counts
rows read, new, updated, unchanged and rejected and names every rejected row and field — and then
written all-or-nothing: one bad row and nothing is saved. Each kind of record has a natural key,
so sending the same rows again creates nothing new; identical rows change nothing, changed rows
are updated and audited.

Small submissions run through django-import-export (`CheckedResource`): the checks for a kind live
in its `UploadSpec.prepare`, set-based over the whole submission, so the web form, the bulk API and
the upload all apply the same rules. Large visit files take the streaming path
(`visits.streaming`): COPY into a staging table, the same checks in SQL, one merge; as a Celery task
whose progress the page polls.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field

import tablib
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone
from import_export import resources

from portal import audit

from .models import UploadJob, UploadStatus
from .validation import Column, Problem, normalise_header, problem

logger = logging.getLogger(__name__)

MAX_ERRORS_KEPT = 1000


def setting(name: str, default):
    return getattr(settings, "VISITS_UPLOADS", {}).get(name, default)


def streaming_threshold_bytes() -> int:
    """Files above this size take the streaming path (2 MB, about 15,000 visit rows)."""
    return int(setting("STREAMING_BYTES", 2_000_000))


def streaming_threshold_rows() -> int:
    return int(setting("STREAMING_ROWS", 20_000))


class Unreadable(Exception):
    """The file cannot be read as a table (wrong format, no header, unknown columns…)."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = problems or []


@dataclass
class Prepared:
    """One checked row, ready to write: a new instance, or the stored one with the new values."""

    row: int
    instance: object
    is_new: bool
    before: dict | None = None  # the stored values, to tell unchanged from updated


@dataclass
class Outcome:
    """What a check or an import found."""

    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    problems_total: int = 0
    created: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return self.problems_total == 0

    def summary(self) -> dict:
        return {
            "read": self.read,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


class UploadSpec:
    """What one kind of upload holds and how its rows are checked. Subclasses set the class
    attributes and implement `prepare` (and may implement `after_write`)."""

    kind: str
    model = None
    columns: tuple[Column, ...] = ()
    #: fields compared to tell an updated row from an unchanged one, and written by updates
    compared_fields: tuple[str, ...] = ()
    #: fields bulk_update writes (compared fields plus derived ones)
    update_fields: tuple[str, ...] = ()
    title = ""
    noun_plural = ""
    list_url_name = ""
    streaming = False
    examples: tuple[dict, ...] = ()
    guidance: tuple[str, ...] = ()

    def prepare(
        self, rows: list[tuple[int, dict]], *, user, now, source
    ) -> tuple[list[Prepared | None], list[Problem]]:
        raise NotImplementedError

    def after_write(self, *, created: list, changed: list[tuple[object, dict]], actor) -> None:
        """Alerts and other consequences of a write (same transaction)."""

    def snapshot(self, instance) -> dict:
        return audit.snapshot(instance, self.compared_fields)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


_SPECS: dict[str, UploadSpec] = {}


def register(spec: UploadSpec) -> UploadSpec:
    _SPECS[spec.kind] = spec
    return spec


def spec_for(kind: str) -> UploadSpec:
    import records.uploads  # noqa: F401 - registers the records' specs
    import visits.visit_uploads  # noqa: F401 - registers the visits spec

    return _SPECS[kind]


# Reading files ---------------------------------------------------------------------------------


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list]]  # (spreadsheet row number, cells); blank rows left out


def check_headers(spec: UploadSpec, raw_headers: list) -> list[str]:
    """Normalised headers; unknown, repeated or missing required columns are refused up front,
    naming the column, so a misspelt header cannot quietly blank a column."""
    headers = [normalise_header(h) for h in raw_headers]
    known = set(spec.column_names)
    problems = []
    seen = set()
    for name, raw in zip(headers, raw_headers, strict=True):
        if not name and raw in (None, ""):
            continue
        if name not in known:
            problems.append(problem(1, str(raw), "unknown_column", value=str(raw).strip()))
        elif name in seen:
            problems.append(Problem(1, name, "repeated_column", f"The column {name} appears twice."))
        seen.add(name)
    for column in spec.columns:
        if column.required and column.name not in seen:
            problems.append(
                Problem(1, column.name, "missing_column", f"The file has no {column.name} column.")
            )
    if problems:
        columns = ", ".join(spec.column_names)
        raise Unreadable(f"The columns are not right. The columns are: {columns}.", problems)
    return headers


def read_table(spec: UploadSpec, content: bytes, name: str) -> Table:
    lower = name.lower()
    if lower.endswith(".xlsx"):
        return _read_xlsx(spec, content)
    if lower.endswith(".csv") or lower.endswith(".txt"):
        return _read_csv(spec, content)
    raise Unreadable("Upload a CSV or XLSX file (the template is either).")


def decode_csv(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel's plain "CSV" is Windows-1252; "CSV UTF-8" is preferred, but both are read.
        return content.decode("cp1252", errors="replace")


def _read_csv(spec, content: bytes) -> Table:
    reader = csv.reader(io.StringIO(decode_csv(content), newline=""))
    try:
        raw_headers = next(reader)
    except StopIteration as exc:
        raise Unreadable("The file is empty.") from exc
    except csv.Error as exc:
        raise Unreadable(f"The file is not readable as CSV: {exc}.") from exc
    headers = check_headers(spec, raw_headers)
    rows = []
    try:
        for number, cells in enumerate(reader, start=2):
            if not any((c or "").strip() for c in cells):
                continue
            rows.append((number, (cells + [""] * len(headers))[: len(headers)]))
    except csv.Error as exc:
        raise Unreadable(f"Row {reader.line_num} is not readable as CSV: {exc}.") from exc
    return Table(headers, rows)


def _read_xlsx(spec, content: bytes) -> Table:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook
        raise Unreadable("The file is not a readable XLSX workbook.") from exc
    try:
        sheet = book.worksheets[0]
        values = sheet.iter_rows(values_only=True)
        try:
            raw_headers = list(next(values))
        except StopIteration as exc:
            raise Unreadable("The workbook's first sheet is empty.") from exc
        while raw_headers and raw_headers[-1] in (None, ""):
            raw_headers.pop()
        headers = check_headers(spec, raw_headers)
        rows = []
        for number, cells in enumerate(values, start=2):
            cells = list(cells[: len(headers)]) + [None] * max(0, len(headers) - len(cells))
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                continue
            rows.append((number, cells))
        return Table(headers, rows)
    finally:
        book.close()


def table_from_records(spec: UploadSpec, records: list) -> Table:
    """A bulk API payload (a JSON array of objects) as a table; item 1 is row 1."""
    if not isinstance(records, list):
        raise Unreadable("Send a JSON array of objects.")
    names = []
    for item in records:
        if not isinstance(item, dict):
            raise Unreadable("Send a JSON array of objects.")
        for key in item:
            if key not in names:
                names.append(key)
    known = set(spec.column_names)
    unknown = [n for n in names if n not in known]
    if unknown:
        problems = [problem(0, n, "unknown_column", value=n) for n in unknown]
        raise Unreadable(f"Unknown fields: {', '.join(unknown)}.", problems)
    headers = spec.column_names
    return Table(headers, [(i, [item.get(h) for h in headers]) for i, item in enumerate(records, start=1)])


def template(spec: UploadSpec, fmt: str) -> bytes:
    """The downloadable template: the columns in order and example rows."""
    data = tablib.Dataset(headers=spec.column_names)
    for example in spec.examples:
        data.append([example.get(c, "") for c in spec.column_names])
    if fmt == "xlsx":
        return data.export("xlsx")
    return data.export("csv").encode("utf-8-sig")


# The import-export resource ----------------------------------------------------------------------


class CheckedResource(resources.ModelResource):
    """django-import-export resource whose rows are checked by an UploadSpec, set-based.

    `before_import` parses and checks the whole dataset at once (so rules across rows — the same
    visit twice, a carer in two places — see every row); each row then raises its problems, finds
    its stored instance without a query of its own, is skipped when unchanged, and is written in
    bulk. Any problem anywhere and nothing is written."""

    class Meta:
        fields = ("id",)
        use_bulk = True
        batch_size = 2000
        skip_unchanged = True
        skip_diff = True
        report_skipped = False
        clean_model_instances = False
        use_transactions = True

    def __init__(self, spec: UploadSpec, *, user, now, source, row_numbers: list[int]):
        super().__init__()
        self.spec = spec
        self.user = user
        self.now = now
        self.source = source
        self.row_numbers = row_numbers
        self.prepared: list[Prepared | None] = []
        self.problems: list[Problem] = []
        self.problems_by_row: dict[int, list[Problem]] = defaultdict(list)
        self.current: Prepared | None = None
        self.created: list[Prepared] = []
        self.changed: list[Prepared] = []

    def before_import(self, dataset, **kwargs):
        headers = dataset.headers
        rows = [
            (self.row_numbers[i], dict(zip(headers, values, strict=False)))
            for i, values in enumerate(dataset)
        ]
        self.prepared, self.problems = self.spec.prepare(
            rows, user=self.user, now=self.now, source=self.source
        )
        for p in self.problems:
            self.problems_by_row[p.row].append(p)

    def before_import_row(self, row, **kwargs):
        self.current = self.prepared[kwargs["row_number"] - 1]

    def get_instance(self, instance_loader, row):
        if self.current is not None and not self.current.is_new:
            return self.current.instance
        return None

    def init_instance(self, row=None):
        if self.current is not None:
            return self.current.instance
        return self._meta.model()

    def import_instance(self, instance, row, **kwargs):
        display = self.row_numbers[kwargs["row_number"] - 1]
        problems = self.problems_by_row.get(display)
        if problems or self.current is None:
            errors = defaultdict(list)
            for p in problems or []:
                errors[p.field].append(p.message)
            raise ValidationError(dict(errors) or {"__all__": ["This row could not be read."]})

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors or self.current is None or self.current.before is None:
            return False
        return self.spec.snapshot(instance) == self.current.before

    def save_instance(self, instance, is_create, row, **kwargs):
        (self.created if is_create else self.changed).append(self.current)
        super().save_instance(instance, is_create, row, **kwargs)

    def get_bulk_update_fields(self):
        return list(self.spec.update_fields)

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if self.problems:  # all-or-nothing: a rejected row anywhere and nothing is written
            self.create_instances.clear()
            return
        super().bulk_create(using_transactions, dry_run, raise_errors, batch_size=batch_size, result=result)

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if self.problems:
            self.update_instances.clear()
            return
        now = timezone.now()
        for instance in self.update_instances:
            if hasattr(instance, "updated_at"):
                instance.updated_at = now
        super().bulk_update(using_transactions, dry_run, raise_errors, batch_size=batch_size, result=result)


_RESOURCES: dict[str, type[CheckedResource]] = {}


def resource_class(spec: UploadSpec) -> type[CheckedResource]:
    """The import-export resource class for a kind's model (built once)."""
    if spec.kind not in _RESOURCES:
        meta = type("Meta", (CheckedResource.Meta,), {"model": spec.model})
        _RESOURCES[spec.kind] = type(
            f"{spec.model.__name__}UploadResource", (CheckedResource,), {"Meta": meta}
        )
    return _RESOURCES[spec.kind]


def submit(
    spec: UploadSpec, table: Table, *, actor, source: str, dry_run: bool, note: str = "", now=None
) -> Outcome:
    """Check a table and, unless `dry_run` or a row is rejected, write it: all-or-nothing,
    audited, with the kind's consequences (alerts) in the same transaction."""
    now = now or timezone.now()
    dataset = tablib.Dataset(*[cells for _n, cells in table.rows], headers=table.headers)
    resource = resource_class(spec)(
        spec, user=actor, now=now, source=source, row_numbers=[n for n, _c in table.rows]
    )
    with transaction.atomic():
        result = resource.import_data(
            dataset, dry_run=dry_run, use_transactions=True, rollback_on_validation_errors=True
        )
        if result.base_errors:
            transaction.set_rollback(True)
            error = result.base_errors[0].error
            logger.warning("Upload failed: %r", error)
            raise Unreadable(f"The rows could not be saved: {error}")
        totals = result.totals
        outcome = Outcome(
            read=len(table.rows),
            new=totals["new"],
            updated=totals["update"],
            unchanged=totals["skip"],
            rejected=len({p.row for p in resource.problems}),
            problems=resource.problems[:MAX_ERRORS_KEPT],
            problems_total=len(resource.problems),
        )
        if outcome.ok and not dry_run:
            created = [p.instance for p in resource.created]
            changed = [(p.instance, p.before) for p in resource.changed]
            audit.record_many(actor=actor, objects=created, action="recorded", note=note)
            audit.record_many(
                actor=actor,
                objects=[i for i, _b in changed],
                action="updated",
                note=note,
                changes=_diff_by_instance(spec, changed),
            )
            spec.after_write(created=created, changed=changed, actor=actor)
            outcome.created, outcome.changed, outcome.written = created, [i for i, _b in changed], True
    return outcome


def _diff_by_instance(spec, changed):
    befores = {id(i): b for i, b in changed}

    def changes(instance):
        return audit.diff(befores[id(instance)], spec.snapshot(instance))

    return changes


# Upload jobs -----------------------------------------------------------------------------------


class Progress:
    """Writes a job's progress through a connection of its own, so the page sees it while the
    import's own transaction is still open. Best effort: progress never stops an import."""

    def __init__(self, job_id: int, *, every: float = 0.5):
        self.job_id = job_id
        self.every = every
        self._last = 0.0
        self._conn = None
        self.enabled = connection.vendor == "postgresql"

    def __call__(
        self, phase: str | None = None, done: int | None = None, total: int | None = None, force=False
    ):
        if not self.enabled:
            return
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

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def upload_create(*, actor, kind: str, uploaded_file) -> UploadJob:
    """Keep the file and decide its path; the check runs next (`upload_check`)."""
    spec = spec_for(kind)
    name = uploaded_file.name.rsplit("/", 1)[-1][:200]
    size = uploaded_file.size or 0
    is_large = spec.streaming and size > streaming_threshold_bytes()
    job = UploadJob(
        provider=actor.organisation,
        uploaded_by=actor,
        kind=kind,
        original_name=name,
        size_bytes=size,
        path=UploadJob.Path.STREAMING if is_large else UploadJob.Path.SMALL,
        status=UploadStatus.CHECKING,
        phase="Waiting to start",
    )
    job.file.save(f"{timezone.now():%Y%m%d%H%M%S}-{name}", uploaded_file, save=False)
    job.save()
    audit.record(actor=actor, obj=job, action="uploaded", note=f"{name}, {size:,} bytes")
    return job


def run_job(job_id: int, *, confirm: bool) -> UploadJob:
    """Check (confirm=False) or import (confirm=True) an upload. Called inline for small files
    and by the `visits.process_upload` task for large ones."""
    job = UploadJob.objects.select_related("uploaded_by", "uploaded_by__organisation").get(pk=job_id)
    expected = UploadStatus.IMPORTING if confirm else UploadStatus.CHECKING
    if job.status != expected:
        return job  # already done (a task delivered twice), or discarded meanwhile
    actor = job.uploaded_by
    spec = spec_for(job.kind)
    started = time.monotonic()
    progress = Progress(job.pk)
    try:
        if job.path == UploadJob.Path.STREAMING:
            from .streaming import stream_visits

            outcome = stream_visits(job, actor=actor, dry_run=not confirm, progress=progress)
        else:
            with job.file.open("rb") as handle:
                content = handle.read()
            table = read_table(spec, content, job.original_name)
            if spec.streaming and len(table.rows) > streaming_threshold_rows():
                # More rows than the size suggested: hand over to the streaming path.
                UploadJob.objects.filter(pk=job.pk).update(path=UploadJob.Path.STREAMING)
                job.path = UploadJob.Path.STREAMING
                from .streaming import stream_visits

                outcome = stream_visits(job, actor=actor, dry_run=not confirm, progress=progress)
            else:
                progress("Checking rows", 0, len(table.rows), force=True)
                outcome = submit(
                    spec,
                    table,
                    actor=actor,
                    source="upload",
                    dry_run=not confirm,
                    note=f"Upload {job.pk} ({job.original_name})",
                )
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
        if job.file:
            job.file.delete(save=False)
            UploadJob.objects.filter(pk=job.pk).update(file="")
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


def upload_check_start(job: UploadJob) -> None:
    """Check now (small files) or hand the check to a worker (large ones)."""
    _dispatch(job, confirm=False)


@transaction.atomic
def upload_confirm(*, actor, job: UploadJob) -> UploadJob:
    job = UploadJob.objects.select_for_update().get(pk=job.pk)
    if job.status != UploadStatus.CHECKED:
        raise ValidationError("Only a checked upload with no rejected rows can be imported.")
    job.status = UploadStatus.IMPORTING
    job.phase = "Waiting to start"
    job.progress_done = 0
    job.uploaded_by = actor  # the person who confirms is the one who imports
    job.save(update_fields=["status", "phase", "progress_done", "uploaded_by"])
    transaction.on_commit(lambda: _dispatch(job, confirm=True))
    return job


@transaction.atomic
def upload_discard(*, actor, job: UploadJob) -> UploadJob:
    job = UploadJob.objects.select_for_update().get(pk=job.pk)
    if job.status in (UploadStatus.IMPORTED, UploadStatus.DISCARDED) or job.is_running:
        raise ValidationError("This upload cannot be discarded now.")
    job.status = UploadStatus.DISCARDED
    job.save(update_fields=["status"])
    if job.file:
        job.file.delete(save=False)
        UploadJob.objects.filter(pk=job.pk).update(file="")
    audit.record(actor=actor, obj=job, action="discarded")
    return job


def _dispatch(job: UploadJob, *, confirm: bool) -> None:
    if job.path == UploadJob.Path.STREAMING and not settings.CELERY_TASK_ALWAYS_EAGER:
        from .tasks import process_upload

        process_upload.delay(job.pk, confirm)
    else:
        run_job(job.pk, confirm=confirm)


def uploads_clear_stale(*, older_than: dt.timedelta = dt.timedelta(days=7)) -> int:
    """Delete the files of uploads checked but never imported (they hold personal data)."""
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
    return len(stale)
