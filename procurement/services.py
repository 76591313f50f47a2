"""Writes for framework membership and call-offs: keyword-only, atomic, audited, with alerts to
the other side."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from compliance.models import OfstedRegistration
from compliance.services import current_policies
from portal import audit
from portal.alerts import raise_alert, raise_alerts, resolve_matching
from portal.models import Alert, Organisation
from portal.money import to_decimal
from portal.roles import Capability, OrganisationKind
from schemes.models import Lot, PaymentModel, Scheme
from schemes.services import contract_create

from . import rules
from .models import (
    Bid,
    BidAnswer,
    BidStatus,
    CallOff,
    CallOffStatus,
    LotEntryCriterion,
    LotMembership,
    MembershipStatus,
    QualityQuestion,
)

ALERT_APPLICATION = "membership-application"
ALERT_MEMBERSHIP = "membership-decision"
ALERT_CALLOFF_PUBLISHED = "calloff-published"
ALERT_CALLOFF_CLOSED = "calloff-closed"
ALERT_CALLOFF_OUTCOME = "calloff-outcome"


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S%f")


# Entry criteria -----------------------------------------------------------------------------


def criteria_of(lot: Lot) -> list[rules.Criterion]:
    return [
        rules.Criterion(
            id=c.pk,
            route=c.route,
            route_label=c.route_label,
            requirement=c.requirement,
            text=c.text,
            policy_kind=c.policy_kind,
        )
        for c in LotEntryCriterion.objects.filter(lot=lot)
    ]


def provider_facts(provider: Organisation, declared=()) -> rules.ProviderFacts:
    """What the portal holds about a provider's registration and policies (two queries)."""
    ofsted = OfstedRegistration.objects.filter(provider=provider).first()
    policies = dict(current_policies().filter(provider=provider).values_list("kind", "review_due_on"))
    return rules.ProviderFacts(
        cqc_location_id=provider.cqc_location_id,
        cqc_rating=provider.cqc_rating,
        cqc_rating_date=provider.cqc_rating_date,
        ofsted_urn=ofsted.urn if ofsted else "",
        ofsted_rating=ofsted.rating if ofsted else "",
        ofsted_rating_date=ofsted.rating_date if ofsted else None,
        policies=policies,
        declared=frozenset(int(d) for d in declared),
    )


def entry_assessment(*, provider, lot, declared=(), today=None):
    criteria = criteria_of(lot)
    facts = provider_facts(provider, declared)
    return criteria, rules.assess_entry(criteria, facts, today or timezone.localdate())


@transaction.atomic
def criterion_add(
    *,
    actor,
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
def criterion_remove(*, actor, criterion: LotEntryCriterion) -> None:
    audit.record(
        actor=actor, obj=criterion, action="criterion removed", changes={"criterion": [criterion.text, None]}
    )
    criterion.delete()


# Membership ---------------------------------------------------------------------------------


def _membership_alert_to_commissioner(membership, *, kind, title, severity=Alert.Severity.ACTION):
    raise_alert(
        recipient=membership.commissioner,
        capability=Capability.COMMISSION,
        kind=kind,
        key=f"membership:{membership.pk}:{_stamp(membership.updated_at)}",
        title=title,
        url=membership.get_absolute_url(),
        severity=severity,
        obj=membership,
    )


def _membership_alert_to_provider(membership, *, title, severity=Alert.Severity.ACTION):
    raise_alert(
        recipient=membership.provider,
        capability=Capability.PROVIDER_MANAGE,
        kind=ALERT_MEMBERSHIP,
        key=f"membership:{membership.pk}:{_stamp(membership.updated_at)}",
        title=title,
        url=membership.get_absolute_url(),
        severity=severity,
        obj=membership,
    )


def _resolve_application_alert(membership, actor, resolution):
    if membership.applied_at:
        resolve_matching(
            kind=ALERT_APPLICATION,
            key=f"application:{membership.pk}:{_stamp(membership.applied_at)}",
            actor=actor,
            resolution=resolution,
            recipient=membership.commissioner,
        )


@transaction.atomic
def membership_apply(
    *, actor, provider: Organisation, lot: Lot, declarations=(), statement: str = ""
) -> LotMembership:
    """A provider applies to join a lot of an open framework `[003 §2.5]`. The portal checks the
    lot's entry criteria against what it holds and what the provider declares; an application
    that fails them is refused, naming each unmet criterion."""
    if provider.kind != OrganisationKind.PROVIDER:
        raise ValidationError("Only a provider can apply to join a lot.")
    framework = lot.framework
    today = timezone.localdate()
    if not framework.is_open:
        raise ValidationError(f"{framework.name} is not open to applications: ask the council.")
    if framework.end_date and framework.end_date < today:
        raise ValidationError(f"{framework.name} ended on {framework.end_date:%d %B %Y}.")
    membership = LotMembership.objects.select_for_update().filter(lot=lot, provider=provider).first()
    if membership is not None and membership.status in (
        MembershipStatus.APPLIED,
        MembershipStatus.ADMITTED,
        MembershipStatus.SUSPENDED,
    ):
        raise ValidationError(
            {
                MembershipStatus.APPLIED: "You have already applied to this lot: the council is considering it.",
                MembershipStatus.ADMITTED: "You are already on this lot.",
                MembershipStatus.SUSPENDED: "You are suspended from this lot: the council may readmit you.",
            }[membership.status]
        )
    criteria = criteria_of(lot)
    known = {c.id for c in criteria}
    declared = {int(d) for d in declarations if int(d) in known}
    assessment = rules.assess_entry(criteria, provider_facts(provider, declared), today)
    if not assessment.met:
        raise ValidationError(rules.entry_failure_message(str(lot), criteria, assessment))
    previous = membership.status if membership else None
    if membership is None:
        membership = LotMembership(lot=lot, provider=provider).fill_commissioner()
    membership.status = MembershipStatus.APPLIED
    membership.statement = statement.strip()
    membership.criteria_results = [r.as_dict() for r in assessment.results]
    membership.declarations = sorted(declared)
    membership.applied_at = timezone.now()
    membership.applied_by = _user(actor)
    membership.decided_at = membership.decided_by = None
    membership.decision_reason = ""
    membership.save()
    audit.record(
        actor=actor,
        obj=membership,
        action="applied",
        changes={
            "status": [previous, MembershipStatus.APPLIED],
            "declarations": [None, membership.declarations],
        },
        note=membership.statement[:500],
    )
    raise_alert(
        recipient=membership.commissioner,
        capability=Capability.COMMISSION,
        kind=ALERT_APPLICATION,
        key=f"application:{membership.pk}:{_stamp(membership.applied_at)}",
        title=f"{provider.name} applied to join {lot}",
        url=membership.get_absolute_url(),
        obj=membership,
    )
    return membership


def _transition(membership, actor, *, allowed_from, to, action, reason, note_field=None):
    if membership.status not in allowed_from:
        raise ValidationError(
            f"This membership is {membership.get_status_display().lower()}: it cannot be {action} now."
        )
    before = membership.status
    membership.status = to
    if note_field:
        setattr(membership, note_field, reason)
    membership.save()
    audit.record(actor=actor, obj=membership, action=action, changes={"status": [before, to]}, note=reason)
    return membership


@transaction.atomic
def membership_admit(*, actor, membership: LotMembership, reason: str = "") -> LotMembership:
    """The council admits an applicant. The entry criteria are checked again against what the
    portal holds now (a rating may have changed since the application)."""
    membership = LotMembership.objects.select_for_update().get(pk=membership.pk)
    if membership.status != MembershipStatus.APPLIED:
        raise ValidationError("Only an application can be admitted.")
    criteria = criteria_of(membership.lot)
    assessment = rules.assess_entry(
        criteria, provider_facts(membership.provider, membership.declarations), timezone.localdate()
    )
    if not assessment.met:
        message = rules.entry_failure_message(str(membership.lot), criteria, assessment)
        raise ValidationError(message.replace("You do not meet", "The provider no longer meets"))
    membership.decided_at, membership.decided_by = timezone.now(), _user(actor)
    membership.decision_reason = reason.strip()
    membership.criteria_results = [r.as_dict() for r in assessment.results]
    _transition(
        membership,
        actor,
        allowed_from={MembershipStatus.APPLIED},
        to=MembershipStatus.ADMITTED,
        action="admitted",
        reason=reason.strip(),
    )
    _resolve_application_alert(membership, actor, "Admitted")
    _membership_alert_to_provider(
        membership, title=f"You are admitted to {membership.lot}", severity=Alert.Severity.INFO
    )
    return membership


@transaction.atomic
def membership_reject(*, actor, membership: LotMembership, reason: str) -> LotMembership:
    """The council rejects an application, with reasons."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Give the reasons for rejecting the application."})
    membership = LotMembership.objects.select_for_update().get(pk=membership.pk)
    membership.decided_at, membership.decided_by = timezone.now(), _user(actor)
    membership.decision_reason = reason
    _transition(
        membership,
        actor,
        allowed_from={MembershipStatus.APPLIED},
        to=MembershipStatus.REJECTED,
        action="rejected",
        reason=reason,
    )
    _resolve_application_alert(membership, actor, "Rejected")
    _membership_alert_to_provider(membership, title=f"Your application to join {membership.lot} was rejected")
    return membership


@transaction.atomic
def membership_suspend(*, actor, membership: LotMembership, reason: str) -> LotMembership:
    """Suspend a provider from a lot for quality or performance concerns `[003 §2.9]`: it may not
    bid in the lot's call-offs until readmitted."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Give the quality concerns behind the suspension."})
    membership = LotMembership.objects.select_for_update().get(pk=membership.pk)
    membership.suspended_at = timezone.now()
    _transition(
        membership,
        actor,
        allowed_from={MembershipStatus.ADMITTED},
        to=MembershipStatus.SUSPENDED,
        action="suspended",
        reason=reason,
        note_field="suspension_reason",
    )
    _membership_alert_to_provider(
        membership,
        title=f"You are suspended from {membership.lot}: {reason[:150]}",
        severity=Alert.Severity.URGENT,
    )
    return membership


@transaction.atomic
def membership_readmit(*, actor, membership: LotMembership, reason: str = "") -> LotMembership:
    """Readmit a suspended provider once the concerns are addressed `[003 §2.9]`."""
    membership = LotMembership.objects.select_for_update().get(pk=membership.pk)
    membership.decided_at, membership.decided_by = timezone.now(), _user(actor)
    _transition(
        membership,
        actor,
        allowed_from={MembershipStatus.SUSPENDED},
        to=MembershipStatus.ADMITTED,
        action="readmitted",
        reason=reason.strip(),
    )
    _membership_alert_to_provider(
        membership, title=f"You are readmitted to {membership.lot}", severity=Alert.Severity.INFO
    )
    return membership


@transaction.atomic
def membership_withdraw(*, actor, membership: LotMembership, reason: str = "") -> LotMembership:
    """The provider leaves a lot (or withdraws its application) `[003 §2.5]`."""
    membership = LotMembership.objects.select_for_update().get(pk=membership.pk)
    was_applying = membership.status == MembershipStatus.APPLIED
    _transition(
        membership,
        actor,
        allowed_from={MembershipStatus.APPLIED, MembershipStatus.ADMITTED, MembershipStatus.SUSPENDED},
        to=MembershipStatus.WITHDRAWN,
        action="withdrew",
        reason=reason.strip(),
    )
    if was_applying:
        _resolve_application_alert(membership, actor, "Withdrawn by the provider")
    _membership_alert_to_commissioner(
        membership,
        kind="membership-withdrawn",
        title=f"{membership.provider.name} left {membership.lot}",
        severity=Alert.Severity.INFO,
    )
    return membership


@transaction.atomic
def membership_admit_directly(*, actor, lot: Lot, provider: Organisation, reason: str) -> LotMembership:
    """Record a provider's admission made outside an application — e.g. from the framework's
    original tender on a framework that is not open."""
    if provider.kind != OrganisationKind.PROVIDER:
        raise ValidationError({"provider": "Choose a provider."})
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say how the provider came onto the lot (e.g. the tender)."})
    membership = LotMembership.objects.select_for_update().filter(lot=lot, provider=provider).first()
    if membership is not None and membership.status in (
        MembershipStatus.ADMITTED,
        MembershipStatus.SUSPENDED,
    ):
        raise ValidationError({"provider": f"{provider.name} is already on this lot."})
    if membership is not None and membership.status == MembershipStatus.APPLIED:
        raise ValidationError(
            {"provider": f"{provider.name} has applied: decide on its application instead."}
        )
    previous = membership.status if membership else None
    if membership is None:
        membership = LotMembership(lot=lot, provider=provider).fill_commissioner()
    membership.status = MembershipStatus.ADMITTED
    membership.decided_at, membership.decided_by = timezone.now(), _user(actor)
    membership.decision_reason = reason
    membership.save()
    audit.record(
        actor=actor,
        obj=membership,
        action="admitted",
        changes={"status": [previous, MembershipStatus.ADMITTED]},
        note=reason,
    )
    _membership_alert_to_provider(
        membership, title=f"You are admitted to {lot}", severity=Alert.Severity.INFO
    )
    return membership


# Call-offs ----------------------------------------------------------------------------------

CALLOFF_FIELDS = [
    "reference",
    "title",
    "description",
    "closes_at",
    "price_min",
    "price_max",
    "price_weight",
    "contract_reference",
    "contract_start",
    "contract_end",
    "payment_model",
    "unplanned_hourly_rate",
]


def _check_calloff(calloff: CallOff, questions, schemes) -> None:
    errors = {}
    if calloff.lot.framework.commissioner_id != calloff.commissioner_id:
        errors["lot"] = "Choose a lot of one of your frameworks."
    if any(s.lot_id != calloff.lot_id for s in schemes):
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


def _set_questions(calloff, questions):
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
    actor,
    commissioner: Organisation,
    lot: Lot,
    reference: str,
    title: str,
    closes_at: dt.datetime,
    price_min: Decimal,
    price_max: Decimal,
    price_weight: Decimal,
    questions: list[tuple[str, Decimal, int]],
    contract_reference: str,
    contract_start: dt.date,
    payment_model: str,
    contract_end: dt.date | None = None,
    unplanned_hourly_rate: Decimal | None = None,
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
        created_by=_user(actor),
    )
    covered = list(schemes) if schemes else list(lot.schemes.all())
    _check_calloff(calloff, questions, covered)
    calloff.save()
    calloff.schemes.set(covered)
    _set_questions(calloff, questions)
    audit.record(
        actor=actor,
        obj=calloff,
        action="drafted",
        changes={"lot": [None, str(lot)], "price_band": [None, f"{calloff.price_min}–{calloff.price_max}"]},
    )
    return calloff


@transaction.atomic
def calloff_update(*, actor, calloff: CallOff, questions, schemes=None, **fields) -> CallOff:
    """Change a draft call-off (once published, its terms are fixed)."""
    calloff = CallOff.objects.select_for_update().get(pk=calloff.pk)
    if calloff.status != CallOffStatus.DRAFT:
        raise ValidationError("Only a draft call-off can be changed.")
    unknown = set(fields) - set(CALLOFF_FIELDS) - {"lot"}
    if unknown:
        raise TypeError(f"Unknown call-off fields: {', '.join(sorted(unknown))}")
    before = audit.snapshot(calloff, CALLOFF_FIELDS)
    for name, value in fields.items():
        setattr(calloff, name, value.strip() if isinstance(value, str) else value)
    covered = list(schemes) if schemes else list(calloff.lot.schemes.all())
    _check_calloff(calloff, questions, covered)
    calloff.save()
    calloff.schemes.set(covered)
    _set_questions(calloff, questions)
    audit.record(
        actor=actor,
        obj=calloff,
        action="updated",
        changes=audit.diff(before, audit.snapshot(calloff, CALLOFF_FIELDS)),
    )
    return calloff


@transaction.atomic
def calloff_publish(*, actor, calloff: CallOff) -> CallOff:
    """Publish a draft: the providers admitted to the lot are told and may bid until the closing time."""
    calloff = CallOff.objects.select_for_update().get(pk=calloff.pk)
    if calloff.status != CallOffStatus.DRAFT:
        raise ValidationError("Only a draft call-off can be published.")
    if calloff.closes_at <= timezone.now():
        raise ValidationError(
            {"closes_at": "The closing time has passed: set a later one before publishing."}
        )
    questions = list(calloff.questions.values_list("text", "weight", "max_score"))
    weights = rules.weights_error(calloff.price_weight, [w for _t, w, _m in questions])
    if weights:
        raise ValidationError(weights)
    calloff.status = CallOffStatus.PUBLISHED
    calloff.published_at = timezone.now()
    calloff.save(update_fields=["status", "published_at", "updated_at"])
    audit.record(
        actor=actor,
        obj=calloff,
        action="published",
        changes={"status": [CallOffStatus.DRAFT, calloff.status]},
    )
    closes = timezone.localtime(calloff.closes_at)
    raise_alerts(
        [
            Alert(
                recipient_id=provider_id,
                capability=Capability.PROVIDER_MANAGE,
                kind=ALERT_CALLOFF_PUBLISHED,
                key=f"calloff:{calloff.pk}",
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
def calloff_cancel(*, actor, calloff: CallOff, reason: str) -> CallOff:
    """Cancel a call-off before the award; its bids are never opened."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the call-off is cancelled."})
    calloff = CallOff.objects.select_for_update().get(pk=calloff.pk)
    if calloff.status not in (CallOffStatus.DRAFT, CallOffStatus.PUBLISHED):
        raise ValidationError(
            f"A call-off that is {calloff.get_status_display().lower()} cannot be cancelled."
        )
    before = calloff.status
    calloff.status = CallOffStatus.CANCELLED
    calloff.cancellation_reason = reason
    calloff.save(update_fields=["status", "cancellation_reason", "updated_at"])
    audit.record(
        actor=actor,
        obj=calloff,
        action="cancelled",
        changes={"status": [before, calloff.status]},
        note=reason,
    )
    resolve_matching(
        kind=ALERT_CALLOFF_PUBLISHED, key=f"calloff:{calloff.pk}", actor=actor, resolution="Cancelled"
    )
    resolve_matching(
        kind=ALERT_CALLOFF_CLOSED, key=f"calloff:{calloff.pk}", actor=actor, resolution="Cancelled"
    )
    raise_alerts(
        [
            Alert(
                recipient_id=provider_id,
                capability=Capability.PROVIDER_MANAGE,
                kind=ALERT_CALLOFF_OUTCOME,
                key=f"calloff:{calloff.pk}",
                title=f"Call-off {calloff.reference} was cancelled: {reason[:150]}",
                url=calloff.get_absolute_url(),
                severity=Alert.Severity.INFO,
            )
            for provider_id in Bid.objects.filter(calloff=calloff, status=BidStatus.SUBMITTED).values_list(
                "provider_id", flat=True
            )
        ]
    )
    return calloff


@transaction.atomic
def bid_submit(
    *,
    actor,
    provider: Organisation,
    calloff: CallOff,
    hourly_rate: Decimal,
    answers: dict[int, str],
    note: str = "",
) -> Bid:
    """Submit (or revise) a sealed bid. Only providers admitted to the lot may bid, only before the
    closing time, and only at a rate inside the price band `[004 App. 3 §1]`."""
    calloff = CallOff.objects.select_related("lot").get(pk=calloff.pk)
    if calloff.status != CallOffStatus.PUBLISHED:
        raise ValidationError(f"Call-off {calloff.reference} is not open for bids.")
    if calloff.is_closed:
        raise ValidationError(
            f"Bids for {calloff.reference} closed at {timezone.localtime(calloff.closes_at):%H:%M on %d %B %Y}."
        )
    membership = LotMembership.objects.filter(lot=calloff.lot, provider=provider).first()
    if membership is None or membership.status != MembershipStatus.ADMITTED:
        if membership is not None and membership.status == MembershipStatus.SUSPENDED:
            raise ValidationError(f"You are suspended from {calloff.lot}, so you cannot bid.")
        raise ValidationError(f"Only providers admitted to {calloff.lot} can bid.")
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
    before = None if bid is None else {"hourly_rate": bid.hourly_rate, "status": bid.status}
    if bid is None:
        bid = Bid(calloff=calloff, provider=provider, commissioner_id=calloff.commissioner_id)
    bid.hourly_rate = rate
    bid.note = note.strip()
    bid.status = BidStatus.SUBMITTED
    bid.submitted_at = timezone.now()
    bid.submitted_by = _user(actor)
    bid.save()
    BidAnswer.objects.filter(bid=bid).delete()
    BidAnswer.objects.bulk_create(BidAnswer(bid=bid, question=q, answer=answers[q.pk]) for q in questions)
    audit.record(
        actor=actor,
        obj=bid,
        action="bid submitted" if before is None else "bid revised",
        changes={
            "hourly_rate": [before and before["hourly_rate"], rate],
            "status": [before and before["status"], bid.status],
        },
    )
    return bid


@transaction.atomic
def bid_withdraw(*, actor, bid: Bid) -> Bid:
    """Withdraw a bid before the closing time."""
    bid = Bid.objects.select_for_update().select_related("calloff").get(pk=bid.pk)
    if bid.status == BidStatus.WITHDRAWN:
        raise ValidationError("This bid is already withdrawn.")
    if not bid.calloff.is_open_for_bids:
        raise ValidationError("Bids can be withdrawn only before the closing time.")
    bid.status = BidStatus.WITHDRAWN
    bid.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=actor, obj=bid, action="bid withdrawn", changes={"status": [BidStatus.SUBMITTED, bid.status]}
    )
    return bid


@transaction.atomic
def bid_score(*, actor, bid: Bid, scores: dict[int, int]) -> Bid:
    """The council scores a bid's answers once the bids are opened (after the closing time)."""
    bid = Bid.objects.select_related("calloff", "provider").get(pk=bid.pk)
    calloff = bid.calloff
    if not calloff.bids_opened or bid.status != BidStatus.SUBMITTED:
        raise ValidationError("Bids can be scored only after the closing time.")
    if calloff.status != CallOffStatus.PUBLISHED:
        raise ValidationError("The call-off is awarded: its scores are final.")
    answers = {a.question_id: a for a in bid.answers.select_related("question")}
    errors = []
    changes = {}
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


def ranking(calloff: CallOff, bids) -> list[tuple[Bid, rules.RankedBid]]:
    """Score and rank the given (opened) bids of a call-off by the published weights."""
    bids = list(bids.prefetch_related("answers__question").select_related("provider"))
    by_id = {b.pk: b for b in bids}
    ranked = rules.rank_bids(
        [
            rules.BidForScoring(
                bid_id=b.pk,
                hourly_rate=b.hourly_rate,
                submitted_at=b.submitted_at,
                scores=tuple(
                    rules.QuestionScore(a.question.weight, a.question.max_score, a.score)
                    for a in b.answers.all()
                ),
            )
            for b in bids
        ],
        calloff.price_weight,
    )
    return [(by_id[r.bid_id], r) for r in ranked]


@transaction.atomic
def calloff_award(*, actor, calloff: CallOff, bid: Bid) -> CallOff:
    """Award the call-off to the highest-ranked bid: this creates the contract, at the bid's
    hourly rate, for the call-off's schemes. Every bid must be scored first."""
    calloff = CallOff.objects.select_for_update().select_related("lot", "commissioner").get(pk=calloff.pk)
    if calloff.status != CallOffStatus.PUBLISHED or not calloff.is_closed:
        raise ValidationError("A call-off can be awarded only after its closing time, once.")
    opened = Bid.objects.filter(calloff=calloff, status=BidStatus.SUBMITTED)
    ranked = ranking(calloff, opened)
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
    )
    calloff.status = CallOffStatus.AWARDED
    calloff.awarded_bid = winner
    calloff.awarded_at = timezone.now()
    calloff.contract = contract
    calloff.save(update_fields=["status", "awarded_bid", "awarded_at", "contract", "updated_at"])
    audit.record(
        actor=actor,
        obj=calloff,
        action="awarded",
        changes={
            "status": [CallOffStatus.PUBLISHED, calloff.status],
            "provider": [None, winner.provider.name],
            "hourly_rate": [None, winner.hourly_rate],
            "total_points": [None, top.total],
            "contract": [None, contract.reference],
        },
    )
    resolve_matching(
        kind=ALERT_CALLOFF_CLOSED, key=f"calloff:{calloff.pk}", actor=actor, resolution="Awarded"
    )
    alerts = []
    for b, r in ranked:
        won = b.pk == winner.pk
        alerts.append(
            Alert(
                recipient_id=b.provider_id,
                capability=Capability.PROVIDER_MANAGE,
                kind=ALERT_CALLOFF_OUTCOME,
                key=f"calloff:{calloff.pk}",
                title=(
                    f"You won call-off {calloff.reference}: contract {contract.reference} at £{b.hourly_rate}/h"
                    if won
                    else f"Your bid for {calloff.reference} was not successful (ranked {r.rank} of {len(ranked)})"
                ),
                url=contract.get_absolute_url() if won else calloff.get_absolute_url(),
                severity=Alert.Severity.INFO,
            )
        )
    raise_alerts(alerts)
    return calloff


def calloffs_closed_alerts(*, now: dt.datetime) -> int:
    """Tell each council which of its call-offs have closed with bids to score (periodic, idempotent)."""
    closed = CallOff.objects.filter(status=CallOffStatus.PUBLISHED, closes_at__lte=now).select_related(
        "commissioner"
    )
    return raise_alerts(
        [
            Alert(
                recipient_id=c.commissioner_id,
                capability=Capability.COMMISSION,
                kind=ALERT_CALLOFF_CLOSED,
                key=f"calloff:{c.pk}",
                title=f"Bids for {c.reference} are open: score them and award the call-off",
                url=reverse("procurement:calloff-detail", args=[c.pk]),
            )
            for c in closed
        ]
    )
