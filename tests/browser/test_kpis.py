"""A commissioner opens a submitted return, queries one KPI, the provider answers, the commissioner
accepts; screenshots of the RAG table and a trend chart (var/screenshots/kpis-*.png)."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from kpis import services
from kpis.models import KpiReturn, ReturnStatus
from kpis.quarters import Quarter
from portal.roles import Role
from tests.factories import PASSWORD, user_for
from tests.kpis.factories import AlarmCallFactory, ComplaintFactory, contract_with_kpis, london
from tests.packages_of_care.factories import OrderFactory
from tests.visits.factories import VisitFactory, at
from visits.models import VisitStatus


@pytest.fixture
def norfolk(transactional_db):
    from portal.models import Organisation

    council = Organisation.objects.create(
        name="Norfolk County Council", kind="commissioner", commissioner_type="council"
    )
    provider = Organisation.objects.create(
        name="Wensum Valley Care", kind="provider", cqc_rating="good", cqc_rating_date=dt.date(2025, 3, 12)
    )
    contract = contract_with_kpis("norfolk", commissioner=council, provider=provider, reference="NCC-HWC-L1")
    scheme = contract.schemes.get()
    scheme.name = "Barley Court"
    scheme.save()
    orders = [
        OrderFactory(
            contract=contract, service_user__scheme=scheme, weekly_hours=h, start_date=dt.date(2025, 7, 1)
        )
        for h in ("6", "10", "14", "15")
    ]
    quarters = Quarter(2026, 2).last(5)
    for qi, quarter in enumerate(quarters):
        for i in range(24):
            status = VisitStatus.MISSED if i < (qi % 3) + (1 if qi == 4 else 0) else VisitStatus.COMPLETED
            VisitFactory(
                order=orders[i % 4],
                scheduled_start=at(quarter.start + dt.timedelta(days=i), 8 + i % 3),
                status=status,
            )
        raised = london(quarter.start + dt.timedelta(days=5), 23)
        AlarmCallFactory(
            contract=contract, scheme=scheme, raised_at=raised, responded_at=raised + dt.timedelta(minutes=4)
        )
    ComplaintFactory(contract=contract, scheme=scheme, received_on=dt.date(2026, 8, 4), upheld=True)
    for quarter in quarters:
        services.returns_compute_for_provider(provider=provider, quarter=quarter)
    manager = user_for(
        provider, Role.PROVIDER_MANAGER, username="grace.moore", first_name="Grace", last_name="Moore"
    )
    commissioner = user_for(
        council, Role.COMMISSIONER, username="nadia.okafor", first_name="Nadia", last_name="Okafor"
    )
    kpi_return = KpiReturn.objects.get(contract=contract, quarter="2026-Q2")
    services.return_commentary_set(
        actor=manager, kpi_return=kpi_return, commentary="Two missed visits in August: agency cover."
    )
    services.return_submit(actor=manager, kpi_return=kpi_return)
    return contract, kpi_return, manager, commissioner


def _sign_in(page, sign_in, user):
    sign_in(page, user.username, password=PASSWORD)


def _sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state("networkidle")


def test_commissioner_queries_provider_answers_commissioner_accepts(page, sign_in, screenshot, norfolk):
    contract, kpi_return, manager, commissioner = norfolk

    _sign_in(page, sign_in, commissioner)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="KPI returns").click()
    page.get_by_role("link", name="See the KPIs quarter by quarter").click()
    table = page.locator("#kpi-quarter-table")
    n3 = table.get_by_role("row", name="N3")
    assert "Red" in n3.inner_text() and "Green" in n3.inner_text()  # RAG in words, not colour alone
    screenshot(page, "kpis-rag-table")

    n3.get_by_role("link", name="N3").click()
    assert page.locator("#trend-chart svg[role=img]").count() == 1
    assert page.locator("#trend-table tbody tr").count() == 8
    screenshot(page, "kpis-trend-chart")

    page.goto(kpi_return.get_absolute_url())
    expect(page.locator("#return-status")).to_have_text("Submitted")
    page.get_by_role("link", name="Query the return").click()
    page.get_by_label("Query on N3 Missed scheduled visits", exact=False).fill(
        "Please explain the missed visits in August."
    )
    page.get_by_role("button", name="Send the queries").click()
    expect(page.locator("#return-status")).to_have_text("Queried by the council")
    _sign_out(page)

    _sign_in(page, sign_in, manager)
    page.goto(kpi_return.get_absolute_url())
    page.get_by_role("link", name="Answer the queries").click()
    expect(page.get_by_text("Please explain the missed visits in August.")).to_be_visible()
    page.get_by_label("Your answer on N3", exact=False).fill(
        "Agency cover failed twice; we have added a second on-call carer."
    )
    page.get_by_role("button", name="Send the answers and resubmit").click()
    expect(page.locator("#return-status")).to_have_text("Resubmitted")
    _sign_out(page)

    _sign_in(page, sign_in, commissioner)
    page.goto(kpi_return.get_absolute_url())
    expect(
        page.locator(".kpi-comment--answer").get_by_text("Agency cover failed twice", exact=False)
    ).to_be_visible()
    page.get_by_role("button", name="Accept the return").click()
    expect(page.locator("#return-status")).to_have_text("Accepted")
    screenshot(page, "kpis-return-accepted")
    kpi_return.refresh_from_db()
    assert kpi_return.status == ReturnStatus.ACCEPTED
