"""Writes on visits: one visit by form or API, the missed-visit explanation, and the alerts that
follow from what providers record. Keyword-only, atomic, audited.

Alerts `[004 §1.6.1, §3.2.7, §3.6.15, §8.14]`:
  - no actual start 30 minutes after the scheduled start (15 if time-critical; per contract) →
    the provider (`late_visit_alerts_raise`, every few minutes);
  - a missed visit → the provider must explain it and say how it will be put right within 24
    hours of the visit's time (an alert with that due time), and the council's brokerage sees it;
  - the 2nd and 3rd short-notice cancellation in a payment period, and separately the 2nd and 3rd
    visit aborted or cut short at the person's wish → the council (`run_notifications_raise`).
(Delivered hours over the tolerance for 4 weeks in a row are invoicing's alert: it reads the
contract's invoicing terms and works the weeks out as the invoice does.)
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from packages_of_care.models import IndividualServiceOrder
from portal import audit
from portal.alerts import AlertKind, new_alert, raise_alerts
from portal.models import Alert, User

from . import selectors
from .alerts import LATE, MISSED_COUNCIL, MISSED_EXPLAIN, RUN_NOTICE
from .models import LONDON, Visit, VisitSource, VisitStatus
from .rules import NOTICE_WORDS, NOTIFIED_STATUSES, OrderSchedule, ScheduleLine, expected_visits
from .validation import Problem, VisitInput, apply_input, check_visits, snapshot_visit

EXPLAIN_WITHIN = dt.timedelta(hours=24)  # [004 §3.6.15]
T = TypeVar("T")


def visits_setting(name: str, default: Any) -> Any:
    return getattr(settings, "VISITS", {}).get(name, default)


def _problems_to_error(problems: Iterable[Any]) -> ValidationError:
    errors: dict[str, list[str]] = defaultdict(list)
    for p in problems:
        errors[p.field].append(p.message)
    return ValidationError(dict(errors))


# One visit (form, single API) ------------------------------------------------------------------


@transaction.atomic
def visit_record(
    *,
    actor: User,
    order: IndividualServiceOrder,
    values: dict[str, Any],
    source: str,
    now: dt.datetime | None = None,
) -> tuple[Visit, bool]:
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
def visit_update(
    *, actor: User, visit: Visit, values: dict[str, Any], source: str, now: dt.datetime | None = None
) -> Visit:
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


def _input_values(values: dict[str, Any]) -> dict[str, Any]:
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


def _save_one(
    prepared: Any, *, actor: User, note: str, extra_changes: dict[str, list[Any]] | None = None
) -> Visit:
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
def visit_explain_missed(*, actor: User, visit: Visit, explanation: str, remedy: str) -> Visit:
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
    explanations_passed_on(Visit.objects.filter(pk=visit.pk))
    return visit


# A day's visits confirmed in one go (the grid) ----------------------------------------------------


class DayRejected(Exception):
    """The grid's rows had problems: nothing was saved. `problems` name the row and field."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


@transaction.atomic
def visits_confirm_day(
    *, actor: User, rows: list[tuple[int, int, dict[str, Any]]], now: dt.datetime | None = None
) -> tuple[int, int]:
    """Confirm or correct many recorded visits at once — a scheme's day in the grid. `rows` are
    (visit id, its row number on the page, the cells submitted, as text: status, actual_start,
    actual_end, carer_reference…, read as the spreadsheet's cells are). The visits are locked and
    read through `actor`'s scope.

    The checks are the one validation path every other way in uses: the cells are read by the
    upload's columns (`parse_row`), then `check_visits` runs over all the rows together (so a
    carer in two of them at once is caught). Any problem and nothing is saved (`DayRejected`,
    each problem naming its row and field). Returns (visits changed, visits unchanged)."""
    from portal.tenancy import scoped
    from portal.uploads.columns import parse_row

    from .validation import COLUMNS_BY_NAME

    now = now or timezone.now()
    stored = {
        v.pk: v
        for v in scoped(Visit, actor)
        .filter(pk__in=[pk for pk, _n, _c in rows], provider=actor.organisation)
        .select_for_update(of=("self",))
        .select_related("order")
    }
    problems: list[Problem] = [
        Problem(number, "status", "unknown_visit", "This visit is not one you can record.")
        for pk, number, _c in rows
        if pk not in stored
    ]
    inputs = []
    for pk, number, cells in rows:
        if pk not in stored:
            continue
        visit = stored[pk]
        columns = [COLUMNS_BY_NAME[name] for name in cells]
        parsed, parse_problems = parse_row(columns, cells, number)
        problems.extend(parse_problems)
        current = {f: getattr(visit, f) for f in VisitInput.VALUE_FIELDS}
        current.update(
            {
                k: ("" if v is None and isinstance(current.get(k), str) else v)
                for k, v in parsed.values.items()
            }
        )
        if current.get("status") != VisitStatus.MISSED:
            current["missed_explanation"] = current["missed_remedy"] = ""
        inputs.append(VisitInput(row=number, order=visit.order, pk=pk, parse_failed=parsed.failed, **current))
    problems.extend(check_visits(inputs, user=actor, now=now))
    if problems:
        from .validation import sort_key

        raise DayRejected(sorted(problems, key=sort_key))
    carers_before = {pk: visit.carer_reference for pk, visit in stored.items()}
    prepared = [apply_input(v, source=VisitSource.FORM, now=now) for v in inputs]
    changed = []
    for p in prepared:
        diff = audit.diff(p.before or {}, snapshot_visit(p.instance))
        carer_was = carers_before[p.instance.pk]
        if carer_was != p.instance.carer_reference:
            diff["carer_reference"] = [carer_was, p.instance.carer_reference]
        if diff:
            p.instance.updated_at = now
            changed.append((p, diff))
    if changed:
        from .validation import COMPARED_FIELDS, DERIVED_FIELDS

        Visit.objects.bulk_update(
            [p.instance for p, _d in changed],
            ["scheduled_start", "carer_reference", *COMPARED_FIELDS, *DERIVED_FIELDS],
            batch_size=500,
        )
        diffs = {id(p.instance): d for p, d in changed}
        audit.record_many(
            actor=actor,
            objects=[p.instance for p, _d in changed],
            action="updated",
            note="by the day's grid",
            changes=lambda obj: diffs[id(obj)],
        )
        visits_after_write(created=[], changed=[(p.instance, p.before or {}) for p, _d in changed])
    return len(changed), len(prepared) - len(changed)


# Visits expected from each order's schedule ---------------------------------------------------


EXPECTED_ORDER_STATUSES = ("accepted", "active")  # not suspended, not ended: they expect no visits


def expected_visits_generate(*, start: dt.date | None = None, days: int | None = None) -> tuple[int, int]:
    """Generate, as `scheduled`, the visits each order's weekly schedule expects from `start`
    (today) for `days` days (setting VISITS["EXPECTED_DAYS_AHEAD"], 14), so that providers
    confirm them rather than type them. Idempotent: a visit is generated once per order and
    expected start (the `visit_expected_once` constraint; an advisory lock keeps two runs apart).
    Generated visits nobody has touched yet that the schedule no longer expects (the order was
    suspended or ended, the person is away, the schedule changed) are withdrawn.

    Set-based: five reads whatever the number of orders, one bulk insert, one delete.
    Returns (generated, withdrawn)."""
    from django.db import connection

    from packages_of_care.models import Absence, OrderVersion, ScheduledVisit

    start = start or timezone.localdate()
    end = start + dt.timedelta(days=(days or visits_setting("EXPECTED_DAYS_AHEAD", 14)) - 1)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('visits.expected_visits_generate'))")
        orders = {
            o.pk: o
            for o in IndividualServiceOrder.objects.in_force(start, end)
            .filter(status__in=EXPECTED_ORDER_STATUSES, is_planned_care=True)
            .only(
                "pk",
                "reference",
                "start_date",
                "end_date",
                "service_user_id",
                "provider_id",
                "commissioner_id",
            )
        }
        lines: dict[int, list[ScheduleLine]] = defaultdict(list)
        for line in ScheduledVisit.objects.filter(version__order__in=list(orders)).values(
            "version_id", "weekday", "start_time", "duration_minutes", "carers", "time_critical"
        ):
            lines[line["version_id"]].append(
                ScheduleLine(
                    line["weekday"],
                    line["start_time"],
                    line["duration_minutes"],
                    line["carers"],
                    line["time_critical"],
                )
            )
        versions: dict[int, list[tuple[dt.date, list[ScheduleLine]]]] = defaultdict(list)
        for version in OrderVersion.objects.filter(order__in=list(orders)).values(
            "pk", "order_id", "effective_from"
        ):
            versions[version["order_id"]].append((version["effective_from"], lines[version["pk"]]))
        away: dict[int, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
        for absence in Absence.objects.filter(
            service_user_id__in={o.service_user_id for o in orders.values()}
        ).values("service_user_id", "start_date", "end_date"):
            away[absence["service_user_id"]].append((absence["start_date"], absence["end_date"]))

        expected: dict[tuple[int, dt.datetime], Visit] = {}
        for order in orders.values():
            schedule = OrderSchedule(
                order.start_date, order.end_date, versions[order.pk], away[order.service_user_id]
            )
            for day, slot in expected_visits(schedule, start, end):
                begins = dt.datetime.combine(day, slot.start_time, tzinfo=LONDON)
                visit = Visit(
                    order=order,
                    scheduled_start=begins,
                    scheduled_end=begins + dt.timedelta(minutes=slot.minutes),
                    expected_start=begins,
                    carer_reference="",
                    carers=slot.carers,
                    time_critical=slot.time_critical,
                    status=VisitStatus.SCHEDULED,
                    source=VisitSource.SCHEDULE,
                ).fill_derived()
                expected[(order.pk, begins.astimezone(dt.UTC))] = visit

        lo = dt.datetime.combine(start, dt.time(0), tzinfo=LONDON)
        hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=LONDON)
        generated = Visit.objects.filter(expected_start__gte=lo, expected_start__lt=hi)
        already = set(generated.values_list("order_id", "expected_start"))
        new = [v for key, v in expected.items() if key not in already]
        Visit.objects.bulk_create(new, batch_size=2000)
        audit.record_many(actor=None, objects=new, action="expected from the schedule")
        untouched = (
            generated.filter(status=VisitStatus.SCHEDULED, actual_start__isnull=True, carer_reference="")
            .select_related("order")
            .only(
                "pk",
                "order__reference",
                "expected_start",
                "scheduled_start",
                "status",
                "provider_id",
                "commissioner_id",
            )
        )
        gone = [v for v in untouched if (v.order_id, v.expected_start) not in expected]
        if gone:
            audit.record_many(
                actor=None, objects=gone, action="withdrawn: no longer expected by the schedule"
            )
            Visit.objects.filter(pk__in=[v.pk for v in gone]).delete()
    return len(new), len(gone)


# What follows a write ---------------------------------------------------------------------------


def visits_after_write(*, created: list[Visit], changed: list[tuple[Visit, dict[str, Any]]]) -> None:
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
        explanations_passed_on(Visit.objects.filter(pk__in=chunk))
    for chunk in _chunks(ids):
        late_alerts_resolve_cleared(Visit.objects.filter(pk__in=chunk))
    counted = set(NOTIFIED_STATUSES)
    run_visits = [v for v in created if v.status in counted] + [
        v for v, b in changed if v.status in counted or b.get("status") in counted
    ]
    if run_visits:
        order_ids = sorted({v.order_id for v in run_visits})
        start = min(v.visit_date for v in run_visits)
        run_notifications_raise(orders=IndividualServiceOrder.objects.filter(pk__in=order_ids), start=start)


def _chunks(items: list[T], size: int = 2000) -> Iterator[list[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _in_chunks(queryset: QuerySet[Visit], *related: str, size: int = 2000) -> Iterator[Visit]:
    """The visits of a queryset, fetched 2,000 at a time by id. (Not `.iterator()`: PostgreSQL
    plans a server-side cursor for its first rows, which can turn a join into a nested loop.)"""
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    for chunk in _chunks(ids, size):
        yield from Visit.objects.filter(pk__in=chunk).select_related(*related).order_by("pk")


def _person(visit: Visit) -> str:
    return visit.order.service_user.name if visit.order.service_user_id else visit.order.reference


def _local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value, LONDON)


@functools.lru_cache(maxsize=1)
def _visit_url_pattern() -> str:
    return reverse("visits:visit-detail", args=[987654321]).replace("987654321", "{pk}")


def _visit_url(pk: int) -> str:
    return _visit_url_pattern().format(pk=pk)


def _alert(
    *,
    visit: Visit,
    recipient_id: int,
    kind: AlertKind,
    title: str,
    detail: str = "",
    severity: str = Alert.Severity.ACTION,
    due_at: dt.datetime | None = None,
) -> Alert:
    return new_alert(
        kind=kind,
        recipient_id=recipient_id,
        key=f"visit:{visit.pk}",
        title=title[:300],
        detail=detail,
        url=_visit_url(visit.pk),
        severity=severity,
        due_at=due_at,
        content_type=ContentType.objects.get_for_model(Visit),
        object_id=str(visit.pk),
    )


def missed_alerts_raise(visits: QuerySet[Visit]) -> int:
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


def _council_detail(visit: Visit, due: dt.datetime | None) -> str:
    if visit.missed_explained_at or due is None:
        return f"Explanation: {visit.missed_explanation} Remedy: {visit.missed_remedy}"
    return f"The provider's explanation and remedy are due by {_local(due):%d %b %Y %H:%M}."


def explanations_passed_on(visits: QuerySet[Visit]) -> None:
    """Once explained: the provider's alert is done, and the council's carries the explanation."""
    now = timezone.now()
    for visit in visits.filter(status=VisitStatus.MISSED, missed_explained_at__isnull=False):
        key = f"visit:{visit.pk}"
        Alert.objects.open().filter(kind=MISSED_EXPLAIN, key=key).update(
            resolved_at=now, resolution="Explanation and remedy recorded."
        )
        Alert.objects.filter(kind=MISSED_COUNCIL, key=key).update(detail=_council_detail(visit, None))


def missed_alerts_withdraw(visits: QuerySet[Visit]) -> int:
    """A visit corrected from missed to something else: its missed-visit alerts are closed."""
    keys = [f"visit:{pk}" for pk in visits.values_list("pk", flat=True)]
    return (
        Alert.objects.open()
        .filter(kind__in=(MISSED_EXPLAIN, MISSED_COUNCIL), key__in=keys)
        .update(resolved_at=timezone.now(), resolution="The visit is no longer recorded as missed.")
    )


def late_alerts_resolve_cleared(visits: QuerySet[Visit] | None = None) -> int:
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
        kind_of_visit = "time-critical " if visit.time_critical else ""
        alerts.append(
            _alert(
                visit=visit,
                recipient_id=visit.provider_id,
                kind=LATE,
                title=f"No start recorded for the {kind_of_visit}{start:%H:%M} visit to {_person(visit)} "
                f"({visit.order.reference}) on {start:%d %b %Y}",
                detail=f"Nobody has logged in {minutes} minutes after the scheduled start. Check the carer is on "
                "the way; if the visit did not happen, record it as missed and explain why.",
                severity=Alert.Severity.URGENT if visit.time_critical else Alert.Severity.ACTION,
            )
        )
    raised = raise_alerts(alerts)
    late_alerts_resolve_cleared()
    return raised


_NOTICE_STATUS_WORDS: dict[str, str] = {
    VisitStatus.CANCELLED_SHORT_NOTICE: "cancelled at short notice",
    VisitStatus.ABORTED: "aborted",
    VisitStatus.SHORTENED_BY_SERVICE_USER: "cut short at the person's wish",
}


def run_notifications_raise(
    *,
    orders: QuerySet[IndividualServiceOrder] | Iterable[int],
    start: dt.date,
    end: dt.date = dt.date(9999, 12, 31),
) -> int:
    """The council is told at once of the 2nd and 3rd short-notice cancellation in a payment
    period `[004 §1.6.1 a, §3.6.16]`, and separately of the 2nd and 3rd visit aborted or cut short
    at the person's wish `[004 §1.6.1]` (`visits.rules.NOTIFIED_AS`). Idempotent (one alert per visit)."""
    notify = selectors.notice_numbers(orders=orders, start=start, end=end)
    if not notify:
        return 0
    alerts = []
    for chunk in _chunks(sorted(notify)):
        for visit in Visit.objects.filter(pk__in=chunk).select_related("order__service_user"):
            start_at = _local(visit.scheduled_start)
            group, number = notify[visit.pk]
            what = NOTICE_WORDS[group]
            ordinal = {2: "2nd", 3: "3rd"}[number]
            status = _NOTICE_STATUS_WORDS.get(visit.status, visit.status)
            alerts.append(
                _alert(
                    visit=visit,
                    recipient_id=visit.commissioner_id,
                    kind=RUN_NOTICE,
                    title=f"{ordinal} {what} in the payment period for {_person(visit)} ({visit.order.reference}): "
                    f"{status} on {start_at:%d %b %Y} at {start_at:%H:%M}",
                    detail="The 2nd and 3rd short-notice cancellation in a payment period, and the 2nd and 3rd "
                    "visit aborted or cut short at the person's wish, are notified to the council "
                    "[004 §1.6.1, §3.6.16]. A 4th cancellation in a row is not paid.",
                )
            )
    return raise_alerts(alerts)
