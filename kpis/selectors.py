"""Reads for KPI returns, already scoped to the user; aggregation stays in SQL."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q

from portal.tenancy import scoped
from schemes.models import Contract, Scheme

from .calculations import Computation
from .models import KpiDefinition, KpiReturn, KpiValue, Obtained, ReturnComment
from .quarters import Quarter

TREND_QUARTERS = 8


def returns_for(user):
    return scoped(KpiReturn, user).select_related("contract", "commissioner", "provider", "lot")


def return_values(user, kpi_return: KpiReturn):
    comments = scoped(ReturnComment, user).select_related("author", "author_organisation")
    return (
        scoped(KpiValue, user)
        .filter(kpi_return=kpi_return)
        .select_related("definition", "scheme", "entered_by")
        .prefetch_related(Prefetch("comments", queryset=comments, to_attr="thread"))
        .order_by("definition__position", "definition__code", "scheme__name")
    )


def revisions_of(user, kpi_return: KpiReturn):
    return (
        returns_for(user)
        .filter(contract=kpi_return.contract, quarter=kpi_return.quarter)
        .order_by("-revision")
    )


def contracts_with_kpis(user):
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
    cells: list = field(default_factory=list)  # KpiValue or None, one per quarter


def quarter_table(user, contract: Contract, scheme: Scheme | None, quarters: list[Quarter]) -> list[TableRow]:
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


def trend(user, contract: Contract, definition: KpiDefinition, scheme: Scheme | None, last: Quarter):
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


def latest_quarter_with_returns(user) -> Quarter | None:
    label = returns_for(user).order_by("-quarter").values_list("quarter", flat=True).first()
    return Quarter.parse(label) if label else None


def value_records(user, value: KpiValue):
    """(records behind a computed figure, scoped to the user and marked `in_numerator`) or None."""
    definition = value.definition
    if definition.obtained != Obtained.COMPUTED:
        return None
    kpi_return = value.kpi_return
    contract = (
        Contract.objects.select_related("provider").prefetch_related("schemes").get(pk=kpi_return.contract_id)
    )
    computation = Computation(contracts=[contract], quarter=kpi_return.quarter_obj)
    qs, numerator = computation.records(definition, contract.pk, value.scheme_id)
    if qs is None:
        return None
    qs = qs.filter(pk__in=scoped(qs.model, user).values("pk"))
    if numerator is not None:
        qs = qs.annotate(in_numerator=ExpressionWrapper(numerator, output_field=BooleanField()))
    return qs.order_by("pk"), numerator is not None
