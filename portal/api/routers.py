"""An app's API routes, declared by its viewsets rather than in a second list in urls.py.

A viewset names its URL prefix and the basename of its URL names where it is declared:

    class RatingChangeViewSet(ScopedCreateReadViewSet, prefix="rating-changes", basename="rating-change"):

and the app's `api/urls.py` serves every viewset its views module declared, in declaration order:

    app_name = "compliance-api"
    urlpatterns = api_urls(views)

URL names are `<app_name>:<basename>-list`, `-detail` and `-<action>`, as with a DRF router
registered by hand (`ScopedAPIMixin.__init_subclass__` calls `declare_route`).
"""

from collections import defaultdict
from types import ModuleType
from typing import Any

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

#: {module name: [(prefix, viewset, basename), …]} in the order the module declares them.
_ROUTES: defaultdict[str, list[tuple[str, type[Any], str]]] = defaultdict(list)


def declare_route(viewset: type[Any], prefix: str, basename: str) -> None:
    _ROUTES[viewset.__module__].append((prefix, viewset, basename))


def api_urls(views: ModuleType) -> list[URLPattern | URLResolver]:
    """The URL patterns of every viewset that the module `views` declared with a prefix."""
    router = SimpleRouter()
    for prefix, viewset, basename in _ROUTES[views.__name__]:
        router.register(prefix, viewset, basename=basename)
    urls: list[Any] = router.urls
    return urls
