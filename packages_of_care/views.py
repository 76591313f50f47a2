"""The browser side of packages of care. Views find records through the user's scope (404),
check the capability (403), collect input with a form and call one service; a refused move
comes back on the form (or as an error message) and changes nothing. List pages filter with the
FilterSets of the API's list endpoints (`api/filters.py`).

The pages are made of four view classes: a form whose input goes to one service, a button that
applies one, a record's page, and a list filtered by its API FilterSet."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView

from portal.forms import ConfirmPasswordForm
from portal.roles import Capability, CapabilityNeed, OrganisationKind, has_any_capability
from portal.views import ScopedActionView, ScopedListView, ScopedViewMixin
from portal.views import ServiceFormView as PortalServiceFormView

from . import forms, rules, selectors, services
from .api import filters
from .models import (
    Absence,
    CarePlan,
    IndividualServiceOrder,
    OrderStatus,
    Referral,
    ServiceUser,
    TemporaryVariation,
)
from .services import RECORD_ARGUMENTS
from .workflows import PROVIDER_SIDE, order_actions, referral_actions, variation_actions

RECORDERS = (Capability.PROVIDER_RECORD, Capability.BROKER)
Service = Callable[..., Any]


class ServiceFormView(PortalServiceFormView):
    """A packages form: the record's breadcrumbs on the page, one `capability` for showing and
    sending it, and the form's input going to `service` (with the record the page is about, under
    its name in `RECORD_ARGUMENTS`, e.g. `order=`)."""

    template_name = "packages_of_care/form.html"
    capability: CapabilityNeed = Capability.BROKER
    service: Service | None = None
    submit_label = ""  # the title's words unless said

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("submit_label", self.submit_label or self.title)
        return super().get_context_data(**kwargs)

    def capability_for(self, method: str) -> CapabilityNeed:
        return self.capability

    def service_arguments(self, form: Any) -> dict[str, Any]:
        return dict(form.cleaned_data)

    def call(self, service: Service, form: Any) -> Any:
        arguments = self.service_arguments(form)
        if getattr(self, "object", None) is not None:
            arguments[RECORD_ARGUMENTS[self.model]] = self.object
        return service(actor=self.request.user, **arguments)

    def perform(self, form: Any) -> Any:
        assert self.service is not None, f"{type(self).__name__} names no service"
        return self.call(self.service, form)


class ActionView(ScopedActionView):
    """A button that applies one `service` to the record, passed under its name in `RECORD_ARGUMENTS`."""

    @property
    def record_argument(self) -> str:
        return RECORD_ARGUMENTS[self.model]


class RecordView(ScopedViewMixin, DetailView):
    """A record's page: its related rows in one query, its title and its audit trail."""

    related: tuple[str, ...] = ()

    def refine_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.select_related(*self.related)

    def page_title(self) -> str:
        return str(self.object)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("page_title", self.page_title())
        kwargs.setdefault("audit_events", self.audit_events(self.object))
        return super().get_context_data(**kwargs)


class PackagesListView(ScopedListView):
    """A list page filtered by its API endpoint's FilterSet; `filter_fields` are the filters the
    page offers (the API takes them all)."""

    page_title = ""
    filter_fields: tuple[str, ...] = ()
    filter_label = "Filter"
    related: tuple[str, ...] = ()

    def refine_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.select_related(*self.related)

    def offered_filters(self) -> tuple[str, ...]:
        return self.filter_fields

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = context.get("filter_form")
        context.setdefault("page_title", self.page_title)
        context["filter_fields"] = [form[name] for name in self.offered_filters()] if form is not None else []
        context["filter_label"] = self.filter_label
        return context


def now_to_the_minute() -> dt.datetime:
    return timezone.localtime().replace(second=0, microsecond=0)


def ids_from_query(request: HttpRequest, *names: str) -> dict[str, str]:
    """Initial choices given in the query string (`?service_user=12`), digits only."""
    return {name: request.GET[name] for name in names if request.GET.get(name, "").isdigit()}


# --- people ---------------------------------------------------------------------------------------


class ServiceUserListView(PackagesListView):
    model = ServiceUser
    filterset_class = filters.ServiceUserFilter
    template_name = "packages_of_care/service_user_list.html"
    page_title = "People"
    related = ("scheme",)
    filter_fields = ("q",)
    filter_label = "Search"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            q=self.request.GET.get("q", ""), can_create=self.request.user.can(Capability.BROKER), **kwargs
        )


class ServiceUserDetailView(RecordView):
    model = ServiceUser
    template_name = "packages_of_care/service_user_detail.html"
    related = ("scheme", "commissioner")

    def page_title(self) -> str:
        return self.object.name

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user, person = self.request.user, self.object
        return super().get_context_data(
            orders=selectors.orders_for(user).filter(service_user=person),
            referrals=selectors.referrals_for(user).filter(service_user=person),
            absences=selectors.absences_for(user).filter(service_user=person),
            care_plans=selectors.care_plans_for(user).filter(service_user=person),
            age=person.age_on(timezone.localdate()),
            can_edit=user.can(Capability.BROKER),
            can_record_absence=has_any_capability(user, RECORDERS),
            **kwargs,
        )


class ServiceUserCreateView(ServiceFormView):
    model = ServiceUser
    form_class = forms.ServiceUserForm
    service = staticmethod(services.service_user_create)
    title = "Add a person"
    intro = (
        "Record only what the rules need: the council's reference, a name, and where and how care is funded."
    )
    submit_label = "Add the person"
    success_message = "The person is added."

    def cancel_url(self) -> str:
        return reverse("packages_of_care:service-user-list")


class ServiceUserEditView(ServiceFormView):
    model = ServiceUser
    form_class = forms.ServiceUserForm
    service = staticmethod(services.service_user_update)
    title = "Change the person's details"
    submit_label = "Save"
    success_message = "The details are saved."

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "instance": self.object}


# --- referrals ------------------------------------------------------------------------------------


class ReferralListView(PackagesListView):
    model = Referral
    filterset_class = filters.ReferralFilter
    page_title = "Referrals"
    related = ("service_user", "provider")
    filter_fields = ("decision",)
    filter_label = "Show referrals"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        context["rows"] = [(r, rules.referral_measures(r, now=now)) for r in context["object_list"]]
        context["can_create"] = self.request.user.can(Capability.BROKER)
        return context


class ReferralDetailView(RecordView):
    model = Referral
    related = ("service_user", "provider", "commissioner", "contract", "decided_by")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user, referral = self.request.user, self.object
        return super().get_context_data(
            measures=rules.referral_measures(referral, now=timezone.now()),
            orders=selectors.orders_for(user).filter(referral=referral),
            **{f"can_{name}": may for name, may in referral_actions(user, referral).items()},
            **kwargs,
        )


class ReferralCreateView(ServiceFormView):
    model = Referral
    form_class = forms.ReferralForm
    service = staticmethod(services.referral_create)
    title = "Refer a person to a provider"
    submit_label = "Send the referral"
    success_message = "The referral is sent to the provider."

    def get_initial(self) -> dict[str, Any]:
        return {"received_at": now_to_the_minute(), **ids_from_query(self.request, "service_user")}

    def cancel_url(self) -> str:
        return reverse("packages_of_care:referral-list")


class ReferralFormView(ServiceFormView):
    """A provider's answer on a referral."""

    model = Referral
    capability = Capability.PROVIDER_RECORD


class ReferralRespondView(ReferralFormView):
    form_class = forms.ReferralRespondForm
    service = staticmethod(services.referral_respond)
    title = "Record your response"
    intro = "When you first answered the referral (R5: emergencies within 24 working hours; R6: all within a week)."
    submit_label = "Record the response"
    success_message = "Your response is recorded."

    def get_initial(self) -> dict[str, Any]:
        return {"responded_at": self.object.responded_at or now_to_the_minute()}


class ReferralDecideView(ReferralFormView):
    form_class = forms.ReferralDecideForm
    service = staticmethod(services.referral_decide)
    capability = Capability.PROVIDER_MANAGE
    title = "Accept or decline the referral"
    submit_label = "Record the decision"
    success_message = "Your decision is recorded."


class ReferralProgressView(ReferralFormView):
    form_class = forms.ReferralProgressForm
    service = staticmethod(services.referral_record_progress)
    title = "Record the first visit and support solution"
    intro = "R7: first visit within 7 working days of acceptance. R8: support solution agreed within 5 working days of the first visit."
    submit_label = "Save the dates"
    success_message = "The dates are saved."

    def get_initial(self) -> dict[str, Any]:
        return {
            "first_visit_date": self.object.first_visit_date,
            "support_solution_agreed_date": self.object.support_solution_agreed_date,
        }


class ReferralEndView(ReferralFormView):
    form_class = forms.ReferralEndForm
    service = staticmethod(services.referral_end_service)
    capability = (Capability.PROVIDER_MANAGE, Capability.BROKER)
    service_error_fields = {
        "service_ended_on": "ended_on",
        "service_end_reason": "reason",
        "service_end_detail": "detail",
    }
    title = "Record the end of the service"
    intro = "R3 counts people completing the service; R4 those leaving before completion, and why."
    submit_label = "Record the end"
    success_message = "The end of the service is recorded."


# --- orders ---------------------------------------------------------------------------------------


WEEKS_SHOWN = 8


class OrderListView(PackagesListView):
    model = IndividualServiceOrder
    filterset_class = filters.OrderFilter
    template_name = "packages_of_care/order_list.html"
    page_title = "Individual Service Orders"

    def refine_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return selectors.with_current_version(queryset.select_related("service_user", "provider"))

    def offered_filters(self) -> tuple[str, ...]:
        # A provider sees only its own orders: choosing a provider is the council's filter.
        if self.request.user.organisation.kind == OrganisationKind.COMMISSIONER:
            return ("q", "status", "provider", "live_on", "plan_not_agreed")
        return ("q", "status", "live_on", "plan_not_agreed")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        counts = selectors.order_counts(self.request.user)
        return super().get_context_data(
            status_counts=[(value, label, counts[value]) for value, label in OrderStatus.choices],
            can_create=self.request.user.can(Capability.BROKER),
            **kwargs,
        )


class OrderDetailView(RecordView):
    model = IndividualServiceOrder
    template_name = "packages_of_care/order_detail.html"

    def refine_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return selectors.with_current_version(
            queryset.select_related(
                "service_user", "service_user__scheme", "provider", "commissioner", "contract", "referral"
            )
        )

    def page_title(self) -> str:
        return f"Order {self.object.reference}"

    def first_monday(self, versions: list[Any]) -> dt.date:
        try:
            return rules.monday_of(dt.date.fromisoformat(self.request.GET.get("weeks_from", "")))
        except ValueError:
            return selectors.default_first_monday(self.object, versions)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user, order = self.request.user, self.object
        today = timezone.localdate()
        versions = list(selectors.order_versions(user, order))
        variations = list(selectors.temporary_variations_for(user).filter(order=order))
        first_monday = self.first_monday(versions)
        current = rules.version_in_force(versions, max(today, order.start_date))
        care_plans = selectors.care_plans_for(user).filter(order=order)
        return super().get_context_data(
            versions=versions,
            current=current,
            current_schedule=forms.schedule_rows(current.schedule.all()) if current else [],
            weeks=selectors.order_weeks(
                order, versions, variations, first_monday=first_monday, weeks=WEEKS_SHOWN
            ),
            weeks_prev=first_monday - dt.timedelta(days=7 * WEEKS_SHOWN),
            weeks_next=first_monday + dt.timedelta(days=7 * WEEKS_SHOWN),
            variations=variations,
            absences=selectors.absences_for(user).filter(service_user=order.service_user)[:20],
            care_plans=care_plans,
            plan_agreement=selectors.plan_agreement(order, care_plans, today),
            today=today,
            can=order_actions(user, order),
            is_provider=user.organisation_id == order.provider_id,
            **kwargs,
        )


class OrderPageForm(ServiceFormView):
    """A form about one order."""

    model = IndividualServiceOrder


class OrderFormView(OrderPageForm):
    """The order form plus its schedule rows and outcome rows (formsets)."""

    template_name = "packages_of_care/order_form.html"

    def content(self) -> Any:
        """The version whose schedule and outcomes the rows start from (None: empty rows)."""
        return None

    def formsets(self) -> tuple[Any, Any]:
        if not hasattr(self, "_formsets"):
            data = self.request.POST if self.request.method == "POST" else None
            self._formsets = forms.content_formsets(self.content(), data)
        return self._formsets

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.get_form()
        schedule, outcomes = self.formsets()
        if form.is_valid() and schedule.is_valid() and outcomes.is_valid():
            return self.form_valid(form)
        if form.is_valid():  # the rows hold the errors: show them in the summary too
            form.add_error(None, "Check the visit schedule and outcomes below.")
        return self.form_invalid(form)

    def service_arguments(self, form: Any) -> dict[str, Any]:
        return {**form.cleaned_data, **forms.content_lines(*self.formsets())}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        schedule, outcomes = self.formsets()
        return super().get_context_data(schedule_formset=schedule, outcome_formset=outcomes, **kwargs)


class OrderCreateView(OrderFormView):
    form_class = forms.OrderForm
    service = staticmethod(services.order_create)
    title = "Draft an Individual Service Order"
    intro = "The order is a draft until you issue it to the provider."
    submit_label = "Save the draft"
    success_message = "The draft order is saved. Issue it when it is ready."

    def get_initial(self) -> dict[str, Any]:
        return {
            "is_planned_care": True,
            **ids_from_query(self.request, "service_user", "referral", "contract"),
        }

    def cancel_url(self) -> str:
        return reverse("packages_of_care:order-list")


class OrderEditView(OrderFormView):
    form_class = forms.OrderForm
    service = staticmethod(services.order_update)
    title = "Change the order"
    intro = "A draft or declined order changes in place; once issued, orders change by variation."
    submit_label = "Save the changes"
    success_message = "The order is saved."

    def content(self) -> Any:
        return self.object.versions.order_by("number").prefetch_related("schedule", "outcomes").first()

    def get_initial(self) -> dict[str, Any]:
        order, version = self.object, self.content()
        return {
            "service_user": order.service_user_id,
            "contract": order.contract_id,
            "referral": order.referral_id,
            "reference": order.reference,
            "start_date": order.start_date,
            "end_date": order.end_date,
            "is_planned_care": order.is_planned_care,
            "is_emergency": order.is_emergency,
            "weekly_hours": version.weekly_hours if version else None,
            "weekly_price": version.weekly_price if version else None,
        }


class OrderVaryView(OrderFormView):
    form_class = forms.OrderVaryForm
    service = staticmethod(services.order_vary)
    title = "Vary the order"
    intro = "A permanent variation: a new version of the order from a date. The weeks before keep the current hours."
    submit_label = "Save the variation"
    success_message = "The variation is saved."

    def content(self) -> Any:
        return (
            self.object.versions.order_by("-effective_from", "-number")
            .prefetch_related("schedule", "outcomes")
            .first()
        )

    def get_initial(self) -> dict[str, Any]:
        latest = self.content()
        return {"weekly_hours": latest.weekly_hours, "weekly_price": latest.weekly_price} if latest else {}

    def success_url_for(self, result: Any) -> str:
        return self.object.get_absolute_url()  # the new version shows on the order's page


class OrderIssueView(ActionView):
    model = IndividualServiceOrder
    write_capability = Capability.BROKER
    service = staticmethod(services.order_issue)
    success_message = "The order is issued. The provider is asked to accept or decline it."


class OrderWithdrawView(OrderIssueView):
    service = staticmethod(services.order_withdraw)
    success_message = "The order is withdrawn and is a draft again."


class OrderResumeView(OrderIssueView):
    service = staticmethod(services.order_resume)
    success_message = "The order is active again."


class OrderAcceptView(OrderPageForm):
    """Accepting asks for the user's password again, as the incumbents' portals do."""

    form_class = ConfirmPasswordForm
    capability = Capability.PROVIDER_MANAGE
    template_name = "packages_of_care/order_accept.html"
    title = "Accept the order"
    success_message = "You have accepted the order."

    def refine_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return selectors.with_current_version(
            queryset.select_related("service_user", "contract", "commissioner")
        )

    def caption(self) -> str:
        return f"Order {self.object.reference} from {self.object.commissioner.name}"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        current = rules.version_in_force(list(self.object.versions.all()), self.object.start_date)
        return super().get_context_data(
            order=self.object,
            schedule=forms.schedule_rows(current.schedule.all()) if current else [],
            outcomes=current.outcomes.all() if current else [],
            **kwargs,
        )

    def perform(self, form: Any) -> Any:
        return services.order_accept(actor=self.request.user, order=self.object)


class OrderDeclineView(OrderPageForm):
    form_class = forms.OrderDeclineForm
    service = staticmethod(services.order_decline)
    capability = Capability.PROVIDER_MANAGE
    service_error_fields = {"decline_reason": "reason", "decline_detail": "detail"}
    title = "Decline the order"
    intro = "The order goes back to the council's brokerage with your reason."
    success_message = "You have declined the order. Brokerage has been told why."


class OrderSuspendView(OrderPageForm):
    form_class = forms.OrderSuspendForm
    service = staticmethod(services.order_suspend)
    title = "Suspend the order"
    success_message = "The order is suspended."


class OrderEndView(OrderPageForm):
    form_class = forms.OrderEndForm
    service = staticmethod(services.order_end)
    title = "End the order"
    intro = "Care continues up to and including the last day; the order ends the day after."
    success_message = "The end date is saved."

    def get_initial(self) -> dict[str, Any]:
        order = self.object
        return {"end_date": order.end_date, "reason": order.end_reason, "detail": order.end_detail}


# --- temporary variations -------------------------------------------------------------------------


class TemporaryVariationListView(PackagesListView):
    model = TemporaryVariation
    filterset_class = filters.TemporaryVariationFilter
    template_name = "packages_of_care/temporary_variation_list.html"
    page_title = "Temporary variations"
    related = ("order", "order__service_user", "order__provider")
    filter_fields = ("status",)
    filter_label = "Show"


class TemporaryVariationDetailView(RecordView):
    model = TemporaryVariation
    template_name = "packages_of_care/temporary_variation_detail.html"
    related = ("order", "order__service_user", "order__provider", "requested_by", "decided_by")

    def page_title(self) -> str:
        return "Temporary variation"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        actions = variation_actions(self.request.user, self.object)
        return super().get_context_data(
            can_decide=actions["approve"], can_withdraw=actions["withdraw"], **kwargs
        )


class TemporaryVariationCreateView(OrderPageForm):
    """The provider asks for extra hours; brokerage records an authorisation already given."""

    form_class = forms.TemporaryVariationForm
    capability = (*PROVIDER_SIDE, Capability.BROKER)

    WORDING = {  # the provider asks; brokerage records what it has already authorised
        OrganisationKind.PROVIDER: (
            "Ask for extra hours",
            "Brokerage approves or refuses. Hours above the +20% tolerance are paid only when authorised.",
            "Send the request",
        ),
        OrganisationKind.COMMISSIONER: (
            "Authorise extra hours",
            "Record a temporary variation you have authorised: extra hours per week over a date range.",
            "Authorise the hours",
        ),
    }

    @property
    def is_provider(self) -> bool:
        return self.request.user.organisation.kind == OrganisationKind.PROVIDER

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        title, intro, submit = self.WORDING[self.request.user.organisation.kind]
        return super().get_context_data(page_title=title, intro=intro, submit_label=submit, **kwargs)

    def perform(self, form: Any) -> Any:
        side = (
            services.temporary_variation_request if self.is_provider else services.temporary_variation_record
        )
        return self.call(side, form)


class TemporaryVariationApproveView(ActionView):
    model = TemporaryVariation
    write_capability = Capability.BROKER
    service = staticmethod(services.temporary_variation_approve)
    posted_texts = {"note": 2000}
    success_message = "The extra hours are approved."


class TemporaryVariationWithdrawView(ActionView):
    model = TemporaryVariation
    required_capability = write_capability = PROVIDER_SIDE
    service = staticmethod(services.temporary_variation_withdraw)
    success_message = "Your request is withdrawn."


class TemporaryVariationRefuseView(ServiceFormView):
    model = TemporaryVariation
    form_class = forms.DecisionNoteForm
    service = staticmethod(services.temporary_variation_refuse)
    service_error_fields = {"decision_note": "note"}
    title = "Refuse the request"
    success_message = "The request is refused; the provider can see why."


# --- absences -------------------------------------------------------------------------------------


class AbsenceListView(PackagesListView):
    model = Absence
    filterset_class = filters.AbsenceFilter
    page_title = "Absences"
    related = ("service_user", "recorded_by_organisation")
    filter_fields = ("kind", "on")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        today = timezone.localdate().isoformat()
        return super().get_context_data(
            today=today,
            away_today=self.request.GET.get("on") == today,
            can_record=has_any_capability(self.request.user, RECORDERS),
            **kwargs,
        )


class AbsenceDetailView(RecordView):
    model = Absence
    related = ("service_user", "recorded_by", "recorded_by_organisation")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        can_end = self.object.end_date is None and has_any_capability(self.request.user, RECORDERS)
        can_agree_retainer = has_any_capability(self.request.user, (Capability.BROKER,))
        return super().get_context_data(can_end=can_end, can_agree_retainer=can_agree_retainer, **kwargs)


class AbsenceCreateView(ServiceFormView):
    model = Absence
    form_class = forms.AbsenceForm
    service = staticmethod(services.absence_record)
    capability = RECORDERS
    title = "Record an absence"
    intro = (
        "A person away from home: in hospital, on holiday or otherwise. One person's absences cannot overlap."
    )
    submit_label = "Record the absence"
    success_message = "The absence is recorded."

    def get_initial(self) -> dict[str, Any]:
        return ids_from_query(self.request, "service_user")

    def cancel_url(self) -> str:
        return reverse("packages_of_care:absence-list")


class AbsenceRetainerView(ServiceFormView):
    model = Absence
    form_class = forms.AbsenceRetainerForm
    service = staticmethod(services.absence_retainer_agree)
    capability = Capability.BROKER
    title = "Record a longer retainer agreed by the social worker"
    intro = "Paid in full to the day agreed in writing, the 7 days after at half, then nothing."
    success_message = "The longer retainer is recorded."


class AbsenceEndView(ServiceFormView):
    model = Absence
    form_class = forms.AbsenceEndForm
    service = staticmethod(services.absence_end)
    capability = RECORDERS
    title = "The person is home"
    submit_label = "Save the last day"
    success_message = "The absence has its last day."


# --- care plans -----------------------------------------------------------------------------------


class CarePlanListView(PackagesListView):
    """Current plans unless the page is asked for others (`show`)."""

    model = CarePlan
    filterset_class = filters.CarePlanFilter
    template_name = "packages_of_care/care_plan_list.html"
    page_title = "Care and support plans"
    related = ("service_user", "provider", "order")

    def refine_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        queryset = super().refine_queryset(queryset)
        return queryset if "show" in self.request.GET else queryset.filter(is_current=True)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        show = self.request.GET.get("show", filters.CarePlanFilter.CURRENT)
        shows = filters.CarePlanFilter.SHOWS
        return super().get_context_data(show=show, shows=shows, today=timezone.localdate(), **kwargs)


class CarePlanDetailView(RecordView):
    model = CarePlan
    template_name = "packages_of_care/care_plan_detail.html"
    related = ("service_user", "provider", "order")

    def page_title(self) -> str:
        return f"Care and support plan for {self.object.service_user.name}"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user, plan = self.request.user, self.object
        writer = (
            user.organisation_id == plan.provider_id and user.can(Capability.PROVIDER_RECORD)
        ) or user.can(Capability.BROKER)
        return super().get_context_data(
            today=timezone.localdate(), can_review=plan.is_current and writer, **kwargs
        )


class CarePlanCreateView(OrderPageForm):
    form_class = forms.CarePlanForm
    service = staticmethod(services.care_plan_create)
    capability = RECORDERS
    title = "Record the care and support plan"
    intro = "Agreed face to face before the service starts (within 48 hours in an emergency); reviewed at least once a year."
    submit_label = "Save the plan"
    success_message = "The plan is saved."


class CarePlanReviewView(ServiceFormView):
    model = CarePlan
    form_class = forms.CarePlanReviewForm
    service = staticmethod(services.care_plan_review)
    capability = RECORDERS
    title = "Record a review"
    submit_label = "Save the review"
    success_message = "The review is recorded."

    def get_initial(self) -> dict[str, Any]:
        plan = self.object
        return {
            "reviewed_on": timezone.localdate(),
            "summary": plan.summary,
            "potential_for_greater_independence": plan.potential_for_greater_independence,
        }
