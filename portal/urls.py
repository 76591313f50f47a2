from allauth.account import views as account_views
from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal.api.permissions import PublicReadOnly

from . import views
from .access_log import views as access_log_views
from .accounts import people_views
from .accounts import views as account_pages
from .notifications import views as notification_views
from .webhooks import views as webhook_views

handler400 = "portal.views.bad_request"
handler403 = "portal.views.permission_denied"
handler404 = "portal.views.not_found"
handler500 = "portal.views.server_error"

# The admin site has no sign-in of its own: its administrators sign in (with their second factor)
# at the portal's sign-in page.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

# Browser forms take GET and POST only; Django's form views would otherwise treat PUT as POST.
FORM_METHODS = {"http_method_names": ["get", "post", "head", "options"]}

portal_patterns = (
    [
        path("", views.DashboardView.as_view(), name="dashboard"),
        path("api-access/", views.ApiAccessView.as_view(), name="api-access"),
        path("organisation/", views.OrganisationDetailsView.as_view(), name="organisation-details"),
        path("api-access/<int:pk>/revoke/", views.ApiTokenRevokeView.as_view(), name="api-token-revoke"),
        path("accessibility/", views.AccessibilityView.as_view(), name="accessibility"),
        path("alerts/", views.AlertListView.as_view(), name="alert-list"),
        path("search/", views.SearchView.as_view(), name="search"),
        path("alerts/<int:pk>/resolve/", views.AlertResolveView.as_view(), name="alert-resolve"),
        path(
            "notifications/", notification_views.NotificationPreferencesView.as_view(), name="notifications"
        ),
        path("webhooks/", webhook_views.WebhookListView.as_view(), name="webhook-list"),
        path("webhooks/new/", webhook_views.WebhookCreateView.as_view(), name="webhook-create"),
        path("webhooks/<int:pk>/", webhook_views.WebhookDetailView.as_view(), name="webhook-detail"),
        path("access-log/", access_log_views.AccessLogView.as_view(), name="access-log"),
        path(
            "access-log/export.csv", access_log_views.AccessLogExportView.as_view(), name="access-log-export"
        ),
        # An organisation's manager runs its people's accounts (issue 15).
        path("people/", people_views.PeopleListView.as_view(), name="people-list"),
        path("people/invite/", people_views.PersonInviteView.as_view(), name="person-invite"),
        path("people/<int:pk>/", people_views.PersonDetailView.as_view(), name="person-detail"),
        path("people/<int:pk>/role/", people_views.PersonRoleView.as_view(), name="person-role"),
        path(
            "people/<int:pk>/deactivate/",
            people_views.PersonDeactivateView.as_view(),
            name="person-deactivate",
        ),
        path(
            "people/<int:pk>/reactivate/",
            people_views.PersonReactivateView.as_view(),
            name="person-reactivate",
        ),
        path(
            "people/<int:pk>/reset-second-factor/",
            people_views.PersonSecondFactorResetView.as_view(),
            name="person-second-factor-reset",
        ),
        path("people/<int:pk>/unlock/", people_views.PersonUnlockView.as_view(), name="person-unlock"),
        path(
            "people/<int:pk>/invite-again/",
            people_views.PersonInviteAgainView.as_view(),
            name="person-invite-again",
        ),
    ],
    "portal",
)

urlpatterns = [
    path("", include(portal_patterns)),
    # allauth's sign-in (password, then the second factor); its names, which its views reverse.
    path("accounts/login/", account_views.login, name="account_login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="account_logout"),
    path("accounts/reauthenticate/", account_views.reauthenticate, name="account_reauthenticate"),
    path("accounts/2fa/", include("allauth.mfa.urls")),
    path("accounts/session/", account_pages.SessionView.as_view(), name="session"),
    path(
        "accounts/invitation/<str:key>/",
        people_views.InvitationAcceptView.as_view(),
        name="invitation_accept",
    ),
    # allauth's: a signed-in person changes their own password (asks for the current one).
    path(
        "accounts/password/change/",
        account_pages.PasswordChangeView.as_view(),
        name="account_change_password",
    ),
    path(
        "accounts/password-reset/",
        account_pages.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(**FORM_METHODS),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"
    ),
    path("schemes/", include("schemes.urls")),
    path("packages/", include("packages_of_care.urls")),
    path("continuing-care/", include("continuing_care.urls")),
    path("visits/", include("visits.urls")),
    path("records/", include("records.urls")),
    path("workforce/", include("workforce.urls")),
    path("procurement/", include("procurement.urls")),
    path("compliance/", include("compliance.urls")),
    path("kpis/", include("kpis.urls")),
    path("invoicing/", include("invoicing.urls")),
    path("legacy-costs/", include("legacy_costs.urls")),
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[PublicReadOnly]), name="schema"),
    path(
        "api/docs/",
        # The split view serves its start-up script as a file: the CSP runs no inline script.
        SpectacularSwaggerSplitView.as_view(url_name="schema", permission_classes=[PublicReadOnly]),
        name="swagger-ui",
    ),
    path("api/v1/", include("portal.api.urls")),
    path("api/v1/", include("schemes.api.urls")),
    path("api/v1/", include("packages_of_care.api.urls")),
    path("api/v1/", include("continuing_care.api.urls")),
    path("api/v1/", include("visits.api.urls")),
    path("api/v1/", include("records.api.urls")),
    path("api/v1/", include("workforce.api.urls")),
    path("api/v1/", include("procurement.api.urls")),
    path("api/v1/", include("compliance.api.urls")),
    path("api/v1/", include("kpis.api.urls")),
    path("api/v1/", include("invoicing.api.urls")),
    path("api/v1/", include("legacy_costs.api.urls")),
    path("admin/", admin.site.urls),
]

# Uploaded files are never served from MEDIA_URL, not even by `make run`'s debug server: they hold
# personal data, and only views that check the reader's scope hand them out (e.g. compliance's
# document downloads).
