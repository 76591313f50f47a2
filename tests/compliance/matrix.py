"""Permission matrix for provider compliance. A provider's records are owned by the pair (in the
canary world each provider works with one council, which sees them); insurance requirements
are the council's public terms (reference data)."""

from tests.matrix.routes import (
    COMMISSIONER,
    CROSS_SIDE,
    EVERYONE_SIGNED_IN,
    MANAGER,
    RECORDERS,
    Route,
    api,
    api_action,
    on,
)

ALL = EVERYONE_SIGNED_IN
NOTICE, REQUIREMENT = ("rating_notification", "C1P1"), ("insurance_requirement", "C1")
TERMS, DUTY = ("compliance_terms", "C1"), ("duty", "C1P1")
P1 = {"kwargs": lambda w: {"pk": w.orgs["P1"].pk}, "owner": "P1", "reference": True}


def form(roles):
    return {"GET": roles, "POST": roles}


ROUTES = [
    Route("compliance:provider-list", {"GET": ALL}),
    Route(
        "compliance:provider-detail",
        {"GET": ALL},
        **P1,
        note="The operator sees the organisation (reference data) but none of its compliance records.",
    ),
    Route("compliance:rating-create", form(MANAGER)),
    on("compliance:rating-notification-detail", {"GET": ALL}, NOTICE),
    on("compliance:rating-notification-send", form(MANAGER), NOTICE),
    on("compliance:rating-notification-accept", {"POST": COMMISSIONER}, NOTICE),
    on("compliance:rating-notification-action-plan", {"GET": ALL}, NOTICE),
    on("compliance:rating-notification-plan", form(MANAGER), NOTICE),
    on("compliance:rating-notification-timescale", form(COMMISSIONER), NOTICE),
    on("compliance:rating-notification-return", {"POST": COMMISSIONER}, NOTICE),
    on("compliance:rating-notification-report", {"GET": ALL}, NOTICE),
    Route("compliance:terms", {"GET": ALL, "POST": COMMISSIONER}),
    Route("compliance:duty-list", {"GET": ALL}),
    Route("compliance:duty-create", form(MANAGER)),
    on("compliance:duty-detail", {"GET": ALL}, DUTY),
    on("compliance:duty-send", {"POST": MANAGER}, DUTY),
    on("compliance:duty-decide", {"POST": COMMISSIONER}, DUTY),
    Route("compliance:insurance-create", form(MANAGER)),
    on("compliance:insurance-document", {"GET": ALL}, ("insurance_certificate", "C1P1")),
    Route("compliance:requirement-list", {"GET": ALL, "POST": COMMISSIONER}),
    on("compliance:requirement-remove", {"POST": COMMISSIONER}, REQUIREMENT, reference=True),
    Route("compliance:policy-create", form(MANAGER)),
    on("compliance:policy-document", {"GET": ALL}, ("policy", "C1P1")),
    Route("compliance:capacity", {"GET": ALL}),
    Route("compliance:capacity-create", form(RECORDERS)),
    # API
    Route("compliance-api:provider-compliance-list", {"GET": ALL}),
    Route("compliance-api:provider-compliance-detail", {"GET": ALL}, **P1),
    *api("compliance-api:rating-change", ("rating_change", "C1P1"), writers=MANAGER),
    *api("compliance-api:rating-notification", NOTICE),
    api_action("compliance-api:rating-notification-send", MANAGER, NOTICE, extra_ok=CROSS_SIDE),
    api_action("compliance-api:rating-notification-accept", COMMISSIONER, NOTICE, extra_ok=CROSS_SIDE),
    api_action("compliance-api:rating-notification-action-plan", MANAGER, NOTICE, extra_ok=CROSS_SIDE),
    api_action("compliance-api:rating-notification-timescale", COMMISSIONER, NOTICE, extra_ok=CROSS_SIDE),
    api_action("compliance-api:rating-notification-return", COMMISSIONER, NOTICE, extra_ok=CROSS_SIDE),
    *api("compliance-api:compliance-terms", TERMS, writers=COMMISSIONER, reference=True),
    *api("compliance-api:provider-duty", DUTY, writers=MANAGER),
    api_action("compliance-api:provider-duty-send", MANAGER, DUTY, extra_ok=CROSS_SIDE),
    api_action("compliance-api:provider-duty-decide", COMMISSIONER, DUTY, extra_ok=CROSS_SIDE),
    *api("compliance-api:insurance-certificate", ("insurance_certificate", "C1P1"), writers=MANAGER),
    *api("compliance-api:insurance-requirement", REQUIREMENT, writers=COMMISSIONER, reference=True),
    *api("compliance-api:policy", ("policy", "C1P1"), writers=MANAGER),
    *api("compliance-api:capacity-snapshot", ("capacity", "C1P1"), writers=RECORDERS),
]
