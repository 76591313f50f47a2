import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import DetailView, FormView

from portal.roles import Capability
from portal.tenancy import scoped
from portal.views import ScopedListView, ScopedViewMixin

from . import selectors, services
from .forms import ContractRateForm
from .models import Contract, Framework, Lot, Scheme


class SchemeIndexView(ScopedListView):
    """Frameworks → lots → schemes, with the units of each scheme."""

    model = Framework
    template_name = "schemes/index.html"
    paginate_by = None

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

    def refine_queryset(self, queryset):
        return queryset.select_related("commissioner", "provider", "lot", "lot__framework")

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title="Contracts", today=timezone.localdate(), **kwargs)


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


class ContractRateCreateView(ScopedViewMixin, FormView):
    """A commissioner sets a new rate from a date (e.g. the April review)."""

    model = Contract
    required_capability = Capability.COMMISSION
    write_capability = Capability.COMMISSION
    form_class = ContractRateForm
    template_name = "schemes/contract_rate_form.html"

    def get_initial(self):
        today = timezone.localdate()
        return {"effective_from": dt.date(today.year + (today.month >= 4), 4, 1)}

    def get_context_data(self, **kwargs):
        return super().get_context_data(contract=self.object, page_title="Set a new rate", **kwargs)

    def form_valid(self, form):
        try:
            services.contract_rate_set(actor=self.request.user, contract=self.object, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        messages.success(self.request, "The new rate is saved.")
        return redirect(self.object.get_absolute_url())
