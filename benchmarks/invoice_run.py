"""Benchmark: one payment period's invoice run for a council of 100 providers, 10,000 orders and
400,000 visits, against one hand-written SQL query; and a 50-page detail schedule as a PDF.

Builds a scratch PostgreSQL database (`portal_bench_invoicing`, or BENCH_DATABASE_URL) with
deterministic data (fixed seed): one council, 100 providers each holding a Norfolk-style hourly
contract (£22.40/h, £23.10/h from Wednesday 13 May 2026 — a rate change mid-period — and £24.28/h
unplanned care for one scheme at 98 or 147 h/week); 10,000 orders (445 at the first provider, so
its detail schedule runs to 50 pages; about 96 at each of the others), a tenth varied mid-period,
some starting or ending inside it; 400,000 visits in the period 27 April – 24 May 2026 with a mix of
outcomes (and some runs of cancellations that began before it), a few orders over-delivering,
absences and approved temporary variations. Then, in the same run:

1. the portal's invoice run: `invoice_generate` for every contract, as the Celery group runs it —
   one task per contract over a pool of worker processes, one per CPU (`--workers 1` runs them
   one after another) — every line worked out, written, audited and alerted;
2. the same run again, with nothing changed (it must write nothing);
3. one hand-written SQL query that applies the same rules and gives each contract's total;

checks that the totals agree to the penny, and prints both times and the ratio (target: the run
within 2× of the hand SQL and under 60 seconds). Finally it renders the first provider's detail
schedule as a PDF with WeasyPrint (target: 50 pages in under 20 seconds) and, if poppler's
`pdftoppm` is installed, its first page as a PNG under var/benchmarks/.

    python benchmarks/invoice_run.py            # generate (if needed) and measure
    python benchmarks/invoice_run.py --fresh    # drop and rebuild the scratch database first
    python benchmarks/invoice_run.py --workers 1   # the run in one process (default: one per CPU)
    python benchmarks/invoice_run.py --rounds 5    # repeat the comparison (default 3; best and median shown)
    python benchmarks/invoice_run.py --no-pdf      # skip the PDF
"""

import datetime as dt
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, Targets, bench_contracts, setup_django  # noqa: E402

PROVIDERS = 100
ORDERS = 10_000
FIRST_PROVIDER_ORDERS = 445
VISITS = 400_000
SEED = 2026
P_START = dt.date(2026, 4, 27)
P_END = dt.date(2026, 5, 24)
RATE_CHANGE = dt.date(2026, 5, 13)
LONDON = ZoneInfo("Europe/London")
SCRATCH = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_invoicing")
OUT = ROOT / "var" / "benchmarks"


def _copy(model, objects) -> None:
    """COPY model instances into their table (every concrete column but the id)."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN') as copy:
            for obj in objects:
                copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])


def _at(day: dt.date, minutes_after_midnight: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=LONDON) + dt.timedelta(
        minutes=minutes_after_midnight
    )


def generate() -> None:
    from django.db import transaction

    from packages_of_care.models import (
        Absence,
        IndividualServiceOrder,
        OrderStatus,
        OrderVersion,
        ServiceUser,
        TemporaryVariation,
    )
    from portal.models import Organisation, User
    from portal.roles import OrganisationKind, Role
    from schemes.models import (
        Contract,
        ContractRate,
        Framework,
        Lot,
        Scheme,
        SchemeUnplannedHours,
    )
    from visits.models import Visit, minutes_between

    if Contract.objects.filter(reference__startswith="BENCH-").count() == PROVIDERS:
        return
    print("Generating the council (this takes a minute or two)…", flush=True)
    rnd = random.Random(SEED)
    with transaction.atomic():
        council = Organisation.objects.create(
            name="Benchmark County Council",
            kind=OrganisationKind.COMMISSIONER,
            commissioner_type="council",
            address="County Hall, Norwich NR1 2DH",
        )
        providers = Organisation.objects.bulk_create(
            Organisation(
                name=f"Benchmark Care {n:03d}",
                kind=OrganisationKind.PROVIDER,
                cqc_location_id=f"1-9{n:09d}",
                cqc_rating="good",
                address=f"{n} High Street, Norwich",
            )
            for n in range(PROVIDERS)
        )
        User.objects.create(username="bench.manager", organisation=providers[0], role=Role.PROVIDER_MANAGER)
        framework = Framework.objects.create(commissioner=council, name="Benchmark framework")
        lots = Lot.objects.bulk_create(
            Lot(framework=framework, number=str(n + 1), name=f"Lot {n + 1}") for n in range(PROVIDERS)
        )
        schemes = Scheme.objects.bulk_create(
            Scheme(
                lot=lot,
                name=f"Scheme {n:03d}",
                landlord="Housing",
                address="Norwich",
                unplanned_hours_per_week=Decimal("98"),
            )
            for n, lot in enumerate(lots)
        )
        contracts = bench_contracts(council, providers, lots, end_date=dt.date(2029, 3, 31))
        for contract, scheme in zip(contracts, schemes, strict=True):
            contract.schemes.add(scheme)
        ContractRate.objects.bulk_create(
            [
                ContractRate(
                    contract=c,
                    effective_from=dt.date(2024, 4, 1),
                    planned_hourly_rate=Decimal("22.40"),
                    unplanned_hourly_rate=Decimal("24.28"),
                )
                for c in contracts
            ]
            + [
                ContractRate(
                    contract=c,
                    effective_from=RATE_CHANGE,
                    planned_hourly_rate=Decimal("23.10"),
                    unplanned_hourly_rate=Decimal("24.28"),
                )
                for c in contracts
            ]
        )
        SchemeUnplannedHours.objects.bulk_create(
            SchemeUnplannedHours(
                contract=c,
                scheme=s,
                effective_from=dt.date(2024, 4, 1),
                hours_per_week=Decimal("147" if n % 10 == 0 else "98"),
            )
            for n, (c, s) in enumerate(zip(contracts, schemes, strict=True))
        )
        per_contract = [FIRST_PROVIDER_ORDERS] + [
            (ORDERS - FIRST_PROVIDER_ORDERS) // (PROVIDERS - 1)
            + (1 if n < (ORDERS - FIRST_PROVIDER_ORDERS) % (PROVIDERS - 1) else 0)
            for n in range(PROVIDERS - 1)
        ]
        people, orders = [], []
        for c, count in zip(contracts, per_contract, strict=True):
            for k in range(count):
                people.append(
                    ServiceUser(
                        commissioner=council, reference=f"B{c.pk}-{k}", name=f"Resident {c.reference}-{k:03d}"
                    )
                )
        people = ServiceUser.objects.bulk_create(people, batch_size=5000)
        i = 0
        for c, count in zip(contracts, per_contract, strict=True):
            for k in range(count):
                roll = rnd.random()
                start, end, status = (
                    dt.date(2025, 9, 1) + dt.timedelta(days=rnd.randrange(200)),
                    None,
                    OrderStatus.ACTIVE,
                )
                if roll < 0.03:
                    start = P_START + dt.timedelta(days=rnd.randrange(1, 20))
                elif roll < 0.06:
                    end, status = P_START + dt.timedelta(days=rnd.randrange(5, 25)), OrderStatus.ENDED
                orders.append(
                    IndividualServiceOrder(
                        commissioner=council,
                        provider_id=c.provider_id,
                        contract=c,
                        service_user=people[i],
                        reference=f"BISO-{c.pk}-{k:03d}",
                        status=status,
                        start_date=start,
                        end_date=end,
                    )
                )
                i += 1
        orders = IndividualServiceOrder.objects.bulk_create(orders, batch_size=5000)
        versions, hours = [], {}
        for o in orders:
            weekly = Decimal(rnd.randrange(12, 81)) / 4  # 3 to 20 hours, in quarter-hours
            hours[o.pk] = weekly
            versions.append(OrderVersion(order=o, number=1, effective_from=o.start_date, weekly_hours=weekly))
            if rnd.random() < 0.1 and o.start_date < P_START:
                versions.append(
                    OrderVersion(
                        order=o,
                        number=2,
                        effective_from=P_START + dt.timedelta(days=rnd.randrange(1, 27)),
                        weekly_hours=max(Decimal("1"), weekly + Decimal(rnd.choice([-3, -2, 2, 3, 4]))),
                    )
                )
        OrderVersion.objects.bulk_create(versions, batch_size=5000)
        absences = []
        for o in orders:
            if rnd.random() < 0.04:
                a_start = P_START + dt.timedelta(days=rnd.randrange(-10, 24))
                a_end = None if rnd.random() < 0.3 else a_start + dt.timedelta(days=rnd.randrange(2, 20))
                absences.append(
                    Absence(
                        service_user_id=o.service_user_id, kind="hospital", start_date=a_start, end_date=a_end
                    )
                )
        Absence.objects.bulk_create(absences, batch_size=5000)
        variations = []
        over = set()
        for o in orders:
            r = rnd.random()
            if r < 0.05:
                over.add(o.pk)  # over-delivers: visits half as long again
            if r < 0.03:
                v_start = P_START + dt.timedelta(days=rnd.randrange(0, 20))
                variations.append(
                    TemporaryVariation(
                        order=o,
                        start_date=v_start,
                        end_date=v_start + dt.timedelta(days=rnd.randrange(3, 14)),
                        extra_hours_per_week=Decimal(rnd.randrange(4, 21)) / 4,
                        reason="Benchmark",
                        status="approved",
                    )
                )
        TemporaryVariation.objects.bulk_create(variations, batch_size=5000)

        statuses = (
            ["completed"] * 850
            + ["shortened_by_service_user"] * 40
            + ["aborted"] * 20
            + ["cancelled_short_notice"] * 35
            + ["cancelled_with_notice"] * 30
            + ["missed"] * 15
            + ["scheduled"] * 10
        )

        def visits():
            per_order = VISITS // len(orders)
            for o in orders:
                first = max(o.start_date, P_START)
                last = min(o.end_date or P_END, P_END)
                span = (last - first).days + 1
                # Spread evenly over the days in force (about 10 a week), at random times 07:00–21:00.
                slots = set()
                for i in range(per_order):
                    slot = (i * span // per_order, 7 * 60 + 15 * rnd.randrange(56))
                    while slot in slots:
                        slot = (slot[0], 7 * 60 + 15 * rnd.randrange(56))
                    slots.add(slot)
                run_in = rnd.random() < 0.03 and o.start_date < P_START - dt.timedelta(days=3)
                extra = [(-d, 8 * 60) for d in (1, 2, 3)] if run_in else []
                for day_offset, minute in sorted(set(slots)) + extra:
                    day = (
                        first + dt.timedelta(days=day_offset)
                        if day_offset >= 0
                        else P_START + dt.timedelta(days=day_offset)
                    )
                    status = "cancelled_short_notice" if day_offset < 0 else rnd.choice(statuses)
                    # Visits as long as the weekly hours need (10 visits a week), in quarter-hours.
                    length = max(
                        15, 15 * round(float(hours[o.pk]) * 60 / 10 / 15) + rnd.choice((-15, 0, 0, 15))
                    )
                    start = _at(day, minute)
                    v = Visit(
                        order_id=o.pk,
                        provider_id=o.provider_id,
                        commissioner_id=council.pk,
                        visit_date=day,
                        scheduled_start=start,
                        scheduled_end=start + dt.timedelta(minutes=length),
                        scheduled_minutes=length,
                        carer_reference=f"C{rnd.randrange(40)}",
                        status=status,
                        source="demo",
                    )
                    if status in ("completed", "shortened_by_service_user"):
                        actual = (
                            length + rnd.randrange(-5, 11)
                            if status == "completed"
                            else max(length // 3, length - rnd.randrange(5, 26))
                        )
                        if o.pk in over and status == "completed":
                            actual = length * 3 // 2
                        v.actual_start = start
                        v.actual_end = start + dt.timedelta(minutes=actual)
                        v.actual_minutes = minutes_between(v.actual_start, v.actual_end)
                    yield v

        _copy(Visit, visits())
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


HAND_SQL = """
WITH params AS (SELECT %(ps)s::date AS ps, %(pe)s::date AS pe),
weeks AS (SELECT w, ps + 7 * w AS ws, ps + 7 * w + 6 AS we FROM params, generate_series(0, 3) AS w),
orders AS (
    SELECT o.id, o.contract_id, o.service_user_id, o.start_date, o.end_date
    FROM packages_of_care_individualserviceorder o, params
    WHERE o.contract_id = ANY(%(contracts)s) AND o.status IN ('accepted', 'active', 'suspended', 'ended')
      AND o.start_date <= pe AND (o.end_date IS NULL OR o.end_date >= ps)
),
vr AS (
    SELECT v.order_id, v.effective_from, v.weekly_hours,
           LEAD(v.effective_from) OVER (PARTITION BY v.order_id ORDER BY v.effective_from) AS next_from
    FROM packages_of_care_orderversion v WHERE v.order_id IN (SELECT id FROM orders)
),
days AS (
    SELECT o.id AS order_id, o.service_user_id, d::date AS day, (d::date - p.ps) / 7 AS w
    FROM orders o CROSS JOIN params p
    CROSS JOIN LATERAL generate_series(GREATEST(o.start_date, p.ps), LEAST(COALESCE(o.end_date, p.pe), p.pe), interval '1 day') AS d
),
dh AS (  -- each in-force day with the weekly hours of the version in force
    SELECT days.*, vr.weekly_hours AS hours FROM days
    JOIN vr ON vr.order_id = days.order_id AND vr.effective_from <= days.day AND (vr.next_from IS NULL OR vr.next_from > days.day)
),
commissioned AS (SELECT order_id, w, SUM(hours * 60) AS c7 FROM dh GROUP BY 1, 2),  -- minutes × 7
retainer AS (
    SELECT dh.order_id, dh.w, SUM(CASE WHEN dh.day - a.start_date < 7 THEN 1.0 ELSE 0.5 END * dh.hours * 60) AS r7
    FROM dh JOIN packages_of_care_absence a ON a.service_user_id = dh.service_user_id
     AND dh.day BETWEEN a.start_date AND a.start_date + 13 AND (a.end_date IS NULL OR dh.day <= a.end_date)
    GROUP BY 1, 2
),
extra AS (
    SELECT days.order_id, days.w, SUM(t.extra_hours_per_week * 60) AS e7
    FROM days JOIN packages_of_care_temporaryvariation t ON t.order_id = days.order_id AND t.status = 'approved'
     AND days.day BETWEEN t.start_date AND t.end_date
    GROUP BY 1, 2
),
visited AS (
    SELECT v.order_id, (v.visit_date - p.ps) / 7 AS w,
      SUM(CASE WHEN v.status IN ('completed', 'shortened_by_service_user') THEN COALESCE(v.actual_minutes, 0) ELSE 0 END) AS delivered,
      SUM(CASE WHEN v.status = 'aborted' THEN v.scheduled_minutes
               WHEN v.status = 'shortened_by_service_user' THEN GREATEST(v.scheduled_minutes - COALESCE(v.actual_minutes, 0), 0)
               ELSE 0 END) AS paid_not_delivered
    FROM visits_visit v, params p
    WHERE v.order_id IN (SELECT id FROM orders) AND v.visit_date BETWEEN p.ps AND p.pe
    GROUP BY 1, 2
),
boundary AS (  -- each order's last visit before the period that breaks a run of cancellations
    SELECT v.order_id, MAX(v.scheduled_start) AS since FROM visits_visit v, params p
    WHERE v.order_id IN (SELECT id FROM orders) AND v.visit_date < p.ps
      AND v.status NOT IN ('cancelled_short_notice', 'cancelled_with_notice')
    GROUP BY 1
),
sequence AS (
    SELECT v.id, v.order_id, v.visit_date, v.status, v.scheduled_minutes, v.scheduled_start,
           CASE WHEN v.status IN ('cancelled_short_notice', 'cancelled_with_notice') THEN 1 ELSE 0 END AS cancelled
    FROM visits_visit v CROSS JOIN params p LEFT JOIN boundary b ON b.order_id = v.order_id
    WHERE v.order_id IN (SELECT id FROM orders) AND v.visit_date <= p.pe AND (b.since IS NULL OR v.scheduled_start >= b.since)
),
islands AS (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY scheduled_start, id)
            - ROW_NUMBER() OVER (PARTITION BY order_id, cancelled ORDER BY scheduled_start, id) AS island
    FROM sequence
),
runs AS (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY order_id, island ORDER BY scheduled_start, id) AS position
    FROM islands WHERE cancelled = 1
),
short_notice AS (  -- short-notice cancellations paid: not the 4th or later in their run
    SELECT r.order_id, (r.visit_date - p.ps) / 7 AS w, SUM(r.scheduled_minutes) AS paid
    FROM runs r, params p WHERE r.status = 'cancelled_short_notice' AND r.position < 4 AND r.visit_date >= p.ps
    GROUP BY 1, 2
),
order_weeks AS (
    SELECT o.id AS order_id, o.contract_id, wk.w, wk.ws FROM orders o JOIN weeks wk
      ON o.start_date <= wk.we AND (o.end_date IS NULL OR o.end_date >= wk.ws)
),
week_sums AS (  -- everything × 7, so every figure is exact
    SELECT ow.contract_id, ow.ws,
           7 * (COALESCE(vd.delivered, 0) + COALESCE(vd.paid_not_delivered, 0) + COALESCE(sn.paid, 0)) + COALESCE(rt.r7, 0) AS paid7,
           GREATEST(0, 7 * COALESCE(vd.delivered, 0) - 1.2 * COALESCE(cm.c7, 0) - COALESCE(ex.e7, 0)) AS over7
    FROM order_weeks ow
    LEFT JOIN visited vd USING (order_id, w) LEFT JOIN short_notice sn USING (order_id, w)
    LEFT JOIN retainer rt USING (order_id, w) LEFT JOIN commissioned cm USING (order_id, w) LEFT JOIN extra ex USING (order_id, w)
),
week_lines AS (  -- quarter-hours, halves up: floor(minutes / 15 + 1/2) = floor((2 × 7m + 105) / 210)
    SELECT ws.contract_id, r.planned_hourly_rate AS rate, ws.over7,
           FLOOR((2 * (ws.paid7 - ws.over7) + 105) / 210) AS quarters, FLOOR((2 * ws.over7 + 105) / 210) AS over_quarters
    FROM week_sums ws CROSS JOIN LATERAL (
        SELECT cr.planned_hourly_rate FROM schemes_contractrate cr
        WHERE cr.contract_id = ws.contract_id AND cr.effective_from <= ws.ws ORDER BY cr.effective_from DESC LIMIT 1
    ) r
),
amounts AS (
    SELECT contract_id, ROUND(quarters * 0.25 * rate, 2) AS amount FROM week_lines
    UNION ALL
    SELECT contract_id, ROUND(over_quarters * 0.25 * rate, 2) FROM week_lines WHERE over7 > 0
    UNION ALL
    SELECT uh.contract_id, ROUND(uh.hours_per_week * 4 * r.unplanned_hourly_rate, 2)
    FROM (
        SELECT DISTINCT ON (u.contract_id, u.scheme_id) u.contract_id, u.hours_per_week
        FROM schemes_schemeunplannedhours u, params p
        WHERE u.contract_id = ANY(%(contracts)s) AND u.effective_from <= p.ps
        ORDER BY u.contract_id, u.scheme_id, u.effective_from DESC
    ) uh CROSS JOIN params p CROSS JOIN LATERAL (
        SELECT cr.unplanned_hourly_rate FROM schemes_contractrate cr
        WHERE cr.contract_id = uh.contract_id AND cr.effective_from <= p.ps ORDER BY cr.effective_from DESC LIMIT 1
    ) r
    WHERE uh.hours_per_week > 0 AND r.unplanned_hourly_rate IS NOT NULL
)
SELECT contract_id, SUM(amount) FROM amounts GROUP BY contract_id
"""


def hand_sql(contract_ids) -> dict[int, Decimal]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(HAND_SQL, {"ps": P_START, "pe": P_END, "contracts": list(contract_ids)})
        return {cid: total for cid, total in cursor.fetchall()}


def _warm_worker() -> None:
    """What a long-lived Celery worker has done before its first run: built the URL resolver
    (invoice links in alerts) and England's bank holidays (due dates). Forked workers inherit it."""
    from django.urls import reverse

    from portal.workdays import add_working_days

    reverse("invoicing:index")
    add_working_days(P_END, 10)


def _run_one(contract_id: int) -> tuple[int, Decimal]:
    """What each fanned-out Celery task does (`invoicing.generate_invoice`)."""
    from invoicing import services

    return contract_id, services.invoice_generate(
        contract_id=contract_id, period_start=P_START
    ).invoice.net_total


def the_run(contract_ids, workers: int) -> dict[int, Decimal]:
    """The run as the Celery group runs it: one task per contract, spread over `workers` worker
    processes (forked, each with its own database connection, like a prefork worker pool)."""
    if workers == 1:
        return dict(_run_one(cid) for cid in contract_ids)
    import multiprocessing

    from django.db import connections

    connections.close_all()
    with multiprocessing.get_context("fork").Pool(workers, initializer=connections.close_all) as pool:
        return dict(pool.imap_unordered(_run_one, contract_ids, chunksize=1))


def render_pdf(contract_id: int, targets: Targets) -> None:
    from django.template.loader import render_to_string
    from weasyprint import HTML

    from invoicing.models import Invoice, InvoicingTerms

    invoice = Invoice.objects.select_related("contract", "commissioner", "provider").get(
        contract_id=contract_id, period_start=P_START, part=""
    )
    lines = invoice.lines.select_related("order", "order__service_user", "scheme").order_by("position")
    started = time.perf_counter()
    html = render_to_string(
        "invoicing/pdf/schedule.html",
        {
            "invoice": invoice,
            "lines": lines,
            "terms": InvoicingTerms.for_contract(invoice.contract),
            "generated_on": dt.date.today(),
        },
    )
    document = HTML(string=html).render()
    pdf = document.write_pdf()
    seconds = time.perf_counter() - started
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "invoice-detail-schedule.pdf"
    path.write_bytes(pdf)
    pages = len(document.pages)
    verdict = targets.check(
        "50-page PDF under 20 s", pages >= 50 and seconds < 20, f"{pages} pages in {seconds:.1f} s"
    )
    print(
        f"PDF detail schedule: {invoice.lines.count()} lines, {pages} pages, {len(pdf) / 1e6:.1f} MB in {seconds:.1f} s "
        f"(target: 50 pages in under 20 s): {verdict} → {path.relative_to(ROOT)}"
    )
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "80",
                "-f",
                "1",
                "-l",
                "1",
                str(path),
                str(OUT / "invoice-detail-schedule"),
            ],
            check=True,
        )  # noqa: S603, S607
        print(f"First page: {(OUT / 'invoice-detail-schedule-01.png').relative_to(ROOT)}")
    else:
        print("pdftoppm not installed (apt-get install poppler-utils): no PNG of the first page")


def _option(name: str, default):
    if name in sys.argv:
        return sys.argv[sys.argv.index(name) + 1]
    return default


def main() -> None:
    targets = Targets()
    setup_django(SCRATCH)
    generate()

    from invoicing.models import InvoiceLine
    from schemes.models import Contract
    from visits.models import Visit

    contract_ids = list(
        Contract.objects.filter(reference__startswith="BENCH-").order_by("pk").values_list("pk", flat=True)
    )
    visits = Visit.objects.filter(
        visit_date__gte=P_START, visit_date__lte=P_END, order__contract_id__in=contract_ids
    ).count()
    print(
        f"Council: {len(contract_ids)} providers and contracts, {ORDERS:,} orders, {visits:,} visits in the period "
        f"{P_START:%-d %b} – {P_END:%-d %b %Y}"
    )
    workers = int(_option("--workers", os.cpu_count() or 1))
    rounds = int(_option("--rounds", 3))
    _warm_worker()
    timings: dict[str, list[float]] = {"run": [], "again": [], "sql": []}
    for _ in range(rounds):
        _clear(contract_ids)  # start from nothing, so the run creates every invoice
        hand_sql(contract_ids)  # warm the database's cache, for the run and the query alike
        started = time.perf_counter()
        run_totals = the_run(contract_ids, workers)
        timings["run"].append(time.perf_counter() - started)
        started = time.perf_counter()
        again = the_run(contract_ids, workers)
        timings["again"].append(time.perf_counter() - started)
        assert again == run_totals
        started = time.perf_counter()
        sql_totals = hand_sql(contract_ids)
        timings["sql"].append(time.perf_counter() - started)
    lines = InvoiceLine.objects.filter(invoice__contract_id__in=contract_ids).count()

    def shown(name):
        values = sorted(timings[name])
        return f"best {values[0]:6.2f} s, median {statistics.median(values):6.2f} s"

    mismatches = {
        cid: (run_totals[cid], sql_totals.get(cid))
        for cid in contract_ids
        if run_totals[cid] != sql_totals.get(cid)
    }
    total = sum(run_totals.values(), Decimal("0.00"))
    print(
        f"{rounds} rounds; {len(run_totals)} invoices, {lines:,} lines; the run on {workers} worker processes"
    )
    print(f"Invoice run (portal):   {shown('run')}; total £{total:,.2f}")
    print(f"Run again, unchanged:   {shown('again')} (writes nothing)")
    print(f"Hand-written SQL:       {shown('sql')}; total £{sum(sql_totals.values(), Decimal('0.00')):,.2f}")
    best, median = (
        min(timings["run"]) / min(timings["sql"]),
        statistics.median(timings["run"]) / statistics.median(timings["sql"]),
    )
    verdict = targets.check("run within 2× the hand SQL", best <= 2, f"best {best:.2f}×")
    verdict += ", " + targets.check("run under 60 s", min(timings["run"]) < 60)
    print(
        f"Ratio run / SQL:        best {best:6.2f}×, median {median:6.2f}× (target: within 2×, and under 60 s): "
        + verdict
    )
    if mismatches:
        print(f"MISMATCH in {len(mismatches)} contracts, e.g. {list(mismatches.items())[:3]}")
    targets.check("totals agree to the penny", not mismatches)
    if not mismatches:
        print("Totals agree to the penny for every contract.")
    if "--no-pdf" not in sys.argv:
        render_pdf(contract_ids[0], targets)
    targets.ratio = best
    targets.finish()


def _clear(contract_ids) -> None:
    """Remove the run's invoices (and their audit trail and alerts) between rounds."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM invoicing_invoiceline l USING invoicing_invoice i "
            "WHERE l.invoice_id = i.id AND i.contract_id = ANY(%s)",
            [list(contract_ids)],
        )
        cursor.execute(
            "DELETE FROM portal_auditevent WHERE content_type_id IN "
            "(SELECT id FROM django_content_type WHERE app_label = 'invoicing')"
        )
        cursor.execute("DELETE FROM portal_alert WHERE kind LIKE 'invoice%%'")
        cursor.execute("DELETE FROM invoicing_invoice WHERE contract_id = ANY(%s)", [list(contract_ids)])
        cursor.execute("VACUUM ANALYZE invoicing_invoiceline")
        cursor.execute("VACUUM ANALYZE invoicing_invoice")


if __name__ == "__main__":
    main()
