"""What the benchmarks share: the scratch database each builds, Django pointed at it, the bench
council's contracts, and the targets. Every figure is checked against its target as it is printed,
and a script exits non-zero if any was missed (`make benchmarks` then fails)."""

import datetime as dt
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH_START = dt.date(2024, 4, 1)


class Targets:
    def __init__(self) -> None:
        self.missed: list[str] = []
        #: The benchmark's headline ratio (portal ÷ the bare baseline), printed last as `ratio N`.
        self.ratio: float | None = None

    def check(self, name: str, met: bool, detail: str = "") -> str:
        """Record one target; returns the verdict to print beside the figure."""
        if not met:
            self.missed.append(f"{name}{': ' + detail if detail else ''}")
        return "met" if met else "MISSED"

    def finish(self) -> None:
        if self.missed:
            print("Targets missed: " + "; ".join(self.missed))
        else:
            print("All targets met.")
        if self.ratio is not None:
            print_ratio(self.ratio)
        if self.missed:
            sys.exit(1)


def print_ratio(ratio: float) -> None:
    """Every benchmark's last line: `ratio N`, its headline ratio, for scripts to read."""
    print(f"ratio {ratio:.2f}")


def scratch_database(url: str, *, fresh: bool) -> None:
    """Make the database at `url` if it is missing; with `fresh`, drop it first."""
    import psycopg
    from psycopg import sql

    server, _slash, name = url.rpartition("/")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
        if found and fresh:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            found = False
        if not found:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django(
    url: str, *, fresh: bool | None = None, settings: str = "portal.settings.test", skip_checks: bool = True
) -> None:
    """Point Django at the scratch database at `url` (made if missing; dropped first with `fresh`,
    by default when the command line says --fresh) and migrate it."""
    scratch_database(url, fresh="--fresh" in sys.argv if fresh is None else fresh)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, skip_checks=skip_checks)


def bench_contracts(council, providers, lots, **fields):
    """One hourly, four-weekly contract a provider, each on its own lot: BENCH-000, BENCH-001, …"""
    from schemes.models import Contract

    return Contract.objects.bulk_create(
        Contract(
            commissioner=council,
            provider=provider,
            lot=lot,
            reference=f"BENCH-{n:03d}",
            start_date=BENCH_START,
            payment_model="hourly_4_weekly",
            payment_period_anchor=BENCH_START,
            **fields,
        )
        for n, (provider, lot) in enumerate(zip(providers, lots, strict=True))
    )
