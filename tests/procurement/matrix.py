"""Permission matrix for framework membership and call-offs.

Sealed bids: the bid routes point at C1P1's sealed bid (the call-off is still open), owned by P1
alone, so the matrix checks that C1's commissioner, its API clients and every other organisation
get 404 on its page and API record, and that the bids export of an open call-off is refused to
everyone. The closed call-off's opened bid is owned by the pair (its score route)."""

from tests.matrix.routes import EVERYONE_SIGNED_IN, Route

ALL = EVERYONE_SIGNED_IN
COMMISSIONER = frozenset({"commissioner"})
MANAGER = frozenset({"provider_manager"})
RW_API = frozenset({"api_client_rw"})
# A council's read-write token has no provider capability and a provider's no council one: where
# both sides can see the record, the other side's token is refused with 403.
CROSS_SIDE = frozenset({403})


def _pk(name, owner):
    return lambda w: {"pk": w.get(name, owner).pk}


ROUTES = [
    Route("procurement:index", {"GET": ALL}),
    Route(
        "procurement:framework-providers",
        {"GET": COMMISSIONER},
        kwargs=_pk("framework", "C1"),
        owner="C1",
        reference=True,
    ),
    Route(
        "procurement:lot-criteria",
        {"GET": ALL, "POST": COMMISSIONER},
        kwargs=_pk("lot", "C1P1"),
        owner="C1P1",
        reference=True,
    ),
    Route(
        "procurement:membership-apply",
        {"GET": MANAGER, "POST": MANAGER},
        kwargs=_pk("lot", "C1P1"),
        owner="C1P1",
        reference=True,
        note="The world's frameworks are closed: P1's application is refused with a form error (200).",
    ),
    Route(
        "procurement:membership-add",
        {"GET": COMMISSIONER, "POST": COMMISSIONER},
        kwargs=_pk("lot", "C1P1"),
        owner="C1P1",
        reference=True,
    ),
    Route(
        "procurement:criterion-remove",
        {"POST": COMMISSIONER},
        kwargs=_pk("criterion", "C1P1"),
        owner="C1P1",
        reference=True,
    ),
    Route("procurement:membership-list", {"GET": ALL}),
    Route("procurement:membership-detail", {"GET": ALL}, kwargs=_pk("membership", "C1P1"), owner="C1P1"),
    Route(
        "procurement:membership-decide",
        {"POST": COMMISSIONER},
        kwargs=_pk("application", "C1P1"),
        owner="C1P1",
    ),
    Route(
        "procurement:membership-withdraw", {"POST": MANAGER}, kwargs=_pk("membership", "C1P1"), owner="C1P1"
    ),
    Route("procurement:calloff-list", {"GET": ALL}),
    Route("procurement:calloff-create", {"GET": COMMISSIONER, "POST": COMMISSIONER}),
    Route("procurement:calloff-detail", {"GET": ALL}, kwargs=_pk("calloff_open", "C1P1"), owner="C1P1"),
    Route(
        "procurement:calloff-update",
        {"GET": COMMISSIONER, "POST": COMMISSIONER},
        kwargs=_pk("calloff_draft", "C1"),
        owner="C1",
        note="A draft is the council's alone.",
    ),
    Route(
        "procurement:calloff-publish", {"POST": COMMISSIONER}, kwargs=_pk("calloff_draft", "C1"), owner="C1"
    ),
    Route(
        "procurement:calloff-cancel", {"POST": COMMISSIONER}, kwargs=_pk("calloff_open", "C1P1"), owner="C1P1"
    ),
    Route(
        "procurement:calloff-award",
        {"POST": COMMISSIONER},
        kwargs=_pk("calloff_closed", "C1P1"),
        owner="C1P1",
    ),
    Route(
        "procurement:calloff-bids-export",
        {},
        kwargs=_pk("calloff_open", "C1P1"),
        owner="C1P1",
        note="Sealed: before the closing time nobody may export the bids (the council gets 403).",
    ),
    Route(
        "procurement:bid-submit",
        {"GET": MANAGER, "POST": MANAGER},
        kwargs=_pk("calloff_open", "C1P1"),
        owner="C1P1",
    ),
    Route(
        "procurement:bid-detail",
        {"GET": ALL},
        kwargs=_pk("bid_sealed", "C1P1"),
        owner="P1",
        note="Sealed bid: only the bidder may read it before the closing time; the council gets 404.",
    ),
    Route("procurement:bid-withdraw", {"POST": MANAGER}, kwargs=_pk("bid_sealed", "C1P1"), owner="P1"),
    Route(
        "procurement:bid-score",
        {"GET": COMMISSIONER, "POST": COMMISSIONER},
        kwargs=_pk("bid_opened", "C1P1"),
        owner="C1P1",
    ),
    # API
    Route("procurement-api:entry-criterion-list", {"GET": ALL}),
    Route(
        "procurement-api:entry-criterion-detail",
        {"GET": ALL},
        kwargs=_pk("criterion", "C1P1"),
        owner="C1P1",
        reference=True,
    ),
    Route(
        "procurement-api:membership-list",
        {"GET": ALL, "POST": MANAGER | RW_API},
        extra_ok=CROSS_SIDE,
    ),
    Route("procurement-api:membership-detail", {"GET": ALL}, kwargs=_pk("membership", "C1P1"), owner="C1P1"),
    *[
        Route(
            f"procurement-api:membership-{action}",
            {"POST": COMMISSIONER | RW_API},
            kwargs=_pk("application" if action in ("admit", "reject") else "membership", "C1P1"),
            owner="C1P1",
            extra_ok=CROSS_SIDE,
        )
        for action in ("admit", "reject", "suspend", "readmit")
    ],
    Route(
        "procurement-api:membership-withdraw",
        {"POST": MANAGER | RW_API},
        kwargs=_pk("membership", "C1P1"),
        owner="C1P1",
        extra_ok=CROSS_SIDE,
    ),
    Route(
        "procurement-api:calloff-list",
        {"GET": ALL, "POST": COMMISSIONER | RW_API},
        extra_ok=CROSS_SIDE,
    ),
    Route("procurement-api:calloff-detail", {"GET": ALL}, kwargs=_pk("calloff_open", "C1P1"), owner="C1P1"),
    Route(
        "procurement-api:calloff-publish",
        {"POST": COMMISSIONER | RW_API},
        kwargs=_pk("calloff_draft", "C1"),
        owner="C1",
    ),
    Route(
        "procurement-api:calloff-cancel",
        {"POST": COMMISSIONER | RW_API},
        kwargs=_pk("calloff_open", "C1P1"),
        owner="C1P1",
        extra_ok=CROSS_SIDE,
    ),
    Route(
        "procurement-api:calloff-award",
        {"POST": COMMISSIONER | RW_API},
        kwargs=_pk("calloff_closed", "C1P1"),
        owner="C1P1",
        extra_ok=CROSS_SIDE,
    ),
    Route(
        "procurement-api:bid-list",
        {"GET": ALL, "POST": MANAGER | RW_API},
        extra_ok=CROSS_SIDE,
    ),
    Route(
        "procurement-api:bid-detail",
        {"GET": ALL},
        kwargs=_pk("bid_sealed", "C1P1"),
        owner="P1",
        note="Sealed bid: 404 for the council and its API clients until the closing time.",
    ),
    Route(
        "procurement-api:bid-withdraw",
        {"POST": MANAGER | RW_API},
        kwargs=_pk("bid_sealed", "C1P1"),
        owner="P1",
    ),
    Route(
        "procurement-api:bid-score",
        {"POST": COMMISSIONER | RW_API},
        kwargs=_pk("bid_opened", "C1P1"),
        owner="C1P1",
        extra_ok=CROSS_SIDE,
    ),
]
