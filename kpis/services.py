"""Writes for KPI returns: computing them, and the review workflow. Keyword-only, atomic, audited.

Workflow: draft → submitted (provider, PROVIDER_MANAGE) → queried (council, COMMISSION, with a
comment on each KPI it queries) → resubmitted (provider, answering every query) → accepted
(council); a resubmitted return may be queried again. Once submitted a return is frozen: the
computed and provider-entered figures no longer change, and recomputing makes revision n+1 (a
draft, carrying over what the provider and council entered) unless the figures come out the same.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from portal import audit
from portal.alerts import AlertKind, raise_alert, resolve_matching
from portal.models import Organisation, User
from portal.roles import Capability
from schemes.models import Contract

from . import alerts, rules
from .models import (
    PROVIDER_EDITABLE,
    CommentKind,
    ContractKpi,
    KpiDefinition,
    KpiReturn,
    KpiValue,
    Obtained,
    ReturnComment,
    ReturnStatus,
    TargetRule,
)
from .quarters import Quarter
from .selectors import QuarterBatch, contracts_for_quarter, open_queries, query_round
from .workcalendar import ensure_calendar

log = logging.getLogger(__name__)

COMPARED = (
    "numerator",
    "denominator",
    "value",
    "text",
    "breakdown",
    "note",
    "window_start",
    "window_end",
    "threshold",
    "rag",
)


def amber_margin() -> Decimal:
    return Decimal(str(settings.PORTAL.get("KPI_AMBER_MARGIN", "0.10")))


def threshold_for(definition: KpiDefinition, population: int | None) -> Decimal | None:
    if definition.target_rule == TargetRule.GREATER_OF_COUNT_OR_PERCENT:
        assert definition.rule_count is not None and definition.rule_percent is not None  # clean() says so
        return rules.greater_of_count_or_percent(
            count=definition.rule_count, percent=definition.rule_percent, population=population or 0
        )
    return definition.target


def judge(definition: KpiDefinition, value: Decimal | None, threshold: Decimal | None) -> str:
    return rules.rag(value, direction=definition.direction, threshold=threshold, margin=amber_margin())


def _lock(contract_id: int, quarter: Quarter) -> None:
    """Serialise computations of one contract's quarter."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [contract_id, quarter.ordinal])


def computed_values(
    batch: QuarterBatch, contract: Contract, definitions: Sequence[KpiDefinition]
) -> list[KpiValue]:
    """The contract's values for these definitions (per scheme where a definition is), unsaved:
    computed figures from the batch, blanks for the figures people enter."""
    values = []
    for definition in definitions:
        schemes = batch.schemes_of[contract.pk] if definition.per_scheme else [None]
        window = batch.window(definition.window)
        for scheme_id in schemes:
            if definition.obtained == Obtained.COMPUTED:
                figure = batch.figure(definition, contract.pk, scheme_id)
            else:
                figure = rules.Figure()
            population = None
            if definition.target_rule == TargetRule.GREATER_OF_COUNT_OR_PERCENT:
                population = batch.service_users(definition, contract.pk, scheme_id)
            threshold = threshold_for(definition, population)
            values.append(
                KpiValue(
                    definition=definition,
                    scheme_id=scheme_id,
                    **_parties(contract),
                    **_stored(figure),
                    window_start=window[0],
                    window_end=window[1],
                    threshold=threshold,
                    rag=judge(definition, figure.value, threshold),
                )
            )
    return values


def _parties(contract: Contract) -> dict[str, int]:
    """A return's and its values' commissioner and provider: the contract's."""
    return {"commissioner_id": contract.commissioner_id, "provider_id": contract.provider_id}


def _stored(figure: rules.Figure) -> dict[str, Any]:
    """A figure as a value stores it (the breakdown as JSON, the note within its column)."""
    breakdown = [
        {k: (str(v) if isinstance(v, Decimal) else v) for k, v in row.items()} for row in figure.breakdown
    ]
    return {
        "numerator": figure.numerator,
        "denominator": figure.denominator,
        "value": figure.value,
        "text": figure.text,
        "breakdown": breakdown,
        "note": figure.note[:300],
    }


def _key(value: KpiValue) -> tuple[int, int | None]:
    return value.definition_id, value.scheme_id


def _figures(value: KpiValue) -> tuple[Any, ...]:
    return tuple(
        v.normalize() if isinstance(v, Decimal) else v for v in (getattr(value, f) for f in COMPARED)
    )


def _new_return(contract: Contract, quarter: Quarter, now: dt.datetime, **fields: Any) -> KpiReturn:
    return KpiReturn.objects.create(
        contract=contract,
        **_parties(contract),
        lot_id=contract.lot_id,
        quarter=quarter.label,
        period_start=quarter.start,
        period_end=quarter.end,
        computed_at=now,
        **fields,
    )


@transaction.atomic
def return_compute(
    *, batch: QuarterBatch, contract: Contract, actor: User | None = None, now: dt.datetime | None = None
) -> tuple[KpiReturn, str]:
    """Compute one contract's return for the batch's quarter. Returns (return, what happened):
    "created", "updated" (draft recomputed), "revised" (a new revision of a frozen return),
    or "unchanged"."""
    quarter = batch.quarter
    now = now or timezone.now()
    _lock(contract.pk, quarter)
    definitions = list(KpiDefinition.objects.applying_to(contract).order_by("position", "code"))
    fresh = computed_values(batch, contract, definitions)
    latest = (
        KpiReturn.objects.select_for_update()
        .filter(contract=contract, quarter=quarter.label, is_latest=True)
        .first()
    )
    if latest is None:
        kpi_return = _new_return(contract, quarter, now)
        for v in fresh:
            v.kpi_return = kpi_return
        KpiValue.objects.bulk_create(fresh)
        audit.record(
            actor=actor,
            obj=kpi_return,
            action="computed",
            note=f"{len(fresh)} figures for {quarter.long_label}",
        )
        _alert_provider_to_complete(kpi_return)
        return kpi_return, "created"

    existing = {_key(v): v for v in latest.values.select_related("definition")}
    computed = [v for v in fresh if v.definition.obtained == Obtained.COMPUTED]
    changed = [v for v in computed if _key(v) not in existing or _figures(existing[_key(v)]) != _figures(v)]
    missing = [v for v in fresh if _key(v) not in existing and v.definition.obtained != Obtained.COMPUTED]
    codes = sorted({v.definition.code for v in changed + missing})
    if not changed and not missing:
        if actor is not None:
            audit.record(actor=actor, obj=latest, action="recomputed", note="The figures are unchanged.")
        return latest, "unchanged"

    if latest.status == ReturnStatus.DRAFT:
        updates = []
        for v in changed:
            old = existing.get(_key(v))
            if old is None:
                continue
            for f in COMPARED:
                setattr(old, f, getattr(v, f))
            updates.append(old)
        KpiValue.objects.bulk_update(updates, list(COMPARED))
        new = [v for v in changed + missing if _key(v) not in existing]
        for v in new:
            v.kpi_return = latest
        KpiValue.objects.bulk_create(new)
        latest.computed_at = now
        latest.save(update_fields=["computed_at", "updated_at"])
        audit.record(
            actor=actor,
            obj=latest,
            action="recomputed",
            changes={"changed figures": [None, ", ".join(codes)]},
        )
        return latest, "updated"

    # Frozen: leave what was submitted alone and start a new revision.
    KpiReturn.objects.filter(pk=latest.pk).update(is_latest=False)
    revision = _new_return(contract, quarter, now, revision=latest.revision + 1, commentary=latest.commentary)
    for v in fresh:
        v.kpi_return = revision
        old = existing.get(_key(v))
        if old is None:
            continue
        if v.definition.obtained != Obtained.COMPUTED:  # what people entered carries over
            v.value, v.text, v.entered_by_id, v.entered_at = (
                old.value,
                old.text,
                old.entered_by_id,
                old.entered_at,
            )
            v.rag = judge(v.definition, v.value, v.threshold)
        v.commentary = old.commentary
    KpiValue.objects.bulk_create(fresh)
    audit.record(
        actor=actor,
        obj=revision,
        action="new revision",
        note=f"Revision {latest.revision} was {latest.get_status_display().lower()} and is kept as it was; "
        f"figures that changed: {', '.join(codes)}.",
        changes={"revision": [latest.revision, revision.revision]},
    )
    _alert_provider_to_complete(revision)
    return revision, "revised"


def _ensure_calendar_for(quarter: Quarter) -> None:
    today = timezone.localdate()
    ensure_calendar(
        dt.date(quarter.start.year - 1, 1, 1), dt.date(max(quarter.end.year + 1, today.year + 1), 1, 1)
    )


def _calculations(contracts: Sequence[Contract]) -> set[str]:
    """The calculations of the computed KPIs on these contracts' lots."""
    return set(
        KpiDefinition.objects.active()
        .filter(lot_id__in={c.lot_id for c in contracts}, obtained=Obtained.COMPUTED)
        .values_list("calculation", flat=True)
    )


def returns_compute(
    *, contracts: Sequence[Contract], quarter: Quarter, actor: User | None = None
) -> dict[str, int]:
    """Compute the returns of these contracts for the quarter: the figures in one set-based pass over
    all of them, then each contract's return written in its own transaction."""
    _ensure_calendar_for(quarter)
    outcome: dict[str, int] = {}
    batch = QuarterBatch(contracts=contracts, quarter=quarter, calculations=_calculations(contracts))
    for contract in contracts:
        _, what = return_compute(batch=batch, contract=contract, actor=actor)
        outcome[what] = outcome.get(what, 0) + 1
    return outcome


def returns_compute_for_provider(
    *,
    provider: Organisation | int,
    quarter: Quarter,
    actor: User | None = None,
    contract_ids: Iterable[int] | None = None,
) -> dict[str, int]:
    """Compute the provider's returns for the quarter (all its contracts in force then, or those given)."""
    return returns_compute(
        contracts=contracts_for_quarter(provider, quarter, contract_ids), quarter=quarter, actor=actor
    )


def returns_compute_for_providers(
    *, provider_ids: Iterable[int], quarter: Quarter, actor: User | None = None
) -> dict[str, int]:
    """A run's batch: several providers' returns, their figures computed together."""
    return returns_compute(
        contracts=contracts_for_quarter(provider_ids, quarter), quarter=quarter, actor=actor
    )


def return_recompute(*, actor: User, kpi_return: KpiReturn) -> tuple[KpiReturn, str]:
    """Re-run a return's quarter for its contract on a person's request (audited even if unchanged)."""
    quarter = kpi_return.quarter_obj
    if quarter.end >= timezone.localdate():
        raise ValidationError("Only a quarter that has ended can be computed.")
    _ensure_calendar_for(quarter)
    contracts = contracts_for_quarter(kpi_return.provider_id, quarter, [kpi_return.contract_id])
    batch = QuarterBatch(contracts=contracts, quarter=quarter, calculations=_calculations(contracts))
    return return_compute(batch=batch, contract=contracts[0], actor=actor)


# The workflow -----------------------------------------------------------------------------


def _require(kpi_return: KpiReturn, statuses: Iterable[str], verb: str) -> None:
    if not kpi_return.is_latest:
        raise ValidationError(
            f"This is revision {kpi_return.revision}; a later revision replaces it, so it cannot be {verb}."
        )
    if kpi_return.status not in statuses:
        raise ValidationError(f"A return that is {kpi_return.get_status_display().lower()} cannot be {verb}.")


@dataclass(frozen=True)
class Step:
    """A step of the review: the statuses it starts from, the alert it answers and how."""

    sources: tuple[ReturnStatus, ...]
    resolves: AlertKind
    resolution: str


S = ReturnStatus
STEPS = {
    S.SUBMITTED: Step((S.DRAFT,), alerts.RETURN_TO_SUBMIT, "Submitted"),
    S.QUERIED: Step((S.SUBMITTED, S.RESUBMITTED), alerts.RETURN_TO_REVIEW, "Queried"),
    S.RESUBMITTED: Step((S.QUERIED,), alerts.RETURN_QUERIED, "Answered"),
    S.ACCEPTED: Step((S.SUBMITTED, S.RESUBMITTED), alerts.RETURN_TO_REVIEW, "Accepted"),
}


def _require_step(kpi_return: KpiReturn, status: ReturnStatus) -> None:
    _require(kpi_return, STEPS[status].sources, status.value)


def _move(kpi_return: KpiReturn, status: ReturnStatus, *, actor: User, key: str, note: str = "") -> None:
    """Move the return on a step (`STEPS`) — stamping who submitted it (the provider's steps) or
    reviewed it (the council's) — audit the step, and resolve the alert `key` that asked for it."""
    step = STEPS[status]
    before = kpi_return.status
    stamp = "submitted" if status in (S.SUBMITTED, S.RESUBMITTED) else "reviewed"
    kpi_return.status = status
    setattr(kpi_return, f"{stamp}_at", timezone.now())
    setattr(kpi_return, f"{stamp}_by", actor)
    kpi_return.save(update_fields=["status", "updated_at", f"{stamp}_at", f"{stamp}_by"])
    audit.record(
        actor=actor, obj=kpi_return, action=status.value, note=note, changes={"status": [before, status]}
    )
    resolve_matching(kind=step.resolves, key=key, actor=actor, resolution=step.resolution)


def _alert(kpi_return: KpiReturn, *, kind: AlertKind, key: str, title: str) -> None:
    """Ask one side of a return to act on it: the council (its commissioners) or the provider."""
    raise_alert(
        recipient=kpi_return.commissioner
        if kind.capability == Capability.COMMISSION
        else kpi_return.provider,
        kind=kind,
        key=key,
        title=f"{title} ({kpi_return.contract.reference})",
        url=reverse("kpis:return-detail", args=[kpi_return.pk]),
        obj=kpi_return,
    )


def _alert_provider_to_complete(kpi_return: KpiReturn) -> None:
    _alert(
        kpi_return,
        kind=alerts.RETURN_TO_SUBMIT,
        key=f"{kpi_return.contract_id}:{kpi_return.quarter}:{kpi_return.revision}",
        title=f"Complete and submit the KPI return for {kpi_return.quarter}",
    )


def _alert_council_to_review(kpi_return: KpiReturn, round_: int) -> None:
    _alert(
        kpi_return,
        kind=alerts.RETURN_TO_REVIEW,
        key=f"{kpi_return.pk}:{round_}",
        title=f"Review the KPI return for {kpi_return.quarter} from {kpi_return.provider.name}",
    )


@transaction.atomic
def value_enter(
    *,
    actor: User,
    value: KpiValue,
    number: Decimal | None = None,
    text: str | None = None,
    commentary: str | None = None,
) -> KpiValue:
    """Enter a provider- or council-entered figure, or the provider's commentary on any figure."""
    kpi_return = value.kpi_return
    definition = value.definition
    provider_side = actor.organisation_id == kpi_return.provider_id
    if provider_side:
        _require(kpi_return, PROVIDER_EDITABLE, "changed")
        if (number is not None or text is not None) and definition.obtained != Obtained.PROVIDER:
            raise ValidationError({definition.code: "Only figures the provider enters can be changed here."})
    else:
        _require(
            kpi_return,
            (ReturnStatus.DRAFT, ReturnStatus.SUBMITTED, ReturnStatus.QUERIED, ReturnStatus.RESUBMITTED),
            "changed",
        )
        if definition.obtained != Obtained.COUNCIL or commentary is not None:
            raise ValidationError({definition.code: "The council enters only its own figures."})
    before = audit.snapshot(value, ["value", "text", "commentary"])
    if number is not None:
        value.value = number
    if text is not None:
        value.text = text
    if definition.obtained != Obtained.COMPUTED and (number is not None or text is not None):
        value.entered_by = actor
        value.entered_at = timezone.now()
        value.rag = judge(definition, value.value, value.threshold)
    if commentary is not None:
        value.commentary = commentary
    changes = audit.diff(before, audit.snapshot(value, ["value", "text", "commentary"]))
    if changes:
        value.save()
        audit.record(actor=actor, obj=value, action="entered", changes=changes)
    return value


@transaction.atomic
def return_commentary_set(*, actor: User, kpi_return: KpiReturn, commentary: str) -> KpiReturn:
    _require(kpi_return, PROVIDER_EDITABLE, "changed")
    if commentary != kpi_return.commentary:
        changes = {"commentary": [kpi_return.commentary, commentary]}
        kpi_return.commentary = commentary
        kpi_return.save(update_fields=["commentary", "updated_at"])
        audit.record(actor=actor, obj=kpi_return, action="commentary", changes=changes)
    return kpi_return


@transaction.atomic
def return_submit(*, actor: User, kpi_return: KpiReturn) -> KpiReturn:
    _require_step(kpi_return, S.SUBMITTED)
    blank = [
        f"{v.definition.code}{' at ' + v.scheme.name if v.scheme is not None else ''}"
        for v in kpi_return.values.select_related("definition", "scheme")
        if v.definition.obtained == Obtained.PROVIDER and v.is_blank
    ]
    if blank:
        raise ValidationError(f"Enter the figures you provide before submitting: {', '.join(blank)}.")
    _move(
        kpi_return,
        ReturnStatus.SUBMITTED,
        actor=actor,
        key=f"{kpi_return.contract_id}:{kpi_return.quarter}:{kpi_return.revision}",
    )
    _alert_council_to_review(kpi_return, 0)
    return kpi_return


@transaction.atomic
def return_query(*, actor: User, kpi_return: KpiReturn, queries: dict[int, str]) -> list[ReturnComment]:
    """Query a submitted return: `queries` maps a value id to the council's question on it."""
    _require_step(kpi_return, S.QUERIED)
    queries = {int(k): (t or "").strip() for k, t in queries.items() if (t or "").strip()}
    if not queries:
        raise ValidationError("Write a query on at least one KPI.")
    values = {v.pk: v for v in kpi_return.values.filter(pk__in=queries).select_related("definition")}
    unknown = set(queries) - set(values)
    if unknown:
        raise ValidationError("A query names a figure that is not in this return.")
    round_ = query_round(kpi_return) + 1
    comments = ReturnComment.objects.bulk_create(
        ReturnComment(
            kpi_return=kpi_return,
            value=values[pk],
            kind=CommentKind.QUERY,
            round=round_,
            text=text,
            author=actor,
            author_organisation_id=actor.organisation_id,
        )
        for pk, text in sorted(queries.items())
    )
    _move(
        kpi_return,
        ReturnStatus.QUERIED,
        actor=actor,
        key=f"{kpi_return.pk}:{round_ - 1}",
        note="; ".join(f"{values[pk].definition.code}: {text}" for pk, text in sorted(queries.items())),
    )
    _alert(
        kpi_return,
        kind=alerts.RETURN_QUERIED,
        key=f"{kpi_return.pk}:{round_}",
        title=f"The council has queried your KPI return for {kpi_return.quarter}",
    )
    return comments


@transaction.atomic
def return_resubmit(*, actor: User, kpi_return: KpiReturn, answers: dict[int, str]) -> KpiReturn:
    """Answer the council's queries (value id → answer) and resubmit. Every query needs an answer."""
    _require_step(kpi_return, S.RESUBMITTED)
    answers = {int(k): (t or "").strip() for k, t in answers.items()}
    round_ = query_round(kpi_return)
    # A query is always on a value (`return_query` makes them so).
    queries = [(q, q.value) for q in open_queries(kpi_return) if q.value is not None]
    unanswered = [value.definition.code for _q, value in queries if not answers.get(value.pk)]
    if unanswered:
        raise ValidationError(f"Answer every query before resubmitting: {', '.join(unanswered)}.")
    ReturnComment.objects.bulk_create(
        ReturnComment(
            kpi_return=kpi_return,
            value=value,
            kind=CommentKind.ANSWER,
            round=round_,
            text=answers[value.pk],
            author=actor,
            author_organisation_id=actor.organisation_id,
        )
        for _q, value in queries
    )
    _move(
        kpi_return,
        ReturnStatus.RESUBMITTED,
        actor=actor,
        key=f"{kpi_return.pk}:{round_}",
        note="; ".join(f"{value.definition.code}: {answers[value.pk]}" for _q, value in queries),
    )
    _alert_council_to_review(kpi_return, round_)
    return kpi_return


@transaction.atomic
def return_accept(*, actor: User, kpi_return: KpiReturn, note: str = "") -> KpiReturn:
    _require_step(kpi_return, S.ACCEPTED)
    _move(
        kpi_return,
        ReturnStatus.ACCEPTED,
        actor=actor,
        key=f"{kpi_return.pk}:{query_round(kpi_return)}",
        note=note,
    )
    return kpi_return


@transaction.atomic
def contract_kpis_set(*, actor: User | None, contract: Contract, codes: Iterable[str]) -> list[KpiDefinition]:
    """The council chooses which of its lot's KPI definitions a contract's returns measure, by
    code; none chosen means all of them. Returns already computed keep theirs until recomputed."""
    Contract.objects.select_for_update().filter(pk=contract.pk).first()
    wanted = sorted(set(codes))
    definitions = list(KpiDefinition.objects.filter(lot_id=contract.lot_id, code__in=wanted))
    unknown = set(wanted) - {d.code for d in definitions}
    if unknown:
        raise ValidationError({"codes": f"Not KPI codes of {contract.lot}: {', '.join(sorted(unknown))}."})
    before = sorted(ContractKpi.objects.filter(contract=contract).values_list("definition__code", flat=True))
    if before == wanted:
        return definitions
    ContractKpi.objects.filter(contract=contract).delete()
    ContractKpi.objects.bulk_create(ContractKpi(contract=contract, definition=d) for d in definitions)
    audit.record(actor=actor, obj=contract, action="KPIs chosen", changes={"kpi_codes": [before, wanted]})
    return definitions
