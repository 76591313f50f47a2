"""Route specifications for the permission matrix.

Every URL the portal serves (outside Django's admin, tested on its own) needs a `Route` in some
`tests/<app>/matrix.py` module's `ROUTES` list; a route missing from the matrix fails the test.

`allowed` maps an HTTP method to the matrix roles that may use it on a record in their scope
(see `tests.matrix.world.MATRIX_ROLES`). A role may be qualified by side — "api_client_rw:provider"
or "api_client_rw:council" — where a token's grants depend on whose token it is. Methods not listed must be refused (403/405) for every
role. `owner` names whose record the URL points at (an org key or a pair); users of other
organisations must get 404 on it.
"""

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

ALL_ROLES = frozenset(
    {
        "commissioner",
        "brokerage",
        "provider_manager",
        "provider_staff",
        "api_client",
        "api_client_rw",
        "site_admin",
    }
)
COUNCIL = frozenset({"commissioner", "brokerage", "api_client", "api_client_rw"})
PROVIDER = frozenset({"provider_manager", "provider_staff", "api_client", "api_client_rw"})
EVERYONE_SIGNED_IN = ALL_ROLES


@dataclass(frozen=True)
class Route:
    name: str  # namespaced URL name, e.g. "schemes:scheme-detail"
    allowed: dict[str, frozenset[str]]
    kwargs: Callable | None = None  # world -> URL kwargs, for routes with parameters
    owner: str | None = None  # whose record the kwargs point at: an org key or a pair
    reference: bool = False  # the record is reference data (the operator may see it), not a care record
    public: bool = False  # answers anonymous users too
    data: Callable | None = None  # world -> request body for writes (default: empty)
    query: str = ""  # query string to add, e.g. "format=csv"
    # Response statuses that are acceptable for an allowed request besides 2xx/3xx/400.
    extra_ok: frozenset[int] = field(default_factory=frozenset)
    note: str = ""


def app_modules(name: str) -> list[ModuleType]:
    """Each app test package's module `name` (tests/<app>/<name>.py), where it has one."""
    tests_dir = Path(__file__).resolve().parent.parent
    modules = []
    for info in pkgutil.iter_modules([str(tests_dir)]):
        if not info.ispkg or info.name in ("matrix", "browser"):
            continue
        try:
            modules.append(importlib.import_module(f"tests.{info.name}.{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"tests.{info.name}.{name}":
                raise
    return modules


def discover_routes() -> dict[str, Route]:
    routes: dict[str, Route] = {}
    for module in app_modules("matrix"):
        for route in module.ROUTES:
            if route.name in routes:
                raise AssertionError(f"{route.name} is specified twice")
            routes[route.name] = route
    return routes


# Shorthands the app matrices share -----------------------------------------------------------

COMMISSIONER = frozenset({"commissioner"})
MANAGER = frozenset({"provider_manager"})
RECORDERS = frozenset({"provider_manager", "provider_staff"})
RW_API = frozenset({"api_client_rw"})
# A council's read-write token has no provider capability and a provider's no council one: where
# both sides can see the record, the other side's token is refused with 403.
CROSS_SIDE = frozenset({403})


def pk(name: str, owner: str) -> Callable:
    """URL kwargs naming the world's record `name` of `owner`."""
    return lambda w: {"pk": w.get(name, owner).pk}


def on(name: str, allowed: dict, record: tuple[str, str], owner: str | None = None, **options) -> Route:
    """A route on one world record, `record` = (world name, owner); the URL's owner is the
    record's unless `owner` says otherwise (a sealed bid is its bidder's alone)."""
    key, holder = record
    return Route(name, allowed, kwargs=pk(key, holder), owner=owner or holder, **options)


def at(name: str, allowed: dict, record: str | None = None, pair: str = "C1P1", **options) -> Route:
    """A route on the world record `record` of `pair` (C1P1 unless said), or, with no record
    named, a route without URL kwargs (a list or a create page)."""
    if record is None:
        return Route(name, allowed, **options)
    return on(name, allowed, (record, pair), **options)


def api(
    basename: str, record: tuple[str, str] | None = None, writers: frozenset = frozenset(), **options
) -> list:
    """A viewset's list and detail routes: everyone signed in reads; `writers` (with read-write
    API tokens, the other side's refused) create on the list. `options` go to the detail route."""
    list_allowed: dict = {"GET": EVERYONE_SIGNED_IN}
    list_options: dict = {}
    if writers:
        list_allowed["POST"] = writers | RW_API
        list_options["extra_ok"] = CROSS_SIDE
    routes = [Route(f"{basename}-list", list_allowed, **list_options)]
    if record is not None:
        routes.append(on(f"{basename}-detail", {"GET": EVERYONE_SIGNED_IN}, record, **options))
    return routes


def api_action(name: str, writers: frozenset, record: tuple[str, str], **options) -> Route:
    """A POST action on one record for `writers` and read-write API tokens."""
    return on(name, {"POST": writers | RW_API}, record, **options)
