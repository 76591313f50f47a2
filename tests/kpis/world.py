"""KPI returns in the canary world: for each pair, the Norfolk KPI set on its lot (definitions
carry the pair's reference canary) and a computed return for 2026-Q2 whose commentary carries the
pair's care-record canary, with a query on one figure. C1P1's return is submitted (so it can be
queried and accepted), the others are drafts; C1P1 also has a queried 2026-Q1 return."""

from kpis import catalogue, services
from kpis.models import KpiDefinition, KpiReturn, KpiValue, ReturnComment
from kpis.quarters import Quarter
from tests.matrix.world import PAIR_PARTIES, pii, ref

ORDER = 40


def build(world):
    for pair, (c_key, p_key) in PAIR_PARTIES.items():
        contract = world.get("contract", pair)
        lot = world.get("lot", pair)
        catalogue.install(lot, "norfolk")
        KpiDefinition.objects.filter(lot=lot).update(description=f"Definition {ref(pair)}")
        for quarter in (Quarter(2026, 1), Quarter(2026, 2)):
            services.returns_compute_for_provider(
                provider=world.orgs[p_key], quarter=quarter, contract_ids=[contract.pk]
            )
        returns = KpiReturn.objects.filter(contract=contract)
        returns.update(commentary=f"Commentary {pii(pair)}")
        KpiValue.objects.filter(kpi_return__contract=contract).update(commentary=f"Figure {pii(pair)}")
        q2 = returns.get(quarter="2026-Q2")
        q1 = returns.get(quarter="2026-Q1")
        value = q2.values.get(definition__code="N3")
        ReturnComment.objects.create(kpi_return=q2, value=value, kind="query", text=f"Query {pii(pair)}")
        world.put("kpi_definition", pair, KpiDefinition.objects.get(lot=lot, code="N3"))
        world.put("kpi_return", pair, q2)
        world.put("kpi_return_q1", pair, q1)
        world.put("kpi_value", pair, value)
    submitted = world.get("kpi_return", "C1P1")
    KpiReturn.objects.filter(pk=submitted.pk).update(status="submitted")
    queried = world.get("kpi_return_q1", "C1P1")
    KpiReturn.objects.filter(pk=queried.pk).update(status="queried")
    value = queried.values.get(definition__code="N3")
    ReturnComment.objects.create(
        kpi_return=queried, value=value, kind="query", round=1, text=f"Q1 query {pii('C1P1')}"
    )
