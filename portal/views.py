"""The shared browser side: scoped view mixins, the home dashboard, and error handlers."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View, defaults
from django.views.generic import ListView, TemplateView

from .hooks import panels_for
from .models import Alert, ApiToken, AuditEvent
from .roles import Capability, Role, has_capability
from .tenancy import scoped


class ScopedViewMixin(LoginRequiredMixin):
    """Every browser view over organisation-owned records inherits this.

    The queryset is the model's records visible to the user (`visible_to`); subclasses narrow it
    in `refine_queryset` and may not override `get_queryset`. A URL naming a record outside the
    user's scope answers 404 before any role check, so existence does not leak; a record in
    scope but an action the role may not take answers 403.
    """

    model = None
    http_method_names = ["get", "post", "head", "options"]
    required_capability: Capability = Capability.VIEW
    #: capability for POST; None means the view takes no POST.
    write_capability: Capability | None = None
    pk_url_kwarg = "pk"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__} overrides get_queryset; use refine_queryset")

    def get_queryset(self):
        return self.refine_queryset(scoped(self.model, self.request.user))

    def refine_queryset(self, queryset):
        return queryset

    def capability_for(self, method: str) -> Capability:
        if method in ("GET", "HEAD", "OPTIONS"):
            return self.required_capability
        return self.write_capability or Capability.ADMINISTER

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.pk_url_kwarg in kwargs:
            self.object = get_object_or_404(self.get_queryset(), pk=kwargs[self.pk_url_kwarg])
        if not has_capability(request.user, self.capability_for(request.method)):
            raise PermissionDenied("Your role does not allow this.")
        return super().dispatch(request, *args, **kwargs)

    def get_object(self, queryset=None):
        if getattr(self, "object", None) is not None:
            return self.object
        raise Http404

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def audit_events(self, obj):
        return (
            scoped(AuditEvent, self.request.user)
            .for_object(obj)
            .select_related("actor", "actor_organisation")[:100]
        )


class ScopedListView(ScopedViewMixin, ListView):
    paginate_by = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        context["query_string"] = params.urlencode()
        return context


class ScopedActionView(ScopedViewMixin, View):
    """POST-only view that applies one service to one scoped record and redirects back."""

    http_method_names = ["post"]
    success_message = ""

    def post(self, request, *args, **kwargs):
        from django.core.exceptions import ValidationError

        try:
            self.perform(self.object)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            if self.success_message:
                messages.success(request, self.success_message)
        return redirect(self.get_success_url())

    def perform(self, obj):  # pragma: no cover - subclasses implement
        raise NotImplementedError

    def get_success_url(self):
        return self.object.get_absolute_url()


class DashboardView(LoginRequiredMixin, TemplateView):
    template_name = "portal/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["panels"] = panels_for(self.request.user)
        context["page_title"] = "Home"
        return context


class ApiAccessView(LoginRequiredMixin, TemplateView):
    """What an API client (or anyone) needs to call the API: its tokens and the docs."""

    template_name = "portal/api_access.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page_title"] = "API access"
        context["tokens"] = scoped(ApiToken, self.request.user).select_related("user")
        context["is_api_client"] = self.request.user.role == Role.API_CLIENT
        return context


class AccessibilityView(TemplateView):
    template_name = "portal/accessibility.html"
    extra_context = {"page_title": "Accessibility statement"}


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception, template_name="404.html")


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Something went wrong on our side; it has been logged."}, status=500)
    return defaults.server_error(request, template_name="500.html")


def permission_denied(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Your role does not allow this."}, status=403)
    return defaults.permission_denied(request, exception, template_name="403.html")


def bad_request(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "The request is not valid."}, status=400)
    return defaults.bad_request(request, exception, template_name="400.html")


class AlertListView(ScopedListView):
    """The organisation's alerts; by default those the user's role can act on, open first."""

    model = Alert
    template_name = "portal/alert_list.html"

    def refine_queryset(self, queryset):
        from .roles import capabilities_of

        show = self.request.GET.get("show", "mine")
        if show == "mine":
            queryset = queryset.filter(capability__in=[c.value for c in capabilities_of(self.request.user)])
        if self.request.GET.get("state", "open") == "open":
            queryset = queryset.open()
        return queryset.select_related("resolved_by")

    def get_context_data(self, **kwargs):
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

    def capability_for(self, method):
        return Capability(self.object.capability) if method == "POST" else Capability.VIEW

    def perform(self, obj):
        from .alerts import resolve

        resolve(alert=obj, actor=self.request.user, resolution=self.request.POST.get("resolution", "")[:1000])

    def get_success_url(self):
        return reverse("portal:alert-list")
