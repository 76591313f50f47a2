"""The "People in <organisation>" pages: an organisation's manager runs its people's accounts
(issue 15). Every write goes to one service in `portal.accounts.people`; a person of another
organisation answers 404 (the scoped queryset), a role without the capability 403."""

from __future__ import annotations

from typing import Any

from allauth.account.internal.flows.login import record_authentication
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView

from portal.forms import apply_service_errors
from portal.models import User
from portal.roles import Capability, CapabilityNeed, Role
from portal.views import (
    AuthenticatedHttpRequest,
    ScopedActionView,
    ScopedListView,
    ScopedViewMixin,
    ServiceFormView,
)

from . import people, selectors
from .forms import InvitationPasswordForm, PersonInviteForm, PersonRoleForm
from .rules import InvitationState


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


class PeopleMixin(ScopedViewMixin):
    """Over the people of the manager's own organisation, for its managers only."""

    model: type[models.Model] | None = User
    required_capability: CapabilityNeed = Capability.MANAGE_PEOPLE
    write_capability: CapabilityNeed | None = Capability.MANAGE_PEOPLE

    def refine_queryset(self, queryset: Any) -> Any:
        return selectors.with_account_state(queryset.filter(organisation=self.request.user.organisation))

    def success_url_for(self, result: Any) -> str:
        return reverse("portal:person-detail", kwargs={"pk": self.object.pk})

    def get_success_url(self) -> str:
        return reverse("portal:person-detail", kwargs={"pk": self.object.pk})

    def cancel_url(self) -> str:
        obj = getattr(self, "object", None)
        if obj is not None:
            return reverse("portal:person-detail", kwargs={"pk": obj.pk})
        return reverse("portal:people-list")


class PeopleListView(PeopleMixin, ScopedListView):
    template_name = "portal/people_list.html"
    paginate_by = 100

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["page_title"] = f"People in {self.request.user.organisation.name}"
        for person in context["object_list"]:
            person.status = selectors.person_status(person)
        return context


class PersonDetailView(PeopleMixin, DetailView):
    model = User
    context_object_name = "person"  # not "user": that is who is signed in, in every template
    request: AuthenticatedHttpRequest
    template_name = "portal/person_detail.html"
    http_method_names = ["get", "head", "options"]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        person = self.object
        context.update(
            page_title=person.get_full_name() or person.username,
            person=person,
            status=selectors.person_status(person),
            is_self=person.pk == self.request.user.pk,
            is_system=person.role == Role.API_CLIENT,
            audit_events=selectors.person_history(self.request.user, person),
        )
        return context


class PersonInviteView(PeopleMixin, ServiceFormView):
    form_class = PersonInviteForm
    title = "Invite someone"
    intro = (
        "They get an email with a link to choose their password; the link works once, for "
        "{hours} hours. When they first sign in they set up an authenticator app."
    )
    submit_label = "Send the invitation"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from django.conf import settings

        kwargs.setdefault("intro", self.intro.format(hours=settings.PORTAL["INVITATION_HOURS"]))
        return super().get_context_data(**kwargs)

    def caption(self) -> str:
        return f"People in {self.request.user.organisation.name}"

    def perform(self, form: Any) -> Any:
        self.object = people.person_invite(
            actor=self.request.user, base_url=_base_url(self.request), **form.cleaned_data
        )
        return self.object

    def get_success_message(self, result: Any) -> str:
        return f"The invitation is on its way to {result.email}."


class PersonRoleView(PeopleMixin, ServiceFormView):
    form_class = PersonRoleForm
    title = "Change their role"
    submit_label = "Change the role"
    success_message = "The role is changed."

    def caption(self) -> str:
        return self.object.get_full_name() or self.object.username

    def get_initial(self) -> dict[str, Any]:
        return {"role": self.object.role}

    def perform(self, form: Any) -> Any:
        return people.person_role_set(
            actor=self.request.user, person=self.object, role=form.cleaned_data["role"]
        )


class PersonActionView(PeopleMixin, ScopedActionView):
    record_argument = "person"


class PersonDeactivateView(PersonActionView):
    service = staticmethod(people.person_deactivate)
    success_message = "The account is deactivated: they can no longer sign in, and its API keys are refused."


class PersonReactivateView(PersonActionView):
    service = staticmethod(people.person_reactivate)
    success_message = "The account is active again."


class PersonSecondFactorResetView(PersonActionView):
    service = staticmethod(people.person_second_factor_reset)
    success_message = (
        "Their second factor is reset: they set up their authenticator app again when they next sign in."
    )


class PersonUnlockView(PersonActionView):
    service = staticmethod(people.person_unlock)
    success_message = "The account is unlocked: they can sign in again."


class PersonInviteAgainView(PersonActionView):
    success_message = "A new invitation is on its way; the earlier link no longer works."

    def perform(self, obj: Any) -> object:
        return people.person_invite_again(
            actor=self.request.user, person=obj, base_url=_base_url(self.request)
        )


class InvitationAcceptView(View):
    """The emailed link: the invitee chooses a password, is signed in with it, and is taken to set
    up their authenticator app (as on any first sign-in). A used, expired or replaced link says so."""

    http_method_names = ["get", "post"]
    template_name = "account/invitation_accept.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if (request.method or "").lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        self.invitation = people.invitation_for_key(kwargs["key"])
        state = self.invitation.state if self.invitation else "unknown"
        if state != InvitationState.OPEN:
            return render(
                request,
                self.template_name,
                {"page_title": "This link cannot be used", "refusal": people.INVITATION_REFUSALS[state]},
                status=410,
            )
        return super().dispatch(request, *args, **kwargs)

    def _page(self, request: HttpRequest, form: InvitationPasswordForm) -> HttpResponse:
        assert self.invitation is not None
        person = self.invitation.user
        return render(
            request,
            self.template_name,
            {"page_title": "Choose your password", "form": form, "person": person},
        )

    def get(self, request: HttpRequest, key: str) -> HttpResponse:
        assert self.invitation is not None
        return self._page(request, InvitationPasswordForm(person=self.invitation.user))

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        assert self.invitation is not None
        form = InvitationPasswordForm(request.POST, person=self.invitation.user)
        if not form.is_valid():
            return self._page(request, form)
        try:
            user = people.invitation_accept(key=key, password=form.cleaned_data["password1"])
        except ValidationError as exc:
            apply_service_errors(form, exc, {"password": "password1"})
            return self._page(request, form)
        if request.user.is_authenticated:
            logout(request)
        # Signed in with the password just chosen; the second-factor check then sends them to set
        # up their authenticator app before anything else answers.
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        record_authentication(request, user, "password", username=user.username)
        messages.success(request, "Your password is set. Now set up your authenticator app.")
        return redirect("mfa_activate_totp")
