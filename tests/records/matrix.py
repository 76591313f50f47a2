"""Permission-matrix specs for every operational-records route (HTML and API).

Providers record (PROVIDER_RECORD); councils and providers read their pair's records. API write
routes list `api_client_rw` and accept 403 (`extra_ok`): a council's granted token holds no
PROVIDER_RECORD (tests/records/test_records.py checks the provider's token writes)."""

from tests.matrix.routes import EVERYONE_SIGNED_IN, Route

ALL = EVERYONE_SIGNED_IN
PROVIDER = frozenset({"provider_manager", "provider_staff"})
API_PROVIDER = PROVIDER | {"api_client_rw"}
OTHER_SIDE = frozenset({403})

KINDS = {
    "alarm-calls": ("alarm_call", "alarm-call"),
    "complaints": ("complaint", "complaint"),
    "safeguarding": ("safeguarding", "safeguarding-incident"),
    "surveys": ("survey", "survey-response"),
    "voids": ("void", "void"),
    "nominations": ("nomination", "nomination-decision"),
    "activities": ("activity", "activity"),
    "attendance": ("attendance", "activity-attendance"),
}


def _pk(name, owner="C1P1"):
    return lambda w: {"pk": w.get(name, owner).pk}


ROUTES = [Route("records:index", {"GET": ALL})]
for slug, (record, basename) in KINDS.items():
    ROUTES += [
        Route(f"records:{slug}-list", {"GET": ALL}),
        Route(f"records:{slug}-create", {"GET": PROVIDER, "POST": PROVIDER}),
        Route(f"records:{slug}-detail", {"GET": ALL}, kwargs=_pk(record), owner="C1P1"),
        Route(f"records:{slug}-edit", {"GET": PROVIDER, "POST": PROVIDER}, kwargs=_pk(record), owner="C1P1"),
        Route(f"records:{slug}-upload", {"GET": PROVIDER, "POST": PROVIDER}),
        Route(f"records:{slug}-template", {"GET": ALL}, kwargs=lambda w: {"fmt": "xlsx"}),
        Route(f"records-api:{basename}-list", {"GET": ALL, "POST": API_PROVIDER}, extra_ok=OTHER_SIDE),
        Route(
            f"records-api:{basename}-detail",
            {"GET": ALL, "PUT": API_PROVIDER, "PATCH": API_PROVIDER},
            kwargs=_pk(record),
            owner="C1P1",
            extra_ok=OTHER_SIDE,
        ),
        Route(f"records-api:{basename}-bulk", {"POST": API_PROVIDER}, extra_ok=OTHER_SIDE),
    ]

# Issue 14: the council's complaint information requests [004 §8.5.5], the provider's monthly
# complaints reports [004 §8.5.6] and the council's PAMMS assessments [004 App. 4].
COUNCIL = frozenset({"commissioner"})
MANAGER = frozenset({"provider_manager"})
for slug, record, creators in (
    ("complaint-requests", "complaint_request", COUNCIL),
    ("complaint-reports", "complaints_report", MANAGER),
    ("pamms", "pamms", COUNCIL),
):
    ROUTES += [
        Route(f"records:{slug}-list", {"GET": ALL}),
        Route(f"records:{slug}-create", {"GET": creators, "POST": creators}),
        Route(f"records:{slug}-detail", {"GET": ALL}, kwargs=_pk(record), owner="C1P1"),
    ]
ROUTES.append(
    Route(
        "records:complaint-requests-answer",
        {"GET": PROVIDER, "POST": PROVIDER},
        kwargs=_pk("complaint_request"),
        owner="C1P1",
    )
)

# Their API: the council's token writes requests and PAMMS, the provider's token answers and reports
# (the other side's granted token answers 403).
API_COUNCIL = COUNCIL | {"api_client_rw"}
API_MANAGER = MANAGER | {"api_client_rw"}
for basename, record, creators in (
    ("complaint-request", "complaint_request", API_COUNCIL),
    ("complaints-report", "complaints_report", API_MANAGER),
    ("pamms-assessment", "pamms", API_COUNCIL),
):
    ROUTES += [
        Route(f"records-api:{basename}-list", {"GET": ALL, "POST": creators}, extra_ok=OTHER_SIDE),
        Route(f"records-api:{basename}-detail", {"GET": ALL}, kwargs=_pk(record), owner="C1P1"),
    ]
ROUTES.append(
    Route(
        "records-api:complaint-request-answer",
        {"POST": API_PROVIDER},
        kwargs=_pk("complaint_request"),
        owner="C1P1",
        extra_ok=OTHER_SIDE,
    )
)
