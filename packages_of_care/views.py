"""The browser side of packages of care. Views find records through the user's scope (404),
check the capability (403), collect input with a form and call one service; a refused move
comes back as an error message and changes nothing."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, FormView

from portal.forms import ConfirmPasswordForm
from portal.roles import Capability, OrganisationKind, has_capability
from portal.views import ScopedActionView, ScopedListView, ScopedViewMixin

from . import forms, rules, selectors, services
from .models import (
    Absence,
    CarePlan,
    IndividualServiceOrder,
    OrderStatus,
    Referral,
    ReferralDecision,
    ServiceUser,
    TemporaryVariation,
    TemporaryVariationStatus,
)
from .resources import export_orders

PROVIDER_SIDE = (Capability.PROVIDER_RECORD, Capability.PROVIDER_MANAGE)
RECORDERS = (Capability.PROVIDER_RECORD, Capability.BROKER)
WEEKS_SHOWN = 8


def apply_service_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names if the form has one,
    else at the top of the error summary."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class AnyOfCapabilities:
    """`write_capabilities`: any one of them lets the user see the form and post it."""

    write_capabilities: tuple = ()

    def capability_for(self, method):
        if self.write_capabilities:
            user = self.request.user
            return next(
                (c for c in self.write_capabilities if has_capability(user, c)), self.write_capabilities[0]
            )
        return super().capability_for(method)


class ServiceFormView(AnyOfCapabilities, ScopedViewMixin, FormView):
    """A form whose valid input goes to one service. Subclasses implement `service(form)`,
    returning the record to show next."""

    template_name = "packages_of_care/form.html"
    title = ""
    intro = ""
    submit_label = "Save"
    success_message = "Saved."
    warning = ""

    def service(self, form):  # pragma: no cover - subclasses implement
        raise NotImplementedError

    def form_valid(self, form):
        try:
            record = self.service(form)
        except ValidationError as exc:
            apply_service_errors(form, exc)
            return self.form_invalid(form)
        if self.success_message:
            messages.success(self.request, self.success_message)
        return redirect(record.get_absolute_url())

    def caption(self) -> str:
        return str(getattr(self, "object", "") or "")

    def cancel_url(self) -> str:
        obj = getattr(self, "object", None)
        return obj.get_absolute_url() if obj is not None else reverse("portal:dashboard")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=self.title,
            caption=self.caption(),
            intro=self.intro,
            warning=self.warning,
            submit_label=self.submit_label,
            cancel_url=self.cancel_url(),
            **kwargs,
        )


def _actor(view):
    return view.request.user


# --- people ---------------------------------------------------------------------------------------


class ServiceUserListView(ScopedListView):
    model = ServiceUser
    template_name = "packages_of_care/service_user_list.html"

    def refine_queryset(self, queryset):
        queryset = queryset.select_related("scheme")
        q = self.request.GET.get("q", "").strip()
        if q:
            queryset = queryset.filter(
                Q(name__icontains=q) | Q(reference__icontains=q) | Q(scheme__name__icontains=q)
            )
        return queryset

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title="People",
            q=self.request.GET.get("q", ""),
            can_create=self.request.user.can(Capability.BROKER),
            **kwargs,
        )


class ServiceUserDetailView(ScopedViewMixin, DetailView):
    model = ServiceUser
    template_name = "packages_of_care/service_user_detail.html"

    def refine_queryset(self, queryset):
        return queryset.select_related("scheme", "commissioner")

    def get_context_data(self, **kwargs):
        user, person = self.request.user, self.object
        return super().get_context_data(
            page_title=person.name,
            orders=selectors.orders_for(user).filter(service_user=person),
            referrals=selectors.referrals_for(user).filter(service_user=person),
            absences=selectors.absences_for(user).filter(service_user=person),
            care_plans=selectors.care_plans_for(user).filter(service_user=person),
            age=person.age_on(timezone.localdate()),
            can_edit=user.can(Capability.BROKER),
            can_record_absence=any(user.can(c) for c in RECORDERS),
            audit_events=self.audit_events(person),
            **kwargs,
        )


class ServiceUserCreateView(ServiceFormView):
    model = ServiceUser
    form_class = forms.ServiceUserForm
    write_capabilities = (Capability.BROKER,)
    title = "Add a person"
    intro = (
        "Record only what the rules need: the council's reference, a name, and where and how care is funded."
    )
    submit_label = "Add the person"
    success_message = "The person is added."

    def cancel_url(self):
        return reverse("packages_of_care:service-user-list")

    def service(self, form):
        return services.service_user_create(actor=_actor(self), **form.cleaned_data)


class ServiceUserEditView(ServiceFormView):
    model = ServiceUser
    form_class = forms.ServiceUserForm
    write_capabilities = (Capability.BROKER,)
    title = "Change the person's details"
    success_message = "The details are saved."

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def service(self, form):
        return services.service_user_update(actor=_actor(self), service_user=self.object, **form.cleaned_data)


# --- referrals ------------------------------------------------------------------------------------


class ReferralListView(ScopedListView):
    model = Referral
    template_name = "packages_of_care/referral_list.html"

    def refine_queryset(self, queryset):
        queryset = queryset.select_related("service_user", "provider")
        decision = self.request.GET.get("decision", "")
        if decision in ReferralDecision.values:
            queryset = queryset.filter(decision=decision)
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        context.update(
            page_title="Referrals",
            decision=self.request.GET.get("decision", ""),
            decisions=ReferralDecision.choices,
            rows=[(r, rules.referral_measures(r, now=now)) for r in context["object_list"]],
            can_create=self.request.user.can(Capability.BROKER),
        )
        return context


class ReferralDetailView(ScopedViewMixin, DetailView):
    model = Referral
    template_name = "packages_of_care/referral_detail.html"

    def refine_queryset(self, queryset):
        return queryset.select_related("service_user", "provider", "commissioner", "contract", "decided_by")

    def get_context_data(self, **kwargs):
        user, referral = self.request.user, self.object
        is_provider = user.organisation_id == referral.provider_id
        return super().get_context_data(
            page_title=f"Referral {referral.reference}",
            measures=rules.referral_measures(referral, now=timezone.now()),
            orders=selectors.orders_for(user).filter(referral=referral),
            can_respond=is_provider and user.can(Capability.PROVIDER_RECORD),
            can_decide=is_provider
            and user.can(Capability.PROVIDER_MANAGE)
            and referral.decision == ReferralDecision.PENDING,
            can_progress=is_provider
            and user.can(Capability.PROVIDER_RECORD)
            and referral.decision == ReferralDecision.ACCEPTED,
            can_end=(user.can(Capability.PROVIDER_MANAGE) or user.can(Capability.BROKER))
            and referral.decision == ReferralDecision.ACCEPTED
            and referral.service_ended_on is None,
            can_order=user.can(Capability.BROKER),
            audit_events=self.audit_events(referral),
            **kwargs,
        )


class ReferralCreateView(ServiceFormView):
    model = Referral
    form_class = forms.ReferralForm
    write_capabilities = (Capability.BROKER,)
    title = "Refer a person to a provider"
    submit_label = "Send the referral"
    success_message = "The referral is sent to the provider."

    def get_initial(self):
        initial = {"received_at": timezone.localtime().replace(second=0, microsecond=0)}
        person = self.request.GET.get("service_user", "")
        if person.isdigit():
            initial["service_user"] = person
        return initial

    def cancel_url(self):
        return reverse("packages_of_care:referral-list")

    def service(self, form):
        return services.referral_create(actor=_actor(self), **form.cleaned_data)


class ReferralRespondView(ServiceFormView):
    model = Referral
    form_class = forms.ReferralRespondForm
    write_capabilities = (Capability.PROVIDER_RECORD,)
    title = "Record your response"
    intro = "When you first answered the referral (R5: emergencies within 24 working hours; R6: all within a week)."
    submit_label = "Record the response"
    success_message = "Your response is recorded."

    def get_initial(self):
        return {
            "responded_at": self.object.responded_at or timezone.localtime().replace(second=0, microsecond=0)
        }

    def service(self, form):
        return services.referral_respond(actor=_actor(self), referral=self.object, **form.cleaned_data)


class ReferralDecideView(ServiceFormView):
    model = Referral
    form_class = forms.ReferralDecideForm
    write_capabilities = (Capability.PROVIDER_MANAGE,)
    title = "Accept or decline the referral"
    submit_label = "Record the decision"
    success_message = "Your decision is recorded."

    def service(self, form):
        data = form.cleaned_data
        return services.referral_decide(
            actor=_actor(self),
            referral=self.object,
            decision=data["decision"],
            decline_reason=data.get("decline_reason", ""),
            decline_detail=data.get("decline_detail", ""),
        )


class ReferralProgressView(ServiceFormView):
    model = Referral
    form_class = forms.ReferralProgressForm
    write_capabilities = (Capability.PROVIDER_RECORD,)
    title = "Record the first visit and support solution"
    intro = "R7: first visit within 7 working days of acceptance. R8: support solution agreed within 5 working days of the first visit."
    submit_label = "Save the dates"
    success_message = "The dates are saved."

    def get_initial(self):
        return {
            "first_visit_date": self.object.first_visit_date,
            "support_solution_agreed_date": self.object.support_solution_agreed_date,
        }

    def service(self, form):
        return services.referral_record_progress(
            actor=_actor(self), referral=self.object, **form.cleaned_data
        )


class ReferralEndView(ServiceFormView):
    model = Referral
    form_class = forms.ReferralEndForm
    write_capabilities = (Capability.PROVIDER_MANAGE, Capability.BROKER)
    title = "Record the end of the service"
    intro = "R3 counts people completing the service; R4 those leaving before completion, and why."
    submit_label = "Record the end"
    success_message = "The end of the service is recorded."

    def service(self, form):
        return services.referral_end_service(actor=_actor(self), referral=self.object, **form.cleaned_data)


# --- orders ---------------------------------------------------------------------------------------


class OrderListView(ScopedListView):
    model = IndividualServiceOrder
    template_name = "packages_of_care/order_list.html"

    def filter_form(self):
        if not hasattr(self, "_filter_form"):
            self._filter_form = forms.OrderFilterForm(self.request.GET or None, user=self.request.user)
        return self._filter_form

    def refine_queryset(self, queryset):
        return forms.apply_order_filters(
            selectors.with_current_version(queryset.select_related("service_user", "provider")),
            self.filter_form(),
        )

    def get_context_data(self, **kwargs):
        user = self.request.user
        counts = selectors.order_counts(user)
        return super().get_context_data(
            page_title="Individual Service Orders",
            filter_form=self.filter_form(),
            status_counts=[(value, label, counts[value]) for value, label in OrderStatus.choices],
            is_commissioner=user.organisation.kind == OrganisationKind.COMMISSIONER,
            can_create=user.can(Capability.BROKER),
            **kwargs,
        )


class OrderExportView(ScopedViewMixin, View):
    """The orders the user sees (with the list's filters) as CSV or XLSX."""

    model = IndividualServiceOrder
    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        form = forms.OrderFilterForm(request.GET or None, user=request.user)
        queryset = forms.apply_order_filters(self.get_queryset(), form)
        fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
        content, content_type = export_orders(queryset, fmt)
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = (
            f'attachment; filename="orders-{timezone.localdate():%Y-%m-%d}.{fmt}"'
        )
        return response


class OrderDetailView(ScopedViewMixin, DetailView):
    model = IndividualServiceOrder
    template_name = "packages_of_care/order_detail.html"

    def refine_queryset(self, queryset):
        return selectors.with_current_version(
            queryset.select_related(
                "service_user", "service_user__scheme", "provider", "commissioner", "contract", "referral"
            )
        )

    def first_monday(self, versions) -> dt.date:
        value = self.request.GET.get("weeks_from", "")
        try:
            return rules.monday_of(dt.date.fromisoformat(value))
        except ValueError:
            return selectors.default_first_monday(self.object, versions)

    def get_context_data(self, **kwargs):
        user, order = self.request.user, self.object
        today = timezone.localdate()
        versions = list(selectors.order_versions(user, order))
        variations = list(selectors.temporary_variations_for(user).filter(order=order))
        first_monday = self.first_monday(versions)
        weeks = selectors.order_weeks(
            order, versions, variations, first_monday=first_monday, weeks=WEEKS_SHOWN
        )
        current = rules.version_in_force(versions, max(today, order.start_date))
        allowed = services.allowed_order_actions(order)
        is_council = user.organisation_id == order.commissioner_id
        is_provider = user.organisation_id == order.provider_id
        brokerage = is_council and user.can(Capability.BROKER)
        manager = is_provider and user.can(Capability.PROVIDER_MANAGE)
        return super().get_context_data(
            page_title=f"Order {order.reference}",
            versions=versions,
            current=current,
            current_schedule=forms.schedule_rows(current.schedule.all()) if current else [],
            weeks=weeks,
            weeks_prev=first_monday - dt.timedelta(days=7 * WEEKS_SHOWN),
            weeks_next=first_monday + dt.timedelta(days=7 * WEEKS_SHOWN),
            variations=variations,
            absences=selectors.absences_for(user).filter(service_user=order.service_user)[:20],
            care_plans=selectors.care_plans_for(user).filter(order=order),
            today=today,
            can={
                "edit": brokerage and "edit" in allowed,
                "issue": brokerage and "issue" in allowed,
                "withdraw": brokerage and "withdraw" in allowed,
                "suspend": brokerage and "suspend" in allowed,
                "resume": brokerage and "resume" in allowed,
                "end": brokerage and "end" in allowed,
                "vary": brokerage and "vary" in allowed,
                "accept": manager and "accept" in allowed,
                "decline": manager and "decline" in allowed,
                "request_variation": "request_variation" in allowed
                and ((is_provider and any(user.can(c) for c in PROVIDER_SIDE)) or brokerage),
                "care_plan": order.status not in (OrderStatus.DRAFT, OrderStatus.DECLINED)
                and ((is_provider and user.can(Capability.PROVIDER_RECORD)) or brokerage),
            },
            is_provider=is_provider,
            audit_events=self.audit_events(order),
            **kwargs,
        )


class OrderFormMixin:
    """The order form plus its schedule rows and outcome rows."""

    template_name = "packages_of_care/order_form.html"

    def initial_rows(self):
        return [], []

    def formsets(self):
        if not hasattr(self, "_formsets"):
            schedule, outcomes = self.initial_rows()
            data = self.request.POST if self.request.method == "POST" else None
            self._formsets = (
                forms.schedule_formset(max(2, 6 - len(schedule)))(data, initial=schedule, prefix="schedule"),
                forms.outcome_formset(max(1, 3 - len(outcomes)))(data, initial=outcomes, prefix="outcomes"),
            )
        return self._formsets

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        schedule, outcomes = self.formsets()
        if form.is_valid() and schedule.is_valid() and outcomes.is_valid():
            return self.form_valid(form)
        if form.is_valid():  # the rows hold the errors: show them in the summary too
            form.add_error(None, "Check the visit schedule and outcomes below.")
        return self.form_invalid(form)

    def rows(self):
        schedule, outcomes = self.formsets()
        return forms.schedule_lines(schedule.rows()), forms.outcome_lines(outcomes.rows())

    def get_context_data(self, **kwargs):
        schedule, outcomes = self.formsets()
        return super().get_context_data(schedule_formset=schedule, outcome_formset=outcomes, **kwargs)


class OrderCreateView(OrderFormMixin, ServiceFormView):
    model = IndividualServiceOrder
    form_class = forms.OrderForm
    write_capabilities = (Capability.BROKER,)
    title = "Draft an Individual Service Order"
    intro = "The order is a draft until you issue it to the provider."
    submit_label = "Save the draft"
    success_message = "The draft order is saved. Issue it when it is ready."

    def get_initial(self):
        initial = {"is_planned_care": True}
        for field in ("service_user", "referral", "contract"):
            value = self.request.GET.get(field, "")
            if value.isdigit():
                initial[field] = value
        return initial

    def cancel_url(self):
        return reverse("packages_of_care:order-list")

    def service(self, form):
        schedule, outcomes = self.rows()
        return services.order_create(
            actor=_actor(self), schedule=schedule, outcomes=outcomes, **form.cleaned_data
        )


class OrderEditView(OrderFormMixin, ServiceFormView):
    model = IndividualServiceOrder
    form_class = forms.OrderForm
    write_capabilities = (Capability.BROKER,)
    title = "Change the order"
    intro = "A draft or declined order changes in place; once issued, orders change by variation."
    submit_label = "Save the changes"
    success_message = "The order is saved."

    def version(self):
        return self.object.versions.order_by("number").prefetch_related("schedule", "outcomes").first()

    def get_initial(self):
        order, version = self.object, self.version()
        return {
            "service_user": order.service_user_id,
            "contract": order.contract_id,
            "referral": order.referral_id,
            "reference": order.reference,
            "start_date": order.start_date,
            "end_date": order.end_date,
            "is_planned_care": order.is_planned_care,
            "weekly_hours": version.weekly_hours if version else None,
            "weekly_price": version.weekly_price if version else None,
        }

    def initial_rows(self):
        version = self.version()
        if version is None:
            return [], []
        outcomes = [
            {"service_element": o.service_element, "category": o.category, "description": o.description}
            for o in version.outcomes.all()
        ]
        return forms.schedule_rows(version.schedule.all()), outcomes

    def service(self, form):
        schedule, outcomes = self.rows()
        return services.order_update(
            actor=_actor(self), order=self.object, schedule=schedule, outcomes=outcomes, **form.cleaned_data
        )


class OrderVaryView(OrderFormMixin, ServiceFormView):
    model = IndividualServiceOrder
    form_class = forms.OrderVaryForm
    write_capabilities = (Capability.BROKER,)
    title = "Vary the order"
    intro = "A permanent variation: a new version of the order from a date. The weeks before keep the current hours."
    submit_label = "Save the variation"
    success_message = "The variation is saved."

    def latest(self):
        return (
            self.object.versions.order_by("-effective_from", "-number")
            .prefetch_related("schedule", "outcomes")
            .first()
        )

    def get_initial(self):
        latest = self.latest()
        return {"weekly_hours": latest.weekly_hours, "weekly_price": latest.weekly_price} if latest else {}

    def initial_rows(self):
        latest = self.latest()
        if latest is None:
            return [], []
        outcomes = [
            {"service_element": o.service_element, "category": o.category, "description": o.description}
            for o in latest.outcomes.all()
        ]
        return forms.schedule_rows(latest.schedule.all()), outcomes

    def service(self, form):
        schedule, outcomes = self.rows()
        services.order_vary(
            actor=_actor(self), order=self.object, schedule=schedule, outcomes=outcomes, **form.cleaned_data
        )
        return self.object


class OrderActionView(ScopedActionView):
    model = IndividualServiceOrder
    write_capability = Capability.BROKER


class OrderIssueView(OrderActionView):
    success_message = "The order is issued. The provider is asked to accept or decline it."

    def perform(self, obj):
        services.order_issue(actor=self.request.user, order=obj)


class OrderWithdrawView(OrderActionView):
    success_message = "The order is withdrawn and is a draft again."

    def perform(self, obj):
        services.order_withdraw(actor=self.request.user, order=obj)


class OrderResumeView(OrderActionView):
    success_message = "The order is active again."

    def perform(self, obj):
        services.order_resume(actor=self.request.user, order=obj)


class OrderAcceptView(ServiceFormView):
    """Accepting asks for the user's password again, as the incumbents' portals do."""

    model = IndividualServiceOrder
    form_class = ConfirmPasswordForm
    write_capabilities = (Capability.PROVIDER_MANAGE,)
    template_name = "packages_of_care/order_accept.html"
    title = "Accept the order"
    submit_label = "Accept the order"
    success_message = "You have accepted the order."

    def refine_queryset(self, queryset):
        return selectors.with_current_version(
            queryset.select_related("service_user", "contract", "commissioner")
        )

    def get_context_data(self, **kwargs):
        current = rules.version_in_force(list(self.object.versions.all()), self.object.start_date)
        return super().get_context_data(
            order=self.object,
            schedule=forms.schedule_rows(current.schedule.all()) if current else [],
            outcomes=current.outcomes.all() if current else [],
            **kwargs,
        )

    def service(self, form):
        return services.order_accept(actor=_actor(self), order=self.object)


class OrderDeclineView(ServiceFormView):
    model = IndividualServiceOrder
    form_class = forms.OrderDeclineForm
    write_capabilities = (Capability.PROVIDER_MANAGE,)
    title = "Decline the order"
    intro = "The order goes back to the council's brokerage with your reason."
    submit_label = "Decline the order"
    success_message = "You have declined the order. Brokerage has been told why."

    def service(self, form):
        return services.order_decline(actor=_actor(self), order=self.object, **form.cleaned_data)


class OrderSuspendView(ServiceFormView):
    model = IndividualServiceOrder
    form_class = forms.OrderSuspendForm
    write_capabilities = (Capability.BROKER,)
    title = "Suspend the order"
    submit_label = "Suspend the order"
    success_message = "The order is suspended."

    def service(self, form):
        return services.order_suspend(actor=_actor(self), order=self.object, **form.cleaned_data)


class OrderEndView(ServiceFormView):
    model = IndividualServiceOrder
    form_class = forms.OrderEndForm
    write_capabilities = (Capability.BROKER,)
    title = "End the order"
    intro = "Care continues up to and including the last day; the order ends the day after."
    submit_label = "End the order"
    success_message = "The end date is saved."

    def get_initial(self):
        return {
            "end_date": self.object.end_date,
            "reason": self.object.end_reason,
            "detail": self.object.end_detail,
        }

    def service(self, form):
        return services.order_end(actor=_actor(self), order=self.object, **form.cleaned_data)


# --- temporary variations -------------------------------------------------------------------------


class TemporaryVariationListView(ScopedListView):
    model = TemporaryVariation
    template_name = "packages_of_care/temporary_variation_list.html"

    def refine_queryset(self, queryset):
        queryset = queryset.select_related("order", "order__service_user", "order__provider")
        status = self.request.GET.get("status", "")
        if status in TemporaryVariationStatus.values:
            queryset = queryset.filter(status=status)
        return queryset

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title="Temporary variations",
            status=self.request.GET.get("status", ""),
            statuses=TemporaryVariationStatus.choices,
            **kwargs,
        )


class TemporaryVariationDetailView(ScopedViewMixin, DetailView):
    model = TemporaryVariation
    template_name = "packages_of_care/temporary_variation_detail.html"

    def refine_queryset(self, queryset):
        return queryset.select_related(
            "order", "order__service_user", "order__provider", "requested_by", "decided_by"
        )

    def get_context_data(self, **kwargs):
        user, variation = self.request.user, self.object
        open_request = variation.status == TemporaryVariationStatus.REQUESTED
        return super().get_context_data(
            page_title="Temporary variation",
            can_decide=open_request and user.can(Capability.BROKER),
            can_withdraw=open_request
            and user.organisation_id == variation.order.provider_id
            and any(user.can(c) for c in PROVIDER_SIDE),
            audit_events=self.audit_events(variation),
            **kwargs,
        )


class TemporaryVariationCreateView(ServiceFormView):
    """The provider asks for extra hours; brokerage records an authorisation already given."""

    model = IndividualServiceOrder
    form_class = forms.TemporaryVariationForm
    write_capabilities = (*PROVIDER_SIDE, Capability.BROKER)

    @property
    def is_provider(self):
        return self.request.user.organisation.kind == OrganisationKind.PROVIDER

    @property
    def title(self):
        return "Ask for extra hours" if self.is_provider else "Authorise extra hours"

    @property
    def intro(self):
        if self.is_provider:
            return (
                "Brokerage approves or refuses. Hours above the +20% tolerance are paid only when authorised."
            )
        return "Record a temporary variation you have authorised: extra hours per week over a date range."

    @property
    def submit_label(self):
        return "Send the request" if self.is_provider else "Authorise the hours"

    def service(self, form):
        fn = services.temporary_variation_request if self.is_provider else services.temporary_variation_record
        return fn(actor=_actor(self), order=self.object, **form.cleaned_data)


class TemporaryVariationApproveView(ScopedActionView):
    model = TemporaryVariation
    write_capability = Capability.BROKER
    success_message = "The extra hours are approved."

    def perform(self, obj):
        services.temporary_variation_approve(
            actor=self.request.user, variation=obj, note=self.request.POST.get("note", "")[:2000]
        )


class TemporaryVariationWithdrawView(AnyOfCapabilities, ScopedActionView):
    model = TemporaryVariation
    write_capabilities = PROVIDER_SIDE
    success_message = "Your request is withdrawn."

    def perform(self, obj):
        services.temporary_variation_withdraw(actor=self.request.user, variation=obj)


class TemporaryVariationRefuseView(ServiceFormView):
    model = TemporaryVariation
    form_class = forms.DecisionNoteForm
    write_capabilities = (Capability.BROKER,)
    title = "Refuse the request"
    submit_label = "Refuse the request"
    success_message = "The request is refused; the provider can see why."

    def service(self, form):
        return services.temporary_variation_refuse(
            actor=_actor(self), variation=self.object, note=form.cleaned_data["note"]
        )


# --- absences -------------------------------------------------------------------------------------


class AbsenceListView(ScopedListView):
    model = Absence
    template_name = "packages_of_care/absence_list.html"

    def refine_queryset(self, queryset):
        queryset = queryset.select_related("service_user", "recorded_by_organisation")
        if self.request.GET.get("show") == "current":
            today = timezone.localdate()
            queryset = queryset.filter(start_date__lte=today).filter(
                Q(end_date__isnull=True) | Q(end_date__gte=today)
            )
        return queryset

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            page_title="Absences",
            show=self.request.GET.get("show", ""),
            can_record=any(user.can(c) for c in RECORDERS),
            **kwargs,
        )


class AbsenceDetailView(ScopedViewMixin, DetailView):
    model = Absence
    template_name = "packages_of_care/absence_detail.html"

    def refine_queryset(self, queryset):
        return queryset.select_related("service_user", "recorded_by", "recorded_by_organisation")

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            page_title=str(self.object),
            can_end=self.object.end_date is None and any(user.can(c) for c in RECORDERS),
            audit_events=self.audit_events(self.object),
            **kwargs,
        )


class AbsenceCreateView(ServiceFormView):
    model = Absence
    form_class = forms.AbsenceForm
    write_capabilities = RECORDERS
    title = "Record an absence"
    intro = (
        "A person away from home: in hospital, on holiday or otherwise. One person's absences cannot overlap."
    )
    submit_label = "Record the absence"
    success_message = "The absence is recorded."

    def get_initial(self):
        person = self.request.GET.get("service_user", "")
        return {"service_user": person} if person.isdigit() else {}

    def cancel_url(self):
        return reverse("packages_of_care:absence-list")

    def service(self, form):
        return services.absence_record(actor=_actor(self), **form.cleaned_data)


class AbsenceEndView(ServiceFormView):
    model = Absence
    form_class = forms.AbsenceEndForm
    write_capabilities = RECORDERS
    title = "The person is home"
    submit_label = "Save the last day"
    success_message = "The absence has its last day."

    def service(self, form):
        return services.absence_end(actor=_actor(self), absence=self.object, **form.cleaned_data)


# --- care plans -----------------------------------------------------------------------------------


class CarePlanListView(ScopedListView):
    model = CarePlan
    template_name = "packages_of_care/care_plan_list.html"

    def refine_queryset(self, queryset):
        queryset = queryset.select_related("service_user", "provider", "order")
        show = self.request.GET.get("show", "current")
        if show == "overdue":
            queryset = queryset.overdue_on(timezone.localdate())
        elif show == "current":
            queryset = queryset.filter(is_current=True)
        return queryset

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title="Care and support plans",
            show=self.request.GET.get("show", "current"),
            today=timezone.localdate(),
            **kwargs,
        )


class CarePlanDetailView(ScopedViewMixin, DetailView):
    model = CarePlan
    template_name = "packages_of_care/care_plan_detail.html"

    def refine_queryset(self, queryset):
        return queryset.select_related("service_user", "provider", "order")

    def get_context_data(self, **kwargs):
        user, plan = self.request.user, self.object
        writer = (
            user.organisation_id == plan.provider_id and user.can(Capability.PROVIDER_RECORD)
        ) or user.can(Capability.BROKER)
        return super().get_context_data(
            page_title=f"Care and support plan for {plan.service_user.name}",
            today=timezone.localdate(),
            can_review=plan.is_current and writer,
            audit_events=self.audit_events(plan),
            **kwargs,
        )


class CarePlanCreateView(ServiceFormView):
    model = IndividualServiceOrder
    form_class = forms.CarePlanForm
    write_capabilities = RECORDERS
    title = "Record the care and support plan"
    intro = "Agreed face to face before the service starts (within 48 hours in an emergency); reviewed at least once a year."
    submit_label = "Save the plan"
    success_message = "The plan is saved."

    def service(self, form):
        return services.care_plan_create(actor=_actor(self), order=self.object, **form.cleaned_data)


class CarePlanReviewView(ServiceFormView):
    model = CarePlan
    form_class = forms.CarePlanReviewForm
    write_capabilities = RECORDERS
    title = "Record a review"
    submit_label = "Save the review"
    success_message = "The review is recorded."

    def get_initial(self):
        return {
            "reviewed_on": timezone.localdate(),
            "summary": self.object.summary,
            "potential_for_greater_independence": self.object.potential_for_greater_independence,
        }

    def service(self, form):
        return services.care_plan_review(actor=_actor(self), plan=self.object, **form.cleaned_data)
