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
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView

from portal.access_log.models import AccessAction
from portal.access_log.recording import record_read
from portal.models import User
from portal.roles import Capability, has_capability
from portal.tenancy import scoped
from portal.views import ScopedActionView, ScopedListView, ScopedViewMixin, ServiceFormView
from schemes.models import Contract, PaymentModel
from visits import rules as visit_rules
from visits.models import Visit

from . import documents, rules, selectors, selectors_credit, services
from .api.filters import InvoiceFilter
from .forms import (
    BlockVolumeForm,
    GenerateInvoiceForm,
    InvoicingTermsForm,
    PaymentForm,
    ResolveDisputeForm,
    ReviewDecisionForm,
    SubmitInvoiceForm,
    WithdrawInvoiceForm,
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


def manage_capability(user: User) -> Capability:
    """Who may run invoices: the council's commissioners and the provider's managers."""
    return Capability.COMMISSION if user.is_commissioner_side else Capability.PROVIDER_MANAGE


class InvoiceListView(ScopedListView):
    """The organisation's invoices, newest period first, filtered with the API's FilterSet."""

    model = Invoice
    template_name = "invoicing/invoice_list.html"
    filterset_class = InvoiceFilter
    filter_fields = ("status", "contract")

    def refine_queryset(self, queryset):
        return queryset.select_related("contract", "commissioner", "provider").order_by(
            "-period_start", "contract__reference", "number"
        )

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            page_title="Invoices",
            can_generate=has_capability(user, manage_capability(user)),
            has_block_reviews=selectors.block_reviews_for(user).exists(),
            **kwargs,
        )


class InvoiceGenerateView(ServiceFormView):
    """Run an invoice on demand: the same Celery task the nightly run fans out."""

    model = Invoice
    form_class = GenerateInvoiceForm
    template_name = "invoicing/invoice_generate.html"
    title = "Generate an invoice"
    service_error_fields = {"period_start": "day"}

    def capability_for(self, method):
        return manage_capability(self.request.user)

    def get_initial(self):
        return {"day": timezone.localdate() - dt.timedelta(days=28)}

    def perform(self, form):
        contract = form.cleaned_data["contract"]
        terms = InvoicingTerms.for_contract(contract)
        start, _end = services.period_bounds(contract, terms, form.cleaned_data["day"])
        services.checked_period(contract, terms, start)
        result = generate_invoice.delay(contract.pk, start.isoformat(), self.request.user.pk)
        return selectors.invoices_for(self.request.user).get(pk=result.get()) if result.ready() else None

    def get_success_message(self, invoice):
        if invoice is None:
            return "The invoice is being generated; it will appear in the list shortly."
        return f"Invoice {invoice.number} is up to date."

    def cancel_url(self):
        return reverse("invoicing:index")


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
            dispute_open=rules.dispute_window_open(invoice.received_on, timezone.localdate()),
            dispute_closes=invoice.received_on and rules.dispute_window_closes(invoice.received_on),
            dispute_window_days=rules.DISPUTE_WINDOW_DAYS,
            flagged=_first_per_order(lines.filter(review_flag=True)),
            parts=scoped(Invoice, user).filter(parent=invoice).order_by("part"),
            dispute=selectors.invoice_dispute(user, invoice),
            review=selectors.block_review_for_invoice(user, invoice)
            if invoice.kind == InvoiceKind.BLOCK
            else None,
            remittance=scoped(Remittance, user).filter(invoice=invoice).first(),
            previous_revision=selectors.previous_revision(user, invoice),
            interest=selectors.late_payment_interest(invoice),
            interest_invoice=scoped(Invoice, user).filter(interest_on=invoice).first(),
            credit_notes=selectors_credit.credit_notes_on(user, invoice),
            set_offs=selectors_credit.set_offs_against(user, invoice),
            next_revision=selectors.invoice_revision(user, invoice, invoice.revision + 1)
            if invoice.status == InvoiceStatus.WITHDRAWN
            else None,
            audit_events=self.audit_events(invoice),
            period_number=rules.period_number(terms.anchor(), invoice.period_start)
            if invoice.kind not in (InvoiceKind.BLOCK, InvoiceKind.LEGACY)
            else None,
            can_manage=user.can(Capability.PROVIDER_MANAGE),
            can_commission=user.can(Capability.COMMISSION),
            today=timezone.localdate(),
            line_count=lines.count(),
            payment_hold=selectors.block_payment_hold(invoice),
        )
        return context


def _first_per_order(lines):
    seen, result = set(), []
    for line in lines.order_by("order_id", "position"):
        if line.order_id not in seen:
            seen.add(line.order_id)
            result.append(line)
    return result


class InvoiceRowsView(InvoiceMixin, DetailView):
    """One of the invoice's returns, 100 rows a page: `rows()` goes to the page as `rows_name`."""

    heading = ""
    rows_name = ""

    def rows(self):
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        page = Paginator(self.rows(), 100).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            page_title=f"{self.heading}, invoice {self.object.number}",
            page_obj=page,
            is_paginated=page.has_other_pages(),
            **{self.rows_name: page.object_list},
            **kwargs,
        )


class InvoiceScheduleView(InvoiceRowsView):
    """The invoice detail schedule `[004 App. 6 §3.1 b]`: each line, paged."""

    template_name = "invoicing/invoice_schedule.html"
    heading = "Detail schedule"
    rows_name = "lines"

    def rows(self):
        return selectors.invoice_lines(self.request.user, self.object)


class InvoiceCallMonitoringView(InvoiceRowsView):
    """The individual call monitoring return `[004 App. 6 §3.1 a]`, paged."""

    template_name = "invoicing/invoice_call_monitoring.html"
    heading = "Call monitoring return"
    rows_name = "visits"

    def rows(self):
        return selectors.call_monitoring_visits(self.request.user, self.object)


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
        read = visits if self.document == "call-monitoring" else lines
        record_read(
            request,
            action=AccessAction.EXPORTED if self.fmt != "pdf" else AccessAction.DOWNLOADED,
            what=f"invoice {invoice.number} {self.document} ({self.fmt})",
            queryset=read,
            rows=read.count(),
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
            retainer_agreements=list(selectors.line_retainer_agreements(user, line))
            if breakdown.get("retainer_days")
            else [],
            payable_exact_hours=rules.four_places(Decimal(breakdown["payable_minutes"]) / 60)
            if breakdown.get("payable_minutes")
            else None,
            review=selectors.block_review_for_invoice(user, line.invoice)
            if line.kind == LineKind.BLOCK
            else None,
            source=scoped(InvoiceLine, user).filter(pk=line.source_line_id).select_related("invoice").first()
            if line.source_line_id
            else None,
        )
        return context


def _visit_row(visit: Visit, position: int | None) -> dict:
    """How the rules counted one visit (the status table's words, `visits.rules.counted_as`)."""
    counted = visit_rules.counted_as(
        visit.status,
        scheduled_minutes=visit.scheduled_minutes,
        actual_minutes=visit.actual_minutes,
        run_position=position,
    )
    return {"visit": visit, "position": position, "counted": counted}


def _visits_changed(line: InvoiceLine, visits: list[tuple[Visit, int | None]]) -> int | None:
    """The delivered minutes the visits recorded now give, when they differ from the line's."""
    if line.kind not in (LineKind.PLANNED_CARE, LineKind.PACKAGE):
        return None
    per_carer = InvoicingTerms.for_contract(line.invoice.contract).count_each_carer
    delivered = visit_rules.WeekVisits.from_visits(
        (
            visit_rules.VisitFact(v.status, v.scheduled_minutes, v.actual_minutes, position, v.carers)
            for v, position in visits
        ),
        per_carer=per_carer,
    ).delivered_minutes
    return delivered if delivered != line.delivered_minutes else None


class InvoiceFormView(InvoiceMixin, ServiceFormView):
    """A workflow step on one invoice; the page shows the invoice."""

    def get_context_data(self, **kwargs):
        return super().get_context_data(invoice=self.object, **kwargs)


class InvoiceSubmitView(InvoiceFormView):
    """The provider submits the invoice documents."""

    required_capability = write_capability = Capability.PROVIDER_MANAGE
    form_class = SubmitInvoiceForm
    template_name = "invoicing/invoice_submit.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        return super().get_context_data(
            page_title=f"Submit invoice {self.object.number}",
            late=today > self.object.submission_due_on,
            today=today,
            **kwargs,
        )

    def perform(self, form):
        return services.invoice_submit(
            actor=self.request.user, invoice=self.object, late_reason=form.cleaned_data["late_reason"]
        )

    def get_success_message(self, invoice):
        return f"Invoice {invoice.number} is submitted to {invoice.commissioner}."


class InvoiceWithdrawView(InvoiceFormView):
    """The provider withdraws a submitted invoice and it is regenerated as the next revision."""

    required_capability = write_capability = Capability.PROVIDER_MANAGE
    form_class = WithdrawInvoiceForm
    template_name = "invoicing/invoice_withdraw.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title=f"Withdraw invoice {self.object.number}", **kwargs)

    def perform(self, form):
        return services.invoice_withdraw(
            actor=self.request.user, invoice=self.object, reason=form.cleaned_data["reason"]
        )

    def get_success_message(self, revision):
        return f"Invoice {self.object.number} is withdrawn. Check revision {revision.number} and submit it."


class InvoiceChangesView(InvoiceMixin, DetailView):
    """What a revision changed, line by line, against the revision it replaced."""

    template_name = "invoicing/invoice_changes.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        previous = selectors.previous_revision(user, self.object)
        changes = (
            selectors.revision_changes(
                selectors.invoice_lines(user, previous), selectors.invoice_lines(user, self.object)
            )
            if previous
            else []
        )
        return super().get_context_data(
            page_title=f"What changed in {self.object.number}",
            invoice=self.object,
            previous=previous,
            changes=changes,
            **kwargs,
        )


class InterestInvoiceRaiseView(InvoiceMixin, ScopedActionView):
    """The provider raises the late-payment interest invoice on an invoice the council paid late."""

    write_capability = Capability.PROVIDER_MANAGE

    def perform(self, obj):
        self.raised = services.interest_invoice_raise(actor=self.request.user, invoice=obj)
        messages.success(
            self.request,
            f"Interest invoice {self.raised.number} (£{self.raised.net_total:,.2f}) is raised: check it and submit it.",
        )
        return self.raised

    def get_success_url(self):
        return getattr(self, "raised", self.object).get_absolute_url()


class InvoiceRegenerateView(InvoiceMixin, ScopedActionView):
    success_message = "The draft is up to date with what has been recorded."
    service = staticmethod(services.invoice_regenerate)
    record_argument = "invoice"

    def capability_for(self, method):
        return manage_capability(self.request.user) if method == "POST" else Capability.VIEW


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
            f"Invoice {self.approved.number} is approved: "
            + (
                f"payment due by {self.approved.payment_due_on:%-d %B %Y}."
                if self.approved.payment_due_on
                else "payment is held until the monitoring return is in."
            ),
        )

    def get_success_url(self):
        return getattr(self, "approved", self.object).get_absolute_url()


class InvoiceDisputeView(InvoiceFormView):
    """The council chooses lines to dispute, each with a reason; the invoice splits in two."""

    required_capability = write_capability = Capability.COMMISSION
    template_name = "invoicing/invoice_dispute.html"

    def get_form_class(self):
        return dispute_form_class(selectors.invoice_lines(self.request.user, self.object))

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title=f"Dispute lines of invoice {self.object.number}", **kwargs)

    def perform(self, form):
        return services.invoice_dispute(
            actor=self.request.user,
            invoice=self.object,
            lines=form.cleaned_data["chosen"],
            reason=form.cleaned_data["reason"],
        )

    def get_success_message(self, result):
        message = f"Invoice {self.object.number} is replaced by {result.disputed.number} (disputed, £{result.disputed.net_total:,.2f})"
        if result.undisputed:
            return (
                message
                + f" and {result.undisputed.number} (undisputed, £{result.undisputed.net_total:,.2f})."
            )
        return message + "."

    def success_url_for(self, result):
        return (result.undisputed or result.disputed).get_absolute_url()


class InvoicePayView(InvoiceFormView):
    required_capability = write_capability = Capability.COMMISSION
    form_class = PaymentForm
    template_name = "invoicing/invoice_pay.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=f"Record payment of invoice {self.object.number}", **kwargs
        )

    def perform(self, form):
        return services.invoice_record_payment(
            actor=self.request.user, invoice=self.object, **form.cleaned_data
        )

    def get_success_message(self, remittance):
        return f"Payment recorded; remittance advice {remittance.number} is with the provider."


class DisputeResolveView(InvoiceFormView):
    """Resolve the dispute behind a disputed invoice: upheld (not paid) or paid."""

    required_capability = write_capability = Capability.COMMISSION
    form_class = ResolveDisputeForm
    template_name = "invoicing/dispute_resolve.html"
    success_message = "The dispute is resolved."

    def get_dispute(self):
        return scoped(InvoiceDispute, self.request.user).filter(disputed_invoice=self.object).first()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=f"Resolve the dispute of invoice {self.object.number}",
            dispute=self.get_dispute(),
            lines=selectors.invoice_lines(self.request.user, self.object),
            **kwargs,
        )

    def perform(self, form):
        dispute = self.get_dispute()
        if dispute is None:
            raise ValidationError("This invoice is not the disputed part of an invoice.")
        services.dispute_resolve(actor=self.request.user, dispute=dispute, **form.cleaned_data)
        return self.object


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
            set_offs=selectors_credit.set_offs_against(self.request.user, self.object.invoice),
            audit_events=self.audit_events(self.object),
            **kwargs,
        )


class RemittancePdfView(RemittanceDetailView):
    def get(self, request, *args, **kwargs):
        remittance = self.object
        record_read(
            request,
            action=AccessAction.DOWNLOADED,
            what=f"remittance advice {remittance.number} (pdf)",
            model=type(remittance),
            ids=[remittance.pk],
            rows=1,
        )
        return documents.pdf_response(
            documents.filename_for(remittance.invoice, "remittance"),
            "invoicing/pdf/remittance.html",
            {
                "remittance": remittance,
                "invoice": remittance.invoice,
                "set_offs": selectors_credit.set_offs_against(request.user, remittance.invoice),
                "generated_on": timezone.localdate(),
            },
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


class BlockReviewDetailView(ServiceFormView):
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

    def perform(self, form):
        return services.block_review_decide(
            actor=self.request.user,
            review=self.object,
            accept=form.cleaned_data["decision"] == "accept",
            reason=form.cleaned_data["reason"],
            effective_from=form.cleaned_data.get("effective_from"),
        )

    def get_success_message(self, review):
        if review.outcome == ReviewOutcome.ACCEPTED:
            return f"The updated block volume is accepted from {review.effective_from:%-d %B %Y}."
        return "The updated block payment is rejected."


class BlockVolumeListView(ScopedViewMixin, DetailView):
    """A block contract's agreed volumes, each from a date, and its reviews `[002 App. 4]`."""

    model = Contract
    template_name = "invoicing/block_volume_list.html"

    def refine_queryset(self, queryset):
        return queryset.filter(payment_model=PaymentModel.BLOCK_QUARTERLY).select_related("provider")

    def get_context_data(self, **kwargs):
        contract = self.object
        user = self.request.user
        return super().get_context_data(
            page_title=f"Block volumes, {contract.reference}",
            contract=contract,
            volumes=contract.block_volumes.order_by("-effective_from").prefetch_related("reviews"),
            reviews=selectors.block_reviews_for(user).filter(contract=contract).order_by("-quarter_start"),
            can_record=user.can(Capability.COMMISSION),
            **kwargs,
        )


class BlockVolumeCreateView(ServiceFormView):
    """The council records a block volume agreed at award or in writing, from a date."""

    model = Contract
    required_capability = write_capability = Capability.COMMISSION
    form_class = BlockVolumeForm
    title = "Record a block volume"
    intro = (
        "The quarterly block is the volume in force on the quarter's first day × 13 × the composite rate. "
        "Quarters already invoiced keep theirs; drafts from this date follow the new volume."
    )
    submit_label = "Save the block volume"
    success_message = "The block volume is saved."

    def refine_queryset(self, queryset):
        return queryset.filter(payment_model=PaymentModel.BLOCK_QUARTERLY)

    def perform(self, form):
        return services.block_volume_record(
            actor=self.request.user, contract=self.object, **form.cleaned_data
        )

    def success_url_for(self, volume):
        return reverse("invoicing:block-volume-list", args=[self.object.pk])


class InvoicingTermsView(ServiceFormView):
    """The council sets a contract's invoicing terms."""

    model = Contract
    required_capability = write_capability = Capability.COMMISSION
    form_class = InvoicingTermsForm
    template_name = "invoicing/terms_form.html"
    success_message = "The invoicing terms are saved; drafts follow them when next generated."

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

    def perform(self, form):
        values = {field: form.cleaned_data[field] for field in form.Meta.fields}
        return services.invoicing_terms_set(actor=self.request.user, contract=self.object, **values)

    def success_url_for(self, terms):
        return reverse("invoicing:index") + f"?contract={self.object.pk}"


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
