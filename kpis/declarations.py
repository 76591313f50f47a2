"""How a KPI's records are declared, and how one declaration becomes SQL (see `kpis.measures`).

A `Source` is one kind of record in a window (visits by their day, alarm calls by when they were
raised, orders in force, staff in post…) and how a record reaches its contract and scheme. A
`Measure` on a source names the records behind a figure (`population`: the denominator, or what is
counted) and those in its numerator, and what else the figure reports (`extras`, `by`). From one
measure come both

* the SQL that computes every contract's figures at once — `Count(…, filter=population)`,
  `Count(…, filter=population & numerator)`, `Sum(quantity, …)` and the extras, all the measures on
  one source in one grouped query (`kpis.selectors.QuarterBatch`), and
* the records behind one figure, with those in its numerator marked (`Measure.records`, the
  drill-down page),

so the page lists exactly the records the figure counted. A `Kpi` names the measure whose records
stand behind a figure, the formula in `kpis.rules` that makes it, and the formula's inputs.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import (
    Aggregate,
    BooleanField,
    Count,
    Expression,
    ExpressionWrapper,
    F,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import (
    ExtractDay,
    ExtractMonth,
    ExtractYear,
)
from django.utils import timezone

from schemes.models import Contract
from workforce.rules import add_months

from . import rules
from .models import CalendarDay, Window
from .quarters import Quarter

LONDON = ZoneInfo("Europe/London")
Period = tuple[dt.date, dt.date]
Condition = Q | Callable[[Period], Q]


def window(kind: str, quarter: Quarter) -> Period:
    """The days a definition's figure is measured over: the quarter, the financial year to its end
    (annual counted targets), or the 12 months to its end (staff turnover)."""
    if kind == Window.YEAR_TO_DATE:
        return quarter.financial_year_start, quarter.end
    if kind == Window.ROLLING_YEAR:
        return add_months(quarter.end + dt.timedelta(days=1), -12), quarter.end
    return quarter.start, quarter.end


def _condition(condition: Condition, period: Period) -> Q:
    return condition(period) if callable(condition) else condition


# Windows ----------------------------------------------------------------------------------


def on_days(path: str) -> Callable[[QuerySet, Period], QuerySet]:
    """Records whose date `path` falls in the window."""
    return lambda qs, period: qs.filter(**{f"{path}__range": period})


def at_times(path: str) -> Callable[[QuerySet, Period], QuerySet]:
    """Records whose moment `path` falls on one of the window's days, London time."""

    def within(qs: QuerySet, period: Period) -> QuerySet:
        start, end = (dt.datetime.combine(day, dt.time(), tzinfo=LONDON) for day in period)
        return qs.filter(**{f"{path}__gte": start, f"{path}__lt": end + dt.timedelta(days=1)})

    return within


def closing_in(
    path: str, working_days: int, *, moment: bool = False
) -> Callable[[QuerySet, Period], QuerySet]:
    """Records whose clock of `working_days` from the date (or, with `moment`, the London day of the
    moment) `path` ends in the window — and has ended by the day the figure is computed: a window
    still open is not scored yet `[000 §5, 004 §8.5.5]` (`rules.days_whose_deadline_falls_in`)."""

    def within(qs: QuerySet, period: Period) -> QuerySet:
        end = min(period[1], timezone.localdate() - dt.timedelta(days=1))
        if end < period[0]:
            return qs.none()
        first, last = rules.days_whose_deadline_falls_in((period[0], end), working_days)
        if not moment:
            return qs.filter(**{f"{path}__range": (first, last)})
        return at_times(path)(qs, (first, last))

    return within


# SQL twins of pure rules -------------------------------------------------------------------


def month_key(path: str) -> Expression:
    """SQL expression matching `rules.month_key` for a date column."""
    return ExtractYear(path) * 1200 + ExtractMonth(path) * 100 - 100 + ExtractDay(path)


def working_day_number(path: str) -> Subquery:
    """The running number of working days up to the date `path` (`CalendarDay.number`)."""
    return Subquery(CalendarDay.objects.filter(day=OuterRef(path)).values("number")[:1])


def is_working_day(path: str) -> Subquery:
    return Subquery(CalendarDay.objects.filter(day=OuterRef(path)).values("is_working_day")[:1])


# Declarations -------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Source:
    """One kind of record in a window, and how each record reaches its contract and scheme.

    `contract` is a path to the contract id, or (for records that reach a contract only through a
    person's order) an expression of the window; None for staff, who belong to the provider and
    are matched to a contract's schemes. `scheme` is a path or an expression, None where records
    belong to the contract as a whole (referrals, activities). `grain`: the few columns every
    condition on a large source reads (a visit's status) — its query then adds up the records by
    them, and each condition is judged once per value instead of once per record."""

    name: str
    model: type[Model]
    within: Callable[[QuerySet, Period], QuerySet]
    contract: str | Callable[[Period], Expression] | None = "contract_id"
    provider: str | None = "provider_id"  # the owner of staff; elsewhere a filter for indexes
    scheme: str | Expression | None = "scheme_id"
    base: Q = field(default_factory=Q)
    related: tuple[str, ...] = ()
    grain: tuple[str, ...] = ()

    def rows(self, period: Period, contracts: list[Contract]) -> QuerySet:
        """The records in the window for these contracts (or their providers), each annotated with
        `kpi_owner` (its contract, or for staff its provider) and `kpi_scheme`."""
        qs = self.within(self.model._default_manager.filter(self.base), period)
        providers = sorted({c.provider_id for c in contracts})
        owner: Expression
        if self.contract is None:
            assert self.provider is not None
            qs = qs.filter(**{f"{self.provider}__in": providers})
            owner = F(self.provider)
        else:
            owner = self.contract(period) if callable(self.contract) else F(self.contract)
            if self.provider is not None:
                # The contracts decide; this cheap superset lets a small batch use a (provider, day) index.
                qs = qs.filter(
                    **{f"{self.provider}__gte": providers[0], f"{self.provider}__lte": providers[-1]}
                )
        scheme = F(self.scheme) if isinstance(self.scheme, str) else self.scheme
        qs = qs.annotate(kpi_owner=owner, kpi_scheme=scheme or Value(None, output_field=IntegerField()))
        if self.contract is not None:
            qs = qs.filter(kpi_owner__in=[c.pk for c in contracts])
        return qs

    def rows_for(
        self, period: Period, contract: Contract, scheme_id: int | None, schemes: list[int]
    ) -> QuerySet:
        """The records in the window for one contract, or one of its schemes (`schemes`: all of them)."""
        qs = self.rows(period, [contract])
        if self.scheme is None:
            return qs
        if scheme_id is not None:
            return qs.filter(kpi_scheme=scheme_id)
        if self.contract is None and schemes:
            return qs.filter(kpi_scheme__in=schemes)  # the staff of the contract's schemes
        return qs


@dataclass(frozen=True)
class Extra:
    """A further figure over a source's records in the window — how many meet `condition`, or the
    `quantity` added up over them (a count by status, hours not used…) — reported in a tally's
    parts under `group` with its `label`."""

    group: str
    condition: Condition = field(default_factory=Q)
    quantity: str | Expression | None = None
    label: str = ""
    key: str = ""


@dataclass(frozen=True)
class By:
    """Break a measure's count down by the value of `field`: labelled from `labels` or another
    field, most first (then by value) unless `order` gives the order."""

    field: str
    labels: Mapping[str, str] = field(default_factory=dict)
    label_field: str | None = None
    order: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Measure:
    """The records behind a figure on one source: `population` (its denominator, or what it counts),
    `numerator` (those counted in its numerator; None when every record is), `distinct` (count each
    value of this field once — people — rather than records), `quantity` (add this up over the
    numerator instead of counting), further `extras`, a breakdown `by` a field, and `prepare`, the
    annotations its conditions read."""

    name: str
    source: Source
    population: Condition = field(default_factory=Q)
    numerator: Condition | None = None
    distinct: str | None = None
    quantity: str | Expression | None = None
    extras: tuple[Extra, ...] = ()
    by: By | None = None
    prepare: Callable[[QuerySet], QuerySet] | None = None

    def count(self, condition: Q | None = None) -> Aggregate:
        """Count the records (or the people) meeting `condition`."""
        return Count(self.distinct or "pk", distinct=self.distinct is not None, filter=condition or None)

    @property
    def alias(self) -> str:
        """The measure's name as an SQL column alias."""
        return re.sub(r"[^a-z0-9]+", "_", self.name.lower())

    @property
    def counts_apart(self) -> bool:
        """Whether the numerator is its own aggregate (else it is the population's count)."""
        return self.quantity is not None or self.numerator is not None

    def sums(self, period: Period) -> dict[str, tuple[Q, str | Expression | None]]:
        """What the figure adds up, by column alias: `<alias>__records`, `<alias>__counted` and one
        per extra, each as (the condition a record meets, the quantity added up or None to count)."""
        population = _condition(self.population, period)
        out: dict[str, tuple[Q, str | Expression | None]] = {f"{self.alias}__records": (population, None)}
        if self.counts_apart:
            counted = (
                population if self.numerator is None else population & _condition(self.numerator, period)
            )
            out[f"{self.alias}__counted"] = (counted, self.quantity)
        for i, extra in enumerate(self.extras):
            out[f"{self.alias}__{i}"] = (_condition(extra.condition, period), extra.quantity)
        return out

    def aggregates(self, period: Period) -> dict[str, Aggregate]:
        """The sums as SQL aggregates: `Count(filter=…)`, or `Sum(quantity, filter=…)`."""
        return {
            alias: Sum(quantity, filter=condition or None) if quantity is not None else self.count(condition)
            for alias, (condition, quantity) in self.sums(period).items()
        }

    def annotated(self, qs: QuerySet) -> QuerySet:
        """The records with what the measure's conditions read (working-day numbers…)."""
        return self.prepare(qs) if self.prepare is not None else qs

    def _prepared(self, qs: QuerySet, period: Period) -> QuerySet:
        return self.annotated(qs).filter(_condition(self.population, period))

    def rows(self, period: Period, contracts: list[Contract]) -> QuerySet:
        """The population's records for a batch of contracts (see `Source.rows`)."""
        return self._prepared(self.source.rows(period, contracts), period)

    def records(
        self, period: Period, contract: Contract, scheme_id: int | None, schemes: list[int]
    ) -> tuple[QuerySet, bool]:
        """(the records behind one contract's or scheme's figure, whether they are marked
        `in_numerator`)."""
        qs = self._prepared(self.source.rows_for(period, contract, scheme_id, schemes), period)
        qs = qs.select_related(*self.source.related)
        if self.numerator is None:
            return qs, False
        marked = ExpressionWrapper(_condition(self.numerator, period), output_field=BooleanField())
        return qs.annotate(in_numerator=marked), True


class Reader(enum.StrEnum):
    """Inputs to a formula that are not a measure's tally (read by `kpis.selectors.QuarterBatch`)."""

    WINDOW = "window"
    RESIDENTS = "residents"  # residents on the quarter's last day, their hours and bands
    ALLOCATED_HOUR_DAYS = "allocated_hour_days"  # weekly hours × days in force, planned-care orders
    REPEATED_NIGHTS = "repeated_nights"  # residents calling two or more times a night
    CQC = "cqc"  # the provider's published CQC rating (`rules.Rating`)
    PAMMS = "pamms"  # the scheme's latest PAMMS assessment by the window's end (`rules.Rating`)


@dataclass(frozen=True)
class Kpi:
    """How a computed KPI is made: the measure whose records stand behind it (the drill-down; None
    when it is read from elsewhere, like the CQC rating), the formula, and the formula's inputs by
    argument name — tallies of measures, or readers."""

    formula: Callable[..., rules.Figure]
    records: Measure | None
    inputs: Mapping[str, Measure | Reader]


def kpi(formula: Callable[..., rules.Figure], records: Measure | None, **inputs: Measure | Reader) -> Kpi:
    """A KPI whose formula takes the records' tally as `tally` (and any further `inputs`)."""
    return Kpi(formula, records, {"tally": records, **inputs} if records is not None else inputs)


def labelled(by: By, key: Any, label: Any) -> str:
    """A breakdown row's label: the field's label, the label field's value, or "Not given"."""
    if by.label_field is not None:
        return str(label)
    return str(by.labels.get(key, key or "Not given"))
