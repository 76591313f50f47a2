"""Route specifications for the permission matrix.

Every URL the portal serves (outside Django's admin, tested on its own) needs a `Route` in some
`tests/<app>/matrix.py` module's `ROUTES` list; a route missing from the matrix fails the test.

`allowed` maps an HTTP method to the matrix roles that may use it on a record in their scope
(see `tests.matrix.world.MATRIX_ROLES`). A role may be qualified by side — "api_client_rw:provider"
or "api_client_rw:council" — where a token's grants depend on whose token it is. Methods not listed must be refused (403/405) for every
role. `owner` names whose record the URL points at (an org key or a pair); users of other
organisations must get 404 on it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

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


def discover_routes() -> dict[str, Route]:
    import importlib
    import pkgutil
    from pathlib import Path

    tests_dir = Path(__file__).resolve().parent.parent
    routes: dict[str, Route] = {}
    for info in pkgutil.iter_modules([str(tests_dir)]):
        if not info.ispkg or info.name in ("matrix", "browser"):
            continue
        try:
            module = importlib.import_module(f"tests.{info.name}.matrix")
        except ModuleNotFoundError as exc:
            if exc.name != f"tests.{info.name}.matrix":
                raise
            continue
        for route in module.ROUTES:
            if route.name in routes:
                raise AssertionError(f"{route.name} is specified twice")
            routes[route.name] = route
    return routes
