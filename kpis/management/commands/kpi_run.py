"""Compute a quarter's KPI returns from the command line.

    python manage.py kpi_run --quarter 2026-Q2 [--contract NCC-HWC-L1]

The same services the quarterly Celery run calls (`kpis.services.returns_compute`), in this
process: every contract in force in the quarter, or one. Recomputing an unchanged quarter changes
nothing; a submitted return gets a new revision only if its figures changed. Prints each return
and exits non-zero on failure."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kpis import selectors, services
from kpis.models import KpiReturn
from kpis.quarters import Quarter
from schemes.selectors import contract_by_reference


class Command(BaseCommand):
    help = "Compute the quarter's KPI returns (all contracts in force in it, or one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quarter", required=True, help="e.g. 2026-Q2 (Q1 is April to June).")
        parser.add_argument("--contract", help="One contract's reference, e.g. NCC-HWC-L1.")
        parser.add_argument("--commissioner", help="The commissioner's name, where references repeat.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            quarter = Quarter.parse(options["quarter"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if options["contract"]:
            try:
                contract = contract_by_reference(options["contract"], options["commissioner"])
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            contracts = selectors.contracts_for_quarter(contract.provider_id, quarter, [contract.pk])
            if not contracts:
                raise CommandError(f"{contract.reference} is not in force in {quarter}.")
        else:
            contracts = selectors.contracts_for_quarter(selectors.providers_for_quarter(quarter), quarter)
        self.stdout.write(f"{quarter}: {len(contracts)} contract(s) in force.")
        outcome = services.returns_compute(contracts=contracts, quarter=quarter)
        returns = KpiReturn.objects.filter(
            contract__in=contracts, quarter=quarter.label, is_latest=True
        ).select_related("contract", "provider")
        for kpi_return in returns.order_by("contract__reference"):
            self.stdout.write(
                f"  {kpi_return.contract.reference} ({kpi_return.provider.name}): revision "
                f"{kpi_return.revision}, {kpi_return.get_status_display().lower()}, "
                f"{kpi_return.values.count()} figures"
            )
        summary = ", ".join(f"{n} {what}" for what, n in sorted(outcome.items())) or "nothing to compute"
        self.stdout.write(f"Returns: {summary}.")
