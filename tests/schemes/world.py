"""Schemes-side records of the canary world: a framework per commissioner; per pair a lot, a
scheme with units, and a contract with rates."""

import datetime as dt
from decimal import Decimal

from schemes.models import Framework, Lot, PaymentModel, Scheme, SchemeUnitGroup, UnitType
from tests.matrix.world import COMMISSIONERS, PAIR_PARTIES, pair_contract, ref

ORDER = 10


def build(world):
    for key in COMMISSIONERS:
        world.put(
            "framework",
            key,
            Framework.objects.create(
                commissioner=world.orgs[key], name=f"Framework {ref(key)}", reference=f"FW-{ref(key)}"
            ),
        )
    for position, (pair, (c_key, _p_key)) in enumerate(PAIR_PARTIES.items(), start=1):
        lot = Lot.objects.create(
            framework=world.get("framework", c_key),
            number=str(position),
            name=f"Lot {ref(pair)}",
            position=position,
        )
        scheme = Scheme.objects.create(
            lot=lot,
            name=f"Scheme {ref(pair)}",
            landlord=f"Landlord {ref(pair)}",
            address=f"1 Canary Road {ref(pair)}",
            postcode="NR1 1AA",
            unplanned_hours_per_week=Decimal("98"),
        )
        SchemeUnitGroup.objects.create(scheme=scheme, unit_type=UnitType.GENERAL, count=40, note=ref(pair))
        SchemeUnitGroup.objects.create(scheme=scheme, unit_type=UnitType.DEMENTIA, count=10)
        contract = pair_contract(
            world,
            pair,
            lot,
            "CT",
            "Contract",
            start_date=dt.date(2024, 4, 1),
            payment_model=PaymentModel.HOURLY_4_WEEKLY,
            planned_hourly_rate=Decimal("22.50"),
            unplanned_hourly_rate=Decimal("24.28"),
            payment_period_anchor=dt.date(2024, 4, 1),
        )
        world.put("lot", pair, lot)
        world.put("scheme", pair, scheme)
        world.put("contract", pair, contract)
