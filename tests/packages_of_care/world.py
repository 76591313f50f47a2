"""Packages-of-care records of the canary world, made through the services (so their alerts and
audit trail exist too). Per pair: a person, a referral, an active order (with its version,
schedule and outcomes), an issued order, a declined order, a requested temporary variation, an
open absence and a care plan. Names stored: service_user, referral, order, order_version,
issued_order, declined_order, temporary_variation, absence, care_plan, order_outcome, outcome_review."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from packages_of_care import services
from packages_of_care.models import OrderStatus, OutcomeReview
from tests.matrix.world import PAIR_PARTIES, pii

ORDER = 20
START = dt.date(2025, 4, 1)  # every order is in force throughout 2025–26
SCHEDULE = [{"weekday": d, "start_time": dt.time(8, 0), "duration_minutes": 60} for d in range(7)]


def _order(world, pair, person, suffix, outcome):
    return services.order_create(
        actor=None,
        service_user=person,
        contract=world.get("contract", pair),
        start_date=START,
        weekly_hours=Decimal("7"),
        schedule=SCHEDULE,
        outcomes=[{"service_element": "maintenance", "category": "nutrition", "description": outcome}],
        reference=f"ISO-{pair}-{suffix}",
    )


def build(world):
    for pair, (c_key, _p_key) in PAIR_PARTIES.items():
        canary = pii(pair)
        person = services.service_user_create(
            actor=None,
            commissioner=world.orgs[c_key],
            reference=f"SU-{pair}",
            name=f"Person {canary}",
            date_of_birth=dt.date(1940, 1, 1),
            scheme=world.get("scheme", pair),
            flat="1",
        )
        referral = services.referral_create(
            actor=None,
            service_user=person,
            contract=world.get("contract", pair),
            received_at=dt.datetime(2025, 3, 3, 9, 30, tzinfo=ZoneInfo("Europe/London")),
            needs_summary=f"Needs {canary}",
            reference=f"REF-{pair}",
        )
        order = _order(world, pair, person, "A", f"Outcome {canary}")
        services.order_issue(actor=None, order=order)
        services.order_accept(actor=None, order=order)
        order.refresh_from_db()
        assert order.status == OrderStatus.ACTIVE
        issued = services.order_issue(actor=None, order=_order(world, pair, person, "B", f"Issued {canary}"))
        declined = _order(world, pair, person, "C", f"Declined {canary}")
        services.order_issue(actor=None, order=declined)
        services.order_decline(
            actor=None, order=declined, reason="other", detail=f"Declined because {canary}"
        )
        variation = services.temporary_variation_request(
            actor=None,
            order=order,
            start_date=dt.date(2026, 5, 4),
            end_date=dt.date(2026, 5, 17),
            extra_hours_per_week=Decimal("2"),
            reason=f"Extra {canary}",
        )
        absence = services.absence_record(
            actor=None,
            service_user=person,
            kind="hospital",
            start_date=dt.date(2026, 6, 1),
            notes=f"Away {canary}",
        )
        plan = services.care_plan_create(
            actor=None, order=order, agreed_on=dt.date(2025, 3, 28), summary=f"Plan {canary}"
        )
        world.put("service_user", pair, person)
        world.put("referral", pair, referral)
        world.put("order", pair, order)
        world.put("order_version", pair, order.versions.get())
        world.put("issued_order", pair, issued)
        world.put("declined_order", pair, declined)
        world.put("temporary_variation", pair, variation)
        world.put("absence", pair, absence)
        world.put("care_plan", pair, plan)
        outcome = order.versions.get().outcomes.get()
        world.put("order_outcome", pair, outcome)
        review = OutcomeReview.objects.create(
            outcome=outcome, reviewed_on=dt.date(2026, 4, 1), status="on_track", note=f"Review {canary}"
        )
        world.put("outcome_review", pair, review)
