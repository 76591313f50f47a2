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
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from portal import audit
from portal.alerts import raise_alert, resolve_matching
from portal.models import Organisation
from portal.roles import Capability
from schemes.models import Contract

from . import rules
from .calculations import Computation, Figure
from .models import (
    CommentKind,
    KpiDefinition,
    KpiReturn,
    KpiValue,
    Obtained,
    ReturnComment,
    ReturnStatus,
    TargetRule,
)
from .quarters import Quarter
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
        return rules.greater_of_count_or_percent(
            count=definition.rule_count, percent=definition.rule_percent, population=population or 0
        )
    return definition.target


def judge(definition: KpiDefinition, value, threshold) -> str:
    return rules.rag(value, direction=definition.direction, threshold=threshold, margin=amber_margin())


def contracts_for_quarter(providers, quarter: Quarter, contract_ids=None):
    """The providers' contracts in force at some time in the quarter (`providers`: one or several)."""
    if isinstance(providers, Organisation | int):
        providers = [providers]
    qs = Contract.objects.filter(
        provider__in=[getattr(p, "pk", p) for p in providers], start_date__lte=quarter.end
    ).filter(models_q_end_on_or_after(quarter.start))
    if contract_ids is not None:
        qs = qs.filter(pk__in=contract_ids)
    return list(
        qs.select_related("provider", "lot", "lot__framework").prefetch_related("schemes").order_by("pk")
    )


def models_q_end_on_or_after(day: dt.date):
    from django.db.models import Q

    return Q(end_date__isnull=True) | Q(end_date__gte=day)


def _lock(contract_id: int, quarter: Quarter) -> None:
    """Serialise computations of one contract's quarter (PostgreSQL; SQLite serialises writes)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [contract_id, quarter.ordinal])


def _computed_values(computation: Computation, contract: Contract, definitions, now) -> list[KpiValue]:
    values = []
    for definition in definitions:
        schemes = computation.schemes_of[contract.pk] if definition.per_scheme else [None]
        for scheme_id in schemes:
            window = computation.window(definition.window)
            if definition.obtained == Obtained.COMPUTED:
                figure = computation.figure(definition, contract.pk, scheme_id)
            else:
                figure = Figure()
            threshold = threshold_for(definition, figure.population)
            values.append(
                KpiValue(
                    definition=definition,
                    scheme_id=scheme_id,
                    commissioner_id=contract.commissioner_id,
                    provider_id=contract.provider_id,
                    numerator=figure.numerator,
                    denominator=figure.denominator,
                    value=figure.value,
                    text=figure.text,
                    breakdown=_jsonable(figure.breakdown),
                    note=figure.note[:300],
                    window_start=window[0],
                    window_end=window[1],
                    threshold=threshold,
                    rag=judge(definition, figure.value, threshold),
                )
            )
    return values


def _jsonable(breakdown):
    return [{k: (str(v) if isinstance(v, Decimal) else v) for k, v in row.items()} for row in breakdown]


def _key(value: KpiValue):
    return value.definition_id, value.scheme_id


def _figures(value: KpiValue) -> tuple:
    def norm(v):
        if isinstance(v, Decimal):
            return v.normalize()
        return v

    return tuple(norm(getattr(value, f)) for f in COMPARED)


def _provider_entered(value: KpiValue) -> bool:
    return value.definition.obtained != Obtained.COMPUTED


@transaction.atomic
def return_compute(
    *, computation: Computation, contract: Contract, actor=None, now: dt.datetime | None = None
) -> tuple[KpiReturn, str]:
    """Compute one contract's return for the computation's quarter. Returns (return, what happened):
    "created", "updated" (draft recomputed), "revised" (a new revision of a frozen return),
    or "unchanged"."""
    quarter = computation.quarter
    now = now or timezone.now()
    _lock(contract.pk, quarter)
    definitions = list(
        KpiDefinition.objects.active().filter(lot_id=contract.lot_id).order_by("position", "code")
    )
    fresh = _computed_values(computation, contract, definitions, now)
    latest = (
        KpiReturn.objects.select_for_update()
        .filter(contract=contract, quarter=quarter.label, is_latest=True)
        .first()
    )
    if latest is None:
        kpi_return = KpiReturn.objects.create(
            contract=contract,
            commissioner_id=contract.commissioner_id,
            provider_id=contract.provider_id,
            lot_id=contract.lot_id,
            quarter=quarter.label,
            period_start=quarter.start,
            period_end=quarter.end,
            computed_at=now,
        )
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

    existing = {(_key(v)): v for v in latest.values.select_related("definition")}
    computed_fresh = [v for v in fresh if v.definition.obtained == Obtained.COMPUTED]
    changed = [
        v for v in computed_fresh if _key(v) not in existing or _figures(existing[_key(v)]) != _figures(v)
    ]
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
    revision = KpiReturn.objects.create(
        contract=contract,
        commissioner_id=contract.commissioner_id,
        provider_id=contract.provider_id,
        lot_id=contract.lot_id,
        quarter=quarter.label,
        period_start=quarter.start,
        period_end=quarter.end,
        revision=latest.revision + 1,
        commentary=latest.commentary,
        computed_at=now,
    )
    for v in fresh:
        v.kpi_return = revision
        old = existing.get(_key(v))
        if old is not None and _provider_entered(v):
            v.value, v.text, v.entered_by_id, v.entered_at = (
                old.value,
                old.text,
                old.entered_by_id,
                old.entered_at,
            )
            v.rag = judge(v.definition, v.value, v.threshold)
        if old is not None:
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


def returns_compute(*, contracts, quarter: Quarter, actor=None) -> dict[str, int]:
    """Compute the returns of these contracts for the quarter: the figures in one set-based pass over
    all of them, then each contract's return written in its own transaction."""
    _ensure_calendar_for(quarter)
    outcome: dict[str, int] = {}
    computation = Computation(contracts=contracts, quarter=quarter)
    for contract in contracts:
        _, what = return_compute(computation=computation, contract=contract, actor=actor)
        outcome[what] = outcome.get(what, 0) + 1
    return outcome


def returns_compute_for_provider(
    *, provider: Organisation, quarter: Quarter, actor=None, contract_ids=None
) -> dict[str, int]:
    """Compute the provider's returns for the quarter (all its contracts in force then, or those given)."""
    return returns_compute(
        contracts=contracts_for_quarter(provider, quarter, contract_ids), quarter=quarter, actor=actor
    )


def returns_compute_for_providers(*, provider_ids, quarter: Quarter, actor=None) -> dict[str, int]:
    """A run's batch: several providers' returns, their figures computed together."""
    return returns_compute(
        contracts=contracts_for_quarter(provider_ids, quarter), quarter=quarter, actor=actor
    )


def return_recompute(*, actor, kpi_return: KpiReturn) -> tuple[KpiReturn, str]:
    """Re-run a return's quarter for its contract on a person's request (audited even if unchanged)."""
    quarter = kpi_return.quarter_obj
    if quarter.end >= timezone.localdate():
        raise ValidationError("Only a quarter that has ended can be computed.")
    _ensure_calendar_for(quarter)
    contracts = contracts_for_quarter(kpi_return.provider_id, quarter, [kpi_return.contract_id])
    computation = Computation(contracts=contracts, quarter=quarter)
    return return_compute(computation=computation, contract=contracts[0], actor=actor)


# The workflow -----------------------------------------------------------------------------


def _require(kpi_return: KpiReturn, statuses, verb: str) -> None:
    if not kpi_return.is_latest:
        raise ValidationError(
            f"This is revision {kpi_return.revision}; a later revision replaces it, so it cannot be {verb}."
        )
    if kpi_return.status not in statuses:
        raise ValidationError(f"A return that is {kpi_return.get_status_display().lower()} cannot be {verb}.")


def _set_status(kpi_return: KpiReturn, status: str, *, actor, action: str, note: str = "", **fields) -> None:
    before = kpi_return.status
    kpi_return.status = status
    for name, value in fields.items():
        setattr(kpi_return, name, value)
    kpi_return.save(update_fields=["status", "updated_at", *fields])
    audit.record(actor=actor, obj=kpi_return, action=action, note=note, changes={"status": [before, status]})


def _return_url(kpi_return) -> str:
    return reverse("kpis:return-detail", args=[kpi_return.pk])


def _alert_provider_to_complete(kpi_return: KpiReturn) -> None:
    raise_alert(
        recipient=kpi_return.provider,
        capability=Capability.PROVIDER_MANAGE,
        kind="kpi_return_to_submit",
        key=f"{kpi_return.contract_id}:{kpi_return.quarter}:{kpi_return.revision}",
        title=f"Complete and submit the KPI return for {kpi_return.quarter} ({kpi_return.contract.reference})",
        url=_return_url(kpi_return),
        obj=kpi_return,
    )


def _alert_council_to_review(kpi_return: KpiReturn, round_: int) -> None:
    raise_alert(
        recipient=kpi_return.commissioner,
        capability=Capability.COMMISSION,
        kind="kpi_return_to_review",
        key=f"{kpi_return.pk}:{round_}",
        title=(
            f"Review the KPI return for {kpi_return.quarter} from {kpi_return.provider.name}"
            f" ({kpi_return.contract.reference})"
        ),
        url=_return_url(kpi_return),
        obj=kpi_return,
    )


def _round(kpi_return: KpiReturn) -> int:
    return (
        kpi_return.comments.filter(kind=CommentKind.QUERY)
        .order_by("-round")
        .values_list("round", flat=True)
        .first()
        or 0
    )


@transaction.atomic
def value_enter(
    *, actor, value: KpiValue, number=None, text: str | None = None, commentary: str | None = None
) -> KpiValue:
    """Enter a provider- or council-entered figure, or the provider's commentary on any figure."""
    kpi_return = value.kpi_return
    definition = value.definition
    provider_side = actor.organisation_id == kpi_return.provider_id
    if provider_side:
        _require(kpi_return, (ReturnStatus.DRAFT, ReturnStatus.QUERIED), "changed")
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
def return_commentary_set(*, actor, kpi_return: KpiReturn, commentary: str) -> KpiReturn:
    _require(kpi_return, (ReturnStatus.DRAFT, ReturnStatus.QUERIED), "changed")
    if commentary != kpi_return.commentary:
        changes = {"commentary": [kpi_return.commentary, commentary]}
        kpi_return.commentary = commentary
        kpi_return.save(update_fields=["commentary", "updated_at"])
        audit.record(actor=actor, obj=kpi_return, action="commentary", changes=changes)
    return kpi_return


@transaction.atomic
def return_submit(*, actor, kpi_return: KpiReturn) -> KpiReturn:
    _require(kpi_return, (ReturnStatus.DRAFT,), "submitted")
    blank = [
        f"{v.definition.code}{' at ' + v.scheme.name if v.scheme_id else ''}"
        for v in kpi_return.values.select_related("definition", "scheme")
        if v.definition.obtained == Obtained.PROVIDER and v.is_blank
    ]
    if blank:
        raise ValidationError(f"Enter the figures you provide before submitting: {', '.join(blank)}.")
    _set_status(
        kpi_return,
        ReturnStatus.SUBMITTED,
        actor=actor,
        action="submitted",
        submitted_at=timezone.now(),
        submitted_by=actor,
    )
    resolve_matching(
        kind="kpi_return_to_submit",
        key=f"{kpi_return.contract_id}:{kpi_return.quarter}:{kpi_return.revision}",
        actor=actor,
        resolution="Submitted",
    )
    _alert_council_to_review(kpi_return, 0)
    return kpi_return


@transaction.atomic
def return_query(*, actor, kpi_return: KpiReturn, queries: dict[int, str]) -> list[ReturnComment]:
    """Query a submitted return: `queries` maps a value id to the council's question on it."""
    _require(kpi_return, (ReturnStatus.SUBMITTED, ReturnStatus.RESUBMITTED), "queried")
    queries = {int(k): (t or "").strip() for k, t in queries.items() if (t or "").strip()}
    if not queries:
        raise ValidationError("Write a query on at least one KPI.")
    values = {v.pk: v for v in kpi_return.values.filter(pk__in=queries).select_related("definition")}
    unknown = set(queries) - set(values)
    if unknown:
        raise ValidationError("A query names a figure that is not in this return.")
    round_ = _round(kpi_return) + 1
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
    _set_status(
        kpi_return,
        ReturnStatus.QUERIED,
        actor=actor,
        action="queried",
        note="; ".join(f"{values[pk].definition.code}: {text}" for pk, text in sorted(queries.items())),
        reviewed_at=timezone.now(),
        reviewed_by=actor,
    )
    resolve_matching(
        kind="kpi_return_to_review", key=f"{kpi_return.pk}:{round_ - 1}", actor=actor, resolution="Queried"
    )
    raise_alert(
        recipient=kpi_return.provider,
        capability=Capability.PROVIDER_MANAGE,
        kind="kpi_return_queried",
        key=f"{kpi_return.pk}:{round_}",
        title=f"The council has queried your KPI return for {kpi_return.quarter} ({kpi_return.contract.reference})",
        url=_return_url(kpi_return),
        obj=kpi_return,
    )
    return comments


def open_queries(kpi_return: KpiReturn) -> list[ReturnComment]:
    """The current round's queries (those the provider must answer before resubmitting)."""
    round_ = _round(kpi_return)
    if not round_:
        return []
    return list(
        kpi_return.comments.filter(kind=CommentKind.QUERY, round=round_).select_related(
            "value", "value__definition"
        )
    )


@transaction.atomic
def return_resubmit(*, actor, kpi_return: KpiReturn, answers: dict[int, str]) -> KpiReturn:
    """Answer the council's queries (value id → answer) and resubmit. Every query needs an answer."""
    _require(kpi_return, (ReturnStatus.QUERIED,), "resubmitted")
    answers = {int(k): (t or "").strip() for k, t in answers.items()}
    round_ = _round(kpi_return)
    queries = open_queries(kpi_return)
    unanswered = [q.value.definition.code for q in queries if not answers.get(q.value_id)]
    if unanswered:
        raise ValidationError(f"Answer every query before resubmitting: {', '.join(unanswered)}.")
    ReturnComment.objects.bulk_create(
        ReturnComment(
            kpi_return=kpi_return,
            value_id=q.value_id,
            kind=CommentKind.ANSWER,
            round=round_,
            text=answers[q.value_id],
            author=actor,
            author_organisation_id=actor.organisation_id,
        )
        for q in queries
    )
    _set_status(
        kpi_return,
        ReturnStatus.RESUBMITTED,
        actor=actor,
        action="resubmitted",
        note="; ".join(f"{q.value.definition.code}: {answers[q.value_id]}" for q in queries),
        submitted_at=timezone.now(),
        submitted_by=actor,
    )
    resolve_matching(
        kind="kpi_return_queried", key=f"{kpi_return.pk}:{round_}", actor=actor, resolution="Answered"
    )
    _alert_council_to_review(kpi_return, round_)
    return kpi_return


@transaction.atomic
def return_accept(*, actor, kpi_return: KpiReturn, note: str = "") -> KpiReturn:
    _require(kpi_return, (ReturnStatus.SUBMITTED, ReturnStatus.RESUBMITTED), "accepted")
    _set_status(
        kpi_return,
        ReturnStatus.ACCEPTED,
        actor=actor,
        action="accepted",
        note=note,
        reviewed_at=timezone.now(),
        reviewed_by=actor,
    )
    resolve_matching(
        kind="kpi_return_to_review",
        key=f"{kpi_return.pk}:{_round(kpi_return)}",
        actor=actor,
        resolution="Accepted",
    )
    return kpi_return


def providers_for_quarter(quarter: Quarter) -> list[int]:
    return list(
        Contract.objects.filter(start_date__lte=quarter.end)
        .filter(models_q_end_on_or_after(quarter.start))
        .values_list("provider_id", flat=True)
        .distinct()
        .order_by("provider_id")
    )
