"""Load the reference data from the specifications alone: the councils, their frameworks, lots
and schemes with their units, lot entry criteria and the KPI catalogues — no demo providers,
contracts or people. Idempotent: a second run changes nothing. `load_demo` runs it first."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction

from portal.hooks import reference_steps


class Command(BaseCommand):
    help = "Load the reference data (frameworks, lots, schemes, KPI catalogues); idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        steps = reference_steps()
        if not steps:
            raise CommandError("No app registers reference data (portal.hooks.reference_module).")
        try:
            with transaction.atomic():
                for name, step in steps:
                    self.stdout.write(f"{name}:")
                    step(self.stdout)
        except DatabaseError as exc:
            raise CommandError(f"Reference data not loaded (nothing was changed): {exc}") from exc
        self.stdout.write(self.style.SUCCESS("Reference data loaded."))
