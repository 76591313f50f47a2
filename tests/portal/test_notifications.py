"""Issue 16: each person's email choice (at once, the default, or a daily digest) and the digest,
sent through a real SMTP server started in the test."""

import datetime as dt
import re

from django.urls import reverse
from django.utils import timezone

from invoicing import alerts as invoicing_alerts
from kpis import alerts as kpi_alerts
from portal.alerts import raise_alert, resolve
from portal.models import Alert, AuditEvent
from portal.notifications.models import AlertEmail, EmailFrequency
from portal.notifications.services import digests_send, emailed_kinds, notification_preference_set
from portal.roles import Role
from tests.factories import user_for


def _raise(provider_org, kind, key, **kwargs):
    return raise_alert(
        recipient=provider_org, kind=kind, key=key, title=f"About {key}", url=f"/x/{key}/", **kwargs
    )[0]


def test_the_must_act_kinds_are_the_ones_the_issue_names():
    codes = {k.code for k in emailed_kinds()}
    assert {
        "order_awaiting_acceptance", "temporary_variation_decided", "invoice_disputed", "invoice_paid",
        "kpi_return_queried", "duty-due", "policy-review-due", "insurance-expiring", "action-plan-due",
    } == codes  # fmt: skip


def test_a_daily_digest_lists_what_is_not_yet_emailed_once(
    provider_org, provider_manager, smtp_server, django_capture_on_commit_callbacks
):
    notification_preference_set(actor=provider_manager, frequency=EmailFrequency.DAILY)
    at_once = user_for(provider_org, Role.PROVIDER_MANAGER, username="at-once")
    with django_capture_on_commit_callbacks(execute=True):
        disputed = _raise(provider_org, invoicing_alerts.INVOICE_DISPUTED, "inv-1")
        queried = _raise(provider_org, kpi_alerts.RETURN_QUERIED, "kpi-1")
        dealt_with = _raise(provider_org, invoicing_alerts.INVOICE_PAID, "inv-2")
        _raise(provider_org, invoicing_alerts.INVOICE_TO_SUBMIT, "not-emailed")  # not a must-act kind
    # The person who kept the default got each of the three at once; the digest reader nothing yet.
    assert sorted(m["Subject"].split(": ", 1)[1] for m in smtp_server.wait_for(3)) == [
        f"Invoice disputed (alert {disputed.pk})",
        f"Invoice paid (alert {dealt_with.pk})",
        f"KPI return queried (alert {queried.pk})",
    ]
    assert {r for m in smtp_server.messages for r in m.rcpt_tos} == {at_once.email}
    resolve(alert=dealt_with, actor=provider_manager)
    stale = _raise(provider_org, invoicing_alerts.INVOICE_DISPUTED, "inv-old")
    Alert.objects.filter(pk=stale.pk).update(raised_at=timezone.now() - dt.timedelta(days=8))

    assert digests_send() == 1
    digest = smtp_server.wait_for(4)[-1]
    assert digest.rcpt_tos == [provider_manager.email]
    assert digest["Subject"] == "Care commissioning portal: 2 things to act on"
    body = digest.get_content()
    # Open, must-act, raised in the last week: the disputed invoice and the queried return, oldest first.
    assert body.index("1. Invoice disputed") < body.index("2. KPI return queried")
    assert "http://127.0.0.1:8000/x/inv-1/" in body and "inv-2" not in body and "inv-old" not in body
    assert set(AlertEmail.objects.filter(user=provider_manager).values_list("alert", "via")) == {
        (disputed.pk, "digest"),
        (queried.pk, "digest"),
    }
    # Idempotent: the next run has nothing new to send.
    assert digests_send() == 0
    assert len(smtp_server.messages) == 4


def test_the_preferences_page_saves_the_persons_own_choice(client, provider_manager, provider_staff):
    client.force_login(provider_manager)
    url = reverse("portal:notifications")
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    # The default, before any choice: immediately.
    assert re.search(r'<input[^>]*value="immediately"[^>]*checked', html)
    assert not re.search(r'<input[^>]*value="daily"[^>]*checked', html)
    assert "Order awaiting acceptance" in html  # the kinds that are emailed
    response = client.post(url, {"frequency": "daily"})
    assert response.status_code == 302 and response.url == url
    assert provider_manager.notification_preference.frequency == "daily"
    event = AuditEvent.objects.get(action="email preference changed")
    assert event.changes == {"frequency": ["immediately", "daily"]}
    assert event.provider_id == provider_manager.organisation_id
    assert (
        not type(provider_staff)
        .objects.filter(pk=provider_staff.pk, notification_preference__isnull=False)
        .exists()
    )
    assert client.post(url, {"frequency": "hourly"}).status_code == 200  # not a choice: the form again
    provider_manager.notification_preference.refresh_from_db()
    assert provider_manager.notification_preference.frequency == "daily"


def test_alerts_raised_while_muted_are_not_emailed(
    provider_org, provider_manager, smtp_server, django_capture_on_commit_callbacks
):
    from portal.alerts import emails_muted

    with emails_muted(), django_capture_on_commit_callbacks(execute=True) as callbacks:
        _raise(provider_org, invoicing_alerts.INVOICE_PAID, "demo-history")
    assert callbacks == [] and smtp_server.messages == []


def test_alerts_raised_in_bulk_are_emailed_too(
    provider_org, provider_manager, smtp_server, django_capture_on_commit_callbacks
):
    from compliance import alerts as compliance_alerts
    from portal.alerts import new_alert, raise_alerts

    def duty(key):
        return new_alert(
            kind=compliance_alerts.DUTY_DUE,
            recipient=provider_org,
            key=key,
            title=f"Duty {key}",
            url="/compliance/",
        )

    with django_capture_on_commit_callbacks(execute=True):
        assert raise_alerts([duty("duty:1"), duty("duty:2")]) == 2
    assert len(smtp_server.wait_for(2)) == 2
    # Raised again (the nightly check finds the same duties due): nothing new, nothing sent.
    with django_capture_on_commit_callbacks(execute=True):
        assert raise_alerts([duty("duty:1"), duty("duty:2")]) == 0
    assert len(smtp_server.messages) == 2
    assert {m["Subject"].split(": ", 1)[1].split(" (")[0] for m in smtp_server.messages} == {
        "Notice or return due to a council"
    }


def test_the_digest_runs_each_morning():
    from celery.schedules import crontab
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["portal-alert-digests"]
    assert entry["task"] == "portal.send_alert_digests"
    assert entry["schedule"] == crontab(hour=7, minute=0)


def test_a_mail_server_down_leaves_the_alert_to_send_later(
    provider_org, provider_manager, smtp_server, settings, django_capture_on_commit_callbacks
):
    from portal.notifications.services import alert_emails_send

    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 9  # nothing listens there: the send fails, retried, then logged
    with django_capture_on_commit_callbacks(execute=True):
        paid = _raise(provider_org, invoicing_alerts.INVOICE_PAID, "inv-9")
    assert Alert.objects.filter(pk=paid.pk).exists() and not AlertEmail.objects.exists()
    settings.EMAIL_PORT = port
    assert alert_emails_send(alert_ids=[paid.pk]) == 1
    assert [m.rcpt_tos for m in smtp_server.wait_for(1)] == [[provider_manager.email]]
