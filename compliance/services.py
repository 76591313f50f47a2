"""Writes for provider compliance: keyword-only, atomic, audited; alerts to the other side."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from portal import audit
from portal.alerts import raise_alert, raise_alerts, resolve_matching
from portal.models import Alert, CqcRating, Organisation
from portal.money import to_decimal
from portal.roles import Capability, OrganisationKind
from schemes.models import Contract, Lot

from . import rules
from .models import (
    CapacitySnapshot,
    InsuranceCertificate,
    InsuranceKind,
    InsuranceRequirement,
    OfstedRegistration,
    PolicyKind,
    ProviderPolicy,
    RatingChange,
    RatingNotification,
    Regulator,
    monday_of,
)

LONDON = ZoneInfo("Europe/London")

# Alert kinds this app raises (and the periodic task keeps in step with the records).
ALERT_RATING_NOTIFY = "rating-notify"
ALERT_PROVIDER_RATING = "provider-rating-below-good"
ALERT_ACTION_PLAN = "action-plan-received"
ALERT_INSURANCE_EXPIRING = "insurance-expiring"
ALERT_INSURANCE_EXPIRED = "insurance-expired"
ALERT_PROVIDER_INSURANCE = "provider-insurance-gap"
ALERT_POLICY_DUE = "policy-review-due"
ALERT_POLICY_OVERDUE = "policy-review-overdue"
ALERT_TRAINING = "training-overdue"
SYNCED_KINDS = [
    ALERT_INSURANCE_EXPIRING,
    ALERT_INSURANCE_EXPIRED,
    ALERT_PROVIDER_INSURANCE,
    ALERT_POLICY_DUE,
    ALERT_POLICY_OVERDUE,
    ALERT_TRAINING,
]


def end_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59), tzinfo=LONDON)


def _fmt(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _require_provider(organisation) -> None:
    if organisation.kind != OrganisationKind.PROVIDER:
        raise ValidationError("Only a provider keeps a compliance record.")


def commissioners_with_live_contracts(provider, day: dt.date):
    return Organisation.objects.filter(
        pk__in=Contract.objects.filter(provider=provider).live_on(day).values("commissioner_id")
    ).order_by("name")


# Registration and ratings -------------------------------------------------------------------


@transaction.atomic
def rating_record(
    *,
    actor,
    provider: Organisation,
    rating: str,
    rated_on: dt.date,
    regulator: str = Regulator.CQC,
    location_id: str = "",
    note: str = "",
) -> RatingChange:
    """Record a new CQC or Ofsted rating and update the provider's registration. A rating below
    Good sets the notice deadline (2 working days after the rating's date `[002 §4.3]`), asks the
    provider to tell each council holding a live contract with it and send an action plan, and
    alerts those councils."""
    _require_provider(provider)
    if rating not in CqcRating.values:
        raise ValidationError({"rating": "Choose a rating."})
    if rated_on > timezone.localdate():
        raise ValidationError({"rated_on": "The rating's date cannot be in the future."})
    location_id = location_id.strip()
    if regulator == Regulator.CQC:
        previous = provider.cqc_rating
        before = audit.snapshot(provider, ["cqc_location_id", "cqc_rating", "cqc_rating_date"])
        if location_id:
            provider.cqc_location_id = location_id
        if not provider.cqc_location_id:
            raise ValidationError({"location_id": "Give your CQC location ID."})
        if provider.cqc_rating_date is None or rated_on >= provider.cqc_rating_date:
            provider.cqc_rating, provider.cqc_rating_date = rating, rated_on
        provider.save(update_fields=["cqc_location_id", "cqc_rating", "cqc_rating_date", "updated_at"])
        changes = audit.diff(
            before, audit.snapshot(provider, ["cqc_location_id", "cqc_rating", "cqc_rating_date"])
        )
        location = provider.cqc_location_id
    elif regulator == Regulator.OFSTED:
        registration = OfstedRegistration.objects.filter(provider=provider).first()
        previous = registration.rating if registration else ""
        if registration is None:
            if not location_id:
                raise ValidationError({"location_id": "Give your Ofsted unique reference number (URN)."})
            registration = OfstedRegistration(provider=provider, urn=location_id)
        elif location_id:
            registration.urn = location_id
        before = {"urn": registration.urn if registration.pk else None, "rating": previous}
        if registration.rating_date is None or rated_on >= registration.rating_date:
            registration.rating, registration.rating_date = rating, rated_on
        registration.save()
        changes = audit.diff(before, {"urn": registration.urn, "rating": registration.rating})
        location = registration.urn
    else:
        raise ValidationError({"regulator": "Choose CQC or Ofsted."})

    change = RatingChange.objects.create(
        provider=provider,
        regulator=regulator,
        location_id=location,
        previous_rating=previous,
        rating=rating,
        rated_on=rated_on,
        notify_by=rules.rating_notice_due(rated_on) if rules.is_below_good(rating) else None,
        note=note,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(actor=actor, obj=change, action="rating recorded", changes=changes, note=note)
    if change.notify_by is not None:
        _open_rating_notices(actor=actor, change=change)
    return change


def _open_rating_notices(*, actor, change: RatingChange) -> None:
    provider = change.provider
    label = CqcRating(change.rating).label
    regulator = "CQC" if change.regulator == Regulator.CQC else "Ofsted"
    commissioners = list(commissioners_with_live_contracts(provider, timezone.localdate()))
    notices = RatingNotification.objects.bulk_create(
        RatingNotification(change=change, commissioner=c, provider=provider, due_on=change.notify_by)
        for c in commissioners
    )
    due_at = end_of_day(change.notify_by)
    alerts = []
    for notice, commissioner in zip(notices, commissioners, strict=True):
        url = reverse("compliance:rating-notification-detail", args=[notice.pk])
        alerts.append(
            Alert(
                recipient=provider,
                capability=Capability.PROVIDER_MANAGE,
                kind=ALERT_RATING_NOTIFY,
                key=f"notification:{notice.pk}",
                title=f"Tell {commissioner.name} about your {regulator} rating of {label} by "
                f"{_fmt(change.notify_by)} and send an action plan",
                detail="A rating below Good must be notified within 2 working days [002 §4.3].",
                url=url,
                severity=Alert.Severity.URGENT,
                due_at=due_at,
            )
        )
        alerts.append(
            Alert(
                recipient=commissioner,
                capability=Capability.COMMISSION,
                kind=ALERT_PROVIDER_RATING,
                key=f"notification:{notice.pk}",
                title=f"{provider.name}'s {regulator} rating fell to {label} on {_fmt(change.rated_on)}: "
                f"its notice and action plan are due by {_fmt(change.notify_by)}",
                url=url,
                severity=Alert.Severity.ACTION,
                due_at=due_at,
            )
        )
    raise_alerts(alerts)
    audit.record_many(
        actor=actor, objects=notices, action="notice due", changes={"due_on": [None, change.notify_by]}
    )


@transaction.atomic
def rating_notification_send(
    *, actor, notification: RatingNotification, action_plan=None, summary: str = ""
) -> RatingNotification:
    """The provider tells the council of the rating and sends its action plan (a file, a summary or both)."""
    if notification.notified_at is not None:
        raise ValidationError("You have already sent this notice.")
    summary = summary.strip()
    if not action_plan and not summary:
        raise ValidationError({"action_plan": "Attach the action plan or summarise it."})
    notification.notified_at = timezone.now()
    notification.notified_by = actor if getattr(actor, "is_authenticated", False) else None
    notification.action_plan_summary = summary
    if action_plan:
        notification.action_plan = action_plan
    notification.save()
    key = f"notification:{notification.pk}"
    resolve_matching(
        kind=ALERT_RATING_NOTIFY,
        key=key,
        actor=actor,
        resolution="Notice sent",
        recipient=notification.provider,
    )
    raise_alert(
        recipient=notification.commissioner,
        capability=Capability.COMMISSION,
        kind=ALERT_ACTION_PLAN,
        key=key,
        title=f"{notification.provider.name} sent its action plan for its {notification.change.get_rating_display()} "
        "rating: review it",
        url=notification.get_absolute_url(),
        obj=notification,
    )
    audit.record(
        actor=actor,
        obj=notification,
        action="notice sent",
        changes={"notified_at": [None, notification.notified_at], "late": [None, notification.is_late]},
        note=summary[:500],
    )
    return notification


@transaction.atomic
def rating_notification_accept(
    *, actor, notification: RatingNotification, response: str = ""
) -> RatingNotification:
    """The council accepts the action plan as satisfactory `[002 §4.3]`."""
    if notification.notified_at is None:
        raise ValidationError("The provider has not sent its notice and action plan yet.")
    if notification.accepted_at is not None:
        raise ValidationError("You have already accepted this action plan.")
    notification.accepted_at = timezone.now()
    notification.accepted_by = actor if getattr(actor, "is_authenticated", False) else None
    notification.response = response.strip()
    notification.save(update_fields=["accepted_at", "accepted_by", "response"])
    key = f"notification:{notification.pk}"
    for kind in (ALERT_PROVIDER_RATING, ALERT_ACTION_PLAN):
        resolve_matching(
            kind=kind,
            key=key,
            actor=actor,
            resolution="Action plan accepted",
            recipient=notification.commissioner,
        )
    raise_alert(
        recipient=notification.provider,
        capability=Capability.PROVIDER_MANAGE,
        kind="action-plan-accepted",
        key=key,
        title=f"{notification.commissioner.name} accepted your action plan",
        url=notification.get_absolute_url(),
        severity=Alert.Severity.INFO,
        obj=notification,
    )
    audit.record(
        actor=actor,
        obj=notification,
        action="action plan accepted",
        changes={"accepted_at": [None, notification.accepted_at]},
        note=notification.response,
    )
    return notification


# Insurance and policies ---------------------------------------------------------------------


def _resolve_by_prefix(*, kinds, recipient, prefix, actor, resolution) -> int:
    return (
        Alert.objects.open()
        .filter(kind__in=kinds, recipient=recipient, key__startswith=prefix)
        .update(
            resolved_at=timezone.now(),
            resolution=resolution,
            resolved_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
    )


@transaction.atomic
def insurance_certificate_add(
    *,
    actor,
    provider: Organisation,
    kind: str,
    insurer: str,
    cover_amount: Decimal,
    starts_on: dt.date,
    expires_on: dt.date,
    policy_number: str = "",
    document=None,
) -> InsuranceCertificate:
    """Add a certificate (a renewal is a new certificate). Alerts about the older one are resolved."""
    _require_provider(provider)
    if kind not in InsuranceKind.values:
        raise ValidationError({"kind": "Choose the kind of insurance."})
    certificate = InsuranceCertificate(
        provider=provider,
        kind=kind,
        insurer=insurer.strip(),
        policy_number=policy_number.strip(),
        cover_amount=to_decimal(cover_amount),
        starts_on=starts_on,
        expires_on=expires_on,
    )
    if document:
        certificate.document = document
    certificate.full_clean()
    certificate.save()
    latest = InsuranceCertificate.objects.filter(provider=provider, kind=kind).aggregate(m=Max("expires_on"))[
        "m"
    ]
    if latest == expires_on and expires_on >= timezone.localdate():
        # The new certificate is the current one: the alerts about the old one no longer apply.
        _resolve_by_prefix(
            kinds=[ALERT_INSURANCE_EXPIRING, ALERT_INSURANCE_EXPIRED],
            recipient=provider,
            prefix=f"{provider.pk}:{kind}:",
            actor=actor,
            resolution="A new certificate was added",
        )
    audit.record(
        actor=actor,
        obj=certificate,
        action="insurance added",
        changes={
            "kind": [None, kind],
            "cover_amount": [None, certificate.cover_amount],
            "expires_on": [None, expires_on],
        },
    )
    return certificate


@transaction.atomic
def insurance_requirement_set(
    *, actor, commissioner: Organisation, kind: str, minimum_cover: Decimal, source: str = ""
) -> InsuranceRequirement:
    """Set (or change) the minimum cover a commissioner requires of its providers."""
    if commissioner.kind != OrganisationKind.COMMISSIONER:
        raise ValidationError("Only a commissioner sets insurance requirements.")
    if kind not in InsuranceKind.values:
        raise ValidationError({"kind": "Choose the kind of insurance."})
    minimum_cover = to_decimal(minimum_cover)
    if minimum_cover <= 0:
        raise ValidationError({"minimum_cover": "Give the minimum cover in pounds."})
    existing = InsuranceRequirement.objects.filter(commissioner=commissioner, kind=kind).first()
    before = existing.minimum_cover if existing else None
    requirement, _ = InsuranceRequirement.objects.update_or_create(
        commissioner=commissioner,
        kind=kind,
        defaults={"minimum_cover": minimum_cover, "source": source.strip()},
    )
    if before != requirement.minimum_cover:
        audit.record(
            actor=actor,
            obj=requirement,
            action="requirement set",
            changes={"minimum_cover": [before, requirement.minimum_cover]},
        )
    return requirement


@transaction.atomic
def insurance_requirement_remove(*, actor, requirement: InsuranceRequirement) -> None:
    audit.record(
        actor=actor,
        obj=requirement,
        action="requirement removed",
        changes={"minimum_cover": [requirement.minimum_cover, None]},
    )
    requirement.delete()


@transaction.atomic
def policy_add(
    *,
    actor,
    provider: Organisation,
    kind: str,
    title: str,
    approved_on: dt.date,
    review_due_on: dt.date,
    version: str = "",
    document=None,
) -> ProviderPolicy:
    """Add a policy (a new version of one is a new record; the latest approved is current)."""
    _require_provider(provider)
    if kind not in PolicyKind.values:
        raise ValidationError({"kind": "Choose the kind of policy."})
    if review_due_on < approved_on:
        raise ValidationError({"review_due_on": "The review date must be on or after the approval date."})
    policy = ProviderPolicy(
        provider=provider,
        kind=kind,
        title=title.strip() or PolicyKind(kind).label,
        version=version.strip(),
        approved_on=approved_on,
        review_due_on=review_due_on,
    )
    if document:
        policy.document = document
    policy.full_clean()
    policy.save()
    if review_due_on >= timezone.localdate():
        _resolve_by_prefix(
            kinds=[ALERT_POLICY_DUE, ALERT_POLICY_OVERDUE],
            recipient=provider,
            prefix=f"{provider.pk}:{kind}:",
            actor=actor,
            resolution="A new version was added",
        )
    audit.record(
        actor=actor,
        obj=policy,
        action="policy added",
        changes={"kind": [None, kind], "review_due_on": [None, review_due_on]},
    )
    return policy


# Capacity -----------------------------------------------------------------------------------


def lots_for_capacity(provider):
    """The lots a provider reports capacity for: those it is admitted to or holds a contract on."""
    from procurement.models import LotMembership, MembershipStatus

    return Lot.objects.filter(
        pk__in=LotMembership.objects.filter(provider=provider, status=MembershipStatus.ADMITTED).values(
            "lot_id"
        )
    ) | Lot.objects.filter(pk__in=Contract.objects.filter(provider=provider).values("lot_id"))


@transaction.atomic
def capacity_report(
    *,
    actor,
    provider: Organisation,
    lot: Lot,
    week_starting: dt.date,
    area: str,
    available_hours: Decimal,
    note: str = "",
) -> tuple[CapacitySnapshot, bool]:
    """Report the care hours available in an area in a week `[003 §4.1]`. Reporting the same week
    and area again replaces the figure; the same figure twice changes nothing."""
    _require_provider(provider)
    if not lots_for_capacity(provider).filter(pk=lot.pk).exists():
        raise ValidationError({"lot": "You can report capacity only for lots you are on."})
    area = " ".join(area.split())
    if not area:
        raise ValidationError({"area": "Name the area."})
    hours = to_decimal(available_hours)
    if hours < 0:
        raise ValidationError({"available_hours": "Hours cannot be negative."})
    week = monday_of(week_starting)
    if week > monday_of(timezone.localdate()) + dt.timedelta(weeks=1):
        raise ValidationError({"week_starting": "Report this week or next, not further ahead."})
    snapshot = CapacitySnapshot.objects.filter(
        provider=provider, lot=lot, week_starting=week, area__iexact=area
    ).first()
    if snapshot is not None and snapshot.available_hours == hours and snapshot.note == note:
        return snapshot, False
    created = snapshot is None
    before = None if created else snapshot.available_hours
    if created:
        snapshot = CapacitySnapshot(
            provider=provider, lot=lot, week_starting=week, area=area
        ).fill_commissioner()
    snapshot.available_hours = hours
    snapshot.note = note
    snapshot.reported_by = actor if getattr(actor, "is_authenticated", False) else None
    snapshot.full_clean()
    snapshot.save()
    audit.record(
        actor=actor,
        obj=snapshot,
        action="capacity reported" if created else "capacity revised",
        changes={"available_hours": [before, hours]},
    )
    return snapshot, created


# The periodic check -------------------------------------------------------------------------


def _latest_per(model, date_field: str, order: list[str]):
    """The latest record of each (provider, kind), chosen in SQL."""
    latest = (
        model.objects.filter(provider=OuterRef("provider"), kind=OuterRef("kind"))
        .order_by(*order)
        .values("pk")[:1]
    )
    return model.objects.filter(pk=Subquery(latest))


def current_certificates():
    return _latest_per(InsuranceCertificate, "expires_on", ["-expires_on", "-id"])


def current_policies():
    return _latest_per(ProviderPolicy, "approved_on", ["-approved_on", "-id"])


def compliance_alerts_raise(*, today: dt.date) -> int:
    """Raise alerts for items expiring within 30 days and overdue items, and resolve the alerts
    whose condition no longer holds. Set-based: a fixed number of queries, one insert."""
    from procurement.models import LotMembership, MembershipStatus
    from workforce.models import StaffMember
    from workforce.rules import TrainingState
    from workforce.selectors import training_gaps_by_provider

    kind_labels = dict(InsuranceKind.choices)
    policy_labels = dict(PolicyKind.choices)
    alerts: list[Alert] = []
    wanted: set[tuple[int, str, str]] = set()

    def want(alert: Alert):
        wanted.add((alert.recipient_id, alert.kind, alert.key))
        alerts.append(alert)

    compliance_url = lambda pid: reverse("compliance:provider-detail", args=[pid])  # noqa: E731

    certificates = list(current_certificates().values("provider_id", "kind", "expires_on", "cover_amount"))
    by_provider_kind = {(c["provider_id"], c["kind"]): c for c in certificates}
    for c in certificates:
        state = rules.expiry_state(c["expires_on"], today)
        label = kind_labels.get(c["kind"], c["kind"])
        key = f"{c['provider_id']}:{c['kind']}:{c['expires_on'].isoformat()}"
        if state == rules.ExpiryState.EXPIRED:
            want(
                Alert(
                    recipient_id=c["provider_id"],
                    capability=Capability.PROVIDER_MANAGE,
                    kind=ALERT_INSURANCE_EXPIRED,
                    key=key,
                    title=f"Your {label.lower()} insurance expired on {_fmt(c['expires_on'])}: add the new certificate",
                    url=compliance_url(c["provider_id"]),
                    severity=Alert.Severity.URGENT,
                )
            )
        elif state == rules.ExpiryState.EXPIRING:
            want(
                Alert(
                    recipient_id=c["provider_id"],
                    capability=Capability.PROVIDER_MANAGE,
                    kind=ALERT_INSURANCE_EXPIRING,
                    key=key,
                    title=f"Your {label.lower()} insurance expires on {_fmt(c['expires_on'])}",
                    url=compliance_url(c["provider_id"]),
                    due_at=end_of_day(c["expires_on"]),
                )
            )

    # Councils: gaps against their own requirements, for the providers they work with now.
    partners: dict[int, set[int]] = defaultdict(set)
    for commissioner_id, provider_id in Contract.objects.live_on(today).values_list(
        "commissioner_id", "provider_id"
    ):
        partners[commissioner_id].add(provider_id)
    for commissioner_id, provider_id in LotMembership.objects.filter(
        status=MembershipStatus.ADMITTED
    ).values_list("commissioner_id", "provider_id"):
        partners[commissioner_id].add(provider_id)
    names = dict(Organisation.objects.filter(kind=OrganisationKind.PROVIDER).values_list("pk", "name"))
    for req in InsuranceRequirement.objects.values("commissioner_id", "kind", "minimum_cover"):
        label = kind_labels.get(req["kind"], req["kind"]).lower()
        for provider_id in sorted(partners.get(req["commissioner_id"], ())):
            name = names.get(provider_id, "A provider")
            cert = by_provider_kind.get((provider_id, req["kind"]))
            if cert is None:
                problem, title = "missing", f"{name} has no {label} insurance on record"
            elif cert["expires_on"] < today:
                problem = f"expired:{cert['expires_on'].isoformat()}"
                title = f"{name}'s {label} insurance expired on {_fmt(cert['expires_on'])}"
            elif cert["cover_amount"] < req["minimum_cover"]:
                problem = f"below:{cert['cover_amount']}"
                title = (
                    f"{name}'s {label} cover of £{cert['cover_amount']:,.0f} is below the "
                    f"£{req['minimum_cover']:,.0f} you require"
                )
            else:
                continue
            want(
                Alert(
                    recipient_id=req["commissioner_id"],
                    capability=Capability.COMMISSION,
                    kind=ALERT_PROVIDER_INSURANCE,
                    key=f"{provider_id}:{req['kind']}:{problem}",
                    title=title,
                    url=compliance_url(provider_id),
                )
            )

    for p in current_policies().values("provider_id", "kind", "review_due_on"):
        state = rules.expiry_state(p["review_due_on"], today)
        label = policy_labels.get(p["kind"], p["kind"])
        key = f"{p['provider_id']}:{p['kind']}:{p['review_due_on'].isoformat()}"
        if state == rules.ExpiryState.EXPIRED:
            want(
                Alert(
                    recipient_id=p["provider_id"],
                    capability=Capability.PROVIDER_MANAGE,
                    kind=ALERT_POLICY_OVERDUE,
                    key=key,
                    title=f"Your {label.lower()} policy was due for review on {_fmt(p['review_due_on'])}",
                    url=compliance_url(p["provider_id"]),
                )
            )
        elif state == rules.ExpiryState.EXPIRING:
            want(
                Alert(
                    recipient_id=p["provider_id"],
                    capability=Capability.PROVIDER_MANAGE,
                    kind=ALERT_POLICY_DUE,
                    key=key,
                    title=f"Your {label.lower()} policy is due for review by {_fmt(p['review_due_on'])}",
                    url=compliance_url(p["provider_id"]),
                    due_at=end_of_day(p["review_due_on"]),
                )
            )

    month = today.strftime("%Y-%m")
    for provider_id, counts in training_gaps_by_provider(StaffMember.objects.all(), today).items():
        overdue, not_done = counts[TrainingState.OVERDUE], counts[TrainingState.NOT_DONE]
        if overdue or not_done:
            want(
                Alert(
                    recipient_id=provider_id,
                    capability=Capability.PROVIDER_RECORD,
                    kind=ALERT_TRAINING,
                    key=f"{provider_id}:{month}",
                    title=f"Training: {overdue} item{'s' if overdue != 1 else ''} overdue and {not_done} not done",
                    url=reverse("workforce:training-matrix"),
                )
            )

    created = raise_alerts(alerts)
    # Conditions that no longer hold (renewed, reviewed, trained): resolve their open alerts.
    stale = [
        a.pk
        for a in Alert.objects.open().filter(kind__in=SYNCED_KINDS).only("pk", "recipient_id", "kind", "key")
        if (a.recipient_id, a.kind, a.key) not in wanted
    ]
    if stale:
        Alert.objects.filter(pk__in=stale).update(resolved_at=timezone.now(), resolution="No longer applies")
    return created
