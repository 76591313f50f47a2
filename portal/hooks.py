"""Registries that let each app add to the shared shell without the shell importing the apps.

Each app may have a `hooks.py` that calls `register_nav`, `dashboard_panel` and `demo_step`;
PortalConfig.ready() imports them all. Dependencies still point one way: portal knows nothing of
the domain apps, the apps register themselves.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse

from .roles import Capability, has_capability


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    sides: tuple[str, ...]  # organisation kinds that see it
    capability: Capability
    order: int


@dataclass
class DashboardItem:
    label: str
    url: str
    count: int | None = None
    detail: str = ""


@dataclass
class DashboardPanel:
    title: str
    items: list[DashboardItem] = field(default_factory=list)
    description: str = ""
    urgent: bool = False
    order: int = 50
    empty_text: str = "Nothing needs your attention."


_NAV: list[NavItem] = []
_PANELS: list[tuple[int, Callable]] = []
_DEMO_STEPS: list[tuple[int, str, Callable]] = []


def register_nav(
    label: str,
    url_name: str,
    *,
    sides=("commissioner", "provider"),
    capability: Capability = Capability.VIEW,
    order: int = 50,
) -> None:
    item = NavItem(label, url_name, tuple(sides), capability, order)
    if item not in _NAV:
        _NAV.append(item)


def dashboard_panel(order: int = 50):
    """Decorate `fn(user) -> DashboardPanel | None`; it is shown on the home dashboard."""

    def decorator(fn):
        if all(f is not fn for _, f in _PANELS):
            _PANELS.append((order, fn))
        return fn

    return decorator


def demo_step(order: int):
    """Decorate `fn(out) -> None`, run by `load_demo` in `order`; each step must be idempotent."""

    def decorator(fn):
        name = f"{fn.__module__}.{fn.__name__}"
        if all(n != name for _, n, _f in _DEMO_STEPS):
            _DEMO_STEPS.append((order, name, fn))
        return fn

    return decorator


def nav_for(user, request_path: str = "") -> list[dict]:
    if not user.is_authenticated:
        return []
    items = []
    for item in sorted(_NAV, key=lambda i: (i.order, i.label)):
        if user.organisation.kind not in item.sides or not has_capability(user, item.capability):
            continue
        url = reverse(item.url_name)
        current = request_path == url if url == "/" else request_path.startswith(url)
        items.append({"label": item.label, "url": url, "current": current})
    return items


def panels_for(user) -> list[DashboardPanel]:
    panels = []
    for order, fn in sorted(_PANELS, key=lambda p: p[0]):
        panel = fn(user)
        if panel is not None:
            panel.order = order
            panels.append(panel)
    return panels


def demo_steps() -> list[tuple[str, Callable]]:
    return [(name, fn) for _, name, fn in sorted(_DEMO_STEPS, key=lambda s: (s[0], s[1]))]


# The shell's own entries -------------------------------------------------------------------

register_nav("Home", "portal:dashboard", sides=("commissioner", "provider", "operator"), order=0)
register_nav("Alerts", "portal:alert-list", sides=("commissioner", "provider"), order=85)
register_nav("API access", "portal:api-access", sides=("commissioner", "provider"), order=90)


@dashboard_panel(order=1)
def alerts_panel(user):
    """Open alerts the user's role can act on, most pressing first."""
    from .models import Alert
    from .roles import Role, capabilities_of
    from .tenancy import scoped

    if user.role in (Role.SITE_ADMIN, Role.API_CLIENT):
        return None
    caps = [c.value for c in capabilities_of(user)]
    alerts = scoped(Alert, user).open().filter(capability__in=caps)
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
def api_client_panel(user):
    from .models import ApiToken
    from .roles import Role
    from .tenancy import scoped

    if user.role != Role.API_CLIENT:
        return None
    tokens = scoped(ApiToken, user).active().filter(user=user)
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
def site_admin_panel(user):
    from django.db.models import Count

    from .models import Organisation, User
    from .roles import Role

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
