"""The browser side: forms call the services, refused moves come back as messages and change
nothing, pages stay within a fixed number of queries, exports are scoped."""

import csv
import datetime as dt
import io
import re
import zipfile
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.urls import reverse

from packages_of_care import services
from packages_of_care.models import IndividualServiceOrder, OrderStatus, ScheduledVisit
from portal.models import Alert
from portal.roles import Role
from tests.factories import PASSWORD, ContractFactory, ProviderFactory, user_for
from tests.packages_of_care.conftest import daily_schedule, frozen_at, person_with_one_of_each
from tests.packages_of_care.factories import ServiceUserFactory

LONDON = ZoneInfo("Europe/London")
NOW = dt.datetime(2026, 5, 12, 10, 0, tzinfo=LONDON)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


frozen = frozen_at(NOW)


def formset(prefix, rows, total):
    data = {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for n in range(total):
        data[f"{prefix}-{n}-carers"] = "1" if prefix == "schedule" else None
        for key, value in (rows[n] if n < len(rows) else {}).items():
            data[f"{prefix}-{n}-{key}"] = value
    return {k: v for k, v in data.items() if v is not None}


def order_form(person, contract, **extra):
    return {
        "service_user": person.pk,
        "contract": contract.pk,
        "start_date": "2026-06-01",
        "weekly_hours": "10.5",
        "is_planned_care": "on",
        **formset(
            "schedule",
            [
                {
                    "start_time": "08:00",
                    "duration_minutes": "60",
                    "days": ["0", "1", "2", "3", "4", "5", "6"],
                },
                {
                    "start_time": "17:00",
                    "duration_minutes": "30",
                    "days": ["0", "1", "2", "3", "4", "5", "6"],
                    "time_critical": "on",
                },
            ],
            6,
        ),
        **formset(
            "outcomes",
            [{"service_element": "maintenance", "category": "nutrition", "description": "A hot meal"}],
            3,
        ),
        **extra,
    }


def test_brokerage_drafts_an_order_with_a_schedule_then_issues_it(
    client, login, brokerage_user, contract, person, provider_org
):
    login(brokerage_user)
    assert client.get(reverse("packages_of_care:order-create")).status_code == 200
    # Hours and schedule disagree: the form comes back with the service's error and nothing is saved.
    response = client.post(
        reverse("packages_of_care:order-create"), order_form(person, contract, weekly_hours="12")
    )
    assert response.status_code == 200 and "adds up to 10.5 hours" in response.content.decode()
    assert not IndividualServiceOrder.objects.exists()

    response = client.post(reverse("packages_of_care:order-create"), order_form(person, contract))
    order = IndividualServiceOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == order.get_absolute_url()
    visits = ScheduledVisit.objects.filter(version__order=order)
    assert visits.count() == 14 and visits.filter(time_critical=True).count() == 7
    assert order.versions.get().outcomes.get().description == "A hot meal"

    page = client.get(order.get_absolute_url()).content.decode()
    assert "Issue to Test Care Ltd" in page and "Every day" in page
    client.post(reverse("packages_of_care:order-issue", args=[order.pk]))
    order.refresh_from_db()
    assert order.status == OrderStatus.ISSUED
    assert Alert.objects.open().filter(recipient=provider_org).count() == 1

    # Issuing again is refused with a message; nothing changes.
    response = client.post(reverse("packages_of_care:order-issue", args=[order.pk]), follow=True)
    assert "is issued, awaiting the provider: it cannot be issued" in response.content.decode()


def test_the_provider_accepts_with_its_password_and_the_order_shows_as_active(
    client, login, brokerage_user, provider_manager, make_order
):
    order = services.order_issue(actor=brokerage_user, order=make_order(start_date=dt.date(2026, 5, 1)))
    login(provider_manager)
    dashboard = client.get(reverse("portal:dashboard")).content.decode()
    assert "Orders to accept or decline" in dashboard and order.reference in dashboard
    url = reverse("packages_of_care:order-accept", args=[order.pk])
    page = client.get(url).content.decode()
    assert "Your password" in page and "14" in page
    response = client.post(url, {"password": "wrong"})
    assert response.status_code == 200 and "The password is not right." in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.ISSUED
    response = client.post(url, {"password": PASSWORD}, follow=True)
    assert "You have accepted the order." in response.content.decode()
    assert ">Active</strong>" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.ACTIVE


def test_declining_sends_the_order_back_to_brokerage(
    client, login, brokerage_user, provider_manager, make_order
):
    order = services.order_issue(actor=brokerage_user, order=make_order())
    login(provider_manager)
    url = reverse("packages_of_care:order-decline", args=[order.pk])
    assert "Choose" in client.post(url, {"reason": ""}).content.decode()
    client.post(url, {"reason": "no_capacity", "detail": "No carers at 8am"})
    order.refresh_from_db()
    assert order.status == OrderStatus.DECLINED
    login(brokerage_user)
    dashboard = client.get(reverse("portal:dashboard")).content.decode()
    assert "Declined orders to change and issue again" in dashboard
    page = client.get(order.get_absolute_url()).content.decode()
    assert (
        "No staff capacity at the time needed" in page
        and "No carers at 8am" in page
        and "Issue again" in page
    )


def test_the_order_page_shows_a_wednesday_variation_week_by_week(client, login, brokerage_user, make_order):
    order = services.order_issue(actor=brokerage_user, order=make_order(weekly_hours="14"))
    services.order_accept(actor=None, order=order)
    services.order_vary(
        actor=brokerage_user, order=order, effective_from=dt.date(2026, 5, 6), weekly_hours=D("21"),
        schedule=daily_schedule("21"), reason="Lunchtime visit added",
    )  # fmt: skip
    login(brokerage_user)
    page = client.get(order.get_absolute_url() + "?weeks_from=2026-04-27").content.decode()
    weeks = page[page.index('id="weeks"') : page.index('id="versions"')]
    rows = re.findall(
        r'<th scope="row" class="govuk-table__header">([^<]+)</th>\s*<td[^>]*>([^<]+)</td>', weeks
    )
    assert rows[:3] == [
        ("27 Apr – 3 May 2026", "14.00"),
        ("4 May – 10 May 2026", "19.00"),
        ("11 May – 17 May 2026", "21.00"),
    ]
    assert "Varied from Wednesday 6 May" in page
    assert "Version 1: 14 hours a week" in page and "Version 2: 21 hours a week" in page


def test_pages_are_forbidden_to_the_wrong_role_and_missing_for_other_organisations(
    client, login, make_order, provider_staff, brokerage_user
):
    order = make_order()
    login(provider_staff)
    assert client.get(reverse("packages_of_care:order-create")).status_code == 403
    assert client.get(order.get_absolute_url()).status_code == 404  # a draft is the council's
    services.order_issue(actor=brokerage_user, order=order)
    assert client.get(order.get_absolute_url()).status_code == 200
    assert client.get(reverse("packages_of_care:order-accept", args=[order.pk])).status_code == 403
    other = user_for(ProviderFactory(name="Elsewhere Care"), Role.PROVIDER_MANAGER, username="elsewhere")
    login(other)
    assert client.get(order.get_absolute_url()).status_code == 404
    assert (
        client.post(
            reverse("packages_of_care:order-accept", args=[order.pk]), {"password": PASSWORD}
        ).status_code
        == 404
    )


def test_overlapping_absence_is_refused_on_the_form(client, login, brokerage_user, make_order, person):
    order = services.order_issue(actor=brokerage_user, order=make_order())
    services.order_accept(actor=None, order=order)
    services.absence_record(
        actor=brokerage_user,
        service_user=person,
        kind="hospital",
        start_date=dt.date(2026, 5, 4),
        end_date=dt.date(2026, 5, 10),
    )
    login(user_for(order.provider, Role.PROVIDER_STAFF, username="carer"))
    response = client.post(
        reverse("packages_of_care:absence-create"),
        {"service_user": person.pk, "kind": "holiday", "start_date": "2026-05-08", "end_date": "2026-05-12"},
    )
    assert response.status_code == 200
    assert "already has a hospital absence from 04 May 2026 to 10 May 2026" in response.content.decode()
    assert person.absences.count() == 1


def test_exports_are_scoped_and_come_as_csv_or_xlsx(
    client, login, brokerage_user, make_order, commissioner_org, scheme, provider_manager
):
    mine = services.order_issue(actor=brokerage_user, order=make_order(weekly_hours="14"))
    draft = make_order(
        weekly_hours="7", service_user=ServiceUserFactory(commissioner=commissioner_org, name="Draft Person")
    )
    others = ContractFactory(
        commissioner=commissioner_org, provider=ProviderFactory(name="Another Care"), lot=scheme.lot
    )
    services.order_issue(
        actor=brokerage_user,
        order=make_order(
            contract=others, service_user=ServiceUserFactory(commissioner=commissioner_org, name="Not Yours")
        ),
    )
    url = reverse("packages_of_care:order-export")
    login(brokerage_user)
    rows = list(csv.DictReader(io.StringIO(client.get(url + "?format=csv").content.decode())))
    assert len(rows) == 3 and {r["Order (ISO / CPLI)"] for r in rows} >= {mine.reference, draft.reference}
    login(provider_manager)
    response = client.get(url + "?format=csv")
    assert response["Content-Disposition"].startswith('attachment; filename="orders-2026-05-12.csv"')
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["Order (ISO / CPLI)"], r["Person"], r["Status"], r["Hours per week (now)"]) for r in rows] == [
        (mine.reference, "Ada Lovelace", "Issued, awaiting the provider", "14.00")
    ]
    xlsx = client.get(url + "?format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    with zipfile.ZipFile(io.BytesIO(xlsx.content)) as z:
        text = " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    assert "Ada Lovelace" in text and "Not Yours" not in text and "Draft Person" not in text


def test_pages_do_not_query_per_row(
    client, login, django_assert_max_num_queries, brokerage_user, contract, commissioner_org
):
    def add(n):
        for _ in range(n):
            person_with_one_of_each(
                brokerage_user, contract, absent_from=dt.date(2026, 5, 1), received_at=NOW,
                agreed_on=dt.date(2025, 3, 1), next_review_due=dt.date(2026, 3, 1),
            )  # fmt: skip

    pages = [
        "portal:dashboard",
        "packages_of_care:order-list",
        "packages_of_care:service-user-list",
        "packages_of_care:referral-list",
        "packages_of_care:temporary-variation-list",
        "packages_of_care:absence-list",
        "packages_of_care:care-plan-list",
    ]
    login(brokerage_user)
    add(2)
    counts = {}
    for name in pages:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(name)).status_code == 200
        counts[name] = len(queries)
    add(10)
    for name in pages:
        with django_assert_max_num_queries(counts[name]):
            assert client.get(reverse(name)).status_code == 200, name
    order = IndividualServiceOrder.objects.first()
    with django_assert_max_num_queries(30):
        assert client.get(order.get_absolute_url()).status_code == 200


def test_care_plan_reviews_overdue_show_on_both_dashboards(
    client, login, brokerage_user, commissioner_user, provider_staff, make_order
):
    order = services.order_issue(actor=brokerage_user, order=make_order())
    services.order_accept(actor=None, order=order)
    services.care_plan_create(
        actor=provider_staff, order=order, agreed_on=dt.date(2025, 6, 1), next_review_due=dt.date(2026, 5, 1)
    )
    for user in (commissioner_user, provider_staff, brokerage_user):
        login(user)
        page = client.get(reverse("portal:dashboard")).content.decode()
        assert (
            "Care and support plan reviews" in page and "Reviews overdue" in page and "Ada Lovelace" in page
        ), user


def test_exported_text_cannot_become_a_spreadsheet_formula(
    client, login, brokerage_user, make_order, commissioner_org
):
    person = ServiceUserFactory(
        commissioner=commissioner_org, name='=HYPERLINK("http://evil.example","Click")', reference="+44\x07"
    )
    make_order(service_user=person)
    login(brokerage_user)
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(reverse("packages_of_care:order-export") + "?format=csv").content.decode())
        )
    )
    assert rows[0]["Person"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert rows[0]["Person's reference"] == "'+44\N{REPLACEMENT CHARACTER}"
    xlsx = client.get(reverse("packages_of_care:order-export") + "?format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    person_cell = sheet.cell(row=2, column=[c.value for c in sheet[1]].index("Person") + 1)
    assert (person_cell.data_type, person_cell.value) == ("s", '\'=HYPERLINK("http://evil.example","Click")')


def test_list_pages_filter_with_the_api_filtersets(
    client, login, brokerage_user, make_order, contract, other_contract, commissioner_org
):
    """Each list page filters with its API endpoint's FilterSet: the same parameters, the same
    answers, the export too."""
    mine = services.order_issue(actor=brokerage_user, order=make_order(weekly_hours="14"))
    services.order_accept(actor=None, order=mine)
    other_person = ServiceUserFactory(
        commissioner=commissioner_org, name="Grace Hopper", reference="NCC-0002"
    )
    theirs = services.order_issue(
        actor=brokerage_user, order=make_order(contract=other_contract, service_user=other_person)
    )
    services.absence_record(
        actor=brokerage_user, service_user=mine.service_user, kind="hospital", start_date=dt.date(2026, 5, 10)
    )
    services.care_plan_create(
        actor=brokerage_user, order=mine, agreed_on=dt.date(2025, 3, 1), next_review_due=dt.date(2026, 3, 1)
    )
    login(brokerage_user)

    def listed(name, query):
        return client.get(reverse(f"packages_of_care:{name}") + query).content.decode()

    page = listed("order-list", "?q=grace")
    assert theirs.reference in page and mine.reference not in page
    page = listed("order-list", "?status=active")
    assert mine.reference in page and theirs.reference not in page
    assert '<option value="active" selected>' in page
    page = listed("order-list", f"?provider={other_contract.provider_id}")
    assert theirs.reference in page and mine.reference not in page
    assert "Other Care Ltd</option>" in page  # the provider filter offers the council's providers
    page = listed("order-list", "?live_on=2026-05-12")
    assert mine.reference in page and theirs.reference not in page  # an issued order is not in force
    rows = list(csv.DictReader(io.StringIO(listed("order-export", "?q=grace&format=csv"))))
    assert [r["Order (ISO / CPLI)"] for r in rows] == [theirs.reference]

    page = listed("service-user-list", "?q=hopper")
    assert "Grace Hopper" in page and "Ada Lovelace" not in page
    assert "No people match “nobody”" in listed("service-user-list", "?q=nobody")
    page = listed("absence-list", "?on=2026-05-12")
    assert "Ada Lovelace" in page and "Showing people away today" in page
    assert "No absences." in listed("absence-list", "?on=2026-05-09")
    assert "Ada Lovelace" in listed("care-plan-list", "")  # current plans by default
    assert "Ada Lovelace" in listed("care-plan-list", "?show=overdue")
    assert "No referrals." in listed("referral-list", "?decision=accepted")
