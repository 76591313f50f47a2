"""A rating below Good: the provider must tell each council holding a live contract within 2
working days `[002 §4.3]` and send an action plan; each council is alerted."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from compliance import services
from compliance.models import OfstedRegistration, RatingChange, RatingNotification
from portal.models import Alert, AuditEvent, CqcRating
from portal.roles import Role
from tests.factories import CommissionerFactory, ContractFactory, ProviderFactory, user_for

pytestmark = pytest.mark.django_db
FRIDAY = dt.date(2026, 8, 28)  # the Friday before the summer bank holiday (Monday 31 August 2026)


@pytest.fixture
def w(db):
    provider = ProviderFactory(
        name="Markeaton Support", cqc_rating=CqcRating.GOOD, cqc_rating_date=dt.date(2024, 9, 2)
    )
    derby = CommissionerFactory(name="Derby City Council")
    norfolk = CommissionerFactory(name="Norfolk County Council")
    ended = CommissionerFactory(name="Former Council")
    ContractFactory(
        commissioner=derby, provider=provider, start_date=dt.date(2025, 4, 1), end_date=dt.date(2030, 3, 31)
    )
    ContractFactory(
        commissioner=norfolk, provider=provider, start_date=dt.date(2024, 4, 1), end_date=dt.date(2029, 3, 31)
    )
    ContractFactory(
        commissioner=ended, provider=provider, start_date=dt.date(2020, 4, 1), end_date=dt.date(2023, 3, 31)
    )
    return {
        "provider": provider,
        "manager": user_for(provider, Role.PROVIDER_MANAGER),
        "derby": derby,
        "norfolk": norfolk,
        "ended": ended,
        "derby_user": user_for(derby, Role.COMMISSIONER),
    }


@time_machine.travel(dt.datetime(2026, 8, 28, 16, 0, tzinfo=dt.UTC), tick=False)
def test_requires_improvement_on_a_friday_before_a_bank_holiday_is_due_on_wednesday(w):
    change = services.rating_record(
        actor=w["manager"], provider=w["provider"], rating=CqcRating.REQUIRES_IMPROVEMENT, rated_on=FRIDAY
    )
    assert change.notify_by == dt.date(2026, 9, 2)
    assert change.previous_rating == CqcRating.GOOD
    w["provider"].refresh_from_db()
    assert (w["provider"].cqc_rating, w["provider"].cqc_rating_date) == (
        CqcRating.REQUIRES_IMPROVEMENT,
        FRIDAY,
    )

    notices = RatingNotification.objects.filter(change=change).order_by("commissioner__name")
    assert [(n.commissioner.name, n.due_on) for n in notices] == [
        ("Derby City Council", dt.date(2026, 9, 2)),
        ("Norfolk County Council", dt.date(2026, 9, 2)),
    ]  # not the council whose contract ended
    to_provider = Alert.objects.filter(recipient=w["provider"], kind="rating-notify").order_by("title")
    assert [a.title for a in to_provider] == [
        "Tell Derby City Council about your CQC rating of Requires improvement by 2 Sep 2026 and send an action plan",
        "Tell Norfolk County Council about your CQC rating of Requires improvement by 2 Sep 2026 and send an action plan",
    ]
    assert {a.capability for a in to_provider} == {"provider_manage"}
    due = to_provider[0].due_at
    assert due.astimezone(dt.timezone(dt.timedelta(hours=1))).strftime("%Y-%m-%d %H:%M") == "2026-09-02 23:59"
    to_councils = Alert.objects.filter(kind="provider-rating-below-good")
    assert sorted(a.recipient.name for a in to_councils) == ["Derby City Council", "Norfolk County Council"]
    assert to_councils[0].title == (
        "Markeaton Support's CQC rating fell to Requires improvement on 28 Aug 2026: its notice and action plan "
        "are due by 2 Sep 2026"
    )
    assert not Alert.objects.filter(recipient=w["ended"]).exists()
    assert AuditEvent.objects.filter(action="rating recorded").count() == 1
    assert AuditEvent.objects.filter(action="notice due").count() == 2


@time_machine.travel(dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC), tick=False)
def test_sending_the_notice_and_the_council_accepting_the_plan(w, client, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    change = services.rating_record(
        actor=w["manager"], provider=w["provider"], rating=CqcRating.INADEQUATE, rated_on=FRIDAY
    )
    notice = RatingNotification.objects.get(change=change, commissioner=w["derby"])
    with pytest.raises(ValidationError, match="Attach the action plan or summarise it"):
        services.rating_notification_send(actor=w["manager"], notification=notice)
    client.force_login(w["manager"])
    plan = SimpleUploadedFile("action-plan.pdf", b"%PDF-1.4 plan", content_type="application/pdf")
    response = client.post(
        reverse("compliance:rating-notification-send", args=[notice.pk]),
        {"action_plan": plan, "summary": "Weekly audits"},
    )
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.notified_at is not None and not notice.is_late and notice.action_plan
    assert Alert.objects.get(recipient=w["provider"], key=f"notification:{notice.pk}").resolved_at is not None
    assert Alert.objects.get(recipient=w["derby"], kind="action-plan-received").resolved_at is None

    client.force_login(w["derby_user"])
    download = client.get(reverse("compliance:rating-notification-action-plan", args=[notice.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 plan"
    client.post(reverse("compliance:rating-notification-accept", args=[notice.pk]), {"response": "Agreed"})
    notice.refresh_from_db()
    assert notice.accepted_by == w["derby_user"] and notice.response == "Agreed"
    assert not Alert.objects.open().filter(recipient=w["derby"]).exists()
    # Norfolk's notice is Norfolk's: Derby cannot reach it.
    other = RatingNotification.objects.get(change=change, commissioner=w["norfolk"])
    assert client.get(reverse("compliance:rating-notification-detail", args=[other.pk])).status_code == 404


def test_a_late_notice_is_marked_late(w):
    with time_machine.travel(dt.datetime(2026, 9, 3, 9, 0, tzinfo=dt.UTC), tick=False):
        change = services.rating_record(
            actor=w["manager"], provider=w["provider"], rating=CqcRating.REQUIRES_IMPROVEMENT, rated_on=FRIDAY
        )
        notice = RatingNotification.objects.filter(change=change).first()
        assert notice.is_late
        services.rating_notification_send(actor=w["manager"], notification=notice, summary="Plan")
        notice.refresh_from_db()
        assert notice.is_late


def test_a_good_rating_starts_no_notice_and_an_older_rating_does_not_overwrite_a_newer(w):
    change = services.rating_record(
        actor=w["manager"], provider=w["provider"], rating=CqcRating.OUTSTANDING, rated_on=dt.date(2026, 1, 5)
    )
    assert change.notify_by is None and not RatingNotification.objects.exists()
    services.rating_record(
        actor=w["manager"], provider=w["provider"], rating=CqcRating.GOOD, rated_on=dt.date(2025, 6, 1)
    )
    w["provider"].refresh_from_db()
    assert w["provider"].cqc_rating == CqcRating.OUTSTANDING
    with pytest.raises(ValidationError, match="cannot be in the future"):
        services.rating_record(
            actor=w["manager"], provider=w["provider"], rating="good", rated_on=dt.date(2099, 1, 1)
        )


def test_an_ofsted_rating_updates_the_registration(w):
    with pytest.raises(ValidationError, match="Ofsted unique reference number"):
        services.rating_record(
            actor=w["manager"], provider=w["provider"], regulator="ofsted", rating="good", rated_on=FRIDAY
        )
    services.rating_record(
        actor=w["manager"],
        provider=w["provider"],
        regulator="ofsted",
        rating="good",
        rated_on=FRIDAY,
        location_id="SC123456",
    )
    registration = OfstedRegistration.objects.get()
    assert (registration.urn, registration.rating, registration.rating_date) == ("SC123456", "good", FRIDAY)
    assert RatingChange.objects.get().regulator == "ofsted"
