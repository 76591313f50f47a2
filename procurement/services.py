"""Writes for framework membership and call-offs: keyword-only, atomic, audited, with alerts to
the other side. Every change of status goes through its model's transition table
(`schemes.models.MEMBERSHIP_WORKFLOW`, `CALLOFF_WORKFLOW`, `BID_WORKFLOW`)."""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from portal import audit
from portal.alerts import AlertKind, new_alert, raise_alert, raise_alerts, resolve_matching
from portal.models import Alert, Organisation, User
from portal.money import to_decimal
from portal.roles import OrganisationKind
from portal.workflow import COUNCIL, NEW
from schemes.models import MEMBERSHIP_WORKFLOW, Lot, LotMembership, MembershipStatus, PaymentModel, Scheme
from schemes.services import contract_create

from . import alerts, rules
from .models import (
    BID_WORKFLOW,
    CALLOFF_TERMS,
    CALLOFF_WORKFLOW,
    Bid,
    BidAnswer,
    BidStatus,
    CallOff,
    CallOffStatus,
    LotEntryCriterion,
    QualityQuestion,
)
from .selectors import criteria_of, opened_bids, provider_facts, ranking

#: A question as a service takes it: (text, weight in percentage points, highest score).
Question = tuple[str, Decimal, int]


def _user(actor: User | None) -> User | None:
    return actor if actor is not None and actor.is_authenticated else None


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S%f")


# Entry criteria -----------------------------------------------------------------------------


@transaction.atomic
def criterion_add(
    *,
    actor: User | None,
    lot: Lot,
    requirement: str,
    route: int = 1,
    route_label: str = "",
    policy_kind: str = "",
    wording: str = "",
) -> LotEntryCriterion:
    """Add an entry criterion to a lot."""
    criterion = LotEntryCriterion(
        lot=lot,
        route=route,
        route_label=route_label.strip(),
        requirement=requirement,
        policy_kind=policy_kind,
        wording=wording.strip(),
        position=LotEntryCriterion.objects.filter(lot=lot, route=route).count() + 1,
    )
    criterion.full_clean()
    criterion.save()
    audit.record(
        actor=actor, obj=criterion, action="criterion added", changes={"criterion": [None, criterion.text]}
    )
    return criterion


@transaction.atomic
def criterion_remove(*, actor: User | None, criterion: LotEntryCriterion) -> None:
    audit.record(
        actor=actor, obj=criterion, action="criterion removed", changes={"criterion": [criterion.text, None]}
    )
    criterion.delete()


# Membership ---------------------------------------------------------------------------------


def _tell(
    membership: LotMembership,
    *,
    recipient: Organisation,
    kind: AlertKind,
    title: str,
    severity: str = Alert.Severity.ACTION,
) -> None:
    """Alert one side of a membership to a step the other took (one alert per step)."""
    raise_alert(
        recipient=recipient,
        kind=kind,
        key=f"membership:{membership.pk}:{_stamp(membership.updated_at)}",
        title=title,
        url=membership.get_absolute_url(),
        severity=severity,
        obj=membership,
    )


def _application_key(membership: LotMembership) -> str:
    assert membership.applied_at is not None
    return f"application:{membership.pk}:{_stamp(membership.applied_at)}"


def _resolve_application_alert(membership: LotMembership, actor: User | None, resolution: str) -> None:
    if membership.applied_at:
        resolve_matching(
            kind=alerts.APPLICATION,
            key=_application_key(membership),
            actor=actor,
            resolution=resolution,
            recipient=membership.commissioner,
        )


def _locked_membership(lot: Lot, provider: Organisation) -> LotMembership:
    """The provider's row on the lot, locked, or a new one (state NEW) if it never had one."""
    membership = LotMembership.objects.select_for_update().filter(lot=lot, provider=provider).first()
    if membership is None:
        membership = LotMembership(lot=lot, provider=provider, status=NEW).fill_commissioner()
    return membership


def _check_criteria(
    membership: LotMembership, declarations: Iterable[int | str] = ()
) -> tuple[list[rules.Criterion], rules.EntryAssessment, list[int]]:
    """The lot's entry criteria against what the portal holds now and what the provider declares
    (only declarations of the lot's own criteria count, and are returned)."""
    criteria = criteria_of(membership.lot)
    known = {c.id for c in criteria}
    declared = sorted({int(d) for d in declarations if int(d) in known})
    facts = provider_facts(membership.provider, declared)
    return criteria, rules.assess_entry(criteria, facts, timezone.localdate()), declared


@transaction.atomic
def membership_apply(
    *,
    actor: User | None,
    provider: Organisation,
    lot: Lot,
    declarations: Iterable[int | str] = (),
    statement: str = "",
) -> LotMembership:
    """A provider applies to join a lot of an open framework `[003 §2.5]`. The portal checks the
    lot's entry criteria against what it holds and what the provider declares; an application
    that fails them is refused, naming each unmet criterion."""
    if provider.kind != OrganisationKind.PROVIDER:
        raise ValidationError("Only a provider can apply to join a lot.")
    framework = lot.framework
    if not framework.is_open:
        raise ValidationError(f"{framework.name} is not open to applications: ask the council.")
    if framework.end_date and framework.end_date < timezone.localdate():
        raise ValidationError(f"{framework.name} ended on {framework.end_date:%d %B %Y}.")
    membership = _locked_membership(lot, provider)
    already: dict[str, str] = {
        MembershipStatus.APPLIED: "You have already applied to this lot: the council is considering it.",
        MembershipStatus.ADMITTED: "You are already on this lot.",
        MembershipStatus.SUSPENDED: "You are suspended from this lot: the council may readmit you.",
    }
    if membership.status in already:
        raise ValidationError(already[membership.status])
    criteria, assessment, declared = _check_criteria(membership, declarations)
    if not assessment.met:
        raise ValidationError(rules.entry_failure_message(str(lot), criteria, assessment))
    previous = membership.status or None
    membership.statement = statement.strip()
    membership.criteria_results = [r.as_dict() for r in assessment.results]
    membership.declarations = declared
    membership.applied_at, membership.applied_by = timezone.now(), _user(actor)
    membership.decided_at = membership.decided_by = None
    membership.decision_reason = ""
    MEMBERSHIP_WORKFLOW.apply(
        membership,
        "apply",
        actor=actor,
        note=membership.statement[:500],
        changes={
            "status": [previous, MembershipStatus.APPLIED],
            "declarations": [None, membership.declarations],
        },
    )
    raise_alert(
        recipient=membership.commissioner,
        kind=alerts.APPLICATION,
        key=_application_key(membership),
        title=f"{provider.name} applied to join {lot}",
        url=membership.get_absolute_url(),
        obj=membership,
    )
    return membership


#: What each move tells the other side: (alert kind, title, severity). A council's move is told
#: to the provider; the provider's to the council.
_TOLD = {
    "admit": (alerts.MEMBERSHIP, "You are admitted to {lot}", Alert.Severity.INFO),
    "admit_directly": (alerts.MEMBERSHIP, "You are admitted to {lot}", Alert.Severity.INFO),
    "reject": (alerts.MEMBERSHIP, "Your application to join {lot} was rejected", Alert.Severity.ACTION),
    "suspend": (alerts.MEMBERSHIP, "You are suspended from {lot}: {reason}", Alert.Severity.URGENT),
    "readmit": (alerts.MEMBERSHIP, "You are readmitted to {lot}", Alert.Severity.INFO),
    "withdraw": (alerts.MEMBERSHIP_WITHDRAWN, "{provider} left {lot}", Alert.Severity.INFO),
}
#: How a move settles a pending application (the council's alert about it is resolved).
_SETTLES = {"admit": "Admitted", "reject": "Rejected", "withdraw": "Withdrawn by the provider"}


def _move(
    membership: LotMembership,
    action: str,
    *,
    actor: User | None,
    reason: str = "",
    changes: dict[str, list[Any]] | None = None,
    **fields: Any,
) -> LotMembership:
    """Move a (locked) membership through its table with the reasons, settle the application it
    decides, and tell the other side."""
    was_applying = membership.status == MembershipStatus.APPLIED
    for name, value in fields.items():
        setattr(membership, name, value)
    MEMBERSHIP_WORKFLOW.apply(membership, action, actor=actor, note=reason, changes=changes)
    if was_applying and action in _SETTLES:
        _resolve_application_alert(membership, actor, _SETTLES[action])
    kind, title, severity = _TOLD[action]
    council_moved = MEMBERSHIP_WORKFLOW[action].side == COUNCIL
    _tell(
        membership,
        recipient=membership.provider if council_moved else membership.commissioner,
        kind=kind,
        title=title.format(lot=membership.lot, provider=membership.provider.name, reason=reason[:150]),
        severity=severity,
    )
    return membership


def _lock(membership: LotMembership) -> LotMembership:
    return LotMembership.objects.select_for_update().get(pk=membership.pk)


def _required(reason: str, message: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": message})
    return reason


def _decided(actor: User | None, reason: str | None = None) -> dict[str, Any]:
    """The fields a council's decision stamps (and its reasons, where it gives them)."""
    stamp: dict[str, Any] = {"decided_at": timezone.now(), "decided_by": _user(actor)}
    if reason is not None:
        stamp["decision_reason"] = reason
    return stamp


@transaction.atomic
def membership_admit(*, actor: User | None, membership: LotMembership, reason: str = "") -> LotMembership:
    """The council admits an applicant. The entry criteria are checked again against what the
    portal holds now (a rating may have changed since the application)."""
    membership = _lock(membership)
    MEMBERSHIP_WORKFLOW.check(membership, "admit")
    criteria, assessment, _declared = _check_criteria(membership, membership.declarations)
    if not assessment.met:
        message = rules.entry_failure_message(str(membership.lot), criteria, assessment)
        raise ValidationError(message.replace("You do not meet", "The provider no longer meets"))
    reason = reason.strip()
    results = [r.as_dict() for r in assessment.results]
    return _move(
        membership, "admit", actor=actor, reason=reason, criteria_results=results, **_decided(actor, reason)
    )


@transaction.atomic
def membership_reject(*, actor: User | None, membership: LotMembership, reason: str) -> LotMembership:
    """The council rejects an application, with reasons."""
    reason = _required(reason, "Give the reasons for rejecting the application.")
    return _move(_lock(membership), "reject", actor=actor, reason=reason, **_decided(actor, reason))


@transaction.atomic
def membership_suspend(*, actor: User | None, membership: LotMembership, reason: str) -> LotMembership:
    """Suspend a provider from a lot for quality or performance concerns `[003 §2.9]`: it may not
    bid in the lot's call-offs until readmitted."""
    reason = _required(reason, "Give the quality concerns behind the suspension.")
    return _move(
        _lock(membership),
        "suspend",
        actor=actor,
        reason=reason,
        suspended_at=timezone.now(),
        suspension_reason=reason,
    )


@transaction.atomic
def membership_readmit(*, actor: User | None, membership: LotMembership, reason: str = "") -> LotMembership:
    """Readmit a suspended provider once the concerns are addressed `[003 §2.9]`."""
    return _move(_lock(membership), "readmit", actor=actor, reason=reason.strip(), **_decided(actor))


@transaction.atomic
def membership_withdraw(*, actor: User | None, membership: LotMembership, reason: str = "") -> LotMembership:
    """The provider leaves a lot (or withdraws its application) `[003 §2.5]`."""
    return _move(_lock(membership), "withdraw", actor=actor, reason=reason.strip())


@transaction.atomic
def membership_admit_directly(
    *, actor: User | None, lot: Lot, provider: Organisation, reason: str
) -> LotMembership:
    """Record a provider's admission made outside an application — e.g. from the framework's
    original tender on a framework that is not open."""
    if provider.kind != OrganisationKind.PROVIDER:
        raise ValidationError({"provider": "Choose a provider."})
    reason = _required(reason, "Say how the provider came onto the lot (e.g. the tender).")
    membership = _locked_membership(lot, provider)
    if membership.status in (MembershipStatus.ADMITTED, MembershipStatus.SUSPENDED):
        raise ValidationError({"provider": f"{provider.name} is already on this lot."})
    if membership.status == MembershipStatus.APPLIED:
        raise ValidationError(
            {"provider": f"{provider.name} has applied: decide on its application instead."}
        )
    return _move(
        membership,
        "admit_directly",
        actor=actor,
        reason=reason,
        changes={"status": [membership.status or None, MembershipStatus.ADMITTED]},
        **_decided(actor, reason),
    )


# Call-offs ----------------------------------------------------------------------------------


def _calloff_key(calloff: CallOff) -> str:
    return f"calloff:{calloff.pk}"


def _save_calloff(calloff: CallOff, questions: list[Question], schemes: list[Scheme] | None) -> None:
    """Check a call-off's terms, then save it with its schemes (all the lot's by default) and its
    quality questions (replacing any it had)."""
    covered = list(schemes) if schemes else list(calloff.lot.schemes.all())
    errors = {}
    if calloff.lot.framework.commissioner_id != calloff.commissioner_id:
        errors["lot"] = "Choose a lot of one of your frameworks."
    if any(s.lot_id != calloff.lot_id for s in covered):
        errors["schemes"] = "Every scheme must be in the call-off's lot."
    clash = CallOff.objects.filter(commissioner_id=calloff.commissioner_id, reference=calloff.reference)
    if calloff.pk:
        clash = clash.exclude(pk=calloff.pk)
    if clash.exists():
        errors["reference"] = f"You already have a call-off with reference {calloff.reference}."
    weights = rules.weights_error(calloff.price_weight, [to_decimal(w) for _text, w, _max in questions])
    if weights:
        errors["price_weight"] = weights
    if calloff.payment_model not in PaymentModel.values:
        errors["payment_model"] = "Choose how the contract will be paid."
    if errors:
        raise ValidationError(errors)
    calloff.full_clean(exclude=["schemes"])
    calloff.save()
    calloff.schemes.set(covered)
    calloff.questions.all().delete()
    QualityQuestion.objects.bulk_create(
        QualityQuestion(
            calloff=calloff, position=i, text=text.strip(), weight=to_decimal(weight), max_score=max_score
        )
        for i, (text, weight, max_score) in enumerate(questions, start=1)
    )


@transaction.atomic
def calloff_create(
    *,
    actor: User | None,
    commissioner: Organisation,
    lot: Lot,
    reference: str,
    title: str,
    closes_at: dt.datetime,
    price_min: Decimal,
    price_max: Decimal,
    price_weight: Decimal,
    questions: list[Question],
    contract_reference: str,
    contract_start: dt.date,
    payment_model: str,
    contract_end: dt.date | None = None,
    unplanned_hourly_rate: Decimal | None = None,
    block_weekly_hours: Decimal | None = None,
    schemes: list[Scheme] | None = None,
    description: str = "",
) -> CallOff:
    """Draft a call-off for a lot (all its schemes) or a set of its schemes. Quality questions
    carry weights that, with the price weight, add up to 100%."""
    calloff = CallOff(
        commissioner=commissioner,
        lot=lot,
        reference=reference.strip(),
        title=title.strip(),
        description=description.strip(),
        closes_at=closes_at,
        price_min=to_decimal(price_min),
        price_max=to_decimal(price_max),
        price_weight=to_decimal(price_weight),
        contract_reference=contract_reference.strip(),
        contract_start=contract_start,
        contract_end=contract_end,
        payment_model=payment_model,
        unplanned_hourly_rate=None if unplanned_hourly_rate is None else to_decimal(unplanned_hourly_rate),
        block_weekly_hours=None if block_weekly_hours is None else to_decimal(block_weekly_hours),
        created_by=_user(actor),
    )
    _save_calloff(calloff, questions, schemes)
    audit.record(
        actor=actor,
        obj=calloff,
        action="drafted",
        changes={"lot": [None, str(lot)], "price_band": [None, f"{calloff.price_min}–{calloff.price_max}"]},
    )
    return calloff


@transaction.atomic
def calloff_update(
    *,
    actor: User | None,
    calloff: CallOff,
    questions: list[Question],
    schemes: list[Scheme] | None = None,
    **fields: Any,
) -> CallOff:
    """Change a draft call-off (once published, its terms are fixed)."""
    calloff = CallOff.objects.select_for_update().get(pk=calloff.pk)
    if calloff.status != CallOffStatus.DRAFT:
        raise ValidationError("Only a draft call-off can be changed.")
    unknown = set(fields) - set(CALLOFF_TERMS) - {"lot"}
    if unknown:
        raise TypeError(f"Unknown call-off fields: {', '.join(sorted(unknown))}")
    before = audit.snapshot(calloff, CALLOFF_TERMS)
    for name, value in fields.items():
        setattr(calloff, name, value.strip() if isinstance(value, str) else value)
    _save_calloff(calloff, questions, schemes)
    audit.record(
        actor=actor,
        obj=calloff,
        action="updated",
        changes=audit.diff(before, audit.snapshot(calloff, CALLOFF_TERMS)),
    )
    return calloff


@transaction.atomic
def calloff_publish(*, actor: User | None, calloff: CallOff) -> CallOff:
    """Publish a draft: the providers admitted to the lot are told and may bid until the closing time."""
    calloff = CallOff.objects.select_for_update().get(pk=calloff.pk)
    CALLOFF_WORKFLOW.check(calloff, "publish")
    if calloff.closes_at <= timezone.now():
        raise ValidationError(
            {"closes_at": "The closing time has passed: set a later one before publishing."}
        )
    weights = rules.weights_error(
        calloff.price_weight, list(calloff.questions.values_list("weight", flat=True))
    )
    if weights:
        raise ValidationError(weights)
    calloff.published_at = timezone.now()
    CALLOFF_WORKFLOW.apply(calloff, "publish", actor=actor, update_fields=["published_at", "updated_at"])
    closes = timezone.localtime(calloff.closes_at)
    raise_alerts(
        [
            new_alert(
                kind=alerts.CALLOFF_PUBLISHED,
                recipient_id=provider_id,
                key=_calloff_key(calloff),
                title=f"New call-off {calloff.reference}: {calloff.title} — bids close {closes:%d %b %Y %H:%M}",
                url=calloff.get_absolute_url(),
                due_at=calloff.closes_at,
            )
            for provider_id in LotMembership.objects.admitted()
            .filter(lot=calloff.lot)
            .values_list("provider_id", flat=True)
        ]
    )
    return calloff


@transaction.atomic
def calloff_cancel(*, actor: User | None, calloff: CallOff, reason: str) -> CallOff:
    """Cancel a call-off before the award; its bids are never opened."""
    reason = _required(reason, "Say why the call-off is cancelled.")
    calloff = CallOff.objects.select_for_update().get(pk=calloff.pk)
    calloff.cancellation_reason = reason
    CALLOFF_WORKFLOW.apply(
        calloff, "cancel", actor=actor, note=reason, update_fields=["cancellation_reason", "updated_at"]
    )
    for kind in (alerts.CALLOFF_PUBLISHED, alerts.CALLOFF_CLOSED):
        resolve_matching(kind=kind, key=_calloff_key(calloff), actor=actor, resolution="Cancelled")
    raise_alerts(
        [
            new_alert(
                kind=alerts.CALLOFF_OUTCOME,
                recipient_id=provider_id,
                key=_calloff_key(calloff),
                title=f"Call-off {calloff.reference} was cancelled: {reason[:150]}",
                url=calloff.get_absolute_url(),
                severity=Alert.Severity.INFO,
            )
            for provider_id in opened_bids(calloff).values_list("provider_id", flat=True)
        ]
    )
    return calloff


@transaction.atomic
def calloff_award(*, actor: User | None, calloff: CallOff, bid: Bid) -> CallOff:
    """Award the call-off to the highest-ranked bid: this creates the contract, at the bid's
    hourly rate, for the call-off's schemes. Every bid must be scored first."""
    calloff = CallOff.objects.select_for_update().select_related("lot", "commissioner").get(pk=calloff.pk)
    transition = CALLOFF_WORKFLOW.check(calloff, "award")
    if not calloff.is_closed:
        raise ValidationError(transition.refusal)
    ranked = ranking(calloff, opened_bids(calloff))
    if not ranked:
        raise ValidationError("There are no bids to award.")
    unscored = [b.provider.name for b, r in ranked if not r.fully_scored]
    if unscored:
        raise ValidationError(f"Score every bid before the award: {', '.join(unscored)} not fully scored.")
    winner, top = ranked[0]
    if bid.pk != winner.pk:
        raise ValidationError(
            f"Award to the highest-ranked bid: {winner.provider.name} scored {top.total} points."
        )
    contract = contract_create(
        actor=actor,
        commissioner=calloff.commissioner,
        provider=winner.provider,
        lot=calloff.lot,
        reference=calloff.contract_reference,
        title=calloff.title,
        start_date=calloff.contract_start,
        end_date=calloff.contract_end,
        payment_model=calloff.payment_model,
        planned_hourly_rate=winner.hourly_rate,
        unplanned_hourly_rate=calloff.unplanned_hourly_rate,
        schemes=list(calloff.schemes.all()),
        block_weekly_hours=calloff.block_weekly_hours,
    )
    calloff.awarded_bid, calloff.awarded_at, calloff.contract = winner, timezone.now(), contract
    CALLOFF_WORKFLOW.apply(
        calloff,
        "award",
        actor=actor,
        update_fields=["awarded_bid", "awarded_at", "contract", "updated_at"],
        changes={
            "provider": [None, winner.provider.name],
            "hourly_rate": [None, winner.hourly_rate],
            "total_points": [None, top.total],
            "contract": [None, contract.reference],
        },
    )
    resolve_matching(kind=alerts.CALLOFF_CLOSED, key=_calloff_key(calloff), actor=actor, resolution="Awarded")
    raise_alerts(
        [
            new_alert(
                kind=alerts.CALLOFF_OUTCOME,
                recipient_id=b.provider_id,
                key=_calloff_key(calloff),
                title=(
                    f"You won call-off {calloff.reference}: contract {contract.reference} at £{b.hourly_rate}/h"
                    if b.pk == winner.pk
                    else f"Your bid for {calloff.reference} was not successful (ranked {r.rank} of {len(ranked)})"
                ),
                url=contract.get_absolute_url() if b.pk == winner.pk else calloff.get_absolute_url(),
                severity=Alert.Severity.INFO,
            )
            for b, r in ranked
        ]
    )
    return calloff


def calloffs_closed_alerts(*, now: dt.datetime) -> int:
    """Tell each council which of its call-offs have closed with bids to score (periodic, idempotent)."""
    closed = CallOff.objects.filter(status=CallOffStatus.PUBLISHED, closes_at__lte=now)
    return raise_alerts(
        [
            new_alert(
                kind=alerts.CALLOFF_CLOSED,
                recipient_id=c.commissioner_id,
                key=_calloff_key(c),
                title=f"Bids for {c.reference} are open: score them and award the call-off",
                url=reverse("procurement:calloff-detail", args=[c.pk]),
            )
            for c in closed
        ]
    )


# Bids ---------------------------------------------------------------------------------------


def _check_bidder(calloff: CallOff, provider: Organisation) -> None:
    """Only providers admitted to the lot may bid, and only before the closing time."""
    if calloff.status != CallOffStatus.PUBLISHED:
        raise ValidationError(f"Call-off {calloff.reference} is not open for bids.")
    if calloff.is_closed:
        raise ValidationError(
            f"Bids for {calloff.reference} closed at {timezone.localtime(calloff.closes_at):%H:%M on %d %B %Y}."
        )
    membership = LotMembership.objects.filter(lot=calloff.lot, provider=provider).first()
    if membership is not None and membership.status == MembershipStatus.SUSPENDED:
        raise ValidationError(f"You are suspended from {calloff.lot}, so you cannot bid.")
    if membership is None or membership.status != MembershipStatus.ADMITTED:
        raise ValidationError(f"Only providers admitted to {calloff.lot} can bid.")


@transaction.atomic
def bid_submit(
    *,
    actor: User | None,
    provider: Organisation,
    calloff: CallOff,
    hourly_rate: Decimal,
    answers: dict[int, str],
    note: str = "",
) -> Bid:
    """Submit (or revise) a sealed bid. Only providers admitted to the lot may bid, only before the
    closing time, and only at a rate inside the price band `[004 App. 3 §1]`."""
    calloff = CallOff.objects.select_related("lot").get(pk=calloff.pk)
    _check_bidder(calloff, provider)
    rate = to_decimal(hourly_rate)
    if rate != rate.quantize(Decimal("0.01")):
        raise ValidationError({"hourly_rate": "Give the hourly rate in pounds and pence."})
    band = rules.price_band_error(rate, calloff.price_min, calloff.price_max)
    if band:
        raise ValidationError({"hourly_rate": band})
    questions = list(calloff.questions.all())
    answers = {int(k): (v or "").strip() for k, v in answers.items()}
    missing = [q for q in questions if not answers.get(q.pk)]
    if missing:
        raise ValidationError(
            {
                "answers": f"Answer every quality question: question {', '.join(str(q.position) for q in missing)} "
                f"{'is' if len(missing) == 1 else 'are'} not answered."
            }
        )
    bid = Bid.objects.select_for_update().filter(calloff=calloff, provider=provider).first()
    if bid is None:
        bid = Bid(calloff=calloff, provider=provider, commissioner_id=calloff.commissioner_id, status=NEW)
    before = {"hourly_rate": bid.hourly_rate if bid.pk else None, "status": bid.status or None}
    bid.hourly_rate, bid.note = rate, note.strip()
    bid.submitted_at, bid.submitted_by = timezone.now(), _user(actor)
    BID_WORKFLOW.apply(
        bid,
        "revise" if bid.pk else "submit",
        actor=actor,
        changes={
            "hourly_rate": [before["hourly_rate"], rate],
            "status": [before["status"], BidStatus.SUBMITTED],
        },
    )
    BidAnswer.objects.filter(bid=bid).delete()
    BidAnswer.objects.bulk_create(BidAnswer(bid=bid, question=q, answer=answers[q.pk]) for q in questions)
    return bid


@transaction.atomic
def bid_withdraw(*, actor: User | None, bid: Bid) -> Bid:
    """Withdraw a bid before the closing time."""
    bid = Bid.objects.select_for_update().select_related("calloff").get(pk=bid.pk)
    BID_WORKFLOW.check(bid, "withdraw")
    if not bid.calloff.is_open_for_bids:
        raise ValidationError("Bids can be withdrawn only before the closing time.")
    BID_WORKFLOW.apply(bid, "withdraw", actor=actor, update_fields=["updated_at"])
    return bid


@transaction.atomic
def bid_score(*, actor: User | None, bid: Bid, scores: dict[int, int | None]) -> Bid:
    """The council scores a bid's answers once the bids are opened (after the closing time)."""
    bid = Bid.objects.select_related("calloff", "provider").get(pk=bid.pk)
    calloff = bid.calloff
    if not calloff.bids_opened or bid.status != BidStatus.SUBMITTED:
        raise ValidationError("Bids can be scored only after the closing time.")
    if calloff.status != CallOffStatus.PUBLISHED:
        raise ValidationError("The call-off is awarded: its scores are final.")
    answers = {a.question_id: a for a in bid.answers.select_related("question")}
    errors = []
    changes: dict[str, list[Any]] = {}
    now = timezone.now()
    for question_id, score in scores.items():
        answer = answers.get(int(question_id))
        if answer is None:
            errors.append(f"Question {question_id} is not a question of this call-off.")
            continue
        if score is None or not 0 <= int(score) <= answer.question.max_score:
            errors.append(f"Score question {answer.question.position} from 0 to {answer.question.max_score}.")
            continue
        if answer.score != int(score):
            changes[f"{bid.provider.name}, question {answer.question.position}"] = [answer.score, int(score)]
            answer.score, answer.scored_at, answer.scored_by = int(score), now, _user(actor)
    if errors:
        raise ValidationError({"scores": errors})
    BidAnswer.objects.bulk_update(list(answers.values()), ["score", "scored_at", "scored_by"])
    if changes:
        # On the call-off's trail (the council's), not the bid's (the bidder's).
        audit.record(actor=actor, obj=calloff, action="bid scored", changes=changes)
    return bid
