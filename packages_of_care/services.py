"""Writes for packages of care: keyword-only, atomic, audited, one verb each.

The order lifecycle lives in one place, `ORDER_TRANSITIONS`: every service that moves an order
asks it whether the move is allowed from the order's current state and by which side
(the commissioner's brokerage, the provider, or the portal's daily task). A refused move raises
`ValidationError` (a 400 in the API, an error message in the browser) and changes nothing; an
actor from the wrong side of the order raises `PermissionDenied`. Capabilities (BROKER,
PROVIDER_MANAGE…) are checked by the views and API before a service is called; services check
the organisation, so no caller can act on another organisation's order by mistake.

Order rows are locked (`select_for_update`) before a transition, and a person's row before an
absence is recorded, so two people clicking at once cannot both succeed.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from portal import audit
from portal.alerts import raise_alert, raise_alerts, resolve_matching
from portal.models import Alert, Organisation
from portal.money import to_decimal
from portal.roles import Capability, OrganisationKind
from schemes.models import Contract, PaymentModel, Scheme

from . import rules
from .models import (
    LIVE_ORDER_STATUSES,
    Absence,
    AbsenceKind,
    CarePlan,
    DeclineReason,
    IndividualServiceOrder,
    OrderOutcome,
    OrderStatus,
    OrderVersion,
    Referral,
    ReferralDecision,
    ScheduledVisit,
    ServiceEndReason,
    ServiceUser,
    TemporaryVariation,
    TemporaryVariationStatus,
    _one_year_after,
)

COUNCIL = "commissioner"  # the order's commissioner (its brokerage)
PROVIDER = "provider"  # the order's provider
PORTAL = "portal"  # the portal itself (the daily task)


@dataclass(frozen=True)
class Transition:
    verb: str  # for messages: "issued", "accepted"…
    sources: frozenset
    target: str
    side: str


ORDER_TRANSITIONS: dict[str, Transition] = {
    # Brokerage issues a draft, or re-issues a declined order (after changing it if need be).
    "issue": Transition(
        "issued", frozenset({OrderStatus.DRAFT, OrderStatus.DECLINED}), OrderStatus.ISSUED, COUNCIL
    ),
    # Brokerage takes back an order the provider has not yet answered.
    "withdraw": Transition("withdrawn", frozenset({OrderStatus.ISSUED}), OrderStatus.DRAFT, COUNCIL),
    "accept": Transition("accepted", frozenset({OrderStatus.ISSUED}), OrderStatus.ACCEPTED, PROVIDER),
    "decline": Transition("declined", frozenset({OrderStatus.ISSUED}), OrderStatus.DECLINED, PROVIDER),
    # On the start date (the daily task, or at acceptance if the start date has come).
    "activate": Transition("started", frozenset({OrderStatus.ACCEPTED}), OrderStatus.ACTIVE, PORTAL),
    "suspend": Transition("suspended", frozenset({OrderStatus.ACTIVE}), OrderStatus.SUSPENDED, COUNCIL),
    "resume": Transition("resumed", frozenset({OrderStatus.SUSPENDED}), OrderStatus.ACTIVE, COUNCIL),
    # Brokerage sets the end date; the order is ended once that day has passed.
    "end": Transition(
        "ended",
        frozenset({OrderStatus.ACCEPTED, OrderStatus.ACTIVE, OrderStatus.SUSPENDED}),
        OrderStatus.ENDED,
        COUNCIL,
    ),
}
# What brokerage may still change in place; after issue, changes are variations.
EDITABLE_STATUSES = frozenset({OrderStatus.DRAFT, OrderStatus.DECLINED})
# What may be varied (permanently or temporarily): orders the provider has taken on.
VARIABLE_STATUSES = frozenset({OrderStatus.ACCEPTED, OrderStatus.ACTIVE, OrderStatus.SUSPENDED})

ALERT_ORDER_ISSUED = "order_awaiting_acceptance"
ALERT_ORDER_DECLINED = "order_declined"
ALERT_VARIATION_REQUESTED = "temporary_variation_requested"
ALERT_REVIEW_OVERDUE = "care_plan_review_overdue"

SCHEDULE_FIELDS = ("weekday", "start_time", "duration_minutes", "carers", "time_critical", "tasks")
OUTCOME_FIELDS = ("service_element", "category", "description")
ORDER_FIELDS = ["status", "contract", "provider", "start_date", "end_date", "referral", "is_planned_care"]


def allowed_order_actions(order: IndividualServiceOrder) -> set[str]:
    """The transitions the order's state allows now (whoever may take them)."""
    actions = {name for name, t in ORDER_TRANSITIONS.items() if order.status in t.sources}
    if order.status in EDITABLE_STATUSES:
        actions.add("edit")
    if order.status in VARIABLE_STATUSES:
        actions |= {"vary", "request_variation"}
    return actions


# --- helpers --------------------------------------------------------------------------------------


def _today() -> dt.date:
    return timezone.localdate()


def _require_organisation(actor, organisation_id: int | None, what: str) -> None:
    """The actor acts for `organisation_id` (None actor: the portal itself, e.g. a task)."""
    if actor is None:
        return
    if organisation_id is None or actor.organisation_id != organisation_id:
        raise PermissionDenied(f"Only {what} may do this.")


def _side_of(actor) -> str:
    if actor is None:
        return PORTAL
    kind = actor.organisation.kind
    if kind == OrganisationKind.COMMISSIONER:
        return COUNCIL
    if kind == OrganisationKind.PROVIDER:
        return PROVIDER
    raise PermissionDenied("The portal's operator does not act on care records.")


def _lock_order(order: IndividualServiceOrder) -> IndividualServiceOrder:
    return (
        IndividualServiceOrder.objects.select_for_update(of=("self",))
        .select_related("service_user", "contract", "provider", "commissioner")
        .get(pk=order.pk)
    )


def _transition(order: IndividualServiceOrder, name: str, actor) -> tuple[IndividualServiceOrder, str]:
    """Lock the order, check the move against the state machine and the actor's side, and set
    the new status (not saved). Returns the locked order and the status it had."""
    transition = ORDER_TRANSITIONS[name]
    order = _lock_order(order)
    if transition.side == COUNCIL:
        _require_organisation(actor, order.commissioner_id, "the commissioner's brokerage")
    elif transition.side == PROVIDER:
        _require_organisation(actor, order.provider_id, "the provider the order was issued to")
    elif actor is not None:
        raise PermissionDenied("Only the portal starts orders on their start date.")
    if order.status not in transition.sources:
        raise ValidationError(
            f"Order {order.reference} is {order.get_status_display().lower()}: it cannot be {transition.verb}."
        )
    before = order.status
    order.status = transition.target
    return order, before


def _issue_alert_key(order: IndividualServiceOrder) -> str:
    # One alert per issue: a re-issued order gets a fresh one (resolved alerts are never reopened).
    return f"order:{order.pk}:{order.issued_at:%Y%m%dT%H%M%S%f}"


def _decline_alert_key(order: IndividualServiceOrder) -> str:
    return f"order:{order.pk}:{order.responded_at:%Y%m%dT%H%M%S%f}"


def _resolve_order_alerts(order: IndividualServiceOrder, *, actor, resolution: str) -> None:
    for kind, key in ((ALERT_ORDER_ISSUED, order.issued_at), (ALERT_ORDER_DECLINED, order.responded_at)):
        if key is not None:
            resolve_matching(
                kind=kind,
                key=f"order:{order.pk}:{key:%Y%m%dT%H%M%S%f}",
                actor=actor,
                resolution=resolution,
            )


def _clean_schedule(schedule, weekly_hours: Decimal) -> list[dict]:
    """Validate a weekly schedule (list of dicts) against the weekly hours; name the bad line."""
    lines = [dict(line) for line in (schedule or [])]
    errors = []
    for number, line in enumerate(lines, start=1):
        line.setdefault("carers", 1)
        line.setdefault("time_critical", False)
        line.setdefault("tasks", "")
        visit = ScheduledVisit(version=None, **line)
        try:
            visit.clean_fields(exclude=["version"])
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.extend(f"Schedule line {number}, {field.replace('_', ' ')}: {m}" for m in messages)
        else:
            lines[number - 1] = {f: getattr(visit, f) for f in SCHEDULE_FIELDS}
    if errors:
        raise ValidationError({"schedule": errors})
    if not rules.schedule_matches_hours(lines, weekly_hours):
        got = Decimal(rules.schedule_carer_minutes(lines)) / 60
        raise ValidationError(
            {
                "schedule": f"The weekly schedule adds up to {got.normalize():f} hours of care (visit lengths × carers), "
                f"but the order commissions {weekly_hours.normalize():f} hours a week. Make them agree, or leave the "
                "schedule empty for an outcome-based package."
            }
        )
    return lines


def _clean_outcomes(outcomes) -> list[dict]:
    lines = [dict(o) for o in (outcomes or [])]
    errors = []
    for number, line in enumerate(lines, start=1):
        outcome = OrderOutcome(version=None, **line)
        try:
            outcome.clean_fields(exclude=["version"])
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.extend(f"Outcome {number}, {field.replace('_', ' ')}: {m}" for m in messages)
        else:
            lines[number - 1] = {f: getattr(outcome, f) for f in OUTCOME_FIELDS}
    if errors:
        raise ValidationError({"outcomes": errors})
    return lines


def _check_price(contract: Contract, weekly_price) -> Decimal | None:
    if contract.payment_model == PaymentModel.WEEKLY_PACKAGE:
        if weekly_price is None:
            raise ValidationError(
                {"weekly_price": "A weekly-package contract needs the weekly package price."}
            )
        return to_decimal(weekly_price)
    if weekly_price is not None:
        raise ValidationError(
            {
                "weekly_price": "Weekly package prices apply to weekly-package contracts only; this one pays by the hour."
            }
        )
    return None


def _check_hours(weekly_hours) -> Decimal:
    if weekly_hours is None:
        raise ValidationError({"weekly_hours": "Give the commissioned hours per week."})
    hours = to_decimal(weekly_hours)
    if hours <= 0:
        raise ValidationError({"weekly_hours": "Commissioned hours per week must be more than zero."})
    return hours


def _write_version_content(version: OrderVersion, schedule: list[dict], outcomes: list[dict]) -> None:
    ScheduledVisit.objects.bulk_create(ScheduledVisit(version=version, **line) for line in schedule)
    OrderOutcome.objects.bulk_create(OrderOutcome(version=version, **line) for line in outcomes)


def _line_dicts(version: OrderVersion) -> tuple[list[dict], list[dict]]:
    schedule = [{f: getattr(s, f) for f in SCHEDULE_FIELDS} for s in version.schedule.all()]
    outcomes = [{f: getattr(o, f) for f in OUTCOME_FIELDS} for o in version.outcomes.all()]
    return schedule, outcomes


def _next_order_reference(commissioner: Organisation) -> str:
    year = _today().year
    prefix = f"ISO-{year}-"
    existing = IndividualServiceOrder.objects.filter(
        commissioner=commissioner, reference__startswith=prefix
    ).values_list("reference", flat=True)
    numbers = [int(r[len(prefix) :]) for r in existing if r[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:05d}"


# --- service users --------------------------------------------------------------------------------

SERVICE_USER_FIELDS = ["reference", "name", "date_of_birth", "scheme", "flat", "funding_route", "is_customer"]


def _check_scheme(commissioner_id: int, scheme: Scheme | None) -> None:
    if scheme is not None and scheme.lot.framework.commissioner_id != commissioner_id:
        raise ValidationError({"scheme": "Choose one of your own schemes."})


@transaction.atomic
def service_user_create(
    *,
    actor,
    reference: str,
    name: str,
    date_of_birth: dt.date | None = None,
    scheme: Scheme | None = None,
    flat: str = "",
    funding_route: str = "council_funded",
    is_customer: bool = True,
    commissioner: Organisation | None = None,
) -> ServiceUser:
    """Brokerage records a person the council funds or arranges care for."""
    commissioner = commissioner or actor.organisation
    _require_organisation(actor, commissioner.pk, "the person's commissioner")
    if commissioner.kind != OrganisationKind.COMMISSIONER:
        raise PermissionDenied("Only a commissioner records the people it funds.")
    _check_scheme(commissioner.pk, scheme)
    person = ServiceUser(
        commissioner=commissioner,
        reference=reference.strip(),
        name=name.strip(),
        date_of_birth=date_of_birth,
        scheme=scheme,
        flat=flat,
        funding_route=funding_route,
        is_customer=is_customer,
    )
    person.full_clean()
    person.save()
    audit.record(
        actor=actor,
        obj=person,
        action="created",
        changes=audit.diff({}, audit.snapshot(person, SERVICE_USER_FIELDS)),
    )
    return person


@transaction.atomic
def service_user_update(*, actor, service_user: ServiceUser, **changes) -> ServiceUser:
    unknown = set(changes) - set(SERVICE_USER_FIELDS)
    if unknown:
        raise ValidationError(f"These cannot be changed here: {', '.join(sorted(unknown))}.")
    person = ServiceUser.objects.select_for_update().get(pk=service_user.pk)
    _require_organisation(actor, person.commissioner_id, "the person's commissioner")
    if "scheme" in changes:
        _check_scheme(person.commissioner_id, changes["scheme"])
    before = audit.snapshot(person, SERVICE_USER_FIELDS)
    for field, value in changes.items():
        setattr(person, field, value)
    person.full_clean()
    person.save()
    changed = audit.diff(before, audit.snapshot(person, SERVICE_USER_FIELDS))
    if changed:
        audit.record(actor=actor, obj=person, action="updated", changes=changed)
    return person


# --- referrals ------------------------------------------------------------------------------------


def _lock_referral(referral: Referral) -> Referral:
    return Referral.objects.select_for_update(of=("self",)).select_related("service_user").get(pk=referral.pk)


def _not_in_future(value, field: str, now: dt.datetime | None = None):
    now = now or timezone.now()
    limit = now if isinstance(value, dt.datetime) else timezone.localdate(now)
    if value is not None and value > limit:
        raise ValidationError({field: "This cannot be in the future."})


@transaction.atomic
def referral_create(
    *,
    actor,
    service_user: ServiceUser,
    contract: Contract,
    received_at: dt.datetime,
    is_emergency: bool = False,
    needs_summary: str = "",
    reference: str = "",
) -> Referral:
    """Brokerage refers a person to a provider under a contract; the KPI clock starts at `received_at`."""
    _require_organisation(actor, contract.commissioner_id, "the contract's commissioner")
    if service_user.commissioner_id != contract.commissioner_id:
        raise ValidationError({"service_user": "The person is funded by another commissioner."})
    _not_in_future(received_at, "received_at")
    if not reference:
        prefix = f"REF-{timezone.localtime(received_at):%Y%m%d}-"
        taken = set(
            Referral.objects.filter(
                commissioner_id=contract.commissioner_id, reference__startswith=prefix
            ).values_list("reference", flat=True)
        )
        reference = next(
            f"{prefix}{n:03d}" for n in range(1, len(taken) + 2) if f"{prefix}{n:03d}" not in taken
        )
    referral = Referral(
        commissioner_id=contract.commissioner_id,
        provider_id=contract.provider_id,
        contract=contract,
        service_user=service_user,
        reference=reference,
        received_at=received_at,
        is_emergency=is_emergency,
        needs_summary=needs_summary,
    )
    referral.full_clean()
    referral.save()
    audit.record(
        actor=actor,
        obj=referral,
        action="referred",
        changes={
            "provider": [None, contract.provider.name],
            "received_at": [None, received_at],
            "is_emergency": [None, is_emergency],
        },
    )
    return referral


@transaction.atomic
def referral_respond(*, actor, referral: Referral, responded_at: dt.datetime | None = None) -> Referral:
    """The provider records its first response to a referral (R5, R6)."""
    referral = _lock_referral(referral)
    _require_organisation(actor, referral.provider_id, "the provider the referral was made to")
    responded_at = responded_at or timezone.now()
    _not_in_future(responded_at, "responded_at")
    if responded_at < referral.received_at:
        raise ValidationError({"responded_at": "The response cannot be before the referral was received."})
    before = referral.responded_at
    referral.responded_at = responded_at
    referral.save(update_fields=["responded_at", "updated_at"])
    audit.record(
        actor=actor, obj=referral, action="responded", changes={"responded_at": [before, responded_at]}
    )
    return referral


@transaction.atomic
def referral_decide(
    *,
    actor,
    referral: Referral,
    decision: str,
    decline_reason: str = "",
    decline_detail: str = "",
    decided_at: dt.datetime | None = None,
) -> Referral:
    """The provider accepts or declines a referral, with a reason for a decline (R1, R2)."""
    referral = _lock_referral(referral)
    _require_organisation(actor, referral.provider_id, "the provider the referral was made to")
    if referral.decision != ReferralDecision.PENDING:
        raise ValidationError(
            f"Referral {referral.reference} is already {referral.get_decision_display().lower()}."
        )
    if decision not in (ReferralDecision.ACCEPTED, ReferralDecision.DECLINED):
        raise ValidationError({"decision": "Accept or decline the referral."})
    decided_at = decided_at or timezone.now()
    _not_in_future(decided_at, "decided_at")
    if decided_at < referral.received_at:
        raise ValidationError({"decided_at": "The decision cannot be before the referral was received."})
    if decision == ReferralDecision.DECLINED:
        _check_decline_reason(decline_reason, decline_detail)
    else:
        decline_reason, decline_detail = "", ""
    referral.decision = decision
    referral.decided_at = decided_at
    referral.decided_by = actor
    referral.decline_reason = decline_reason
    referral.decline_detail = decline_detail
    changes = {"decision": [ReferralDecision.PENDING, decision], "decided_at": [None, decided_at]}
    if referral.responded_at is None:  # a decision is a response
        referral.responded_at = decided_at
        changes["responded_at"] = [None, decided_at]
    if decline_reason:
        changes["decline_reason"] = [None, decline_reason]
    referral.save()
    audit.record(actor=actor, obj=referral, action=decision, changes=changes, note=decline_detail)
    return referral


@transaction.atomic
def referral_record_progress(
    *,
    actor,
    referral: Referral,
    first_visit_date: dt.date | None = None,
    support_solution_agreed_date: dt.date | None = None,
) -> Referral:
    """The provider records the first visit (R7) and the day the support solution with outcomes
    was agreed (R8). Dates already recorded may be corrected; the trail keeps the old ones."""
    referral = _lock_referral(referral)
    _require_organisation(actor, referral.provider_id, "the provider the referral was made to")
    if referral.decision != ReferralDecision.ACCEPTED:
        raise ValidationError("Record visits once the referral is accepted.")
    accepted_on = timezone.localtime(referral.decided_at).date()
    first = first_visit_date if first_visit_date is not None else referral.first_visit_date
    agreed = (
        support_solution_agreed_date
        if support_solution_agreed_date is not None
        else referral.support_solution_agreed_date
    )
    _not_in_future(first, "first_visit_date")
    _not_in_future(agreed, "support_solution_agreed_date")
    if first is not None and first < accepted_on:
        raise ValidationError(
            {
                "first_visit_date": f"The first visit cannot be before the acceptance on {accepted_on:%d %B %Y}."
            }
        )
    if agreed is not None and first is None:
        raise ValidationError({"support_solution_agreed_date": "Record the first visit first."})
    if agreed is not None and agreed < first:
        raise ValidationError(
            {"support_solution_agreed_date": "The support solution cannot be agreed before the first visit."}
        )
    before = audit.snapshot(referral, ["first_visit_date", "support_solution_agreed_date"])
    referral.first_visit_date, referral.support_solution_agreed_date = first, agreed
    changed = audit.diff(
        before, audit.snapshot(referral, ["first_visit_date", "support_solution_agreed_date"])
    )
    if changed:
        referral.save(update_fields=["first_visit_date", "support_solution_agreed_date", "updated_at"])
        audit.record(actor=actor, obj=referral, action="progress recorded", changes=changed)
    return referral


@transaction.atomic
def referral_end_service(
    *, actor, referral: Referral, ended_on: dt.date, reason: str, detail: str = ""
) -> Referral:
    """The service ends: completed (R3) or left before completion, and why (R4). Either side may record it."""
    referral = _lock_referral(referral)
    if actor is not None and actor.organisation_id not in (referral.provider_id, referral.commissioner_id):
        raise PermissionDenied("Only the parties to the referral may do this.")
    if referral.decision != ReferralDecision.ACCEPTED:
        raise ValidationError("Only an accepted referral's service can end.")
    if referral.service_ended_on is not None:
        raise ValidationError(f"The service already ended on {referral.service_ended_on:%d %B %Y}.")
    if reason not in ServiceEndReason.values:
        raise ValidationError({"service_end_reason": "Choose why the service ended."})
    if reason == ServiceEndReason.OTHER and not detail.strip():
        raise ValidationError({"service_end_detail": "Say why the service ended."})
    _not_in_future(ended_on, "service_ended_on")
    if ended_on < timezone.localtime(referral.decided_at).date():
        raise ValidationError(
            {"service_ended_on": "The service cannot end before the referral was accepted."}
        )
    referral.service_ended_on, referral.service_end_reason, referral.service_end_detail = (
        ended_on,
        reason,
        detail,
    )
    referral.save(
        update_fields=["service_ended_on", "service_end_reason", "service_end_detail", "updated_at"]
    )
    audit.record(
        actor=actor,
        obj=referral,
        action="service ended",
        changes={"service_ended_on": [None, ended_on], "service_end_reason": [None, reason]},
        note=detail,
    )
    return referral


def _check_decline_reason(reason: str, detail: str) -> None:
    if reason not in DeclineReason.values:
        raise ValidationError({"decline_reason": "Choose the reason for declining."})
    if reason == DeclineReason.OTHER and not (detail or "").strip():
        raise ValidationError({"decline_detail": "Give details when the reason is “Other”."})


# --- orders ---------------------------------------------------------------------------------------


def _check_order_parties(
    *, actor, service_user: ServiceUser, contract: Contract, referral: Referral | None
) -> None:
    _require_organisation(actor, contract.commissioner_id, "the contract's commissioner")
    if service_user.commissioner_id != contract.commissioner_id:
        raise ValidationError({"service_user": "The person is funded by another commissioner."})
    if referral is not None and (
        referral.service_user_id != service_user.pk or referral.commissioner_id != contract.commissioner_id
    ):
        raise ValidationError({"referral": "The referral is for someone else."})


@transaction.atomic
def order_create(
    *,
    actor,
    service_user: ServiceUser,
    contract: Contract,
    start_date: dt.date,
    weekly_hours,
    end_date: dt.date | None = None,
    weekly_price=None,
    schedule=(),
    outcomes=(),
    reference: str = "",
    referral: Referral | None = None,
    is_planned_care: bool = True,
) -> IndividualServiceOrder:
    """Brokerage drafts an order: the contract (and so the provider), the dates, and its first
    version — weekly hours, the Dorset weekly price, the weekly schedule and the outcomes."""
    _check_order_parties(actor=actor, service_user=service_user, contract=contract, referral=referral)
    hours = _check_hours(weekly_hours)
    price = _check_price(contract, weekly_price)
    schedule = _clean_schedule(schedule, hours)
    outcomes = _clean_outcomes(outcomes)
    order = IndividualServiceOrder(
        commissioner_id=contract.commissioner_id,
        provider_id=contract.provider_id,
        contract=contract,
        service_user=service_user,
        referral=referral,
        reference=(reference or "").strip() or _next_order_reference(contract.commissioner),
        status=OrderStatus.DRAFT,
        start_date=start_date,
        end_date=end_date,
        is_planned_care=is_planned_care,
    )
    order.full_clean()
    order.save()
    version = OrderVersion(
        order=order,
        number=1,
        effective_from=start_date,
        weekly_hours=hours,
        weekly_price=price,
        created_by=actor,
    )
    version.full_clean()
    version.save()
    _write_version_content(version, schedule, outcomes)
    audit.record(
        actor=actor,
        obj=order,
        action="drafted",
        changes={
            "status": [None, OrderStatus.DRAFT],
            "provider": [None, contract.provider.name],
            "start_date": [None, start_date],
            "weekly_hours": [None, hours],
            **({"weekly_price": [None, price]} if price is not None else {}),
        },
    )
    return order


@transaction.atomic
def order_update(*, actor, order: IndividualServiceOrder, **changes) -> IndividualServiceOrder:
    """Brokerage changes a draft or declined order in place — to another contract (and so
    provider) too. Once issued, an order changes only by variation. `schedule`/`outcomes`, when
    given, replace the first version's."""
    allowed = {"contract", "service_user", "start_date", "end_date", "reference", "referral", "is_planned_care",
               "weekly_hours", "weekly_price", "schedule", "outcomes"}  # fmt: skip
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(f"These cannot be changed here: {', '.join(sorted(unknown))}.")
    order = _lock_order(order)
    _require_organisation(actor, order.commissioner_id, "the commissioner's brokerage")
    if order.status not in EDITABLE_STATUSES:
        raise ValidationError(
            f"Order {order.reference} is {order.get_status_display().lower()}: change it with a variation instead."
        )
    contract = changes.get("contract", order.contract)
    service_user = changes.get("service_user", order.service_user)
    referral = changes.get("referral", order.referral)
    _check_order_parties(actor=actor, service_user=service_user, contract=contract, referral=referral)
    version = order.versions.order_by("number").first()
    before = {
        **audit.snapshot(order, ORDER_FIELDS),
        **audit.snapshot(version, ["weekly_hours", "weekly_price"]),
    }
    order.contract, order.provider_id, order.service_user, order.referral = (
        contract,
        contract.provider_id,
        service_user,
        referral,
    )
    for field in ("start_date", "end_date", "is_planned_care"):
        if field in changes:
            setattr(order, field, changes[field])
    if "reference" in changes and changes["reference"]:
        order.reference = changes["reference"].strip()
    order.full_clean()
    order.save()
    hours = _check_hours(changes.get("weekly_hours", version.weekly_hours))
    price = _check_price(
        contract,
        changes.get(
            "weekly_price",
            version.weekly_price if contract.payment_model == PaymentModel.WEEKLY_PACKAGE else None,
        ),
    )
    old_schedule, old_outcomes = _line_dicts(version)
    schedule = _clean_schedule(changes.get("schedule", old_schedule), hours)
    outcomes = _clean_outcomes(changes.get("outcomes", old_outcomes))
    version.effective_from, version.weekly_hours, version.weekly_price = order.start_date, hours, price
    version.full_clean()
    version.save()
    version.schedule.all().delete()
    version.outcomes.all().delete()
    _write_version_content(version, schedule, outcomes)
    after = {
        **audit.snapshot(order, ORDER_FIELDS),
        **audit.snapshot(version, ["weekly_hours", "weekly_price"]),
    }
    changed = audit.diff(before, after)
    if schedule != old_schedule:
        changed["schedule"] = [len(old_schedule), len(schedule)]
    if outcomes != old_outcomes:
        changed["outcomes"] = [len(old_outcomes), len(outcomes)]
    if changed:
        audit.record(actor=actor, obj=order, action="changed", changes=changed)
    return order


@transaction.atomic
def order_issue(*, actor, order: IndividualServiceOrder) -> IndividualServiceOrder:
    """Brokerage issues the order to the provider, who is asked to accept or decline it."""
    order, before = _transition(order, "issue", actor)
    if not order.contract.is_live_on(order.start_date):
        raise ValidationError({"start_date": "The order must start while the contract is in force."})
    if order.provider_id != order.contract.provider_id:
        raise ValidationError({"provider": "The provider must be the contract's provider."})
    if before == OrderStatus.DECLINED:
        _resolve_order_alerts(order, actor=actor, resolution="Issued again.")
    previous_decline = (order.decline_reason, order.decline_detail)
    order.issued_at, order.issued_by = timezone.now(), actor
    order.responded_at = order.responded_by = None
    order.decline_reason = order.decline_detail = ""
    order.save()
    changes = {"status": [before, order.status]}
    if previous_decline[0]:
        changes["decline_reason"] = [previous_decline[0], ""]
    audit.record(actor=actor, obj=order, action="issued", changes=changes)
    raise_alert(
        recipient=order.provider,
        capability=Capability.PROVIDER_MANAGE,
        kind=ALERT_ORDER_ISSUED,
        key=_issue_alert_key(order),
        title=f"Accept or decline order {order.reference} for {order.service_user.name}, starting {order.start_date:%d %b %Y}",
        url=order.get_absolute_url(),
        obj=order,
    )
    return order


@transaction.atomic
def order_withdraw(*, actor, order: IndividualServiceOrder, reason: str = "") -> IndividualServiceOrder:
    """Brokerage takes back an issued order before the provider answers; it is a draft again."""
    order, before = _transition(order, "withdraw", actor)
    _resolve_order_alerts(order, actor=actor, resolution="Withdrawn by the council.")
    order.save()
    audit.record(
        actor=actor, obj=order, action="withdrawn", changes={"status": [before, order.status]}, note=reason
    )
    return order


@transaction.atomic
def order_accept(*, actor, order: IndividualServiceOrder) -> IndividualServiceOrder:
    """The provider accepts the order. It becomes active at once if its start date has come,
    otherwise on the start date (the daily task)."""
    order, before = _transition(order, "accept", actor)
    order.responded_at, order.responded_by = timezone.now(), actor
    order.save()
    audit.record(actor=actor, obj=order, action="accepted", changes={"status": [before, order.status]})
    _resolve_order_alerts(order, actor=actor, resolution="Accepted.")
    if order.start_date <= _today():
        order, _ = _transition(order, "activate", None)
        order.save()
        audit.record(actor=None, obj=order, action="started", changes={"status": [OrderStatus.ACCEPTED, OrderStatus.ACTIVE]},
                     note=f"Accepted on or after its start date ({order.start_date:%d %B %Y}).")  # fmt: skip
    return order


@transaction.atomic
def order_decline(
    *, actor, order: IndividualServiceOrder, reason: str, detail: str = ""
) -> IndividualServiceOrder:
    """The provider declines the order with a reason; it returns to brokerage, who may change it
    (to another provider too) and issue it again."""
    order, before = _transition(order, "decline", actor)
    _check_decline_reason(reason, detail)
    _resolve_order_alerts(order, actor=actor, resolution="Declined.")
    order.responded_at, order.responded_by = timezone.now(), actor
    order.decline_reason, order.decline_detail = reason, detail
    order.save()
    audit.record(
        actor=actor,
        obj=order,
        action="declined",
        changes={"status": [before, order.status], "decline_reason": ["", reason]},
        note=detail,
    )
    raise_alert(
        recipient=order.commissioner,
        capability=Capability.BROKER,
        kind=ALERT_ORDER_DECLINED,
        key=_decline_alert_key(order),
        title=f"{order.provider.name} declined order {order.reference} for {order.service_user.name}: "
        f"{order.get_decline_reason_display().lower()}",
        url=order.get_absolute_url(),
        obj=order,
    )
    return order


@transaction.atomic
def order_suspend(*, actor, order: IndividualServiceOrder, reason: str) -> IndividualServiceOrder:
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the order is suspended."})
    order, before = _transition(order, "suspend", actor)
    order.suspended_reason = reason.strip()[:200]
    order.save()
    audit.record(
        actor=actor, obj=order, action="suspended", changes={"status": [before, order.status]}, note=reason
    )
    return order


@transaction.atomic
def order_resume(*, actor, order: IndividualServiceOrder) -> IndividualServiceOrder:
    order, before = _transition(order, "resume", actor)
    reason, order.suspended_reason = order.suspended_reason, ""
    order.save()
    audit.record(
        actor=actor,
        obj=order,
        action="resumed",
        changes={"status": [before, order.status], "suspended_reason": [reason, ""]},
    )
    return order


@transaction.atomic
def order_end(
    *, actor, order: IndividualServiceOrder, end_date: dt.date, reason: str, detail: str = ""
) -> IndividualServiceOrder:
    """Brokerage ends the order on a date, with the reason. The order is in force up to and
    including that day: it is ended at once if the day has passed, else by the daily task the
    day after (until then brokerage may move the date)."""
    if reason not in ServiceEndReason.values:
        raise ValidationError({"reason": "Choose why the order ends."})
    if reason == ServiceEndReason.OTHER and not (detail or "").strip():
        raise ValidationError({"detail": "Give details when the reason is “Other”."})
    order, before = _transition(order, "end", actor)
    order.status = before  # the end date decides whether it is ended yet
    if end_date < order.start_date:
        raise ValidationError(
            {"end_date": f"The end date cannot be before the start ({order.start_date:%d %B %Y})."}
        )
    if order.contract.end_date and end_date > order.contract.end_date:
        raise ValidationError({"end_date": f"The contract ends on {order.contract.end_date:%d %B %Y}."})
    changes = {"end_date": [order.end_date, end_date], "end_reason": [order.end_reason, reason]}
    order.end_date, order.end_reason, order.end_detail = end_date, reason, detail
    action = "end date set"
    if end_date < _today():
        order.status, order.ended_at = OrderStatus.ENDED, timezone.now()
        changes["status"] = [before, OrderStatus.ENDED]
        action = "ended"
    order.save()
    audit.record(actor=actor, obj=order, action=action, changes=changes, note=detail)
    return order


@transaction.atomic
def order_vary(
    *,
    actor,
    order: IndividualServiceOrder,
    effective_from: dt.date,
    weekly_hours,
    weekly_price=None,
    schedule=None,
    outcomes=None,
    reason: str = "",
) -> OrderVersion:
    """A permanent variation: a new version of the order from a date. Earlier versions keep
    pricing the days before it (`rules.commissioned_minutes` is day-weighted). Schedule and
    outcomes not given are carried over from the version in force before the date."""
    order = _lock_order(order)
    _require_organisation(actor, order.commissioner_id, "the commissioner's brokerage")
    if order.status not in VARIABLE_STATUSES:
        raise ValidationError(
            f"Order {order.reference} is {order.get_status_display().lower()}: only accepted, active or suspended "
            "orders are varied (change a draft or declined order directly)."
        )
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the order is varied."})
    latest = order.versions.order_by("-effective_from", "-number").first()
    if effective_from < order.start_date:
        raise ValidationError(
            {"effective_from": f"A variation cannot start before the order ({order.start_date:%d %B %Y})."}
        )
    if latest is not None and effective_from <= latest.effective_from:
        raise ValidationError(
            {
                "effective_from": f"A variation must start after the latest version (from {latest.effective_from:%d %B %Y})."
            }
        )
    if order.end_date and effective_from > order.end_date:
        raise ValidationError({"effective_from": f"The order ends on {order.end_date:%d %B %Y}."})
    hours = _check_hours(weekly_hours)
    if (
        weekly_price is None
        and latest is not None
        and order.contract.payment_model == PaymentModel.WEEKLY_PACKAGE
    ):
        weekly_price = latest.weekly_price
    price = _check_price(order.contract, weekly_price)
    old_schedule, old_outcomes = _line_dicts(latest) if latest is not None else ([], [])
    schedule = _clean_schedule(old_schedule if schedule is None else schedule, hours)
    outcomes = _clean_outcomes(old_outcomes if outcomes is None else outcomes)
    number = (order.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = OrderVersion(
        order=order, number=number, effective_from=effective_from, weekly_hours=hours, weekly_price=price,
        reason=reason.strip()[:300], created_by=actor,
    )  # fmt: skip
    version.full_clean()
    version.save()
    _write_version_content(version, schedule, outcomes)
    changes = {
        "version": [latest.number if latest else None, number],
        "effective_from": [None, effective_from],
        "weekly_hours": [latest.weekly_hours if latest else None, hours],
    }
    if price is not None:
        changes["weekly_price"] = [latest.weekly_price if latest else None, price]
    audit.record(actor=actor, obj=order, action="varied", changes=changes, note=reason)
    return version


@transaction.atomic
def orders_advance(*, today: dt.date | None = None) -> dict[str, int]:
    """The daily task: start accepted orders whose start date has come, and end orders whose
    end date has passed. Set-based (one UPDATE and one audit INSERT each); idempotent."""
    today = today or _today()
    # The people's names go into the audit entries' descriptions: one join, not a query each.
    to_start = list(
        IndividualServiceOrder.objects.select_for_update(of=("self",))
        .select_related("service_user")
        .filter(status=OrderStatus.ACCEPTED, start_date__lte=today)
        .exclude(end_date__lt=today)
    )
    IndividualServiceOrder.objects.filter(pk__in=[o.pk for o in to_start]).update(
        status=OrderStatus.ACTIVE, updated_at=timezone.now()
    )
    audit.record_many(
        actor=None,
        objects=to_start,
        action="started",
        changes={"status": [OrderStatus.ACCEPTED, OrderStatus.ACTIVE]},
    )
    to_end = list(
        IndividualServiceOrder.objects.select_for_update(of=("self",))
        .select_related("service_user")
        .filter(status__in=ORDER_TRANSITIONS["end"].sources, end_date__lt=today)
    )
    now = timezone.now()
    IndividualServiceOrder.objects.filter(pk__in=[o.pk for o in to_end]).update(
        status=OrderStatus.ENDED, ended_at=now, updated_at=now
    )
    audit.record_many(
        actor=None, objects=to_end, action="ended", changes=lambda o: {"status": [o.status, OrderStatus.ENDED]},
        note="Its end date has passed.",
    )  # fmt: skip
    return {"started": len(to_start), "ended": len(to_end)}


# --- temporary variations -------------------------------------------------------------------------


def _check_temporary_variation(
    order: IndividualServiceOrder, start_date, end_date, extra_hours, exclude_pk=None
) -> Decimal:
    if order.status not in VARIABLE_STATUSES:
        raise ValidationError(
            f"Order {order.reference} is {order.get_status_display().lower()}: extra hours are authorised on accepted, "
            "active or suspended orders only."
        )
    if start_date is None or end_date is None:
        raise ValidationError({"start_date": "Give the first and last day."})
    if end_date < start_date:
        raise ValidationError({"end_date": "The last day must be on or after the first."})
    if start_date < order.start_date:
        raise ValidationError({"start_date": f"The order starts on {order.start_date:%d %B %Y}."})
    if order.end_date and end_date > order.end_date:
        raise ValidationError({"end_date": f"The order ends on {order.end_date:%d %B %Y}."})
    hours = to_decimal(extra_hours) if extra_hours is not None else None
    if hours is None or hours < Decimal("0.25"):
        raise ValidationError(
            {"extra_hours_per_week": "Give the extra hours per week, at least a quarter of an hour."}
        )
    clash = (
        TemporaryVariation.objects.filter(
            order=order, status__in=(TemporaryVariationStatus.REQUESTED, TemporaryVariationStatus.APPROVED)
        )
        .filter(start_date__lte=end_date, end_date__gte=start_date)
        .exclude(pk=exclude_pk)
        .first()
    )
    if clash is not None:
        raise ValidationError(
            f"There is already a {clash.get_status_display().lower()} temporary variation on this order from "
            f"{clash.start_date:%d %B %Y} to {clash.end_date:%d %B %Y}; the dates may not overlap."
        )
    return hours


@transaction.atomic
def temporary_variation_request(
    *,
    actor,
    order: IndividualServiceOrder,
    start_date: dt.date,
    end_date: dt.date,
    extra_hours_per_week,
    reason: str,
) -> TemporaryVariation:
    """The provider asks brokerage to authorise extra hours over a date range (Norfolk: hours
    above the +20% tolerance need it `[004 §3.2.7, App. 6 §3.3]`)."""
    order = _lock_order(order)
    _require_organisation(actor, order.provider_id, "the order's provider")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the extra hours are needed."})
    hours = _check_temporary_variation(order, start_date, end_date, extra_hours_per_week)
    variation = TemporaryVariation(
        order=order, start_date=start_date, end_date=end_date, extra_hours_per_week=hours, reason=reason.strip(),
        status=TemporaryVariationStatus.REQUESTED, requested_by=actor,
    )  # fmt: skip
    variation.full_clean()
    variation.save()
    audit.record(
        actor=actor,
        obj=variation,
        action="requested",
        changes={
            "extra_hours_per_week": [None, hours],
            "start_date": [None, start_date],
            "end_date": [None, end_date],
        },
        note=reason,
    )
    raise_alert(
        recipient=order.commissioner,
        capability=Capability.BROKER,
        kind=ALERT_VARIATION_REQUESTED,
        key=f"temporary_variation:{variation.pk}",
        title=f"{order.provider.name} asks for +{hours.normalize():f} h/week on order {order.reference} for "
        f"{order.service_user.name}, {start_date:%d %b} – {end_date:%d %b %Y}",
        url=variation.get_absolute_url(),
        obj=variation,
    )
    return variation


@transaction.atomic
def temporary_variation_record(
    *,
    actor,
    order: IndividualServiceOrder,
    start_date: dt.date,
    end_date: dt.date,
    extra_hours_per_week,
    reason: str,
) -> TemporaryVariation:
    """Brokerage records an authorisation it has already given (no request needed)."""
    order = _lock_order(order)
    _require_organisation(actor, order.commissioner_id, "the commissioner's brokerage")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the extra hours are authorised."})
    hours = _check_temporary_variation(order, start_date, end_date, extra_hours_per_week)
    now = timezone.now()
    variation = TemporaryVariation(
        order=order, start_date=start_date, end_date=end_date, extra_hours_per_week=hours, reason=reason.strip(),
        status=TemporaryVariationStatus.APPROVED, requested_by=actor, decided_by=actor, decided_at=now,
    )  # fmt: skip
    variation.full_clean()
    variation.save()
    audit.record(
        actor=actor,
        obj=variation,
        action="authorised",
        changes={"status": [None, variation.status], "extra_hours_per_week": [None, hours],
                 "start_date": [None, start_date], "end_date": [None, end_date]},
        note=reason,
    )  # fmt: skip
    return variation


def _decide_variation(
    variation: TemporaryVariation, *, actor, status: str, note: str, side: str
) -> TemporaryVariation:
    variation = (
        TemporaryVariation.objects.select_for_update(of=("self",))
        .select_related("order")
        .get(pk=variation.pk)
    )
    if side == COUNCIL:
        _require_organisation(actor, variation.order.commissioner_id, "the commissioner's brokerage")
    else:
        _require_organisation(actor, variation.order.provider_id, "the order's provider")
    if variation.status != TemporaryVariationStatus.REQUESTED:
        raise ValidationError(
            f"This temporary variation is {variation.get_status_display().lower()}: it is no longer open."
        )
    if status == TemporaryVariationStatus.APPROVED:
        # The order may have changed since the request (ended, or another authorisation given).
        _check_temporary_variation(
            variation.order, variation.start_date, variation.end_date, variation.extra_hours_per_week,
            exclude_pk=variation.pk,
        )  # fmt: skip
    before = TemporaryVariationStatus.REQUESTED
    variation.status, variation.decided_by, variation.decided_at, variation.decision_note = (
        status,
        actor,
        timezone.now(),
        note,
    )
    variation.save()
    audit.record(actor=actor, obj=variation, action=status, changes={"status": [before, status]}, note=note)
    resolve_matching(
        kind=ALERT_VARIATION_REQUESTED,
        key=f"temporary_variation:{variation.pk}",
        actor=actor,
        resolution=status,
    )
    return variation


@transaction.atomic
def temporary_variation_approve(
    *, actor, variation: TemporaryVariation, note: str = ""
) -> TemporaryVariation:
    return _decide_variation(
        variation, actor=actor, status=TemporaryVariationStatus.APPROVED, note=note, side=COUNCIL
    )


@transaction.atomic
def temporary_variation_refuse(*, actor, variation: TemporaryVariation, note: str) -> TemporaryVariation:
    if not (note or "").strip():
        raise ValidationError({"decision_note": "Say why the request is refused."})
    return _decide_variation(
        variation, actor=actor, status=TemporaryVariationStatus.REFUSED, note=note, side=COUNCIL
    )


@transaction.atomic
def temporary_variation_withdraw(
    *, actor, variation: TemporaryVariation, note: str = ""
) -> TemporaryVariation:
    return _decide_variation(
        variation, actor=actor, status=TemporaryVariationStatus.WITHDRAWN, note=note, side=PROVIDER
    )


# --- absences -------------------------------------------------------------------------------------


def _check_absence_actor(actor, service_user: ServiceUser) -> None:
    """Brokerage of the person's commissioner, or a provider holding a live order for them."""
    side = _side_of(actor)
    if side == COUNCIL:
        _require_organisation(actor, service_user.commissioner_id, "the person's commissioner or provider")
    elif side == PROVIDER:
        if not IndividualServiceOrder.objects.filter(
            service_user=service_user, provider_id=actor.organisation_id, status__in=LIVE_ORDER_STATUSES
        ).exists():
            raise PermissionDenied(
                "Only a provider holding a live order for the person may record an absence."
            )


def _no_overlap(service_user: ServiceUser, start: dt.date, end: dt.date | None, exclude_pk=None) -> None:
    clash = Absence.objects.filter(service_user=service_user).overlapping(start, end)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    clash = clash.order_by("start_date").first()
    if clash is not None:
        until = f"to {clash.end_date:%d %B %Y}" if clash.end_date else "with no end date yet"
        raise ValidationError(
            {
                "start_date": f"{service_user.name} already has a {clash.get_kind_display().lower()} absence from "
                f"{clash.start_date:%d %B %Y} {until}, which overlaps these dates. One person's absences cannot overlap: "
                "end or correct that one first."
            }
        )


@transaction.atomic
def absence_record(
    *,
    actor,
    service_user: ServiceUser,
    kind: str,
    start_date: dt.date,
    end_date: dt.date | None = None,
    notes: str = "",
) -> Absence:
    """Record a person away from home. Overlapping absences for one person are refused: the
    person's row is locked first, so two at once cannot both pass the check."""
    service_user = ServiceUser.objects.select_for_update().get(pk=service_user.pk)
    _check_absence_actor(actor, service_user)
    if kind not in AbsenceKind.values:
        raise ValidationError({"kind": "Choose hospital, holiday or other."})
    if end_date is not None and end_date < start_date:
        raise ValidationError({"end_date": "The last day must be on or after the first."})
    _no_overlap(service_user, start_date, end_date)
    absence = Absence(
        service_user=service_user, kind=kind, start_date=start_date, end_date=end_date, notes=notes,
        recorded_by=actor, recorded_by_organisation_id=actor.organisation_id if actor else None,
    )  # fmt: skip
    absence.full_clean()
    absence.save()
    audit.record(
        actor=actor,
        obj=absence,
        action="recorded",
        changes={"kind": [None, kind], "start_date": [None, start_date], "end_date": [None, end_date]},
        note=notes,
    )
    return absence


@transaction.atomic
def absence_end(*, actor, absence: Absence, end_date: dt.date) -> Absence:
    """Give an open-ended absence its last day (the person is home)."""
    absence = (
        Absence.objects.select_for_update(of=("self",)).select_related("service_user").get(pk=absence.pk)
    )
    ServiceUser.objects.select_for_update().filter(pk=absence.service_user_id).first()
    _check_absence_actor(actor, absence.service_user)
    if absence.end_date is not None:
        raise ValidationError(f"This absence already ended on {absence.end_date:%d %B %Y}.")
    if end_date is None or end_date < absence.start_date:
        raise ValidationError(
            {"end_date": f"The last day must be on or after the first ({absence.start_date:%d %B %Y})."}
        )
    absence.end_date = end_date
    absence.save(update_fields=["end_date", "updated_at"])
    audit.record(actor=actor, obj=absence, action="ended", changes={"end_date": [None, end_date]})
    return absence


# --- care and support plans -----------------------------------------------------------------------


def _review_alert_key(plan: CarePlan) -> str:
    return f"care_plan:{plan.pk}:{plan.next_review_due:%Y-%m-%d}"


def _check_plan_actor(actor, order: IndividualServiceOrder) -> None:
    side = _side_of(actor)
    if side == COUNCIL:
        _require_organisation(actor, order.commissioner_id, "the order's commissioner or provider")
    elif side == PROVIDER:
        _require_organisation(actor, order.provider_id, "the order's commissioner or provider")


@transaction.atomic
def care_plan_create(
    *,
    actor,
    order: IndividualServiceOrder,
    agreed_on: dt.date,
    next_review_due: dt.date | None = None,
    summary: str = "",
    potential_for_greater_independence: bool = False,
) -> CarePlan:
    """Record the person-centred care and support plan agreed for an order `[004 §3.2.9]`. It
    becomes the current plan for the person with that provider; the next review is due within a
    year (by default exactly a year) `[002 §3.4]`, `[004 §3.8.3]`."""
    order = _lock_order(order)
    _check_plan_actor(actor, order)
    if order.status in (OrderStatus.DRAFT, OrderStatus.DECLINED):
        raise ValidationError(
            f"Order {order.reference} is {order.get_status_display().lower()}: plans are for orders the provider has been issued."
        )
    _not_in_future(agreed_on, "agreed_on")
    plan = CarePlan(
        service_user=order.service_user, provider_id=order.provider_id, order=order, agreed_on=agreed_on,
        next_review_due=next_review_due or _one_year_after(agreed_on), summary=summary,
        potential_for_greater_independence=potential_for_greater_independence, is_current=True,
    )  # fmt: skip
    plan.full_clean()
    superseded = list(
        CarePlan.objects.select_for_update().filter(
            service_user=order.service_user, provider_id=order.provider_id, is_current=True
        )
    )
    CarePlan.objects.filter(pk__in=[p.pk for p in superseded]).update(is_current=False)
    for old in superseded:
        resolve_matching(
            kind=ALERT_REVIEW_OVERDUE,
            key=_review_alert_key(old),
            actor=actor,
            resolution="A new plan replaced it.",
        )
    audit.record_many(
        actor=actor, objects=superseded, action="superseded", changes={"is_current": [True, False]}
    )
    plan.save()
    audit.record(
        actor=actor,
        obj=plan,
        action="agreed",
        changes={"agreed_on": [None, agreed_on], "next_review_due": [None, plan.next_review_due]},
    )
    return plan


@transaction.atomic
def care_plan_review(
    *,
    actor,
    plan: CarePlan,
    reviewed_on: dt.date,
    next_review_due: dt.date | None = None,
    summary: str | None = None,
    potential_for_greater_independence: bool | None = None,
) -> CarePlan:
    """Record a review; the next falls no more than a year after it."""
    plan = (
        CarePlan.objects.select_for_update(of=("self",))
        .select_related("order", "service_user")
        .get(pk=plan.pk)
    )
    if plan.order is not None:
        _check_plan_actor(actor, plan.order)
    else:
        _require_organisation(actor, plan.provider_id, "the plan's provider")
    if not plan.is_current:
        raise ValidationError("This plan has been replaced: review the current one.")
    last = plan.last_reviewed_on or plan.agreed_on
    if reviewed_on is None or reviewed_on < last:
        raise ValidationError({"reviewed_on": f"The review cannot be before the last one ({last:%d %B %Y})."})
    _not_in_future(reviewed_on, "reviewed_on")
    fields = ["last_reviewed_on", "next_review_due", "summary", "potential_for_greater_independence"]
    before = audit.snapshot(plan, fields)
    old_key = _review_alert_key(plan)
    plan.last_reviewed_on = reviewed_on
    plan.next_review_due = next_review_due or _one_year_after(reviewed_on)
    if summary is not None:
        plan.summary = summary
    if potential_for_greater_independence is not None:
        plan.potential_for_greater_independence = potential_for_greater_independence
    plan.full_clean()
    plan.save()
    resolve_matching(kind=ALERT_REVIEW_OVERDUE, key=old_key, actor=actor, resolution="Reviewed.")
    audit.record(
        actor=actor, obj=plan, action="reviewed", changes=audit.diff(before, audit.snapshot(plan, fields))
    )
    return plan


def care_plan_overdue_alerts(*, today: dt.date | None = None) -> int:
    """The daily task: alert the provider and the commissioner's brokerage to every current plan
    whose review is overdue. One read and one bulk insert; raising again is a no-op."""
    today = today or _today()
    overdue = CarePlan.objects.overdue_on(today).select_related("service_user", "provider")
    alerts = []
    for plan in overdue.iterator(chunk_size=2000):
        title = f"Care plan review overdue for {plan.service_user.name}: it was due by {plan.next_review_due:%d %b %Y}"
        common = {"kind": ALERT_REVIEW_OVERDUE, "key": _review_alert_key(plan), "title": title[:300], "url": plan.get_absolute_url(),
                  "object_id": str(plan.pk)}  # fmt: skip
        alerts.append(Alert(recipient_id=plan.provider_id, capability=Capability.PROVIDER_RECORD, **common))
        alerts.append(
            Alert(recipient_id=plan.service_user.commissioner_id, capability=Capability.BROKER, **common)
        )
    if alerts:
        from django.contrib.contenttypes.models import ContentType

        content_type = ContentType.objects.get_for_model(CarePlan)
        for alert in alerts:
            alert.content_type = content_type
    return raise_alerts(alerts)
