"""The operational records, kind by kind, each declared once: its fields (for the upload's columns,
the form and the API), its natural key, and its rules. Registered in records/hooks.py.

Natural keys (sending the same rows again changes nothing): complaints, incidents and survey
responses by their reference; alarm calls by scheme, flat and time raised; voids by scheme, flat
and start; nominations by scheme, panel date and applicant; activities by title and start;
attendance by activity and person.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count

from compliance import services as compliance_services
from portal.tenancy import scoped
from portal.uploads.columns import Problem, day_text, when_text

from . import models
from .uploads import MESSAGES, Field, RecordSpec, Row, plain

CONTRACT = Field("contract")
SCHEME = Field("scheme")
PERSON = Field("service_user", form_label="Person")


class AlarmCallSpec(RecordSpec):
    """Alarm calls on the 24/7 emergency response (Derby: 90% answered within 10 minutes)."""

    kind = "alarm_calls"
    model = models.AlarmCall
    noun_plural = "alarm calls"
    date_field = "raised_at"
    fields = (
        SCHEME,
        Field("flat", "the flat"),
        Field("service_user", form_label="Resident (if they receive care)"),
        Field(
            "resident_is_customer",
            "whether the resident is a customer",
            help="yes or no (Derby).",
            form_label="The resident is a customer",
        ),
        Field("raised_at", "when the call was raised", help="UK time, e.g. 2026-04-01 23:14."),
        Field("responded_at", "when staff responded"),
        Field("outcome", "the outcome"),
        Field("notes", "notes", max_length=2000),
        CONTRACT,
    )
    derived = ("response_seconds", "is_overnight")
    key = ("scheme", "flat", "raised_at")
    key_label = "flat {flat}, raised {raised_at}"
    not_before = (("responded_at", "The response", "raised_at", "the call"),)
    not_future = {"raised_at": "The call", "responded_at": "The response"}
    examples = (
        {
            "scheme": "Barley Court",
            "flat": "12",
            "service_user_reference": "",
            "resident_is_customer": "yes",
            "raised_at": "2026-04-01 23:14",
            "responded_at": "2026-04-01 23:19",
            "outcome": "fall_assisted",
        },
    )
    guidance = (
        "One row per call. Derby measures the share answered within 10 minutes; overnight is 22:00 to 07:00.",
        "outcome is one of: " + ", ".join(models.AlarmOutcome.values) + ".",
    )

    def derive(self, instance: Any) -> None:
        instance.fill_derived()


class ComplaintSpec(RecordSpec):
    """Complaints, concerns and compliments."""

    kind = "complaints"
    label = "Complaints, concerns and compliments"
    model = models.Complaint
    title = "Upload complaints, concerns and compliments"
    noun_plural = "complaints"
    date_field = "received_on"
    fields = (
        Field("reference", "your reference"),
        Field("kind", "the kind"),
        SCHEME,
        PERSON,
        Field("received_on", "the day it was received"),
        Field("summary", "a summary", max_length=4000),
        Field("upheld", "whether it was upheld", help="yes, no, or empty until decided."),
        Field("outcome", "the outcome", max_length=4000),
        Field("closed_on", "the day it was closed"),
        Field(
            "response_sent_to_council_on",
            "the day the response went to the council",
            form_label="Response sent to the council on",
        ),
        CONTRACT,
    )
    key = ("reference",)
    examples = (
        {
            "reference": "CMP-0042",
            "kind": "complaint",
            "scheme": "Barley Court",
            "received_on": "2026-04-03",
            "summary": "Tea-time visit late three days running",
            "upheld": "yes",
            "closed_on": "2026-04-10",
            "response_sent_to_council_on": "2026-04-10",
        },
    )
    guidance = ("Norfolk: complaint information reaches the council within 10 working days [004 §8.5.5].",)

    not_before = (
        ("closed_on", "The closing day", "received_on", "the day it was received"),
        (
            "response_sent_to_council_on",
            "The response to the council",
            "received_on",
            "the day it was received",
        ),
    )
    not_future = {
        "received_on": "The day received",
        "closed_on": "The closing day",
        "response_sent_to_council_on": "The response day",
    }

    def kind_rules(self, c: Any) -> list[tuple[str, str, dict[str, Any]]]:
        if c.kind == models.ComplaintKind.COMPLIMENT and c.upheld is not None:
            return [("upheld", "compliment_not_upheld", {})]
        return []


class SafeguardingSpec(RecordSpec):
    """Safeguarding incidents."""

    kind = "safeguarding"
    model = models.SafeguardingIncident
    noun_plural = "safeguarding incidents"
    date_field = "occurred_on"
    fields = (
        Field("reference", "your reference"),
        SCHEME,
        PERSON,
        Field("occurred_on", "the day it happened"),
        Field("reported_to_council_on", "the day it was reported to the council"),
        Field("category", "the category"),
        Field("summary", "a summary", max_length=4000),
        Field("outcome", "the outcome", max_length=4000),
        CONTRACT,
    )
    key = ("reference",)
    examples = (
        {
            "reference": "SG-0007",
            "scheme": "Barley Court",
            "occurred_on": "2026-05-02",
            "reported_to_council_on": "2026-05-02",
            "category": "medication",
            "summary": "Evening medication given twice",
        },
    )
    not_before = (("reported_to_council_on", "The report", "occurred_on", "the incident"),)
    not_future = {"occurred_on": "The incident", "reported_to_council_on": "The report"}

    def after_write(
        self, *, created: list[Any], changed: list[tuple[Any, dict[str, Any]]], actor: Any
    ) -> None:
        """A new concern goes at once to the council's safeguarding contact `[003 §7.9]`."""
        compliance_services.safeguarding_escalate(incidents=created)


class SurveySpec(RecordSpec):
    """Resident satisfaction survey responses."""

    kind = "surveys"
    model = models.SurveyResponse
    title = "Upload satisfaction survey responses"
    noun_plural = "survey responses"
    date_field = "responded_on"
    fields = (
        # The form may leave it empty; an upload needs it, to count a form sent twice once.
        Field("reference", "the survey form's reference", required=True),
        SCHEME,
        Field("service_user", form_label="Resident"),
        Field("responded_on", "the day of the response"),
        Field("satisfied", "whether the resident is satisfied", form_label="Satisfied with their care"),
        Field("comments", "comments", max_length=4000),
        CONTRACT,
    )
    key = ("reference",)
    examples = (
        {
            "reference": "SUR-2026Q1-017",
            "scheme": "Barley Court",
            "responded_on": "2026-06-15",
            "satisfied": "yes",
            "comments": "Staff are kind",
        },
    )
    guidance = ("Norfolk's target: 90% of respondents satisfied [004 App. 4].",)

    not_future = {"responded_on": "The response"}


class VoidSpec(RecordSpec):
    """Pending and actual voids, per flat."""

    kind = "voids"
    model = models.Void
    noun_plural = "voids"
    date_field = "start_date"
    fields = (
        SCHEME,
        Field("flat", "the flat"),
        Field("status", "pending or actual"),
        Field("start_date", "the first day"),
        Field("end_date", "the day it was let again"),
        Field("reason", "the reason"),
        CONTRACT,
    )
    key = ("scheme", "flat", "start_date")
    key_label = "flat {flat} from {start_date}"
    examples = (
        {
            "scheme": "Barley Court",
            "flat": "7",
            "status": "actual",
            "start_date": "2026-05-01",
            "end_date": "2026-06-12",
            "reason": "Tenant moved to nursing care",
        },
    )

    not_before = (("end_date", "The day it was let", "start_date", "the first day"),)
    not_future = {"end_date": "The day it was let"}

    def cross_rules(self, items: list[tuple[int, Any]], *, user: Any) -> list[Problem]:
        """A flat cannot have two voids at once (across the submission and what is stored)."""
        if not items:
            return []
        flats = {(i.scheme_id, i.flat) for _r, i in items}
        stored = models.Void.objects.filter(
            provider=user.organisation, scheme_id__in={s for s, _f in flats}, flat__in={f for _s, f in flats}
        )
        replaced = {i.pk for _r, i in items if i.pk}
        spans: dict[tuple[int, str], list[tuple[dt.date, dt.date | None, int | None]]] = defaultdict(list)
        for v in stored:
            if v.pk not in replaced:
                spans[(v.scheme_id, v.flat)].append((v.start_date, v.end_date, None))
        for row, v in items:
            spans[(v.scheme_id, v.flat)].append((v.start_date, v.end_date, row))
        problems = []
        for (_scheme, flat), entries in spans.items():
            entries.sort(key=lambda e: (e[0], e[2] or 0))
            for a, b in zip(entries, entries[1:], strict=False):
                if a[1] is None or a[1] >= b[0]:
                    row = b[2] if b[2] is not None else a[2]
                    if row is not None:
                        end = f" to {day_text(a[1])}" if a[1] else ", still empty"
                        problems.append(
                            MESSAGES.problem(
                                row, "start_date", "void_overlap", flat=flat, start=day_text(a[0]), end=end
                            )
                        )
        return problems


class NominationSpec(RecordSpec):
    """Nominations panel decisions, with the reason for every decline."""

    kind = "nominations"
    label = "Nominations panel decisions"
    model = models.NominationDecision
    title = "Upload nominations panel decisions"
    noun_plural = "nominations decisions"
    date_field = "panel_date"
    fields = (
        SCHEME,
        Field("panel_date", "the panel's date"),
        Field("applicant_reference", "the applicant's reference"),
        Field("applicant_age", "the applicant's age", low=0, high=120),
        Field(
            "assessed_care_hours_per_week",
            "the assessed care hours a week",
            low=Decimal(0),
            high=Decimal(168),
        ),
        Field("has_housing_need", "whether there is a housing need"),
        Field("decision", "the decision"),
        Field("declined_by", "who declined"),
        Field("reason", "the reason", max_length=4000),
        CONTRACT,
    )
    key = ("scheme", "panel_date", "applicant_reference")
    key_label = "{applicant_reference} at the panel of {panel_date}"
    examples = (
        {
            "scheme": "Barley Court",
            "panel_date": "2026-04-14",
            "applicant_reference": "NOM-311",
            "applicant_age": 78,
            "assessed_care_hours_per_week": "10.5",
            "has_housing_need": "yes",
            "decision": "accepted",
        },
    )
    guidance = (
        "Norfolk's panel meets monthly: applicants over 55 with more than 4 hours of care a week; every decline "
        "has a reason [004 App. 5].",
    )

    not_future = {"panel_date": "The panel's date"}

    def kind_rules(self, n: Any) -> list[tuple[str, str, dict[str, Any]]]:
        out: list[tuple[str, str, dict[str, Any]]] = []
        if n.decision == models.NominationDecision.Decision.DECLINED and (not n.reason or not n.declined_by):
            out.append(("reason" if not n.reason else "declined_by", "decline_needs_reason", {}))
        if n.decision != models.NominationDecision.Decision.DECLINED and n.declined_by:
            out.append(("declined_by", "declined_by_only_declined", {}))
        return out


class ActivitySpec(RecordSpec):
    """Short-break activities (Dorset Lot 9) and wellbeing activities (Derby)."""

    kind = "activities"
    model = models.Activity
    noun_plural = "activities"
    date_field = "starts_at"
    fields = (
        Field("title", "the title"),
        Field("kind", "the kind"),
        Field("description", "a description", max_length=4000),
        SCHEME,
        Field("location", "where it is"),
        Field("starts_at", "when it starts"),
        Field("ends_at", "when it ends"),
        Field("capacity", "how many can come", low=1, high=1000),
        Field("is_new_choice", "whether it widens the choice of activities"),
        CONTRACT,
    )
    key = ("title", "starts_at")
    key_label = "{title} at {starts_at}"
    examples = (
        {
            "title": "Swimming at Sandford Park",
            "kind": "short_break",
            "location": "Sandford Park, Wareham",
            "starts_at": "2026-05-09 10:00",
            "ends_at": "2026-05-09 12:00",
            "capacity": 8,
            "is_new_choice": "yes",
        },
    )
    guidance = (
        "Dorset Lot 9 short breaks for disabled children (children's R3–R5) and Derby's wellbeing activities.",
    )

    def kind_rules(self, a: Any) -> list[tuple[str, str, dict[str, Any]]]:
        if a.starts_at and a.ends_at and a.ends_at <= a.starts_at:  # not even at the same time
            return [("ends_at", "before", {"label": "The end", "other": "the start"})]
        return []


class AttendanceSpec(RecordSpec):
    """Who came to which activity."""

    kind = "attendance"
    label = "Activity attendance"
    model = models.ActivityAttendance
    noun_plural = "attendance"
    provider_lookup = "activity__provider"
    fields = (
        Field("activity"),
        Field("service_user", form_label="Person"),
        Field("attended", "whether they came"),
    )
    key = ("activity", "service_user")
    key_label = "{service_user.reference} at {activity.title}"
    examples = (
        {
            "activity_title": "Swimming at Sandford Park",
            "activity_starts_at": "2026-05-09 10:00",
            "service_user_reference": "DC-20417",
            "attended": "yes",
        },
    )

    def resolve(self, rows: list[Row], *, user: Any) -> list[Problem]:
        """Each row's activity by title and start, and its person among the activity's council's."""
        problems = []
        titles = {r.values.get("activity_title") for r in rows if r.values.get("activity_title")}
        activities = {
            (a.title, plain(a.starts_at)): a
            for a in scoped(models.Activity, user).filter(provider=user.organisation, title__in=titles)
        }
        for r in rows:
            if "activity_title" in r.failed or "activity_starts_at" in r.failed:
                continue
            r.activity = activities.get(
                (r.values.get("activity_title"), plain(r.values.get("activity_starts_at")))
            )
            if r.activity is None:
                start = when_text(r.values["activity_starts_at"])
                title = r.values.get("activity_title")
                problems.append(
                    MESSAGES.problem(r.row, "activity_title", "unknown_activity", value=title, start=start)
                )
        return problems + self.resolve_people(rows, user=user, commissioner=lambda r: r.activity)

    def cross_rules(self, items: list[tuple[int, Any]], *, user: Any) -> list[Problem]:
        """No more people attend than the activity has room for."""
        by_activity = defaultdict(list)
        for row, a in items:
            by_activity[a.activity_id].append((row, a))
        replaced = {a.pk for _r, a in items if a.pk}
        stored = dict(
            models.ActivityAttendance.objects.filter(activity_id__in=by_activity, attended=True)
            .exclude(pk__in=replaced)
            .values_list("activity_id")
            .annotate(n=Count("id"))
        )
        problems = []
        for activity_id, entries in by_activity.items():
            activity = entries[0][1].activity
            count = stored.get(activity_id, 0) + sum(1 for _r, a in entries if a.attended)
            if count > activity.capacity:
                row = max(r for r, a in entries if a.attended)
                problems.append(
                    MESSAGES.problem(
                        row, "attended", "over_capacity", count=count, capacity=activity.capacity
                    )
                )
        return problems


SPECS: dict[str, RecordSpec] = {
    spec.kind: spec
    for spec in (
        AlarmCallSpec(),
        ComplaintSpec(),
        SafeguardingSpec(),
        SurveySpec(),
        VoidSpec(),
        NominationSpec(),
        ActivitySpec(),
        AttendanceSpec(),
    )
}
BY_SLUG = {spec.slug: spec for spec in SPECS.values()}
