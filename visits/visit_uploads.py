"""The visits upload: its columns, examples and checks (`visits.validation`) behind the file
upload and the bulk API; large files stream (`visits.streaming`). Registered in visits/hooks.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings

from portal.uploads.columns import Problem
from portal.uploads.models import UploadJob
from portal.uploads.specs import Outcome, Prepared, ProgressFn, UploadSpec

from . import services
from .models import Visit
from .streaming import stream_visits
from .validation import (
    COMPARED_FIELDS,
    DERIVED_FIELDS,
    VISIT_COLUMNS,
    apply_input,
    check_visits,
    parse_visit,
    snapshot_visit,
)


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, "VISITS_UPLOADS", {}).get(name, default))


class VisitSpec(UploadSpec):
    kind = "visits"
    label = "Visits"
    model = Visit
    columns = VISIT_COLUMNS
    compared_fields = COMPARED_FIELDS
    # The carer too: a visit generated from the schedule gets its carer from the first row for it.
    update_fields = ("carer_reference", *COMPARED_FIELDS, *DERIVED_FIELDS)
    title = "Upload visits"
    noun_plural = "visits"
    list_url_name = "visits:visit-list"
    upload_url_name = "visits:upload"
    template_url_name = "visits:upload-template"
    examples = (
        {
            "order_reference": "ISO-000123",
            "scheduled_start": "2026-04-01 08:00",
            "scheduled_end": "2026-04-01 08:45",
            "actual_start": "2026-04-01 08:04",
            "actual_end": "2026-04-01 08:47",
            "carer_reference": "C-014",
            "carers": 1,
            "time_critical": "no",
            "status": "completed",
            "verification": "ecm",
        },
        {
            "order_reference": "ISO-000123",
            "scheduled_start": "2026-04-01 12:30",
            "scheduled_end": "2026-04-01 13:00",
            "carer_reference": "C-014",
            "carers": 1,
            "time_critical": "yes",
            "status": "cancelled_short_notice",
            "cancelled_at": "2026-04-01 09:15",
            "cancellation_reason": "Going out with family",
            "verification": "ecm",
        },
    )
    guidance = (
        "One row per visit. A visit is identified by its order reference, scheduled start and (first) "
        "carer: sending the same visit again updates it rather than adding another.",
        "Times are UK time, e.g. 2026-04-01 08:00 or 01/04/2026 08:00. On the night the clocks go back, "
        "a time between 01:00 and 02:00 happens twice: add +01:00 (BST) or +00:00 (GMT).",
        "status is one of: scheduled, completed, shortened_by_service_user, aborted, "
        "cancelled_short_notice, cancelled_with_notice, missed.",
        "Completed and shortened visits need the actual start and end; cancelled visits need when the "
        "person cancelled (under 24 hours before the start is short notice); missed visits have no actual "
        "times. A visit entered by hand (verification manual) needs a manual_reason: no_signal, "
        "device_fault, person_declined_tag, carer_forgot, system_outage or other.",
    )

    def prepare(
        self, rows: list[tuple[int, dict[str, Any]]], *, user: Any, now: dt.datetime, source: str
    ) -> tuple[list[Prepared | None], list[Problem]]:
        inputs, problems = [], []
        for number, raw in rows:
            visit, parse_problems = parse_visit(raw, number)
            inputs.append(visit)
            problems.extend(parse_problems)
        problems.extend(check_visits(inputs, user=user, now=now))
        problems.sort(key=lambda p: p.row)
        bad_rows = {p.row for p in problems}
        prepared = [
            None if v.row in bad_rows or v.order is None else apply_input(v, source=source, now=now)
            for v in inputs
        ]
        return prepared, problems

    def snapshot(self, instance: Any) -> dict[str, Any]:
        return snapshot_visit(instance)

    def after_write(
        self, *, created: list[Any], changed: list[tuple[Any, dict[str, Any]]], actor: Any
    ) -> None:
        services.visits_after_write(created=created, changed=changed)

    def streaming_bytes(self) -> int:
        """Files above this size take the streaming path (2 MB, about 15,000 visit rows)."""
        return _setting("STREAMING_BYTES", 2_000_000)

    def streaming_rows(self) -> int:
        return _setting("STREAMING_ROWS", 20_000)

    def stream(self, job: UploadJob, *, actor: Any, dry_run: bool, progress: ProgressFn) -> Outcome:
        return stream_visits(job, actor=actor, dry_run=dry_run, progress=progress)


VISITS = VisitSpec()
