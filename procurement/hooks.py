from django.urls import reverse
from django.utils import timezone

from portal.hooks import (
    DashboardItem,
    DashboardPanel,
    dashboard_panel,
    demo_module,
    reference_module,
    register_nav,
)
from portal.roles import Role

register_nav("Call-offs", "procurement:index", order=35)


reference_module(25, "procurement.demo")
demo_module(25, "procurement.demo")


@dashboard_panel(order=55)
def procurement_panel(user):
    """Applications to decide and call-offs to award (council); call-offs to bid for (provider)."""
    from .models import BidStatus, CallOffStatus
    from .selectors import calloffs_for, calloffs_to_bid, pending_applications

    now = timezone.now()
    if user.role == Role.COMMISSIONER:
        pending = pending_applications(user).count()
        to_award = calloffs_for(user).filter(status=CallOffStatus.PUBLISHED, closes_at__lte=now)
        items = []
        if pending:
            items.append(
                DashboardItem(
                    "Applications to join a lot",
                    reverse("procurement:membership-list") + "?status=applied",
                    pending,
                )
            )
        for calloff in to_award[:5]:
            items.append(
                DashboardItem(
                    f"Score and award {calloff.reference}: bids are open", calloff.get_absolute_url()
                )
            )
        return DashboardPanel(
            title="Frameworks and call-offs",
            items=items,
            empty_text="No applications or call-offs to act on.",
        )
    if user.role == Role.PROVIDER_MANAGER:
        items = [
            DashboardItem(
                f"{row.calloff.reference}: {row.calloff.title}",
                row.calloff.get_absolute_url(),
                detail=f"Bids close {timezone.localtime(row.calloff.closes_at):%d %b %Y %H:%M}"
                + (" — your bid is in" if row.bid and row.bid.status == BidStatus.SUBMITTED else ""),
            )
            for row in calloffs_to_bid(user, now)[:5]
        ]
        applied = pending_applications(user).count()
        if applied:
            items.append(
                DashboardItem(
                    "Applications the council is considering", reverse("procurement:index"), applied
                )
            )
        return DashboardPanel(title="Call-offs", items=items, empty_text="No open call-offs on your lots.")
    return None
