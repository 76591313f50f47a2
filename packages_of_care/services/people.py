"""Writes about people and their referrals: brokerage records the person and refers them to a
provider; the provider responds, decides (through `REFERRAL_WORKFLOW`), records the first visit
and the support solution; either side records the end of the service (Dorset's R1–R8)."""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from portal import audit
from portal.models import Organisation, User
from portal.roles import OrganisationKind
from schemes.models import Contract, Scheme

from ..models import Referral, ReferralDecision, ServiceEndReason, ServiceUser
from ..rules import referral_age_problem
from ..workflows import REFERRAL_ACTIONS, REFERRAL_WORKFLOW
from .common import check_decline_reason, not_in_future, refuse_unknown, require_organisation

SERVICE_USER_FIELDS = ["reference", "name", "date_of_birth", "scheme", "flat", "funding_route", "is_customer"]
PROGRESS_FIELDS = ["first_visit_date", "support_solution_agreed_date"]
REFERRAL_PROVIDER = "the provider the referral was made to"


def _check_scheme(commissioner_id: int, scheme: Scheme | None) -> None:
    if scheme is not None and scheme.lot.framework.commissioner_id != commissioner_id:
        raise ValidationError({"scheme": "Choose one of your own schemes."})


@transaction.atomic
def service_user_create(
    *,
    actor: User | None,
    reference: str,
    name: str,
    date_of_birth: dt.date | None = None,
    scheme: Scheme | None = None,
    flat: str = "",
    funding_route: str = "council_funded",
    is_customer: bool = True,
    commissioner: Organisation | None = None,
) -> ServiceUser:
    """Brokerage records a person the council funds or arranges care for."""
    if commissioner is None:
        if actor is None:
            raise ValidationError({"commissioner": "Say which commissioner funds the person."})
        commissioner = actor.organisation
    require_organisation(actor, commissioner.pk, "the person's commissioner")
    if commissioner.kind != OrganisationKind.COMMISSIONER:
        raise PermissionDenied("Only a commissioner records the people it funds.")
    _check_scheme(commissioner.pk, scheme)
    person = ServiceUser(
        commissioner=commissioner, reference=reference.strip(), name=name.strip(), date_of_birth=date_of_birth,
        scheme=scheme, flat=flat, funding_route=funding_route, is_customer=is_customer,
    )  # fmt: skip
    return audit.save_new(
        person,
        actor=actor,
        action="created",
        changes=audit.diff({}, audit.snapshot(person, SERVICE_USER_FIELDS)),
    )


@transaction.atomic
def service_user_update(*, actor: User | None, service_user: ServiceUser, **changes: Any) -> ServiceUser:
    """Brokerage corrects a person's details."""
    refuse_unknown(changes, set(SERVICE_USER_FIELDS))
    person = ServiceUser.objects.select_for_update().get(pk=service_user.pk)
    require_organisation(actor, person.commissioner_id, "the person's commissioner")
    if "scheme" in changes:
        _check_scheme(person.commissioner_id, changes["scheme"])
    return audit.save_changes(person, changes, fields=SERVICE_USER_FIELDS, actor=actor)


# --- referrals ------------------------------------------------------------------------------------


def _lock_referral(referral: Referral, actor: User | None, *, parties: str = "provider") -> Referral:
    """The referral, locked; its provider acts on it (`parties="either"`: or its commissioner)."""
    referral = (
        Referral.objects.select_for_update(of=("self",)).select_related("service_user").get(pk=referral.pk)
    )
    if parties == "provider":
        require_organisation(actor, referral.provider_id, REFERRAL_PROVIDER)
    elif actor is not None and actor.organisation_id not in (referral.provider_id, referral.commissioner_id):
        raise PermissionDenied("Only the parties to the referral may do this.")
    return referral


def _next_referral_reference(commissioner_id: int, received_at: dt.datetime) -> str:
    prefix = f"REF-{timezone.localtime(received_at):%Y%m%d}-"
    taken = set(
        Referral.objects.filter(commissioner_id=commissioner_id, reference__startswith=prefix).values_list(
            "reference", flat=True
        )
    )
    return next(f"{prefix}{n:03d}" for n in range(1, len(taken) + 2) if f"{prefix}{n:03d}" not in taken)


def _accepted_on(referral: Referral) -> dt.date:
    assert referral.decided_at is not None  # an accepted referral has its decision's time
    return timezone.localtime(referral.decided_at).date()


@transaction.atomic
def referral_create(
    *,
    actor: User | None,
    service_user: ServiceUser,
    contract: Contract,
    received_at: dt.datetime,
    is_emergency: bool = False,
    needs_summary: str = "",
    reference: str = "",
    referring_team: str = "",
) -> Referral:
    """Brokerage refers a person to a provider under a contract; the KPI clock starts at `received_at`.
    A lot with an age range refuses a person outside it on the day of referral, and the referring
    team defaults to the lot's (Dorset's children's lot: CWAD, ages 8 to the 18th birthday
    `[001 P1 §4.1-4.2]`)."""
    require_organisation(actor, contract.commissioner_id, "the contract's commissioner")
    if service_user.commissioner_id != contract.commissioner_id:
        raise ValidationError({"service_user": "The person is funded by another commissioner."})
    not_in_future(received_at, "received_at")
    lot = contract.lot
    problem = referral_age_problem(
        date_of_birth=service_user.date_of_birth,
        referred_on=timezone.localtime(received_at).date(),
        min_age=lot.referral_min_age,
        age_limit=lot.referral_age_limit,
    )
    if problem:
        raise ValidationError({"service_user": problem})
    referring_team = referring_team or lot.referring_team
    referral = Referral(
        commissioner_id=contract.commissioner_id, provider_id=contract.provider_id, contract=contract,
        referring_team=referring_team,
        service_user=service_user, received_at=received_at, is_emergency=is_emergency, needs_summary=needs_summary,
        reference=reference or _next_referral_reference(contract.commissioner_id, received_at),
    )  # fmt: skip
    changes = {
        "provider": [None, contract.provider.name],
        "received_at": [None, received_at],
        "is_emergency": [None, is_emergency],
        "referring_team": [None, referring_team],
    }
    return audit.save_new(referral, actor=actor, action="referred", changes=changes)


@transaction.atomic
def referral_respond(
    *, actor: User | None, referral: Referral, responded_at: dt.datetime | None = None
) -> Referral:
    """The provider records its first response to a referral (R5, R6)."""
    referral = _lock_referral(referral, actor)
    responded_at = responded_at or timezone.now()
    not_in_future(responded_at, "responded_at")
    if responded_at < referral.received_at:
        raise ValidationError({"responded_at": "The response cannot be before the referral was received."})
    before = referral.responded_at
    referral.responded_at = responded_at
    referral.save(update_fields=["responded_at", "updated_at"])
    audit.record(
        actor=actor, obj=referral, action="responded", changes={"responded_at": [before, responded_at]}
    )
    return referral


@transaction.atomic
def referral_decide(
    *,
    actor: User | None,
    referral: Referral,
    decision: str,
    decline_reason: str = "",
    decline_detail: str = "",
    decided_at: dt.datetime | None = None,
) -> Referral:
    """The provider accepts or declines a referral, with a reason for a decline (R1, R2)."""
    referral = _lock_referral(referral, actor)
    if decision not in REFERRAL_ACTIONS:
        REFERRAL_WORKFLOW.check(referral, "accept")  # a decided referral says so first
        raise ValidationError({"decision": "Accept or decline the referral."})
    action = REFERRAL_ACTIONS[ReferralDecision(decision)]
    REFERRAL_WORKFLOW.check(referral, action)
    decided_at = decided_at or timezone.now()
    not_in_future(decided_at, "decided_at")
    if decided_at < referral.received_at:
        raise ValidationError({"decided_at": "The decision cannot be before the referral was received."})
    if decision == ReferralDecision.DECLINED:
        check_decline_reason(decline_reason, decline_detail)
    else:
        decline_reason, decline_detail = "", ""
    referral.decided_at, referral.decided_by = decided_at, actor
    referral.decline_reason, referral.decline_detail = decline_reason, decline_detail
    changes: dict[str, list[Any]] = {"decided_at": [None, decided_at]}
    if referral.responded_at is None:  # a decision is a response
        referral.responded_at = decided_at
        changes["responded_at"] = [None, decided_at]
    if decline_reason:
        changes["decline_reason"] = [None, decline_reason]
    REFERRAL_WORKFLOW.apply(referral, action, actor=actor, changes=changes, note=decline_detail)
    return referral


@transaction.atomic
def referral_record_progress(
    *,
    actor: User | None,
    referral: Referral,
    first_visit_date: dt.date | None = None,
    support_solution_agreed_date: dt.date | None = None,
) -> Referral:
    """The provider records the first visit (R7) and the day the support solution with outcomes
    was agreed (R8). Dates already recorded may be corrected; the trail keeps the old ones."""
    referral = _lock_referral(referral, actor)
    if referral.decision != ReferralDecision.ACCEPTED:
        raise ValidationError("Record visits once the referral is accepted.")
    accepted_on = _accepted_on(referral)
    first = first_visit_date if first_visit_date is not None else referral.first_visit_date
    agreed = support_solution_agreed_date
    if agreed is None:
        agreed = referral.support_solution_agreed_date
    not_in_future(first, "first_visit_date")
    not_in_future(agreed, "support_solution_agreed_date")
    if first is not None and first < accepted_on:
        raise ValidationError(
            {
                "first_visit_date": f"The first visit cannot be before the acceptance on {accepted_on:%d %B %Y}."
            }
        )
    if agreed is not None and first is None:
        raise ValidationError({"support_solution_agreed_date": "Record the first visit first."})
    if agreed is not None and first is not None and agreed < first:
        raise ValidationError(
            {"support_solution_agreed_date": "The support solution cannot be agreed before the first visit."}
        )
    before = audit.snapshot(referral, PROGRESS_FIELDS)
    referral.first_visit_date, referral.support_solution_agreed_date = first, agreed
    changed = audit.diff(before, audit.snapshot(referral, PROGRESS_FIELDS))
    if changed:
        referral.save(update_fields=[*PROGRESS_FIELDS, "updated_at"])
        audit.record(actor=actor, obj=referral, action="progress recorded", changes=changed)
    return referral


@transaction.atomic
def referral_end_service(
    *, actor: User | None, referral: Referral, ended_on: dt.date, reason: str, detail: str = ""
) -> Referral:
    """The service ends: completed (R3) or left before completion, and why (R4). Either side may record it."""
    referral = _lock_referral(referral, actor, parties="either")
    if referral.decision != ReferralDecision.ACCEPTED:
        raise ValidationError("Only an accepted referral's service can end.")
    if referral.service_ended_on is not None:
        raise ValidationError(f"The service already ended on {referral.service_ended_on:%d %B %Y}.")
    if reason not in ServiceEndReason.values:
        raise ValidationError({"service_end_reason": "Choose why the service ended."})
    if reason == ServiceEndReason.OTHER and not detail.strip():
        raise ValidationError({"service_end_detail": "Say why the service ended."})
    not_in_future(ended_on, "service_ended_on")
    if ended_on < _accepted_on(referral):
        raise ValidationError(
            {"service_ended_on": "The service cannot end before the referral was accepted."}
        )
    referral.service_ended_on, referral.service_end_reason, referral.service_end_detail = (
        ended_on,
        reason,
        detail,
    )
    referral.save(
        update_fields=["service_ended_on", "service_end_reason", "service_end_detail", "updated_at"]
    )
    audit.record(
        actor=actor,
        obj=referral,
        action="service ended",
        changes={"service_ended_on": [None, ended_on], "service_end_reason": [None, reason]},
        note=detail,
    )
    return referral
