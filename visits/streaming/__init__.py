"""The streaming path for large visit files: COPY into a staging table, the checks in SQL, one
merge — in one transaction, so a rejected row anywhere saves nothing.

    read     the file's cells into a staging table of text with COPY            (read.py)
    type     text → values, by the upload's column declarations                  (typed.py)
    resolve  orders, staff records, duplicates, the stored visits replaced       (resolve.py)
    check    every declared check in one SQL pass; carers' times; the outcome    (check.py)
    merge    INSERT … ON CONFLICT DO UPDATE of the new and changed rows only     (merge.py)
    audit    the audit trail, in SQL                                             (audit.py)
    alert    the alerts that follow                                              (alerts.py)

The checks are the ones `visits.validation` declares for the row-by-row path, so problems carry
the same codes and messages (a test holds the two paths to the same answers on the same file).
Progress is written to the job through a connection of its own, so the page can show it while
this transaction is open.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from portal.uploads.models import UploadJob
from portal.uploads.specs import Outcome, ProgressFn

from .alerts import alerts
from .audit import audit
from .check import check_overlaps, check_rows, outcome
from .context import Import, Tables
from .merge import check_keys_once, merge
from .read import stage
from .resolve import resolve
from .typed import create_tables, type_cells

#: Serialises one provider's streaming imports (advisory lock key: this, the provider's id).
LOCK = 4004


def stream_visits(
    job: UploadJob, *, actor: Any, dry_run: bool, progress: ProgressFn, now: dt.datetime | None = None
) -> Outcome:
    """Check (dry_run) or import a large visit file."""
    imp = Import(
        job=job, actor=actor, now=now or timezone.now(), progress=progress, tables=Tables.for_job(job.pk)
    )
    with job.file.open("rb") as handle, transaction.atomic():
        result = _run(imp, handle, dry_run=dry_run)
        if not result.written:
            transaction.set_rollback(True)
    return result


def _run(imp: Import, handle: Any, *, dry_run: bool) -> Outcome:
    imp.sql("SET LOCAL work_mem = '64MB'")
    imp.sql("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK, imp.provider.pk])
    create_tables(imp)
    stage(imp, handle)
    imp.progress("Checking dates and times", force=True)
    type_cells(imp)
    read = imp.fetch(f"SELECT COUNT(*) FROM {imp.tables.typed}")[0][0]  # noqa: S608 - our table
    imp.progress("Matching orders and carers", 0, read, force=True)
    resolve(imp)
    imp.progress("Checking rows", force=True)
    check_rows(imp)
    imp.progress("Checking carers' times", force=True)
    check_overlaps(imp)
    result = outcome(imp, read)
    if result.ok and not dry_run:
        imp.progress(f"Saving {result.new + result.updated:,} visits", force=True)
        restore = check_keys_once(imp)
        merge(imp)
        imp.progress("Recording the history", force=True)
        audit(imp)
        if restore:  # (after an error the rollback restores it)
            imp.sql(f"SET LOCAL session_replication_role = {restore}")
        imp.progress("Raising alerts", force=True)
        alerts(imp)
        result.written = True
    imp.progress("Committing", force=True)
    return result
