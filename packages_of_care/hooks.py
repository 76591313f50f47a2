"""Packages of care in the shell: navigation, dashboard panels and demo data."""

import datetime as dt
from urllib.parse import urlencode

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone

from portal.hooks import (
    DashboardItem,
    DashboardPanel,
    SearchSource,
    dashboard_panel,
    demo_module,
    register_nav,
    register_personal_data,
    register_search,
)
from portal.roles import Capability, Role
from portal.webhooks.events import webhook_event

from . import selectors
from .models import (
    Absence,
    CarePlan,
    IndividualServiceOrder,
    OrderStatus,
    OrderVersion,
    Referral,
    ServiceUser,
    TemporaryVariation,
    TemporaryVariationStatus,
)

register_nav("Orders", "packages_of_care:order-list", order=40)
register_nav("People", "packages_of_care:service-user-list", order=41)
register_nav("Referrals", "packages_of_care:referral-list", order=42)


def _person(person: ServiceUser) -> tuple[str, str]:
    """What tells people of the same name apart: reference, date of birth, where they live."""
    parts = [person.reference]
    if person.date_of_birth:
        parts.append(f"born {person.date_of_birth:%-d %b %Y}")
    if person.scheme_id or person.flat:
        parts.append(
            ", ".join(
                p
                for p in (
                    person.scheme.name if person.scheme else "",
                    f"flat {person.flat}" if person.flat else "",
                )
                if p
            )
        )
    return person.name, " · ".join(parts)


def _order(order: IndividualServiceOrder) -> tuple[str, str]:
    detail = f"{order.service_user.name} · {order.get_status_display()} · from {order.start_date:%-d %b %Y} · {order.provider.name}"
    return f"Order {order.reference}", detail


# The header search (issue 16): people by name, reference or flat; orders by reference.
register_search(
    SearchSource(
        "people", "People", lambda user: ServiceUser.objects.visible_to(user).select_related("scheme"),
        ("name", "reference", "flat"), _person, fuzzy=("name",), order=10,
    )
)  # fmt: skip
register_search(
    SearchSource(
        "orders", "Orders",
        lambda user: IndividualServiceOrder.objects.visible_to(user).select_related("service_user", "provider"),
        ("reference",), _order, order=20,
    )
)  # fmt: skip

# Reading these is written in the access log (issue 15): a person's page, an order, their lists.
register_personal_data(ServiceUser, label="person", person="pk")
register_personal_data(Referral, label="referral", person="service_user", person_filters=("service_user",))
register_personal_data(
    IndividualServiceOrder, label="order", person="service_user", person_filters=("service_user",)
)
register_personal_data(
    OrderVersion, label="order version", person="order__service_user", person_filters=("order",)
)
register_personal_data(
    TemporaryVariation, label="temporary variation", person="order__service_user", person_filters=("order",)
)
register_personal_data(Absence, label="absence", person="service_user", person_filters=("service_user",))
register_personal_data(CarePlan, label="care plan", person="service_user", person_filters=("service_user",))

HUMAN_ROLES = (Role.COMMISSIONER, Role.BROKERAGE, Role.PROVIDER_MANAGER, Role.PROVIDER_STAFF)
SHOWN = 5


demo_module(20, "packages_of_care.demo")


def _order_url(**query) -> str:
    return reverse("packages_of_care:order-list") + ("?" + urlencode(query) if query else "")


@dashboard_panel(order=20, roles=(Role.PROVIDER_MANAGER, Role.PROVIDER_STAFF))
def provider_orders_panel(user):
    """Provider side: orders awaiting acceptance first, then what is in force."""
    orders = selectors.orders_for(user)
    awaiting = orders.filter(status=OrderStatus.ISSUED).order_by("start_date")
    counts = selectors.order_counts(user)
    items = []
    if counts[OrderStatus.ISSUED]:
        verb = (
            "to accept or decline"
            if user.can(Capability.PROVIDER_MANAGE)
            else "awaiting your manager's acceptance"
        )
        items.append(
            DashboardItem(f"Orders {verb}", _order_url(status=OrderStatus.ISSUED), counts[OrderStatus.ISSUED])
        )
        items += [
            DashboardItem(
                f"{o.reference} for {o.service_user.name}",
                o.get_absolute_url(),
                detail=f"Starts {o.start_date:%d %b %Y}; {o.current_weekly_hours.normalize():f} hours a week"
                if o.current_weekly_hours is not None
                else f"Starts {o.start_date:%d %b %Y}",
            )
            for o in awaiting[:SHOWN]
        ]
    today = timezone.localdate()
    items.append(
        DashboardItem("Active orders", _order_url(status=OrderStatus.ACTIVE), counts[OrderStatus.ACTIVE])
    )
    if counts[OrderStatus.SUSPENDED]:
        items.append(
            DashboardItem(
                "Suspended orders", _order_url(status=OrderStatus.SUSPENDED), counts[OrderStatus.SUSPENDED]
            )
        )
    away = selectors.away_on(user, today).count()
    items.append(
        DashboardItem(
            "People away today", reverse("packages_of_care:absence-list") + f"?on={today.isoformat()}", away
        )
    )
    pending = (
        selectors.temporary_variations_for(user).filter(status=TemporaryVariationStatus.REQUESTED).count()
    )
    if pending:
        items.append(
            DashboardItem(
                "Your requests for extra hours awaiting the council",
                reverse("packages_of_care:temporary-variation-list") + "?status=requested",
                pending,
            )
        )
    return DashboardPanel(
        title="Orders",
        items=items,
        urgent=bool(counts[OrderStatus.ISSUED]) and user.can(Capability.PROVIDER_MANAGE),
    )


@dashboard_panel(order=20, roles=(Role.BROKERAGE,))
def brokerage_orders_panel(user):
    """Brokerage: declined orders to deal with, requests for extra hours to decide, drafts."""
    counts = selectors.order_counts(user)
    declined = selectors.orders_for(user).filter(status=OrderStatus.DECLINED).order_by("-responded_at")
    requests = (
        selectors.temporary_variations_for(user)
        .filter(status=TemporaryVariationStatus.REQUESTED)
        .order_by("start_date")
    )
    items = []
    if counts[OrderStatus.DECLINED]:
        items.append(
            DashboardItem(
                "Declined orders to change and issue again",
                _order_url(status=OrderStatus.DECLINED),
                counts[OrderStatus.DECLINED],
            )
        )
        items += [
            DashboardItem(f"{o.reference} for {o.service_user.name}", o.get_absolute_url(), detail=f"Declined by {o.provider.name}: {o.get_decline_reason_display().lower()}")
            for o in declined[:SHOWN]
        ]  # fmt: skip
    request_count = requests.count()
    if request_count:
        items.append(
            DashboardItem(
                "Requests for extra hours to decide",
                reverse("packages_of_care:temporary-variation-list") + "?status=requested",
                request_count,
            )
        )
        items += [
            DashboardItem(
                f"+{v.extra_hours_per_week.normalize():f} h/week for {v.order.service_user.name}",
                v.get_absolute_url(),
                detail=f"{v.order.provider.name}, {v.start_date:%d %b} – {v.end_date:%d %b %Y}",
            )
            for v in requests[:SHOWN]
        ]
    items.append(
        DashboardItem(
            "Drafts not yet issued", _order_url(status=OrderStatus.DRAFT), counts[OrderStatus.DRAFT]
        )
    )
    items.append(
        DashboardItem(
            "Orders awaiting the provider", _order_url(status=OrderStatus.ISSUED), counts[OrderStatus.ISSUED]
        )
    )
    items.append(DashboardItem("Draft an order", reverse("packages_of_care:order-create")))
    return DashboardPanel(
        title="Orders", items=items, urgent=bool(counts[OrderStatus.DECLINED] or request_count)
    )


@dashboard_panel(order=21, roles=(Role.COMMISSIONER,))
def commissioner_packages_panel(user):
    """Commissioner: what is in force, and the hours it commissions, in two queries."""
    today = timezone.localdate()
    in_force = selectors.orders_for(user, today).in_force(today)
    totals = in_force.aggregate(orders=Count("pk"), hours=Sum("current_weekly_hours"))
    hours = totals["hours"] or 0
    counts = selectors.order_counts(user)
    return DashboardPanel(
        title="Packages of care",
        items=[
            DashboardItem(
                "Orders in force",
                _order_url(live_on=today.isoformat()),
                totals["orders"],
            ),
            DashboardItem(f"Commissioned hours a week: {hours:,.2f}", _order_url(status=OrderStatus.ACTIVE)),
            DashboardItem(
                "Orders awaiting providers", _order_url(status=OrderStatus.ISSUED), counts[OrderStatus.ISSUED]
            ),
            DashboardItem(
                "Orders declined", _order_url(status=OrderStatus.DECLINED), counts[OrderStatus.DECLINED]
            ),
        ],
    )


@dashboard_panel(order=22, roles=HUMAN_ROLES)
def care_plan_reviews_panel(user):
    """Both sides: care plan reviews overdue and due in the next 30 days [002 §3.4], [004 §3.8.3]."""
    today = timezone.localdate()
    plans = selectors.care_plans_for(user).filter(is_current=True)
    overdue = plans.filter(next_review_due__lt=today).order_by("next_review_due")
    overdue_count = overdue.count()
    due_soon = plans.filter(
        next_review_due__gte=today, next_review_due__lte=today + dt.timedelta(days=30)
    ).count()
    items = []
    if overdue_count:
        items.append(
            DashboardItem(
                "Reviews overdue", reverse("packages_of_care:care-plan-list") + "?show=overdue", overdue_count
            )
        )
        items += [
            DashboardItem(f"{p.service_user.name} ({p.provider.name})", p.get_absolute_url(), detail=f"Due by {p.next_review_due:%d %b %Y}")
            for p in overdue[:SHOWN]
        ]  # fmt: skip
    items.append(
        DashboardItem("Reviews due in the next 30 days", reverse("packages_of_care:care-plan-list"), due_soon)
    )
    return DashboardPanel(
        title="Care and support plan reviews",
        description="Plans are reviewed at least once a year.",
        items=items,
        urgent=bool(overdue_count),
    )


def _order_event(order):
    """What an order's webhook events say about it: its reference and terms, not the person's details."""
    return {
        "reference": order.reference,
        "status": order.status,
        "contract": order.contract_id,
        "contract_reference": order.contract.reference,
        "commissioner": order.commissioner_id,
        "commissioner_name": order.commissioner.name,
        "provider": order.provider_id,
        "provider_name": order.provider.name,
        "start_date": order.start_date,
        "end_date": order.end_date,
    }


webhook_event(
    "order.issued",
    "An order was issued to a provider",
    model="packages_of_care.IndividualServiceOrder",
    actions=("issued",),
    describe=_order_event,
)
webhook_event(
    "order.accepted",
    "An order was accepted by the provider",
    model="packages_of_care.IndividualServiceOrder",
    actions=("accepted",),
    describe=_order_event,
)
