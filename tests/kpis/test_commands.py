"""`kpi_run`: a quarter's returns for every contract in force, or one; and which KPIs a contract
takes (all of its lot's, or those the council chose)."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kpis import services
from kpis.models import KpiDefinition, KpiReturn
from portal.models import AuditEvent
from tests.kpis.factories import contract_with_kpis

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("kpi_run", *args, stdout=out)
    return out.getvalue()


def _expected_figures(definitions, contract):
    """One figure per definition, one per scheme for a per-scheme one."""
    schemes = contract.schemes.count()
    return sum(schemes if d.per_scheme else 1 for d in definitions)


def test_one_contract_then_again_unchanged():
    contract = contract_with_kpis("derby")
    definitions = list(KpiDefinition.objects.filter(lot=contract.lot, is_active=True))
    out = run("--quarter", "2026-Q2", "--contract", contract.reference)
    kpi_return = KpiReturn.objects.get(contract=contract, quarter="2026-Q2")
    assert kpi_return.values.count() == _expected_figures(definitions, contract)
    assert out.splitlines()[0] == "2026-Q2: 1 contract(s) in force."
    assert f"{contract.reference} ({contract.provider.name}): revision 1, draft" in out
    assert out.splitlines()[-1] == "Returns: 1 created."
    assert run("--quarter", "2026-Q2").splitlines()[-1] == "Returns: 1 unchanged."


def test_a_contract_with_chosen_kpis_measures_only_those():
    contract = contract_with_kpis("derby")
    definitions = list(KpiDefinition.objects.filter(lot=contract.lot).order_by("position"))
    chosen = definitions[:2]
    services.contract_kpis_set(actor=None, contract=contract, codes=[d.code for d in chosen])
    run("--quarter", "2026-Q2", "--contract", contract.reference)
    kpi_return = KpiReturn.objects.get(contract=contract, quarter="2026-Q2")
    assert set(kpi_return.values.values_list("definition__code", flat=True)) == {d.code for d in chosen}
    assert kpi_return.values.count() == _expected_figures(chosen, contract)
    assert AuditEvent.objects.for_object(contract).filter(action="KPIs chosen").count() == 1
    # Choosing none again: the lot's every KPI.
    services.contract_kpis_set(actor=None, contract=contract, codes=[])
    assert KpiDefinition.objects.applying_to(contract).count() == len(definitions)


def test_codes_not_of_the_lot_are_refused():
    contract = contract_with_kpis("derby")
    with pytest.raises(Exception, match="Not KPI codes of"):
        services.contract_kpis_set(actor=None, contract=contract, codes=["NOPE-1"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--quarter", "2026-Q7"), "is not a quarter"),
        (("--quarter", "2026-Q2", "--contract", "NO-SUCH"), "No contract 'NO-SUCH'."),
        (("--quarter", "2019-Q1", "--contract", "{ref}"), "is not in force in 2019-Q1"),
    ],
)
def test_failures_exit_non_zero_and_say_why(args, message):
    contract = contract_with_kpis("derby")
    with pytest.raises(CommandError, match=message):
        run(*(a.format(ref=contract.reference) for a in args))
    assert KpiReturn.objects.count() == 0


def test_the_commissioner_chooses_a_contracts_kpis_on_a_page(client):
    from portal.roles import Role
    from tests.factories import user_for

    contract = contract_with_kpis("derby")
    codes = list(
        KpiDefinition.objects.filter(lot=contract.lot).order_by("position").values_list("code", flat=True)
    )
    client.force_login(user_for(contract.commissioner, Role.COMMISSIONER))
    response = client.post(f"/kpis/contracts/{contract.pk}/", {"codes": codes[:3]})
    assert response.status_code == 302
    assert sorted(KpiDefinition.objects.applying_to(contract).values_list("code", flat=True)) == sorted(
        codes[:3]
    )
    client.force_login(user_for(contract.provider, Role.PROVIDER_MANAGER))
    assert client.post(f"/kpis/contracts/{contract.pk}/", {"codes": codes[:1]}).status_code == 403
    assert KpiDefinition.objects.applying_to(contract).count() == 3
