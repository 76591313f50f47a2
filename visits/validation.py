"""The one validation path for visits: every column and every check is declared once here.

The web form, the spreadsheet upload, the bulk API and the single API check a visit in Python
(`check_visits`); the streaming path for large files (`visits.streaming`) runs the same
declarations as SQL over a staging table. The columns (`VISIT_COLUMNS`) say how a cell is read;
the checks (`VISIT_CHECKS`) say, for each code, the field, the message and the condition, over
the visit's values and what they resolve to (its order, its carers' staff records, an earlier row
with the same natural key). Only the lookups themselves (dictionaries here, joins there) and the
search for the visit a carer's times overlap are written for each path, and a test holds the two
paths to the same answers on the same file.

A problem names its row and field. Rows are numbered as the user sees them: a spreadsheet's row
number (the header is row 1) or a bulk payload's position (the first item is row 1).
"Within 24 hours' notice" is 24 elapsed hours.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone

from packages_of_care.models import IndividualServiceOrder, OrderStatus
from portal import audit
from portal.tenancy import scoped
from portal.uploads.checks import (
    BOOL,
    DATE,
    INT,
    TIME,
    Abs,
    Check,
    CheckSet,
    Coalesce,
    Col,
    Ctx,
    Failed,
    P,
    Pick,
)
from portal.uploads.columns import (
    LONDON,
    PARSE_MESSAGES,
    Column,
    Messages,
    Problem,
    chunks,
    clock_text,
    day_text,
    parse_row,
    when_text,
)
from portal.uploads.specs import Prepared
from workforce.models import StaffMember

from .models import ManualReason, Verification, Visit, VisitStatus

# Limits (the SQL path reads them from the same checks).
MAX_VISIT = dt.timedelta(hours=24)
MAX_ACTUAL_DRIFT = dt.timedelta(hours=12)
CLOCK_SKEW = dt.timedelta(minutes=2)  # a device clock a little ahead of ours is not "the future"
SHORT_NOTICE = dt.timedelta(hours=24)
MAX_CARERS = 4
ZERO = dt.timedelta(0)

RECORDABLE_ORDER_STATUSES = ("accepted", "active", "suspended", "ended")
DELIVERED = {VisitStatus.COMPLETED.value, VisitStatus.SHORTENED_BY_SERVICE_USER.value}
CANCELLED = {VisitStatus.CANCELLED_SHORT_NOTICE.value, VisitStatus.CANCELLED_WITH_NOTICE.value}
NOTHING_DELIVERED = CANCELLED | {VisitStatus.MISSED.value}
# Visits where the carer is (or is due to be) with the person: their times cannot overlap.
PRESENT = DELIVERED | {VisitStatus.ABORTED.value, VisitStatus.SCHEDULED.value}

VISIT_COLUMNS: tuple[Column, ...] = (
    Column(
        "order_reference", "the order reference", "text", True, 40, help="The ISO / CPLI number of the order."
    ),
    Column(
        "scheduled_start", "the scheduled start", "datetime", True, help="e.g. 2026-04-01 08:00 (UK time)."
    ),
    Column("scheduled_end", "the scheduled end", "datetime", True),
    Column(
        "actual_start", "the actual start", "datetime", help="From call monitoring; empty if not delivered."
    ),
    Column("actual_end", "the actual end", "datetime"),
    Column("carer_reference", "the carer's staff reference", "text", True, 40),
    Column("second_carer_reference", "the second carer's staff reference", "text", False, 40),
    Column(
        "carers",
        "the number of carers",
        "int",
        default=1,
        low=1,
        high=MAX_CARERS,
        help="1 to 4; 2 for a double-up.",
    ),
    Column("time_critical", "whether the visit is time-critical", "bool", default=False, help="yes or no."),
    Column("status", "the status", "choice", True, choices=tuple(VisitStatus.values)),
    Column("cancelled_at", "when the person cancelled", "datetime", help="Cancelled visits only."),
    Column("cancellation_reason", "the cancellation reason", "text", False, 300),
    Column(
        "verification",
        "how the visit was verified",
        "choice",
        choices=tuple(Verification.values),
        default="ecm",
    ),
    Column(
        "manual_reason", "the manual-entry reason", "choice", choices=tuple(ManualReason.values), default=""
    ),
    Column("missed_explanation", "the explanation", "text", False, 2000, help="Missed visits only."),
    Column("missed_remedy", "the remedy", "text", False, 2000, help="Missed visits only."),
)
COLUMNS_BY_NAME = {c.name: c for c in VISIT_COLUMNS}


# How messages show values -----------------------------------------------------------------------


def hours_text(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def minutes_of(delta: dt.timedelta) -> int:
    return int(delta.total_seconds() // 60)


def order_status_text(status: str) -> str:
    return str(OrderStatus(status).label).lower()


def order_end_text(end: dt.date | None) -> str:
    return day_text(end) if end else "open-ended"


def employed_text(started: dt.date, left: dt.date | None) -> str:
    return f"from {day_text(started)}" + (f" to {day_text(left)}" if left else "")


# The checks ------------------------------------------------------------------------------------
# Over a visit's values, the flags of cells that could not be read (`Failed`), and what the
# lookups found: the order by reference (o_n orders share it; order_id is set only when exactly
# one is found and it can be recorded against), each carer's staff record (s1_*, s2_*), and
# whether an earlier row has the same natural key (keyed, key_rank, first_row).

ORDER_REF, O_N, O_STATUS = Col("order_reference"), Col("o_n", INT), Col("o_status")
ORDER_ID, O_START, O_END = Col("order_id", INT), Col("o_start", DATE), Col("o_end", DATE)
SS, SE = Col("scheduled_start", TIME), Col("scheduled_end", TIME)
AS, AE, CA = Col("actual_start", TIME), Col("actual_end", TIME), Col("cancelled_at", TIME)
CARER, SECOND, CARERS = Col("carer_reference"), Col("second_carer_reference"), Col("carers", INT)
STATUS, VERIFICATION, MANUAL_REASON = Col("status"), Col("verification"), Col("manual_reason")
EXPLANATION, REMEDY = Col("missed_explanation"), Col("missed_remedy")
VISIT_DATE, KEYED, KEY_RANK, FIRST_ROW = (
    Col("visit_date", DATE),
    Col("keyed", INT),
    Col("key_rank", INT),
    Col("first_row", INT),
)
NOW, REGISTER_IN_USE = Ctx("now", TIME), Ctx("register_in_use", BOOL)
VERIFIED = Coalesce(VERIFICATION, "ecm")


def _carer_checks(name: str, ref: Col, prefix: str) -> list[Check]:
    """The staff register, once the provider uses it: the carer is on it, and was employed that day."""
    found, started, left = Col(f"{prefix}_ref"), Col(f"{prefix}_start", DATE), Col(f"{prefix}_left", DATE)
    return [
        Check(
            name,
            "unknown_carer",
            "No member of your staff has the reference {value}.",
            REGISTER_IN_USE.eq(True) & ref.not_null() & found.is_null(),
            {"value": P(ref)},
        ),
        Check(
            name,
            "carer_not_employed",
            "Carer {value} was not on your staff on {day} ({employed}).",
            REGISTER_IN_USE.eq(True)
            & found.not_null()
            & VISIT_DATE.not_null()
            & ((VISIT_DATE < started) | (left.not_null() & (VISIT_DATE > left))),
            {
                "value": P(ref),
                "day": P(VISIT_DATE, show=day_text),
                "employed": P(started, left, show=employed_text),
            },
        ),
    ]


VISIT_CHECKS = CheckSet(
    [
        Check(
            "order_reference",
            "unknown_order",
            "No order with reference {value} that you can record visits against.",
            ORDER_REF.not_null() & O_N.is_null(),
            {"value": P(ORDER_REF)},
        ),
        Check(
            "order_reference",
            "ambiguous_order",
            "More than one of your orders has the reference {value}; ask the councils concerned to tell them apart.",
            O_N > 1,
            {"value": P(ORDER_REF)},
        ),
        Check(
            "order_reference",
            "order_not_recordable",
            "Order {value} is {status}: visits can be recorded once it has been accepted.",
            O_N.eq(1) & ~O_STATUS.isin(RECORDABLE_ORDER_STATUSES),
            {"value": P(ORDER_REF), "status": P(O_STATUS, show=order_status_text)},
        ),
        Check(
            "scheduled_end",
            "end_before_start",
            "The scheduled end must be after the scheduled start.",
            SE <= SS,
        ),
        Check(
            "scheduled_end",
            "visit_too_long",
            "A visit cannot be scheduled for more than 24 hours.",
            (SE > SS) & (SE - SS > MAX_VISIT),
        ),
        Check(
            "actual_start",
            "actual_end_without_start",
            "Give the actual start as well as the actual end.",
            AE.not_null() & AS.is_null() & ~Failed("actual_start"),
        ),
        Check(
            "actual_end",
            "actual_end_before_start",
            "The actual end must be after the actual start.",
            AE < AS,
        ),
        Check(
            "actual_end",
            "actual_too_long",
            "A visit cannot last more than 24 hours.",
            (AE >= AS) & (AE - AS > MAX_VISIT),
        ),
        Check(
            "actual_start",
            "actual_far_from_scheduled",
            "The actual start is more than 12 hours from the scheduled start: check the date.",
            Abs(AS - SS) > MAX_ACTUAL_DRIFT,
        ),
        *[
            Check(
                time.name,
                "future",
                "{value} is in the future: record what happened once it has happened.",
                time > NOW + CLOCK_SKEW,
                {"value": P(time, show=when_text)},
            )
            for time in (AS, AE, CA)
        ],
        Check(
            "second_carer_reference",
            "same_carer_twice",
            "The second carer must be someone other than the first.",
            SECOND.eq(CARER),
        ),
        Check(
            "carers",
            "second_carer_count",
            "Two carers are named, so the number of carers must be 2 or more.",
            SECOND.not_null()
            & (CARER.is_null() | SECOND.ne(CARER))
            & (Coalesce(CARERS, 1) < 2)
            & ~Failed("carers"),
        ),
        Check(
            Pick(AS.is_null(), "actual_start", "actual_end"),
            "needs_actuals",
            "A visit recorded as {status} needs its actual start and end.",
            STATUS.isin(DELIVERED) & (AS.is_null() | AE.is_null()),
            {"status": P(STATUS)},
        ),
        Check(
            "actual_end",
            "shortened_not_shorter",
            "A visit cut short must be shorter than scheduled ({scheduled} minutes).",
            STATUS.eq(VisitStatus.SHORTENED_BY_SERVICE_USER.value) & (AE - AS >= SE - SS),
            {"scheduled": P(SE - SS, show=minutes_of)},
        ),
        Check(
            Pick(AS.not_null(), "actual_start", "actual_end"),
            "no_actuals_allowed",
            "A visit recorded as {status} has no actual times: nothing was delivered.",
            STATUS.isin(NOTHING_DELIVERED) & (AS.not_null() | AE.not_null()),
            {"status": P(STATUS)},
        ),
        Check(
            "actual_end",
            "in_progress_has_end",
            "A visit still scheduled cannot have an actual end: give its status.",
            STATUS.eq(VisitStatus.SCHEDULED.value) & AE.not_null(),
        ),
        Check(
            "cancelled_at",
            "needs_cancelled_at",
            "Give when the person cancelled.",
            STATUS.isin(CANCELLED) & CA.is_null() & ~Failed("cancelled_at"),
        ),
        Check(
            "cancelled_at",
            "cancelled_after_start",
            "The cancellation must be before the scheduled start (a visit refused at the door is aborted).",
            STATUS.isin(CANCELLED) & (SS - CA <= ZERO),
        ),
        Check(
            "status",
            "not_short_notice",
            "The person gave {hours} notice, 24 hours or more: record it as cancelled_with_notice.",
            STATUS.eq(VisitStatus.CANCELLED_SHORT_NOTICE.value)
            & (SS - CA > ZERO)
            & (SS - CA >= SHORT_NOTICE),
            {"hours": P(SS - CA, show=hours_text)},
        ),
        Check(
            "status",
            "short_notice",
            "The person gave {hours} notice, less than 24 hours: record it as cancelled_short_notice.",
            STATUS.eq(VisitStatus.CANCELLED_WITH_NOTICE.value) & (SS - CA > ZERO) & (SS - CA < SHORT_NOTICE),
            {"hours": P(SS - CA, show=hours_text)},
        ),
        Check(
            "cancelled_at",
            "cancelled_at_not_cancelled",
            "Only a cancelled visit has a cancellation time.",
            STATUS.not_null() & ~STATUS.isin(CANCELLED) & CA.not_null(),
        ),
        Check(
            "status",
            "missed_in_future",
            "A visit cannot be missed before its scheduled start.",
            STATUS.eq(VisitStatus.MISSED.value) & (SS > NOW),
        ),
        Check(
            Pick(EXPLANATION.not_null(), "missed_explanation", "missed_remedy"),
            "explanation_not_missed",
            "Only a missed visit has an explanation and remedy.",
            STATUS.not_null()
            & STATUS.ne(VisitStatus.MISSED.value)
            & (EXPLANATION.not_null() | REMEDY.not_null()),
        ),
        Check(
            "manual_reason",
            "needs_manual_reason",
            "Give the reason the visit was entered by hand.",
            VERIFIED.eq(Verification.MANUAL.value) & MANUAL_REASON.is_null() & ~Failed("manual_reason"),
        ),
        Check(
            "manual_reason",
            "manual_reason_not_manual",
            "A reason is only given for visits entered by hand (verification manual).",
            VERIFIED.eq(Verification.ECM.value) & MANUAL_REASON.not_null(),
        ),
        Check(
            "scheduled_start",
            "outside_order",
            "The visit is on {day}, outside order {value}'s dates ({start} to {end}).",
            ORDER_ID.not_null()
            & VISIT_DATE.not_null()
            & ((VISIT_DATE < O_START) | (O_END.not_null() & (VISIT_DATE > O_END))),
            {
                "day": P(VISIT_DATE, show=day_text),
                "value": P(ORDER_REF),
                "start": P(O_START, show=day_text),
                "end": P(O_END, show=order_end_text),
            },
        ),
        Check(
            "scheduled_start",
            "duplicate_row",
            "Row {other} is the same visit (same order, scheduled start and carer).",
            KEYED.eq(1) & (KEY_RANK > 1),
            {"other": P(FIRST_ROW, show=int)},
        ),
        *_carer_checks("carer_reference", CARER, "s1"),
        *_carer_checks("second_carer_reference", SECOND, "s2"),
    ]
)

MESSAGES = Messages(
    {
        **PARSE_MESSAGES,
        **VISIT_CHECKS.messages,
        "duplicate_visit": "Another visit is already recorded for this order, scheduled start and carer.",
        "overlap": "Carer {value} is also on {other}, {start} to {end}.",
    }
)


def overlap_problem(
    row: int, field_name: str, carer: str, other: str, start: dt.datetime, end: dt.datetime
) -> Problem:
    """A carer in two places at once; `other` is "row 5" or "the visit already recorded for …"."""
    return MESSAGES.problem(
        row, field_name, "overlap", value=carer, other=other, start=when_text(start), end=clock_text(end)
    )


def sort_key(p: Problem) -> tuple[int, int]:
    return (p.row, list(COLUMNS_BY_NAME).index(p.field) if p.field in COLUMNS_BY_NAME else 99)


# What a submission says about one visit ---------------------------------------------------------


@dataclass
class VisitInput:
    """One visit as submitted, parsed; `order` and `existing` are resolved by `check_visits`."""

    row: int
    order_reference: str = ""
    scheduled_start: dt.datetime | None = None
    scheduled_end: dt.datetime | None = None
    actual_start: dt.datetime | None = None
    actual_end: dt.datetime | None = None
    carer_reference: str = ""
    second_carer_reference: str = ""
    carers: int = 1
    time_critical: bool = False
    status: str = ""
    cancelled_at: dt.datetime | None = None
    cancellation_reason: str = ""
    verification: str = "ecm"
    manual_reason: str = ""
    missed_explanation: str = ""
    missed_remedy: str = ""
    # Resolved:
    order: Any = None
    existing: Any = None  # the stored Visit this input replaces (natural key, or the one edited)
    pk: int | None = None  # set when editing a stored visit by id (form, API update)
    parse_failed: set[str] = field(default_factory=set)

    VALUE_FIELDS = tuple(c.name for c in VISIT_COLUMNS if c.name != "order_reference")

    @property
    def visit_date(self) -> dt.date | None:
        return (
            None if self.scheduled_start is None else timezone.localtime(self.scheduled_start, LONDON).date()
        )

    def natural_key(self) -> tuple[Any, ...]:
        return (getattr(self.order, "pk", None), self.scheduled_start, self.carer_reference)

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.VALUE_FIELDS}


def parse_visit(raw: Mapping[str, object], row: int) -> tuple[VisitInput, list[Problem]]:
    """A raw row (file cells or JSON values) → a VisitInput and its parse problems."""
    parsed, problems = parse_row(VISIT_COLUMNS, raw, row)
    visit = VisitInput(row=row, parse_failed=parsed.failed)
    for name, value in parsed.values.items():
        if value is not None:
            setattr(visit, name, value)
    return visit, problems


# Writing a checked visit -----------------------------------------------------------------------

#: A visit's natural key: sending the same visit again updates it.
NATURAL_KEY = ("order_reference", "scheduled_start", "carer_reference")
#: What a submission may change on a stored visit: every column but the natural key.
COMPARED_FIELDS = tuple(c.name for c in VISIT_COLUMNS if c.name not in NATURAL_KEY)
DERIVED_FIELDS = ("scheduled_minutes", "actual_minutes", "missed_explained_at", "updated_at")


def apply_input(v: VisitInput, *, source: str, now: dt.datetime) -> Prepared:
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
            order=v.order, scheduled_start=v.scheduled_start, carer_reference=v.carer_reference, source=source
        )
    visit.order = v.order
    if v.pk or (existing is not None and not existing.carer_reference):
        # An edit by id may move the visit's start or carer; an expected visit gets its carer.
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


def snapshot_visit(visit: Visit) -> dict[str, Any]:
    """The fields a submission may change, as the audit trail stores them."""
    return audit.snapshot(visit, COMPARED_FIELDS)


def interval(v: Any) -> tuple[dt.datetime, dt.datetime] | None:
    """When the carer is with the person: the actual times if both are known, else the scheduled
    times of a visit still to happen; None when nobody was there."""
    if v.status not in PRESENT:
        return None
    if v.actual_start is not None and v.actual_end is not None:
        return v.actual_start, v.actual_end
    if v.status == VisitStatus.SCHEDULED:
        return v.scheduled_start, v.scheduled_end
    return None


def overlaps(
    intervals: Sequence[tuple[str, dt.datetime, dt.datetime, tuple[Any, ...]]],
) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """{key: the key of an interval it overlaps} for intervals (carer, start, end, key) that
    overlap another of the same carer; keys sort (source, number). Back-to-back visits (one ends as
    the next starts) do not overlap.

    Each carer's intervals are taken in order of (start, end, key). An interval's partner is the
    next one if that starts before it ends; otherwise, if it starts before the latest end among
    those before it, the first of those with that end. (The SQL path chooses the same partner.)"""
    by_carer: dict[str, list[Any]] = defaultdict(list)
    for carer, start, end, key in intervals:
        by_carer[carer].append((start, end, key))
    clash: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for items in by_carer.values():
        items.sort()
        latest_end, latest_key = None, None
        for i, (start, end, key) in enumerate(items):
            if i + 1 < len(items) and items[i + 1][0] < end:
                clash[key] = items[i + 1][2]
            elif latest_end is not None and start < latest_end:
                clash[key] = latest_key
            if latest_end is None or end > latest_end:
                latest_end, latest_key = end, key
    return clash


# The checks over a submission and the stored records (set-based reads) -------------------------


@dataclass
class _Lookups:
    """What one submission's references resolve to, read in a fixed number of queries."""

    orders_by_ref: dict[str, list[Any]]
    staff: dict[str, StaffMember]
    register_in_use: bool


def _lookups(inputs: list[VisitInput], *, user: Any) -> _Lookups:
    provider = user.organisation
    refs = {v.order_reference for v in inputs if v.order is None and v.order_reference}
    orders_by_ref: dict[str, list[Any]] = defaultdict(list)
    scope = scoped(IndividualServiceOrder, user).filter(provider=provider)
    for chunk in chunks(sorted(refs)):
        for order in scope.filter(reference__in=chunk).select_related("commissioner"):
            orders_by_ref[order.reference].append(order)
    carers = sorted({c for v in inputs for c in (v.carer_reference, v.second_carer_reference) if c})
    register_in_use = StaffMember.objects.filter(provider=provider).exists()
    staff: dict[str, StaffMember] = {}
    if register_in_use:
        for chunk in chunks(carers):
            members = StaffMember.objects.filter(provider=provider, reference__in=chunk)
            staff.update({s.reference: s for s in members.only("reference", "started_on", "left_on")})
    return _Lookups(orders_by_ref, staff, register_in_use)


def _row(v: VisitInput, found: _Lookups, *, now: dt.datetime) -> dict[str, Any]:
    """The visit as the checks read it: empty text is NULL, as in the staging table."""
    row: dict[str, Any] = {
        c.name: (getattr(v, c.name) if getattr(v, c.name) != "" else None) for c in VISIT_COLUMNS
    }
    orders = [v.order] if v.order is not None else found.orders_by_ref.get(v.order_reference, [])
    order = orders[0] if len(orders) == 1 else None
    if v.order is not None:
        row["order_reference"] = v.order.reference
    row.update(
        failed=v.parse_failed,
        now=now,
        register_in_use=found.register_in_use,
        visit_date=v.visit_date,
        o_n=len(orders) or None,
        o_status=order.status if order else None,
        o_start=order.start_date if order else None,
        o_end=order.end_date if order else None,
    )
    recordable = order is not None and order.status in RECORDABLE_ORDER_STATUSES
    v.order = order if recordable else None
    row["order_id"] = order.pk if recordable else None
    for prefix, ref in (("s1", v.carer_reference), ("s2", v.second_carer_reference)):
        member = found.staff.get(ref)
        row[f"{prefix}_ref"] = member.reference if member else None
        row[f"{prefix}_start"] = member.started_on if member else None
        row[f"{prefix}_left"] = member.left_on if member else None
    row["keyed"] = int(v.order is not None and v.scheduled_start is not None and bool(v.carer_reference))
    row["key_rank"] = row["first_row"] = None
    return row


def check_visits(inputs: list[VisitInput], *, user: Any, now: dt.datetime | None = None) -> list[Problem]:
    """Resolve each input's order (by reference, within what `user` may record) and the stored
    visit it replaces, and return every problem. Reads in a fixed number of queries however many
    rows there are (chunked IN lists)."""
    now = now or timezone.now()
    found = _lookups(inputs, user=user)
    rows = {v.row: _row(v, found, now=now) for v in inputs}
    keyed = [v for v in inputs if rows[v.row]["keyed"]]

    # The stored visits these inputs replace: by id when editing, else by natural key.
    stored_by_key = {}
    if keyed:
        starts = [v.scheduled_start for v in keyed]
        for chunk in chunks(sorted({v.order.pk for v in keyed})):
            for visit in Visit.objects.filter(
                order_id__in=chunk, scheduled_start__gte=min(starts), scheduled_start__lte=max(starts)
            ):
                stored_by_key[(visit.order_id, visit.scheduled_start, visit.carer_reference)] = visit
    # A visit generated from the schedule has no carer yet: the first submission of that visit
    # (same order and start) with its carer confirms it rather than adding a second one.
    unassigned = {(k[0], k[1]): visit for k, visit in stored_by_key.items() if k[2] == ""}
    by_id = {v.pk for v in inputs if v.pk}
    stored_by_pk = {visit.pk: visit for visit in Visit.objects.filter(pk__in=by_id)} if by_id else {}
    edited_onto_another: list[Problem] = []
    seen: dict[tuple[Any, ...], int] = {}
    for v in keyed:
        key = v.natural_key()
        rows[v.row]["key_rank"] = 2 if key in seen else 1
        if key in seen:
            rows[v.row]["first_row"] = seen[key]
            continue
        seen[key] = v.row
        match = stored_by_key.get(key) or unassigned.pop(key[:2], None)
        if v.pk:
            v.existing = stored_by_pk.get(v.pk)
            if match is not None and match.pk != v.pk:
                edited_onto_another.append(MESSAGES.problem(v.row, "scheduled_start", "duplicate_visit"))
        else:
            v.existing = match
    problems = [p for v in inputs for p in VISIT_CHECKS.run(v.row, rows[v.row])] + edited_onto_another
    duplicates = {v.row for v in keyed if rows[v.row]["key_rank"] > 1}
    problems.extend(_overlap_problems(inputs, provider=user.organisation, duplicates=duplicates))
    problems.sort(key=sort_key)
    return problems


def _overlap_problems(inputs: list[VisitInput], *, provider: Any, duplicates: set[int]) -> list[Problem]:
    """Each carer's times across the submission and the stored visits it does not replace."""
    intervals = []
    rows = {}
    for v in inputs:
        if (
            v.scheduled_start is None
            or v.scheduled_end is None
            or not v.carer_reference
            or v.row in duplicates
        ):
            continue
        span = interval(v)
        if span is None or span[1] <= span[0]:
            continue
        for carer in dict.fromkeys(filter(None, (v.carer_reference, v.second_carer_reference))):
            ident = (0, v.row, carer)
            intervals.append((carer, span[0], span[1], ident))
            rows[ident] = v
    if not intervals:
        return []
    carers = sorted({i[0] for i in intervals})
    lo = min(i[1] for i in intervals) - MAX_VISIT - MAX_ACTUAL_DRIFT
    hi = max(i[2] for i in intervals) + MAX_ACTUAL_DRIFT
    replaced = {v.existing.pk for v in inputs if v.existing is not None}
    stored = {}
    for chunk in chunks(carers):
        qs = (
            Visit.objects.filter(provider=provider, scheduled_start__gte=lo, scheduled_start__lte=hi)
            .filter(Q(carer_reference__in=chunk) | Q(second_carer_reference__in=chunk))
            .exclude(pk__in=replaced)
            .select_related("order")
            .only(
                "order__reference",
                "scheduled_start",
                "scheduled_end",
                "actual_start",
                "actual_end",
                "status",
                "carer_reference",
                "second_carer_reference",
            )
        )
        for visit in qs:
            span = interval(visit)
            if span is None or span[1] <= span[0]:
                continue
            for carer in dict.fromkeys(filter(None, (visit.carer_reference, visit.second_carer_reference))):
                if carer in carers:
                    ident = (1, visit.pk, carer)
                    intervals.append((carer, span[0], span[1], ident))
                    stored[ident] = (visit, span)
    problems = []
    for ident, other in overlaps(intervals).items():
        if ident[0] != 0:
            continue
        v = rows[ident]
        if other[0] == 0:
            o = rows[other]
            span = interval(o)
            where = f"row {o.row}"
        else:
            visit, span = stored[other]
            where = f"the visit already recorded for order {visit.order.reference}"
        name = "carer_reference" if ident[2] == v.carer_reference else "second_carer_reference"
        problems.append(overlap_problem(v.row, name, ident[2], where, span[0], span[1]))
    return problems
