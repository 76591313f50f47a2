"""Benchmark: one quarter's KPIs for 100 providers over 1.3 million visits.

Builds a scratch PostgreSQL database (BENCH_DATABASE_URL; else, on DATABASE_URL's server,
`<its database>_bench_kpis`, so sessions with their own DATABASE_URL never share one; else
`portal_bench_kpis` on 127.0.0.1:5432), generates the
data with SQL (`generate_series`): one council, 100 providers each holding a Norfolk Housing with
Care contract for one scheme, 100 residents per provider with planned-care orders (a tenth varied
down in August), and 130 visits per resident in 2026-Q2 — 1,300,000 visits with Norfolk's mix of
outcomes. Then, in the same run:

1. the portal computes every provider's 2026-Q2 return (all 18 Norfolk KPIs per scheme, the values
   written, audited and alerted), one provider after another as the Celery tasks would;
2. hand-written SQL computes the visit- and order-based figures (missed-visit %, planned hours
   delivered, average weekly hours, the hours mix) for all providers at once;

checks that both give the same figures, and prints both times and the ratio — the portal computing
the same four KPIs as the hand SQL, and every KPI of every return (target: portal within 1.5× of the
hand SQL for the same figures, and the run under 10 seconds). Each side runs once untimed, then
three times (best and median). Exits with status 1 when a target is missed or the figures differ.

    python benchmarks/kpis.py            # generate (if needed) and measure
    python benchmarks/kpis.py --fresh    # drop and rebuild the scratch database first
"""

import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import bench_contracts, print_ratio, setup_django  # noqa: E402

PROVIDERS = 100
RESIDENTS = 100  # per provider
VISITS = 130  # per resident in the quarter → 1.3 million


def _scratch_url() -> str:
    if url := os.environ.get("BENCH_DATABASE_URL"):
        return url
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal")
    server, _slash, name = base.rpartition("/")
    return f"{server}/{name}_bench_kpis" if "DATABASE_URL" in os.environ else f"{server}/portal_bench_kpis"


SCRATCH = _scratch_url()


def _insert_select(model, exprs: dict, source: str, params=()) -> None:
    """INSERT INTO model's table SELECT … FROM source, every concrete column given or defaulted."""
    from django.db import connection

    columns, values = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key and f.name not in exprs:
            continue
        columns.append(f'"{f.column}"')
        if f.name in exprs:
            values.append(exprs[f.name])
        elif f.null:
            values.append("NULL")
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            values.append("now()")
        elif f.has_default() or f.get_internal_type() in ("CharField", "TextField", "SlugField"):
            default = f.get_default()
            if isinstance(default, str):
                values.append("'" + default.replace("'", "''") + "'")
            elif isinstance(default, list | dict):
                values.append("'" + __import__("json").dumps(default) + "'")
            else:
                values.append(str(default).lower())
        else:
            raise RuntimeError(f"{model.__name__}.{f.name} needs a value")
    sql = f'INSERT INTO "{model._meta.db_table}" ({", ".join(columns)}) SELECT {", ".join(values)} FROM {source}'
    with connection.cursor() as cursor:
        cursor.execute(sql, params or None)


def generate():
    from django.db import connection, transaction

    from kpis import catalogue
    from packages_of_care.models import IndividualServiceOrder, OrderVersion, ServiceUser
    from portal.models import Organisation
    from schemes.models import Contract, Framework, Lot, Scheme
    from visits.models import Visit
    from workforce.catalogue import ensure_catalogue

    if Visit.objects.count() == PROVIDERS * RESIDENTS * VISITS:
        print("Data already generated.")
        return
    started = time.perf_counter()
    ensure_catalogue()
    with transaction.atomic():
        council = Organisation.objects.create(
            name="Bench County Council", kind="commissioner", commissioner_type="council"
        )
        framework = Framework.objects.create(commissioner=council, name="Bench framework")
        providers = Organisation.objects.bulk_create(
            Organisation(name=f"Bench provider {i:03d}", kind="provider", cqc_rating="good")
            for i in range(PROVIDERS)
        )
        lots = Lot.objects.bulk_create(
            Lot(framework=framework, number=str(i + 1), name=f"Lot {i + 1}") for i in range(PROVIDERS)
        )
        schemes = Scheme.objects.bulk_create(
            Scheme(lot=lot, name=f"Scheme {i + 1}", landlord="Bench HA", address="1 Bench Road")
            for i, lot in enumerate(lots)
        )
        contracts = bench_contracts(council, providers, lots)
        Contract.schemes.through.objects.bulk_create(
            Contract.schemes.through(contract=c, scheme=s) for c, s in zip(contracts, schemes, strict=True)
        )
        for lot in lots:
            catalogue.install(lot, "norfolk")
        first_contract, first_scheme, first_provider = contracts[0].pk, schemes[0].pk, providers[0].pk
        # Contracts, schemes and providers were created in order: the i-th of each belong together.
        n = PROVIDERS * RESIDENTS
        _insert_select(
            ServiceUser,
            {
                "commissioner": str(council.pk),
                "reference": "'B' || g",
                "name": "'Resident ' || g",
                "scheme": f"{first_scheme} + g / {RESIDENTS}",
                "funding_route": "'council_funded'",
                "is_customer": "true",
            },
            f"generate_series(0, {n - 1}) g",
        )
        people = ServiceUser.objects.filter(commissioner=council).order_by("pk").values_list("pk", flat=True)
        first_person = people.first()
        _insert_select(
            IndividualServiceOrder,
            {
                "commissioner": str(council.pk),
                "provider": f"{first_provider} + g / {RESIDENTS}",
                "contract": f"{first_contract} + g / {RESIDENTS}",
                "service_user": f"{first_person} + g",
                "reference": "'ISO-B' || g",
                "status": "'active'",
                "start_date": "DATE '2026-01-05'",
                "is_planned_care": "true",
            },
            f"generate_series(0, {n - 1}) g",
        )
        first_order = (
            IndividualServiceOrder.objects.filter(commissioner=council)
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        # Weekly hours 4, 4.75 … 23.5 (quarter-hours): residents spread over the three bands.
        _insert_select(
            OrderVersion,
            {
                "order": f"{first_order} + g",
                "number": "1",
                "effective_from": "DATE '2026-01-05'",
                "weekly_hours": "4 + (g % 27) * 0.75",
            },
            f"generate_series(0, {n - 1}) g",
        )
        _insert_select(
            OrderVersion,
            {
                "order": f"{first_order} + g",
                "number": "2",
                "effective_from": "DATE '2026-08-03'",
                "weekly_hours": "GREATEST(4, 4 + (g % 27) * 0.75 - 2)",
            },
            f"generate_series(0, {n - 1}, 10) g",
        )
        # 130 visits per order, 17 hours apart from 1 July 07:00: all inside 2026-Q2. Outcomes by
        # (order × 7 + visit) mod 100: 2 missed, 2 aborted, 1+1 cancelled, 3 cut short, 91 completed.
        _insert_select(
            Visit,
            {
                "order": "o.id",
                "provider": "o.provider_id",
                "commissioner": "o.commissioner_id",
                "scheduled_start": "s.start",
                "scheduled_end": "s.start + interval '45 minutes'",
                "visit_date": "(s.start AT TIME ZONE 'Europe/London')::date",
                "scheduled_minutes": "45",
                "status": "s.status",
                "actual_start": "CASE WHEN s.status IN ('completed', 'shortened_by_service_user') THEN s.start END",
                "actual_end": "CASE WHEN s.status = 'completed' THEN s.start + interval '44 minutes' "
                "WHEN s.status = 'shortened_by_service_user' THEN s.start + interval '20 minutes' END",
                "actual_minutes": "CASE WHEN s.status = 'completed' THEN 44 WHEN s.status = 'shortened_by_service_user' THEN 20 END",
                "carer_reference": "'C' || (o.id % 40)",
                "carers": "1",
                "time_critical": "false",
                "verification": "'ecm'",
                "source": "'demo'",
            },
            f"""{IndividualServiceOrder._meta.db_table} o CROSS JOIN LATERAL (
                SELECT TIMESTAMPTZ '2026-07-01 07:00 Europe/London' + k * interval '17 hours' AS start,
                       CASE WHEN (o.id * 7 + k) % 100 < 2 THEN 'missed'
                            WHEN (o.id * 7 + k) % 100 < 4 THEN 'aborted'
                            WHEN (o.id * 7 + k) % 100 < 5 THEN 'cancelled_short_notice'
                            WHEN (o.id * 7 + k) % 100 < 6 THEN 'cancelled_with_notice'
                            WHEN (o.id * 7 + k) % 100 < 9 THEN 'shortened_by_service_user'
                            ELSE 'completed' END AS status
                FROM generate_series(0, {VISITS - 1}) k) s
               WHERE o.commissioner_id = {council.pk}""",
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE") if not connection.in_atomic_block else None
    print(f"Generated {Visit.objects.count():,} visits in {time.perf_counter() - started:.1f} s.")


HAND_SQL_VISITS = """
SELECT o.contract_id, p.scheme_id,
       COUNT(*) FILTER (WHERE v.status = 'missed') AS missed,
       COUNT(*) FILTER (WHERE v.status IN ('completed', 'shortened_by_service_user', 'missed')) AS due,
       COALESCE(SUM(v.actual_minutes) FILTER (WHERE v.status IN ('completed', 'shortened_by_service_user')), 0) AS minutes
FROM visits_visit v
JOIN packages_of_care_individualserviceorder o ON o.id = v.order_id
JOIN packages_of_care_serviceuser p ON p.id = o.service_user_id
WHERE v.visit_date BETWEEN %(start)s AND %(end)s
GROUP BY o.contract_id, p.scheme_id
"""
HAND_SQL_RESIDENTS = """
WITH hours AS (
    SELECT o.contract_id, p.scheme_id, o.service_user_id, SUM(v.weekly_hours) AS h
    FROM packages_of_care_individualserviceorder o
    JOIN packages_of_care_serviceuser p ON p.id = o.service_user_id
    JOIN LATERAL (SELECT weekly_hours FROM packages_of_care_orderversion x
                  WHERE x.order_id = o.id AND x.effective_from <= %(end)s
                  ORDER BY x.effective_from DESC LIMIT 1) v ON true
    WHERE o.status IN ('accepted', 'active', 'suspended', 'ended') AND o.is_planned_care
      AND o.start_date <= %(end)s AND (o.end_date IS NULL OR o.end_date >= %(end)s)
    GROUP BY o.contract_id, p.scheme_id, o.service_user_id
)
SELECT contract_id, scheme_id, COUNT(*), SUM(h),
       COUNT(*) FILTER (WHERE h >= 13), COUNT(*) FILTER (WHERE h >= 9 AND h < 13), COUNT(*) FILTER (WHERE h < 9)
FROM hours GROUP BY contract_id, scheme_id
"""


def hand_sql(start, end):
    from django.db import connection

    from kpis import rules

    figures = {}
    with connection.cursor() as cursor:
        cursor.execute(HAND_SQL_VISITS, {"start": start, "end": end})
        for c, s, missed, due, minutes in cursor.fetchall():
            figures[(c, s, "N3")] = rules.percentage(missed, due)
            figures[(c, s, "N7a")] = (Decimal(minutes) / 60).quantize(Decimal("0.01"))
        cursor.execute(HAND_SQL_RESIDENTS, {"end": end})
        for c, s, n, total, high, medium, low in cursor.fetchall():
            figures[(c, s, "N7b")] = rules.ratio(total, n)
            figures[(c, s, "N7c")] = (high, medium, low)
    return figures


BATCH = 100  # providers a task, as PORTAL["KPI_RUN_BATCH"] defaults to
ROUNDS = 3


def _provider_ids():
    from portal.models import Organisation

    return list(
        Organisation.objects.filter(name__startswith="Bench provider")
        .order_by("pk")
        .values_list("pk", flat=True)
    )


SAME_FIGURES = ("N3", "N7a", "N7b", "N7c")  # the figures the hand SQL computes


def portal_figures_only(quarter, codes=None):
    """The portal's computation of every figure of every return (or only the KPIs `codes`),
    nothing written."""
    from kpis.models import KpiDefinition
    from kpis.selectors import QuarterBatch, contracts_for_quarter
    from kpis.services import _ensure_calendar_for, computed_values

    _ensure_calendar_for(quarter)
    ids = _provider_ids()
    count = 0
    for i in range(0, len(ids), BATCH):
        contracts = contracts_for_quarter(ids[i : i + BATCH], quarter)
        definitions = {}
        for d in (
            KpiDefinition.objects.active()
            .filter(lot__in=[c.lot_id for c in contracts], **({"code__in": codes} if codes else {}))
            .order_by("position")
        ):
            definitions.setdefault(d.lot_id, []).append(d)
        calculations = {d.calculation for ds in definitions.values() for d in ds if d.calculation}
        batch = QuarterBatch(contracts=contracts, quarter=quarter, calculations=calculations)
        for contract in contracts:
            count += len(computed_values(batch, contract, definitions[contract.lot_id]))
    return count


def portal(quarter):
    """What a run does: batches of providers, each return written, audited and alerted."""
    from kpis import services

    ids = _provider_ids()
    for i in range(0, len(ids), BATCH):
        services.returns_compute_for_providers(provider_ids=ids[i : i + BATCH], quarter=quarter)


def portal_figures(quarter):
    from kpis.models import KpiValue

    figures = {}
    for v in KpiValue.objects.filter(
        kpi_return__quarter=quarter.label, definition__code__in=["N3", "N7a", "N7b", "N7c"]
    ).select_related("definition", "kpi_return"):
        key = (v.kpi_return.contract_id, v.scheme_id, v.definition.code)
        figures[key] = tuple(b["count"] for b in v.breakdown) if v.definition.code == "N7c" else v.value
    return figures


def main() -> int:
    """Measure; the exit status is 1 when a target is missed or the figures differ."""
    setup_django(SCRATCH)
    from django.db import connection

    from kpis.models import KpiReturn
    from kpis.quarters import Quarter
    from portal.models import AuditEvent

    generate()
    quarter = Quarter(2026, 2)
    # Each timed run starts from no returns, as after a quarter ends.
    KpiReturn.objects.filter(quarter=quarter.label).delete()
    AuditEvent.objects.filter(action="computed").delete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM visits_visit")  # warm the cache alike for both
        cursor.fetchone()

    # A worker is a long-lived process: the first call in a process also pays for imports and
    # query compilation, so each side runs once untimed, then ROUNDS times (best and median shown).
    hand = hand_sql(quarter.start, quarter.end)
    portal_figures_only(quarter)
    hand_times, same_times, all_times = [], [], []
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        hand = hand_sql(quarter.start, quarter.end)
        hand_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        n_same = portal_figures_only(quarter, SAME_FIGURES)
        same_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        n_figures = portal_figures_only(quarter)
        all_times.append(time.perf_counter() - t0)
    hand_seconds, same_seconds, figures_seconds = min(hand_times), min(same_times), min(all_times)

    t0 = time.perf_counter()
    portal(quarter)
    portal_seconds = time.perf_counter() - t0

    ours = portal_figures(quarter)
    mismatched = [k for k in hand if ours.get(k) != hand[k]]

    t0 = time.perf_counter()
    portal(quarter)  # again: every figure unchanged, nothing written
    rerun_seconds = time.perf_counter() - t0

    ratio = same_seconds / hand_seconds
    print(
        f"Visits: {PROVIDERS * RESIDENTS * VISITS:,}; providers: {PROVIDERS}; quarter: {quarter.label}; "
        f"batches of {BATCH}; best of {ROUNDS} (median)"
    )
    print(
        f"Hand-written SQL, visit and order figures (N3, N7a, N7b, N7c) for 100 schemes: "
        f"{hand_seconds:.2f} s ({statistics.median(hand_times):.2f} s)"
    )
    print(
        f"Portal, the same figures ({n_same} figures), not written: "
        f"{same_seconds:.2f} s ({statistics.median(same_times):.2f} s)"
    )
    print(
        f"Ratio portal / hand SQL, the same figures: {ratio:.2f}× (target ≤ 1.5×: {'met' if ratio <= 1.5 else 'NOT met'})"
    )
    print(
        f"Portal, every figure of every return ({n_figures} figures, 18 KPIs × 100), not written: "
        f"{figures_seconds:.2f} s ({statistics.median(all_times):.2f} s), {figures_seconds / hand_seconds:.2f}× the hand SQL"
    )
    print(
        f"Portal run, returns written, audited and alerted: {portal_seconds:.2f} s (target < 10 s: {'met' if portal_seconds < 10 else 'NOT met'})"
    )
    print(f"Portal re-run, every figure unchanged, nothing written: {rerun_seconds:.2f} s")
    print(f"Figures agree with the hand SQL: {len(hand) - len(mismatched)} of {len(hand)}")
    missed = [
        what
        for what, bad in (
            (f"portal {ratio:.2f}× the hand SQL (target ≤ 1.5×)", ratio > 1.5),
            (f"run {portal_seconds:.2f} s (target < 10 s)", portal_seconds >= 10),
            (f"{len(hand)} hand-SQL figures, not {PROVIDERS * 4}", len(hand) != PROVIDERS * 4),
            (
                f"figures differ: {mismatched[:5]} portal={[ours.get(k) for k in mismatched[:5]]} "
                f"hand={[hand[k] for k in mismatched[:5]]}",
                bool(mismatched),
            ),
        )
        if bad
    ]
    for what in missed:
        print(f"MISSED: {what}", file=sys.stderr)
    print_ratio(ratio)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
