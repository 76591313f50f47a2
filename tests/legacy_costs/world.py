"""TUPE legacy-cost records of the canary world, made through the services: per pair, on the pair's
hourly contract (from 1 April 2024), a member of the Legacy Staff whose role carries the pair's
canary, the list agreed at the start, the pension fund's figure, and quarter 1's legacy-cost
invoice (a draft).

Names stored: legacy_staff, legacy_agreement, lgps_figure, legacy_invoice."""

import datetime as dt
from decimal import Decimal

from legacy_costs import services
from legacy_costs.models import NationalLivingWage
from tests.matrix.world import PAIR_PARTIES, pii

ORDER = 60


def build(world):
    # The data migration's rows may have been flushed by a transactional test: our own.
    NationalLivingWage.objects.get_or_create(
        effective_from=dt.date(2024, 4, 1), defaults={"hourly_rate": Decimal("11.44")}
    )
    for pair in PAIR_PARTIES:
        contract = world.get("contract", pair)
        member = services.legacy_staff_add(
            actor=None,
            contract=contract,
            reference=f"LS-{pair}",
            role=f"Carer {pii(pair)}",
            weekly_contracted_hours=Decimal("30"),
            tupe_hourly_rate=Decimal("12.50"),
            new_hourly_rate=Decimal("11.60"),
            start_date=contract.start_date,
            lgps_member=True,
        )
        figure, _ = services.lgps_figure_record(
            actor=None, staff_member=member, contract_year=1, kind="fund_quarterly", amount=Decimal("450.00")
        )
        agreement = services.legacy_staff_list_agree(
            actor=None,
            contract=contract,
            occasion="start",
            on_costs_percent=Decimal("25"),
            note=f"Agreed {pii(pair)}",
        )
        invoice = services.legacy_invoice_raise(
            actor=None, contract=contract, period_start=contract.start_date
        ).invoice
        world.put("legacy_staff", pair, member)
        world.put("legacy_agreement", pair, agreement)
        world.put("lgps_figure", pair, figure)
        world.put("legacy_invoice", pair, invoice)
