"""The one validation path for visits: the web form, the spreadsheet upload, the bulk API and
the single API all check a visit here (`check_visits`); the streaming path for large files
(`visits.streaming`) runs the same rules in SQL, with the same codes and messages, and a test
holds the two to the same answers on the same file.

A problem names its row and field. Rows are numbered as the user sees them: a spreadsheet's row
number (the header is row 1) or a bulk payload's position (the first item is row 1).

Times: a time without an offset is Europe/London time. The hour the clocks go back happens twice,
so a time in it must carry its offset (+01:00 or +00:00); a time in the hour the clocks skip does
not exist. Either is refused rather than guessed, as Django's own forms do, because a guess moves
a visit by an hour and its pay with it. "24 hours' notice" is 24 elapsed hours.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.utils import timezone

from .models import ManualReason, Verification, VisitStatus

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC

# Limits (also used by the SQL path).
MAX_VISIT = dt.timedelta(hours=24)
MAX_ACTUAL_DRIFT = dt.timedelta(hours=12)
CLOCK_SKEW = dt.timedelta(minutes=2)  # a device clock a little ahead of ours is not "the future"
SHORT_NOTICE = dt.timedelta(hours=24)
MAX_CARERS = 4

RECORDABLE_ORDER_STATUSES = ("accepted", "active", "suspended", "ended")
DELIVERED = {VisitStatus.COMPLETED.value, VisitStatus.SHORTENED_BY_SERVICE_USER.value}
CANCELLED = {VisitStatus.CANCELLED_SHORT_NOTICE.value, VisitStatus.CANCELLED_WITH_NOTICE.value}
NOTHING_DELIVERED = CANCELLED | {VisitStatus.MISSED.value}
# Visits where the carer is (or is due to be) with the person: their times cannot overlap.
PRESENT = DELIVERED | {VisitStatus.ABORTED.value, VisitStatus.SCHEDULED.value}


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    kind: str  # text | datetime | int | bool | choice
    required: bool = False
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    default: object = None
    help: str = ""


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
    Column("carers", "the number of carers", "int", default=1, help="1 to 4; 2 for a double-up."),
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

MESSAGES: dict[str, str] = {
    "required": "Enter {label}.",
    "bad_datetime": "“{value}” is not a date and time: use 2026-04-01 08:00 or 01/04/2026 08:00.",
    "ambiguous_time": "{value} happens twice on the night the clocks go back: add +01:00 (BST) or +00:00 (GMT).",
    "nonexistent_time": "{value} does not exist in UK time: the clocks go forward an hour that night.",
    "bad_choice": "“{value}” is not one of: {choices}.",
    "bad_bool": "“{value}” is not yes or no.",
    "bad_int": "“{value}” is not a whole number from 1 to 4.",
    "too_long": "Use at most {max} characters.",
    "unknown_column": "“{value}” is not a column of this upload.",
    "unknown_order": "No order with reference {value} that you can record visits against.",
    "ambiguous_order": "More than one of your orders has the reference {value}; ask the councils concerned to tell them apart.",
    "order_not_recordable": "Order {value} is {status}: visits can be recorded once it has been accepted.",
    "outside_order": "The visit is on {day}, outside order {value}'s dates ({start} to {end}).",
    "unknown_carer": "No member of your staff has the reference {value}.",
    "carer_not_employed": "Carer {value} was not on your staff on {day} ({employed}).",
    "same_carer_twice": "The second carer must be someone other than the first.",
    "second_carer_count": "Two carers are named, so the number of carers must be 2 or more.",
    "end_before_start": "The scheduled end must be after the scheduled start.",
    "visit_too_long": "A visit cannot be scheduled for more than 24 hours.",
    "actual_end_before_start": "The actual end must be after the actual start.",
    "actual_end_without_start": "Give the actual start as well as the actual end.",
    "actual_far_from_scheduled": "The actual start is more than 12 hours from the scheduled start: check the date.",
    "actual_too_long": "A visit cannot last more than 24 hours.",
    "future": "{value} is in the future: record what happened once it has happened.",
    "needs_actuals": "A visit recorded as {status} needs its actual start and end.",
    "shortened_not_shorter": "A visit cut short must be shorter than scheduled ({scheduled} minutes).",
    "no_actuals_allowed": "A visit recorded as {status} has no actual times: nothing was delivered.",
    "in_progress_has_end": "A visit still scheduled cannot have an actual end: give its status.",
    "needs_cancelled_at": "Give when the person cancelled.",
    "cancelled_at_not_cancelled": "Only a cancelled visit has a cancellation time.",
    "cancelled_after_start": "The cancellation must be before the scheduled start (a visit refused at the door is aborted).",
    "not_short_notice": "The person gave {hours} notice, 24 hours or more: record it as cancelled_with_notice.",
    "short_notice": "The person gave {hours} notice, less than 24 hours: record it as cancelled_short_notice.",
    "missed_in_future": "A visit cannot be missed before its scheduled start.",
    "needs_manual_reason": "Give the reason the visit was entered by hand.",
    "manual_reason_not_manual": "A reason is only given for visits entered by hand (verification manual).",
    "explanation_not_missed": "Only a missed visit has an explanation and remedy.",
    "duplicate_row": "Row {other} is the same visit (same order, scheduled start and carer).",
    "duplicate_visit": "Another visit is already recorded for this order, scheduled start and carer.",
    "overlap": "Carer {value} is also on {other}, {start} to {end}.",
}


def message(code: str, **params) -> str:
    return MESSAGES[code].format(**params)


@dataclass(frozen=True)
class Problem:
    row: int
    field: str
    code: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "field": self.field, "message": self.message}


def problem(row: int, field_name: str, code: str, **params) -> Problem:
    return Problem(row, field_name, code, message(code, **params))


# Parsing ---------------------------------------------------------------------------------------

ISO_RE = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)
UK_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")
TRUE = {"yes", "y", "true", "t", "1"}
FALSE = {"no", "n", "false", "f", "0", ""}


class ParseError(ValueError):
    def __init__(self, code: str, **params):
        self.code = code
        self.params = params
        super().__init__(message(code, **params))


def london(naive: dt.datetime, shown: str) -> dt.datetime:
    """Make a wall-clock time aware in Europe/London, refusing times the clock change makes
    ambiguous or impossible."""
    first = naive.replace(tzinfo=LONDON, fold=0)
    second = naive.replace(tzinfo=LONDON, fold=1)
    if first.utcoffset() != second.utcoffset():
        # fold=0 and fold=1 disagree: ambiguous (happens twice) or imaginary (never happens).
        round_trip = first.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None)
        raise ParseError("nonexistent_time" if round_trip != naive else "ambiguous_time", value=shown)
    return first


def parse_datetime(value) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            return value.astimezone(UTC)
        return london(value, value.strftime("%Y-%m-%d %H:%M")).astimezone(UTC)
    if isinstance(value, dt.date):
        raise ParseError("bad_datetime", value=value.isoformat())
    text = str(value).strip()
    if not text:
        return None
    try:
        if m := ISO_RE.match(text):
            y, mo, d, h, mi, s, frac, offset = m.groups()
            naive = dt.datetime(  # noqa: DTZ001 - a wall-clock time, placed by london() below
                int(y), int(mo), int(d), int(h), int(mi), int(s or 0), int((frac or "0").ljust(6, "0"))
            )
        elif m := UK_RE.match(text):
            d, mo, y, h, mi, s = m.groups()
            offset = None
            naive = dt.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0))  # noqa: DTZ001
        else:
            raise ParseError("bad_datetime", value=text)
    except ValueError as exc:  # e.g. 31 February, hour 25
        if isinstance(exc, ParseError):
            raise
        raise ParseError("bad_datetime", value=text) from exc
    if naive.year < 2000 or naive.year > 2100:
        raise ParseError("bad_datetime", value=text)
    if offset is None:
        return london(naive, text).astimezone(UTC)
    if offset.upper() == "Z":
        return naive.replace(tzinfo=UTC)
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    delta = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    if delta > dt.timedelta(hours=14):
        raise ParseError("bad_datetime", value=text)
    return naive.replace(tzinfo=dt.timezone(sign * delta)).astimezone(UTC)


def parse_bool(value, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text == "":
        return default
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ParseError("bad_bool", value=str(value).strip())


def parse_int(value, default: int) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, bool):
        raise ParseError("bad_int", value=str(value))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not re.fullmatch(r"\d{1,2}", text):
            raise ParseError("bad_int", value=text)
        number = int(text)
    if not 1 <= number <= MAX_CARERS:
        raise ParseError("bad_int", value=str(value).strip())
    return number


def parse_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a reference typed as a number in a spreadsheet
    return str(value).strip()


def parse_value(column: Column, value):
    if column.kind == "datetime":
        return parse_datetime(value)
    if column.kind == "bool":
        return parse_bool(value, column.default)
    if column.kind == "int":
        return parse_int(value, column.default)
    text = parse_text(value)
    if column.kind == "choice":
        text = text.lower()
        if text == "":
            return column.default if column.default is not None else ""
        if text not in column.choices:
            raise ParseError("bad_choice", value=text, choices=", ".join(column.choices))
        return text
    if column.max_length and len(text) > column.max_length:
        raise ParseError("too_long", max=column.max_length)
    return text


def normalise_header(name) -> str:
    return re.sub(r"[\s\-]+", "_", str(name or "").strip().lower()).strip("_")


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
    order: object = None
    existing: object = None  # the stored Visit this input replaces (natural key, or the one edited)
    pk: int | None = None  # set when editing a stored visit by id (form, API update)
    parse_failed: set = field(default_factory=set)

    VALUE_FIELDS = tuple(c.name for c in VISIT_COLUMNS if c.name != "order_reference")

    @property
    def visit_date(self) -> dt.date | None:
        return (
            None if self.scheduled_start is None else timezone.localtime(self.scheduled_start, LONDON).date()
        )

    def natural_key(self):
        return (getattr(self.order, "pk", None), self.scheduled_start, self.carer_reference)

    def values(self) -> dict:
        return {name: getattr(self, name) for name in self.VALUE_FIELDS}


def parse_visit(raw: Mapping[str, object], row: int) -> tuple[VisitInput, list[Problem]]:
    """A raw row (file cells or JSON values) → a VisitInput and its parse problems."""
    visit = VisitInput(row=row)
    problems = []
    for column in VISIT_COLUMNS:
        try:
            value = parse_value(column, raw.get(column.name))
        except ParseError as exc:
            problems.append(Problem(row, column.name, exc.code, str(exc)))
            visit.parse_failed.add(column.name)
            continue
        if column.required and value in (None, ""):
            problems.append(problem(row, column.name, "required", label=column.label))
            visit.parse_failed.add(column.name)
            continue
        if value is not None:
            setattr(visit, column.name, value)
    return visit, problems


# Rules on one visit (no database) --------------------------------------------------------------


def _when(value: dt.datetime) -> str:
    return timezone.localtime(value, LONDON).strftime("%d %b %Y %H:%M")


def _day(value: dt.date) -> str:
    return value.strftime("%d %b %Y")


def _hours(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _interval(v) -> tuple[dt.datetime, dt.datetime] | None:
    """When the carer is with the person: the actual times if both are known, else the scheduled
    times of a visit still to happen; None when nobody was there."""
    if v.status not in PRESENT:
        return None
    if v.actual_start is not None and v.actual_end is not None:
        return v.actual_start, v.actual_end
    if v.status == VisitStatus.SCHEDULED:
        return v.scheduled_start, v.scheduled_end
    return None


def visit_rules(v: VisitInput, *, now: dt.datetime) -> list[Problem]:
    """Every rule that needs only the visit itself (and its order, once resolved)."""
    p: list[Problem] = []
    r = v.row
    start, end = v.scheduled_start, v.scheduled_end
    if start is not None and end is not None:
        if end <= start:
            p.append(problem(r, "scheduled_end", "end_before_start"))
        elif end - start > MAX_VISIT:
            p.append(problem(r, "scheduled_end", "visit_too_long"))
    a_start, a_end = v.actual_start, v.actual_end
    if a_end is not None and a_start is None and "actual_start" not in v.parse_failed:
        p.append(problem(r, "actual_start", "actual_end_without_start"))
    if a_start is not None and a_end is not None:
        if a_end < a_start:
            p.append(problem(r, "actual_end", "actual_end_before_start"))
        elif a_end - a_start > MAX_VISIT:
            p.append(problem(r, "actual_end", "actual_too_long"))
    if a_start is not None and start is not None and abs(a_start - start) > MAX_ACTUAL_DRIFT:
        p.append(problem(r, "actual_start", "actual_far_from_scheduled"))
    for name in ("actual_start", "actual_end", "cancelled_at"):
        value = getattr(v, name)
        if value is not None and value > now + CLOCK_SKEW:
            p.append(problem(r, name, "future", value=_when(value)))
    if v.second_carer_reference:
        if v.second_carer_reference == v.carer_reference:
            p.append(problem(r, "second_carer_reference", "same_carer_twice"))
        elif v.carers < 2 and "carers" not in v.parse_failed:
            p.append(problem(r, "carers", "second_carer_count"))

    status = v.status
    if status and "status" not in v.parse_failed:
        label = status
        if status in DELIVERED:
            if a_start is None or a_end is None:
                p.append(
                    problem(
                        r, "actual_start" if a_start is None else "actual_end", "needs_actuals", status=label
                    )
                )
            elif (
                status == VisitStatus.SHORTENED_BY_SERVICE_USER
                and start is not None
                and end is not None
                and a_end - a_start >= end - start
            ):
                p.append(
                    problem(
                        r,
                        "actual_end",
                        "shortened_not_shorter",
                        scheduled=int((end - start).total_seconds() // 60),
                    )
                )
        elif status in NOTHING_DELIVERED:
            if a_start is not None or a_end is not None:
                p.append(
                    problem(
                        r,
                        "actual_start" if a_start is not None else "actual_end",
                        "no_actuals_allowed",
                        status=label,
                    )
                )
        elif status == VisitStatus.SCHEDULED and a_end is not None:
            p.append(problem(r, "actual_end", "in_progress_has_end"))
        if status in CANCELLED:
            if v.cancelled_at is None:
                if "cancelled_at" not in v.parse_failed:
                    p.append(problem(r, "cancelled_at", "needs_cancelled_at"))
            elif start is not None:
                notice = start - v.cancelled_at
                if notice <= dt.timedelta(0):
                    p.append(problem(r, "cancelled_at", "cancelled_after_start"))
                elif status == VisitStatus.CANCELLED_SHORT_NOTICE and notice >= SHORT_NOTICE:
                    p.append(problem(r, "status", "not_short_notice", hours=_hours(notice)))
                elif status == VisitStatus.CANCELLED_WITH_NOTICE and notice < SHORT_NOTICE:
                    p.append(problem(r, "status", "short_notice", hours=_hours(notice)))
        elif v.cancelled_at is not None:
            p.append(problem(r, "cancelled_at", "cancelled_at_not_cancelled"))
        if status == VisitStatus.MISSED and start is not None and start > now:
            p.append(problem(r, "status", "missed_in_future"))
        if status != VisitStatus.MISSED and (v.missed_explanation or v.missed_remedy):
            p.append(
                problem(
                    r,
                    "missed_explanation" if v.missed_explanation else "missed_remedy",
                    "explanation_not_missed",
                )
            )
    if (
        v.verification == Verification.MANUAL
        and not v.manual_reason
        and "manual_reason" not in v.parse_failed
    ):
        p.append(problem(r, "manual_reason", "needs_manual_reason"))
    if v.verification == Verification.ECM and v.manual_reason:
        p.append(problem(r, "manual_reason", "manual_reason_not_manual"))

    order = v.order
    if order is not None and start is not None:
        day = v.visit_date
        if day < order.start_date or (order.end_date is not None and day > order.end_date):
            p.append(
                problem(
                    r,
                    "scheduled_start",
                    "outside_order",
                    day=_day(day),
                    value=order.reference,
                    start=_day(order.start_date),
                    end=_day(order.end_date) if order.end_date else "open-ended",
                )
            )
    return p


def overlaps(intervals: Sequence[tuple[str, dt.datetime, dt.datetime, tuple]]) -> dict[tuple, tuple]:
    """{key: the key of an interval it overlaps} for intervals (carer, start, end, key) that
    overlap another of the same carer; keys sort (source, number). Back-to-back visits (one ends as
    the next starts) do not overlap.

    Each carer's intervals are taken in order of (start, end, key). An interval's partner is the
    next one if that starts before it ends; otherwise, if it starts before the latest end among
    those before it, the first of those with that end. (The SQL path chooses the same partner.)"""
    by_carer: dict[str, list] = defaultdict(list)
    for carer, start, end, key in intervals:
        by_carer[carer].append((start, end, key))
    clash: dict[tuple, tuple] = {}
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


# Rules across the submission and the stored visits (set-based reads) ---------------------------


def check_visits(inputs: list[VisitInput], *, user, now: dt.datetime | None = None) -> list[Problem]:
    """Resolve each input's order (by reference, within what `user` may record) and the stored
    visit it replaces, and return every problem. Reads in a fixed number of queries however many
    rows there are (chunked IN lists)."""
    from packages_of_care.models import IndividualServiceOrder
    from portal.tenancy import scoped
    from workforce.models import StaffMember

    from .models import Visit

    now = now or timezone.now()
    provider = user.organisation
    problems: list[Problem] = []

    # Orders by reference, in the user's scope and held by the user's organisation.
    refs = {v.order_reference for v in inputs if v.order is None and v.order_reference}
    orders_by_ref: dict[str, list] = defaultdict(list)
    scope = scoped(IndividualServiceOrder, user).filter(provider=provider)
    for chunk in _chunks(sorted(refs)):
        for order in scope.filter(reference__in=chunk).select_related("commissioner"):
            orders_by_ref[order.reference].append(order)
    for v in inputs:
        if v.order is None and v.order_reference:
            found = orders_by_ref.get(v.order_reference, [])
            if not found:
                problems.append(problem(v.row, "order_reference", "unknown_order", value=v.order_reference))
            elif len(found) > 1:
                problems.append(problem(v.row, "order_reference", "ambiguous_order", value=v.order_reference))
            else:
                v.order = found[0]
        if v.order is not None and v.order.status not in RECORDABLE_ORDER_STATUSES:
            problems.append(
                problem(
                    v.row,
                    "order_reference",
                    "order_not_recordable",
                    value=v.order.reference,
                    status=v.order.get_status_display().lower(),
                )
            )
            v.order = None

    for v in inputs:
        problems.extend(visit_rules(v, now=now))

    # Carers: the provider's staff register, once it is in use.
    carers = {c for v in inputs for c in (v.carer_reference, v.second_carer_reference) if c}
    staff = {}
    register_in_use = StaffMember.objects.filter(provider=provider).exists()
    if register_in_use:
        for chunk in _chunks(sorted(carers)):
            staff.update(
                {
                    s.reference: s
                    for s in StaffMember.objects.filter(provider=provider, reference__in=chunk).only(
                        "reference", "started_on", "left_on"
                    )
                }
            )
        for v in inputs:
            for name in ("carer_reference", "second_carer_reference"):
                ref = getattr(v, name)
                if not ref:
                    continue
                member = staff.get(ref)
                if member is None:
                    problems.append(problem(v.row, name, "unknown_carer", value=ref))
                elif v.scheduled_start is not None:
                    day = v.visit_date
                    if day < member.started_on or (member.left_on is not None and day > member.left_on):
                        employed = f"from {_day(member.started_on)}" + (
                            f" to {_day(member.left_on)}" if member.left_on else ""
                        )
                        problems.append(
                            problem(
                                v.row, name, "carer_not_employed", value=ref, day=_day(day), employed=employed
                            )
                        )

    # The stored visits these inputs replace: by id when editing, else by natural key.
    keyed = [v for v in inputs if v.order is not None and v.scheduled_start is not None and v.carer_reference]
    by_id = {v.pk for v in inputs if v.pk}
    stored_by_key = {}
    stored_by_pk = {}
    order_ids = sorted({v.order.pk for v in keyed})
    starts = [v.scheduled_start for v in keyed]
    if keyed:
        lo, hi = min(starts), max(starts)
        for chunk in _chunks(order_ids):
            for visit in Visit.objects.filter(
                order_id__in=chunk, scheduled_start__gte=lo, scheduled_start__lte=hi
            ):
                stored_by_key[(visit.order_id, visit.scheduled_start, visit.carer_reference)] = visit
    if by_id:
        stored_by_pk = {visit.pk: visit for visit in Visit.objects.filter(pk__in=by_id)}
    seen: dict[tuple, int] = {}
    duplicates: set[int] = set()
    for v in keyed:
        key = v.natural_key()
        if key in seen:
            problems.append(problem(v.row, "scheduled_start", "duplicate_row", other=seen[key]))
            duplicates.add(v.row)
            continue
        seen[key] = v.row
        match = stored_by_key.get(key)
        if v.pk:
            v.existing = stored_by_pk.get(v.pk)
            if match is not None and match.pk != v.pk:
                problems.append(problem(v.row, "scheduled_start", "duplicate_visit"))
        else:
            v.existing = match

    # Overlaps: each carer's times across the submission and the stored visits it does not replace.
    problems.extend(_overlap_problems(inputs, provider=provider, duplicates=duplicates))
    problems.sort(
        key=lambda p: (p.row, list(COLUMNS_BY_NAME).index(p.field) if p.field in COLUMNS_BY_NAME else 99)
    )
    return problems


def _overlap_problems(inputs: list[VisitInput], *, provider, duplicates: set[int]) -> list[Problem]:
    from django.db.models import Q

    from .models import Visit

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
        span = _interval(v)
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
    for chunk in _chunks(carers):
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
            span = _interval(visit)
            if span is None or span[1] <= span[0]:
                continue
            for carer in dict.fromkeys(filter(None, (visit.carer_reference, visit.second_carer_reference))):
                if carer in carers:
                    ident = (1, visit.pk, carer)
                    intervals.append((carer, span[0], span[1], ident))
                    stored[ident] = (visit, span)
    clash = overlaps(intervals)
    problems = []
    for ident, other in clash.items():
        if ident[0] != 0:
            continue
        v = rows[ident]
        if other[0] == 0:
            o = rows[other]
            span = _interval(o)
            where = f"row {o.row}"
        else:
            visit, span = stored[other]
            where = f"the visit already recorded for order {visit.order.reference}"
        name = "carer_reference" if ident[2] == v.carer_reference else "second_carer_reference"
        problems.append(
            problem(
                v.row,
                name,
                "overlap",
                value=ident[2],
                other=where,
                start=_when(span[0]),
                end=timezone.localtime(span[1], LONDON).strftime("%H:%M"),
            )
        )
    return problems


def _chunks(items: Sequence, size: int = 2000) -> Iterable[Sequence]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
