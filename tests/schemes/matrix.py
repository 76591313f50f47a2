from tests.matrix.routes import EVERYONE_SIGNED_IN, Route

ALL = EVERYONE_SIGNED_IN


def _pk(name, owner):
    return lambda w: {"pk": w.get(name, owner).pk}


ROUTES = [
    Route("schemes:index", {"GET": ALL}),
    Route(
        "schemes:framework-detail", {"GET": ALL}, kwargs=_pk("framework", "C1"), owner="C1", reference=True
    ),
    Route("schemes:lot-detail", {"GET": ALL}, kwargs=_pk("lot", "C1P1"), owner="C1P1", reference=True),
    Route("schemes:scheme-detail", {"GET": ALL}, kwargs=_pk("scheme", "C1P1"), owner="C1P1", reference=True),
    Route("schemes:contract-list", {"GET": ALL}),
    Route(
        "schemes:contract-detail", {"GET": ALL}, kwargs=_pk("contract", "C1P1"), owner="C1P1", reference=True
    ),
    Route(
        "schemes:contract-rate-create",
        {"GET": {"commissioner"}, "POST": {"commissioner"}},
        kwargs=_pk("contract", "C1P1"),
        owner="C1P1",
        reference=True,
    ),
    Route("schemes-api:framework-list", {"GET": ALL}),
    Route(
        "schemes-api:framework-detail",
        {"GET": ALL},
        kwargs=_pk("framework", "C1"),
        owner="C1",
        reference=True,
    ),
    Route("schemes-api:lot-list", {"GET": ALL}),
    Route("schemes-api:lot-detail", {"GET": ALL}, kwargs=_pk("lot", "C1P1"), owner="C1P1", reference=True),
    Route("schemes-api:scheme-list", {"GET": ALL}),
    Route(
        "schemes-api:scheme-detail", {"GET": ALL}, kwargs=_pk("scheme", "C1P1"), owner="C1P1", reference=True
    ),
    Route("schemes-api:contract-list", {"GET": ALL}),
    Route(
        "schemes-api:contract-detail",
        {"GET": ALL},
        kwargs=_pk("contract", "C1P1"),
        owner="C1P1",
        reference=True,
    ),
]
