"""The day's grid: a scheme's visits on one day, confirmed or corrected in one save (issue 16).

The page reads the grid's cells (times typed as 09:05, 9:05 or 0905 on the visit's day) into the
upload's cell format and hands every row to `services.visits_confirm_day`, which checks them all
through the one validation path (`visits.validation`) and saves all or nothing."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from portal.dateinput import DatePartsField, parse_en_gb, parse_time_text
from portal.forms import PortalFormMixin
from portal.roles import Capability
from portal.uploads.columns import Problem
from portal.uploads.views import UploadTemplateView
from portal.views import ScopedViewMixin

from . import selectors, services
from .models import LONDON, Visit, VisitStatus
from .validation import sort_key
from .visit_uploads import VISITS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: The grid's columns, in the order the keyboard moves through them.
CELLS = ("status", "actual_start", "actual_end", "carer_reference", "second_carer_reference", "cancelled_at")
LABELS = {
    "status": "What happened",
    "actual_start": "Actual start",
    "actual_end": "Actual end",
    "carer_reference": "Carer",
    "second_carer_reference": "Second carer",
    "cancelled_at": "Cancelled at",
}


class DayChoiceForm(PortalFormMixin, forms.Form):
    scheme = forms.ModelChoiceField(label="Scheme", queryset=None, empty_label="Choose a scheme")
    day = DatePartsField(label="Date")

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["scheme"].queryset = selectors.schemes_recorded_by(user)


@dataclass
class GridRow:
    number: int
    visit: Visit
    cells: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)


def _clock(value: dt.datetime | None) -> str:
    return "" if value is None else f"{timezone.localtime(value, LONDON):%H:%M}"


def initial_cells(visit: Visit, *, now: dt.datetime) -> dict[str, str]:
    """What a row shows before anyone types: the stored visit; a visit still scheduled whose time
    has passed (its scheduled end) is offered as completed at its scheduled times, to confirm or
    correct."""
    cells = {
        "status": visit.status,
        "actual_start": _clock(visit.actual_start),
        "actual_end": _clock(visit.actual_end),
        "carer_reference": visit.carer_reference,
        "second_carer_reference": visit.second_carer_reference,
        "cancelled_at": ""
        if visit.cancelled_at is None
        else f"{timezone.localtime(visit.cancelled_at, LONDON):%d/%m/%Y %H:%M}",
    }
    if visit.status == VisitStatus.SCHEDULED and visit.actual_start is None and visit.scheduled_end <= now:
        cells.update(
            status=VisitStatus.COMPLETED,
            actual_start=_clock(visit.scheduled_start),
            actual_end=_clock(visit.scheduled_end),
        )
    return cells


def is_left_alone(row: GridRow) -> bool:
    """A row still `scheduled` with nothing typed in it — a visit yet to happen, or one nobody
    has confirmed — is not submitted: it stays as it is (and needs no carer yet)."""
    return (
        row.visit.status == VisitStatus.SCHEDULED
        and row.cells.get("status") == VisitStatus.SCHEDULED
        and not any(row.cells.get(name, "").strip() for name in CELLS if name != "status")
    )


def to_upload_cells(visit: Visit, cells: dict[str, str], number: int) -> tuple[dict[str, str], list[Problem]]:
    """The grid's cells as the upload reads them: times on the visit's day ("2026-04-06 09:05"),
    a cancellation as a date and time; a time that cannot be read is a problem of its row."""
    out, problems = {}, []
    for name in CELLS:
        text = cells.get(name, "").strip()
        if name in ("actual_start", "actual_end") and text:
            try:
                text = f"{visit.visit_date:%Y-%m-%d} {parse_time_text(text):%H:%M}"
            except ValidationError as exc:
                # Passed on as typed: the upload's reading refuses it too, and its row's other
                # cells are still checked; the grid's own wording is the one shown.
                problems.append(Problem(number, name, "bad_time", exc.messages[0]))
        elif name == "cancelled_at" and text:
            try:
                when = parse_en_gb(text, time="") if "/" in text else None
                if when is None:
                    when = dt.datetime.combine(visit.visit_date, parse_time_text(text), tzinfo=LONDON)
                text = f"{timezone.localtime(when, LONDON):%Y-%m-%d %H:%M}"
            except ValidationError as exc:
                # Passed on as typed: the upload's reading refuses it too, and its row's other
                # cells are still checked; the grid's own wording is the one shown.
                problems.append(Problem(number, name, "bad_time", exc.messages[0]))
        out[name] = text
    return out, problems


class VisitDayView(ScopedViewMixin, TemplateView):
    """A scheme's visits on one day in one grid: status, actual times and carers for each, saved
    in one go. Keyboard: Tab moves along a row and on to the next; Enter saves."""

    model = Visit
    required_capability = Capability.PROVIDER_RECORD
    write_capability = Capability.PROVIDER_RECORD
    template_name = "visits/day_grid.html"

    def chosen(self, data: Any) -> tuple[DayChoiceForm, Any, dt.date | None]:
        form = DayChoiceForm(data if data.get("scheme") else None, user=self.request.user)
        if form.is_bound and form.is_valid():
            return form, form.cleaned_data["scheme"], form.cleaned_data["day"]
        return form, None, None

    def get(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        form, scheme, day = self.chosen(request.GET)
        rows = []
        if scheme is not None:
            now = timezone.now()
            visits = selectors.day_visits(request.user, scheme_id=scheme.pk, day=day)
            rows = [GridRow(n, v, initial_cells(v, now=now)) for n, v in enumerate(visits, start=1)]
        return self.render_to_response(self.context(form, scheme, day, rows, []))

    def post(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        started = time.perf_counter()
        form, scheme, day = self.chosen(request.POST)
        if scheme is None:
            return self.render_to_response(self.context(form, None, None, [], []))
        visits = list(selectors.day_visits(request.user, scheme_id=scheme.pk, day=day))
        rows = [
            GridRow(n, v, {name: request.POST.get(f"v{v.pk}-{name}", "") for name in CELLS})
            for n, v in enumerate(visits, start=1)
        ]
        submitted, problems = [], []
        for row in rows:
            if is_left_alone(row):
                continue
            cells, cell_problems = to_upload_cells(row.visit, row.cells, row.number)
            problems.extend(cell_problems)
            submitted.append((row.visit.pk, row.number, cells))
        try:
            with transaction.atomic():
                changed, unchanged = services.visits_confirm_day(actor=request.user, rows=submitted)
                unchanged += len(rows) - len(submitted)
                if problems:  # a cell the grid could not read: never half-saved
                    transaction.set_rollback(True)
        except services.DayRejected as exc:
            worded = {(p.row, p.field) for p in problems}
            problems += [p for p in exc.problems if (p.row, p.field) not in worded]
            problems.sort(key=sort_key)
        if problems:
            by_row = {row.number: row for row in rows}
            for p in problems:
                if p.row in by_row:
                    by_row[p.row].errors.setdefault(p.field if p.field in CELLS else "status", []).append(
                        p.message
                    )
            response = self.render_to_response(self.context(form, scheme, day, rows, problems), status=200)
        else:
            messages.success(
                request,
                f"{changed} visit{'s' if changed != 1 else ''} saved"
                + (f", {unchanged} unchanged." if unchanged else "."),
            )
            query = request.POST.urlencode()
            keep = "&".join(
                p
                for p in query.split("&")
                if p.split("=")[0] in ("scheme", "day_day", "day_month", "day_year")
            )
            response = redirect(f"{reverse('visits:visit-day')}?{keep}")
        # The server's time for the save, for the browser test's timed journey (and for people).
        response["Server-Timing"] = (
            f'grid;desc="day\'s grid saved";dur={(time.perf_counter() - started) * 1000:.1f}'
        )
        return response

    def context(
        self,
        form: DayChoiceForm,
        scheme: Any,
        day: dt.date | None,
        rows: list[GridRow],
        problems: list[Problem],
    ) -> dict[str, Any]:
        return self.get_context_data(
            page_title="Confirm a day's visits",
            choice_form=form,
            scheme=scheme,
            day=day,
            rows=rows,
            problems=[(p, LABELS.get(p.field, p.field.replace("_", " "))) for p in problems],
            statuses=VisitStatus.choices,
            labels=LABELS,
            can_record=True,
        )


class VisitTemplateView(UploadTemplateView):
    """The upload template. XLSX: a "Visits" sheet with dropdowns and a "Guidance" tab; with
    `?from=YYYY-MM-DD&to=YYYY-MM-DD`, filled with the period's visits still to record (those the
    schedule expects, generated ahead), at most 31 days. CSV: the columns and examples."""

    kind = VISITS.kind

    def get(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        if kwargs.get("fmt") != "xlsx":
            return super().get(request, *args, **kwargs)
        from .spreadsheet import template_row, template_xlsx

        rows = None
        name = "visits-template.xlsx"
        period = DayRangeForm(request.GET) if "from" in request.GET else None
        if period is not None and period.is_valid():
            start, end = period.cleaned_data["start"], period.cleaned_data["end"]
            visits = selectors.visits_to_record(request.user, start=start, end=end)
            rows = [template_row(v) for v in visits]
            name = f"visits-{start:%Y-%m-%d}-to-{end:%Y-%m-%d}.xlsx"
        response = HttpResponse(template_xlsx(rows), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class DayRangeForm(forms.Form):
    start = forms.DateField(input_formats=["%Y-%m-%d", "%d/%m/%Y"])
    end = forms.DateField(input_formats=["%Y-%m-%d", "%d/%m/%Y"])

    def __init__(self, data: Any) -> None:
        super().__init__({"start": data.get("from", ""), "end": data.get("to", "")})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and not (start <= end <= start + dt.timedelta(days=30)):
            raise ValidationError("Choose a period of up to 31 days.")
        return data
