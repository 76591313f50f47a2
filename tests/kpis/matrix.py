"""Permission-matrix specs for every KPI route (HTML and API).

Pages: everyone signed in on the council or provider side reads returns, tables and charts (API
clients signed in by session read only). The provider's managers enter figures, submit and answer;
the council's commissioners query, accept and enter the council's figures; both may re-run a
quarter. The operator sees no returns (care records) — definitions are reference data.

API workflow actions need the caller's side capability (COMMISSION for a council, PROVIDER_MANAGE
for a provider, so granted tokens too); the step itself is then the caller's side's or a 400 that
says so ("only the provider submits"). That is why a commissioner is "allowed" to POST submit in
the API: the answer is 400, not 403, and nothing changes.
"""

from tests.matrix.routes import EVERYONE_SIGNED_IN, Route, on

ALL = EVERYONE_SIGNED_IN
SIGNED_IN_SIDES = frozenset(
    {"commissioner", "brokerage", "provider_manager", "provider_staff", "api_client", "api_client_rw"}
)
BOTH_SIDES_ACT = frozenset({"commissioner", "provider_manager"})
API_ACT = frozenset({"commissioner", "provider_manager", "api_client_rw"})


def _pk(name, owner="C1P1"):
    return lambda w: {"pk": w.get(name, owner).pk}


ROUTES = [
    # The operator reaches the list pages too; they show no returns.
    Route("kpis:index", {"GET": ALL}),
    Route("kpis:table", {"GET": ALL}),
    Route("kpis:export", {"GET": ALL}, query="format=xlsx"),
    Route("kpis:compute", {"POST": BOTH_SIDES_ACT}),
    # Definitions are reference data: the operator sees the chart's frame and no figures (care records).
    Route("kpis:trend", {"GET": ALL}, kwargs=_pk("kpi_definition"), owner="C1P1", reference=True),
    Route("kpis:return-detail", {"GET": SIGNED_IN_SIDES}, kwargs=_pk("kpi_return"), owner="C1P1"),
    Route(
        "kpis:return-edit",
        {"GET": {"provider_manager"}, "POST": {"provider_manager"}},
        kwargs=_pk("kpi_return"),
        owner="C1P1",
    ),
    Route("kpis:return-submit", {"POST": {"provider_manager"}}, kwargs=_pk("kpi_return"), owner="C1P1"),
    Route(
        "kpis:return-answer",
        {"GET": {"provider_manager"}, "POST": {"provider_manager"}},
        kwargs=_pk("kpi_return_q1"),
        owner="C1P1",
    ),
    Route(
        "kpis:return-query",
        {"GET": {"commissioner"}, "POST": {"commissioner"}},
        kwargs=_pk("kpi_return"),
        owner="C1P1",
    ),
    Route("kpis:return-accept", {"POST": {"commissioner"}}, kwargs=_pk("kpi_return"), owner="C1P1"),
    Route(
        "kpis:return-council",
        {"GET": {"commissioner"}, "POST": {"commissioner"}},
        kwargs=_pk("kpi_return"),
        owner="C1P1",
    ),
    Route("kpis:return-recompute", {"POST": BOTH_SIDES_ACT}, kwargs=_pk("kpi_return"), owner="C1P1"),
    Route("kpis:value-records", {"GET": SIGNED_IN_SIDES}, kwargs=_pk("kpi_value"), owner="C1P1"),
    Route("kpis-api:definition-list", {"GET": ALL}),
    Route(
        "kpis-api:definition-detail", {"GET": ALL}, kwargs=_pk("kpi_definition"), owner="C1P1", reference=True
    ),
    Route("kpis-api:return-list", {"GET": ALL}),
    Route("kpis-api:return-detail", {"GET": SIGNED_IN_SIDES}, kwargs=_pk("kpi_return"), owner="C1P1"),
    Route("kpis-api:return-submit", {"POST": API_ACT}, kwargs=_pk("kpi_return"), owner="C1P1"),
    Route("kpis-api:return-query", {"POST": API_ACT}, kwargs=_pk("kpi_return"), owner="C1P1"),
    Route("kpis-api:return-resubmit", {"POST": API_ACT}, kwargs=_pk("kpi_return_q1"), owner="C1P1"),
    Route("kpis-api:return-accept", {"POST": API_ACT}, kwargs=_pk("kpi_return"), owner="C1P1"),
    Route("kpis-api:value-list", {"GET": ALL}),
    Route("kpis-api:value-detail", {"GET": SIGNED_IN_SIDES}, kwargs=_pk("kpi_value"), owner="C1P1"),
]

# Which KPI definitions a contract takes (reference data, by the contract): both sides read it;
# the council's commissioners and its read-write tokens choose.
_KPI_CHOOSERS = frozenset({"commissioner", "api_client_rw:council"})
ROUTES += [
    on(
        "kpis:contract-kpis",
        {"GET": {"commissioner"}, "POST": {"commissioner"}},
        ("contract", "C1P1"),
        reference=True,
    ),
    on(
        "kpis-api:contract-kpis-detail",
        {"GET": EVERYONE_SIGNED_IN, "PUT": _KPI_CHOOSERS, "PATCH": _KPI_CHOOSERS},
        ("contract", "C1P1"),
        reference=True,
    ),
]
