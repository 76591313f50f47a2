"""Inspections and the notices each council's terms ask for `[004 §8.1.7]`, `[002 §4.3]`.

Recording an inspection's outcome opens a notice to each council holding a live contract with the
provider whose terms ask for one (`rules.notice_deadline`): the outcome and report within its hours,
a rating below Good within its working days. The notice is sent without waiting for the action
plan; the council agrees the plan's timescale, and accepts the plan or returns it with comments."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from portal import audit
from portal.alerts import AlertKind, new_alert, raise_alert, raise_alerts, resolve_matching
from portal.models import Alert, CqcRating, Organisation, User

from .. import alerts, rules
from ..models import (
    NOTICE_WORKFLOW,
    ComplianceTerms,
    NoticeStatus,
    OfstedRegistration,
    RatingChange,
    RatingNotification,
    Regulator,
)
from ..selectors import commissioners_with_live_contracts
from .common import _require_provider, _user

fmt_day = rules.fmt_day


# Registration and ratings -------------------------------------------------------------------


def _record_cqc(
    provider: Organisation, location_id: str, rating: str, rated_on: dt.date
) -> tuple[str, dict, str]:
    """Update the provider's CQC registration; (previous rating, changes, location ID)."""
    fields = ["cqc_location_id", "cqc_rating", "cqc_rating_date"]
    previous, before = provider.cqc_rating, audit.snapshot(provider, fields)
    if location_id:
        provider.cqc_location_id = location_id
    if not provider.cqc_location_id:
        raise ValidationError({"location_id": "Give your CQC location ID."})
    if provider.cqc_rating_date is None or rated_on >= provider.cqc_rating_date:
        provider.cqc_rating, provider.cqc_rating_date = rating, rated_on
    provider.save(update_fields=[*fields, "updated_at"])
    return previous, audit.diff(before, audit.snapshot(provider, fields)), provider.cqc_location_id


def _record_ofsted(
    provider: Organisation, location_id: str, rating: str, rated_on: dt.date
) -> tuple[str, dict, str]:
    """Update (or start) the provider's Ofsted registration; (previous rating, changes, URN)."""
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
    return (
        previous,
        audit.diff(before, {"urn": registration.urn, "rating": registration.rating}),
        registration.urn,
    )


@transaction.atomic
def rating_record(
    *,
    actor: User | None,
    provider: Organisation,
    rating: str,
    rated_on: dt.date,
    regulator: str = Regulator.CQC,
    location_id: str = "",
    note: str = "",
    report_received_at: dt.datetime | None = None,
) -> RatingChange:
    """Record an inspection's outcome (a CQC or Ofsted rating) and update the provider's
    registration; open the notices the councils' terms ask for and alert them. `report_received_at`
    (when the provider received the report) starts Norfolk's 24 hours; it defaults to now."""
    _require_provider(provider)
    if rating not in CqcRating.values:
        raise ValidationError({"rating": "Choose a rating."})
    now = timezone.now()
    if rated_on > timezone.localdate():
        raise ValidationError({"rated_on": "The rating's date cannot be in the future."})
    received = report_received_at or now
    if received > now:
        raise ValidationError({"report_received_at": "The report cannot be received in the future."})
    if regulator == Regulator.CQC:
        previous, changes, location = _record_cqc(provider, location_id.strip(), rating, rated_on)
    elif regulator == Regulator.OFSTED:
        previous, changes, location = _record_ofsted(provider, location_id.strip(), rating, rated_on)
    else:
        raise ValidationError({"regulator": "Choose CQC or Ofsted."})
    change = RatingChange.objects.create(
        provider=provider,
        regulator=regulator,
        location_id=location,
        previous_rating=previous,
        rating=rating,
        rated_on=rated_on,
        report_received_at=received,
        note=note,
        recorded_by=_user(actor),
    )
    audit.record(actor=actor, obj=change, action="rating recorded", changes=changes, note=note)
    notices = _open_notices(actor=actor, change=change)
    if notices:
        change.notify_by = min(n.due_on for n in notices)
        change.save(update_fields=["notify_by"])
    return change


def _open_notices(*, actor: User | None, change: RatingChange) -> list[RatingNotification]:
    provider = change.provider
    label = CqcRating(change.rating).label
    regulator = "CQC" if change.regulator == Regulator.CQC else "Ofsted"
    commissioners = list(commissioners_with_live_contracts(provider, timezone.localdate()))
    terms = {t.commissioner_id: t for t in ComplianceTerms.objects.filter(commissioner__in=commissioners)}
    owed = []
    for commissioner in commissioners:
        t = terms.get(commissioner.pk)
        if t is None:
            continue
        deadline = rules.notice_deadline(
            rules.NoticeTerms(t.inspection_report_hours, t.rating_notice_working_days),
            rating=change.rating,
            rated_on=change.rated_on,
            report_received_at=change.report_received_at or timezone.now(),
        )
        if deadline is not None:
            owed.append((commissioner, deadline))
    notices = RatingNotification.objects.bulk_create(
        RatingNotification(
            change=change,
            commissioner=commissioner,
            provider=provider,
            due_on=deadline.due_on,
            due_at=deadline.due_at,
            report_required=deadline.report_required,
            plan_required=deadline.plan_required,
        )
        for commissioner, deadline in owed
    )
    new_alerts = []
    for notice, (commissioner, deadline) in zip(notices, owed, strict=True):
        by = f"{timezone.localtime(deadline.due_at):%H:%M} on {fmt_day(deadline.due_on)}"
        what = " and send a copy of the report" if deadline.report_required else ""
        plan = "; your action plan follows on a timescale they agree" if deadline.plan_required else ""
        common: dict[str, Any] = {
            "key": f"notification:{notice.pk}",
            "url": notice.get_absolute_url(),
            "due_at": deadline.due_at,
        }
        new_alerts.append(
            new_alert(
                kind=alerts.RATING_NOTIFY,
                recipient=provider,
                title=f"Tell {commissioner.name} of your {regulator} rating of {label}{what} by {by}{plan}",
                detail="[004 §8.1.7]: every inspection's outcome and report within the council's hours; "
                "[002 §4.3]: a rating below Good within its working days.",
                severity=Alert.Severity.URGENT,
                **common,
            )
        )
        if deadline.plan_required:
            new_alerts.append(
                new_alert(
                    kind=alerts.PROVIDER_RATING,
                    recipient=commissioner,
                    title=f"{provider.name}'s {regulator} rating fell to {label} on "
                    f"{fmt_day(change.rated_on)}: its notice is due by {by}; agree the action plan's timescale",
                    **common,
                )
            )
    raise_alerts(new_alerts)
    for notice in notices:
        audit.record(
            actor=actor,
            obj=notice,
            action="notice due",
            changes={"due_at": [None, notice.due_at], "plan_required": [None, notice.plan_required]},
        )
    return notices


def _notice_alert(
    notification: RatingNotification, *, kind: AlertKind, recipient: Organisation, title: str, **fields: Any
) -> None:
    raise_alert(
        recipient=recipient,
        kind=kind,
        key=f"notification:{notification.pk}",
        title=title,
        url=notification.get_absolute_url(),
        obj=notification,
        **fields,
    )


def _resolve(
    notification: RatingNotification, kind: AlertKind, recipient: Organisation, actor: User | None, why: str
) -> None:
    resolve_matching(
        kind=kind, key=f"notification:{notification.pk}", actor=actor, resolution=why, recipient=recipient
    )


@transaction.atomic
def rating_notification_send(
    *,
    actor: User | None,
    notification: RatingNotification,
    summary: str = "",
    report: File | None = None,
    action_plan: File | None = None,
) -> RatingNotification:
    """The provider tells the council the outcome (a summary, the report or both). It does not
    wait for the action plan; one sent with it goes on to the council too."""
    NOTICE_WORKFLOW.check(notification, "send")
    summary = summary.strip()
    if notification.report_required and not report and not summary:
        raise ValidationError({"report": "Attach the inspection report or summarise its outcome."})
    if not report and not summary and not action_plan:
        raise ValidationError({"summary": "Say what the inspection found."})
    notification.notified_at, notification.notified_by = timezone.now(), _user(actor)
    notification.action_plan_summary = summary
    if report:
        notification.report = report
    NOTICE_WORKFLOW.apply(
        notification,
        "send",
        actor=actor,
        note=summary[:500],
        changes={"notified_at": [None, notification.notified_at], "late": [None, notification.is_late]},
    )
    _resolve(notification, alerts.RATING_NOTIFY, notification.provider, actor, "Notice sent")
    _notice_alert(
        notification,
        kind=alerts.INSPECTION_REPORT,
        recipient=notification.commissioner,
        title=f"{notification.provider.name} sent the outcome of its inspection "
        f"({notification.change.get_rating_display()})",
        severity=Alert.Severity.INFO,
    )
    if action_plan and notification.plan_required:
        rating_notification_submit_plan(actor=actor, notification=notification, action_plan=action_plan)
    return notification


@transaction.atomic
def rating_notification_agree_timescale(
    *, actor: User | None, notification: RatingNotification, plan_due_on: dt.date
) -> RatingNotification:
    """The council agrees when the action plan is due `[002 §4.3]`; the provider is told."""
    if not notification.plan_required:
        raise ValidationError("This notice needs no action plan.")
    if notification.status == NoticeStatus.ACCEPTED:
        raise ValidationError("The action plan is already accepted.")
    if plan_due_on < notification.change.rated_on:
        raise ValidationError({"plan_due_on": "The plan cannot be due before the rating."})
    audit.save_changes(
        notification,
        {"plan_due_on": plan_due_on},
        fields=["plan_due_on"],
        actor=actor,
        action="action plan timescale agreed",
    )
    _resolve(notification, alerts.PROVIDER_RATING, notification.commissioner, actor, "Timescale agreed")
    if notification.status in (NoticeStatus.DUE, NoticeStatus.SENT, NoticeStatus.RETURNED):
        _notice_alert(
            notification,
            kind=alerts.ACTION_PLAN_DUE,
            recipient=notification.provider,
            title=f"{notification.commissioner.name} asks for your action plan by {fmt_day(plan_due_on)}",
            due_at=rules.end_of_day(plan_due_on),
        )
    return notification


@transaction.atomic
def rating_notification_submit_plan(
    *,
    actor: User | None,
    notification: RatingNotification,
    action_plan: File | None = None,
    summary: str = "",
) -> RatingNotification:
    """The provider sends its action plan (a file, a summary or both), first or again after the
    council returned it."""
    if not notification.plan_required:
        raise ValidationError("This notice needs no action plan.")
    NOTICE_WORKFLOW.check(notification, "submit_plan")
    summary = summary.strip()
    if not action_plan and not summary:
        raise ValidationError({"action_plan": "Attach the action plan or summarise it."})
    if action_plan:
        notification.action_plan = action_plan
    if summary:
        notification.action_plan_summary = summary
    notification.plan_sent_at = timezone.now()
    NOTICE_WORKFLOW.apply(
        notification,
        "submit_plan",
        actor=actor,
        note=summary[:500],
        changes={
            "plan_sent_at": [None, notification.plan_sent_at],
            "late": [None, notification.plan_is_late],
        },
    )
    _resolve(notification, alerts.ACTION_PLAN_DUE, notification.provider, actor, "Action plan sent")
    # Each return raised its own alert (keyed by when): resolve them all.
    Alert.objects.open().filter(
        kind=alerts.ACTION_PLAN_RETURNED.code,
        recipient=notification.provider,
        key__startswith=f"notification:{notification.pk}:",
    ).update(resolved_at=timezone.now(), resolution="Action plan sent", resolved_by=_user(actor))
    _notice_alert(
        notification,
        kind=alerts.ACTION_PLAN,
        recipient=notification.commissioner,
        title=f"{notification.provider.name} sent its action plan for its "
        f"{notification.change.get_rating_display()} rating: review it",
    )
    return notification


def _answer(notification: RatingNotification, action: str, actor: User | None, response: str) -> None:
    notification.accepted_at, notification.accepted_by = timezone.now(), _user(actor)
    notification.response = response
    NOTICE_WORKFLOW.apply(
        notification,
        action,
        actor=actor,
        note=response,
        update_fields=["accepted_at", "accepted_by", "response"],
        changes={"answered_at": [None, notification.accepted_at]},
    )
    for kind in (alerts.PROVIDER_RATING, alerts.ACTION_PLAN):
        _resolve(
            notification, kind, notification.commissioner, actor, NOTICE_WORKFLOW[action].verb.capitalize()
        )


@transaction.atomic
def rating_notification_accept(
    *, actor: User | None, notification: RatingNotification, response: str = ""
) -> RatingNotification:
    """The council accepts the action plan as satisfactory `[002 §4.3]`."""
    if notification.status in (NoticeStatus.DUE, NoticeStatus.SENT):
        raise ValidationError("The provider has not sent its action plan yet.")
    _answer(notification, "accept", actor, response.strip())
    _notice_alert(
        notification,
        kind=alerts.ACTION_PLAN_ACCEPTED,
        recipient=notification.provider,
        title=f"{notification.commissioner.name} accepted your action plan",
        severity=Alert.Severity.INFO,
    )
    return notification


@transaction.atomic
def rating_notification_return(
    *, actor: User | None, notification: RatingNotification, response: str = ""
) -> RatingNotification:
    """The council returns the action plan with its comments; the provider sends another."""
    response = response.strip()
    if not response:
        raise ValidationError({"response": "Say what the plan must address."})
    _answer(notification, "return", actor, response)
    raise_alert(
        recipient=notification.provider,
        kind=alerts.ACTION_PLAN_RETURNED,
        key=f"notification:{notification.pk}:{notification.accepted_at:%Y%m%d%H%M%S}",
        title=f"{notification.commissioner.name} returned your action plan: {response[:150]}",
        url=notification.get_absolute_url(),
        obj=notification,
    )
    return notification
