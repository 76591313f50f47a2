"""Demo data for issue 14 (called by `packages_of_care.demo.load`): outcome reviews over time with
one outcome not being achieved (the social worker's alert), plans agreed by phone or late (the
order list's filter and alerts), orders marked with potential for greater independence (N10), a
death at home in the scheme and a move to residential care after hospital (N11), and Derby's
simpler plans for residents who are not customers `[002 §3.4]`."""

import datetime as dt

from django.db.models import OuterRef, Subquery

from . import services
from .models import (
    Absence,
    AbsenceKind,
    AgreedHow,
    CarePlan,
    CarePlanKind,
    HospitalDischarge,
    IndividualServiceOrder,
    OrderOutcome,
    OutcomeProgress,
    OutcomeReview,
    PlaceOfDeath,
    ServiceEndReason,
    ServiceUser,
    _one_year_after,
)

CONTACTS = "Daughter: 07700 900461 (days); son: 07700 900872 (evenings)"


def load(out) -> None:
    # N10: the plans that say "Potential for greater independence? Yes" mark their orders.
    agreed = CarePlan.objects.filter(order=OuterRef("pk"), potential_for_greater_independence=True).values(
        "agreed_on"
    )[:1]
    marked = IndividualServiceOrder.objects.filter(
        care_plans__potential_for_greater_independence=True
    ).update(independence_potential_on=Subquery(agreed))
    # [004 §3.2.9]: two plans agreed by phone, one agreed after the start; two emergency starts.
    plans = list(
        CarePlan.objects.filter(order__reference__startswith="NCC-ISO-").order_by("order__reference")
    )
    for plan in plans[7:9]:
        plan.agreed_how = AgreedHow.REMOTE
    if len(plans) > 20:
        plans[20].agreed_on = plans[20].order.start_date + dt.timedelta(days=5)
    CarePlan.objects.bulk_update(plans[7:21], ["agreed_how", "agreed_on"])
    IndividualServiceOrder.objects.filter(pk__in=[p.order_id for p in plans[30:32]]).update(is_emergency=True)
    # N11: one resident died at home in the scheme; one moved to residential care after hospital.
    IndividualServiceOrder.objects.filter(reference="NCC-ISO-00084").update(
        end_reason=ServiceEndReason.DIED, place_of_death=PlaceOfDeath.SCHEME
    )
    moved = IndividualServiceOrder.objects.filter(reference="NCC-ISO-00017").first()
    if moved is not None:
        Absence.objects.create(
            service_user=moved.service_user, kind=AbsenceKind.HOSPITAL, start_date=dt.date(2026, 6, 2),
            end_date=dt.date(2026, 6, 20), discharge=HospitalDischarge.MOVED_TO_CARE,
            notes="Stroke; discharged to a nursing home", recorded_by_organisation_id=moved.provider_id,
        )  # fmt: skip
    # Outcomes reviewed over time [004 §3.6.10–12]: two reviews each for the first 40 outcomes.
    outcomes = list(
        OrderOutcome.objects.filter(
            version__order__reference__startswith="NCC-ISO-", version__order__status="active"
        )
        .select_related("version__order")
        .order_by("version__order__reference", "pk")[:40]
    )
    reviews = []
    for k, outcome in enumerate(outcomes):
        reviews.append(OutcomeReview(outcome=outcome, reviewed_on=dt.date(2026, 7, 15), status=OutcomeProgress.ON_TRACK,
                                     note="Reviewed with the person at the three-monthly review."))  # fmt: skip
        if k % 5 == 1:
            reviews.append(OutcomeReview(outcome=outcome, reviewed_on=dt.date(2026, 10, 14), status=OutcomeProgress.ACHIEVED,
                                         note="Making breakfast unaided again; support ends as agreed."))  # fmt: skip
    OutcomeReview.objects.bulk_create(reviews)
    for outcome in outcomes[2:4]:  # not being achieved: the social worker is alerted
        services.outcome_review_record(
            actor=None, outcome=outcome, reviewed_on=dt.date(2026, 11, 12), status=OutcomeProgress.NOT_ACHIEVED,
            note="Declining to use the walking frame at home; falls risk rising. Needs a review of the support.",
        )  # fmt: skip
    # Derby: simpler plans for residents who are not customers (the 24/7 emergency response).
    simple = []
    for person in ServiceUser.objects.filter(
        reference__startswith="DCC-DEMO-", is_customer=False
    ).select_related("scheme"):
        contract = person.scheme.contracts.first() if person.scheme else None
        if contract is None:
            continue
        simple.append(CarePlan(
            service_user=person, provider_id=contract.provider_id, kind=CarePlanKind.EMERGENCY_RESPONSE,
            agreed_on=dt.date(2026, 5, 12), next_review_due=_one_year_after(dt.date(2026, 5, 12)),
            emergency_contacts=CONTACTS, risks="Falls at night; type 2 diabetes.",
            response_notes="Key safe by the front door (code with the team leader). Hard of hearing: knock loudly.",
        ))  # fmt: skip
    CarePlan.objects.bulk_create(simple)
    alerts = services.care_plan_agreement_alerts()
    out.write(
        f"  care planning: {marked} orders with potential for greater independence, {len(reviews) + 2} outcome "
        f"reviews (2 not being achieved), {len(simple)} simpler plans (Derby), {alerts} plan-agreement alerts"
    )
