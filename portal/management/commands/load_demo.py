"""Load the demo data: the reference data from the specifications (`load_reference`), then demo
organisations, users, orders, visits and returns. Idempotent: a second run changes nothing."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from portal.alerts import emails_muted
from portal.hooks import demo_steps


class Command(BaseCommand):
    help = "Load the demo data (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("load_reference", stdout=self.stdout, stderr=self.stderr)
        with emails_muted():  # the demo's history is seen in the portal, not emailed
            for name, step in demo_steps():
                self.stdout.write(f"{name}:")
                step(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Sign in at http://127.0.0.1:8000/"))
