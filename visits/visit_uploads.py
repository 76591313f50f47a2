"""The visits upload: columns, examples and the checks (`visits.validation`) behind the file
upload, the bulk API and the streaming path's small-file twin."""

from django.urls import reverse_lazy

from .models import UploadKind, Visit, VisitSource
from .uploads import Prepared, UploadSpec, register
from .validation import VISIT_COLUMNS, VisitInput, check_visits, parse_visit

# What a submission may change on a stored visit (its natural key stays: order, start, carer).
COMPARED_FIELDS = (
    "scheduled_end",
    "actual_start",
    "actual_end",
    "second_carer_reference",
    "carers",
    "time_critical",
    "status",
    "cancelled_at",
    "cancellation_reason",
    "verification",
    "manual_reason",
    "missed_explanation",
    "missed_remedy",
)
DERIVED_FIELDS = ("scheduled_minutes", "actual_minutes", "missed_explained_at", "updated_at")


def apply_input(v: VisitInput, *, source: str, now) -> Prepared:
    """The stored visit with the submitted values (or a new one), derived fields filled.

    A submission that leaves the explanation and remedy of a missed visit empty keeps the ones
    already given (they are usually written later, in the portal); a visit that is no longer
    missed loses them."""
    existing = v.existing
    before = None
    if existing is not None:
        before = snapshot_visit(existing)
        visit = existing
    else:
        visit = Visit(
            order=v.order,
            scheduled_start=v.scheduled_start,
            carer_reference=v.carer_reference,
            source=source,
        )
    visit.order = v.order
    if v.pk:  # an edit by id may move the visit's start or carer
        visit.scheduled_start = v.scheduled_start
        visit.carer_reference = v.carer_reference
    for name in COMPARED_FIELDS:
        if name in ("missed_explanation", "missed_remedy"):
            continue
        setattr(visit, name, getattr(v, name))
    if v.status == "missed":
        visit.missed_explanation = v.missed_explanation or (existing.missed_explanation if existing else "")
        visit.missed_remedy = v.missed_remedy or (existing.missed_remedy if existing else "")
        if visit.missed_explanation and visit.missed_remedy:
            visit.missed_explained_at = (existing.missed_explained_at if existing else None) or now
        else:
            visit.missed_explained_at = None
    else:
        visit.missed_explanation = visit.missed_remedy = ""
        visit.missed_explained_at = None
    visit.fill_derived()
    return Prepared(row=v.row, instance=visit, is_new=existing is None, before=before)


def _plain(value):
    """A value as the audit trail stores it; times in UTC so that 09:00+01:00 equals 08:00Z."""
    import datetime as dt

    from portal.audit import _jsonable

    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.UTC)
    return _jsonable(value)


def snapshot_visit(visit) -> dict:
    return {f: _plain(getattr(visit, f)) for f in COMPARED_FIELDS}


class VisitSpec(UploadSpec):
    kind = UploadKind.VISITS
    model = Visit
    columns = VISIT_COLUMNS
    compared_fields = COMPARED_FIELDS
    update_fields = COMPARED_FIELDS + DERIVED_FIELDS
    title = "Upload visits"
    noun_plural = "visits"
    list_url_name = "visits:visit-list"
    list_url = reverse_lazy("visits:visit-list")
    streaming = True
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

    def prepare(self, rows, *, user, now, source):
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

    def snapshot(self, instance) -> dict:
        return snapshot_visit(instance)

    def after_write(self, *, created, changed, actor):
        from .services import visits_after_write

        visits_after_write(created=created, changed=changed)


VISITS = register(VisitSpec())
SOURCE_UPLOAD = VisitSource.UPLOAD
