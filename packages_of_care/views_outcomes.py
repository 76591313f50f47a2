"""Pages for issue 14's care-planning duties (packages_of_care/views.py is near its size limit):
reviewing an outcome's progress `[004 §3.6.10–12]`, and Derby's simpler plan for residents who are
not customers `[002 §3.4]`."""

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from portal.roles import Capability
from portal.tenancy import scoped
from schemes.models import Contract

from . import forms, services
from .models import OrderOutcome, ServiceUser
from .views import RECORDERS, ServiceFormView


class OutcomeReviewView(ServiceFormView):
    """Record how an outcome is progressing; "not being achieved" alerts the social worker."""

    model = OrderOutcome
    form_class = forms.OutcomeReviewForm
    service = staticmethod(services.outcome_review_record)
    capability = RECORDERS
    title = "Review an outcome's progress"
    intro = (
        "Record with the person whether the outcome is being managed, has been achieved, or is not being "
        "achieved and the support needs to change. Not being achieved alerts the council's social worker."
    )
    submit_label = "Save the review"
    success_message = "The review is recorded."

    def refine_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.select_related("version__order__service_user")

    def caption(self) -> str:
        outcome = self.object
        return f"{outcome.get_category_display()} — {outcome.version.order.service_user.name}"

    def get_initial(self) -> dict[str, Any]:
        return {"reviewed_on": timezone.localdate()}

    def success_url_for(self, result: Any) -> str:
        return self.object.version.order.get_absolute_url()

    def cancel_url(self) -> str:
        return self.object.version.order.get_absolute_url()


class SimplePlanCreateView(ServiceFormView):
    """Derby: the provider agrees a simpler plan with a resident who is not a customer, so the 24/7
    emergency response can reach them safely `[002 §3.4]`."""

    form_class = forms.SimplePlanForm
    service = staticmethod(services.simple_plan_create)
    capability = Capability.PROVIDER_RECORD
    title = "Record a simpler plan for the emergency response"
    intro = (
        "For residents who are not customers: who to contact, the risks to know, and how to get in and "
        "communicate, so staff can answer their alarm calls safely. Reviewed at least once a year."
    )
    submit_label = "Save the plan"
    success_message = "The plan is saved."

    def residents(self) -> QuerySet[ServiceUser]:
        """Non-customers living in a scheme one of the provider's contracts covers."""
        contracts = scoped(Contract, self.request.user).filter(
            provider=self.request.user.organisation, schemes=OuterRef("scheme")
        )
        return ServiceUser.objects.filter(is_customer=False).filter(Exists(contracts)).order_by("name")

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["residents"] = self.residents()
        return kwargs

    def get_initial(self) -> dict[str, Any]:
        return {"agreed_on": timezone.localdate()}

    def success_url_for(self, result: Any) -> str:
        return result.get_absolute_url()
