"""Permission-matrix specs for every visits route (HTML and API).

Providers record (PROVIDER_RECORD: managers and staff); councils and the provider read. Uploads
are the provider's own working papers (owner: the provider). API write routes list
`api_client_rw` and accept 403 (`extra_ok`): a council's granted token holds no PROVIDER_RECORD.
tests/visits/test_api.py checks each side's token exactly."""

from tests.matrix.routes import EVERYONE_SIGNED_IN, Route

ALL = EVERYONE_SIGNED_IN
PROVIDER = frozenset({"provider_manager", "provider_staff"})
API_PROVIDER = PROVIDER | {"api_client_rw"}
OTHER_SIDE = frozenset({403})


def _pk(name, owner="C1P1"):
    return lambda w: {"pk": w.get(name, owner).pk}


def _order_pk(w):
    return {"pk": w.get("visit", "C1P1").order_id}


ROUTES = [
    Route("visits:visit-list", {"GET": ALL}),
    Route("visits:missed-list", {"GET": ALL}),
    Route("visits:visit-export", {"GET": ALL}),
    Route("visits:visit-choose-order", {"GET": PROVIDER}),
    # The day's grid: the scheme and day are chosen on the page; others' visits never show.
    Route("visits:visit-day", {"GET": PROVIDER, "POST": PROVIDER}),
    Route("visits:visit-create", {"GET": PROVIDER, "POST": PROVIDER}, kwargs=_order_pk, owner="C1P1"),
    Route("visits:visit-detail", {"GET": ALL}, kwargs=_pk("visit"), owner="C1P1"),
    Route("visits:visit-edit", {"GET": PROVIDER, "POST": PROVIDER}, kwargs=_pk("visit"), owner="C1P1"),
    Route(
        "visits:visit-explain", {"GET": PROVIDER, "POST": PROVIDER}, kwargs=_pk("missed_visit"), owner="C1P1"
    ),
    Route("visits:upload", {"GET": PROVIDER, "POST": PROVIDER}),
    # The XLSX template filled with the user's own visits still to record (none for councils).
    Route(
        "visits:upload-template",
        {"GET": ALL},
        kwargs=lambda w: {"fmt": "xlsx"},
        query="from=2026-04-01&to=2026-04-30",
    ),
    Route("visits:upload-list", {"GET": PROVIDER}),
    Route("visits:upload-detail", {"GET": PROVIDER}, kwargs=_pk("upload"), owner="P1"),
    Route("visits:upload-status", {"GET": PROVIDER}, kwargs=_pk("upload"), owner="P1"),
    Route("visits:upload-confirm", {"POST": PROVIDER}, kwargs=_pk("upload"), owner="P1"),
    Route("visits:upload-discard", {"POST": PROVIDER}, kwargs=_pk("upload"), owner="P1"),
    Route("visits-api:visit-list", {"GET": ALL, "POST": API_PROVIDER}, extra_ok=OTHER_SIDE),
    Route(
        "visits-api:visit-detail",
        {"GET": ALL, "PUT": API_PROVIDER, "PATCH": API_PROVIDER},
        kwargs=_pk("visit"),
        owner="C1P1",
        extra_ok=OTHER_SIDE,
    ),
    Route("visits-api:visit-bulk", {"POST": API_PROVIDER}, extra_ok=OTHER_SIDE),
    Route(
        "visits-api:visit-explain",
        {"POST": API_PROVIDER},
        kwargs=_pk("missed_visit"),
        owner="C1P1",
        extra_ok=OTHER_SIDE,
    ),
]
