"""Permission matrix for provider compliance. A provider's records are owned by the pair (in the
canary world each provider works with one council, which sees them); insurance requirements
are the council's public terms (reference data)."""

from tests.matrix.routes import EVERYONE_SIGNED_IN, Route

ALL = EVERYONE_SIGNED_IN
COMMISSIONER = frozenset({"commissioner"})
MANAGER = frozenset({"provider_manager"})
RECORDERS = frozenset({"provider_manager", "provider_staff"})
RW_API = frozenset({"api_client_rw"})
CROSS_SIDE = frozenset({403})  # the other side's read-write token lacks the capability


def _pk(name, owner):
    return lambda w: {"pk": w.get(name, owner).pk}


ROUTES = [
    Route("compliance:provider-list", {"GET": ALL}),
    Route(
        "compliance:provider-detail",
        {"GET": ALL},
        kwargs=lambda w: {"pk": w.orgs["P1"].pk},
        owner="P1",
        reference=True,
        note="The operator sees the organisation (reference data) but none of its compliance records.",
    ),
    Route("compliance:rating-create", {"GET": MANAGER, "POST": MANAGER}),
    Route(
        "compliance:rating-notification-detail",
        {"GET": ALL},
        kwargs=_pk("rating_notification", "C1P1"),
        owner="C1P1",
    ),
    Route(
        "compliance:rating-notification-send",
        {"GET": MANAGER, "POST": MANAGER},
        kwargs=_pk("rating_notification", "C1P1"),
        owner="C1P1",
    ),
    Route(
        "compliance:rating-notification-accept",
        {"POST": COMMISSIONER},
        kwargs=_pk("rating_notification", "C1P1"),
        owner="C1P1",
    ),
    Route(
        "compliance:rating-notification-action-plan",
        {"GET": ALL},
        kwargs=_pk("rating_notification", "C1P1"),
        owner="C1P1",
    ),
    Route("compliance:insurance-create", {"GET": MANAGER, "POST": MANAGER}),
    Route(
        "compliance:insurance-document",
        {"GET": ALL},
        kwargs=_pk("insurance_certificate", "C1P1"),
        owner="C1P1",
    ),
    Route("compliance:requirement-list", {"GET": ALL, "POST": COMMISSIONER}),
    Route(
        "compliance:requirement-remove",
        {"POST": COMMISSIONER},
        kwargs=_pk("insurance_requirement", "C1"),
        owner="C1",
        reference=True,
    ),
    Route("compliance:policy-create", {"GET": MANAGER, "POST": MANAGER}),
    Route("compliance:policy-document", {"GET": ALL}, kwargs=_pk("policy", "C1P1"), owner="C1P1"),
    Route("compliance:capacity", {"GET": ALL}),
    Route("compliance:capacity-create", {"GET": RECORDERS, "POST": RECORDERS}),
    # API
    Route("compliance-api:provider-compliance-list", {"GET": ALL}),
    Route(
        "compliance-api:provider-compliance-detail",
        {"GET": ALL},
        kwargs=lambda w: {"pk": w.orgs["P1"].pk},
        owner="P1",
        reference=True,
    ),
    Route("compliance-api:rating-change-list", {"GET": ALL, "POST": MANAGER | RW_API}, extra_ok=CROSS_SIDE),
    Route(
        "compliance-api:rating-change-detail", {"GET": ALL}, kwargs=_pk("rating_change", "C1P1"), owner="C1P1"
    ),
    Route("compliance-api:rating-notification-list", {"GET": ALL}),
    Route(
        "compliance-api:rating-notification-detail",
        {"GET": ALL},
        kwargs=_pk("rating_notification", "C1P1"),
        owner="C1P1",
    ),
    Route(
        "compliance-api:rating-notification-send",
        {"POST": MANAGER | RW_API},
        kwargs=_pk("rating_notification", "C1P1"),
        owner="C1P1",
        extra_ok=CROSS_SIDE,
    ),
    Route(
        "compliance-api:rating-notification-accept",
        {"POST": COMMISSIONER | RW_API},
        kwargs=_pk("rating_notification", "C1P1"),
        owner="C1P1",
        extra_ok=CROSS_SIDE,
    ),
    Route(
        "compliance-api:insurance-certificate-list",
        {"GET": ALL, "POST": MANAGER | RW_API},
        extra_ok=CROSS_SIDE,
    ),
    Route(
        "compliance-api:insurance-certificate-detail",
        {"GET": ALL},
        kwargs=_pk("insurance_certificate", "C1P1"),
        owner="C1P1",
    ),
    Route(
        "compliance-api:insurance-requirement-list",
        {"GET": ALL, "POST": COMMISSIONER | RW_API},
        extra_ok=CROSS_SIDE,
    ),
    Route(
        "compliance-api:insurance-requirement-detail",
        {"GET": ALL},
        kwargs=_pk("insurance_requirement", "C1"),
        owner="C1",
        reference=True,
    ),
    Route("compliance-api:policy-list", {"GET": ALL, "POST": MANAGER | RW_API}, extra_ok=CROSS_SIDE),
    Route("compliance-api:policy-detail", {"GET": ALL}, kwargs=_pk("policy", "C1P1"), owner="C1P1"),
    Route(
        "compliance-api:capacity-snapshot-list", {"GET": ALL, "POST": RECORDERS | RW_API}, extra_ok=CROSS_SIDE
    ),
    Route(
        "compliance-api:capacity-snapshot-detail", {"GET": ALL}, kwargs=_pk("capacity", "C1P1"), owner="C1P1"
    ),
]
