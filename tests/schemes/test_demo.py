"""load_demo loads the specifications' reference data exactly, and a second run changes nothing."""

from decimal import Decimal as D
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from schemes.models import Contract, Lot, Scheme

# domain.md, Norfolk table: (lot, scheme, standard units, dementia units, unplanned h/wk, est. planned h/wk)
NORFOLK = [
    ("1", "Barley Court", 60, 0, "98", "792.00"),
    ("1", "Dell Rose Court", 36, 12, "98", "847.20"),
    ("1", "Harriet Court", 31, 9, "98", "730.20"),
    ("1", "The Meadows", 83, 9, "147", "1366.02"),
    ("2", "Green Lane View", 23, 0, "98", "303.60"),
    ("2", "Redmayne View", 40, 0, "98", "528.00"),
    ("3", "St Augustine's Place and Addison Road", 34, 0, "98", "448.80"),
    ("3", "Benjamin Court", 30, 0, "98", "396.00"),
    ("3", "Lloyd Court", 40, 0, "98", "528.00"),
    ("3", "The Lawns", 30, 0, "98", "396.00"),
    ("4", "Lisbon Court", 30, 0, "98", "396.00"),
    ("4", "Oakes Court", 30, 10, "98", "734.00"),
    ("5", "Laburnum Grove", 30, 0, "98", "396.00"),
    ("5", "Robert Kett Court", 30, 10, "98", "734.00"),
    ("5", "Weavers Court", 49, 0, "98", "686.40"),
]
DERBY = {
    "Handyside Court": 38,
    "Sunnyfield Court": 70,
    "Cedar House": 38,
    "Greenwich Gardens": 98,
    "Parklands View": 82,
}


def _counts():
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


@pytest.mark.django_db
def test_load_demo_is_exact_and_idempotent():
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "portal-demo-2026" in out.getvalue()
    first = _counts()

    norfolk = Scheme.objects.filter(
        lot__framework__commissioner__name="Norfolk County Council"
    ).with_unit_totals()
    assert norfolk.count() == 15
    assert Lot.objects.filter(framework__commissioner__name="Norfolk County Council").count() == 5
    got = sorted(
        (
            s.lot.number,
            s.name,
            s.standard_units,
            s.dementia_units,
            s.unplanned_hours_per_week,
            s.estimated_planned_hours_per_week,
        )
        for s in norfolk
    )
    assert got == sorted((lot, name, std, dem, D(u), D(p)) for lot, name, std, dem, u, p in NORFOLK)

    derby = Scheme.objects.filter(lot__framework__commissioner__name="Derby City Council").with_unit_totals()
    assert {s.name: s.total_units for s in derby} == DERBY
    assert Lot.objects.filter(framework__commissioner__name="Derby City Council").count() == 2
    # Derby's block contracts: 180 days' notice [002 §7.4] and a block volume agreed at award.
    for contract in Contract.objects.filter(commissioner__name="Derby City Council"):
        assert contract.notice_period_days == 180
        award = contract.block_volumes.order_by("effective_from").first()
        assert (award.effective_from, award.source) == (contract.start_date, "award")
    greenwich = derby.get(name="Greenwich Gardens")
    assert sorted((u.size, u.tenure, u.count) for u in greenwich.units.all()) == [
        ("double", "part_owned", 19),
        ("double", "rented", 41),
        ("single", "part_owned", 1),
        ("single", "rented", 37),
    ]

    dorset_lots = set(
        Lot.objects.filter(framework__commissioner__name="Dorset Council").values_list("name", flat=True)
    )
    assert any("Extra Care" in n for n in dorset_lots) and any("Children" in n for n in dorset_lots)

    for commissioner in ("Norfolk County Council", "Derby City Council", "Dorset Council"):
        assert (
            Contract.objects.filter(commissioner__name=commissioner).values("provider").distinct().count()
            >= 2
        )

    # One demo user per role (checked here: each load of the whole demo takes half a minute).
    from portal.models import User
    from portal.roles import Role

    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert User.objects.get(username="norfolk.commissioner").check_password("portal-demo-2026")

    call_command("load_demo", stdout=StringIO())
    assert _counts() == first
