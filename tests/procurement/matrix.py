"""Permission matrix for framework membership and call-offs.

Sealed bids: the bid routes point at C1P1's sealed bid (the call-off is still open), owned by P1
alone, so the matrix checks that C1's commissioner, its API clients and every other organisation
get 404 on its page and API record, and that the bids export of an open call-off is refused to
everyone. The closed call-off's opened bid is owned by the pair (its score route)."""

from tests.matrix.routes import (
    COMMISSIONER,
    CROSS_SIDE,
    EVERYONE_SIGNED_IN,
    MANAGER,
    Route,
    api,
    api_action,
    on,
)

ALL = EVERYONE_SIGNED_IN
FORM = {"GET", "POST"}
LOT, MEMBERSHIP = ("lot", "C1P1"), ("membership", "C1P1")
OPEN, SHUT, DRAFT = ("calloff_open", "C1P1"), ("calloff_closed", "C1P1"), ("calloff_draft", "C1")
SEALED, OPENED = ("bid_sealed", "C1P1"), ("bid_opened", "C1P1")


def form(roles):
    return dict.fromkeys(FORM, roles)


ROUTES = [
    Route("procurement:index", {"GET": ALL}),
    on("procurement:framework-providers", {"GET": COMMISSIONER}, ("framework", "C1"), reference=True),
    on("procurement:lot-criteria", {"GET": ALL, "POST": COMMISSIONER}, LOT, reference=True),
    on(
        "procurement:membership-apply",
        form(MANAGER),
        LOT,
        reference=True,
        note="The world's frameworks are closed: P1's application is refused with a form error (200).",
    ),
    on("procurement:membership-add", form(COMMISSIONER), LOT, reference=True),
    on("procurement:criterion-remove", {"POST": COMMISSIONER}, ("criterion", "C1P1"), reference=True),
    Route("procurement:membership-list", {"GET": ALL}),
    on("procurement:membership-detail", {"GET": ALL}, MEMBERSHIP),
    on("procurement:membership-decide", {"POST": COMMISSIONER}, ("application", "C1P1")),
    on("procurement:membership-withdraw", {"POST": MANAGER}, MEMBERSHIP),
    Route("procurement:calloff-list", {"GET": ALL}),
    Route("procurement:calloff-create", form(COMMISSIONER)),
    on("procurement:calloff-detail", {"GET": ALL}, OPEN),
    on("procurement:calloff-update", form(COMMISSIONER), DRAFT, note="A draft is the council's alone."),
    on("procurement:calloff-publish", {"POST": COMMISSIONER}, DRAFT),
    on("procurement:calloff-cancel", {"POST": COMMISSIONER}, OPEN),
    on("procurement:calloff-award", {"POST": COMMISSIONER}, SHUT),
    on(
        "procurement:calloff-bids-export",
        {},
        OPEN,
        note="Sealed: before the closing time nobody may export the bids (the council gets 403).",
    ),
    on("procurement:bid-submit", form(MANAGER), OPEN),
    on(
        "procurement:bid-detail",
        {"GET": ALL},
        SEALED,
        owner="P1",
        note="Sealed bid: only the bidder may read it before the closing time; the council gets 404.",
    ),
    on("procurement:bid-withdraw", {"POST": MANAGER}, SEALED, owner="P1"),
    on("procurement:bid-score", form(COMMISSIONER), OPENED),
    # API
    *api("procurement-api:entry-criterion", ("criterion", "C1P1"), reference=True),
    *api("procurement-api:membership", MEMBERSHIP, writers=MANAGER),
    *[
        api_action(
            f"procurement-api:membership-{action}",
            COMMISSIONER,
            ("application" if action in ("admit", "reject") else "membership", "C1P1"),
            extra_ok=CROSS_SIDE,
        )
        for action in ("admit", "reject", "suspend", "readmit")
    ],
    api_action("procurement-api:membership-withdraw", MANAGER, MEMBERSHIP, extra_ok=CROSS_SIDE),
    *api("procurement-api:calloff", OPEN, writers=COMMISSIONER),
    api_action("procurement-api:calloff-publish", COMMISSIONER, DRAFT),
    api_action("procurement-api:calloff-cancel", COMMISSIONER, OPEN, extra_ok=CROSS_SIDE),
    api_action("procurement-api:calloff-award", COMMISSIONER, SHUT, extra_ok=CROSS_SIDE),
    *api(
        "procurement-api:bid",
        SEALED,
        writers=MANAGER,
        owner="P1",
        note="Sealed bid: 404 for the council and its API clients until the closing time.",
    ),
    api_action("procurement-api:bid-withdraw", MANAGER, SEALED, owner="P1"),
    api_action("procurement-api:bid-score", COMMISSIONER, OPENED, extra_ok=CROSS_SIDE),
]
