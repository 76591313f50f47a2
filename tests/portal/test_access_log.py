"""The access log (issue 15): reads of personal data, who read them, and who may read the log.

A council and a provider with one contract; two people, each with an active order from the
provider, and two visits for the first person. A second council has its own commissioner.
"""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from portal.access_log.models import AccessLogEntry
from portal.access_log.services import access_log_purge
from portal.roles import Role
from tests.factories import CommissionerFactory, ContractFactory, api_token_for, user_for
from tests.packages_of_care.factories import OrderFactory
from tests.signin import SignedInClient
from tests.visits.factories import VisitFactory, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(commissioner_org, provider_org):
    contract = ContractFactory(commissioner=commissioner_org, provider=provider_org)
    first = OrderFactory(contract=contract, commissioner=commissioner_org, provider=provider_org)
    second = OrderFactory(contract=contract, commissioner=commissioner_org, provider=provider_org)
    VisitFactory(order=first, scheduled_start=at(dt.date(2026, 4, 1), 8))
    VisitFactory(order=first, scheduled_start=at(dt.date(2026, 4, 2), 8))
    return first, second


def signed_in(user):
    client = SignedInClient()
    client.force_login(user)
    return client


def test_viewing_a_persons_page_is_logged(provider_manager, orders):
    person = orders[0].service_user
    response = signed_in(provider_manager).get(
        reverse("packages_of_care:service-user-detail", args=[person.pk]), REMOTE_ADDR="203.0.113.9"
    )
    assert response.status_code == 200
    entry = AccessLogEntry.objects.get()
    assert (entry.user, entry.user_name, entry.organisation, entry.channel) == (
        provider_manager,
        provider_manager.username,
        provider_manager.organisation,
        "web",
    )
    assert (entry.action, entry.what, entry.ids, entry.people, entry.rows) == (
        "viewed",
        "person",
        [person.pk],
        [person.pk],
        1,
    )
    assert entry.address == "203.0.113.9"


def test_viewing_an_order_is_logged_with_its_person(commissioner_user, orders):
    order = orders[1]
    signed_in(commissioner_user).get(reverse("packages_of_care:order-detail", args=[order.pk]))
    entry = AccessLogEntry.objects.get()
    assert (entry.what, entry.ids, entry.people) == ("order", [order.pk], [order.service_user_id])


def test_a_visit_list_filtered_to_a_person_is_logged_and_an_unfiltered_one_is_not(provider_manager, orders):
    client = signed_in(provider_manager)
    person = orders[0].service_user
    client.get(reverse("visits:visit-list"))
    assert not AccessLogEntry.objects.exists()
    query = {"service_user": person.pk, "visit_date_after": "2026-04-01", "visit_date_before": "2026-04-30"}
    response = client.get(reverse("visits:visit-list"), query)
    assert response.status_code == 200
    entry = AccessLogEntry.objects.get()
    # The person's two visits, on one page: one row in the log.
    assert (entry.action, entry.what, entry.rows, entry.people) == ("listed", "visits", 2, [person.pk])
    assert entry.filters["service_user"] == str(person.pk)


def test_exporting_orders_is_logged_with_every_person_in_one_entry(commissioner_user, orders):
    response = signed_in(commissioner_user).get(reverse("packages_of_care:order-export"))
    assert response.status_code == 200
    entry = AccessLogEntry.objects.get()
    assert (entry.action, entry.what, entry.rows) == ("exported", "orders (csv)", 2)
    assert entry.people == sorted(o.service_user_id for o in orders)


def test_api_reads_are_logged_with_the_rows_answered(provider_org, orders):
    user, key = api_token_for(provider_org)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get("/api/v1/orders/")
    assert response.status_code == 200 and response.json()["count"] == 2
    listed = AccessLogEntry.objects.get()
    assert (listed.channel, listed.user, listed.action, listed.rows) == ("api", user, "listed", 2)
    assert sorted(listed.ids) == sorted(o.pk for o in orders)
    assert listed.token == user.api_tokens.get()
    api.get(f"/api/v1/service-users/{orders[0].service_user_id}/")
    viewed = AccessLogEntry.objects.exclude(pk=listed.pk).get()
    assert (viewed.action, viewed.what, viewed.rows, viewed.people) == (
        "viewed",
        "person",
        1,
        [orders[0].service_user_id],
    )


def test_a_read_that_is_refused_is_not_logged(provider_org, orders):
    _user, key = api_token_for(CommissionerFactory())
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(f"/api/v1/orders/{orders[0].pk}/").status_code == 404
    assert not AccessLogEntry.objects.exists()


def test_a_failure_to_write_the_log_does_not_refuse_the_page(provider_manager, orders, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("the log's table is gone")

    monkeypatch.setattr(AccessLogEntry.objects, "create", broken)
    person = orders[0].service_user
    response = signed_in(provider_manager).get(
        reverse("packages_of_care:service-user-detail", args=[person.pk])
    )
    assert response.status_code == 200
    assert "Could not write the access log entry" in caplog.text


def _log_csv(client, **query):
    response = client.get(reverse("portal:access-log-export"), query)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))[1:]


def test_the_organisations_manager_reads_its_log_filtered_and_as_csv(
    provider_manager, provider_staff, commissioner_user, orders
):
    first, second = orders
    staff = signed_in(provider_staff)
    staff.get(reverse("packages_of_care:service-user-detail", args=[first.service_user_id]))
    staff.get(reverse("packages_of_care:order-detail", args=[second.pk]))
    signed_in(commissioner_user).get(reverse("packages_of_care:order-detail", args=[first.pk]))
    manager = signed_in(provider_manager)

    page = manager.get(reverse("portal:access-log"))
    assert page.status_code == 200
    # The provider's two reads; the council's read is the council's to see.
    assert [e.pk for e in page.context["object_list"]] == list(
        AccessLogEntry.objects.filter(user=provider_staff).order_by("-at", "-id").values_list("pk", flat=True)
    )
    by_person = manager.get(reverse("portal:access-log"), {"person": second.service_user_id})
    assert [e.what for e in by_person.context["object_list"]] == ["order"]
    assert not manager.get(reverse("portal:access-log"), {"user": provider_manager.pk}).context["object_list"]
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert (
        list(manager.get(reverse("portal:access-log"), {"read_from": tomorrow}).context["object_list"]) == []
    )

    rows = _log_csv(manager, person=first.service_user_id)
    assert [(r[1], r[5], r[6], r[10]) for r in rows] == [
        (provider_staff.username, "Viewed", "person", str(first.service_user_id))
    ]
    # Exporting the log is itself in the log.
    assert AccessLogEntry.objects.filter(user=provider_manager, what="access log", action="exported").exists()


def test_another_organisations_manager_sees_none_of_it(provider_manager, commissioner_org, orders):
    signed_in(provider_manager).get(reverse("packages_of_care:order-detail", args=[orders[0].pk]))
    other = user_for(CommissionerFactory(), Role.COMMISSIONER)
    client = signed_in(other)
    assert list(client.get(reverse("portal:access-log")).context["object_list"]) == []
    assert _log_csv(client) == []
    # Nor does the council whose person was read: the log is of each organisation's own readers.
    council = signed_in(user_for(commissioner_org, Role.COMMISSIONER))
    assert list(council.get(reverse("portal:access-log")).context["object_list"]) == []


def test_staff_may_not_read_the_log(provider_staff):
    assert signed_in(provider_staff).get(reverse("portal:access-log")).status_code == 403


def test_the_purge_removes_only_entries_past_the_retention_period(provider_manager, settings):
    settings.PORTAL = {**settings.PORTAL, "ACCESS_LOG_DAYS": 730}
    now = dt.datetime(2026, 12, 6, 3, 40, tzinfo=dt.UTC)

    def entry(days_ago):
        return AccessLogEntry.objects.create(
            at=now - dt.timedelta(days=days_ago),
            user=provider_manager,
            user_name="m",
            organisation=provider_manager.organisation,
            channel="web",
            action="viewed",
            what="person",
            path="/",
        )

    old, kept_on_the_day, recent = entry(731), entry(730), entry(1)
    assert access_log_purge(now=now) == 1
    assert set(AccessLogEntry.objects.values_list("pk", flat=True)) == {kept_on_the_day.pk, recent.pk}
    assert not AccessLogEntry.objects.filter(pk=old.pk).exists()


def test_the_nightly_task_purges_and_beat_runs_it(provider_manager, settings):
    from portal.tasks import purge_access_log

    schedule = settings.CELERY_BEAT_SCHEDULE["portal-purge-access-log"]
    assert schedule["task"] == "portal.purge_access_log"
    assert (schedule["schedule"].hour, schedule["schedule"].minute) == ({3}, {40})
    AccessLogEntry.objects.create(
        at=timezone.now() - dt.timedelta(days=settings.PORTAL["ACCESS_LOG_DAYS"] + 1),
        user=provider_manager,
        user_name="m",
        channel="web",
        action="viewed",
        what="person",
        path="/",
    )
    assert purge_access_log.delay().get() == 1
    assert not AccessLogEntry.objects.exists()


def test_the_log_page_puts_its_column_headings_in_the_table_only(provider_manager):
    # A list page's `head` block once filled the document's <head> too (base.html had one).
    html = signed_in(provider_manager).get(reverse("portal:access-log")).content.decode()
    head = html[: html.index("</head>")]
    assert "<th" not in head and html.count(">Read by</th>") == 1
