"""Benchmark: 1,000,000 visit rows through the streaming import, against `psql \\copy`.

Builds a scratch PostgreSQL database (`portal_bench_visits_uploads` on the local server, or
BENCH_VISITS_DATABASE_URL), migrates it, and loads one council, one provider with a staff
register of 500 carers and 2,000 people with orders. It then writes a CSV of 1,000,000 visits
(six months at about 2.7 visits a person a day, the usual mix of outcomes, no carer in two
places) and, in the same run:

1. imports it through the portal's streaming path — COPY into a staging table, every check in
   SQL, one merge into the indexed `visits_visit` table, the audit trail and the alerts — in one
   transaction, as the Celery task does;
2. times `psql \\copy` of the same file into an identical bare table (the file's columns, typed,
   no keys or indexes);
3. imports the same file again (nothing new, nothing changed).

It prints both times, the ratio, and the peak memory of this process, and exits non-zero when it
misses a target: within 3× of \\copy, under 500 MB.

    python benchmarks/import_visits.py              # 1,000,000 rows
    python benchmarks/import_visits.py --rows 100000
"""

import argparse
import csv
import datetime as dt
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import print_ratio, setup_django  # noqa: E402

BASE_URL = os.environ.get(
    "BENCH_VISITS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_visits_uploads"
)
TARGET_RATIO = 3.0  # the import, against `psql \copy` of the same file into a bare table
TARGET_PEAK_MB = 500
ORDERS = 2000
CARERS = 500
FIRST_DAY = dt.date(2026, 3, 1)


def peak_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def setup_scratch_django():
    """A new scratch database every run, with the local settings (DEBUG off) and media of its own."""
    os.environ["DEBUG"] = "False"
    os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="bench-visits-media-")
    setup_django(BASE_URL, fresh=True, settings="portal.settings.local", skip_checks=False)


def reference_data():
    from packages_of_care.models import IndividualServiceOrder, OrderStatus, OrderVersion, ServiceUser
    from portal.models import CommissionerType, Organisation, User
    from portal.roles import OrganisationKind, Role
    from schemes.models import Contract, Framework, Lot, PaymentModel
    from workforce.models import StaffMember

    council = Organisation.objects.create(
        name="Bench County Council",
        kind=OrganisationKind.COMMISSIONER,
        commissioner_type=CommissionerType.COUNCIL,
    )
    provider = Organisation.objects.create(name="Bench Care", kind=OrganisationKind.PROVIDER)
    lot = Lot.objects.create(
        framework=Framework.objects.create(commissioner=council, name="Bench"), number="1", name="All"
    )
    contract = Contract.objects.create(
        commissioner=council, provider=provider, lot=lot, reference="BENCH-1", start_date=dt.date(2024, 4, 1),
        payment_model=PaymentModel.HOURLY_4_WEEKLY, payment_period_anchor=dt.date(2024, 4, 1),
    )  # fmt: skip
    people = ServiceUser.objects.bulk_create(
        ServiceUser(commissioner=council, reference=f"SU-{i:05d}", name=f"Person {i}") for i in range(ORDERS)
    )
    orders = IndividualServiceOrder.objects.bulk_create(
        IndividualServiceOrder(
            commissioner=council,
            provider=provider,
            contract=contract,
            service_user=person,
            reference=f"ISO-{i:06d}",
            status=OrderStatus.ACTIVE,
            start_date=dt.date(2025, 1, 1),
        )  # fmt: skip
        for i, person in enumerate(people)
    )
    OrderVersion.objects.bulk_create(
        OrderVersion(order=o, number=1, effective_from=o.start_date, weekly_hours=14) for o in orders
    )
    StaffMember.objects.bulk_create(
        StaffMember(provider=provider, reference=f"C-{i:04d}", started_on=dt.date(2024, 1, 1))
        for i in range(CARERS)
    )
    user = User(username="bench", organisation=provider, role=Role.PROVIDER_STAFF, email="bench@example.org")
    user.set_unusable_password()
    user.save()
    return user


def header() -> list[str]:
    """The upload's columns but the second carer and a missed visit's explanation (after setup)."""
    from visits.validation import VISIT_COLUMNS

    left_out = ("second_carer_reference", "missed_explanation", "missed_remedy")
    return [c.name for c in VISIT_COLUMNS if c.name not in left_out]


def write_csv(path: Path, rows: int) -> None:
    """`rows` visits: each day, three rounds (07:00, 12:00, 17:00); carer k takes people k,
    k+500, k+1000, k+1500 one after another, 50 minutes apart — nobody is in two places."""
    rng = random.Random(20260401)  # noqa: S311 - benchmark data
    written = 0
    with path.open("w", newline="") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(header())
        day = FIRST_DAY
        while written < rows:
            for base in (7, 12, 17):
                for i in range(ORDERS):
                    if written >= rows:
                        break
                    if base == 17 and rng.random() < 0.3:
                        continue  # about 2.7 visits a person a day
                    carer, wave = i % CARERS, i // CARERS
                    start = dt.datetime(day.year, day.month, day.day, base) + dt.timedelta(minutes=50 * wave)
                    end = start + dt.timedelta(minutes=45)
                    roll = rng.random()
                    record = [f"ISO-{i:06d}", f"{start:%Y-%m-%d %H:%M}", f"{end:%Y-%m-%d %H:%M}", "", "", f"C-{carer:04d}",
                              "1", "yes" if base == 7 and i % 4 == 0 else "no", "completed", "", "", "ecm", ""]  # fmt: skip
                    if roll < 0.012:
                        record[8] = "missed"
                    elif roll < 0.027:
                        record[8] = "cancelled_short_notice"
                        record[9] = f"{start - dt.timedelta(hours=3):%Y-%m-%d %H:%M}"
                        record[10] = "Not feeling well"
                    elif roll < 0.042:
                        record[8] = "cancelled_with_notice"
                        record[9] = f"{start - dt.timedelta(days=2):%Y-%m-%d %H:%M}"
                    elif roll < 0.052:
                        record[8] = "aborted"
                    else:
                        arrive = start + dt.timedelta(minutes=rng.randint(0, 3))
                        record[3] = f"{arrive:%Y-%m-%d %H:%M}"
                        record[4] = f"{arrive + dt.timedelta(minutes=rng.randint(35, 41)):%Y-%m-%d %H:%M}"
                        if roll < 0.07:
                            record[8] = "shortened_by_service_user"
                        if roll > 0.97:
                            record[11], record[12] = "manual", "no_signal"
                    out.writerow(record)
                    written += 1
            day += dt.timedelta(days=1)


def psql_copy(path: Path) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_bare_visits")
        cursor.execute(
            "CREATE TABLE bench_bare_visits (order_reference text, scheduled_start timestamptz, scheduled_end timestamptz, "
            "actual_start timestamptz, actual_end timestamptz, carer_reference text, carers smallint, time_critical boolean, "
            "status text, cancelled_at timestamptz, cancellation_reason text, verification text, manual_reason text)"
        )
    env = {**os.environ, "PGTZ": "Europe/London"}
    command = f"\\copy bench_bare_visits ({', '.join(header())}) FROM '{path}' WITH (FORMAT csv, HEADER true)"
    started = time.perf_counter()
    subprocess.run(["psql", BASE_URL, "-q", "-c", command], check=True, env=env)
    return time.perf_counter() - started


def streaming_import(path: Path, user, *, label: str):
    from django.core.files import File

    from portal.uploads.models import UploadJob
    from visits.streaming import stream_visits

    phases = []

    def progress(phase=None, done=None, total=None, force=False):
        if phase:
            phases.append((phase, time.perf_counter()))

    with path.open("rb") as handle:
        job = UploadJob(provider=user.organisation, uploaded_by=user, kind="visits", original_name=path.name,
                        size_bytes=path.stat().st_size, path=UploadJob.Path.STREAMING)  # fmt: skip
        job.file.save(path.name, File(handle), save=True)
    started = time.perf_counter()
    outcome = stream_visits(job, actor=user, dry_run=False, progress=progress)
    elapsed = time.perf_counter() - started
    print(f"  {label}: {elapsed:.1f} s — read {outcome.read:,}, new {outcome.new:,}, updated {outcome.updated:,}, "
          f"unchanged {outcome.unchanged:,}, rejected {outcome.rejected:,}")  # fmt: skip
    marks = [("Staging (COPY)", started)] + phases + [("end", started + elapsed)]
    for (name, at), (_next, until) in zip(marks, marks[1:], strict=False):
        print(f"      {name:<44} {until - at:6.1f} s")
    return elapsed, outcome


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    print(f"Visits import benchmark: {args.rows:,} rows, database {BASE_URL}")
    setup_scratch_django()
    user = reference_data()
    path = Path(tempfile.mkdtemp(prefix="bench-visits-")) / "visits.csv"
    started = time.perf_counter()
    write_csv(path, args.rows)
    print(f"  generated {path} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s")
    base_memory = peak_mb()

    portal_seconds, outcome = streaming_import(path, user, label="portal streaming import")
    assert outcome.ok and outcome.new == args.rows, outcome.problems[:5]
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM visits_visit")
        assert cursor.fetchone()[0] == args.rows
        cursor.execute("SELECT COUNT(*) FROM portal_auditevent WHERE action = 'recorded'")
        audited = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM portal_alert")
        alerts = cursor.fetchone()[0]
    portal_peak = peak_mb()

    copy_seconds = psql_copy(path)
    psql_peak = peak_mb(resource.RUSAGE_CHILDREN)
    again_seconds, again = streaming_import(path, user, label="the same file again")
    assert again.new == 0 and again.unchanged == args.rows

    print()
    print(f"  rows                          {args.rows:>12,}")
    print(f"  portal streaming import       {portal_seconds:>10.1f} s  ({args.rows / portal_seconds:,.0f} rows/s; "
          f"{audited:,} audit events, {alerts:,} alerts)")  # fmt: skip
    print(
        f"  psql \\copy, bare table        {copy_seconds:>10.1f} s  ({args.rows / copy_seconds:,.0f} rows/s)"
    )
    ratio = portal_seconds / copy_seconds
    print(f"  ratio                         {ratio:>10.2f} ×  (target: within {TARGET_RATIO:g}×)")
    print(f"  the same file again           {again_seconds:>10.1f} s  (nothing new or changed)")
    print(
        f"  peak memory, this process     {portal_peak:>10.0f} MB (before the import: {base_memory:.0f} MB; "
        f"target: under {TARGET_PEAK_MB} MB)"
    )
    print(f"  peak memory, psql             {psql_peak:>10.0f} MB")
    missed = [
        name
        for name, met in (
            (f"within {TARGET_RATIO:g}× of psql \\copy", ratio <= TARGET_RATIO),
            (f"under {TARGET_PEAK_MB} MB", portal_peak < TARGET_PEAK_MB),
        )
        if not met
    ]
    print("  targets: " + ("all met" if not missed else "missed: " + "; ".join(missed)))
    print_ratio(ratio)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
