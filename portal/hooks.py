"""Registries that let each app add to the shared shell without the shell importing the apps.

Each app may have a `hooks.py` that calls `register_nav`, `dashboard_panel`, `demo_step` (or
`demo_module`), `register_upload` `register_search` and `register_personal_data`; PortalConfig.ready() imports them all. Dependencies still point one way: portal knows nothing of
the domain apps, the apps register themselves.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar, cast

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import OutputWrapper
from django.db.models import Model
from django.urls import reverse

from .roles import Capability, has_capability

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from .models import User
    from .uploads.specs import UploadSpec


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


#: `fn(user) -> DashboardPanel | None`: a panel on the home dashboard, or None to show nothing.
PanelFn: TypeAlias = Callable[["User"], "DashboardPanel | None"]
#: `fn(out) -> None`: one step of `load_demo`, writing its progress to the command's output.
DemoStepFn: TypeAlias = Callable[[OutputWrapper], None]
_Panel = TypeVar("_Panel", bound=PanelFn)
_DemoStep = TypeVar("_DemoStep", bound=DemoStepFn)

_NAV: list[NavItem] = []
_PANELS: list[tuple[int, PanelFn]] = []
_DEMO_STEPS: list[tuple[int, str, DemoStepFn]] = []
_REFERENCE_STEPS: list[tuple[int, str, DemoStepFn]] = []
_UPLOADS: dict[str, UploadSpec] = {}
_UPLOAD_PAGES: list[str] = []
_SEARCHES: dict[str, SearchSource] = {}


@dataclass(frozen=True)
class SearchSource:
    """What an app offers the header search (`portal.search`): a kind of record, the records of
    it the user may see (`visible_to(user)`, never more), the text fields matched, and how a hit
    is shown (a title and a line that tells hits apart) and linked."""

    kind: str  # e.g. "people": the group's id on the results page
    label: str  # e.g. "People": the group's heading
    records: Callable[[User], QuerySet[Any]]  # scoped to the user: visible_to(user)
    fields: tuple[str, ...]  # text fields a term is found in (GIN trigram indexes make them fast)
    describe: Callable[[Any], tuple[str, str]]  # record -> (title, detail)
    url: Callable[[Any], str] = lambda record: record.get_absolute_url()
    #: of `fields`, those also matched when a word is only like the term (a name misspelt), not
    #: references, where a near miss is another record
    fuzzy: tuple[str, ...] = ()
    order: int = 50


def register_search(source: SearchSource) -> SearchSource:
    """A kind of record found by the header search."""
    _SEARCHES[source.kind] = source
    return source


def search_sources() -> list[SearchSource]:
    return sorted(_SEARCHES.values(), key=lambda s: (s.order, s.label))


@dataclass(frozen=True)
class PersonalData:
    """A model whose records are about one person: reading them is written in the access log
    (`portal.access_log`). `person` is the ORM path from a record to the person's id ("pk" for
    the person's own record, "service_user", "order__service_user"…); `person_filters` are the
    list filters that narrow a list to one person, so a browser list so filtered is logged too."""

    label: str
    person: str
    person_filters: tuple[str, ...] = ()


_PERSONAL_DATA: dict[str, PersonalData] = {}


def register_nav(
    label: str,
    url_name: str,
    *,
    sides: Iterable[str] = ("commissioner", "provider"),
    capability: Capability = Capability.VIEW,
    order: int = 50,
) -> None:
    item = NavItem(label, url_name, tuple(sides), capability, order)
    if item not in _NAV:
        _NAV.append(item)


def dashboard_panel(order: int = 50, *, roles: Iterable[str] | None = None) -> Callable[[_Panel], _Panel]:
    """Decorate `fn(user) -> DashboardPanel | None`; it is shown on the home dashboard.

    With `roles`, users of any other role see nothing and `fn` is not called for them.
    """
    allowed = None if roles is None else frozenset(roles)

    def decorator(fn: _Panel) -> _Panel:
        panel = fn
        if allowed is not None:

            @functools.wraps(fn)
            def for_roles(user: User) -> DashboardPanel | None:
                return fn(user) if user.role in allowed else None

            panel = cast(_Panel, for_roles)
        if all(getattr(f, "__wrapped__", f) is not fn for _, f in _PANELS):
            _PANELS.append((order, panel))
        return panel

    return decorator


def _add_demo_step(order: int, name: str, fn: DemoStepFn) -> None:
    if all(n != name for _, n, _f in _DEMO_STEPS):
        _DEMO_STEPS.append((order, name, fn))


def demo_step(order: int) -> Callable[[_DemoStep], _DemoStep]:
    """Decorate `fn(out) -> None`, run by `load_demo` in `order`; each step must be idempotent."""

    def decorator(fn: _DemoStep) -> _DemoStep:
        _add_demo_step(order, f"{fn.__module__}.{fn.__name__}", fn)
        return fn

    return decorator


def demo_module(order: int, module: str) -> None:
    """Run `module.load(out)` as a step of `load_demo` in `order`; the module is imported only then."""

    def step(out: OutputWrapper) -> None:
        import_module(module).load(out)

    _add_demo_step(order, f"{module}.load", step)


def reference_module(order: int, module: str) -> None:
    """Run `module.load_reference(out)` as a step of `load_reference` (and so first in
    `load_demo`) in `order`: reference data from the specifications (councils, frameworks, lots,
    schemes, KPI catalogues), no demo people. Each step must be idempotent."""

    def step(out: OutputWrapper) -> None:
        import_module(module).load_reference(out)

    name = f"{module}.load_reference"
    if all(n != name for _, n, _f in _REFERENCE_STEPS):
        _REFERENCE_STEPS.append((order, name, step))


def reference_steps() -> list[tuple[str, DemoStepFn]]:
    return [(name, fn) for _, name, fn in sorted(_REFERENCE_STEPS, key=lambda s: (s[0], s[1]))]


def register_upload(spec: UploadSpec) -> UploadSpec:
    """A kind of spreadsheet upload (and bulk API submission): see `portal.uploads`."""
    _UPLOADS[spec.kind] = spec
    return spec


def register_personal_data(
    model: type[Model], *, label: str, person: str, person_filters: Iterable[str] = ()
) -> None:
    """Reads of `model`'s records (a page, an API read, a list filtered to a person) go in the
    access log: see `PersonalData`."""
    _PERSONAL_DATA[model._meta.label_lower] = PersonalData(label, person, tuple(person_filters))


def personal_data(model: type[Model] | None) -> PersonalData | None:
    """How `model`'s records lead to a person, or None if they are not personal data."""
    return None if model is None else _PERSONAL_DATA.get(model._meta.label_lower)


def register_upload_pages(namespace: str) -> None:
    """The URL namespace that mounts the upload pages (`portal.uploads.urls`)."""
    if namespace not in _UPLOAD_PAGES:
        _UPLOAD_PAGES.append(namespace)


def upload_spec(kind: str) -> UploadSpec:
    try:
        return _UPLOADS[kind]
    except KeyError:
        raise LookupError(f"No upload of kind {kind!r} is registered (hooks.register_upload).") from None


def upload_specs() -> list[UploadSpec]:
    return list(_UPLOADS.values())


def upload_kinds() -> list[tuple[str, str]]:
    """The choices of UploadJob.kind: every registered kind."""
    return [(spec.kind, spec.label) for spec in _UPLOADS.values()]


def upload_page(name: str) -> str:
    """The URL name of an upload page, e.g. upload_page("upload-detail")."""
    if not _UPLOAD_PAGES:
        raise ImproperlyConfigured("No app mounts the upload pages (hooks.register_upload_pages).")
    return f"{_UPLOAD_PAGES[0]}:{name}"


def nav_for(user: User | AnonymousUser, request_path: str = "") -> list[dict[str, str | bool]]:
    if not user.is_authenticated:
        return []
    items: list[dict[str, str | bool]] = []
    for item in sorted(_NAV, key=lambda i: (i.order, i.label)):
        if user.organisation.kind not in item.sides or not has_capability(user, item.capability):
            continue
        url = reverse(item.url_name)
        current = request_path == url if url == "/" else request_path.startswith(url)
        items.append({"label": item.label, "url": url, "current": current})
    return items


def panels_for(user: User) -> list[DashboardPanel]:
    panels = []
    for order, fn in sorted(_PANELS, key=lambda p: p[0]):
        panel = fn(user)
        if panel is not None:
            panel.order = order
            panels.append(panel)
    return panels


def demo_steps() -> list[tuple[str, DemoStepFn]]:
    return [(name, fn) for _, name, fn in sorted(_DEMO_STEPS, key=lambda s: (s[0], s[1]))]
