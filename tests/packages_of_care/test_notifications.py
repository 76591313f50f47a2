"""Issue 16: an order issued, and the council's decision on a temporary variation, reach the
provider by email through a real SMTP server; the email names a reference, never the person."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from packages_of_care import alerts, services
from portal.models import Alert
from portal.notifications.models import AlertEmail
from portal.notifications.services import alert_emails_send
from portal.roles import Role
from tests.factories import user_for

AFTER_START = dt.datetime(2026, 4, 6, 10, 0, tzinfo=dt.UTC)


def test_issuing_an_order_emails_the_provider_managers_once(
    make_order,
    brokerage_user,
    provider_manager,
    provider_staff,
    smtp_server,
    django_capture_on_commit_callbacks,
):
    order = make_order(reference="ISO-4471")
    with django_capture_on_commit_callbacks(execute=True):
        services.order_issue(actor=brokerage_user, order=order)
    (message,) = smtp_server.wait_for(1)
    # Only the provider's managers accept orders: staff and the council are not emailed.
    assert message.rcpt_tos == [provider_manager.email]
    assert message["Subject"] == "Care commissioning portal: Order awaiting acceptance (ISO-4471)"
    body = message.get_content()
    assert "Reference: ISO-4471" in body
    assert f"http://127.0.0.1:8000{order.get_absolute_url()}" in body
    assert "http://127.0.0.1:8000/notifications/" in body
    # The alert's title names the person; the email never does.
    alert = Alert.objects.get(kind=alerts.ORDER_ISSUED.code)
    assert "Ada Lovelace" in alert.title and "Ada" not in body and "Lovelace" not in body
    # Idempotent: the task run again (a retry, a duplicate delivery) sends nothing more.
    assert alert_emails_send(alert_ids=[alert.pk]) == 0
    assert len(smtp_server.messages) == 1
    assert AlertEmail.objects.filter(alert=alert, user=provider_manager, via="immediate").count() == 1
    assert provider_staff.email not in [r for m in smtp_server.messages for r in m.rcpt_tos]


def test_the_provider_is_told_and_emailed_the_councils_decision_on_extra_hours(
    make_order,
    brokerage_user,
    provider_manager,
    provider_org,
    smtp_server,
    django_capture_on_commit_callbacks,
):
    with time_machine.travel(AFTER_START, tick=False):
        order = make_order(weekly_hours="10", reference="ISO-5002")
        services.order_issue(actor=brokerage_user, order=order)
        services.order_accept(actor=provider_manager, order=order)
        request = services.temporary_variation_request(
            actor=provider_manager, order=order, start_date=dt.date(2026, 5, 4), end_date=dt.date(2026, 5, 17),
            extra_hours_per_week=Decimal("3"), reason="Recovering after a fall",
        )  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            services.temporary_variation_refuse(actor=brokerage_user, variation=request, note="Support found")
    alert = Alert.objects.get(recipient=provider_org, kind=alerts.VARIATION_DECIDED.code)
    assert alert.title == "The council refused your request for extra hours on order ISO-5002"
    assert alert.url == request.get_absolute_url()
    (message,) = smtp_server.wait_for(1)
    assert message.rcpt_tos == [provider_manager.email]
    assert "Decision on your temporary variation (ISO-5002)" in message["Subject"]


def test_a_person_without_an_email_address_or_in_another_provider_is_not_emailed(
    make_order, brokerage_user, provider_manager, other_manager, provider_org, smtp_server,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    user_for(provider_org, Role.PROVIDER_MANAGER, username="no-address", email="")
    with django_capture_on_commit_callbacks(execute=True):
        services.order_issue(actor=brokerage_user, order=make_order())
    assert [m.rcpt_tos for m in smtp_server.wait_for(1)] == [[provider_manager.email]]


@pytest.mark.celery_worker
def test_an_issued_order_is_emailed_by_a_real_worker(
    smtp_server, celery_worker, make_order, brokerage_user, provider_manager
):
    # The worker runs in its own process, with EMAIL_URL pointing at the test's SMTP server;
    # the order's commit queues the task on Redis (transaction.on_commit).
    services.order_issue(actor=brokerage_user, order=make_order(reference="ISO-7001"))
    (message,) = smtp_server.wait_for(1, timeout=60)
    assert message.rcpt_tos == [provider_manager.email]
    assert "ISO-7001" in message["Subject"]
    assert AlertEmail.objects.get(user=provider_manager).via == "immediate"
