"""Benchmark: packages of care for a large council — 20,000 people with orders and plans.

Builds a scratch PostgreSQL database (`portal_bench_packages`, or BENCH_DATABASE_URL): one council,
10 providers each holding a contract, 2,000 people per provider, each with an order (one version,
a daily schedule) and a current care plan; 2,000 orders accepted and due to start today, 1,000
whose end date passed yesterday, 1,000 plans whose review is overdue. Then it times, with the
query count of each:

1. brokerage's order list page (first page of 50, with filters and status counts);
2. the API order list (500 a page) for brokerage and for one provider;
3. the spreadsheet export of all 20,000 orders, as CSV and as XLSX;
4. the daily task that starts and ends orders (3,000 changes, audited), and a second run;
5. the daily task that alerts overdue reviews (2,000 alerts), and a second run.

Targets: pages and API pages under 0.5 s with a fixed number of queries; the CSV export under
5 s; each daily task under 5 s, and a second run that changes nothing.

    python benchmarks/packages_of_care.py           # generate (if needed) and measure
    python benchmarks/packages_of_care.py --fresh   # drop and rebuild the scratch database first
"""

import datetime as dt
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import Targets, setup_django  # noqa: E402

TARGETS = Targets()

PROVIDERS = 10
PEOPLE = 2_000  # per provider
SCRATCH = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_packages")


def _generate(today: dt.date):
    from django.db import transaction

    from packages_of_care.models import (
        CarePlan,
        IndividualServiceOrder,
        OrderStatus,
        OrderVersion,
        ScheduledVisit,
        ServiceUser,
    )
    from portal.models import Organisation, User
    from portal.roles import OrganisationKind, Role
    from schemes.models import Contract, Framework, Lot, PaymentModel, Scheme

    if ServiceUser.objects.exists():
        return
    started = time.perf_counter()
    with transaction.atomic():
        council = Organisation.objects.create(
            name="Bench County Council", kind=OrganisationKind.COMMISSIONER, commissioner_type="council"
        )
        framework = Framework.objects.create(commissioner=council, name="Housing with Care")
        user = User(username="bench.brokerage", organisation=council, role=Role.BROKERAGE)
        user.set_password("bench-password-123")
        user.save()
        start = dt.date(2025, 4, 1)
        for p in range(PROVIDERS):
            provider = Organisation.objects.create(name=f"Bench Care {p}", kind=OrganisationKind.PROVIDER)
            manager = User(username=f"bench.manager{p}", organisation=provider, role=Role.PROVIDER_MANAGER)
            manager.set_password("bench-password-123")
            manager.save()
            lot = Lot.objects.create(framework=framework, number=str(p + 1), name=f"Lot {p + 1}")
            scheme = Scheme.objects.create(lot=lot, name=f"Scheme {p}", landlord="RSL", address="High St")
            contract = Contract.objects.create(
                commissioner=council, provider=provider, lot=lot, reference=f"BENCH-{p}", start_date=dt.date(2024, 4, 1),
                payment_model=PaymentModel.HOURLY_4_WEEKLY, payment_period_anchor=dt.date(2024, 4, 1),
            )  # fmt: skip
            contract.schemes.set([scheme])
            people = ServiceUser.objects.bulk_create(
                ServiceUser(
                    commissioner=council, reference=f"B{p:02d}-{n:05d}", name=f"Person {p}-{n}", scheme=scheme
                )
                for n in range(PEOPLE)
            )
            orders = []
            for n, person in enumerate(people):
                status, starts, ends = OrderStatus.ACTIVE, start, None
                if n % 10 == 0:
                    status, starts = OrderStatus.ACCEPTED, today  # 10%: start today
                elif n % 20 == 1:
                    ends = today - dt.timedelta(days=1)  # 5%: ended yesterday
                orders.append(
                    IndividualServiceOrder(
                        commissioner=council,
                        provider=provider,
                        contract=contract,
                        service_user=person,
                        reference=f"ISO-{p:02d}-{n:05d}",
                        status=status,
                        start_date=starts,
                        end_date=ends,
                    )  # fmt: skip
                )
            orders = IndividualServiceOrder.objects.bulk_create(orders)
            versions = OrderVersion.objects.bulk_create(
                OrderVersion(order=o, number=1, effective_from=o.start_date, weekly_hours=Decimal(7 + n % 12))
                for n, o in enumerate(orders)
            )
            ScheduledVisit.objects.bulk_create(
                (ScheduledVisit(version=v, weekday=d, start_time=dt.time(8), duration_minutes=int(v.weekly_hours * 60 / 7)) for v in versions for d in range(7)),
                batch_size=5000,
            )  # fmt: skip
            CarePlan.objects.bulk_create(
                CarePlan(
                    service_user=o.service_user,
                    provider=provider,
                    order=o,
                    agreed_on=today - dt.timedelta(days=300),
                    next_review_due=today - dt.timedelta(days=3)
                    if n % 20 == 2
                    else today + dt.timedelta(days=65),
                )  # fmt: skip
                for n, o in enumerate(orders)
            )
    print(
        f"generated {PROVIDERS * PEOPLE:,} people, orders and plans in {time.perf_counter() - started:.1f} s"
    )


def _timed(label, fn, target=None):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started, cpu = time.perf_counter(), time.process_time()
        result = fn()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    verdict = "" if target is None else "  " + TARGETS.check(f"{label} under {target} s", elapsed <= target)
    # CPU is this process's (Django and the driver), a steadier figure on a shared machine.
    print(f"{label:52} {elapsed:7.3f} s (cpu {cpu:6.3f} s) {len(queries):5} queries{verdict}")
    return result


def main():
    setup_django(SCRATCH)
    from django.conf import settings
    from django.test import Client

    from packages_of_care import services
    from portal.models import User

    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    today = dt.date.today()
    _generate(today)

    brokerage = Client()
    brokerage.force_login(User.objects.get(username="bench.brokerage"))
    provider = Client()
    provider.force_login(User.objects.get(username="bench.manager3"))

    def get(client, url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    get(brokerage, "/packages/orders/?status=draft")  # warm up: URL resolver, templates, connection
    print(f"\n{PROVIDERS * PEOPLE:,} orders, {PROVIDERS} providers")
    _timed("order list page (brokerage)", lambda: get(brokerage, "/packages/orders/"), 0.5)
    _timed(
        "order list page, filtered (brokerage)",
        lambda: get(brokerage, "/packages/orders/?q=Person+3-1&status=active"),
        0.5,
    )
    _timed("order list page (one provider)", lambda: get(provider, "/packages/orders/"), 0.5)
    _timed("API orders, 500 a page (brokerage)", lambda: get(brokerage, "/api/v1/orders/?page_size=500"), 0.5)
    _timed(
        "API orders, 500 a page (one provider)", lambda: get(provider, "/api/v1/orders/?page_size=500"), 0.5
    )
    _timed(
        "API care plans overdue (brokerage)",
        lambda: get(brokerage, f"/api/v1/care-plans/?overdue_on={today}"),
        0.5,
    )
    _timed("dashboard (brokerage)", lambda: get(brokerage, "/"), 0.5)
    _timed("dashboard (provider manager)", lambda: get(provider, "/"), 0.5)
    csv = _timed("export all orders as CSV", lambda: get(brokerage, "/packages/orders/export/?format=csv"), 5)
    print(f"{'':52} {len(csv.content.splitlines()) - 1:,} rows")
    _timed("export all orders as XLSX", lambda: get(brokerage, "/packages/orders/export/?format=xlsx"), 20)

    from django.db import transaction

    with transaction.atomic():
        result = _timed("daily task: start and end orders", lambda: services.orders_advance(today=today), 5)
        print(f"{'':52} {result}")
        result = _timed("daily task again (changes nothing)", lambda: services.orders_advance(today=today), 5)
        print(f"{'':52} {result}")
        result = _timed(
            "daily task: overdue review alerts", lambda: services.care_plan_overdue_alerts(today=today), 5
        )
        print(f"{'':52} {result} alerts")
        result = _timed(
            "overdue review alerts again (changes nothing)",
            lambda: services.care_plan_overdue_alerts(today=today),
            5,
        )
        print(f"{'':52} {result} alerts")
        transaction.set_rollback(True)  # leave the scratch data as generated, for the next run
    TARGETS.finish()


if __name__ == "__main__":
    main()
