"""The browser side of invoicing: lists, the three invoice documents (pages, CSV, XLSX, PDF), the
"how this was worked out" page per line, the workflow forms, remittance advice, Derby's block
reviews and hours-used report, and the contract's invoicing terms.

Every view reaches records through `ScopedViewMixin` (out of scope → 404, then capability → 403);
every change goes through one service in `invoicing.services`.
"""

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView, FormView

from portal.roles import Capability, has_capability
from portal.tenancy import scoped
from portal.views import ScopedActionView, ScopedListView, ScopedViewMixin
from schemes.models import Contract, PaymentModel

from . import documents, rules, selectors, services
from .forms import (
    GenerateInvoiceForm,
    InvoicingTermsForm,
    PaymentForm,
    ResolveDisputeForm,
    ReviewDecisionForm,
    SubmitInvoiceForm,
    dispute_form_class,
)
from .models import (
    BlockVolumeReview,
    DisputeOutcome,
    Invoice,
    InvoiceDispute,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    InvoicingTerms,
    LineKind,
    Remittance,
    ReviewOutcome,
)
from .tasks import generate_invoice


def _form_errors(form, exc: ValidationError):
    if hasattr(exc, "message_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def manage_capability(user) -> Capability:
    """Who may run invoices: the council's commissioners and the provider's managers."""
    return Capability.COMMISSION if user.is_commissioner_side else Capability.PROVIDER_MANAGE


class InvoiceListView(ScopedListView):
    """The organisation's invoices, newest period first, filterable by status and contract."""

    model = Invoice
    template_name = "invoicing/invoice_list.html"

    def refine_queryset(self, queryset):
        status = self.request.GET.get("status", "")
        if status == "open":
            queryset = queryset.exclude(
                status__in=(InvoiceStatus.PAID, InvoiceStatus.NOT_PAYABLE, InvoiceStatus.SPLIT)
            )
        elif status in InvoiceStatus.values:
            queryset = queryset.filter(status=status)
        contract = self.request.GET.get("contract", "")
        if contract.isdigit():
            queryset = queryset.filter(contract_id=int(contract))
        return queryset.select_related("contract", "commissioner", "provider").order_by(
            "-period_start", "contract__reference", "number"
        )

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            page_title="Invoices",
            statuses=InvoiceStatus.choices,
            status=self.request.GET.get("status", ""),
            contracts=scoped(Contract, user).order_by("reference"),
            contract=self.request.GET.get("contract", ""),
            can_generate=has_capability(user, manage_capability(user)),
            has_block_reviews=selectors.block_reviews_for(user).exists(),
            **kwargs,
        )


class InvoiceGenerateView(ScopedViewMixin, FormView):
    """Run an invoice on demand: the same Celery task the nightly run fans out."""

    model = Invoice
    form_class = GenerateInvoiceForm
    template_name = "invoicing/invoice_generate.html"

    def capability_for(self, method):
        return manage_capability(self.request.user)

    def get_initial(self):
        return {"day": timezone.localdate() - dt.timedelta(days=28)}

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title="Generate an invoice", **kwargs)

    def form_valid(self, form):
        contract = form.cleaned_data["contract"]
        terms = InvoicingTerms.for_contract(contract)
        start, _end = services.period_bounds(contract, terms, form.cleaned_data["day"])
        try:
            services._checked_period(contract, terms, start)
        except ValidationError as exc:
            form.add_error("day", exc.message_dict.get("period_start", exc.messages))
            return self.form_invalid(form)
        result = generate_invoice.delay(contract.pk, start.isoformat(), self.request.user.pk)
        if result.ready():
            try:
                invoice = selectors.invoices_for(self.request.user).get(pk=result.get())
            except ValidationError as exc:  # pragma: no cover - checked above
                _form_errors(form, exc)
                return self.form_invalid(form)
            messages.success(self.request, f"Invoice {invoice.number} is up to date.")
            return redirect(invoice.get_absolute_url())
        messages.success(self.request, "The invoice is being generated; it will appear in the list shortly.")
        return redirect(reverse("invoicing:index"))


class InvoiceMixin(ScopedViewMixin):
    model = Invoice

    def refine_queryset(self, queryset):
        return queryset.select_related(
            "contract", "commissioner", "provider", "parent", "submitted_by", "approved_by"
        )


class InvoiceDetailView(InvoiceMixin, DetailView):
    """The summary invoice `[004 App. 6 §3.1 c]`, its state and what can be done next."""

    template_name = "invoicing/invoice_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        invoice = self.object
        lines = selectors.invoice_lines(user, invoice)
        context = super().get_context_data(**kwargs)
        terms = InvoicingTerms.for_contract(invoice.contract)
        context.update(
            page_title=f"Invoice {invoice.number}",
            summary=documents.summary_rows(invoice, lines),
            disputed_lines=lines.filter(disputed=True),
            flagged=_first_per_order(lines.filter(review_flag=True)),
            parts=scoped(Invoice, user).filter(parent=invoice).order_by("part"),
            dispute=selectors.invoice_dispute(user, invoice),
            review=selectors.block_review_for_invoice(user, invoice)
            if invoice.kind == InvoiceKind.BLOCK
            else None,
            remittance=scoped(Remittance, user).filter(invoice=invoice).first(),
            audit_events=self.audit_events(invoice),
            period_number=rules.period_number(terms.anchor(), invoice.period_start)
            if invoice.kind != InvoiceKind.BLOCK
            else None,
            can_manage=user.can(Capability.PROVIDER_MANAGE),
            can_commission=user.can(Capability.COMMISSION),
            today=timezone.localdate(),
            line_count=lines.count(),
        )
        return context


def _first_per_order(lines):
    seen, result = set(), []
    for line in lines.order_by("order_id", "position"):
        if line.order_id not in seen:
            seen.add(line.order_id)
            result.append(line)
    return result


class InvoiceScheduleView(InvoiceMixin, DetailView):
    """The invoice detail schedule `[004 App. 6 §3.1 b]`: each line, paged."""

    template_name = "invoicing/invoice_schedule.html"

    def get_context_data(self, **kwargs):
        lines = selectors.invoice_lines(self.request.user, self.object)
        page = Paginator(lines, 100).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            page_title=f"Detail schedule, invoice {self.object.number}",
            page_obj=page,
            is_paginated=page.has_other_pages(),
            lines=page.object_list,
            **kwargs,
        )


class InvoiceCallMonitoringView(InvoiceMixin, DetailView):
    """The individual call monitoring return `[004 App. 6 §3.1 a]`, paged."""

    template_name = "invoicing/invoice_call_monitoring.html"

    def get_context_data(self, **kwargs):
        visits = selectors.call_monitoring_visits(self.request.user, self.object)
        page = Paginator(visits, 100).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            page_title=f"Call monitoring return, invoice {self.object.number}",
            page_obj=page,
            is_paginated=page.has_other_pages(),
            visits=page.object_list,
            **kwargs,
        )


class InvoiceDocumentView(InvoiceMixin, DetailView):
    """One of the three documents as CSV, XLSX or PDF."""

    document = "schedule"  # summary | schedule | call-monitoring
    fmt = "csv"  # csv | xlsx | pdf

    def get(self, request, *args, **kwargs):
        invoice = self.object
        user = request.user
        name = documents.filename_for(invoice, self.document)
        lines = selectors.invoice_lines(user, invoice)
        if self.document == "summary":
            headers, rows, sheet = (
                documents.SUMMARY_HEADERS,
                documents.summary_rows(invoice, lines),
                "Summary",
            )
        elif self.document == "schedule":
            headers, rows, sheet = (
                documents.SCHEDULE_HEADERS,
                documents.schedule_rows(lines.iterator(2000)),
                "Detail schedule",
            )
        else:
            visits = selectors.call_monitoring_visits(user, invoice)
            headers, rows, sheet = (
                documents.CALL_MONITORING_HEADERS,
                documents.call_monitoring_rows(visits.iterator(2000)),
                "Call monitoring",
            )
        if self.fmt == "csv":
            return documents.csv_response(name, headers, rows)
        if self.fmt == "xlsx":
            return documents.xlsx_response(name, sheet, headers, rows)
        context = {
            "invoice": invoice,
            "document": self.document,
            "terms": InvoicingTerms.for_contract(invoice.contract),
            "generated_on": timezone.localdate(),
        }
        if self.document == "summary":
            context["summary"] = rows
        elif self.document == "schedule":
            context["lines"] = lines
        else:
            context["visits"] = visits
        return documents.pdf_response(name, f"invoicing/pdf/{self.document.replace('-', '_')}.html", context)


class LineDetailView(ScopedViewMixin, DetailView):
    """How a line was worked out: its order, week, visits and the rule behind each figure."""

    model = InvoiceLine
    template_name = "invoicing/line_detail.html"

    def refine_queryset(self, queryset):
        return queryset.select_related(
            "invoice", "invoice__contract", "order", "order__service_user", "scheme"
        )

    def get_context_data(self, **kwargs):
        line = self.object
        user = self.request.user
        visits = (
            selectors.line_visits(user, line)
            if line.kind in (LineKind.PLANNED_CARE, LineKind.PACKAGE)
            else []
        )
        breakdown = line.breakdown or {}
        context = super().get_context_data(**kwargs)
        context.update(
            page_title=f"Line {line.position} of invoice {line.invoice.number}",
            invoice=line.invoice,
            visit_rows=[_visit_row(v, position) for v, position in visits],
            b=breakdown,
            visits_now=_visits_changed(line, visits),
            payable_exact_hours=rules.four_places(Decimal(breakdown["payable_minutes"]) / 60)
            if breakdown.get("payable_minutes")
            else None,
            review=selectors.block_reviews_for(user).filter(pk=breakdown.get("review_id")).first()
            if breakdown.get("review_id")
            else None,
            source=scoped(InvoiceLine, user).filter(pk=line.source_line_id).select_related("invoice").first()
            if line.source_line_id
            else None,
        )
        return context


def _visit_row(visit, position) -> dict:
    """How the rules counted one visit [004 App. 6 §3]."""
    actual = visit.actual_minutes or 0
    status = visit.status
    if status == "completed":
        counted = f"Delivered: {actual} min"
    elif status == "shortened_by_service_user":
        short = max(0, visit.scheduled_minutes - actual)
        counted = f"Delivered {actual} min; {short} min paid, not delivered (cut short at the person's wish)"
    elif status == "aborted":
        counted = f"Paid, not delivered: {visit.scheduled_minutes} min scheduled (aborted)"
    elif status == "cancelled_short_notice":
        n = position or 1
        if n >= rules.UNPAID_FROM_RUN_POSITION:
            counted = f"Not paid: cancellation {n} in a row (the 4th or later)"
        else:
            counted = f"Paid, not delivered: {visit.scheduled_minutes} min (cancellation {n} in a row)"
    elif status == "cancelled_with_notice":
        counted = "Not paid: cancelled with notice" + (
            f" (cancellation {position} in a row)" if position else ""
        )
    elif status == "missed":
        counted = "Not paid: missed by the provider"
    else:
        counted = "Not paid: no actuals recorded"
    return {"visit": visit, "position": position, "counted": counted}


def _visits_changed(line: InvoiceLine, visits) -> int | None:
    """The delivered minutes the visits recorded now give, when they differ from the line's."""
    if line.kind not in (LineKind.PLANNED_CARE, LineKind.PACKAGE):
        return None
    per_carer = InvoicingTerms.for_contract(line.invoice.contract).count_each_carer
    delivered = sum(
        (v.actual_minutes or 0) * (v.carers if per_carer else 1)
        for v, _ in visits
        if v.status in ("completed", "shortened_by_service_user")
    )
    return delivered if delivered != line.delivered_minutes else None


class InvoiceSubmitView(InvoiceMixin, FormView):
    """The provider submits the invoice documents."""

    required_capability = Capability.PROVIDER_MANAGE
    write_capability = Capability.PROVIDER_MANAGE
    form_class = SubmitInvoiceForm
    template_name = "invoicing/invoice_submit.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        return super().get_context_data(
            page_title=f"Submit invoice {self.object.number}",
            invoice=self.object,
            late=today > self.object.submission_due_on,
            today=today,
            **kwargs,
        )

    def form_valid(self, form):
        try:
            services.invoice_submit(
                actor=self.request.user, invoice=self.object, late_reason=form.cleaned_data["late_reason"]
            )
        except ValidationError as exc:
            _form_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, f"Invoice {self.object.number} is submitted to {self.object.commissioner}."
        )
        return redirect(self.object.get_absolute_url())


class InvoiceRegenerateView(InvoiceMixin, ScopedActionView):
    success_message = "The draft is up to date with what has been recorded."

    def capability_for(self, method):
        return manage_capability(self.request.user) if method == "POST" else Capability.VIEW

    def perform(self, obj):
        services.invoice_regenerate(actor=self.request.user, invoice=obj)


class InvoiceApproveView(InvoiceMixin, ScopedActionView):
    write_capability = Capability.COMMISSION

    def perform(self, obj):
        self.approved = services.invoice_approve(actor=self.request.user, invoice=obj)
        if self.approved.pk != obj.pk:
            messages.info(
                self.request,
                f"Lines over tolerance without authorisation were split off as disputed; "
                f"{self.approved.number} is the approved part.",
            )
        messages.success(
            self.request,
            f"Invoice {self.approved.number} is approved: payment due by {self.approved.payment_due_on:%-d %B %Y}.",
        )

    def get_success_url(self):
        return getattr(self, "approved", self.object).get_absolute_url()


class InvoiceDisputeView(InvoiceMixin, FormView):
    """The council chooses lines to dispute, each with a reason; the invoice splits in two."""

    required_capability = Capability.COMMISSION
    write_capability = Capability.COMMISSION
    template_name = "invoicing/invoice_dispute.html"

    def get_form_class(self):
        return dispute_form_class(selectors.invoice_lines(self.request.user, self.object))

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=f"Dispute lines of invoice {self.object.number}", invoice=self.object, **kwargs
        )

    def form_valid(self, form):
        try:
            result = services.invoice_dispute(
                actor=self.request.user,
                invoice=self.object,
                lines=form.cleaned_data["chosen"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Invoice {self.object.number} is replaced by {result.disputed.number} (disputed, "
            f"£{result.disputed.net_total:,.2f})"
            + (
                f" and {result.undisputed.number} (undisputed, £{result.undisputed.net_total:,.2f})."
                if result.undisputed
                else "."
            ),
        )
        return redirect((result.undisputed or result.disputed).get_absolute_url())


class InvoicePayView(InvoiceMixin, FormView):
    required_capability = Capability.COMMISSION
    write_capability = Capability.COMMISSION
    form_class = PaymentForm
    template_name = "invoicing/invoice_pay.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=f"Record payment of invoice {self.object.number}", invoice=self.object, **kwargs
        )

    def form_valid(self, form):
        try:
            remittance = services.invoice_record_payment(
                actor=self.request.user, invoice=self.object, **form.cleaned_data
            )
        except ValidationError as exc:
            _form_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, f"Payment recorded; remittance advice {remittance.number} is with the provider."
        )
        return redirect(remittance.get_absolute_url())


class DisputeResolveView(InvoiceMixin, FormView):
    """Resolve the dispute behind a disputed invoice: upheld (not paid) or paid."""

    required_capability = Capability.COMMISSION
    write_capability = Capability.COMMISSION
    form_class = ResolveDisputeForm
    template_name = "invoicing/dispute_resolve.html"

    def get_dispute(self):
        return scoped(InvoiceDispute, self.request.user).filter(disputed_invoice=self.object).first()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=f"Resolve the dispute of invoice {self.object.number}",
            invoice=self.object,
            dispute=self.get_dispute(),
            lines=selectors.invoice_lines(self.request.user, self.object),
            **kwargs,
        )

    def form_valid(self, form):
        dispute = self.get_dispute()
        if dispute is None:
            form.add_error(None, "This invoice is not the disputed part of an invoice.")
            return self.form_invalid(form)
        try:
            services.dispute_resolve(actor=self.request.user, dispute=dispute, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "The dispute is resolved.")
        return redirect(self.object.get_absolute_url())


class InvoiceUsageView(InvoiceMixin, DetailView):
    """Hours used and not used per order over the invoice's period, with reasons `[002 §3.5]`."""

    template_name = "invoicing/invoice_usage.html"

    def get_context_data(self, **kwargs):
        invoice = self.object
        today = timezone.localdate()
        end = (
            min(invoice.period_end, today - dt.timedelta(days=1))
            if invoice.kind == InvoiceKind.BLOCK
            else invoice.period_end
        )
        report = selectors.hours_used_and_unused(
            invoice.contract, invoice.period_start, max(end, invoice.period_start)
        )
        return super().get_context_data(
            page_title=f"Hours used and not used, {invoice.contract.reference}",
            invoice=invoice,
            report=report,
            report_end=max(end, invoice.period_start),
            totals={
                key: sum((row[key] for row in report), start=type(report[0][key])(0)) if report else 0
                for key in ("allocated_hours", "used_hours", "unused_hours", "over_hours")
            },
            **kwargs,
        )


class RemittanceDetailView(ScopedViewMixin, DetailView):
    """The remittance advice `[004 App. 6 §3.5]`."""

    model = Remittance
    template_name = "invoicing/remittance_detail.html"

    def refine_queryset(self, queryset):
        return queryset.select_related(
            "invoice", "invoice__commissioner", "invoice__provider", "invoice__contract", "created_by"
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=f"Remittance advice {self.object.number}",
            audit_events=self.audit_events(self.object),
            **kwargs,
        )


class RemittancePdfView(RemittanceDetailView):
    def get(self, request, *args, **kwargs):
        remittance = self.object
        return documents.pdf_response(
            documents.filename_for(remittance.invoice, "remittance"),
            "invoicing/pdf/remittance.html",
            {"remittance": remittance, "invoice": remittance.invoice, "generated_on": timezone.localdate()},
        )


class BlockReviewListView(ScopedListView):
    model = BlockVolumeReview
    template_name = "invoicing/block_review_list.html"

    def refine_queryset(self, queryset):
        return queryset.select_related("contract", "contract__provider", "contract__commissioner").order_by(
            "-quarter_start", "contract__reference"
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title="Block-volume reviews", **kwargs)


class BlockReviewDetailView(ScopedViewMixin, FormView):
    """A quarter's block-volume review; the council accepts or rejects a proposal here."""

    model = BlockVolumeReview
    write_capability = Capability.COMMISSION
    form_class = ReviewDecisionForm
    template_name = "invoicing/block_review_detail.html"

    def refine_queryset(self, queryset):
        return queryset.select_related(
            "contract", "contract__provider", "contract__commissioner", "decided_by"
        )

    def get_context_data(self, **kwargs):
        review = self.object
        user = self.request.user
        return super().get_context_data(
            page_title=str(review),
            review=review,
            invoice=selectors.invoices_for(user)
            .filter(contract=review.contract, period_start=review.quarter_start, part="")
            .first(),
            can_decide=review.outcome == ReviewOutcome.PROPOSED and user.can(Capability.COMMISSION),
            audit_events=self.audit_events(review),
            **kwargs,
        )

    def form_valid(self, form):
        accept = form.cleaned_data["decision"] == "accept"
        try:
            services.block_review_decide(
                actor=self.request.user, review=self.object, accept=accept, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _form_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, "The updated block payment is " + ("accepted." if accept else "rejected.")
        )
        return redirect(self.object.get_absolute_url())


class InvoicingTermsView(ScopedViewMixin, FormView):
    """The council sets a contract's invoicing terms."""

    model = Contract
    required_capability = Capability.COMMISSION
    write_capability = Capability.COMMISSION
    form_class = InvoicingTermsForm
    template_name = "invoicing/terms_form.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = InvoicingTerms.for_contract(self.object)
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=f"Invoicing terms, {self.object.reference}",
            contract=self.object,
            is_block=self.object.payment_model == PaymentModel.BLOCK_QUARTERLY,
            **kwargs,
        )

    def form_valid(self, form):
        values = {field: form.cleaned_data[field] for field in form.Meta.fields}
        try:
            services.invoicing_terms_set(actor=self.request.user, contract=self.object, **values)
        except ValidationError as exc:
            _form_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, "The invoicing terms are saved; drafts follow them when next generated."
        )
        return redirect(reverse("invoicing:index") + f"?contract={self.object.pk}")


def status_counts(user) -> dict[str, int]:
    """Invoices by status for the user's organisation, in one query."""
    return dict(
        scoped(Invoice, user)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )


def open_disputes(user) -> int:
    return scoped(InvoiceDispute, user).filter(Q(outcome=DisputeOutcome.OPEN)).count()
