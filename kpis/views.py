"""The browser side of KPI returns: the quarter-by-quarter table, trend charts, returns with their
review, the records behind a figure, and the export."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView

from portal.access_log.models import AccessAction
from portal.access_log.recording import record_read
from portal.roles import Capability
from portal.tenancy import scoped
from portal.views import ScopedActionView, ScopedListView, ScopedViewMixin, ServiceFormView
from schemes.models import Contract, Scheme

from . import charts, forms, selectors, services
from .models import KpiDefinition, KpiReturn, KpiValue, Obtained, ReturnStatus
from .quarters import Quarter
from .resources import KpiValueResource

TABLE_QUARTERS = 4


def side_capability(user) -> Capability:
    """Who acts on a return for their side: the council's commissioners, the provider's managers."""
    return Capability.COMMISSION if user.is_commissioner_side else Capability.PROVIDER_MANAGE


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ReturnListView(ScopedListView):
    """Returns the user's organisation can see (latest revisions), newest quarter first."""

    model = KpiReturn
    template_name = "kpis/return_list.html"

    def refine_queryset(self, queryset):
        qs = queryset.latest().select_related("contract", "commissioner", "provider", "lot")
        params = self.request.GET
        if quarter := params.get("quarter"):
            try:
                qs = qs.for_quarter(Quarter.parse(quarter))
            except ValueError:
                qs = qs.none()
        if status := params.get("status"):
            qs = qs.filter(status=status)
        if (org := _int(params.get("organisation"))) is not None:
            qs = (
                qs.filter(provider_id=org)
                if self.request.user.is_commissioner_side
                else qs.filter(commissioner_id=org)
            )
        return qs.order_by("-quarter", "commissioner__name", "provider__name", "contract__reference")

    def get_context_data(self, **kwargs):
        user = self.request.user
        can_compute = user.can(side_capability(user)) and not user.is_anonymous
        return super().get_context_data(
            page_title="KPI returns",
            statuses=ReturnStatus.choices,
            filters=self.request.GET,
            compute_form=forms.ComputeQuarterForm(user=user) if can_compute else None,
            **kwargs,
        )


class ComputeQuarterView(ScopedViewMixin, View):
    """Compute (or re-run) a past quarter for every contract of the user's organisation."""

    model = Contract
    http_method_names = ["post"]

    def capability_for(self, method):
        return side_capability(self.request.user)

    def post(self, request, *args, **kwargs):
        from .tasks import compute_provider_quarter

        form = forms.ComputeQuarterForm(request.POST, user=request.user)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("kpis:index")
        quarter = form.cleaned_data["quarter"]
        by_provider: dict[int, list[int]] = {}
        for contract_id, provider_id in self.get_queryset().values_list("pk", "provider_id"):
            by_provider.setdefault(provider_id, []).append(contract_id)
        for provider_id, contract_ids in by_provider.items():
            transaction.on_commit(
                lambda p=provider_id, c=contract_ids: compute_provider_quarter.delay(
                    p, quarter.label, request.user.pk, c
                )
            )
        messages.success(request, f"The returns for {quarter.long_label} are being computed.")
        return redirect(f"{reverse('kpis:index')}?quarter={quarter.label}")


class QuarterTableView(ScopedViewMixin, TemplateView):
    """One contract (and scheme): KPIs down, the last 8 quarters across, RAG in words and symbols."""

    model = Contract
    template_name = "kpis/quarter_table.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        contracts = list(selectors.contracts_with_kpis(user))
        contract = next((c for c in contracts if c.pk == _int(self.request.GET.get("contract"))), None)
        contract = contract or (contracts[0] if contracts else None)
        scheme, schemes, rows, quarters = None, [], [], []
        last = selectors.latest_quarter_with_returns(user) or Quarter.last_completed(timezone.localdate())
        if quarter := self.request.GET.get("quarter"):
            try:
                last = Quarter.parse(quarter)
            except ValueError:
                pass
        quarters = last.last(TABLE_QUARTERS)
        if contract is not None:
            schemes = list(scoped(Scheme, user).filter(contracts=contract).order_by("name"))
            scheme = next((s for s in schemes if s.pk == _int(self.request.GET.get("scheme"))), None)
            scheme = scheme or (schemes[0] if schemes else None)
            rows = selectors.quarter_table(user, contract, scheme, quarters)
        return super().get_context_data(
            page_title="KPIs quarter by quarter",
            contracts=contracts,
            contract=contract,
            schemes=schemes,
            scheme=scheme,
            quarters=quarters,
            rows=rows,
            **kwargs,
        )


class TrendView(ScopedViewMixin, DetailView):
    """A KPI's last 8 quarters for one contract (and scheme): an SVG chart and the same figures as a table."""

    model = KpiDefinition
    template_name = "kpis/trend.html"
    context_object_name = "definition"

    def get_context_data(self, **kwargs):
        user = self.request.user
        definition = self.object
        contract = (
            scoped(Contract, user)
            .filter(lot=definition.lot, pk=_int(self.request.GET.get("contract")))
            .first()
        )
        contract = contract or scoped(Contract, user).filter(lot=definition.lot).order_by("pk").first()
        if contract is None:
            raise Http404("No contract of yours uses this KPI.")
        scheme = None
        if definition.per_scheme:
            schemes = scoped(Scheme, user).filter(contracts=contract).order_by("name")
            scheme = schemes.filter(pk=_int(self.request.GET.get("scheme"))).first() or schemes.first()
        last = selectors.latest_quarter_with_returns(user) or Quarter.last_completed(timezone.localdate())
        points = selectors.trend(user, contract, definition, scheme, last)
        threshold = next((v.threshold for _q, v in reversed(points) if v is not None), definition.target)
        where = f" at {scheme.name}" if scheme else ""
        chart = charts.trend_svg(
            points=[(q.label, v.value if v is not None else None) for q, v in points],
            threshold=threshold if definition.has_target else None,
            unit=definition.unit,
            title=f"{definition.code} {definition.title}{where}, {contract.provider.name}: last 8 quarters",
            chart_id=f"trend-{definition.pk}",
        )
        return super().get_context_data(
            page_title=f"{definition.code} trend",
            contract=contract,
            scheme=scheme,
            points=points,
            chart=chart,
            **kwargs,
        )


class ReturnDetailView(ScopedViewMixin, DetailView):
    model = KpiReturn
    template_name = "kpis/return_detail.html"

    def refine_queryset(self, queryset):
        return queryset.select_related(
            "contract", "commissioner", "provider", "lot", "submitted_by", "reviewed_by"
        )

    def get_context_data(self, **kwargs):
        user = self.request.user
        obj = self.object
        values = list(selectors.return_values(user, obj))
        provider_manager = user.is_provider_side and user.can(Capability.PROVIDER_MANAGE)
        commissioner = user.is_commissioner_side and user.can(Capability.COMMISSION)
        return super().get_context_data(
            page_title=str(obj),
            values=values,
            revisions=selectors.revisions_of(user, obj),
            audit_events=self.audit_events(obj),
            can_edit=provider_manager and obj.provider_may_edit,
            can_submit=provider_manager and obj.is_latest and obj.status == ReturnStatus.DRAFT,
            can_answer=provider_manager and obj.is_latest and obj.status == ReturnStatus.QUERIED,
            can_review=commissioner and obj.awaiting_review,
            can_enter_council=commissioner
            and obj.is_latest
            and obj.status != ReturnStatus.ACCEPTED
            and any(v.definition.obtained == Obtained.COUNCIL for v in values),
            can_recompute=(provider_manager or commissioner) and obj.is_latest,
            **kwargs,
        )


class ReturnFormView(ScopedViewMixin, FormView):
    """A form on one return (kpis/return_form.html): the page's title, what it asks, its button."""

    model = KpiReturn
    template_name = "kpis/return_form.html"
    page_title = ""
    intro = ""
    submit_label = "Save"

    def values(self):
        return selectors.return_values(self.request.user, self.object)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            kpi_return=self.object,
            page_title=self.page_title,
            intro=self.intro,
            submit_label=self.submit_label,
            **kwargs,
        )

    def form_invalid_with(self, form, exc):
        for message in exc.messages:
            form.add_error(None, message)
        return self.form_invalid(form)


class ProviderReturnFormView(ReturnFormView):
    required_capability = Capability.PROVIDER_MANAGE
    write_capability = Capability.PROVIDER_MANAGE


class ReturnEditView(ProviderReturnFormView):
    """The provider enters its figures and commentary (draft, or answering a query)."""

    form_class = forms.ReturnEditForm
    page_title = "Enter figures and commentary"
    intro = "The figures computed from records cannot be changed here; add commentary to explain them."

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "kpi_return": self.object, "values": self.values()}

    def form_valid(self, form):
        user = self.request.user
        try:
            with transaction.atomic():
                services.return_commentary_set(
                    actor=user, kpi_return=self.object, commentary=form.cleaned_data["commentary"]
                )
                for value in form.values:
                    kwargs = {"commentary": form.cleaned_data.get(f"commentary_{value.pk}", "")}
                    if f"figure_{value.pk}" in form.cleaned_data:
                        number, text = forms.cleaned_figure(value, form.cleaned_data[f"figure_{value.pk}"])
                        kwargs.update(number=number, text=text)
                    services.value_enter(actor=user, value=value, **kwargs)
        except ValidationError as exc:
            return self.form_invalid_with(form, exc)
        messages.success(self.request, "Your figures and commentary are saved.")
        return redirect(self.object.get_absolute_url())


class ReturnAnswerView(ProviderReturnFormView):
    """The provider answers each of the council's queries and resubmits."""

    form_class = forms.AnswerForm
    page_title = "Answer the council's queries"
    intro = "Answer each query. The return goes back to the council when you send your answers."
    submit_label = "Send the answers and resubmit"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "queries": selectors.open_queries(self.object)}

    def form_valid(self, form):
        try:
            services.return_resubmit(actor=self.request.user, kpi_return=self.object, answers=form.answers())
        except ValidationError as exc:
            return self.form_invalid_with(form, exc)
        messages.success(self.request, "Your answers are sent and the return is resubmitted.")
        return redirect(self.object.get_absolute_url())


class CouncilReturnFormView(ReturnFormView):
    required_capability = Capability.COMMISSION
    write_capability = Capability.COMMISSION


class ReturnQueryView(CouncilReturnFormView):
    """The council queries a submitted return, with a comment on each KPI it queries."""

    form_class = forms.QueryForm
    page_title = "Query the return"
    intro = (
        "Write a query against each KPI you want the provider to explain or correct. Leave the others empty."
    )
    submit_label = "Send the queries"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "values": self.values()}

    def form_valid(self, form):
        try:
            services.return_query(actor=self.request.user, kpi_return=self.object, queries=form.queries())
        except ValidationError as exc:
            return self.form_invalid_with(form, exc)
        messages.success(self.request, "Your queries are sent to the provider.")
        return redirect(self.object.get_absolute_url())


class CouncilFiguresView(CouncilReturnFormView):
    """The council enters its own figures (e.g. Norfolk's PAMMS rating)."""

    form_class = forms.CouncilFiguresForm
    page_title = "Enter the council's figures"
    intro = "Figures the council provides, such as its own quality rating."

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "values": self.values()}

    def form_valid(self, form):
        try:
            with transaction.atomic():
                for value in form.values:
                    number, text = forms.cleaned_figure(value, form.cleaned_data.get(f"figure_{value.pk}"))
                    services.value_enter(actor=self.request.user, value=value, number=number, text=text)
        except ValidationError as exc:
            return self.form_invalid_with(form, exc)
        messages.success(self.request, "The council's figures are saved.")
        return redirect(self.object.get_absolute_url())


class ReturnSubmitView(ScopedActionView):
    model = KpiReturn
    write_capability = Capability.PROVIDER_MANAGE
    success_message = "The return is submitted to the council."
    service = staticmethod(services.return_submit)
    record_argument = "kpi_return"


class ReturnAcceptView(ScopedActionView):
    model = KpiReturn
    write_capability = Capability.COMMISSION
    success_message = "The return is accepted."
    service = staticmethod(services.return_accept)
    record_argument = "kpi_return"
    posted_texts = {"note": 1000}


class ReturnRecomputeView(ScopedActionView):
    """Re-run the return's quarter from the records (audited). A submitted return gets a new revision."""

    model = KpiReturn

    def capability_for(self, method):
        return side_capability(self.request.user)

    def perform(self, obj):
        result, what = services.return_recompute(actor=self.request.user, kpi_return=obj)
        self.result = result
        self.success_message = {
            "unchanged": "The figures are recomputed: nothing has changed.",
            "updated": "The draft's figures are recomputed.",
            "revised": f"The figures have changed since this return was submitted: revision {result.revision} "
            "is a new draft, and what was submitted is kept as it was.",
            "created": "The return is computed.",
        }[what]

    def get_success_url(self):
        return getattr(self, "result", self.object).get_absolute_url()


class ValueRecordsView(ScopedViewMixin, DetailView):
    """The records a computed figure was made from, with those counted in its numerator marked."""

    model = KpiValue
    template_name = "kpis/value_records.html"
    context_object_name = "value"

    def refine_queryset(self, queryset):
        return queryset.select_related(
            "definition", "scheme", "kpi_return", "kpi_return__contract", "kpi_return__provider"
        )

    def get_context_data(self, **kwargs):
        found = selectors.value_records(self.request.user, self.object)
        page, has_numerator, model_name, rows = None, False, "", []
        if found is not None:
            qs, has_numerator = found
            page = Paginator(qs, 100).get_page(self.request.GET.get("page"))
            model_name = qs.model._meta.verbose_name_plural
            rows = [(record, describe(record)) for record in page.object_list]
        return super().get_context_data(
            page_title=f"Records behind {self.object}",
            page_obj=page,
            is_paginated=page is not None and page.paginator.num_pages > 1,
            rows=rows,
            headers=headers_for(found[0].model) if found else [],
            has_numerator=has_numerator,
            model_name=model_name,
            **kwargs,
        )


def headers_for(model) -> list[str]:
    return [h for h, _f in _COLUMNS.get(model._meta.label, _DEFAULT_COLUMNS)]


def describe(record) -> list[str]:
    columns = _COLUMNS.get(record._meta.label, _DEFAULT_COLUMNS)
    return [fn(record) for _h, fn in columns]


def _dt(value):
    return timezone.localtime(value).strftime("%d %b %Y %H:%M") if value else "–"


def _d(value):
    return value.strftime("%d %b %Y") if value else "–"


_DEFAULT_COLUMNS = [("Record", str)]
_COLUMNS = {
    "visits.Visit": [
        ("Day", lambda v: _d(v.visit_date)),
        ("Person", lambda v: v.order.service_user.name),
        ("Order", lambda v: v.order.reference),
        ("Scheduled", lambda v: f"{timezone.localtime(v.scheduled_start):%H:%M}, {v.scheduled_minutes} min"),
        ("Delivered", lambda v: f"{v.actual_minutes} min" if v.actual_minutes is not None else "–"),
        ("Outcome", lambda v: v.get_status_display()),
    ],
    "packages_of_care.Referral": [
        ("Referral", lambda r: r.reference),
        ("Person", lambda r: r.service_user.name),
        ("Received", lambda r: _dt(r.received_at) + (" (emergency)" if r.is_emergency else "")),
        ("Answered", lambda r: _dt(r.responded_at)),
        (
            "Decision",
            lambda r: (
                f"{r.get_decision_display()} {_dt(r.decided_at)}"
                + (f" – {r.get_decline_reason_display()}" if r.decline_reason else "")
            ),
        ),
        ("First visit", lambda r: _d(r.first_visit_date)),
        ("Support agreed", lambda r: _d(r.support_solution_agreed_date)),
        ("Service ended", lambda r: f"{_d(r.service_ended_on)} {r.get_service_end_reason_display()}".strip()),
    ],
    "records.AlarmCall": [
        ("Raised", lambda a: _dt(a.raised_at)),
        ("Scheme", lambda a: a.scheme.name),
        ("Flat", lambda a: a.flat or "–"),
        (
            "Answered after",
            lambda a: (
                f"{a.response_seconds // 60}:{a.response_seconds % 60:02d}"
                if a.response_seconds is not None
                else "not answered"
            ),
        ),
        ("Overnight", lambda a: "Yes" if a.is_overnight else "No"),
        ("Outcome", lambda a: a.get_outcome_display()),
    ],
    "records.Complaint": [
        ("Reference", lambda c: c.reference),
        ("Kind", lambda c: c.get_kind_display()),
        ("Received", lambda c: _d(c.received_on)),
        ("Upheld", lambda c: {True: "Yes", False: "No", None: "Not decided"}[c.upheld]),
        ("Response to the council", lambda c: _d(c.response_sent_to_council_on)),
    ],
    "records.SafeguardingIncident": [
        ("Reference", lambda s: s.reference),
        ("Occurred", lambda s: _d(s.occurred_on)),
        ("Category", lambda s: s.get_category_display()),
        ("Reported to the council", lambda s: _d(s.reported_to_council_on)),
    ],
    "records.SurveyResponse": [
        ("Responded", lambda s: _d(s.responded_on)),
        ("Satisfied", lambda s: "Yes" if s.satisfied else "No"),
        ("Comments", lambda s: s.comments or "–"),
    ],
    "records.Void": [
        ("Scheme", lambda v: v.scheme.name),
        ("Flat", lambda v: v.flat),
        ("Status", lambda v: v.get_status_display()),
        ("From", lambda v: _d(v.start_date)),
        ("Let again", lambda v: _d(v.end_date)),
    ],
    "records.NominationDecision": [
        ("Panel", lambda n: _d(n.panel_date)),
        ("Applicant", lambda n: n.applicant_reference),
        ("Care h/week", lambda n: str(n.assessed_care_hours_per_week)),
        ("Housing need", lambda n: "Yes" if n.has_housing_need else "No"),
        (
            "Decision",
            lambda n: (
                n.get_decision_display()
                + (f" by {n.get_declined_by_display().lower()}" if n.declined_by else "")
            ),
        ),
        ("Reason", lambda n: n.reason or "–"),
    ],
    "workforce.StaffMember": [
        ("Staff reference", lambda s: s.reference),
        ("Scheme", lambda s: s.scheme.name if s.scheme_id else "–"),
        ("Started", lambda s: _d(s.started_on)),
        ("Left", lambda s: _d(s.left_on)),
    ],
    "packages_of_care.OrderVersion": [
        ("Person", lambda v: v.order.service_user.name),
        ("Order", lambda v: v.order.reference),
        ("From", lambda v: _d(v.effective_from)),
        ("Weekly hours", lambda v: str(v.weekly_hours)),
    ],
    "packages_of_care.IndividualServiceOrder": [
        ("Person", lambda o: o.service_user.name),
        ("Order", lambda o: o.reference),
        ("From", lambda o: _d(o.start_date)),
        ("To", lambda o: _d(o.end_date)),
        ("Status", lambda o: o.get_status_display()),
    ],
    "packages_of_care.Absence": [
        ("Person", lambda a: a.service_user.name),
        ("Kind", lambda a: a.get_kind_display()),
        ("From", lambda a: _d(a.start_date)),
        ("To", lambda a: _d(a.end_date)),
    ],
    "records.ActivityAttendance": [
        ("Activity", lambda a: a.activity.title),
        ("When", lambda a: _dt(a.activity.starts_at)),
        ("Person", lambda a: a.service_user.name),
    ],
    "records.Activity": [
        ("Activity", lambda a: a.title),
        ("When", lambda a: _dt(a.starts_at)),
        ("Where", lambda a: a.location),
        ("Places", lambda a: str(a.capacity)),
    ],
}


class ExportView(ScopedListView):
    """The values the user can see, as CSV or XLSX (django-import-export)."""

    model = KpiValue
    paginate_by = None

    def refine_queryset(self, queryset):
        qs = queryset.filter(kpi_return__is_latest=True).select_related(
            "definition",
            "scheme",
            "kpi_return",
            "kpi_return__contract",
            "kpi_return__lot",
            "commissioner",
            "provider",
        )
        if quarter := self.request.GET.get("quarter"):
            try:
                qs = qs.filter(kpi_return__quarter=Quarter.parse(quarter).label)
            except ValueError:
                qs = qs.none()
        if (contract := _int(self.request.GET.get("contract"))) is not None:
            qs = qs.filter(kpi_return__contract_id=contract)
        return qs.order_by(
            "kpi_return__quarter", "kpi_return__contract_id", "definition__position", "scheme__name"
        )

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("format", "csv")
        if fmt not in ("csv", "xlsx"):
            fmt = "csv"
        dataset = KpiValueResource().export(queryset=self.get_queryset())
        record_read(
            request,
            action=AccessAction.EXPORTED,
            what=f"KPI values ({fmt})",
            model=KpiValue,
            rows=len(dataset),
        )
        stamp = timezone.localdate().isoformat()
        if fmt == "xlsx":
            response = HttpResponse(
                dataset.export("xlsx"),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        else:
            response = HttpResponse(dataset.export("csv"), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="kpi-values-{stamp}.{fmt}"'
        return response


class ContractKpisView(ServiceFormView):
    """A commissioner chooses which of the lot's KPIs a contract's returns measure."""

    model = Contract
    required_capability = write_capability = Capability.COMMISSION
    form_class = forms.ContractKpisForm
    title = "Choose the contract's KPIs"
    intro = "Returns computed from now on measure the KPIs ticked; with none ticked, every KPI of the lot."
    submit_label = "Save the KPIs"
    success_message = "The contract's KPIs are saved."

    def caption(self):
        return f"Contract {self.object.reference}"

    def get_form_kwargs(self):
        definitions = (
            KpiDefinition.objects.active().filter(lot_id=self.object.lot_id).order_by("position", "code")
        )
        return {**super().get_form_kwargs(), "definitions": definitions}

    def get_initial(self):
        chosen = self.object.chosen_kpis.values_list("definition__code", flat=True)
        return {"codes": list(chosen)}

    def perform(self, form):
        return services.contract_kpis_set(actor=self.request.user, contract=self.object, **form.cleaned_data)

    def success_url_for(self, result):
        return self.object.get_absolute_url()
