"""Inspections and the notices each council's terms ask for: Norfolk every inspection's outcome
and report within 24 hours of receiving the report `[004 §8.1.7]`; Derby a rating below Good
within 2 working days, the action plan following on a timescale Derby agrees, accepted or returned
with comments `[002 §4.3]`. A council whose terms ask nothing is owed nothing."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from compliance import services
from compliance.models import NoticeStatus, OfstedRegistration, RatingChange, RatingNotification
from portal.models import Alert, AuditEvent, CqcRating
from portal.roles import Capability, Role
from tests.factories import CommissionerFactory, ContractFactory, ProviderFactory, api_token_for, user_for

pytestmark = pytest.mark.django_db
FRIDAY = dt.date(2026, 8, 28)  # the Friday before the summer bank holiday (Monday 31 August 2026)
BST = dt.timezone(dt.timedelta(hours=1))
# Friday 28 Aug 2026, 17:00 in London (16:00 UTC): the report arrives and the rating is recorded.
FRIDAY_5PM = dt.datetime(2026, 8, 28, 16, 0, tzinfo=dt.UTC)


@pytest.fixture
def w(db):
    provider = ProviderFactory(
        name="Markeaton Support", cqc_rating=CqcRating.GOOD, cqc_rating_date=dt.date(2024, 9, 2)
    )
    derby = CommissionerFactory(name="Derby City Council")
    norfolk = CommissionerFactory(name="Norfolk County Council")
    ended = CommissionerFactory(name="Former Council")
    silent = CommissionerFactory(name="Quiet Council")
    for council, start, end in (
        (derby, dt.date(2025, 4, 1), dt.date(2030, 3, 31)),
        (norfolk, dt.date(2024, 4, 1), dt.date(2029, 3, 31)),
        (ended, dt.date(2020, 4, 1), dt.date(2023, 3, 31)),
        (silent, dt.date(2024, 4, 1), dt.date(2029, 3, 31)),
    ):
        ContractFactory(commissioner=council, provider=provider, start_date=start, end_date=end)
    services.compliance_terms_set(
        actor=None, commissioner=derby, rating_notice_working_days=2, source="[002 §4.3]"
    )
    services.compliance_terms_set(
        actor=None, commissioner=norfolk, inspection_report_hours=24, source="[004 §8.1.7]"
    )
    services.compliance_terms_set(actor=None, commissioner=ended, inspection_report_hours=24)
    return {
        "provider": provider,
        "manager": user_for(provider, Role.PROVIDER_MANAGER),
        "derby": derby,
        "norfolk": norfolk,
        "ended": ended,
        "silent": silent,
        "derby_user": user_for(derby, Role.COMMISSIONER),
    }


def record(w, rating, **kwargs):
    return services.rating_record(
        actor=w["manager"], provider=w["provider"], rating=rating, rated_on=FRIDAY, **kwargs
    )


@time_machine.travel(FRIDAY_5PM, tick=False)
def test_requires_improvement_on_a_friday_before_a_bank_holiday(w):
    change = record(w, CqcRating.REQUIRES_IMPROVEMENT)
    w["provider"].refresh_from_db()
    assert (w["provider"].cqc_rating, w["provider"].cqc_rating_date) == (
        CqcRating.REQUIRES_IMPROVEMENT,
        FRIDAY,
    )
    notices = {n.commissioner.name: n for n in RatingNotification.objects.filter(change=change)}
    # Not the council whose contract ended, nor the one whose terms ask nothing.
    assert sorted(notices) == ["Derby City Council", "Norfolk County Council"]
    derby, norfolk = notices["Derby City Council"], notices["Norfolk County Council"]
    # Derby: 2 working days from Friday 28 Aug: Tuesday 1 Sep (Mon 31 Aug is a bank holiday) is
    # day 1, Wednesday 2 Sep day 2: due by 23:59 that day, with an action plan to follow.
    assert derby.due_at.astimezone(BST).strftime("%a %d %b %H:%M") == "Wed 02 Sep 23:59"
    assert (derby.due_on, derby.plan_required, derby.report_required) == (dt.date(2026, 9, 2), True, False)
    # Norfolk: 24 clock hours from the report's arrival (Fri 17:00): Saturday 29 Aug, 17:00.
    assert norfolk.due_at.astimezone(BST).strftime("%a %d %b %H:%M") == "Sat 29 Aug 17:00"
    assert (norfolk.plan_required, norfolk.report_required) == (False, True)
    assert change.notify_by == dt.date(2026, 8, 29)  # the earliest
    to_provider = sorted(a.title for a in Alert.objects.filter(recipient=w["provider"], kind="rating-notify"))
    assert to_provider == [
        "Tell Derby City Council of your CQC rating of Requires improvement by 23:59 on 2 Sep 2026; your action "
        "plan follows on a timescale they agree",
        "Tell Norfolk County Council of your CQC rating of Requires improvement and send a copy of the report by "
        "17:00 on 29 Aug 2026",
    ]
    to_derby = Alert.objects.get(recipient=w["derby"], kind="provider-rating-below-good")
    assert to_derby.title == (
        "Markeaton Support's CQC rating fell to Requires improvement on 28 Aug 2026: its notice is due by "
        "23:59 on 2 Sep 2026; agree the action plan's timescale"
    )
    assert not Alert.objects.filter(recipient__in=[w["ended"], w["silent"]]).exists()
    assert AuditEvent.objects.filter(action="notice due").count() == 2


@time_machine.travel(FRIDAY_5PM, tick=False)
def test_every_inspection_is_reported_to_norfolk_even_a_good_one(w):
    received = dt.datetime(2026, 8, 27, 9, 30, tzinfo=dt.UTC)  # Thursday 10:30 in London
    change = record(w, CqcRating.GOOD, report_received_at=received)
    (notice,) = RatingNotification.objects.filter(change=change)
    # 24 hours after Thursday 10:30: Friday 10:30 — already past at 17:00, so late.
    assert notice.commissioner == w["norfolk"] and not notice.plan_required
    assert notice.due_at.astimezone(BST).strftime("%a %d %b %H:%M") == "Fri 28 Aug 10:30"
    assert notice.is_late
    with pytest.raises(ValidationError, match="Attach the inspection report or summarise"):
        services.rating_notification_send(actor=w["manager"], notification=notice)
    report = SimpleUploadedFile("report.pdf", b"%PDF report", content_type="application/pdf")
    services.rating_notification_send(actor=w["manager"], notification=notice, report=report)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT and notice.report
    assert Alert.objects.get(recipient=w["norfolk"], kind="inspection-report").resolved_at is None
    # A notice with no plan asks for none.
    with pytest.raises(ValidationError, match="needs no action plan"):
        services.rating_notification_submit_plan(actor=w["manager"], notification=notice, summary="x")


@time_machine.travel(dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC), tick=False)
def test_the_notice_goes_first_then_the_plan_on_the_agreed_timescale_returned_then_accepted(
    w, client, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    change = record(
        w, CqcRating.INADEQUATE, report_received_at=dt.datetime(2026, 8, 28, 12, 0, tzinfo=dt.UTC)
    )
    notice = RatingNotification.objects.get(change=change, commissioner=w["derby"])
    # The notice is not blocked waiting for the plan.
    client.force_login(w["manager"])
    response = client.post(
        reverse("compliance:rating-notification-send", args=[notice.pk]), {"summary": "Rated Inadequate"}
    )
    assert response.status_code == 302
    notice.refresh_from_db()
    assert (notice.status, notice.is_late, notice.action_plan.name) == (NoticeStatus.SENT, False, "")
    assert Alert.objects.get(recipient=w["provider"], key=f"notification:{notice.pk}").resolved_at is not None

    # Derby agrees the timescale: the plan by Friday 18 September.
    client.force_login(w["derby_user"])
    client.post(
        reverse("compliance:rating-notification-timescale", args=[notice.pk]), {"plan_due_on": "2026-09-18"}
    )
    notice.refresh_from_db()
    assert notice.plan_due_on == dt.date(2026, 9, 18)
    due = Alert.objects.get(recipient=w["provider"], kind="action-plan-due")
    assert due.title == "Derby City Council asks for your action plan by 18 Sep 2026"

    client.force_login(w["manager"])
    plan = SimpleUploadedFile("action-plan.pdf", b"%PDF-1.4 plan", content_type="application/pdf")
    client.post(reverse("compliance:rating-notification-plan", args=[notice.pk]), {"action_plan": plan})
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PLAN_SENT and not notice.plan_is_late
    assert Alert.objects.get(pk=due.pk).resolved_at is not None

    # Derby returns it with comments; a return needs them.
    client.force_login(w["derby_user"])
    with pytest.raises(ValidationError, match="must address"):
        services.rating_notification_return(actor=w["derby_user"], notification=notice)
    client.post(reverse("compliance:rating-notification-return", args=[notice.pk]), {"response": "Add dates"})
    notice.refresh_from_db()
    assert (notice.status, notice.response) == (NoticeStatus.RETURNED, "Add dates")
    returned = Alert.objects.get(recipient=w["provider"], kind="action-plan-returned")
    assert returned.title == "Derby City Council returned your action plan: Add dates"

    services.rating_notification_submit_plan(actor=w["manager"], notification=notice, summary="With dates")
    assert Alert.objects.get(pk=returned.pk).resolved_at is not None
    download = client.get(reverse("compliance:rating-notification-action-plan", args=[notice.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 plan"
    client.post(reverse("compliance:rating-notification-accept", args=[notice.pk]), {"response": "Agreed"})
    notice.refresh_from_db()
    assert (notice.status, notice.accepted_by, notice.response) == (
        NoticeStatus.ACCEPTED,
        w["derby_user"],
        "Agreed",
    )
    assert not Alert.objects.open().filter(recipient=w["derby"]).exclude(kind="inspection-report").exists()
    assert [e.action for e in AuditEvent.objects.for_object(notice).order_by("id")] == [
        "notice due",
        "notice sent",
        "action plan timescale agreed",
        "action plan sent",
        "action plan returned",
        "action plan sent",
        "action plan accepted",
    ]
    # Norfolk's notice is Norfolk's: Derby cannot reach it.
    other = RatingNotification.objects.get(change=change, commissioner=w["norfolk"])
    assert client.get(reverse("compliance:rating-notification-detail", args=[other.pk])).status_code == 404


@time_machine.travel(dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC), tick=False)
def test_the_plan_through_the_api(w, api_client):
    change = record(w, CqcRating.REQUIRES_IMPROVEMENT)
    notice = RatingNotification.objects.get(change=change, commissioner=w["derby"])
    _u, provider_key = api_token_for(w["provider"], scopes=[Capability.PROVIDER_MANAGE])
    _c, council_key = api_token_for(w["derby"], scopes=[Capability.COMMISSION])

    def post(key, action, body):
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return api_client.post(
            reverse(f"compliance-api:rating-notification-{action}", args=[notice.pk]), body, format="json"
        )

    assert post(provider_key, "send", {"summary": "Rated RI"}).json()["status"] == "sent"
    assert post(council_key, "timescale", {"plan_due_on": "2026-09-15"}).json()["plan_due_on"] == "2026-09-15"
    assert post(provider_key, "action-plan", {"summary": "Audits weekly"}).json()["status"] == "plan_sent"
    assert post(provider_key, "accept", {}).status_code == 403  # the provider cannot accept its own plan
    body = post(council_key, "return", {"response": "Name a lead"}).json()
    assert (body["status"], body["response"]) == ("returned", "Name a lead")
    post(provider_key, "action-plan", {"summary": "Lead: registered manager"})
    assert post(council_key, "accept", {"response": ""}).json()["status"] == "accepted"


def test_a_late_notice_is_marked_late(w):
    with time_machine.travel(dt.datetime(2026, 9, 3, 9, 0, tzinfo=dt.UTC), tick=False):
        change = record(w, CqcRating.REQUIRES_IMPROVEMENT)
        notice = RatingNotification.objects.get(change=change, commissioner=w["derby"])
        assert notice.is_late  # due by the end of 2 Sep
        services.rating_notification_send(actor=w["manager"], notification=notice, summary="Rated RI")
        notice.refresh_from_db()
        assert notice.is_late


def test_an_older_rating_does_not_overwrite_a_newer_and_no_rating_from_the_future(w):
    services.rating_record(
        actor=w["manager"], provider=w["provider"], rating=CqcRating.OUTSTANDING, rated_on=dt.date(2026, 1, 5)
    )
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


@time_machine.travel(FRIDAY_5PM, tick=False)
def test_the_rating_form_takes_when_the_report_arrived(w, client):
    client.force_login(w["manager"])
    response = client.post(
        reverse("compliance:rating-create"),
        {
            "regulator": "cqc",
            "rating": "good",
            "rated_on": "2026-08-27",
            "report_received_at": "2026-08-28T09:15",  # London time
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    (notice,) = RatingNotification.objects.all()
    # 09:15 on Friday + 24 hours: 09:15 on Saturday 29 Aug, for Norfolk only (a Good rating).
    assert notice.commissioner == w["norfolk"]
    assert notice.due_at.astimezone(BST).strftime("%a %d %b %H:%M") == "Sat 29 Aug 09:15"
