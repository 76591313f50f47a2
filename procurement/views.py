"""Framework membership and call-off screens. Every read of a bid goes through the sealed
`Bid.objects.visible_to`, so pages and the export show a council no bid before the closing time."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView, TemplateView

from portal.access_log.models import AccessAction
from portal.access_log.recording import record_read
from portal.exports import csv_writer
from portal.roles import Capability
from portal.tenancy import scoped
from portal.views import ScopedActionView, ScopedListView, ScopedViewMixin, ServiceFormView
from schemes.models import MEMBERSHIP_WORKFLOW, Framework, Lot, LotMembership, MembershipStatus

from . import selectors, services
from .api.filters import CallOffFilter, MembershipFilter
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
from .models import BID_WORKFLOW, CALLOFF_WORKFLOW, Bid, BidStatus, CallOff, CallOffStatus, LotEntryCriterion


def _may_apply(membership: LotMembership | None) -> bool:
    """Whether the provider may (re-)apply: the membership table allows it from its state."""
    return "apply" in MEMBERSHIP_WORKFLOW.actions_from(membership.status if membership else "")


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


class CouncilLotFormView(ServiceFormView):
    """A form on one of the council's own lots (a lot another council's user can see is refused)."""

    model = Lot
    required_capability = write_capability = Capability.COMMISSION

    def perform(self, form: Any) -> Any:
        if self.object.framework.commissioner_id != self.request.user.organisation_id:
            raise PermissionDenied
        return self.perform_on_lot(form)

    def perform_on_lot(self, form: Any) -> Any:  # pragma: no cover - subclasses implement
        raise NotImplementedError


class LotCriteriaView(CouncilLotFormView):
    """A lot's entry criteria; the council adds criteria here."""

    required_capability = Capability.VIEW
    form_class = CriterionForm
    template_name = "procurement/lot_criteria.html"
    success_message = "The criterion is added."

    def refine_queryset(self, queryset):
        return queryset.select_related("framework", "framework__commissioner")

    def get_context_data(self, **kwargs):
        user = self.request.user
        lot = self.object
        context = {
            "page_title": f"Entry criteria: {lot}",
            "lot": lot,
            "criteria": selectors.criteria_for(user, lot),
            "can_edit": user.can(Capability.COMMISSION)
            and lot.framework.commissioner_id == user.organisation_id,
            "can_apply": user.can(Capability.PROVIDER_MANAGE),
        }
        if user.is_provider_side:
            _criteria, context["assessment"] = selectors.entry_assessment(provider=user.organisation, lot=lot)
            context["membership"] = membership = scoped(LotMembership, user).filter(lot=lot).first()
            context["may_apply"] = _may_apply(membership)
        return super().get_context_data(**context, **kwargs)

    def perform_on_lot(self, form):
        return services.criterion_add(actor=self.request.user, lot=self.object, **form.cleaned_data)

    def success_url_for(self, result):
        return reverse("procurement:lot-criteria", args=[self.object.pk])


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


class MembershipApplyView(ServiceFormView):
    """A provider applies to join a lot: what the portal already holds is shown as met; the rest
    it declares."""

    model = Lot
    required_capability = write_capability = Capability.PROVIDER_MANAGE
    form_class = ApplicationForm
    template_name = "procurement/membership_apply.html"

    def refine_queryset(self, queryset):
        return queryset.select_related("framework", "framework__commissioner")

    def assessment(self):
        if not hasattr(self, "_assessment"):
            _criteria, self._assessment = selectors.entry_assessment(
                provider=self.request.user.organisation, lot=self.object
            )
        return self._assessment

    def get_form_kwargs(self):
        declarable = [r for r in self.assessment().results if r.declarable and r.basis != "portal"]
        return {**super().get_form_kwargs(), "declarable": declarable}

    def get_context_data(self, **kwargs):
        membership = scoped(LotMembership, self.request.user).filter(lot=self.object).first()
        return super().get_context_data(
            page_title=f"Apply to join {self.object}",
            lot=self.object,
            assessment=self.assessment(),
            membership=membership,
            may_apply=_may_apply(membership),
            **kwargs,
        )

    def perform(self, form):
        return services.membership_apply(
            actor=self.request.user,
            provider=self.request.user.organisation,
            lot=self.object,
            **form.cleaned_data,
        )

    def get_success_message(self, result):
        return f"Your application to join {self.object} is sent to the council."


class MembershipAddView(CouncilLotFormView):
    """The council records a provider's admission made outside an application (e.g. its tender)."""

    form_class = MembershipAddForm
    template_name = "procurement/form.html"
    intro = (
        "Record a provider that came onto the lot other than by applying here, for example through the "
        "framework's tender. Providers apply to open frameworks themselves."
    )
    submit_label = "Add the provider"

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title=f"Add a provider to {self.object}", **kwargs)

    def caption(self):
        return self.object.framework.name

    def perform_on_lot(self, form):
        return services.membership_admit_directly(
            actor=self.request.user, lot=self.object, **form.cleaned_data
        )

    def get_success_message(self, result):
        return f"{result.provider.name} is on {self.object}."


class MembershipListView(ScopedListView):
    model = LotMembership
    template_name = "procurement/membership_list.html"
    filterset_class = MembershipFilter
    filter_fields = ("status",)

    def refine_queryset(self, queryset):
        return queryset.select_related("lot", "lot__framework", "provider", "commissioner").order_by(
            "lot__framework__name", "lot__position", "provider__name"
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title="Lot memberships", **kwargs)


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
        decision_form = MembershipDecisionForm(status=membership.status, user=user)
        context = {
            "page_title": str(membership),
            "audit_events": self.audit_events(membership),
            "can_decide": user.can(Capability.COMMISSION) and bool(decision_form.fields["decision"].choices),
            "can_withdraw": user.can(Capability.PROVIDER_MANAGE)
            and "withdraw" in MEMBERSHIP_WORKFLOW.allowed(membership),
        }
        if context["can_decide"]:
            context["decision_form"] = decision_form
            _criteria, context["assessment_now"] = selectors.entry_assessment(
                provider=membership.provider, lot=membership.lot, declared=membership.declarations
            )
        if context["can_withdraw"]:
            context["withdraw_form"] = WithdrawForm(user=user)
        return super().get_context_data(**context, **kwargs)


class MembershipDecideView(ServiceFormView):
    """Admit or reject an application, suspend a member, or readmit one — with reasons. The form
    sits on the membership's page, so its errors come back there as messages."""

    model = LotMembership
    http_method_names = ["post"]
    required_capability = write_capability = Capability.COMMISSION
    form_class = MembershipDecisionForm
    ACTIONS = {
        "admit": services.membership_admit,
        "reject": services.membership_reject,
        "suspend": services.membership_suspend,
        "readmit": services.membership_readmit,
    }

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "status": self.object.status}

    def form_invalid(self, form):
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(
                    self.request, f"{form.fields[field].label}: {error}" if field in form.fields else error
                )
        return redirect(self.object.get_absolute_url())

    def perform(self, form):
        decide = self.ACTIONS[form.cleaned_data["decision"]]
        return decide(actor=self.request.user, membership=self.object, reason=form.cleaned_data["reason"])

    def get_success_message(self, result):
        return f"{result.provider.name} is {result.get_status_display().lower()}."


class MembershipWithdrawView(ScopedActionView):
    model = LotMembership
    write_capability = Capability.PROVIDER_MANAGE
    success_message = "You have left the lot."
    service = staticmethod(services.membership_withdraw)
    record_argument = "membership"
    posted_texts = {"reason": 2000}


class CallOffListView(ScopedListView):
    model = CallOff
    template_name = "procurement/calloff_list.html"
    filterset_class = CallOffFilter
    filter_fields = ("status", "reference")

    def refine_queryset(self, queryset):
        return queryset.select_related("lot", "lot__framework", "commissioner").order_by("-closes_at")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title="Call-offs",
            can_create=self.request.user.can(Capability.COMMISSION),
            now=timezone.now(),
            **kwargs,
        )


class CallOffFormView(ServiceFormView):
    """A call-off's terms and its quality questions (a formset), saved together by one service."""

    model = CallOff
    template_name = "procurement/calloff_form.html"
    form_class = CallOffForm
    required_capability = write_capability = Capability.COMMISSION

    def get_formset(self):
        if not hasattr(self, "_formset"):
            options = {"prefix": "questions", "form_kwargs": {"user": self.request.user}}
            if self.request.method == "POST":
                self._formset = QuestionFormSet(self.request.POST, **options)
            else:
                self._formset = QuestionFormSet(initial=self.initial_questions(), **options)
        return self._formset

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
        return super().get_context_data(formset=self.get_formset(), **kwargs)

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_valid() and self.get_formset().is_valid():
            return self.form_valid(form)
        return self.form_invalid(form)

    def terms(self, form):
        """The service's arguments: the form's fields, its schemes as a list, and the questions."""
        terms = dict(form.cleaned_data)
        terms["schemes"] = list(terms["schemes"] or [])
        terms["questions"] = questions_from(self.get_formset())
        return terms


class CallOffCreateView(CallOffFormView):
    title = "New call-off"

    def get_initial(self):
        return {
            "price_min": "21.00",
            "price_max": "23.52",
            "price_weight": "30",
            "payment_model": "hourly_4_weekly",
        }

    def cancel_url(self):
        return reverse("procurement:calloff-list")

    def perform(self, form):
        return services.calloff_create(
            actor=self.request.user, commissioner=self.request.user.organisation, **self.terms(form)
        )

    def get_success_message(self, result):
        return f"Call-off {result.reference} is saved as a draft: publish it when ready."


class CallOffUpdateView(CallOffFormView):
    success_message = "The call-off is saved."

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "instance": self.object,
            "initial": {"schemes": list(self.object.schemes.all())},
        }

    def initial_questions(self):
        return [
            {"text": q.text, "weight": q.weight, "max_score": q.max_score}
            for q in self.object.questions.all()
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title=f"Change {self.object.reference}", **kwargs)

    def perform(self, form):
        return services.calloff_update(actor=self.request.user, calloff=self.object, **self.terms(form))


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
            "actions": CALLOFF_WORKFLOW.allowed(calloff),
        }
        if user.is_commissioner_side:
            context["is_owner"] = calloff.commissioner_id == user.organisation_id
            context["can_manage"] = user.can(Capability.COMMISSION) and context["is_owner"]
            context["ranking"] = None
            if calloff.bids_opened:
                # Bids reach the council only through the sealed scope: after the closing time.
                context["ranking"] = selectors.ranking(calloff, scoped(Bid, user).filter(calloff=calloff))
                context["all_scored"] = all(r.fully_scored for _b, r in context["ranking"])
            context["cancel_form"] = CancelForm(user=user)
            context["audit_events"] = self.audit_events(calloff)
        elif user.is_provider_side:
            my_bid = scoped(Bid, user).filter(calloff=calloff).first()
            membership = scoped(LotMembership, user).filter(lot=calloff.lot).first()
            context.update(
                my_bid=my_bid,
                membership=membership,
                can_bid=user.can(Capability.PROVIDER_MANAGE)
                and calloff.is_open_for_bids
                and membership is not None
                and membership.status == MembershipStatus.ADMITTED,
                won=my_bid is not None and calloff.awarded_bid_id == my_bid.pk,
            )
        return super().get_context_data(**context, **kwargs)


class CallOffPublishView(ScopedActionView):
    model = CallOff
    write_capability = Capability.COMMISSION
    success_message = "The call-off is published: the providers admitted to the lot are told."
    service = staticmethod(services.calloff_publish)
    record_argument = "calloff"


class CallOffCancelView(ScopedActionView):
    model = CallOff
    write_capability = Capability.COMMISSION
    success_message = "The call-off is cancelled; its bids will not be opened."
    service = staticmethod(services.calloff_cancel)
    record_argument = "calloff"
    posted_texts = {"reason": 2000}


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
        ranking = selectors.ranking(calloff, scoped(Bid, request.user).filter(calloff=calloff))
        questions = list(calloff.questions.all())
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{calloff.reference}-bids.csv"'
        writer = csv_writer(response)
        record_read(
            request,
            action=AccessAction.EXPORTED,
            what=f"bids on {calloff.reference} (csv)",
            model=Bid,
            rows=len(ranking),
        )
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


class BidSubmitView(ServiceFormView):
    """Submit or revise a sealed bid before the closing time."""

    model = CallOff
    required_capability = write_capability = Capability.PROVIDER_MANAGE
    form_class = BidForm
    template_name = "procurement/bid_form.html"
    submit_label = "Submit the bid"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "calloff": self.object}

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

    def caption(self):
        return f"{self.object.commissioner.name} · {self.object.lot}"

    def perform(self, form):
        return services.bid_submit(
            actor=self.request.user,
            provider=self.request.user.organisation,
            calloff=self.object,
            hourly_rate=form.cleaned_data["hourly_rate"],
            answers=form.answers(),
            note=form.cleaned_data["note"],
        )

    def get_success_message(self, result):
        closes = timezone.localtime(self.object.closes_at)
        return f"Your bid is submitted and sealed until {closes:%H:%M on %d %B %Y}. You may revise it until then."


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
            and "withdraw" in BID_WORKFLOW.allowed(bid)
            and bid.calloff.is_open_for_bids,
            can_score=user.can(Capability.COMMISSION) and bid.calloff.status == CallOffStatus.PUBLISHED,
            audit_events=self.audit_events(bid),
            **kwargs,
        )


class BidWithdrawView(ScopedActionView):
    model = Bid
    write_capability = Capability.PROVIDER_MANAGE
    success_message = "Your bid is withdrawn."
    service = staticmethod(services.bid_withdraw)
    record_argument = "bid"


class BidScoreView(ServiceFormView):
    """The council scores an opened bid, question by question."""

    model = Bid
    required_capability = write_capability = Capability.COMMISSION
    form_class = ScoreForm
    template_name = "procurement/bid_score.html"
    submit_label = "Save the scores"
    intro = "The portal adds the price points by the published weights."

    def get_form_kwargs(self):
        answers = self.object.answers.select_related("question").order_by("question__position")
        return {**super().get_form_kwargs(), "answers": list(answers)}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=f"Score the bid by {self.object.provider.name}", bid=self.object, **kwargs
        )

    def caption(self):
        return f"Call-off {self.object.calloff.reference}"

    def cancel_url(self):
        return self.object.calloff.get_absolute_url()

    def perform(self, form):
        return services.bid_score(actor=self.request.user, bid=self.object, scores=form.scores())

    def success_url_for(self, result):
        return self.object.calloff.get_absolute_url()

    def get_success_message(self, result):
        return f"The bid by {self.object.provider.name} is scored."
