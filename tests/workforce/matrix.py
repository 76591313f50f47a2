from tests.matrix.routes import EVERYONE_SIGNED_IN, Route

ALL = EVERYONE_SIGNED_IN
RECORDERS = frozenset({"provider_manager", "provider_staff"})
RW_API = frozenset({"api_client_rw"})
CROSS_SIDE = frozenset({403})  # a council's read-write token has no provider capability


def _pk(name, owner):
    return lambda w: {"pk": w.get(name, owner).pk}


ROUTES = [
    Route("workforce:staff-list", {"GET": ALL}),
    Route("workforce:staff-create", {"GET": RECORDERS, "POST": RECORDERS}),
    Route("workforce:staff-upload", {"GET": RECORDERS, "POST": RECORDERS}),
    Route("workforce:training-upload", {"GET": RECORDERS, "POST": RECORDERS}),
    Route("workforce:staff-detail", {"GET": ALL}, kwargs=_pk("staff", "C1P1"), owner="C1P1"),
    Route(
        "workforce:staff-update",
        {"GET": RECORDERS, "POST": RECORDERS},
        kwargs=_pk("staff", "C1P1"),
        owner="C1P1",
    ),
    Route(
        "workforce:training-create",
        {"GET": RECORDERS, "POST": RECORDERS},
        kwargs=_pk("staff", "C1P1"),
        owner="C1P1",
    ),
    Route("workforce:training-matrix", {"GET": ALL}),
    Route(
        "workforce:upload-template",
        {"GET": RECORDERS},
        kwargs=lambda w: {"kind": "training", "format": "xlsx"},
    ),
    Route("workforce-api:staff-list", {"GET": ALL, "POST": RECORDERS | RW_API}, extra_ok=CROSS_SIDE),
    Route(
        "workforce-api:staff-detail",
        {"GET": ALL, "PUT": RECORDERS | RW_API, "PATCH": RECORDERS | RW_API},
        kwargs=_pk("staff", "C1P1"),
        owner="C1P1",
        extra_ok=CROSS_SIDE,
    ),
    Route("workforce-api:training-course-list", {"GET": ALL}),
    Route("workforce-api:training-course-detail", {"GET": ALL}, kwargs=_pk("course", "all")),
    Route(
        "workforce-api:training-completion-list",
        {"GET": ALL, "POST": RECORDERS | RW_API},
        extra_ok=CROSS_SIDE,
    ),
    Route(
        "workforce-api:training-completion-detail", {"GET": ALL}, kwargs=_pk("training", "C1P1"), owner="C1P1"
    ),
]
