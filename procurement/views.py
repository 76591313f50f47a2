"""Framework membership and call-off screens. Every read of a bid goes through the sealed
`Bid.objects.visible_to`, so pages and the export show a council no bid before the closing time."""

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView, FormView, TemplateView

from portal.roles import Capability
from portal.tenancy import scoped
from portal.views import ScopedActionView, ScopedListView, ScopedViewMixin
from schemes.models import Framework, Lot

from . import selectors, services
from .forms import (
    ApplicationForm,
    BidForm,
    CallOffForm,
    CancelForm,
    CriterionForm,
    MembershipAddForm,
    MembershipDecisionForm,
    QuestionFormSet,
    ScoreForm,
    WithdrawForm,
    questions_from,
)
from .models import Bid, BidStatus, CallOff, CallOffStatus, LotEntryCriterion, LotMembership, MembershipStatus


def _add_errors(form, exc: ValidationError):
    if hasattr(exc, "message_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class ProcurementIndexView(ScopedViewMixin, TemplateView):
    """Frameworks and call-offs: what each side has to do."""

    model = LotMembership
    template_name = "procurement/index.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        context = {
            "page_title": "Frameworks and call-offs",
            "can_commission": user.can(Capability.COMMISSION),
            "can_manage": user.can(Capability.PROVIDER_MANAGE),
        }
        if user.is_commissioner_side:
            context["frameworks"] = scoped(Framework, user).filter(commissioner=user.organisation)
            context["pending"] = selectors.pending_applications(user).order_by("applied_at")
            context["calloffs"] = selectors.calloffs_for(user).exclude(status=CallOffStatus.CANCELLED)[:20]
        elif user.is_provider_side:
            context["open_lots"] = selectors.open_lots_for_provider(user)
            context["memberships"] = selectors.memberships_for(user).exclude(
                status=MembershipStatus.WITHDRAWN
            )
            context["to_bid"] = selectors.calloffs_to_bid(user, timezone.now())
        return super().get_context_data(**context, **kwargs)


class FrameworkProvidersView(ScopedViewMixin, DetailView):
    """Every provider on a framework with its lots, status, rating and compliance gaps."""

    model = Framework
    required_capability = Capability.COMMISSION
    template_name = "procurement/framework_providers.html"

    def get_context_data(self, **kwargs):
        rows = selectors.framework_providers(self.request.user, self.object, timezone.localdate())
        return super().get_context_data(page_title=f"Providers on {self.object.name}", rows=rows, **kwargs)


class LotCriteriaView(ScopedViewMixin, FormView):
    """A lot's entry criteria; the council adds criteria here."""

    model = Lot
    write_capability = Capability.COMMISSION
    form_class = CriterionForm
    template_name = "procurement/lot_criteria.html"

    def refine_queryset(self, queryset):
        return queryset.select_related("framework", "framework__commissioner")

    def get_context_data(self, **kwargs):
        user = self.request.user
        lot = self.object
        can_edit = user.can(Capability.COMMISSION) and lot.framework.commissioner_id == user.organisation_id
        context = {
            "page_title": f"Entry criteria: {lot}",
            "lot": lot,
            "criteria": selectors.criteria_for(user, lot),
            "can_edit": can_edit,
            "can_apply": user.can(Capability.PROVIDER_MANAGE),
        }
        if user.is_provider_side:
            _criteria, assessment = services.entry_assessment(provider=user.organisation, lot=lot)
            context["assessment"] = assessment
            context["membership"] = scoped(LotMembership, user).filter(lot=lot).first()
        return super().get_context_data(**context, **kwargs)

    def form_valid(self, form):
        if self.object.framework.commissioner_id != self.request.user.organisation_id:
            raise PermissionDenied
        try:
            services.criterion_add(actor=self.request.user, lot=self.object, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "The criterion is added.")
        return redirect("procurement:lot-criteria", pk=self.object.pk)


class CriterionRemoveView(ScopedActionView):
    model = LotEntryCriterion
    write_capability = Capability.COMMISSION
    success_message = "The criterion is removed."

    def perform(self, obj):
        if obj.lot.framework.commissioner_id != self.request.user.organisation_id:
            raise PermissionDenied
        services.criterion_remove(actor=self.request.user, criterion=obj)

    def get_success_url(self):
        return reverse("procurement:lot-criteria", args=[self.object.lot_id])


class MembershipApplyView(ScopedViewMixin, FormView):
    """A provider applies to join a lot: what the portal already holds is shown as met; the rest
    it declares."""

    model = Lot
    required_capability = Capability.PROVIDER_MANAGE
    write_capability = Capability.PROVIDER_MANAGE
    form_class = ApplicationForm
    template_name = "procurement/membership_apply.html"

    def refine_queryset(self, queryset):
        return queryset.select_related("framework", "framework__commissioner")

    def get_assessment(self, declared=()):
        return services.entry_assessment(
            provider=self.request.user.organisation, lot=self.object, declared=declared
        )

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        _criteria, assessment = self.get_assessment()
        kwargs["declarable"] = [r for r in assessment.results if r.declarable and r.basis != "portal"]
        return kwargs

    def get_context_data(self, **kwargs):
        _criteria, assessment = self.get_assessment()
        return super().get_context_data(
            page_title=f"Apply to join {self.object}",
            lot=self.object,
            assessment=assessment,
            membership=scoped(LotMembership, self.request.user).filter(lot=self.object).first(),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            membership = services.membership_apply(
                actor=self.request.user,
                provider=self.request.user.organisation,
                lot=self.object,
                declarations=form.cleaned_data["declarations"],
                statement=form.cleaned_data["statement"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Your application to join {self.object} is sent to the council.")
        return redirect(membership.get_absolute_url())


class MembershipAddView(ScopedViewMixin, FormView):
    """The council records a provider's admission made outside an application (e.g. its tender)."""

    model = Lot
    required_capability = Capability.COMMISSION
    write_capability = Capability.COMMISSION
    form_class = MembershipAddForm
    template_name = "procurement/membership_add.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=f"Add a provider to {self.object}", lot=self.object, **kwargs
        )

    def form_valid(self, form):
        if self.object.framework.commissioner_id != self.request.user.organisation_id:
            raise PermissionDenied
        try:
            membership = services.membership_admit_directly(
                actor=self.request.user, lot=self.object, **form.cleaned_data
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{membership.provider.name} is on {self.object}.")
        return redirect(membership.get_absolute_url())


class MembershipListView(ScopedListView):
    model = LotMembership
    template_name = "procurement/membership_list.html"

    def refine_queryset(self, queryset):
        queryset = queryset.select_related("lot", "lot__framework", "provider", "commissioner")
        status = self.request.GET.get("status", "")
        if status in MembershipStatus.values:
            queryset = queryset.filter(status=status)
        return queryset.order_by("lot__framework__name", "lot__position", "provider__name")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title="Lot memberships",
            statuses=MembershipStatus.choices,
            status=self.request.GET.get("status", ""),
            **kwargs,
        )


class MembershipDetailView(ScopedViewMixin, DetailView):
    model = LotMembership
    template_name = "procurement/membership_detail.html"

    def refine_queryset(self, queryset):
        return queryset.select_related(
            "lot", "lot__framework", "provider", "commissioner", "decided_by", "applied_by"
        )

    def get_context_data(self, **kwargs):
        user = self.request.user
        membership = self.object
        context = {
            "page_title": str(membership),
            "audit_events": self.audit_events(membership),
            "can_decide": user.can(Capability.COMMISSION)
            and membership.status in MembershipDecisionForm.CHOICES,
            "can_withdraw": user.can(Capability.PROVIDER_MANAGE)
            and membership.status
            in (MembershipStatus.APPLIED, MembershipStatus.ADMITTED, MembershipStatus.SUSPENDED),
        }
        if context["can_decide"]:
            context["decision_form"] = MembershipDecisionForm(status=membership.status, user=user)
            _criteria, assessment = services.entry_assessment(
                provider=membership.provider, lot=membership.lot, declared=membership.declarations
            )
            context["assessment_now"] = assessment
        if context["can_withdraw"]:
            context["withdraw_form"] = WithdrawForm(user=user)
        return super().get_context_data(**context, **kwargs)


class MembershipDecideView(ScopedViewMixin, FormView):
    """Admit or reject an application, suspend a member, or readmit one — with reasons."""

    model = LotMembership
    http_method_names = ["post"]
    required_capability = Capability.COMMISSION
    write_capability = Capability.COMMISSION
    form_class = MembershipDecisionForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["status"] = self.object.status
        return kwargs

    def form_invalid(self, form):
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(
                    self.request, f"{form.fields[field].label}: {error}" if field in form.fields else error
                )
        return redirect(self.object.get_absolute_url())

    def form_valid(self, form):
        decision, reason = form.cleaned_data["decision"], form.cleaned_data["reason"]
        action = {
            "admit": services.membership_admit,
            "reject": services.membership_reject,
            "suspend": services.membership_suspend,
            "readmit": services.membership_readmit,
        }[decision]
        try:
            membership = action(actor=self.request.user, membership=self.object, reason=reason)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(self.request, message)
        else:
            messages.success(
                self.request, f"{membership.provider.name} is {membership.get_status_display().lower()}."
            )
        return redirect(self.object.get_absolute_url())


class MembershipWithdrawView(ScopedActionView):
    model = LotMembership
    write_capability = Capability.PROVIDER_MANAGE
    success_message = "You have left the lot."

    def perform(self, obj):
        services.membership_withdraw(
            actor=self.request.user, membership=obj, reason=self.request.POST.get("reason", "")[:2000]
        )


class CallOffListView(ScopedListView):
    model = CallOff
    template_name = "procurement/calloff_list.html"

    def refine_queryset(self, queryset):
        return queryset.select_related("lot", "lot__framework", "commissioner").order_by("-closes_at")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title="Call-offs",
            can_create=self.request.user.can(Capability.COMMISSION),
            now=timezone.now(),
            **kwargs,
        )


class CallOffFormMixin:
    template_name = "procurement/calloff_form.html"
    form_class = CallOffForm
    required_capability = Capability.COMMISSION
    write_capability = Capability.COMMISSION

    def get_formset(self):
        if self.request.method == "POST":
            return QuestionFormSet(
                self.request.POST, prefix="questions", form_kwargs={"user": self.request.user}
            )
        return QuestionFormSet(
            prefix="questions", initial=self.initial_questions(), form_kwargs={"user": self.request.user}
        )

    def initial_questions(self):
        return [
            {
                "text": "How will you recruit and keep enough trained staff for the schemes?",
                "weight": 40,
                "max_score": 5,
            },
            {
                "text": "How will you agree and review outcomes with each person?",
                "weight": 30,
                "max_score": 5,
            },
        ]

    def get_context_data(self, **kwargs):
        kwargs.setdefault("formset", self.get_formset())
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        formset = self.get_formset()
        if form.is_valid() and formset.is_valid():
            return self.save(form, formset)
        return self.render_to_response(self.get_context_data(form=form, formset=formset))


class CallOffCreateView(CallOffFormMixin, ScopedViewMixin, FormView):
    model = CallOff

    def get_initial(self):
        return {
            "price_min": "21.00",
            "price_max": "23.52",
            "price_weight": "30",
            "payment_model": "hourly_4_weekly",
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title="New call-off", **kwargs)

    def save(self, form, formset):
        data = dict(form.cleaned_data)
        schemes = list(data.pop("schemes") or [])
        try:
            calloff = services.calloff_create(
                actor=self.request.user,
                commissioner=self.request.user.organisation,
                questions=questions_from(formset),
                schemes=schemes,
                **data,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form, formset=formset))
        messages.success(
            self.request, f"Call-off {calloff.reference} is saved as a draft: publish it when ready."
        )
        return redirect(calloff.get_absolute_url())


class CallOffUpdateView(CallOffFormMixin, ScopedViewMixin, FormView):
    model = CallOff

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.object
        kwargs["initial"] = {"schemes": list(self.object.schemes.all())}
        return kwargs

    def initial_questions(self):
        return [
            {"text": q.text, "weight": q.weight, "max_score": q.max_score}
            for q in self.object.questions.all()
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=f"Change {self.object.reference}", calloff=self.object, **kwargs
        )

    def save(self, form, formset):
        data = dict(form.cleaned_data)
        schemes = list(data.pop("schemes") or [])
        try:
            calloff = services.calloff_update(
                actor=self.request.user,
                calloff=self.object,
                questions=questions_from(formset),
                schemes=schemes,
                **data,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form, formset=formset))
        messages.success(self.request, "The call-off is saved.")
        return redirect(calloff.get_absolute_url())


class CallOffDetailView(ScopedViewMixin, DetailView):
    model = CallOff
    template_name = "procurement/calloff_detail.html"

    def refine_queryset(self, queryset):
        return queryset.select_related("lot", "lot__framework", "commissioner", "contract", "awarded_bid")

    def get_context_data(self, **kwargs):
        user = self.request.user
        calloff = self.object
        context = {
            "page_title": f"Call-off {calloff.reference}",
            "questions": list(calloff.questions.all()),
            "schemes": scoped(calloff.schemes.all(), user).order_by("name"),
            "now": timezone.now(),
        }
        if user.is_commissioner_side:
            context["is_owner"] = calloff.commissioner_id == user.organisation_id
            context["can_manage"] = user.can(Capability.COMMISSION) and context["is_owner"]
            context["ranking"] = None
            if calloff.bids_opened:
                # Bids reach the council only through the sealed scope: after the closing time.
                context["ranking"] = services.ranking(calloff, scoped(Bid, user).filter(calloff=calloff))
                context["all_scored"] = all(r.fully_scored for _b, r in context["ranking"])
            context["cancel_form"] = CancelForm(user=user)
            context["audit_events"] = self.audit_events(calloff)
        elif user.is_provider_side:
            context["my_bid"] = scoped(Bid, user).filter(calloff=calloff).first()
            membership = scoped(LotMembership, user).filter(lot=calloff.lot).first()
            context["membership"] = membership
            context["can_bid"] = (
                user.can(Capability.PROVIDER_MANAGE)
                and calloff.is_open_for_bids
                and membership is not None
                and membership.status == MembershipStatus.ADMITTED
            )
            context["won"] = (
                calloff.awarded_bid_id is not None
                and context["my_bid"] is not None
                and (calloff.awarded_bid_id == context["my_bid"].pk)
            )
        return super().get_context_data(**context, **kwargs)


class CallOffPublishView(ScopedActionView):
    model = CallOff
    write_capability = Capability.COMMISSION
    success_message = "The call-off is published: the providers admitted to the lot are told."

    def perform(self, obj):
        services.calloff_publish(actor=self.request.user, calloff=obj)


class CallOffCancelView(ScopedActionView):
    model = CallOff
    write_capability = Capability.COMMISSION
    success_message = "The call-off is cancelled; its bids will not be opened."

    def perform(self, obj):
        services.calloff_cancel(
            actor=self.request.user, calloff=obj, reason=self.request.POST.get("reason", "")[:2000]
        )


class CallOffAwardView(ScopedActionView):
    """Award the call-off to the highest-ranked bid; the contract is created at its rate."""

    model = CallOff
    write_capability = Capability.COMMISSION

    def perform(self, obj):
        bid_id = self.request.POST.get("bid", "")
        bid = scoped(Bid, self.request.user).filter(calloff=obj, pk=bid_id if bid_id.isdigit() else 0).first()
        if bid is None:
            raise ValidationError("Choose an opened bid of this call-off to award.")
        calloff = services.calloff_award(actor=self.request.user, calloff=obj, bid=bid)
        messages.success(
            self.request,
            f"Awarded to {bid.provider.name}: contract {calloff.contract.reference} at £{bid.hourly_rate} an hour.",
        )


class CallOffBidsExportView(ScopedViewMixin, DetailView):
    """The opened bids, ranked, as CSV. Before the closing time there is nothing to export."""

    model = CallOff
    required_capability = Capability.COMMISSION

    def get(self, request, *args, **kwargs):
        calloff = self.object
        if not calloff.bids_opened:
            raise PermissionDenied("Bids are sealed until the closing time.")
        ranking = services.ranking(calloff, scoped(Bid, request.user).filter(calloff=calloff))
        questions = list(calloff.questions.all())
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{calloff.reference}-bids.csv"'
        writer = csv.writer(response)
        writer.writerow(
            ["rank", "provider", "hourly_rate", "submitted_at"]
            + [f"q{q.position}_score_of_{q.max_score}" for q in questions]
            + ["quality_points", "price_points", "total_points"]
        )
        for bid, r in ranking:
            scores = {a.question_id: a.score for a in bid.answers.all()}
            writer.writerow(
                [r.rank, bid.provider.name, bid.hourly_rate, timezone.localtime(bid.submitted_at).isoformat()]
                + [scores.get(q.pk, "") for q in questions]
                + [r.quality_points if r.quality_points is not None else "", r.price_points, r.total or ""]
            )
        return response


class BidSubmitView(ScopedViewMixin, FormView):
    """Submit or revise a sealed bid before the closing time."""

    model = CallOff
    required_capability = Capability.PROVIDER_MANAGE
    write_capability = Capability.PROVIDER_MANAGE
    form_class = BidForm
    template_name = "procurement/bid_form.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["calloff"] = self.object
        return kwargs

    def get_initial(self):
        bid = scoped(Bid, self.request.user).filter(calloff=self.object, status=BidStatus.SUBMITTED).first()
        if bid is None:
            return {}
        initial = {"hourly_rate": bid.hourly_rate, "note": bid.note}
        initial.update({f"answer_{a.question_id}": a.answer for a in bid.answers.all()})
        return initial

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=f"Bid for {self.object.reference}", calloff=self.object, **kwargs
        )

    def form_valid(self, form):
        try:
            bid = services.bid_submit(
                actor=self.request.user,
                provider=self.request.user.organisation,
                calloff=self.object,
                hourly_rate=form.cleaned_data["hourly_rate"],
                answers=form.answers(),
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        closes = timezone.localtime(self.object.closes_at)
        messages.success(
            self.request,
            f"Your bid is submitted and sealed until {closes:%H:%M on %d %B %Y}. You may revise it until then.",
        )
        return redirect(bid.get_absolute_url())


class BidDetailView(ScopedViewMixin, DetailView):
    model = Bid
    template_name = "procurement/bid_detail.html"

    def refine_queryset(self, queryset):
        return queryset.select_related("calloff", "provider", "calloff__lot")

    def get_context_data(self, **kwargs):
        user = self.request.user
        bid = self.object
        show_scores = user.is_commissioner_side or bid.calloff.status == CallOffStatus.AWARDED
        return super().get_context_data(
            page_title=f"Bid by {bid.provider.name}",
            answers=bid.answers.select_related("question").order_by("question__position"),
            show_scores=show_scores,
            can_withdraw=user.can(Capability.PROVIDER_MANAGE)
            and bid.status == BidStatus.SUBMITTED
            and bid.calloff.is_open_for_bids,
            can_score=user.can(Capability.COMMISSION) and bid.calloff.status == CallOffStatus.PUBLISHED,
            audit_events=self.audit_events(bid),
            **kwargs,
        )


class BidWithdrawView(ScopedActionView):
    model = Bid
    write_capability = Capability.PROVIDER_MANAGE
    success_message = "Your bid is withdrawn."

    def perform(self, obj):
        services.bid_withdraw(actor=self.request.user, bid=obj)


class BidScoreView(ScopedViewMixin, FormView):
    """The council scores an opened bid, question by question."""

    model = Bid
    required_capability = Capability.COMMISSION
    write_capability = Capability.COMMISSION
    form_class = ScoreForm
    template_name = "procurement/bid_score.html"

    def get_answers(self):
        return list(self.object.answers.select_related("question").order_by("question__position"))

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["answers"] = self.get_answers()
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=f"Score the bid by {self.object.provider.name}", bid=self.object, **kwargs
        )

    def form_valid(self, form):
        try:
            services.bid_score(actor=self.request.user, bid=self.object, scores=form.scores())
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"The bid by {self.object.provider.name} is scored.")
        return redirect(self.object.calloff.get_absolute_url())
