"""Webhooks: the signature and back-off (worked by hand), subscriptions over the API scoped to the
caller's organisation, and the delivery log. Deliveries of real events are in
tests/invoicing/test_webhooks.py and tests/invoicing/test_onboarding.py."""

import hashlib
import hmac

import pytest
from rest_framework.test import APIClient

from portal.models import AuditEvent
from portal.webhooks import rules
from portal.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from portal.webhooks.services import delivery_attempt, subscription_create
from tests.factories import CommissionerFactory, api_token_for
from tests.portal.receiver import WebhookReceiver


def test_the_signature_is_hmac_sha256_of_the_timestamp_and_the_body():
    body = b'{"event":"invoice.generated","id":"x"}'
    expected = hmac.new(b"s3cret", b"1780000000." + body, hashlib.sha256).hexdigest()
    header = rules.signature("s3cret", 1780000000, body)
    assert header == f"t=1780000000,v1={expected}"
    assert rules.signature_valid("s3cret", header, body, now=1780000100)
    assert not rules.signature_valid("s3cret", header, body + b" ", now=1780000100)  # body changed
    assert not rules.signature_valid("other", header, body, now=1780000100)  # wrong secret
    assert not rules.signature_valid("s3cret", header, body, now=1780000000 + 301)  # replayed late
    assert not rules.signature_valid("s3cret", "v1=abc", body, now=1780000000)  # no timestamp


@pytest.mark.parametrize(
    ("attempt", "seconds"),
    # base 60 s doubling: 60, 120, 240, 480, 960, 1920; the 7th would be 3840 but the cap is 3600.
    [(1, 60), (2, 120), (3, 240), (4, 480), (5, 960), (6, 1920), (7, 3600), (12, 3600)],
)
def test_back_off_doubles_from_the_base_up_to_the_cap(attempt, seconds):
    assert rules.retry_delay(attempt, base_seconds=60, cap_seconds=3600) == seconds


def _token(organisation, scopes=()):
    _user, key = api_token_for(organisation, scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.mark.django_db
def test_a_council_subscribes_over_the_api_sees_the_secret_once_and_only_its_own(commissioner_org):
    council = _token(commissioner_org, ["commission"])
    created = council.post(
        "/api/v1/webhooks/subscriptions/",
        {"url": "https://finance.example.org/hooks", "events": ["invoice.submitted", "invoice.paid"]},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    subscription = WebhookSubscription.objects.get(pk=body["id"])
    assert body["secret"] == subscription.secret and len(subscription.secret) >= 40
    assert subscription.organisation == commissioner_org
    assert AuditEvent.objects.for_object(subscription).filter(action="webhook subscribed").count() == 1
    again = council.get(f"/api/v1/webhooks/subscriptions/{subscription.pk}/").json()
    assert again["secret"] is None and again["events"] == ["invoice.paid", "invoice.submitted"]
    # Another council's token (even one allowed to manage webhooks) cannot see or change it.
    other = _token(CommissionerFactory(), ["commission"])
    assert other.get(f"/api/v1/webhooks/subscriptions/{subscription.pk}/").status_code == 404
    assert (
        other.patch(
            f"/api/v1/webhooks/subscriptions/{subscription.pk}/", {"is_active": False}, format="json"
        ).status_code
        == 404
    )
    assert other.get("/api/v1/webhooks/subscriptions/").json()["results"] == []
    # A read-only token of the same council reads but may not change.
    reader = _token(commissioner_org)
    assert (
        reader.patch(
            f"/api/v1/webhooks/subscriptions/{subscription.pk}/", {"is_active": False}, format="json"
        ).status_code
        == 403
    )
    changed = council.patch(
        f"/api/v1/webhooks/subscriptions/{subscription.pk}/", {"is_active": False}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["is_active"] is False
    assert AuditEvent.objects.for_object(subscription).filter(action="webhook changed").count() == 1


@pytest.mark.django_db
def test_unknown_events_are_refused(commissioner_org):
    council = _token(commissioner_org, ["commission"])
    response = council.post(
        "/api/v1/webhooks/subscriptions/",
        {"url": "https://finance.example.org/hooks", "events": ["invoice.eaten"]},
        format="json",
    )
    assert response.status_code == 400
    assert WebhookSubscription.objects.count() == 0


@pytest.mark.django_db
def test_a_failing_receiver_is_retried_with_back_off_then_given_up(commissioner_org, settings):
    settings.PORTAL = {**settings.PORTAL, "WEBHOOK_MAX_ATTEMPTS": 3, "WEBHOOK_RETRY_BASE_SECONDS": 30}
    with WebhookReceiver(statuses=[500, 503, 500]) as receiver:
        subscription = subscription_create(
            actor=None, organisation=commissioner_org, url=receiver.url, events=["invoice.paid"]
        )
        delivery = WebhookDelivery.objects.create(
            subscription=subscription, event="invoice.paid", payload={"a": 1}
        )
        first = delivery_attempt(delivery_id=delivery.pk)
        # Failed once: the next attempt after the base, 30 s.
        assert (first.status, first.attempts, first.response_status) == (DeliveryStatus.RETRYING, 1, 500)
        assert (first.next_attempt_at - first.last_attempt_at).total_seconds() == 30
        second = delivery_attempt(delivery_id=delivery.pk)
        # Failed twice: 30 × 2 = 60 s.
        assert (second.attempts, second.response_status) == (2, 503)
        assert (second.next_attempt_at - second.last_attempt_at).total_seconds() == 60
        third = delivery_attempt(delivery_id=delivery.pk)
        assert (third.status, third.attempts, third.next_attempt_at) == (DeliveryStatus.FAILED, 3, None)
        assert delivery_attempt(delivery_id=delivery.pk).attempts == 3  # given up: not sent again
    assert len(receiver.received) == 3


@pytest.mark.django_db
def test_the_delivery_log_page_and_api_show_only_the_organisations_own(
    commissioner_org, commissioner_user, client
):
    subscription = subscription_create(
        actor=None, organisation=commissioner_org, url="https://x.example.org/h", events=["invoice.paid"]
    )
    WebhookDelivery.objects.create(subscription=subscription, event="invoice.paid", payload={}, attempts=2)
    other = subscription_create(
        actor=None,
        organisation=CommissionerFactory(),
        url="https://other.example.org/h",
        events=["invoice.paid"],
    )
    WebhookDelivery.objects.create(subscription=other, event="invoice.paid", payload={})
    client.force_login(commissioner_user)
    page = client.get(f"/webhooks/{subscription.pk}/")
    assert page.status_code == 200
    assert "invoice.paid" in page.content.decode() and subscription.secret in page.content.decode()
    assert client.get(f"/webhooks/{other.pk}/").status_code == 404
    listing = _token(commissioner_org).get("/api/v1/webhooks/deliveries/").json()["results"]
    assert [(d["url"], d["attempts"]) for d in listing] == [("https://x.example.org/h", 2)]


@pytest.mark.django_db
def test_deliveries_lost_on_the_way_are_sent_again_by_the_sweep(commissioner_org):
    import datetime as dt

    from django.utils import timezone

    from portal.tasks import resend_overdue_webhooks

    with WebhookReceiver() as receiver:
        subscription = subscription_create(
            actor=None, organisation=commissioner_org, url=receiver.url, events=["invoice.paid"]
        )
        now = timezone.now()
        lost = WebhookDelivery.objects.create(
            subscription=subscription, event="invoice.paid", payload={"n": 1}
        )
        WebhookDelivery.objects.filter(pk=lost.pk).update(created_at=now - dt.timedelta(minutes=11))
        fresh = WebhookDelivery.objects.create(
            subscription=subscription, event="invoice.paid", payload={"n": 2}
        )
        waiting = WebhookDelivery.objects.create(
            subscription=subscription,
            event="invoice.paid",
            payload={"n": 3},
            status=DeliveryStatus.RETRYING,
            next_attempt_at=now + dt.timedelta(minutes=5),
        )
        # Only the one 11 minutes old (past the 10-minute grace) is sent again.
        assert resend_overdue_webhooks() == 1
    assert [r.body for r in receiver.received] == [b'{"n":1}']
    statuses = {d.pk: d.status for d in WebhookDelivery.objects.all()}
    assert statuses == {
        lost.pk: DeliveryStatus.DELIVERED,
        fresh.pk: DeliveryStatus.PENDING,
        waiting.pk: DeliveryStatus.RETRYING,
    }
