"""How a kind of operational record is declared once, and the one validation path behind each
record's form, spreadsheet upload and API (`RecordSpec.check`).

A kind lists its fields (`Field`) in the order of its upload's columns. From that one list come
the upload's columns (a related record is named: the scheme by name, the contract and the person
by reference), the form's fields (`records.forms`), the serializer's fields
(`records.api.serializers`), and the fields compared to tell a changed row from an unchanged one.
What a column holds (text, a date, a choice…), its length and whether it is needed are read from
the model field unless the kind says otherwise.

Every record falls under a contract (so it belongs to a council–provider pair). A row names its
scheme by name and, where that does not settle it, the contract by reference; a provider with one
contract in force need give neither. People are named by the council's reference.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, ClassVar

from django.db import models
from django.utils import timezone

from packages_of_care.models import ServiceUser
from portal.tenancy import scoped
from portal.uploads.columns import LONDON, Column, Messages, Problem, day_text, parse_row, when_text
from portal.uploads.specs import Prepared, UploadSpec
from schemes.models import Contract, Scheme

from .models import Activity

MESSAGES = Messages(
    {
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
)

#: Related records a row names rather than gives by id: the upload's column(s) for each. (The
#: contract is never needed: a provider with one contract in force need not say which.)
NAMED = {
    "contract": (
        Column(
            "contract_reference",
            "the contract reference",
            max_length=60,
            help="Only if you hold more than one contract.",
        ),
    ),
    "scheme": (Column("scheme", "the scheme", max_length=200, help="Its name, as on the portal."),),
    "service_user": (
        Column(
            "service_user_reference", "the person's reference", max_length=40, help="The council's reference."
        ),
    ),
    "activity": (
        Column("activity_title", "the activity's title", "text", True, 200),
        Column("activity_starts_at", "when the activity starts", "datetime", True),
    ),
}


@dataclass(frozen=True)
class Field:
    """One field of a kind, declared once: the model field, its upload column's label, and what
    the model field does not say (a text field's upload limit, a number's range, a column needed
    though the model allows it empty, the form's label)."""

    name: str
    label: str = ""
    required: bool | None = None  # default: the model field's
    max_length: int | None = None  # default: the model field's
    low: int | Decimal | None = None
    high: int | Decimal | None = None
    help: str = ""
    form_label: str = ""


def column_for(model: type[models.Model], f: Field) -> tuple[Column, ...]:
    """The upload column(s) of a field, read from the model field and the declaration."""
    model_field = model._meta.get_field(f.name)
    required = f.required
    if required is None:
        if model_field.is_relation:
            required = not model_field.null
        elif isinstance(model_field, models.BooleanField):
            required = not model_field.null and not model_field.has_default()
        else:
            required = not model_field.blank and not model_field.has_default()
    if f.name in NAMED:
        columns = NAMED[f.name]
        if len(columns) == 1 and f.name != "contract":
            return (replace(columns[0], required=required),)
        return columns
    default = model_field.default if model_field.has_default() else None
    kind, choices = "text", ()
    if model_field.choices:
        kind, choices = "choice", tuple(str(value) for value, _label in model_field.flatchoices)
        default = default if default is not None else ""
    elif isinstance(model_field, models.BooleanField):
        kind = "nbool" if model_field.null else "bool"
    elif isinstance(model_field, models.DateTimeField):
        kind = "datetime"
    elif isinstance(model_field, models.DateField):
        kind = "date"
    elif isinstance(model_field, models.DecimalField):
        kind = "decimal"
    elif isinstance(model_field, models.IntegerField):
        kind = "int"
    max_length = f.max_length or (getattr(model_field, "max_length", None) if kind == "text" else None)
    return (
        Column(
            f.name,
            f.label,
            kind,
            required,
            max_length,
            choices,
            default,
            f.help,
            f.low,
            f.high,
        ),
    )


@dataclass
class Row:
    row: int
    values: dict[str, Any]
    failed: set[str]
    contract: Contract | None = None
    scheme: Scheme | None = None
    service_user: ServiceUser | None = None
    activity: Activity | None = None


def plain(value: Any) -> Any:
    """A natural key's part as it compares: a related record by id, a time in UTC."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, models.Model):
        return value.pk
    return value


def shown(value: Any) -> Any:
    """A natural key's part as a message shows it."""
    if isinstance(value, dt.datetime):
        return when_text(value)
    if isinstance(value, dt.date):
        return day_text(value)
    if value == "":
        return "(none)"
    return value


def in_future(value: dt.date | dt.datetime | None, now: dt.datetime) -> bool:
    if value is None:
        return False
    if isinstance(value, dt.datetime):
        return value > now + dt.timedelta(minutes=2)
    return value > timezone.localtime(now, LONDON).date()


class RecordSpec(UploadSpec):
    """A kind of operational record. Subclasses declare `fields` and the natural `key`, and
    implement `rules` (and where needed `resolve_extra` and `cross_rules`)."""

    fields: ClassVar[tuple[Field, ...]] = ()
    #: the natural key, as model fields: sending the same rows again changes nothing
    key: ClassVar[tuple[str, ...]] = ()
    #: how a message names a record by its key (default: "reference {reference}" for a key of one field)
    key_label: ClassVar[str] = ""
    #: fields the model works out itself (the API shows them, read-only)
    derived: ClassVar[tuple[str, ...]] = ()
    #: (field, label, the field it may not be before, its label): "{label} is before {other}."
    not_before: ClassVar[tuple[tuple[str, str, str, str], ...]] = ()
    #: {field: label}: "{label} is in the future."
    not_future: ClassVar[dict[str, str]] = {}
    slug: ClassVar[str] = ""  # default: the kind, with hyphens
    date_field: ClassVar[str] = ""  # the day that picks the contract in force
    provider_lookup: ClassVar[str] = "provider"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.fields:
            return
        cls.slug = cls.slug or cls.kind.replace("_", "-")
        cls.label = cls.label or cls.noun_plural.capitalize()
        cls.title = cls.title or f"Upload {cls.noun_plural}"
        names = [f.name for f in cls.fields]
        cls.columns = tuple(c for f in cls.fields for c in column_for(cls.model, f))
        cls.compared_fields = tuple(n for n in names if n not in cls.key)
        pair = ("commissioner", "provider", "updated_at") if "contract" in names else ()
        cls.update_fields = cls.compared_fields + cls.derived + pair
        cls.list_url_name = f"records:{cls.slug}-list"
        cls.upload_url_name = f"records:{cls.slug}-upload"
        cls.template_url_name = f"records:{cls.slug}-template"

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def has_contract(self) -> bool:
        return "contract" in self.field_names

    # -- one row → instance ----------------------------------------------------------------------

    def resolve(self, rows: list[Row], *, user: Any) -> list[Problem]:
        """Set each row's contract, scheme and person from the names it gives (set-based)."""
        problems: list[Problem] = []
        contracts = list(
            scoped(Contract, user).filter(provider=user.organisation).prefetch_related("schemes")
        )
        by_ref = {c.reference: c for c in contracts}
        scheme_names = {r.values.get("scheme") for r in rows if r.values.get("scheme")}
        schemes = defaultdict(list)
        for scheme in scoped(Scheme, user).filter(name__in=scheme_names):
            schemes[scheme.name].append(scheme)
        for r in rows:
            name = r.values.get("scheme")
            if name:
                found = schemes.get(name, [])
                if len(found) != 1:
                    problems.append(MESSAGES.problem(r.row, "scheme", "unknown_scheme", value=name))
                else:
                    r.scheme = found[0]
            elif "scheme" in r.failed:
                continue
            ref = r.values.get("contract_reference")
            if ref:
                r.contract = by_ref.get(ref)
                if r.contract is None:
                    problems.append(
                        MESSAGES.problem(r.row, "contract_reference", "unknown_contract", value=ref)
                    )
                    continue
            elif name and r.scheme is None:
                continue  # the unknown scheme is reported already
            else:
                day = self.row_day(r)
                candidates = [c for c in contracts if r.scheme is None or r.scheme in c.schemes.all()]
                pick = [c for c in candidates if day is None or c.is_live_on(day)] or candidates
                if len(pick) != 1:
                    problems.append(MESSAGES.problem(r.row, "contract_reference", "no_contract"))
                    continue
                r.contract = pick[0]
            if r.scheme is not None and r.scheme not in r.contract.schemes.all():
                problems.append(
                    MESSAGES.problem(
                        r.row,
                        "scheme",
                        "scheme_not_in_contract",
                        scheme=r.scheme.name,
                        contract=r.contract.reference,
                    )
                )
        problems += self.resolve_people(rows, user=user, commissioner=lambda r: r.contract)
        problems.extend(self.resolve_extra(rows, user=user))
        return problems

    def resolve_people(self, rows: list[Row], *, user: Any, commissioner: Any) -> list[Problem]:
        """Each row's person, by reference, among the council's (`commissioner(row)` has it)."""
        refs = {
            r.values.get("service_user_reference") for r in rows if r.values.get("service_user_reference")
        }
        people = defaultdict(list)
        if refs:
            for person in scoped(ServiceUser, user).filter(reference__in=refs):
                people[person.reference].append(person)
        problems = []
        for r in rows:
            ref = r.values.get("service_user_reference")
            owner = commissioner(r)
            if not ref or owner is None:
                continue
            match = [p for p in people.get(ref, []) if p.commissioner_id == owner.commissioner_id]
            if len(match) != 1:
                problems.append(
                    MESSAGES.problem(r.row, "service_user_reference", "unknown_person", value=ref)
                )
            else:
                r.service_user = match[0]
        return problems

    def resolve_extra(self, rows: list[Row], *, user: Any) -> list[Problem]:
        return []

    def row_day(self, r: Row) -> dt.date | None:
        value = r.values.get(self.date_field)
        if isinstance(value, dt.datetime):
            return timezone.localtime(value, LONDON).date()
        return value

    def build(self, r: Row, existing: Any) -> Any:
        instance = existing if existing is not None else self.model()
        for f in self.fields:
            if f.name in NAMED:
                setattr(instance, f.name, getattr(r, f.name))
            elif f.name in r.values:
                setattr(instance, f.name, r.values[f.name])
        if self.has_contract:
            self.derive(instance)
        return instance

    def derive(self, instance: Any) -> None:
        instance.fill_pair()

    # -- the rules -------------------------------------------------------------------------------

    def natural_key(self, instance: Any) -> tuple[Any, ...]:
        return tuple(plain(getattr(instance, name)) for name in self.key)

    def describe_key(self, instance: Any) -> str:
        label = self.key_label or ", ".join(
            f"{name} {{{name}}}" for name in self.key
        )  # "reference {reference}"
        return label.format_map({name: shown(getattr(instance, name)) for name in self.key})

    def rules(self, instance: Any, *, now: dt.datetime) -> list[tuple[str, str, dict[str, Any]]]:
        """(field, code, params) for one record; no database."""
        out: list[tuple[str, str, dict[str, Any]]] = []
        for name, label, other, other_label in self.not_before:
            value, limit = getattr(instance, name), getattr(instance, other)
            if value and limit and value < limit:
                out.append((name, "before", {"label": label, "other": other_label}))
        for name, label in self.not_future.items():
            if in_future(getattr(instance, name), now):
                out.append((name, "in_future", {"label": label}))
        return out + self.kind_rules(instance)

    def kind_rules(self, instance: Any) -> list[tuple[str, str, dict[str, Any]]]:
        """The kind's own rules, beyond the order of its dates."""
        return []

    def cross_rules(self, items: list[tuple[int, Any]], *, user: Any) -> list[Problem]:
        return []

    def stored(self, instances: list[Any], *, user: Any) -> dict[tuple[Any, ...], Any]:
        """{natural key: stored record} for the keys of `instances` (one query)."""
        if not instances:
            return {}
        within = {
            f"{name}__in": {
                getattr(i, name + "_id" if i._meta.get_field(name).is_relation else name) for i in instances
            }
            for name in self.key
        }
        found = self.model.objects.filter(**{self.provider_lookup: user.organisation}, **within)
        return {self.natural_key(s): s for s in found}

    def check(
        self,
        items: list[tuple[int, Any]],
        *,
        user: Any,
        now: dt.datetime,
        editing: dict[int, Any] | None = None,
    ) -> list[Problem]:
        """Every rule for these (row, instance) pairs: per record, across them, and against what is
        stored (a record already there with the same natural key). `editing` maps row → the pk being
        edited (forms and API updates)."""
        problems = []
        for row, instance in items:
            for field_name, code, params in self.rules(instance, now=now):
                problems.append(MESSAGES.problem(row, field_name, code, **params))
        problems.extend(self.cross_rules(items, user=user))
        if editing is not None:
            stored = self.stored([i for _r, i in items], user=user)
            for row, instance in items:
                other = stored.get(self.natural_key(instance))
                if other is not None and other.pk != editing.get(row):
                    key = self.describe_key(instance)
                    problems.append(MESSAGES.problem(row, self.key_column, "already_recorded", key=key))
        return problems

    @property
    def key_column(self) -> str:
        """Where a problem with the natural key is shown: the key's first field."""
        return self.key[0]

    # -- the upload -------------------------------------------------------------------------------

    def prepare(
        self, rows: list[tuple[int, dict[str, Any]]], *, user: Any, now: dt.datetime, source: str
    ) -> tuple[list[Prepared | None], list[Problem]]:
        parsed, problems = [], []
        for number, raw in rows:
            read, found = parse_row(self.columns, raw, number)
            parsed.append(Row(read.row, read.values, read.failed))
            problems.extend(found)
        problems.extend(self.resolve(parsed, user=user))
        bad = {p.row for p in problems}
        candidates = [(r, self.build(r, None)) for r in parsed if r.row not in bad]
        stored = self.stored([i for _r, i in candidates], user=user)
        prepared: list[Prepared | None] = [None] * len(parsed)
        index = {r.row: n for n, r in enumerate(parsed)}
        seen: dict[tuple[Any, ...], int] = {}
        items = []
        for r, fresh in candidates:
            key = self.natural_key(fresh)
            if key in seen:
                problems.append(
                    MESSAGES.problem(
                        r.row, self.key_column, "duplicate", other=seen[key], key=self.describe_key(fresh)
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
        problems.sort(key=lambda p: p.row)
        return [None if p is None or p.row in bad else p for p in prepared], problems
