"""Reads for KPI returns, already scoped to the user; aggregation stays in SQL.

`QuarterBatch` computes a quarter's figures for a batch of contracts (one provider's, or a run's
hundred providers'): every source declared in `kpis.measures` is one grouped query for the whole
batch and window, whatever the number of contracts; the formulas in `kpis.rules` turn each
contract's (or scheme's) tallies into figures. `value_records` lists the records behind a figure
from the same declarations.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import TruncDate
from django.db.models.sql import Query
from django.db.models.sql.constants import SINGLE

from packages_of_care.models import OrderVersion
from portal.models import Organisation, User
from portal.tenancy import scoped
from records.models import PammsAssessment
from schemes.models import Contract, Scheme

from . import declarations, measures, rules
from .declarations import LONDON, Measure, Period, Reader, Source
from .measures import KPIS
from .models import CommentKind, KpiDefinition, KpiReturn, KpiValue, Obtained, ReturnComment
from .quarters import Quarter

TREND_QUARTERS = 8


def returns_for(user: User) -> QuerySet[KpiReturn]:
    return scoped(KpiReturn, user).select_related("contract", "commissioner", "provider", "lot")


def return_values(user: User, kpi_return: KpiReturn) -> QuerySet[KpiValue]:
    comments = scoped(ReturnComment, user).select_related("author", "author_organisation")
    return (
        scoped(KpiValue, user)
        .filter(kpi_return=kpi_return)
        .select_related("definition", "scheme", "entered_by")
        .prefetch_related(Prefetch("comments", queryset=comments, to_attr="thread"))
        .order_by("definition__position", "definition__code", "scheme__name")
    )


def revisions_of(user: User, kpi_return: KpiReturn) -> QuerySet[KpiReturn]:
    return (
        returns_for(user)
        .filter(contract=kpi_return.contract, quarter=kpi_return.quarter)
        .order_by("-revision")
    )


def contracts_with_kpis(user: User) -> QuerySet[Contract]:
    return (
        scoped(Contract, user)
        .filter(lot__kpi_definitions__isnull=False)
        .distinct()
        .select_related("provider", "commissioner", "lot")
        .prefetch_related("schemes")
        .order_by("commissioner__name", "provider__name", "reference")
    )


@dataclass
class TableRow:
    definition: KpiDefinition
    scheme: Scheme | None
    cells: list[KpiValue | None] = field(default_factory=list)  # one per quarter


def quarter_table(
    user: User, contract: Contract, scheme: Scheme | None, quarters: list[Quarter]
) -> list[TableRow]:
    """KPIs down, quarters across: the latest revision's value for each, in two queries."""
    definitions = list(
        scoped(KpiDefinition, user).filter(lot=contract.lot_id, is_active=True).order_by("position", "code")
    )
    labels = [q.label for q in quarters]
    scheme_q = Q(scheme__isnull=True) | (Q(scheme=scheme) if scheme is not None else Q(pk__in=[]))
    values = (
        scoped(KpiValue, user)
        .filter(kpi_return__contract=contract, kpi_return__is_latest=True, kpi_return__quarter__in=labels)
        .filter(scheme_q)
        .select_related("kpi_return", "definition")
    )
    by_key = {(v.definition_id, v.kpi_return.quarter): v for v in values}
    rows = []
    for definition in definitions:
        if definition.per_scheme and scheme is None:
            continue
        rows.append(
            TableRow(
                definition=definition,
                scheme=scheme if definition.per_scheme else None,
                cells=[by_key.get((definition.pk, label)) for label in labels],
            )
        )
    return rows


def trend(
    user: User, contract: Contract, definition: KpiDefinition, scheme: Scheme | None, last: Quarter
) -> list[tuple[Quarter, KpiValue | None]]:
    quarters = last.last(TREND_QUARTERS)
    values = (
        scoped(KpiValue, user)
        .filter(
            kpi_return__contract=contract,
            kpi_return__is_latest=True,
            kpi_return__quarter__in=[q.label for q in quarters],
            definition=definition,
            scheme=scheme if definition.per_scheme else None,
        )
        .select_related("kpi_return")
    )
    by_quarter = {v.kpi_return.quarter: v for v in values}
    return [(q, by_quarter.get(q.label)) for q in quarters]


def latest_quarter_with_returns(user: User) -> Quarter | None:
    label = returns_for(user).order_by("-quarter").values_list("quarter", flat=True).first()
    return Quarter.parse(label) if label else None


def query_round(kpi_return: KpiReturn) -> int:
    """The latest round of the council's queries on a return (0 before any)."""
    latest = (
        kpi_return.comments.filter(kind=CommentKind.QUERY)
        .order_by("-round")
        .values_list("round", flat=True)
        .first()
    )
    return latest or 0


def open_queries(kpi_return: KpiReturn) -> list[ReturnComment]:
    """The current round's queries (those the provider must answer before resubmitting)."""
    round_ = query_round(kpi_return)
    if not round_:
        return []
    return list(
        kpi_return.comments.filter(kind=CommentKind.QUERY, round=round_).select_related(
            "value", "value__definition"
        )
    )


def value_records(user: User, value: KpiValue) -> tuple[QuerySet[Any], bool] | None:
    """(the records behind a computed figure, scoped to the user, and whether those counted in its
    numerator are marked `in_numerator`), or None for a figure not made from records. The records
    come from the KPI's declaration in `kpis.measures`, as the figure did."""
    definition = value.definition
    if definition.obtained != Obtained.COMPUTED:
        return None
    measure = KPIS[definition.calculation].records
    if measure is None:
        return None
    kpi_return = value.kpi_return
    contract = Contract.objects.prefetch_related("schemes").get(pk=kpi_return.contract_id)
    period = declarations.window(definition.window, kpi_return.quarter_obj)
    if value.window_start is not None and value.window_end is not None:
        period = (value.window_start, value.window_end)
    schemes = [s.pk for s in contract.schemes.all()]
    qs, has_numerator = measure.records(period, contract, value.scheme_id, schemes)
    qs = qs.filter(pk__in=scoped(qs.model, user).values("pk"))
    return qs.order_by("pk"), has_numerator


# Which contracts a quarter computes ---------------------------------------------------------


def _in_force_during(start: dt.date, end: dt.date) -> Q:
    return Q(start_date__lte=end) & (Q(end_date__isnull=True) | Q(end_date__gte=start))


def contracts_for_quarter(
    providers: Organisation | int | Iterable[Organisation | int],
    quarter: Quarter,
    contract_ids: Iterable[int] | None = None,
) -> list[Contract]:
    """The providers' contracts in force at some time in the quarter (`providers`: one or several)."""
    if isinstance(providers, Organisation | int):
        providers = [providers]
    ids = [p.pk if isinstance(p, Organisation) else p for p in providers]
    qs = Contract.objects.filter(_in_force_during(quarter.start, quarter.end), provider__in=ids)
    if contract_ids is not None:
        qs = qs.filter(pk__in=list(contract_ids))
    return list(
        qs.select_related("provider", "lot", "lot__framework").prefetch_related("schemes").order_by("pk")
    )


def providers_for_quarter(quarter: Quarter) -> list[int]:
    return list(
        Contract.objects.filter(_in_force_during(quarter.start, quarter.end))
        .values_list("provider_id", flat=True)
        .distinct()
        .order_by("provider_id")
    )


# A quarter's figures for a batch of contracts -------------------------------------------------

Key = tuple[Any, Any]  # (contract, or the provider for staff; scheme or None)
Row = dict[str, Any]


class QuarterBatch:
    """KPIs for one quarter over a set of contracts — one provider's (a per-provider task), or many
    providers' at once (a run's batch): every source is one query for the whole set either way,
    made once per window and kept for every figure that reads it."""

    def __init__(
        self, *, contracts: Iterable[Contract], quarter: Quarter, calculations: Iterable[str] | None = None
    ) -> None:
        """`calculations`: those the batch will compute (all if not given) — a source's query then
        computes only the measures they read (and the service users every threshold may need)."""
        self.contracts = list(contracts)
        self.quarter = quarter
        self.measures = measures.read_by(KPIS if calculations is None else calculations)
        self.schemes_of = {c.pk: [s.pk for s in c.schemes.all()] for c in self.contracts}
        self._contract = {c.pk: c for c in self.contracts}
        self._cache: dict[tuple[Any, ...], Any] = {}

    def window(self, kind: str) -> Period:
        return declarations.window(kind, self.quarter)

    def figure(self, definition: KpiDefinition, contract_id: int, scheme_id: int | None) -> rules.Figure:
        """A computed definition's figure for a contract, or one of its schemes."""
        declared = KPIS[definition.calculation]
        period = self.window(definition.window)
        inputs = {
            name: self._input(what, period, contract_id, scheme_id) for name, what in declared.inputs.items()
        }
        return declared.formula(**inputs)

    def service_users(self, definition: KpiDefinition, contract_id: int, scheme_id: int | None) -> int:
        """People with an order of the contract (at the scheme) in force in the definition's window."""
        period = self.window(definition.window)
        return self.tally(measures.SERVICE_USERS, period, contract_id, scheme_id).records

    def _input(self, what: Measure | Reader, period: Period, contract_id: int, scheme_id: int | None) -> Any:
        if isinstance(what, Measure):
            return self.tally(what, period, contract_id, scheme_id)
        if what == Reader.WINDOW:
            return period
        if what == Reader.CQC:
            provider = self._contract[contract_id].provider
            return rules.Rating("cqc", provider.cqc_rating or "", provider.cqc_rating_date)
        if what == Reader.PAMMS:
            if scheme_id is None:
                return None
            return self._cached(("pamms", period[1]), lambda: self._pamms(period[1])).get(scheme_id)
        source, reader = {
            Reader.RESIDENTS: (measures.RESIDENTS.source, self._residents),
            Reader.ALLOCATED_HOUR_DAYS: (measures.PLANNED_CARE_ORDERS.source, self._allocated_hour_days),
            Reader.REPEATED_NIGHTS: (measures.ALARMS.source, self._repeated_nights),
        }[what]
        found = self._pick(
            self._cached((what, period), lambda: reader(period)), source, contract_id, scheme_id
        )
        if what == Reader.RESIDENTS:
            return rules.Residents(
                n=sum(r.n for r in found),
                hours=sum((r.hours for r in found), Decimal(0)),
                bands={key: sum(r.bands.get(key, 0) for r in found) for key, *_rest in rules.HOURS_BANDS},
            )
        if what == Reader.REPEATED_NIGHTS:
            return rules.RepeatedNights(
                residents=sum(r.residents for r in found), sustained=sum(r.sustained for r in found)
            )
        return sum(found, Decimal(0))

    def _cached(self, key: tuple[Any, ...], fetch: Any) -> Any:
        if key not in self._cache:
            self._cache[key] = fetch()
        return self._cache[key]

    def _pick(
        self, rows: dict[Key, Any], source: Source, contract_id: int, scheme_id: int | None
    ) -> list[Any]:
        """A source's rows for one contract, or one scheme of it. Staff rows are the provider's,
        at the scheme, or at any of the contract's schemes (all of them if it names none)."""
        by_owner = self._cached(("index", id(rows)), lambda: _index(rows))
        if source.contract is None:
            wanted = {scheme_id} if scheme_id is not None else set(self.schemes_of[contract_id])
            mine = by_owner.get(self._contract[contract_id].provider_id, {})
            return [r for s, r in mine.items() if not wanted or s in wanted]
        mine = by_owner.get(contract_id, {})
        if source.scheme is None or scheme_id is None:
            return list(mine.values())
        return [mine[scheme_id]] if scheme_id in mine else []

    # Measures: one grouped query per source and window --------------------------------------

    def tally(self, measure: Measure, period: Period, contract_id: int, scheme_id: int | None) -> rules.Tally:
        rows = self._pick(self._grouped(measure, period), measure.source, contract_id, scheme_id)
        name = measure.alias

        def total(alias: str) -> Any:
            return sum((r[alias] or 0 for r in rows), 0)

        records = total(f"{name}__records")
        counted = total(f"{name}__counted") if measure.counts_apart else records
        parts: dict[str, list[rules.Part]] = {}
        for i, extra in enumerate(measure.extras):
            parts.setdefault(extra.group, []).append(
                rules.Part(extra.key, extra.label, total(f"{name}__{i}"))
            )
        if measure.by is not None:
            parts[rules.BY] = self._breakdown(measure, period, contract_id, scheme_id)
        return rules.Tally(records=records, counted=counted, parts=parts)

    def _grouped(self, measure: Measure, period: Period) -> dict[Key, Row]:
        """The measure's aggregates for every contract (and scheme) of the batch: one query for all
        the measures the batch computes on its source (or, for one it was not told of, its own)."""
        source = measure.source
        together = [m for m in self.measures if m.source is source]
        if measure not in together:
            together = [measure]

        def fetch() -> dict[Key, Row]:
            qs = source.rows(period, self.contracts)
            for each in together:
                qs = each.annotated(qs)
            if source.grain:
                return _by_grain(qs, source.grain, together, period)
            aggregates: dict[str, Any] = {}
            for each in together:
                aggregates.update(each.aggregates(period))
            rows = qs.values("kpi_owner", "kpi_scheme").annotate(**aggregates).order_by()
            return {(r["kpi_owner"], r["kpi_scheme"]): r for r in rows}

        return self._cached(("grouped", *map(id, together), period), fetch)

    def _breakdown(
        self, measure: Measure, period: Period, contract_id: int, scheme_id: int | None
    ) -> list[rules.Part]:
        by = measure.by
        assert by is not None

        def fetch() -> dict[Key, list[Row]]:
            label = {"by_label": F(by.label_field)} if by.label_field else {}
            rows = (
                measure.rows(period, self.contracts)
                .values("kpi_owner", "kpi_scheme", by_key=F(by.field), **label)
                .annotate(n=measure.count())
                .order_by(*by.order)
            )
            grouped: dict[Key, list[Row]] = defaultdict(list)
            for r in rows:
                grouped[(r["kpi_owner"], r["kpi_scheme"])].append(r)
            return dict(grouped)

        picked = self._pick(
            self._cached(("by", id(measure), period), fetch), measure.source, contract_id, scheme_id
        )
        counts: dict[Any, int] = {}
        labels: dict[Any, str] = {}
        for r in (r for rows in picked for r in rows):
            counts[r["by_key"]] = counts.get(r["by_key"], 0) + r["n"]
            labels[r["by_key"]] = declarations.labelled(by, r["by_key"], r.get("by_label"))
        keys = list(counts) if by.order else sorted(counts, key=lambda k: (-counts[k], str(k)))
        return [rules.Part(str(k), labels[k], counts[k]) for k in keys]

    # Readers: figures that are not one measure's tally --------------------------------------

    def _pamms(self, day: dt.date) -> dict[int, rules.Rating]:
        """Each scheme's latest PAMMS assessment published by `day`, in one query."""
        schemes = sorted({s for ids in self.schemes_of.values() for s in ids})
        latest = (
            PammsAssessment.objects.filter(scheme__in=schemes, assessed_on__lte=day)
            .order_by("scheme_id", "-assessed_on", "-id")
            .distinct("scheme_id")
            .values_list("scheme_id", "rating", "assessed_on")
        )
        return {scheme: rules.Rating("pamms", rating, on) for scheme, rating, on in latest}

    def _residents(self, period: Period) -> dict[Key, rules.Residents]:
        """Residents on the window's last day, each once with the hours of all their orders'
        versions in force added up, then banded — per person first, then per scheme, in SQL."""
        versions = (
            measures.RESIDENTS.rows(period, self.contracts)
            .values("kpi_owner", "kpi_scheme", person=F("order__service_user_id"), hours=F("weekly_hours"))
            .order_by()
        )
        versions_sql, params = versions.query.sql_with_params()
        bands, band_params = [], []
        for _key, _label, low, high, _aim in rules.HOURS_BANDS:
            conditions = []
            for bound, operator in ((low, ">="), (high, "<")):
                if bound is not None:
                    conditions.append(f"hours {operator} %s")
                    band_params.append(bound)
            bands.append(f"COUNT(*) FILTER (WHERE {' AND '.join(conditions)})")
        # Only the ORM's own SQL and placeholders are formatted in; every value is a parameter.
        sql = f"""
            WITH person AS (
                SELECT kpi_owner, kpi_scheme, person, SUM(hours) AS hours FROM ({versions_sql}) v
                GROUP BY kpi_owner, kpi_scheme, person
            )
            SELECT kpi_owner, kpi_scheme, COUNT(*), SUM(hours), {", ".join(bands)}
            FROM person GROUP BY kpi_owner, kpi_scheme
        """  # noqa: S608
        keys = [key for key, *_rest in rules.HOURS_BANDS]
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *band_params])
            return {
                (c, s): rules.Residents(n=n, hours=hours, bands=dict(zip(keys, counts, strict=True)))
                for c, s, n, hours, *counts in cursor.fetchall()
            }

    def _allocated_hour_days(self, period: Period) -> dict[Key, Decimal]:
        """Weekly hours × days in force in the window of planned-care orders, version by version:
        each version runs from its effective date to the day before the next one's."""
        orders = (
            measures.PLANNED_CARE_ORDERS.rows(period, self.contracts)
            .values("id", "kpi_owner", "kpi_scheme", "start_date", "end_date")
            .order_by()
        )
        orders_sql, params = orders.query.sql_with_params()
        version = OrderVersion._meta.db_table
        # Only the ORM's own SQL, a table name and placeholders are formatted in.
        sql = f"""
            WITH o AS ({orders_sql}),
            v AS (
                SELECT order_id, weekly_hours, effective_from,
                       LEAD(effective_from) OVER (PARTITION BY order_id ORDER BY effective_from) - 1 AS until
                FROM {version} WHERE order_id IN (SELECT id FROM o)
            )
            SELECT o.kpi_owner, o.kpi_scheme,
                   SUM(v.weekly_hours * GREATEST(0, LEAST(%s, v.until, o.end_date)
                                                    - GREATEST(%s, v.effective_from, o.start_date) + 1))
            FROM v JOIN o ON o.id = v.order_id
            GROUP BY o.kpi_owner, o.kpi_scheme
        """  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, period[1], period[0]])
            return {(c, s): hour_days for c, s, hour_days in cursor.fetchall()}

    def _repeated_nights(self, period: Period) -> dict[Key, rules.RepeatedNights]:
        """Residents with two or more overnight calls in one night, and those for whom that
        happened on three or more nights."""
        # The night a call belongs to: 12 hours earlier, London date (22:00 and 03:00 share one).
        nights = (
            measures.ALARMS.rows(period, self.contracts)
            .filter(measures.OVERNIGHT)
            .annotate(night=TruncDate(F("raised_at") - dt.timedelta(hours=12), tzinfo=LONDON))
            .values("kpi_owner", "kpi_scheme", "service_user_id", "flat", "night")
            .annotate(n=Count("pk"))
            .filter(n__gte=2)
            .order_by()
        )
        per_resident: dict[tuple[Any, ...], int] = defaultdict(int)
        for r in nights:  # one row per resident-night with repeated calls: few
            per_resident[(r["kpi_owner"], r["kpi_scheme"], r["service_user_id"], r["flat"])] += 1
        result: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
        for (c, s, _person, _flat), n in per_resident.items():
            result[(c, s)][0] += 1
            result[(c, s)][1] += n >= 3
        return {key: rules.RepeatedNights(residents=r, sustained=s) for key, (r, s) in result.items()}


def _by_grain(
    qs: QuerySet[Any], grain: tuple[str, ...], together: list[Measure], period: Period
) -> dict[Key, Row]:
    """The measures' sums for a source with a grain: the records counted, and each quantity added
    up, by owner, scheme and grain (a few rows per contract, not one FILTER per measure on every
    record); then each condition, judged by the database once per grain value, picks the rows
    that go into each sum."""
    sums: dict[str, tuple[Q, Any]] = {}
    for measure in together:
        if measure.distinct is not None:
            raise ValueError(f"{measure.name}: a source with a grain counts records, not people")
        sums.update(measure.sums(period))
    quantities = {str(q): q for _c, q in sums.values() if q is not None}
    column = {key: f"q{i}" for i, key in enumerate(quantities)}
    rows = (
        qs.values("kpi_owner", "kpi_scheme", *grain)
        .annotate(n=Count("pk"), **{column[key]: Sum(q) for key, q in quantities.items()})
        .order_by()
    )
    conditions = list(dict.fromkeys(c for c, _q in sums.values()))
    judged: dict[tuple[Any, ...], dict[Q, bool]] = {}
    out: dict[Key, Row] = {}
    for r in rows:
        values = tuple(r[g] for g in grain)
        if values not in judged:
            judged[values] = dict(
                zip(conditions, _judge(conditions, dict(zip(grain, values, strict=True))), strict=True)
            )
        holds = judged[values]
        total = out.setdefault((r["kpi_owner"], r["kpi_scheme"]), dict.fromkeys(sums, 0))
        for alias, (condition, quantity) in sums.items():
            if holds[condition]:
                total[alias] += (r[column[str(quantity)]] or 0) if quantity is not None else r["n"]
    return out


def _judge(conditions: list[Q], values: dict[str, Any]) -> list[bool]:
    """Whether each condition holds for a record with these values, asked of the database (so a
    condition means here exactly what it means in the drill-down's WHERE)."""
    query = Query(None)
    for name, value in values.items():
        query.add_annotation(Value(value), name, select=False)
    for i, condition in enumerate(conditions):
        judged = ExpressionWrapper(condition, BooleanField()) if condition else Value(True)
        query.add_annotation(judged, f"c{i}")
    row = query.get_compiler(connection=connection).execute_sql(SINGLE)
    return [bool(v) for v in row]


def _index(rows: dict[Key, Any]) -> dict[Any, dict[Any, Any]]:
    index: dict[Any, dict[Any, Any]] = defaultdict(dict)
    for (owner, scheme), row in rows.items():
        index[owner][scheme] = row
    return dict(index)
