"""The packages-of-care API over HTTP with real authentication: a signed-in browser session
(which must give the password again to accept) and API tokens (read-only, or granted their own
side's write capabilities). Refused calls answer 400/403/404 in JSON and change nothing."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from packages_of_care import services
from packages_of_care.models import (
    Absence,
    IndividualServiceOrder,
    OrderStatus,
    OrderVersion,
    TemporaryVariationStatus,
)
from portal.models import AuditEvent
from portal.roles import Role
from tests.factories import PASSWORD, CommissionerFactory, api_token_for, user_for
from tests.helpers import ACCESS_LOG_QUERIES, json_status
from tests.packages_of_care.conftest import daily_schedule, frozen_at, person_with_one_of_each
from tests.packages_of_care.factories import ServiceUserFactory
from tests.signin import SignedInAPIClient

LONDON = ZoneInfo("Europe/London")
NOW = dt.datetime(2026, 4, 8, 10, 0, tzinfo=LONDON)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


frozen = frozen_at(NOW)


def session(user) -> APIClient:
    client = SignedInAPIClient(enforce_csrf_checks=False)
    assert client.login(username=user.username, password=PASSWORD)
    return client


def token(organisation, scopes=()) -> APIClient:
    _user, key = api_token_for(organisation, scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def draft_payload(person, contract, hours="10.5"):
    return {
        "service_user": person.pk,
        "contract": contract.pk,
        "start_date": "2026-04-01",
        "weekly_hours": hours,
        "schedule": [
            {"weekday": line["weekday"], "start_time": "08:00", "duration_minutes": line["duration_minutes"]}
            for line in daily_schedule(hours)
        ],
        "outcomes": [
            {"service_element": "maintenance", "category": "nutrition", "description": "A hot meal daily"}
        ],
    }


def test_brokerage_drafts_and_issues_and_the_provider_accepts_with_its_password(
    brokerage_user, provider_manager, contract, person
):
    brokerage = session(brokerage_user)
    created = brokerage.post("/api/v1/orders/", draft_payload(person, contract), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["current_weekly_hours"], body["provider"]) == (
        "draft",
        "10.50",
        contract.provider_id,
    )
    assert "weekly_hours" not in body  # write-only
    order_id = body["id"]
    assert brokerage.post(f"/api/v1/orders/{order_id}/issue/").json()["status"] == "issued"

    manager = session(provider_manager)
    refused = manager.post(f"/api/v1/orders/{order_id}/accept/", {}, format="json")
    assert refused.status_code == 400 and "password" in refused.json()["errors"]
    wrong = manager.post(f"/api/v1/orders/{order_id}/accept/", {"password": "not-it"}, format="json")
    assert wrong.status_code == 400
    assert IndividualServiceOrder.objects.get(pk=order_id).status == OrderStatus.ISSUED
    accepted = manager.post(f"/api/v1/orders/{order_id}/accept/", {"password": PASSWORD}, format="json")
    assert accepted.status_code == 200 and accepted.json()["status"] == "active"  # its start date has come

    versions = manager.get(f"/api/v1/order-versions/?order={order_id}").json()["results"]
    assert [(v["number"], v["weekly_hours"], len(v["schedule"])) for v in versions] == [(1, "10.50", 7)]
    assert versions[0]["outcomes"][0]["description"] == "A hot meal daily"


def test_a_provider_token_granted_provider_manage_accepts_without_a_password(
    brokerage_user, make_order, provider_org
):
    order = services.order_issue(actor=brokerage_user, order=make_order())
    read_only = token(provider_org)
    assert read_only.post(f"/api/v1/orders/{order.pk}/accept/").status_code == 403
    granted = token(provider_org, ["provider_manage"])
    response = granted.post(f"/api/v1/orders/{order.pk}/accept/")
    assert response.status_code == 200 and response.json()["status"] == "active"
    event = AuditEvent.objects.for_object(order).filter(action="accepted").get()
    assert event.actor.role == Role.API_CLIENT and event.actor_organisation_id == provider_org.pk


def test_each_side_may_only_take_its_own_steps(brokerage_user, make_order, provider_org, commissioner_org):
    order = services.order_issue(actor=brokerage_user, order=make_order())
    council = token(commissioner_org, ["broker", "commission"])
    provider = token(provider_org, ["provider_manage", "provider_record"])
    before = AuditEvent.objects.count()
    assert council.post(f"/api/v1/orders/{order.pk}/accept/").status_code == 403
    assert provider.post(f"/api/v1/orders/{order.pk}/withdraw/").status_code == 403
    assert provider.post(f"/api/v1/orders/{order.pk}/issue/").status_code == 403
    response = provider.patch(f"/api/v1/orders/{order.pk}/", {"weekly_hours": "20"}, format="json")
    assert response.status_code == 403 and response.json()["detail"]
    order.refresh_from_db()
    assert order.status == OrderStatus.ISSUED and AuditEvent.objects.count() == before


def test_another_councils_brokerage_gets_404_and_changes_nothing(brokerage_user, make_order):
    order = services.order_issue(actor=brokerage_user, order=make_order())
    stranger = session(user_for(CommissionerFactory(name="Elsewhere"), Role.BROKERAGE, username="elsewhere"))
    for path in ("", "issue/", "withdraw/", "suspend/", "end/", "vary/"):
        method = stranger.get if path == "" else stranger.post
        response = method(f"/api/v1/orders/{order.pk}/{path}")
        assert response.status_code == 404, path
        assert response.json() == {"detail": "Not found."}
    order.refresh_from_db()
    assert order.status == OrderStatus.ISSUED


def test_accepting_an_ended_order_is_refused_with_400(brokerage_user, make_order, provider_org):
    order = services.order_issue(actor=brokerage_user, order=make_order())
    services.order_accept(actor=None, order=order)
    services.order_end(actor=brokerage_user, order=order, end_date=dt.date(2026, 4, 5), reason="moved")
    before = AuditEvent.objects.count()
    response = token(provider_org, ["provider_manage"]).post(f"/api/v1/orders/{order.pk}/accept/")
    assert response.status_code == 400
    assert response.json() == {"detail": [f"Order {order.reference} is ended: it cannot be accepted."]}
    order.refresh_from_db()
    assert order.status == OrderStatus.ENDED and AuditEvent.objects.count() == before


def test_decline_vary_and_the_version_in_force(brokerage_user, make_order, provider_org, commissioner_org):
    order = services.order_issue(actor=brokerage_user, order=make_order(weekly_hours="14"))
    provider = token(provider_org, ["provider_manage"])
    assert json_status(provider, f"/api/v1/orders/{order.pk}/decline/", {"decline_reason": "other"}) == 400
    declined = provider.post(
        f"/api/v1/orders/{order.pk}/decline/",
        {"decline_reason": "outside_area", "decline_detail": "Too far"},
        format="json",
    ).json()
    assert (declined["status"], declined["decline_reason"], declined["decline_detail"]) == (
        "declined",
        "outside_area",
        "Too far",
    )

    council = token(commissioner_org, ["broker"])
    changed = council.patch(
        f"/api/v1/orders/{order.pk}/", {"weekly_hours": "7", "schedule": daily_schedule("7")}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["current_weekly_hours"] == "7.00"
    council.post(f"/api/v1/orders/{order.pk}/issue/")
    provider.post(f"/api/v1/orders/{order.pk}/accept/")
    # A variation whose schedule does not add up is refused, naming the field.
    bad = council.post(
        f"/api/v1/orders/{order.pk}/vary/",
        {"effective_from": "2026-05-06", "weekly_hours": "10.5", "reason": "More"},
        format="json",
    )
    assert bad.status_code == 400 and "schedule" in bad.json()["errors"]
    vary = council.post(
        f"/api/v1/orders/{order.pk}/vary/",
        {
            "effective_from": "2026-05-06",
            "weekly_hours": "10.5",
            "reason": "More",
            "schedule": daily_schedule("10.5"),
        },
        format="json",
    )
    assert vary.status_code == 201 and vary.json()["number"] == 2
    in_force = council.get(f"/api/v1/order-versions/?order={order.pk}&in_force_on=2026-05-05").json()[
        "results"
    ]
    assert [v["weekly_hours"] for v in in_force] == ["7.00"]
    in_force = council.get(f"/api/v1/order-versions/?order={order.pk}&in_force_on=2026-05-06").json()[
        "results"
    ]
    assert [v["weekly_hours"] for v in in_force] == ["10.50"]


def test_related_ids_outside_the_callers_scope_answer_404(brokerage_user, contract):
    elsewhere = ServiceUserFactory(commissioner=CommissionerFactory(name="Elsewhere"))
    response = session(brokerage_user).post(
        "/api/v1/orders/", draft_payload(elsewhere, contract), format="json"
    )
    assert response.status_code == 404 and "service_user" in response.json()["errors"]
    assert not IndividualServiceOrder.objects.exists()


def test_temporary_variations_requested_by_the_provider_and_approved_by_brokerage(
    brokerage_user, make_order, provider_org, commissioner_org
):
    order = services.order_issue(actor=brokerage_user, order=make_order())
    services.order_accept(actor=None, order=order)
    body = {
        "order": order.pk,
        "start_date": "2026-05-04",
        "end_date": "2026-05-17",
        "extra_hours_per_week": "3",
        "reason": "Fall",
    }
    requested = token(provider_org, ["provider_record"]).post(
        "/api/v1/temporary-variations/", body, format="json"
    )
    assert requested.status_code == 201 and requested.json()["status"] == TemporaryVariationStatus.REQUESTED
    council = token(commissioner_org, ["broker"])
    approved = council.post(
        f"/api/v1/temporary-variations/{requested.json()['id']}/approve/", {"note": "OK"}, format="json"
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    again = council.post(
        f"/api/v1/temporary-variations/{requested.json()['id']}/refuse/", {"note": "No"}, format="json"
    )
    assert again.status_code == 400
    recorded = council.post(
        "/api/v1/temporary-variations/",
        {**body, "start_date": "2026-06-01", "end_date": "2026-06-07"},
        format="json",
    )
    assert recorded.status_code == 201 and recorded.json()["status"] == "approved"
    covering = council.get("/api/v1/temporary-variations/?covering=2026-05-10&status=approved").json()
    assert covering["count"] == 1


def test_overlapping_absences_answer_400_naming_the_field(brokerage_user, make_order, provider_org, person):
    order = services.order_issue(actor=brokerage_user, order=make_order())
    services.order_accept(actor=None, order=order)
    staff = session(user_for(provider_org, Role.PROVIDER_STAFF, username="carer"))
    first = staff.post(
        "/api/v1/absences/",
        {"service_user": person.pk, "kind": "hospital", "start_date": "2026-05-04"},
        format="json",
    )
    assert first.status_code == 201 and first.json()["end_date"] is None
    second = staff.post(
        "/api/v1/absences/",
        {"service_user": person.pk, "kind": "holiday", "start_date": "2026-06-01", "end_date": "2026-06-07"},
        format="json",
    )
    assert second.status_code == 400
    assert "with no end date yet" in second.json()["errors"]["start_date"][0]
    ended = staff.post(
        f"/api/v1/absences/{first.json()['id']}/end/", {"end_date": "2026-05-10"}, format="json"
    )
    assert ended.status_code == 200 and ended.json()["end_date"] == "2026-05-10"
    assert Absence.objects.count() == 1


def test_care_plans_and_reviews(brokerage_user, make_order, provider_org):
    order = services.order_issue(actor=brokerage_user, order=make_order())
    services.order_accept(actor=None, order=order)
    client = token(provider_org, ["provider_record"])
    plan = client.post(
        "/api/v1/care-plans/", {"order": order.pk, "agreed_on": "2026-03-30"}, format="json"
    ).json()
    assert (plan["next_review_due"], plan["is_overdue"], plan["service_user"]) == (
        "2027-03-30",
        False,
        order.service_user_id,
    )
    too_late = client.post(
        f"/api/v1/care-plans/{plan['id']}/review/",
        {"reviewed_on": "2026-04-07", "next_review_due": "2027-04-08"},
        format="json",
    )
    assert too_late.status_code == 400 and "next_review_due" in too_late.json()["errors"]
    reviewed = client.post(
        f"/api/v1/care-plans/{plan['id']}/review/", {"reviewed_on": "2026-04-07"}, format="json"
    )
    assert (
        reviewed.json()["last_reviewed_on"] == "2026-04-07"
        and reviewed.json()["next_review_due"] == "2027-04-07"
    )


def test_referrals_carry_their_r5_to_r8_standing(
    brokerage_user, provider_manager, contract, person, provider_org
):
    council = session(brokerage_user)
    created = council.post(
        "/api/v1/referrals/",
        {
            "service_user": person.pk,
            "contract": contract.pk,
            "received_at": "2026-03-27T16:00:00+00:00",
            "is_emergency": True,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    referral = created.json()
    assert referral["reference"].startswith("REF-20260327-") and referral["provider"] == provider_org.pk
    measures = {m["code"]: m for m in referral["measures"]}
    # Friday 27 March 2026 16:00 GMT: 8 hours Friday, then Monday 30th from midnight (BST) → due Monday 16:00 BST.
    assert measures["R5"]["due"] == "2026-03-30T16:00:00+01:00" and measures["R5"]["state"] == "not met"

    manager = session(provider_manager)
    rid = referral["id"]
    manager.post(
        f"/api/v1/referrals/{rid}/respond/", {"responded_at": "2026-03-30T09:00:00+01:00"}, format="json"
    )
    decide_url = f"/api/v1/referrals/{rid}/decide/"
    decided = manager.post(
        decide_url, {"decision": "accepted", "decided_at": "2026-04-02T10:00:00+01:00"}, format="json"
    )
    assert decided.status_code == 200 and decided.json()["decision"] == "accepted"
    assert json_status(manager, decide_url, {"decision": "declined", "decline_reason": "risk"}) == 400
    progress = manager.post(
        f"/api/v1/referrals/{rid}/progress/",
        {"first_visit_date": "2026-04-07", "support_solution_agreed_date": "2026-04-08"},
        format="json",
    ).json()
    measures = {m["code"]: m["state"] for m in progress["measures"]}
    assert measures == {"R5": "met", "R6": "met", "R7": "met", "R8": "met"}
    ended = council.post(
        f"/api/v1/referrals/{rid}/end-service/",
        {"ended_on": "2026-04-08", "end_reason": "completed"},
        format="json",
    )
    assert ended.status_code == 200 and (ended.json()["ended_on"], ended.json()["end_reason"]) == (
        "2026-04-08",
        "completed",
    )
    # Brokerage cannot record the provider's response, nor the provider refer.
    assert council.post(f"/api/v1/referrals/{rid}/respond/", {}, format="json").status_code == 403
    assert manager.post("/api/v1/referrals/", {}, format="json").status_code == 403


def test_lists_do_not_query_per_row(
    django_assert_max_num_queries, brokerage_user, contract, commissioner_org, provider_org
):
    for n in range(12):
        person_with_one_of_each(
            brokerage_user, contract, absent_from=dt.date(2026, 5, 1 + n), received_at=NOW,
            agreed_on=dt.date(2026, 3, 30),
        )  # fmt: skip
    assert OrderVersion.objects.count() == 12
    for client in (session(brokerage_user), token(provider_org)):
        for path in (
            "/api/v1/orders/",
            "/api/v1/order-versions/",
            "/api/v1/service-users/",
            "/api/v1/referrals/",
            "/api/v1/temporary-variations/",
            "/api/v1/absences/",
            "/api/v1/care-plans/",
        ):
            with django_assert_max_num_queries(8 + ACCESS_LOG_QUERIES):
                response = client.get(path)
            assert response.status_code == 200 and response.json()["count"] == 12, path
