import datetime as dt

from django.utils import timezone
from django.views.generic import DetailView

from portal.roles import Capability
from portal.tenancy import scoped
from portal.views import ScopedListView, ScopedViewMixin, ServiceFormView

from . import selectors, services
from .api.filters import ContractFilter, FrameworkFilter
from .forms import ContractChangeForm, ContractCreateForm, ContractRateForm, UnplannedHoursForm
from .models import Contract, Framework, Lot, Scheme


class SchemeIndexView(ScopedListView):
    """Frameworks → lots → schemes, with the units of each scheme."""

    model = Framework
    template_name = "schemes/index.html"
    paginate_by = None
    filterset_class = FrameworkFilter
    filter_fields = ("name",)

    def refine_queryset(self, queryset):
        return selectors.framework_tree(self.request.user, queryset)

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title="Frameworks, lots and schemes", **kwargs)


class FrameworkDetailView(ScopedViewMixin, DetailView):
    model = Framework
    template_name = "schemes/framework_detail.html"

    def refine_queryset(self, queryset):
        return selectors.framework_tree(self.request.user, queryset)

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title=self.object.name, **kwargs)


class LotDetailView(ScopedViewMixin, DetailView):
    model = Lot
    template_name = "schemes/lot_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        context = super().get_context_data(**kwargs)
        context["schemes"] = scoped(Scheme, user).filter(lot=self.object).with_unit_totals()
        context["contracts"] = selectors.contracts_for(user).filter(lot=self.object)
        context["page_title"] = str(self.object)
        return context


class SchemeDetailView(ScopedViewMixin, DetailView):
    model = Scheme
    template_name = "schemes/scheme_detail.html"

    def refine_queryset(self, queryset):
        return queryset.select_related(
            "lot", "lot__framework", "lot__framework__commissioner"
        ).with_unit_totals()

    def get_context_data(self, **kwargs):
        user = self.request.user
        context = super().get_context_data(**kwargs)
        context["units"] = selectors.scheme_units(self.object)
        context["contracts"] = selectors.contracts_for(user).filter(schemes=self.object)
        context["page_title"] = self.object.name
        return context


class ContractListView(ScopedListView):
    model = Contract
    template_name = "schemes/contract_list.html"
    filterset_class = ContractFilter
    filter_fields = ("reference", "payment_model", "live_on")

    def refine_queryset(self, queryset):
        return queryset.select_related("commissioner", "provider", "lot", "lot__framework")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title="Contracts",
            today=timezone.localdate(),
            can_add=self.request.user.can(Capability.COMMISSION),
            **kwargs,
        )


class ContractDetailView(ScopedViewMixin, DetailView):
    model = Contract
    template_name = "schemes/contract_detail.html"

    def refine_queryset(self, queryset):
        return queryset.select_related("commissioner", "provider", "lot", "lot__framework")

    def get_context_data(self, **kwargs):
        user = self.request.user
        context = super().get_context_data(**kwargs)
        context.update(
            page_title=f"Contract {self.object.reference}",
            schemes=scoped(Scheme, user).filter(contracts=self.object).with_unit_totals(),
            rates=selectors.contract_rates(user, self.object),
            unplanned_hours=selectors.contract_unplanned_hours(user, self.object),
            audit_events=self.audit_events(self.object),
            can_set_rate=user.can(Capability.COMMISSION),
            today=timezone.localdate(),
        )
        return context


class ContractRateCreateView(ServiceFormView):
    """A commissioner sets a new rate from a date (e.g. the April review)."""

    model = Contract
    required_capability = write_capability = Capability.COMMISSION
    form_class = ContractRateForm
    title = "Set a new rate"
    intro = "The rate applies from the date you give; weeks before it keep the rate that was in force."
    submit_label = "Save the rate"
    success_message = "The new rate is saved."

    def caption(self):
        return f"Contract {self.object.reference}"

    def get_initial(self):
        today = timezone.localdate()
        return {"effective_from": dt.date(today.year + (today.month >= 4), 4, 1)}

    def perform(self, form):
        return services.contract_rate_set(actor=self.request.user, contract=self.object, **form.cleaned_data)

    def success_url_for(self, result):
        return self.object.get_absolute_url()


class ContractCreateView(ServiceFormView):
    """A commissioner puts a provider on one of the council's lots: the contract, its first rates
    and each scheme's unplanned-care hours as the specification gives them."""

    required_capability = write_capability = Capability.COMMISSION
    form_class = ContractCreateForm
    title = "Add a contract"
    intro = (
        "The first rates run from the start date; set later ones, and other unplanned hours, on the contract."
    )
    submit_label = "Add the contract"
    success_message = "The contract is added."

    def perform(self, form):
        return services.contract_create(
            actor=self.request.user, commissioner=self.request.user.organisation, **form.cleaned_data
        )


class ContractChangeView(ServiceFormView):
    """A commissioner changes what may change on a running contract: title, end date, notice
    period, late-visit minutes and the purchase order number quoted on its invoices."""

    model = Contract
    required_capability = write_capability = Capability.COMMISSION
    form_class = ContractChangeForm
    title = "Change the contract"
    intro = "Who the contract is with, its lot and how it is paid do not change: a different arrangement is a new contract."
    submit_label = "Save the changes"
    success_message = "The contract is changed."

    def caption(self):
        return f"Contract {self.object.reference}"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def perform(self, form):
        return services.contract_update(actor=self.request.user, contract=self.object, **form.cleaned_data)

    def success_url_for(self, result):
        return self.object.get_absolute_url()


class ContractUnplannedHoursView(ServiceFormView):
    """A commissioner sets the unplanned-care hours a week paid at one of the contract's schemes."""

    model = Contract
    required_capability = write_capability = Capability.COMMISSION
    form_class = UnplannedHoursForm
    title = "Set unplanned care hours"
    intro = "The hours apply from the date you give; weeks before it keep the hours that were in force."
    submit_label = "Save the hours"
    success_message = "The unplanned care hours are saved."

    def caption(self):
        return f"Contract {self.object.reference}"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "contract": self.object}

    def perform(self, form):
        return services.unplanned_hours_set(
            actor=self.request.user, contract=self.object, **form.cleaned_data
        )

    def success_url_for(self, result):
        return self.object.get_absolute_url()
