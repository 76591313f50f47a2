"""The shared browser side: scoped view mixins, the home dashboard, and error handlers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View, defaults
from django.views.generic import FormView, ListView, TemplateView
from django.views.generic.edit import FormMixin

from .access_log.recording import page_read
from .alerts import resolve
from .filters import PortalFilterSet
from .forms import OrganisationDetailsForm, apply_service_errors
from .hooks import panels_for
from .models import Alert, AlertQuerySet, ApiToken, AuditEvent, User
from .roles import Capability, CapabilityNeed, Role, capabilities_of, has_any_capability
from .search import MIN_TERM, search
from .services import api_token_revoke, organisation_details_set
from .tenancy import scoped


class AuthenticatedHttpRequest(HttpRequest):
    """A request past the login check: its user is a signed-in `User` (django-stubs' way to say so
    for views behind `LoginRequiredMixin`). For annotations only; Django builds the requests."""

    user: User


if TYPE_CHECKING:
    # The mixin is only ever mixed into a Django view; to the checker it is one.
    _ViewBase = View
else:
    _ViewBase = object


class ScopedViewMixin(LoginRequiredMixin, _ViewBase):
    """Every browser view over organisation-owned records inherits this.

    The queryset is the model's records visible to the user (`visible_to`); subclasses narrow it
    in `refine_queryset` and may not override `get_queryset`. A URL naming a record outside the
    user's scope answers 404 before any role check, so existence does not leak; a record in
    scope but an action the role may not take answers 403.
    """

    request: AuthenticatedHttpRequest
    #: The record named in the URL (`pk_url_kwarg`), of the view's model, once dispatch found it.
    object: Any
    model: type[models.Model] | None = None
    http_method_names = ["get", "post", "head", "options"]
    required_capability: CapabilityNeed = Capability.VIEW
    #: capability for POST (or a tuple, any one of which will do); None means the view takes no POST.
    write_capability: CapabilityNeed | None = None
    pk_url_kwarg = "pk"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__} overrides get_queryset; use refine_queryset")

    def get_queryset(self) -> models.QuerySet[Any]:
        if self.model is None:
            raise ImproperlyConfigured(f"{type(self).__name__} names no model")
        return self.filter_queryset(self.refine_queryset(scoped(self.model, self.request.user)))

    def refine_queryset(self, queryset: Any) -> Any:
        """Narrow the scoped queryset. It is of the model's own queryset class (`AlertQuerySet`…),
        which this base cannot name: subclasses annotate it."""
        return queryset

    def filter_queryset(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        """The list's filters (ScopedListView); other views take the scoped queryset as it is."""
        return queryset

    def capability_for(self, method: str | None) -> CapabilityNeed:
        if method in ("GET", "HEAD", "OPTIONS"):
            return self.required_capability
        return self.write_capability or Capability.ADMINISTER

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.pk_url_kwarg in kwargs:
            self.object = get_object_or_404(self.get_queryset(), pk=kwargs[self.pk_url_kwarg])
        if not has_any_capability(request.user, self.capability_for(request.method)):
            raise PermissionDenied("Your role does not allow this.")
        response = super().dispatch(request, *args, **kwargs)
        page_read(self, request, response)  # a person's records read: the access log (issue 15)
        return response

    def get_object(self, queryset: models.QuerySet[Any] | None = None) -> Any:
        if getattr(self, "object", None) is not None:
            return self.object
        raise Http404

    def get_form_kwargs(self) -> dict[str, Any]:
        """Form views (FormMixin, which calls this) give their form the user, to scope its choices."""
        kwargs = cast("FormMixin[Any]", super()).get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def audit_events(self, obj: models.Model) -> models.QuerySet[AuditEvent]:
        return AuditEvent.objects.visible_to(self.request.user).for_object(obj)[:100]


class ScopedListView(ScopedViewMixin, ListView):
    """A list page. With `filterset_class` it filters with the same django-filter FilterSet as
    the API's list endpoint (the filter form is `filter_form` in the template), so a filter is
    written once for both."""

    request: AuthenticatedHttpRequest  # as ScopedViewMixin says (the generic view says HttpRequest)
    paginate_by = 50
    filterset_class: type[PortalFilterSet] | None = None
    #: The FilterSet's fields the page shows (`includes/filter_form.html`); empty: all of them.
    filter_fields: tuple[str, ...] = ()
    #: Values the page starts with when the query string does not name them (the API has none).
    filter_defaults: dict[str, str] = {}

    def get_filter_fields(self) -> tuple[str, ...]:
        return self.filter_fields

    def get_filter_defaults(self) -> dict[str, str]:
        return self.filter_defaults

    def filterset(self, queryset: models.QuerySet[Any] | None = None) -> PortalFilterSet | None:
        if self.filterset_class is None:
            return None
        if not hasattr(self, "_filterset"):
            data = self.request.GET.copy()
            for name, value in self.get_filter_defaults().items():
                data.setdefault(name, value)
            self._filterset = self.filterset_class(data or None, queryset=queryset, request=self.request)
        return self._filterset

    def filter_queryset(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        filterset = self.filterset(queryset)
        if filterset is None:
            return queryset
        if filterset.is_bound and not filterset.is_valid():
            # An invalid filter shows its error on the form and lists nothing rather than everything.
            return queryset.none()
        return filterset.qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        context["query_string"] = params.urlencode()
        page = context.get("page_obj")
        if page is not None and page.paginator.num_pages > 1:
            # Numbered pages (1 … 4 5 6 … 20), GOV.UK's pagination with numbers.
            context["page_numbers"] = list(
                page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
            )
        filterset = getattr(self, "_filterset", None)
        if filterset is not None:
            form = context.setdefault("filter_form", filterset.form)
            context["filter_fields"] = [form[name] for name in self.get_filter_fields() or form.fields]
        return context


class ServiceFormView(ScopedViewMixin, FormView):
    """A form whose valid input goes to one service. Subclasses implement `perform(form)`, which
    calls the service and returns the record to show next; a ValidationError from the service goes
    back on the form (`portal.forms.apply_service_errors`, fields renamed by `service_error_fields`).

    The page: `portal/form.html` unless `template_name` says otherwise, with `title`, `intro`,
    `warning`, `submit_label` and a cancel link back to the record."""

    request: AuthenticatedHttpRequest  # as ScopedViewMixin says (the generic view says HttpRequest)
    template_name = "portal/form.html"
    title = ""
    intro = ""
    warning = ""
    submit_label = "Save"
    success_message = "Saved."
    service_error_fields: dict[str, str] = {}

    def perform(self, form: Any) -> Any:  # pragma: no cover - subclasses implement
        raise NotImplementedError

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            result = self.perform(form)
        except ValidationError as exc:
            apply_service_errors(form, exc, self.service_error_fields)
            return self.form_invalid(form)
        message = self.get_success_message(result)
        if message:
            messages.success(self.request, message)
        return redirect(self.success_url_for(result))

    def get_success_message(self, result: Any) -> str:
        return self.success_message

    def success_url_for(self, result: Any) -> str:
        if self.success_url:
            return str(self.success_url)
        if result is not None and hasattr(result, "get_absolute_url"):
            return result.get_absolute_url()
        return self.cancel_url()

    def caption(self) -> str:
        return str(getattr(self, "object", "") or "")

    def cancel_url(self) -> str:
        obj = getattr(self, "object", None)
        return obj.get_absolute_url() if obj is not None else reverse("portal:dashboard")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("page_title", self.title)
        kwargs.setdefault("caption", self.caption())
        kwargs.setdefault("intro", self.intro)
        kwargs.setdefault("warning", self.warning)
        kwargs.setdefault("submit_label", self.submit_label)
        kwargs.setdefault("cancel_url", self.cancel_url())
        return super().get_context_data(**kwargs)


class ScopedActionView(ScopedViewMixin, View):
    """POST-only view that applies one service to one scoped record and redirects back."""

    http_method_names = ["post"]
    success_message = ""
    #: Declared instead of writing `perform`: `service(actor=user, <record_argument>=record, **texts)`,
    #: where each of `posted_texts` ({name: longest}) is the posted text of that name, cut to length.
    service: Callable[..., object] | None = None
    record_argument = ""
    posted_texts: dict[str, int] = {}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            self.perform(self.object)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            if self.success_message:
                messages.success(request, self.success_message)
        return redirect(self.get_success_url())

    def perform(self, obj: Any) -> object:
        """Apply the service to `obj` (the view's record); subclasses declare `service` or override."""
        if self.service is None:  # pragma: no cover - subclasses declare or implement
            raise NotImplementedError(f"{type(self).__name__} names no service")
        texts = {
            name: self.request.POST.get(name, "")[:longest] for name, longest in self.posted_texts.items()
        }
        return self.service(actor=self.request.user, **{self.record_argument: obj}, **texts)

    def get_success_url(self) -> str:
        return self.object.get_absolute_url()


class OrganisationDetailsView(ServiceFormView):
    """The user's organisation's details for invoices, kept by its commissioners or managers."""

    required_capability = write_capability = (Capability.COMMISSION, Capability.PROVIDER_MANAGE)
    form_class = OrganisationDetailsForm
    title = "Your organisation's details"
    intro = "Invoices and remittance advice carry these details."
    submit_label = "Save the details"
    success_message = "The details are saved."

    def caption(self) -> str:
        return self.request.user.organisation.name

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "instance": self.request.user.organisation}

    def perform(self, form: Any) -> Any:
        return organisation_details_set(
            actor=self.request.user, organisation=self.request.user.organisation, **form.cleaned_data
        )

    def success_url_for(self, result: Any) -> str:
        return reverse("portal:organisation-details")

    def cancel_url(self) -> str:
        return reverse("portal:dashboard")


class DashboardView(LoginRequiredMixin, TemplateView):
    request: AuthenticatedHttpRequest
    template_name = "portal/dashboard.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["panels"] = panels_for(self.request.user)
        context["page_title"] = "Home"
        return context


class ApiAccessView(LoginRequiredMixin, TemplateView):
    """What an API client (or anyone) needs to call the API: its tokens and the docs."""

    request: AuthenticatedHttpRequest
    template_name = "portal/api_access.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["page_title"] = "API access"
        user = self.request.user
        context["tokens"] = ApiToken.objects.visible_to(user).select_related("user", "user__organisation")
        context["is_api_client"] = user.role == Role.API_CLIENT
        context["can_revoke"] = has_any_capability(user, ApiTokenRevokeView.write_capability)
        return context


class ApiTokenRevokeView(ScopedActionView):
    """Revoke one of the organisation's API keys at once (its commissioners or provider managers;
    the operator revokes any key in the admin site)."""

    model = ApiToken
    write_capability: CapabilityNeed = (Capability.COMMISSION, Capability.PROVIDER_MANAGE)
    success_message = "The key is revoked: calls with it are refused from now on."
    service = staticmethod(api_token_revoke)
    record_argument = "token"

    def refine_queryset(self, queryset: Any) -> Any:
        return queryset.filter(user__organisation=self.request.user.organisation)

    def get_success_url(self) -> str:
        return reverse("portal:api-access")


class AccessibilityView(TemplateView):
    template_name = "portal/accessibility.html"
    extra_context = {"page_title": "Accessibility statement"}


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception, template_name="404.html")


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Something went wrong on our side; it has been logged."}, status=500)
    return defaults.server_error(request, template_name="500.html")


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Your role does not allow this."}, status=403)
    return defaults.permission_denied(request, exception, template_name="403.html")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "The request is not valid."}, status=400)
    return defaults.bad_request(request, exception, template_name="400.html")


class AlertListView(ScopedListView):
    """The organisation's alerts; by default those the user's role can act on, open first."""

    model = Alert
    template_name = "portal/alert_list.html"

    def refine_queryset(self, queryset: AlertQuerySet) -> AlertQuerySet:
        show = self.request.GET.get("show", "mine")
        if show == "mine":
            queryset = queryset.filter(capability__in=[c.value for c in capabilities_of(self.request.user)])
        if self.request.GET.get("state", "open") == "open":
            queryset = queryset.open()
        return queryset.select_related("resolved_by")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            page_title="Alerts",
            show=self.request.GET.get("show", "mine"),
            state=self.request.GET.get("state", "open"),
            **kwargs,
        )


class AlertResolveView(ScopedActionView):
    """Mark an alert dealt with; only someone whose role can act on it may."""

    model = Alert
    success_message = "The alert is marked as dealt with."
    service = staticmethod(resolve)
    record_argument = "alert"
    posted_texts = {"resolution": 1000}

    def capability_for(self, method: str | None) -> CapabilityNeed:
        return Capability(self.object.capability) if method == "POST" else Capability.VIEW

    def get_success_url(self) -> str:
        return reverse("portal:alert-list")


class SearchView(LoginRequiredMixin, TemplateView):
    """The header search's results: what the user may see that matches, grouped by kind
    (`portal.search`; each app's records come scoped by `visible_to`)."""

    request: AuthenticatedHttpRequest
    template_name = "portal/search.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        term = self.request.GET.get("q", "").strip()
        groups = search(self.request.user, term)
        return super().get_context_data(
            page_title=f"Search results for ‘{term}’" if term else "Search",
            term=term,
            search_term=term,
            groups=groups,
            total=sum(len(g.hits) for g in groups),
            too_short=0 < len(term) < MIN_TERM,
            **kwargs,
        )
