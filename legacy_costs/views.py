"""TUPE legacy-cost pages `[004 App. 3 §8]`: a contract's Legacy Staff, the agreements of the list,
the LGPS figures and the quarterly legacy-cost invoices (whose lines each say how they were
worked out, on invoicing's line pages)."""

from typing import Any

from django.db.models import Count
from django.urls import reverse
from django.views.generic import DetailView

from portal.roles import Capability, has_any_capability
from portal.views import ScopedListView, ScopedViewMixin, ServiceFormView
from schemes.models import Contract

from . import selectors, services
from .forms import AgreeForm, LgpsFigureForm, RaiseForm, StaffAddForm, StaffEndForm
from .models import LegacyStaffMember

EITHER_SIDE = (Capability.COMMISSION, Capability.PROVIDER_MANAGE)


class ContractListView(ScopedListView):
    """The contracts the user sees, with how many Legacy Staff each carries."""

    model = Contract
    template_name = "legacy_costs/contract_list.html"

    def refine_queryset(self, queryset: Any) -> Any:
        return queryset.annotate(staff_count=Count("legacy_staff")).order_by("reference")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(page_title="TUPE legacy costs", **kwargs)


class ContractLegacyView(ScopedViewMixin, DetailView):
    """One contract's Legacy Staff, agreements, LGPS figures and legacy-cost invoices."""

    model = Contract
    template_name = "legacy_costs/contract_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        contract = self.object
        user = self.request.user
        return super().get_context_data(
            page_title=f"TUPE legacy costs, {contract.reference}",
            contract=contract,
            staff=selectors.legacy_staff(user, contract),
            agreements=selectors.legacy_agreements(user, contract),
            figures=selectors.lgps_figures(user, contract),
            invoices=selectors.legacy_invoices(user, contract),
            can_write=has_any_capability(user, EITHER_SIDE),
            can_agree=user.can(Capability.COMMISSION),
            **kwargs,
        )


class _ContractForm(ServiceFormView):
    model = Contract
    required_capability: Any = EITHER_SIDE
    write_capability: Any = EITHER_SIDE

    def cancel_url(self) -> str:
        return reverse("legacy_costs:contract-detail", args=[self.object.pk])

    def success_url_for(self, result: Any) -> str:
        return self.cancel_url()


class InvoiceRaiseView(_ContractForm):
    form_class = RaiseForm
    title = "Raise the quarter's legacy-cost invoice"
    intro = (
        "The invoice has a line per person for LGPS employer contributions, the pay-rate difference and "
        "the annual-leave difference, each saying how it was worked out [004 App. 3 §8]. Raising it again "
        "changes nothing unless something was recorded since; once submitted it never changes."
    )
    submit_label = "Raise the invoice"

    def perform(self, form: Any) -> Any:
        return services.legacy_invoice_raise(
            actor=self.request.user, contract=self.object, **form.cleaned_data
        ).invoice

    def get_success_message(self, result: Any) -> str:
        return f"Legacy-cost invoice {result.number} ({result.net_total:,.2f} net) is ready to check."

    def success_url_for(self, result: Any) -> str:
        return str(result.get_absolute_url())


class ListAgreeView(_ContractForm):
    form_class = AgreeForm
    required_capability = write_capability = Capability.COMMISSION
    title = "Record that the list of Legacy Staff is agreed"
    intro = (
        "The list is agreed at the start of the contract and reviewed each year as part of the third "
        "quarter's reconciliation [004 App. 3 §8]. Only people on an agreed list are paid; the fourth "
        "quarter is paid on the list and figures agreed at the third."
    )
    submit_label = "Record the agreement"
    success_message = "The agreement is recorded."

    def perform(self, form: Any) -> Any:
        return services.legacy_staff_list_agree(
            actor=self.request.user, contract=self.object, **form.cleaned_data
        )


class StaffAddView(_ContractForm):
    form_class = StaffAddForm
    title = "Add a member of the Legacy Staff"
    submit_label = "Add to the list"
    success_message = "Added. They are paid once the council has agreed a list holding them."

    def perform(self, form: Any) -> Any:
        return services.legacy_staff_add(actor=self.request.user, contract=self.object, **form.cleaned_data)


class StaffEndView(ServiceFormView):
    model = LegacyStaffMember
    form_class = StaffEndForm
    required_capability = write_capability = EITHER_SIDE
    title = "Record the last day in a TUPE'd role"
    intro = (
        "When a person is promoted or moved into a role that was not on the TUPE list, the council stops "
        "paying their LGPS contributions, pay-rate difference and annual-leave difference [004 App. 3 §8]."
    )
    submit_label = "Save"
    success_message = "Saved: their legacy costs stop after that day."

    def perform(self, form: Any) -> Any:
        return services.legacy_staff_end(
            actor=self.request.user, staff_member=self.object, **form.cleaned_data
        )

    def cancel_url(self) -> str:
        return reverse("legacy_costs:contract-detail", args=[self.object.contract_id])

    def success_url_for(self, result: Any) -> str:
        return self.cancel_url()


class LgpsFigureRecordView(StaffEndView):
    form_class = LgpsFigureForm
    title = "Record an LGPS figure"
    intro = (
        "Year 1's first two quarters are paid on the Norfolk Pension Fund's quarterly figure; each year's "
        "third quarter reconciles to the actual employer contributions over quarters 1–3, from which the "
        "fourth quarter and the next year's first two follow [004 App. 3 §8]. Recording a figure again for "
        "the same year corrects it."
    )
    success_message = "The figure is recorded."

    def perform(self, form: Any) -> Any:
        return services.lgps_figure_record(
            actor=self.request.user, staff_member=self.object, **form.cleaned_data
        )[0]
