from django.urls import reverse
from django.utils import timezone

from portal.hooks import (
    DashboardItem,
    DashboardPanel,
    SearchSource,
    dashboard_panel,
    demo_module,
    register_nav,
    register_search,
)
from portal.roles import Role
from portal.tenancy import scoped

register_nav("Compliance", "compliance:provider-list", order=65)


def _providers(user):
    from .selectors import providers_for

    return providers_for(user)  # scoped(Organisation, user): its own, or the council's partners


def _provider(provider):
    rating = provider.get_cqc_rating_display() or "not rated"
    return provider.name, f"Provider · CQC rating: {rating}"


# The header search (issue 16): providers by name, linking to their compliance record.
register_search(
    SearchSource(
        "providers", "Providers", _providers, ("name",), _provider,
        url=lambda provider: reverse("compliance:provider-detail", args=[provider.pk]), fuzzy=("name",), order=40,
    )
)  # fmt: skip


demo_module(26, "compliance.demo")


@dashboard_panel(order=60, roles=(Role.PROVIDER_MANAGER, Role.PROVIDER_STAFF, Role.COMMISSIONER))
def compliance_panel(user):
    """Overdue items and items due within 30 days: the provider's own, or the council's providers'."""
    from .models import RatingNotification, monday_of
    from .selectors import capacity_missing_for_provider, compliance_gaps, providers_for

    today = timezone.localdate()
    if user.is_provider_side:
        org = user.organisation
        gaps = compliance_gaps(user, [org], today)[org.pk]
        record = reverse("compliance:provider-detail", args=[org.pk])
        items = [
            DashboardItem(g.text, record, detail="Overdue" if g.overdue else "Due within 30 days")
            for g in gaps.gaps[:8]
        ]
        missing = capacity_missing_for_provider(org, monday_of(today))
        if missing:
            items.append(
                DashboardItem(
                    f"Report this week's capacity for {len(missing)} lot{'s' if len(missing) != 1 else ''}",
                    reverse("compliance:capacity"),
                )
            )
        return DashboardPanel(
            title="Compliance",
            items=items,
            urgent=bool(gaps.overdue),
            empty_text="Your registration, insurance, policies and training are in date.",
        )
    providers = list(providers_for(user))
    gaps = compliance_gaps(user, providers, today)
    with_overdue = sorted((g for g in gaps.values() if g.overdue), key=lambda g: -len(g.overdue))
    items = [
        DashboardItem(
            f"{g.provider.name}: {len(g.overdue)} overdue",
            reverse("compliance:provider-detail", args=[g.provider.pk]),
            detail="; ".join(x.text for x in g.overdue[:3]),
        )
        for g in with_overdue[:6]
    ]
    plans = scoped(RatingNotification, user).awaiting_acceptance().count()
    if plans:
        items.append(DashboardItem("Action plans to review", reverse("compliance:provider-list"), plans))
    soon = sum(1 for g in gaps.values() if g.warnings and not g.overdue)
    if soon:
        items.append(
            DashboardItem(
                "Providers with items due within 30 days", reverse("compliance:provider-list"), soon
            )
        )
    return DashboardPanel(
        title="Provider compliance",
        items=items,
        urgent=bool(with_overdue),
        empty_text="Every provider's registration, insurance, policies and training are in date.",
    )
