"""Reads for packages of care, already scoped to the user; sums and 'current version' in SQL."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from portal.models import User
from portal.tenancy import scoped

from . import rules
from .models import (
    IN_FORCE_ORDER_STATUSES,
    Absence,
    AbsenceQuerySet,
    AgreedHow,
    CarePlan,
    IndividualServiceOrder,
    OrderOutcome,
    OrderStatus,
    OrderVersion,
    Referral,
    ScheduledVisit,
    ServiceUser,
    TemporaryVariation,
    TemporaryVariationStatus,
)


def service_users_for(user: User) -> QuerySet[ServiceUser]:
    return scoped(ServiceUser, user).select_related("scheme", "commissioner")


def referrals_for(user: User) -> QuerySet[Referral]:
    return scoped(Referral, user).select_related("service_user", "provider", "commissioner", "contract")


def with_current_version(
    orders: QuerySet[IndividualServiceOrder], day: dt.date | None = None
) -> QuerySet[IndividualServiceOrder]:
    """Annotate each order with the weekly hours and price of the version in force on `day`
    (today), or on its start date if it has not started: one subquery, no query per order."""
    day = day or timezone.localdate()
    current = OrderVersion.objects.filter(
        order=OuterRef("pk"), effective_from__lte=Greatest(Value(day), OuterRef("start_date"))
    ).order_by("-effective_from", "-number")
    return orders.annotate(
        current_weekly_hours=Subquery(current.values("weekly_hours")[:1]),
        current_weekly_price=Subquery(current.values("weekly_price")[:1]),
        version_count=Subquery(
            OrderVersion.objects.filter(order=OuterRef("pk"))
            .order_by()
            .values("order")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
    )


def orders_for(user: User, day: dt.date | None = None) -> QuerySet[IndividualServiceOrder]:
    return with_current_version(
        scoped(IndividualServiceOrder, user).select_related(
            "service_user", "service_user__scheme", "provider", "commissioner", "contract"
        ),
        day,
    )


def order_versions(user: User, order: IndividualServiceOrder) -> QuerySet[OrderVersion]:
    """The order's versions, newest first, each with its schedule, outcomes and their reviews (five queries)."""
    return (
        scoped(OrderVersion, user)
        .filter(order=order)
        .select_related("created_by")
        .prefetch_related(
            Prefetch("schedule", queryset=ScheduledVisit.objects.order_by("weekday", "start_time")),
            Prefetch("outcomes", queryset=OrderOutcome.objects.prefetch_related("reviews__reviewed_by")),
        )
        .order_by("-effective_from", "-number")
    )


def order_weeks(
    order: IndividualServiceOrder,
    versions: Iterable[OrderVersion],
    variations: Iterable[TemporaryVariation],
    *,
    first_monday: dt.date,
    weeks: int = 8,
) -> list[rules.WeekOfHours]:
    """Commissioned hours week by week (see `rules.weeks_of_hours`), with approved temporary
    variations' authorised extra hours."""
    approved = [v for v in variations if v.status == TemporaryVariationStatus.APPROVED]
    return rules.weeks_of_hours(
        list(versions),
        first_monday,
        weeks,
        order_start=order.start_date,
        order_end=order.end_date,
        variations=approved,
    )


def default_first_monday(order: IndividualServiceOrder, versions: Iterable[OrderVersion]) -> dt.date:
    """The week-by-week view opens three weeks before the latest variation (or the start), so
    the change shows with weeks either side."""
    latest = max((v.effective_from for v in versions), default=order.start_date)
    return rules.monday_of(max(order.start_date, latest - dt.timedelta(days=21)))


def temporary_variations_for(user: User) -> QuerySet[TemporaryVariation]:
    return scoped(TemporaryVariation, user).select_related(
        "order", "order__service_user", "order__provider", "requested_by", "decided_by"
    )


def absences_for(user: User) -> AbsenceQuerySet:
    return scoped(Absence, user).select_related("service_user", "recorded_by", "recorded_by_organisation")


def care_plans_for(user: User) -> QuerySet[CarePlan]:
    return scoped(CarePlan, user).select_related("service_user", "provider", "order")


def order_counts(user: User) -> dict[str, int]:
    """Orders by status, in one query."""
    rows = scoped(IndividualServiceOrder, user).order_by().values("status").annotate(n=Count("pk"))
    counts = {status: 0 for status in OrderStatus.values}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def away_on(user: User, day: dt.date) -> AbsenceQuerySet:
    """The absences of people away on `day`."""
    return absences_for(user).away_on(day)


def plan_agreement(
    order: IndividualServiceOrder, plans: Iterable[CarePlan], today: dt.date
) -> dict[str, Any]:
    """For the order page: the last day the care plan may be agreed face to face, whether one of
    `plans` was (`rules.plan_agreed_in_time`), and whether that deadline was missed on an order in
    force `[004 §3.2.9]`."""
    deadline = rules.plan_agreement_deadline(order.start_date, order.is_emergency)
    in_time = any(
        rules.plan_agreed_in_time(
            start_date=order.start_date,
            is_emergency=order.is_emergency,
            agreed_on=plan.agreed_on,
            face_to_face=plan.agreed_how == AgreedHow.FACE_TO_FACE,
        )
        for plan in plans
    )
    missed = not in_time and deadline < today and order.status in IN_FORCE_ORDER_STATUSES
    return {"deadline": deadline, "in_time": in_time, "missed": missed}
