from tests.matrix.routes import COMMISSIONER, CROSS_SIDE, EVERYONE_SIGNED_IN, Route, api, on

ALL = EVERYONE_SIGNED_IN
FRAMEWORK, LOT, SCHEME, CONTRACT = (
    ("framework", "C1"),
    ("lot", "C1P1"),
    ("scheme", "C1P1"),
    ("contract", "C1P1"),
)

COUNCIL_WRITERS = COMMISSIONER | {"api_client_rw:council"}

ROUTES = [
    Route("schemes:index", {"GET": ALL}),
    on("schemes:framework-detail", {"GET": ALL}, FRAMEWORK, reference=True),
    on("schemes:lot-detail", {"GET": ALL}, LOT, reference=True),
    on("schemes:scheme-detail", {"GET": ALL}, SCHEME, reference=True),
    Route("schemes:contract-list", {"GET": ALL}),
    Route("schemes:contract-create", {"GET": COMMISSIONER, "POST": COMMISSIONER}),
    on(
        "schemes:contract-unplanned-hours",
        {"GET": COMMISSIONER, "POST": COMMISSIONER},
        CONTRACT,
        reference=True,
    ),
    on("schemes:contract-detail", {"GET": ALL}, CONTRACT, reference=True),
    on("schemes:contract-change", {"GET": COMMISSIONER, "POST": COMMISSIONER}, CONTRACT, reference=True),
    on(
        "schemes:contract-rate-create",
        {"GET": COMMISSIONER, "POST": COMMISSIONER},
        CONTRACT,
        reference=True,
    ),
    *api("schemes-api:framework", FRAMEWORK, reference=True),
    *api("schemes-api:lot", LOT, reference=True),
    *api("schemes-api:scheme", SCHEME, reference=True),
    # The council's commissioners and its read-write tokens create and change contracts (a
    # provider's read-write token is refused: it holds no commission capability).
    Route("schemes-api:contract-list", {"GET": ALL, "POST": COUNCIL_WRITERS}, extra_ok=CROSS_SIDE),
    on(
        "schemes-api:contract-detail",
        {"GET": ALL, "PUT": COUNCIL_WRITERS, "PATCH": COUNCIL_WRITERS},
        CONTRACT,
        reference=True,
    ),
    on("schemes-api:contract-rates", {"POST": COUNCIL_WRITERS}, CONTRACT, reference=True),
    on("schemes-api:contract-unplanned-hours", {"POST": COUNCIL_WRITERS}, CONTRACT, reference=True),
]
