"""Writes on visits: one visit by form or API, the missed-visit explanation, and the alerts that
follow from what providers record. Keyword-only, atomic, audited.

Alerts `[004 §1.6.1, §3.2.7, §3.6.15, §8.14]`:
  - no actual start 30 minutes after the scheduled start (15 if time-critical; per contract) →
    the provider (`late_visit_alerts_raise`, every few minutes);
  - a missed visit → the provider must explain it and say how it will be put right within 24
    hours of the visit's time (an alert with that due time), and the council's brokerage sees it;
  - the 2nd and 3rd consecutive short-notice cancellation or aborted visit for one person → the
    council (`run_notifications_raise`);
  - delivered hours over the +20% tolerance for 4 consecutive weeks → the council's brokerage
    (`tolerance_alerts_raise`, daily).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone

from portal import audit
from portal.alerts import raise_alerts
from portal.models import Alert
from portal.roles import Capability

from . import selectors, tolerance
from .models import LONDON, Visit, VisitStatus
from .rules import NOTIFICATION_RUN_STATUSES
from .validation import VisitInput, check_visits
from .visit_uploads import apply_input, snapshot_visit

LATE = "visit_late"
MISSED_EXPLAIN = "visit_missed_explain"
MISSED_COUNCIL = "visit_missed"
RUN_NOTICE = "visit_run_notice"
OVER_TOLERANCE = "hours_over_tolerance"

EXPLAIN_WITHIN = dt.timedelta(hours=24)  # [004 §3.6.15]


def visits_setting(name: str, default):
    return getattr(settings, "VISITS", {}).get(name, default)


def _problems_to_error(problems) -> ValidationError:
    errors = defaultdict(list)
    for p in problems:
        errors[p.field].append(p.message)
    return ValidationError(dict(errors))


# One visit (form, single API) ------------------------------------------------------------------


@transaction.atomic
def visit_record(*, actor, order, values: dict, source: str, now=None) -> tuple[Visit, bool]:
    """Record a visit against an order the actor's organisation holds. If the same visit (order,
    scheduled start, carer) is already recorded it is updated instead, so sending it twice
    creates one visit. Returns (visit, created)."""
    now = now or timezone.now()
    visit_input = VisitInput(row=1, order=order, **_input_values(values))
    problems = check_visits([visit_input], user=actor, now=now)
    if problems:
        raise _problems_to_error(problems)
    prepared = apply_input(visit_input, source=source, now=now)
    return _save_one(prepared, actor=actor, note=f"by {source}"), prepared.is_new


@transaction.atomic
def visit_update(*, actor, visit: Visit, values: dict, source: str, now=None) -> Visit:
    """Correct a recorded visit (its start and carer too). Same checks as any submission."""
    now = now or timezone.now()
    visit = Visit.objects.select_for_update().select_related("order").get(pk=visit.pk)
    current = {f: getattr(visit, f) for f in VisitInput.VALUE_FIELDS}
    current.update(_input_values(values))
    if current.get("status") != VisitStatus.MISSED:
        current["missed_explanation"] = current["missed_remedy"] = ""
    visit_input = VisitInput(row=1, order=visit.order, pk=visit.pk, **current)
    problems = check_visits([visit_input], user=actor, now=now)
    if problems:
        raise _problems_to_error(problems)
    key_before = {"scheduled_start": visit.scheduled_start, "carer_reference": visit.carer_reference}
    prepared = apply_input(visit_input, source=source, now=now)
    key_changes = {
        k: [audit._jsonable(v), audit._jsonable(getattr(prepared.instance, k))]
        for k, v in key_before.items()
        if v != getattr(prepared.instance, k)
    }
    return _save_one(prepared, actor=actor, note=f"by {source}", extra_changes=key_changes)


def _input_values(values: dict) -> dict:
    allowed = set(VisitInput.VALUE_FIELDS)
    cleaned = {k: v for k, v in values.items() if k in allowed}
    for key in ("scheduled_start", "scheduled_end", "actual_start", "actual_end", "cancelled_at"):
        if cleaned.get(key) is not None:
            cleaned[key] = cleaned[key].astimezone(dt.UTC)
    for key in (
        "second_carer_reference",
        "cancellation_reason",
        "manual_reason",
        "missed_explanation",
        "missed_remedy",
    ):
        if key in cleaned and cleaned[key] is None:
            cleaned[key] = ""
    return cleaned


def _save_one(prepared, *, actor, note: str, extra_changes=None) -> Visit:
    visit = prepared.instance
    after = snapshot_visit(visit)
    changes = {**(extra_changes or {}), **(audit.diff(prepared.before, after) if prepared.before else {})}
    if not prepared.is_new and not changes:
        return visit  # identical: nothing to write
    visit.save()
    if prepared.is_new:
        audit.record(actor=actor, obj=visit, action="recorded", note=note)
        visits_after_write(created=[visit], changed=[])
    else:
        audit.record(actor=actor, obj=visit, action="updated", changes=changes, note=note)
        visits_after_write(created=[], changed=[(visit, prepared.before)])
    return visit


@transaction.atomic
def visit_explain_missed(*, actor, visit: Visit, explanation: str, remedy: str) -> Visit:
    """The provider's explanation of a missed visit and how it will be put right, due within
    24 hours of the visit's time `[004 §3.6.15]`; the council's alert carries it."""
    visit = Visit.objects.select_for_update().select_related("order__service_user").get(pk=visit.pk)
    if visit.status != VisitStatus.MISSED:
        raise ValidationError("Only a missed visit is explained.")
    explanation, remedy = explanation.strip(), remedy.strip()
    errors = {}
    if not explanation:
        errors["explanation"] = "Say why the visit was missed."
    if not remedy:
        errors["remedy"] = "Say what has been done, or will be done, to put it right."
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(visit, ["missed_explanation", "missed_remedy"])
    visit.missed_explanation, visit.missed_remedy = explanation, remedy
    visit.missed_explained_at = visit.missed_explained_at or timezone.now()
    visit.save(update_fields=["missed_explanation", "missed_remedy", "missed_explained_at", "updated_at"])
    audit.record(
        actor=actor,
        obj=visit,
        action="missed visit explained",
        changes=audit.diff(before, audit.snapshot(visit, ["missed_explanation", "missed_remedy"])),
    )
    _explanations_passed_on(Visit.objects.filter(pk=visit.pk))
    return visit


# What follows a write ---------------------------------------------------------------------------


def visits_after_write(*, created: list[Visit], changed: list[tuple[Visit, dict]]) -> None:
    """Alerts that follow from visits just written (in the same transaction)."""
    written = created + [v for v, _b in changed]
    if not written:
        return
    ids = [v.pk for v in written]
    newly_missed = [v.pk for v in created if v.status == VisitStatus.MISSED] + [
        v.pk for v, b in changed if v.status == VisitStatus.MISSED and b.get("status") != VisitStatus.MISSED
    ]
    no_longer_missed = [
        v.pk for v, b in changed if b.get("status") == VisitStatus.MISSED and v.status != VisitStatus.MISSED
    ]
    for chunk in _chunks(newly_missed):
        missed_alerts_raise(Visit.objects.filter(pk__in=chunk))
    for chunk in _chunks(no_longer_missed):
        missed_alerts_withdraw(Visit.objects.filter(pk__in=chunk))
    explained = [v.pk for v in written if v.status == VisitStatus.MISSED and v.missed_explained_at]
    for chunk in _chunks(explained):
        _explanations_passed_on(Visit.objects.filter(pk__in=chunk))
    for chunk in _chunks(ids):
        late_alerts_resolve_cleared(Visit.objects.filter(pk__in=chunk))
    counted = set(NOTIFICATION_RUN_STATUSES)
    run_visits = [v for v in created if v.status in counted] + [
        v for v, b in changed if v.status in counted or b.get("status") in counted
    ]
    if run_visits:
        order_ids = sorted({v.order_id for v in run_visits})
        start = min(v.visit_date for v in run_visits)
        from packages_of_care.models import IndividualServiceOrder

        run_notifications_raise(orders=IndividualServiceOrder.objects.filter(pk__in=order_ids), start=start)


def _chunks(items, size=2000):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _in_chunks(queryset, *related, size=2000):
    """The visits of a queryset, fetched 2,000 at a time by id. (Not `.iterator()`: PostgreSQL
    plans a server-side cursor for its first rows, which can turn a join into a nested loop.)"""
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    for chunk in _chunks(ids, size):
        yield from Visit.objects.filter(pk__in=chunk).select_related(*related).order_by("pk")


def _person(visit) -> str:
    return visit.order.service_user.name if visit.order.service_user_id else visit.order.reference


def _local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value, LONDON)


@functools.lru_cache(maxsize=1)
def _visit_url_pattern() -> str:
    return reverse("visits:visit-detail", args=[987654321]).replace("987654321", "{pk}")


def _visit_url(pk: int) -> str:
    return _visit_url_pattern().format(pk=pk)


def _alert(
    *, visit, recipient_id, capability, kind, title, detail="", severity=Alert.Severity.ACTION, due_at=None
):
    return Alert(
        recipient_id=recipient_id,
        capability=capability,
        kind=kind,
        key=f"visit:{visit.pk}",
        title=title[:300],
        detail=detail,
        url=_visit_url(visit.pk),
        severity=severity,
        due_at=due_at,
        content_type=ContentType.objects.get_for_model(Visit),
        object_id=str(visit.pk),
    )


def missed_alerts_raise(visits: QuerySet) -> int:
    """For each missed visit: the provider must explain it within 24 hours of its time, and the
    council's brokerage is told `[004 §3.6.15]`. Idempotent."""
    alerts = []
    raised = 0
    for visit in _in_chunks(visits.filter(status=VisitStatus.MISSED), "order__service_user"):
        start = _local(visit.scheduled_start)
        due = visit.scheduled_start + EXPLAIN_WITHIN
        what = f"the {start:%H:%M} visit to {_person(visit)} ({visit.order.reference}) on {start:%d %b %Y}"
        if not visit.missed_explained_at:
            alerts.append(
                _alert(
                    visit=visit,
                    recipient_id=visit.provider_id,
                    capability=Capability.PROVIDER_RECORD,
                    kind=MISSED_EXPLAIN,
                    title=f"Explain the missed visit: {what}",
                    detail="Tell the council why it was missed and how it is being put right, within 24 hours.",
                    severity=Alert.Severity.URGENT,
                    due_at=due,
                )
            )
        alerts.append(
            _alert(
                visit=visit,
                recipient_id=visit.commissioner_id,
                capability=Capability.BROKER,
                kind=MISSED_COUNCIL,
                title=f"Missed visit: {what}",
                detail=_council_detail(visit, due),
                due_at=None,
            )
        )
        if len(alerts) >= 2000:
            raised += raise_alerts(alerts)
            alerts = []
    return raised + raise_alerts(alerts)


def _council_detail(visit, due) -> str:
    if visit.missed_explained_at:
        return f"Explanation: {visit.missed_explanation} Remedy: {visit.missed_remedy}"
    return f"The provider's explanation and remedy are due by {_local(due):%d %b %Y %H:%M}."


def _explanations_passed_on(visits: QuerySet) -> None:
    """Once explained: the provider's alert is done, and the council's carries the explanation."""
    now = timezone.now()
    for visit in visits.filter(status=VisitStatus.MISSED, missed_explained_at__isnull=False):
        key = f"visit:{visit.pk}"
        Alert.objects.open().filter(kind=MISSED_EXPLAIN, key=key).update(
            resolved_at=now, resolution="Explanation and remedy recorded."
        )
        Alert.objects.filter(kind=MISSED_COUNCIL, key=key).update(detail=_council_detail(visit, None))


def missed_alerts_withdraw(visits: QuerySet) -> int:
    """A visit corrected from missed to something else: its missed-visit alerts are closed."""
    keys = [f"visit:{pk}" for pk in visits.values_list("pk", flat=True)]
    return (
        Alert.objects.open()
        .filter(kind__in=(MISSED_EXPLAIN, MISSED_COUNCIL), key__in=keys)
        .update(resolved_at=timezone.now(), resolution="The visit is no longer recorded as missed.")
    )


def late_alerts_resolve_cleared(visits: QuerySet | None = None) -> int:
    """Late-visit alerts whose visit has since started (or been given another status)."""
    open_late = Alert.objects.open().filter(kind=LATE)
    if visits is not None:
        open_late = open_late.filter(key__in=[f"visit:{pk}" for pk in visits.values_list("pk", flat=True)])
    ids = {int(a.object_id): a.pk for a in open_late.only("pk", "object_id") if a.object_id.isdigit()}
    if not ids:
        return 0
    cleared = Visit.objects.filter(pk__in=list(ids)).filter(
        Q(actual_start__isnull=False) | ~Q(status=VisitStatus.SCHEDULED)
    )
    gone = set(ids) - set(Visit.objects.filter(pk__in=list(ids)).values_list("pk", flat=True))
    to_resolve = [ids[pk] for pk in cleared.values_list("pk", flat=True)] + [ids[pk] for pk in gone]
    return Alert.objects.filter(pk__in=to_resolve).update(
        resolved_at=timezone.now(), resolution="The visit has started or has been recorded."
    )


def late_visit_alerts_raise(*, now: dt.datetime | None = None) -> int:
    """Alert providers to visits with no actual start `late_visit_minutes` after the scheduled
    start (`late_visit_minutes_time_critical` for time-critical visits), per contract
    `[004 §8.14]`. Elapsed minutes, so the clock change does not delay an alert. Visits more than
    `LATE_LOOKBACK_HOURS` overdue are left to the missed-visit process. Set-based: one query per
    distinct pair of contract thresholds (a handful), then one insert."""
    from schemes.models import Contract

    now = now or timezone.now()
    lookback = now - dt.timedelta(hours=visits_setting("LATE_LOOKBACK_HOURS", 24))
    thresholds = Contract.objects.values_list(
        "late_visit_minutes", "late_visit_minutes_time_critical"
    ).distinct()
    condition = Q(pk__in=[])
    for normal, critical in thresholds:
        condition |= Q(
            order__contract__late_visit_minutes=normal,
            order__contract__late_visit_minutes_time_critical=critical,
        ) & (
            Q(time_critical=False, scheduled_start__lte=now - dt.timedelta(minutes=normal))
            | Q(time_critical=True, scheduled_start__lte=now - dt.timedelta(minutes=critical))
        )
    late = Visit.objects.filter(
        status=VisitStatus.SCHEDULED, actual_start__isnull=True, scheduled_start__gte=lookback
    ).filter(condition)
    alerts = []
    for visit in _in_chunks(late, "order__service_user", "order__contract"):
        start = _local(visit.scheduled_start)
        minutes = (
            visit.order.contract.late_visit_minutes_time_critical
            if visit.time_critical
            else visit.order.contract.late_visit_minutes
        )
        critical = "time-critical " if visit.time_critical else ""
        alerts.append(
            _alert(
                visit=visit,
                recipient_id=visit.provider_id,
                capability=Capability.PROVIDER_RECORD,
                kind=LATE,
                title=f"No start recorded for the {critical}{start:%H:%M} visit to {_person(visit)} "
                f"({visit.order.reference}) on {start:%d %b %Y}",
                detail=f"Nobody has logged in {minutes} minutes after the scheduled start. Check the carer is on "
                "the way; if the visit did not happen, record it as missed and explain why.",
                severity=Alert.Severity.URGENT if visit.time_critical else Alert.Severity.ACTION,
            )
        )
    raised = raise_alerts(alerts)
    late_alerts_resolve_cleared()
    return raised


def run_notifications_raise(*, orders: QuerySet, start: dt.date, end: dt.date = dt.date(9999, 12, 31)) -> int:
    """The 2nd and 3rd consecutive short-notice cancellation or aborted visit for one person are
    notified to the council at once `[004 §1.6.1]`. Idempotent (one alert per visit)."""
    positions = selectors.run_positions(
        orders=orders, start=start, end=end, counted=NOTIFICATION_RUN_STATUSES
    )
    notify = {pk: position for pk, position in positions.items() if position in (2, 3)}
    if not notify:
        return 0
    alerts = []
    for chunk in _chunks(sorted(notify)):
        for visit in Visit.objects.filter(pk__in=chunk).select_related("order__service_user"):
            start_at = _local(visit.scheduled_start)
            what = "aborted visit" if visit.status == VisitStatus.ABORTED else "short-notice cancellation"
            ordinal = {2: "2nd", 3: "3rd"}[notify[visit.pk]]
            alerts.append(
                _alert(
                    visit=visit,
                    recipient_id=visit.commissioner_id,
                    capability=Capability.BROKER,
                    kind=RUN_NOTICE,
                    title=f"{ordinal} visit in a row not delivered for {_person(visit)} ({visit.order.reference}): "
                    f"{what} on {start_at:%d %b %Y} at {start_at:%H:%M}",
                    detail="Short-notice cancellations and aborted visits in a row are notified to the council "
                    "[004 §1.6.1]. A 4th cancellation in a row is not paid.",
                )
            )
    return raise_alerts(alerts)


def tolerance_alerts_raise(*, today: dt.date | None = None) -> int:
    """Orders whose delivered hours were over the +20% tolerance (plus any approved temporary
    variation) in each of the last 4 complete weeks: brokerage is asked to review the order
    `[004 §3.2.7]`. Weeks start on Mondays, or for Norfolk's 4-weekly contracts on the weekday of
    the payment-period anchor. One alert per run of weeks; none while one is still open.

    Reads: the orders, their versions and approved variations, and delivered minutes per order
    per day over the window, in a fixed number of queries."""
    from packages_of_care.models import (
        IndividualServiceOrder,
        OrderStatus,
        OrderVersion,
        TemporaryVariation,
        TemporaryVariationStatus,
    )
    from packages_of_care.rules import Version, commissioned_minutes

    today = today or timezone.localdate()
    weeks_back = tolerance.WEEKS_LOOKED_AT
    window_start = today - dt.timedelta(days=7 * (weeks_back + 1))
    orders = list(
        IndividualServiceOrder.objects.filter(
            status__in=(OrderStatus.ACCEPTED, OrderStatus.ACTIVE, OrderStatus.SUSPENDED, OrderStatus.ENDED),
            start_date__lt=today,
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=window_start))
        .select_related("contract", "service_user")
    )
    if not orders:
        return 0
    order_ids = [o.pk for o in orders]
    versions = defaultdict(list)
    tvs = defaultdict(list)
    delivered = defaultdict(dict)
    for chunk in _chunks(order_ids):
        for v in OrderVersion.objects.filter(order_id__in=chunk).values(
            "order_id", "effective_from", "weekly_hours"
        ):
            versions[v["order_id"]].append(Version(v["effective_from"], v["weekly_hours"]))
        for tv in TemporaryVariation.objects.filter(
            order_id__in=chunk, status=TemporaryVariationStatus.APPROVED, end_date__gte=window_start
        ).values("order_id", "start_date", "end_date", "extra_hours_per_week"):
            tvs[tv["order_id"]].append(tv)
        rows = (
            Visit.objects.filter(
                order_id__in=chunk,
                visit_date__gte=window_start,
                visit_date__lt=today,
                status__in=(VisitStatus.COMPLETED, VisitStatus.SHORTENED_BY_SERVICE_USER),
                actual_minutes__isnull=False,
            )
            .values("order_id", "visit_date")
            .annotate(carer_minutes=Sum(models_carer_minutes()))
        )
        for row in rows:
            delivered[row["order_id"]][row["visit_date"]] = row["carer_minutes"] or 0
    open_for = {
        key.split(":")[1]
        for key in Alert.objects.open().filter(kind=OVER_TOLERANCE).values_list("key", flat=True)
    }
    alerts = []
    for order in orders:
        if str(order.pk) in open_for:
            continue
        first_weekday = tolerance.week_first_weekday(order.contract)
        weeks = tolerance.complete_weeks(today, first_weekday, weeks_back)
        figures = []
        for week_start in weeks:
            week_end = week_start + dt.timedelta(days=6)
            commissioned = commissioned_minutes(
                versions[order.pk],
                week_start,
                week_end,
                order_start=order.start_date,
                order_end=order.end_date,
            )
            extra = tolerance.authorised_extra_minutes(tvs[order.pk], week_start, week_end)
            minutes = sum(
                (Decimal(m) for d, m in delivered[order.pk].items() if week_start <= d <= week_end),
                Decimal(0),
            )
            figures.append(tolerance.WeekFigures(week_start, commissioned, extra, minutes))
        streak = tolerance.current_streak(figures)
        if len(streak) < tolerance.CONSECUTIVE_WEEKS:
            continue
        first = streak[0]
        lines = "; ".join(
            f"week from {w.week_start:%d %b}: {tolerance.hours(w.delivered_minutes)} h delivered, "
            f"{tolerance.hours(w.commissioned_minutes)} h commissioned"
            for w in streak[-tolerance.CONSECUTIVE_WEEKS :]
        )
        person = order.service_user.name if order.service_user_id else order.reference
        alerts.append(
            Alert(
                recipient_id=order.commissioner_id,
                capability=Capability.BROKER,
                kind=OVER_TOLERANCE,
                key=f"order:{order.pk}:from:{first.week_start.isoformat()}",
                title=f"Review order {order.reference} ({person}): delivered hours over the +20% tolerance for "
                f"{len(streak)} weeks in a row",
                detail=f"{lines}. Hours above the tolerance need a temporary variation, or a change to the order "
                "[004 §3.2.7].",
                url=reverse("visits:visit-list") + f"?order={order.reference}",
                content_type=ContentType.objects.get_for_model(IndividualServiceOrder),
                object_id=str(order.pk),
            )
        )
    return raise_alerts(alerts)


def models_carer_minutes():
    """Delivered carer-minutes: a double-up visit's minutes count once per carer."""
    from django.db.models import F

    return F("actual_minutes") * F("carers")
