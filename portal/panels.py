"""The shell's own navigation and dashboard panels (registered like any app's hooks)."""

from __future__ import annotations

from django.db.models import Count
from django.urls import reverse

from .hooks import DashboardItem, DashboardPanel, dashboard_panel, register_nav
from .models import Alert, ApiToken, Organisation, User
from .roles import Capability, Role, capabilities_of

# The shell's own entries -------------------------------------------------------------------

register_nav("Home", "portal:dashboard", sides=("commissioner", "provider", "operator"), order=0)
register_nav("Alerts", "portal:alert-list", sides=("commissioner", "provider"), order=85)
register_nav("API access", "portal:api-access", sides=("commissioner", "provider"), order=90)
register_nav(
    "Organisation",
    "portal:organisation-details",
    sides=("commissioner",),
    capability=Capability.COMMISSION,
    order=91,
)
register_nav(
    "Organisation",
    "portal:organisation-details",
    sides=("provider",),
    capability=Capability.PROVIDER_MANAGE,
    order=91,
)
register_nav("Webhooks", "portal:webhook-list", sides=("commissioner", "provider"), order=92)
# Who read personal data: for the organisation's managers (portal.access_log.views).
register_nav(
    "Access log",
    "portal:access-log",
    sides=("commissioner", "provider"),
    capability=Capability.MANAGE_PEOPLE,
    order=93,
)


@dashboard_panel(order=1)
def alerts_panel(user: User) -> DashboardPanel | None:
    """Open alerts the user's role can act on, most pressing first."""
    if user.role in (Role.SITE_ADMIN, Role.API_CLIENT):
        return None
    caps = [c.value for c in capabilities_of(user)]
    alerts = Alert.objects.visible_to(user).open().filter(capability__in=caps)
    total = alerts.count()
    shown = list(alerts.order_by("-severity", "due_at", "-raised_at")[:8])
    items = [
        DashboardItem(
            a.title,
            a.url or reverse("portal:alert-list"),
            detail=(f"Due {a.due_at:%d %b %Y %H:%M}" if a.due_at else "")
            + (" — overdue" if a.is_overdue else ""),
        )
        for a in shown
    ]
    if total > len(shown):
        items.append(DashboardItem(f"All {total} alerts", reverse("portal:alert-list")))
    return DashboardPanel(
        title="Alerts",
        items=items,
        urgent=any(a.is_overdue or a.severity == "urgent" for a in shown),
        empty_text="No alerts for you.",
    )


@dashboard_panel(order=5)
def api_client_panel(user: User) -> DashboardPanel | None:
    if user.role != Role.API_CLIENT:
        return None
    tokens = ApiToken.objects.visible_to(user).active().filter(user=user)
    return DashboardPanel(
        title="Your API keys",
        description="This account is for a system that calls the portal's API. Send the key in the "
        "Authorization header; what it sees is what your organisation sees.",
        items=[
            DashboardItem(
                f"{t.name} ({t.prefix}…), {'may also ' + ', '.join(t.scopes) if t.scopes else 'read-only'}",
                reverse("portal:api-access"),
            )
            for t in tokens
        ]
        + [DashboardItem("API documentation", reverse("swagger-ui"))],
    )


@dashboard_panel(order=5)
def site_admin_panel(user: User) -> DashboardPanel | None:
    if user.role != Role.SITE_ADMIN:
        return None
    kinds = dict(Organisation.objects.values_list("kind").annotate(n=Count("id")))
    return DashboardPanel(
        title="Portal set-up",
        description="You administer organisations, people and reference data. Care records are visible only "
        "to the organisations party to them.",
        items=[
            DashboardItem(
                "Commissioners",
                reverse("admin:portal_organisation_changelist") + "?kind__exact=commissioner",
                kinds.get("commissioner", 0),
            ),
            DashboardItem(
                "Providers",
                reverse("admin:portal_organisation_changelist") + "?kind__exact=provider",
                kinds.get("provider", 0),
            ),
            DashboardItem("People", reverse("admin:portal_user_changelist"), User.objects.count()),
            DashboardItem("Frameworks, lots and schemes", reverse("admin:index")),
        ],
    )
