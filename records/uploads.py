"""The operational records, kind by kind: their columns, natural keys and checks — the one
validation path behind each record's form, spreadsheet upload and API (`check`).

Every record falls under a contract (so it belongs to a council–provider pair). A row names its
scheme by name and, where that does not settle it, the contract by reference; a provider with one
contract in force need give neither. People are named by the council's reference.

Natural keys (sending the same rows again changes nothing): complaints, incidents and survey
responses by their reference; alarm calls by scheme, flat and time raised; voids by scheme, flat
and start; nominations by scheme, panel date and applicant; activities by title and start;
attendance by activity and person.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db.models import Q
from django.urls import reverse_lazy
from django.utils import timezone

from packages_of_care.models import ServiceUser
from portal import audit
from portal.tenancy import scoped
from schemes.models import Contract, Scheme
from visits.models import UploadKind
from visits.uploads import Prepared, UploadSpec, register
from visits.validation import (
    LONDON,
    Column,
    ParseError,
    Problem,
    parse_bool,
    parse_datetime,
    parse_text,
    problem,
)

from .models import (
    Activity,
    ActivityAttendance,
    ActivityKind,
    AlarmCall,
    AlarmOutcome,
    Complaint,
    ComplaintKind,
    NominationDecision,
    SafeguardingIncident,
    SurveyResponse,
    Void,
    VoidStatus,
)

MESSAGES = {
    "bad_date": "“{value}” is not a date: use 2026-04-01 or 01/04/2026.",
    "bad_number": "“{value}” is not a number from {low} to {high}.",
    "unknown_scheme": "No scheme called {value} that you work in.",
    "unknown_contract": "None of your contracts has the reference {value}.",
    "no_contract": "Say which contract this falls under (contract_reference): you have more than one.",
    "scheme_not_in_contract": "{scheme} is not one of the schemes of contract {contract}.",
    "unknown_person": "No person with the reference {value} receives care from you under this contract.",
    "unknown_activity": "None of your activities is called {value} and starts at {start}.",
    "in_future": "{label} is in the future.",
    "before": "{label} is before {other}.",
    "duplicate": "Row {other} is the same record ({key}).",
    "already_recorded": "This is already recorded ({key}).",
    "decline_needs_reason": "A decline needs a reason and who declined.",
    "declined_by_only_declined": "Say who declined only when the decision is a decline.",
    "compliment_not_upheld": "A compliment is not upheld or not upheld: leave it empty.",
    "over_capacity": "{count} people attended, more than the activity's capacity of {capacity}.",
    "void_overlap": "Flat {flat} already has a void from {start}{end}.",
}


def rproblem(row, field_name, code, **params) -> Problem:
    return Problem(row, field_name, code, MESSAGES[code].format(**params))


DATE_UK = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def parse_date(value) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        return None
    m = DATE_ISO.match(text)
    parts = (m.group(1), m.group(2), m.group(3)) if m else None
    if parts is None and (m := DATE_UK.match(text)):
        parts = (m.group(3), m.group(2), m.group(1))
    try:
        if parts is None:
            raise ValueError
        day = dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError as exc:
        raise ParseError("bad_datetime", value=text) from exc
    return day


@dataclass(frozen=True)
class RecordColumn(Column):
    attr: str = ""  # the model attribute it sets (default: the column name)
    low: Decimal | int | None = None
    high: Decimal | int | None = None


def _parse(column: RecordColumn, value):
    kind = column.kind
    if kind == "datetime":
        return parse_datetime(value)
    if kind == "date":
        return parse_date(value)
    if kind == "bool":
        return parse_bool(value, column.default)
    if kind == "nbool":  # yes, no, or empty for "not decided"
        text = parse_text(value)
        return None if text == "" and not isinstance(value, bool) else parse_bool(value, None)
    if kind in ("int", "decimal"):
        text = parse_text(value)
        if text == "":
            return column.default
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if (
            number is None
            or (kind == "int" and number != number.to_integral_value())
            or not (column.low <= number <= column.high)
            or (kind == "decimal" and number.as_tuple().exponent < -2)
        ):
            raise ParseError("bad_int", value=text) from None
        return int(number) if kind == "int" else number.quantize(Decimal("0.01"))
    text = parse_text(value)
    if kind == "choice":
        text = text.lower()
        if text == "":
            return column.default if column.default is not None else ""
        if text not in column.choices:
            raise ParseError("bad_choice", value=text, choices=", ".join(column.choices))
        return text
    if column.max_length and len(text) > column.max_length:
        raise ParseError("too_long", max=column.max_length)
    return text


def _parse_message(column: RecordColumn, exc: ParseError) -> str:
    if exc.code == "bad_datetime" and column.kind == "date":
        return MESSAGES["bad_date"].format(value=exc.params["value"])
    if exc.code == "bad_int":
        return MESSAGES["bad_number"].format(value=exc.params["value"], low=column.low, high=column.high)
    if exc.code == "bad_bool":
        return f"“{exc.params['value']}” is not yes or no."
    return str(exc)


CONTRACT = RecordColumn(
    "contract_reference",
    "the contract reference",
    "text",
    False,
    60,
    help="Only if you hold more than one contract.",
)
SCHEME = RecordColumn("scheme", "the scheme", "text", True, 200, help="Its name, as on the portal.")
SCHEME_OPTIONAL = RecordColumn("scheme", "the scheme", "text", False, 200, help="Its name, as on the portal.")
PERSON = RecordColumn(
    "service_user_reference", "the person's reference", "text", False, 40, help="The council's reference."
)


@dataclass
class Row:
    row: int
    values: dict
    failed: set
    contract: Contract | None = None
    scheme: Scheme | None = None
    service_user: ServiceUser | None = None
    activity: Activity | None = None


class RecordSpec(UploadSpec):
    """A kind of operational record. Subclasses set the columns and implement `key`, `rules`,
    and where needed `resolve_extra` and `cross_rules`."""

    columns: tuple[RecordColumn, ...] = ()
    slug = ""
    has_contract = True
    has_scheme = True
    scheme_required = False
    has_person = True
    date_field = ""  # the day that picks the contract in force
    key_fields: tuple[str, ...] = ()
    key_label = ""
    list_fields: tuple[str, ...] = ()

    @property
    def list_url_name(self):  # noqa: D401 - a property for the shared upload pages
        return f"records:{self.slug}-list"

    # -- one row → instance ----------------------------------------------------------------------

    def parse(self, raw: dict, number: int) -> tuple[Row, list[Problem]]:
        values, failed, problems = {}, set(), []
        for column in self.columns:
            try:
                value = _parse(column, raw.get(column.name))
            except ParseError as exc:
                problems.append(Problem(number, column.name, exc.code, _parse_message(column, exc)))
                failed.add(column.name)
                continue
            if column.required and value in (None, ""):
                problems.append(problem(number, column.name, "required", label=column.label))
                failed.add(column.name)
                continue
            values[column.name] = value
        return Row(number, values, failed), problems

    def resolve(self, rows: list[Row], *, user) -> list[Problem]:
        """Set each row's contract, scheme and person from the names it gives (set-based)."""
        provider = user.organisation
        problems: list[Problem] = []
        contracts = list(scoped(Contract, user).filter(provider=provider).prefetch_related("schemes"))
        by_ref = {c.reference: c for c in contracts}
        scheme_names = {r.values.get("scheme") for r in rows if r.values.get("scheme")}
        schemes = defaultdict(list)
        for scheme in scoped(Scheme, user).filter(name__in=scheme_names):
            schemes[scheme.name].append(scheme)
        for r in rows:
            day = self.row_day(r)
            name = r.values.get("scheme")
            if name:
                found = schemes.get(name, [])
                if len(found) != 1:
                    problems.append(rproblem(r.row, "scheme", "unknown_scheme", value=name))
                else:
                    r.scheme = found[0]
            elif "scheme" in r.failed:
                continue
            ref = r.values.get("contract_reference")
            if ref:
                r.contract = by_ref.get(ref)
                if r.contract is None:
                    problems.append(rproblem(r.row, "contract_reference", "unknown_contract", value=ref))
                    continue
            elif name and r.scheme is None:
                continue  # the unknown scheme is reported already
            else:
                candidates = [c for c in contracts if r.scheme is None or r.scheme in c.schemes.all()]
                live = [c for c in candidates if day is None or c.is_live_on(day)]
                pick = live or candidates
                if len(pick) != 1:
                    problems.append(rproblem(r.row, "contract_reference", "no_contract"))
                    continue
                r.contract = pick[0]
            if r.scheme is not None and r.scheme not in r.contract.schemes.all():
                problems.append(
                    rproblem(
                        r.row,
                        "scheme",
                        "scheme_not_in_contract",
                        scheme=r.scheme.name,
                        contract=r.contract.reference,
                    )
                )
        refs = {
            r.values.get("service_user_reference") for r in rows if r.values.get("service_user_reference")
        }
        people = defaultdict(list)
        if refs:
            for person in scoped(ServiceUser, user).filter(reference__in=refs):
                people[person.reference].append(person)
        for r in rows:
            ref = r.values.get("service_user_reference")
            if not ref or r.contract is None:
                continue
            match = [p for p in people.get(ref, []) if p.commissioner_id == r.contract.commissioner_id]
            if len(match) != 1:
                problems.append(rproblem(r.row, "service_user_reference", "unknown_person", value=ref))
            else:
                r.service_user = match[0]
        problems.extend(self.resolve_extra(rows, user=user))
        return problems

    def resolve_extra(self, rows: list[Row], *, user) -> list[Problem]:
        return []

    def row_day(self, r: Row) -> dt.date | None:
        value = r.values.get(self.date_field)
        if isinstance(value, dt.datetime):
            return timezone.localtime(value, LONDON).date()
        return value

    def build(self, r: Row, existing):
        instance = existing if existing is not None else self.model()
        for column in self.columns:
            if column.name in (
                "contract_reference",
                "scheme",
                "service_user_reference",
            ) or column.name.startswith("activity_"):
                continue
            attr = column.attr or column.name
            if column.name in r.values:
                setattr(instance, attr, r.values[column.name])
        if self.has_contract:
            instance.contract = r.contract
            if self.has_scheme:
                instance.scheme = r.scheme
            if self.has_person:
                instance.service_user = r.service_user
            self.derive(instance)
        return instance

    def derive(self, instance):
        instance.fill_pair()

    # -- the rules -------------------------------------------------------------------------------

    def key(self, instance) -> tuple:
        return tuple(_plain(getattr(instance, f if not f.endswith("_id") else f)) for f in self.key_fields)

    def describe_key(self, instance) -> str:
        return self.key_label.format(
            **{f: getattr(instance, f) for f in self.key_fields if not f.endswith("_id")}
        )

    def rules(self, instance, *, now) -> list[tuple[str, str, dict]]:
        """(field, code, params) for one record; no database."""
        return []

    def cross_rules(self, items: list[tuple[int, object]], *, user) -> list[Problem]:
        return []

    def stored(self, instances, *, provider) -> dict:
        """{natural key: stored record} for the keys of `instances` (one query)."""
        keys = {self.key(i) for i in instances}
        if not keys:
            return {}
        q = Q()
        first = self.key_fields[0]
        values = {getattr(i, first) for i in instances}
        q = Q(**{f"{first}__in": values})
        return {self.key(s): s for s in self.base_queryset().filter(provider=provider).filter(q)}

    def base_queryset(self):
        return self.model.objects.all()

    def check(
        self, items: list[tuple[int, object]], *, user, now, editing: dict | None = None
    ) -> list[Problem]:
        """Every rule for these (row, instance) pairs: per record, across them, and against what is
        stored (a record already there with the same natural key). `editing` maps row → the pk being
        edited (forms and API updates)."""
        problems = []
        for row, instance in items:
            for field_name, code, params in self.rules(instance, now=now):
                problems.append(rproblem(row, field_name, code, **params))
        problems.extend(self.cross_rules(items, user=user))
        if editing is not None:
            stored = self.stored([i for _r, i in items], provider=user.organisation)
            for row, instance in items:
                other = stored.get(self.key(instance))
                if other is not None and other.pk != editing.get(row):
                    problems.append(
                        rproblem(
                            row,
                            self.key_fields[0].removesuffix("_id"),
                            "already_recorded",
                            key=self.describe_key(instance),
                        )
                    )
        return problems

    # -- the upload -------------------------------------------------------------------------------

    def prepare(self, rows, *, user, now, source):
        parsed, problems = [], []
        for number, raw in rows:
            r, p = self.parse(raw, number)
            parsed.append(r)
            problems.extend(p)
        problems.extend(self.resolve(parsed, user=user))
        bad = {p.row for p in problems}
        candidates = [(r, self.build(r, None)) for r in parsed if r.row not in bad]
        stored = self.stored([i for _r, i in candidates], provider=user.organisation)
        prepared: list[Prepared | None] = [None] * len(parsed)
        index = {r.row: n for n, r in enumerate(parsed)}
        seen: dict[tuple, int] = {}
        items = []
        for r, fresh in candidates:
            key = self.key(fresh)
            if key in seen:
                problems.append(
                    rproblem(
                        r.row,
                        self.key_fields[0].removesuffix("_id"),
                        "duplicate",
                        other=seen[key],
                        key=self.describe_key(fresh),
                    )
                )
                continue
            seen[key] = r.row
            existing = stored.get(key)
            before = self.snapshot(existing) if existing is not None else None
            instance = self.build(r, existing) if existing is not None else fresh
            items.append((r.row, instance))
            prepared[index[r.row]] = Prepared(
                row=r.row, instance=instance, is_new=existing is None, before=before
            )
        problems.extend(self.check(items, user=user, now=now))
        bad = {p.row for p in problems}
        prepared = [None if p is None or p.row in bad else p for p in prepared]
        problems.sort(key=lambda p: p.row)
        return prepared, problems

    def snapshot(self, instance) -> dict:
        """The compared fields as the audit trail stores them (related records by id, times in UTC)."""
        values = {}
        for name in self.compared_fields:
            field = instance._meta.get_field(name)
            value = getattr(instance, field.attname)
            if isinstance(value, dt.datetime):
                value = value.astimezone(dt.UTC)
            values[name] = audit._jsonable(value)
        return values


def _plain(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def _future(value, now) -> bool:
    if value is None:
        return False
    if isinstance(value, dt.datetime):
        return value > now + dt.timedelta(minutes=2)
    return value > timezone.localtime(now, LONDON).date()


def _d(value) -> str:
    return value.strftime("%d %b %Y") if isinstance(value, dt.date) else str(value)


# The kinds --------------------------------------------------------------------------------------


class AlarmCallSpec(RecordSpec):
    kind = UploadKind.ALARM_CALLS
    model = AlarmCall
    slug = "alarm-calls"
    title = "Upload alarm calls"
    noun_plural = "alarm calls"
    date_field = "raised_at"
    columns = (
        SCHEME,
        RecordColumn("flat", "the flat", "text", False, 20),
        PERSON,
        RecordColumn(
            "resident_is_customer",
            "whether the resident is a customer",
            "bool",
            default=True,
            help="yes or no (Derby).",
        ),
        RecordColumn(
            "raised_at", "when the call was raised", "datetime", True, help="UK time, e.g. 2026-04-01 23:14."
        ),
        RecordColumn("responded_at", "when staff responded", "datetime"),
        RecordColumn("outcome", "the outcome", "choice", True, choices=tuple(AlarmOutcome.values)),
        RecordColumn("notes", "notes", "text", False, 2000),
        CONTRACT,
    )
    key_fields = ("scheme_id", "flat", "raised_at")
    key_label = "flat {flat}, raised {raised_at:%d %b %Y %H:%M}"
    compared_fields = ("service_user", "resident_is_customer", "responded_at", "outcome", "notes", "contract")
    update_fields = (
        "service_user",
        "resident_is_customer",
        "responded_at",
        "response_seconds",
        "is_overnight",
        "outcome",
        "notes",
        "contract",
        "commissioner",
        "provider",
        "updated_at",
    )
    examples = (
        {
            "scheme": "Barley Court",
            "flat": "12",
            "service_user_reference": "",
            "resident_is_customer": "yes",
            "raised_at": "2026-04-01 23:14",
            "responded_at": "2026-04-01 23:19",
            "outcome": "fall_assisted",
        },
    )
    guidance = (
        "One row per call. Derby measures the share answered within 10 minutes; overnight is 22:00 to 07:00.",
        "outcome is one of: " + ", ".join(AlarmOutcome.values) + ".",
    )

    def describe_key(self, instance):
        raised = timezone.localtime(instance.raised_at, LONDON)
        return f"flat {instance.flat or '(none)'}, raised {raised:%d %b %Y %H:%M}"

    def key(self, instance):
        return (instance.scheme_id, instance.flat, _plain(instance.raised_at))

    def derive(self, instance):
        instance.fill_derived()

    def stored(self, instances, *, provider):
        schemes = {i.scheme_id for i in instances}
        times = [i.raised_at for i in instances if i.raised_at]
        if not times:
            return {}
        qs = AlarmCall.objects.filter(
            provider=provider, scheme_id__in=schemes, raised_at__gte=min(times), raised_at__lte=max(times)
        )
        return {self.key(s): s for s in qs}

    def rules(self, call, *, now):
        out = []
        if call.responded_at and call.raised_at and call.responded_at < call.raised_at:
            out.append(("responded_at", "before", {"label": "The response", "other": "the call"}))
        for name, label in (("raised_at", "The call"), ("responded_at", "The response")):
            if _future(getattr(call, name), now):
                out.append((name, "in_future", {"label": label}))
        return out


class ComplaintSpec(RecordSpec):
    kind = UploadKind.COMPLAINTS
    model = Complaint
    slug = "complaints"
    title = "Upload complaints, concerns and compliments"
    noun_plural = "complaints"
    date_field = "received_on"
    columns = (
        RecordColumn("reference", "your reference", "text", True, 40),
        RecordColumn("kind", "the kind", "choice", choices=tuple(ComplaintKind.values), default="complaint"),
        SCHEME_OPTIONAL,
        PERSON,
        RecordColumn("received_on", "the day it was received", "date", True),
        RecordColumn("summary", "a summary", "text", True, 4000),
        RecordColumn("upheld", "whether it was upheld", "nbool", help="yes, no, or empty until decided."),
        RecordColumn("outcome", "the outcome", "text", False, 4000),
        RecordColumn("closed_on", "the day it was closed", "date"),
        RecordColumn("response_sent_to_council_on", "the day the response went to the council", "date"),
        CONTRACT,
    )
    key_fields = ("reference",)
    key_label = "reference {reference}"
    compared_fields = (
        "kind",
        "scheme",
        "service_user",
        "received_on",
        "summary",
        "upheld",
        "outcome",
        "closed_on",
        "response_sent_to_council_on",
        "contract",
    )
    update_fields = compared_fields + ("commissioner", "provider", "updated_at")
    examples = (
        {
            "reference": "CMP-0042",
            "kind": "complaint",
            "scheme": "Barley Court",
            "received_on": "2026-04-03",
            "summary": "Tea-time visit late three days running",
            "upheld": "yes",
            "closed_on": "2026-04-10",
            "response_sent_to_council_on": "2026-04-10",
        },
    )
    guidance = ("Norfolk: complaint information reaches the council within 10 working days [004 §8.5.5].",)

    def rules(self, c, *, now):
        out = []
        for name, label in (
            ("closed_on", "The closing day"),
            ("response_sent_to_council_on", "The response to the council"),
        ):
            value = getattr(c, name)
            if value and c.received_on and value < c.received_on:
                out.append((name, "before", {"label": label, "other": "the day it was received"}))
        for name, label in (
            ("received_on", "The day received"),
            ("closed_on", "The closing day"),
            ("response_sent_to_council_on", "The response day"),
        ):
            if _future(getattr(c, name), now):
                out.append((name, "in_future", {"label": label}))
        if c.kind == ComplaintKind.COMPLIMENT and c.upheld is not None:
            out.append(("upheld", "compliment_not_upheld", {}))
        return out


class SafeguardingSpec(RecordSpec):
    kind = UploadKind.SAFEGUARDING
    model = SafeguardingIncident
    slug = "safeguarding"
    title = "Upload safeguarding incidents"
    noun_plural = "safeguarding incidents"
    date_field = "occurred_on"
    columns = (
        RecordColumn("reference", "your reference", "text", True, 40),
        SCHEME_OPTIONAL,
        PERSON,
        RecordColumn("occurred_on", "the day it happened", "date", True),
        RecordColumn("reported_to_council_on", "the day it was reported to the council", "date"),
        RecordColumn(
            "category", "the category", "choice", True, choices=tuple(SafeguardingIncident.Category.values)
        ),
        RecordColumn("summary", "a summary", "text", True, 4000),
        RecordColumn("outcome", "the outcome", "text", False, 4000),
        CONTRACT,
    )
    key_fields = ("reference",)
    key_label = "reference {reference}"
    compared_fields = (
        "scheme",
        "service_user",
        "occurred_on",
        "reported_to_council_on",
        "category",
        "summary",
        "outcome",
        "contract",
    )
    update_fields = compared_fields + ("commissioner", "provider", "updated_at")
    examples = (
        {
            "reference": "SG-0007",
            "scheme": "Barley Court",
            "occurred_on": "2026-05-02",
            "reported_to_council_on": "2026-05-02",
            "category": "medication",
            "summary": "Evening medication given twice",
        },
    )

    def rules(self, s, *, now):
        out = []
        if s.reported_to_council_on and s.occurred_on and s.reported_to_council_on < s.occurred_on:
            out.append(("reported_to_council_on", "before", {"label": "The report", "other": "the incident"}))
        for name, label in (("occurred_on", "The incident"), ("reported_to_council_on", "The report")):
            if _future(getattr(s, name), now):
                out.append((name, "in_future", {"label": label}))
        return out


class SurveySpec(RecordSpec):
    kind = UploadKind.SURVEYS
    model = SurveyResponse
    slug = "surveys"
    title = "Upload satisfaction survey responses"
    noun_plural = "survey responses"
    date_field = "responded_on"
    columns = (
        RecordColumn("reference", "the survey form's reference", "text", True, 40),
        SCHEME_OPTIONAL,
        PERSON,
        RecordColumn("responded_on", "the day of the response", "date", True),
        RecordColumn("satisfied", "whether the resident is satisfied", "bool", True, default=None),
        RecordColumn("comments", "comments", "text", False, 4000),
        CONTRACT,
    )
    key_fields = ("reference",)
    key_label = "reference {reference}"
    compared_fields = ("scheme", "service_user", "responded_on", "satisfied", "comments", "contract")
    update_fields = compared_fields + ("commissioner", "provider", "updated_at")
    examples = (
        {
            "reference": "SUR-2026Q1-017",
            "scheme": "Barley Court",
            "responded_on": "2026-06-15",
            "satisfied": "yes",
            "comments": "Staff are kind",
        },
    )
    guidance = ("Norfolk's target: 90% of respondents satisfied [004 App. 4].",)

    def rules(self, s, *, now):
        return (
            [("responded_on", "in_future", {"label": "The response"})] if _future(s.responded_on, now) else []
        )


class VoidSpec(RecordSpec):
    kind = UploadKind.VOIDS
    model = Void
    slug = "voids"
    title = "Upload voids"
    noun_plural = "voids"
    has_person = False
    date_field = "start_date"
    columns = (
        SCHEME,
        RecordColumn("flat", "the flat", "text", True, 20),
        RecordColumn("status", "pending or actual", "choice", True, choices=tuple(VoidStatus.values)),
        RecordColumn("start_date", "the first day", "date", True),
        RecordColumn("end_date", "the day it was let again", "date"),
        RecordColumn("reason", "the reason", "text", False, 200),
        CONTRACT,
    )
    key_fields = ("scheme_id", "flat", "start_date")
    compared_fields = ("status", "end_date", "reason", "contract")
    update_fields = compared_fields + ("commissioner", "provider", "updated_at")
    examples = (
        {
            "scheme": "Barley Court",
            "flat": "7",
            "status": "actual",
            "start_date": "2026-05-01",
            "end_date": "2026-06-12",
            "reason": "Tenant moved to nursing care",
        },
    )

    def describe_key(self, v):
        return f"flat {v.flat} from {_d(v.start_date)}"

    def key(self, v):
        return (v.scheme_id, v.flat, v.start_date)

    def rules(self, v, *, now):
        out = []
        if v.end_date and v.start_date and v.end_date < v.start_date:
            out.append(("end_date", "before", {"label": "The day it was let", "other": "the first day"}))
        if _future(v.end_date, now):
            out.append(("end_date", "in_future", {"label": "The day it was let"}))
        return out

    def cross_rules(self, items, *, user):
        """A flat cannot have two voids at once (across the submission and what is stored)."""
        if not items:
            return []
        flats = {(i.scheme_id, i.flat) for _r, i in items}
        stored = Void.objects.filter(
            provider=user.organisation, scheme_id__in={s for s, _f in flats}, flat__in={f for _s, f in flats}
        )
        replaced = {i.pk for _r, i in items if i.pk}
        spans = defaultdict(list)
        for v in stored:
            if v.pk not in replaced:
                spans[(v.scheme_id, v.flat)].append((v.start_date, v.end_date, None))
        for row, v in items:
            spans[(v.scheme_id, v.flat)].append((v.start_date, v.end_date, row))
        problems = []
        for (_s, flat), entries in spans.items():
            entries.sort(key=lambda e: (e[0], e[2] or 0))
            for a, b in zip(entries, entries[1:], strict=False):
                if a[1] is None or a[1] >= b[0]:
                    row = b[2] if b[2] is not None else a[2]
                    if row is not None:
                        end = f" to {_d(a[1])}" if a[1] else ", still empty"
                        problems.append(
                            rproblem(row, "start_date", "void_overlap", flat=flat, start=_d(a[0]), end=end)
                        )
        return problems


class NominationSpec(RecordSpec):
    kind = UploadKind.NOMINATIONS
    model = NominationDecision
    slug = "nominations"
    title = "Upload nominations panel decisions"
    noun_plural = "nominations decisions"
    has_person = False
    date_field = "panel_date"
    columns = (
        SCHEME,
        RecordColumn("panel_date", "the panel's date", "date", True),
        RecordColumn("applicant_reference", "the applicant's reference", "text", True, 40),
        RecordColumn("applicant_age", "the applicant's age", "int", True, low=0, high=120),
        RecordColumn(
            "assessed_care_hours_per_week",
            "the assessed care hours a week",
            "decimal",
            True,
            low=Decimal(0),
            high=Decimal(168),
        ),
        RecordColumn("has_housing_need", "whether there is a housing need", "bool", default=True),
        RecordColumn(
            "decision", "the decision", "choice", True, choices=tuple(NominationDecision.Decision.values)
        ),
        RecordColumn(
            "declined_by",
            "who declined",
            "choice",
            choices=tuple(NominationDecision.DeclinedBy.values),
            default="",
        ),
        RecordColumn("reason", "the reason", "text", False, 4000),
        CONTRACT,
    )
    key_fields = ("scheme_id", "panel_date", "applicant_reference")
    compared_fields = (
        "applicant_age",
        "assessed_care_hours_per_week",
        "has_housing_need",
        "decision",
        "declined_by",
        "reason",
        "contract",
    )
    update_fields = compared_fields + ("commissioner", "provider", "updated_at")
    examples = (
        {
            "scheme": "Barley Court",
            "panel_date": "2026-04-14",
            "applicant_reference": "NOM-311",
            "applicant_age": 78,
            "assessed_care_hours_per_week": "10.5",
            "has_housing_need": "yes",
            "decision": "accepted",
        },
    )
    guidance = (
        "Norfolk's panel meets monthly: applicants over 55 with more than 4 hours of care a week; every decline "
        "has a reason [004 App. 5].",
    )

    def describe_key(self, n):
        return f"{n.applicant_reference} at the panel of {_d(n.panel_date)}"

    def key(self, n):
        return (n.scheme_id, n.panel_date, n.applicant_reference)

    def rules(self, n, *, now):
        out = []
        if n.decision == NominationDecision.Decision.DECLINED and (not n.reason or not n.declined_by):
            out.append(("reason" if not n.reason else "declined_by", "decline_needs_reason", {}))
        if n.decision != NominationDecision.Decision.DECLINED and n.declined_by:
            out.append(("declined_by", "declined_by_only_declined", {}))
        if _future(n.panel_date, now):
            out.append(("panel_date", "in_future", {"label": "The panel's date"}))
        return out


class ActivitySpec(RecordSpec):
    kind = UploadKind.ACTIVITIES
    model = Activity
    slug = "activities"
    title = "Upload activities"
    noun_plural = "activities"
    has_person = False
    date_field = "starts_at"
    columns = (
        RecordColumn("title", "the title", "text", True, 200),
        RecordColumn("kind", "the kind", "choice", True, choices=tuple(ActivityKind.values)),
        RecordColumn("description", "a description", "text", False, 4000),
        SCHEME_OPTIONAL,
        RecordColumn("location", "where it is", "text", True, 200),
        RecordColumn("starts_at", "when it starts", "datetime", True),
        RecordColumn("ends_at", "when it ends", "datetime", True),
        RecordColumn("capacity", "how many can come", "int", True, low=1, high=1000),
        RecordColumn("is_new_choice", "whether it widens the choice of activities", "bool", default=False),
        CONTRACT,
    )
    key_fields = ("title", "starts_at")
    compared_fields = (
        "kind",
        "description",
        "scheme",
        "location",
        "ends_at",
        "capacity",
        "is_new_choice",
        "contract",
    )
    update_fields = compared_fields + ("commissioner", "provider", "updated_at")
    examples = (
        {
            "title": "Swimming at Sandford Park",
            "kind": "short_break",
            "location": "Sandford Park, Wareham",
            "starts_at": "2026-05-09 10:00",
            "ends_at": "2026-05-09 12:00",
            "capacity": 8,
            "is_new_choice": "yes",
        },
    )
    guidance = (
        "Dorset Lot 9 short breaks for disabled children (children's R3–R5) and Derby's wellbeing activities.",
    )

    def describe_key(self, a):
        return f"{a.title} at {timezone.localtime(a.starts_at, LONDON):%d %b %Y %H:%M}"

    def key(self, a):
        return (a.title, _plain(a.starts_at))

    def stored(self, instances, *, provider):
        titles = {i.title for i in instances}
        return {self.key(a): a for a in Activity.objects.filter(provider=provider, title__in=titles)}

    def rules(self, a, *, now):
        if a.starts_at and a.ends_at and a.ends_at <= a.starts_at:
            return [("ends_at", "before", {"label": "The end", "other": "the start"})]
        return []


class AttendanceSpec(RecordSpec):
    kind = UploadKind.ATTENDANCE
    model = ActivityAttendance
    slug = "attendance"
    title = "Upload attendance"
    noun_plural = "attendance"
    has_contract = False
    columns = (
        RecordColumn("activity_title", "the activity's title", "text", True, 200),
        RecordColumn("activity_starts_at", "when the activity starts", "datetime", True),
        RecordColumn("service_user_reference", "the person's reference", "text", True, 40),
        RecordColumn("attended", "whether they came", "bool", default=True),
    )
    key_fields = ("activity_id", "service_user_id")
    compared_fields = ("attended",)
    update_fields = ("attended",)
    examples = (
        {
            "activity_title": "Swimming at Sandford Park",
            "activity_starts_at": "2026-05-09 10:00",
            "service_user_reference": "DC-20417",
            "attended": "yes",
        },
    )

    def describe_key(self, a):
        return f"{a.service_user.reference} at {a.activity.title}"

    def key(self, a):
        return (a.activity_id, a.service_user_id)

    def resolve(self, rows, *, user):
        problems = []
        titles = {r.values.get("activity_title") for r in rows if r.values.get("activity_title")}
        activities = {
            (a.title, _plain(a.starts_at)): a
            for a in scoped(Activity, user).filter(provider=user.organisation, title__in=titles)
        }
        for r in rows:
            if "activity_title" in r.failed or "activity_starts_at" in r.failed:
                continue
            r.activity = activities.get(
                (r.values.get("activity_title"), _plain(r.values.get("activity_starts_at")))
            )
            if r.activity is None:
                start = timezone.localtime(r.values["activity_starts_at"], LONDON)
                problems.append(
                    rproblem(
                        r.row,
                        "activity_title",
                        "unknown_activity",
                        value=r.values.get("activity_title"),
                        start=f"{start:%d %b %Y %H:%M}",
                    )
                )
        refs = {
            r.values.get("service_user_reference") for r in rows if r.values.get("service_user_reference")
        }
        people = defaultdict(list)
        for person in scoped(ServiceUser, user).filter(reference__in=refs):
            people[person.reference].append(person)
        for r in rows:
            ref = r.values.get("service_user_reference")
            if r.activity is None or not ref:
                continue
            match = [p for p in people.get(ref, []) if p.commissioner_id == r.activity.commissioner_id]
            if len(match) != 1:
                problems.append(rproblem(r.row, "service_user_reference", "unknown_person", value=ref))
            else:
                r.service_user = match[0]
        return problems

    def build(self, r, existing):
        instance = existing if existing is not None else ActivityAttendance()
        instance.activity = r.activity
        instance.service_user = r.service_user
        instance.attended = r.values.get("attended", True)
        return instance

    def stored(self, instances, *, provider):
        activities = {i.activity_id for i in instances}
        return {
            self.key(a): a
            for a in ActivityAttendance.objects.filter(activity_id__in=activities).select_related(
                "activity", "service_user"
            )
        }

    def cross_rules(self, items, *, user):
        """No more people attend than the activity has room for."""
        from django.db.models import Count

        by_activity = defaultdict(list)
        for row, a in items:
            by_activity[a.activity_id].append((row, a))
        replaced = {a.pk for _r, a in items if a.pk}
        stored = dict(
            ActivityAttendance.objects.filter(activity_id__in=by_activity, attended=True)
            .exclude(pk__in=replaced)
            .values_list("activity_id")
            .annotate(n=Count("id"))
        )
        problems = []
        for activity_id, entries in by_activity.items():
            activity = entries[0][1].activity
            count = stored.get(activity_id, 0) + sum(1 for _r, a in entries if a.attended)
            if count > activity.capacity:
                row = max(r for r, a in entries if a.attended)
                problems.append(
                    rproblem(row, "attended", "over_capacity", count=count, capacity=activity.capacity)
                )
        return problems


SPECS = {
    spec.kind: register(spec)
    for spec in (
        AlarmCallSpec(),
        ComplaintSpec(),
        SafeguardingSpec(),
        SurveySpec(),
        VoidSpec(),
        NominationSpec(),
        ActivitySpec(),
        AttendanceSpec(),
    )
}
BY_SLUG = {spec.slug: spec for spec in SPECS.values()}
for _spec in SPECS.values():
    _spec.list_url = reverse_lazy(f"records:{_spec.slug}-list")
