"""The transition tables of packages of care (`portal.workflow`), one per record with states:
an order's lifecycle, a temporary variation's decision and a referral's decision. The services
move records only through these tables; pages ask them which actions to offer."""

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import models

from portal.models import User
from portal.roles import Capability, has_any_capability
from portal.workflow import COUNCIL, PORTAL, PROVIDER, Transition, Workflow

from .models import (
    IndividualServiceOrder,
    OrderStatus,
    Referral,
    ReferralDecision,
    TemporaryVariation,
    TemporaryVariationStatus,
)


def _order_name(order: IndividualServiceOrder) -> str:
    return f"Order {order.reference}"


ORDER_WORKFLOW = Workflow(
    {
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
    },
    describe=_order_name,
)
# What brokerage may still change in place; after issue, changes are variations.
EDITABLE_STATUSES = frozenset({OrderStatus.DRAFT, OrderStatus.DECLINED})
# What may be varied (permanently or temporarily): orders the provider has taken on.
VARIABLE_STATUSES = frozenset({OrderStatus.ACCEPTED, OrderStatus.ACTIVE, OrderStatus.SUSPENDED})


def allowed_order_actions(order: IndividualServiceOrder) -> set[str]:
    """The moves the order's state allows now (whoever may take them), and whether it may be
    changed in place (`edit`) or varied (`vary`, `request_variation`)."""
    actions = ORDER_WORKFLOW.allowed(order)
    if order.status in EDITABLE_STATUSES:
        actions.add("edit")
    if order.status in VARIABLE_STATUSES:
        actions |= {"vary", "request_variation"}
    return actions


PROVIDER_SIDE = (Capability.PROVIDER_RECORD, Capability.PROVIDER_MANAGE)


def order_actions(user: User, order: IndividualServiceOrder) -> dict[str, bool]:
    """What `user` may do to the order now, for its page: the moves its state allows that belong
    to the user's side (`Transition.side`) and role, and changing, varying it or recording a plan."""
    is_provider = user.organisation_id == order.provider_id
    brokerage = user.organisation_id == order.commissioner_id and user.can(Capability.BROKER)
    may = {COUNCIL: brokerage, PROVIDER: is_provider and user.can(Capability.PROVIDER_MANAGE)}
    allowed = allowed_order_actions(order)
    can = {name: name in allowed and may.get(t.side, False) for name, t in ORDER_WORKFLOW.items()}
    can["edit"], can["vary"] = brokerage and "edit" in allowed, brokerage and "vary" in allowed
    can["request_variation"] = "request_variation" in allowed and (
        (is_provider and has_any_capability(user, PROVIDER_SIDE)) or brokerage
    )
    can["care_plan"] = order.status not in EDITABLE_STATUSES and (
        (is_provider and user.can(Capability.PROVIDER_RECORD)) or brokerage
    )
    return can


class DecisionWorkflow(Workflow):
    """A request decided once. A move from any state but the open one is refused with the
    record's own sentence (`closed`, formatted with the record as `obj` and its state as `state`)
    rather than the generic 'it cannot be …'."""

    def __init__(self, transitions: Mapping[str, Transition], *, closed: str, field: str = "status") -> None:
        super().__init__(transitions, field=field)
        self.closed = closed

    def check(self, obj: models.Model, action: str) -> Transition:
        transition = self.transitions[action]
        if getattr(obj, self.field) not in transition.sources:
            state = getattr(obj, f"get_{self.field}_display")().lower()
            raise ValidationError(self.closed.format(obj=obj, state=state))
        return transition


_REQUESTED = frozenset({TemporaryVariationStatus.REQUESTED})
TEMPORARY_VARIATION_WORKFLOW = DecisionWorkflow(
    {
        "approve": Transition("approved", _REQUESTED, TemporaryVariationStatus.APPROVED, COUNCIL),
        "refuse": Transition("refused", _REQUESTED, TemporaryVariationStatus.REFUSED, COUNCIL),
        "withdraw": Transition("withdrawn", _REQUESTED, TemporaryVariationStatus.WITHDRAWN, PROVIDER),
    },
    closed="This temporary variation is {state}: it is no longer open.",
)
_PENDING = frozenset({ReferralDecision.PENDING})
REFERRAL_WORKFLOW = DecisionWorkflow(
    {
        "accept": Transition("accepted", _PENDING, ReferralDecision.ACCEPTED, PROVIDER),
        "decline": Transition("declined", _PENDING, ReferralDecision.DECLINED, PROVIDER),
    },
    field="decision",
    closed="Referral {obj.reference} is already {state}.",
)
# The decision the provider gives → the move it makes.
REFERRAL_ACTIONS = {ReferralDecision.ACCEPTED: "accept", ReferralDecision.DECLINED: "decline"}


def variation_actions(user: User, variation: TemporaryVariation) -> dict[str, bool]:
    """What `user` may do to a temporary variation now: brokerage decides an open request, the
    provider's staff withdraw it."""
    allowed = TEMPORARY_VARIATION_WORKFLOW.allowed(variation)
    is_provider = user.organisation_id == variation.order.provider_id
    return {
        "approve": "approve" in allowed and user.can(Capability.BROKER),
        "refuse": "refuse" in allowed and user.can(Capability.BROKER),
        "withdraw": "withdraw" in allowed and is_provider and has_any_capability(user, PROVIDER_SIDE),
    }


def referral_actions(user: User, referral: Referral) -> dict[str, bool]:
    """What `user` may do to a referral now: its provider responds, decides while it is pending
    and records progress once accepted; either side records the end of an accepted service; brokerage
    orders care for it."""
    is_provider = user.organisation_id == referral.provider_id
    accepted = referral.decision == ReferralDecision.ACCEPTED
    return {
        "respond": is_provider and user.can(Capability.PROVIDER_RECORD),
        "decide": is_provider
        and user.can(Capability.PROVIDER_MANAGE)
        and bool(REFERRAL_WORKFLOW.allowed(referral)),
        "progress": is_provider and user.can(Capability.PROVIDER_RECORD) and accepted,
        "end": accepted
        and referral.service_ended_on is None
        and has_any_capability(user, (Capability.PROVIDER_MANAGE, Capability.BROKER)),
        "order": user.can(Capability.BROKER),
    }
