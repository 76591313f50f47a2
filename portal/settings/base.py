"""Settings shared by every mode, read from the environment (django-environ).

Nothing here reads the database or other apps; modes only override what differs.
"""

import datetime as dt
from pathlib import Path

import environ

from portal.dbserver import LOCAL_URL, running_embedded_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").exists():
    env.read_env(str(BASE_DIR / ".env"))

SECRET_KEY = env("SECRET_KEY", default="local-development-key-not-for-production-use-0123456789")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",  # trigram lookups for the header search (portal.search)
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "portal",
    "schemes",
    "workforce",
    "procurement",
    "compliance",
    "packages_of_care",
    "continuing_care",
    "visits",
    "records",
    "kpis",
    "invoicing",
    "legacy_costs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads a request's body: one beyond UPLOAD_MAX_BYTES is refused.
    "portal.security.BoundedRequestMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Idle and absolute session limits (portal.accounts.sessions).
    "portal.accounts.sessions.SessionLimitsMiddleware",
    # After authentication: a signed-in person reaches nothing until their second factor is in.
    "portal.accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "portal.security.SecurityHeadersMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into its lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked account or address before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.navigation",
            ],
        },
    },
]

# PostgreSQL everywhere. Unset, DATABASE_URL means the embedded server `make run` starts in
# var/postgres/ if it is running (`portal.dbserver`), else PostgreSQL on 127.0.0.1:5432.
DATABASES = {"default": env.db("DATABASE_URL", default=running_embedded_url() or LOCAL_URL)}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "portal.User"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "portal:dashboard"
LOGOUT_REDIRECT_URL = "account_login"

# Sign-in is django-allauth's (username and password, then the second factor); nobody signs up:
# organisations' accounts are made for them (issue 15).
ACCOUNT_ADAPTER = "portal.accounts.adapter.PortalAccountAdapter"
ACCOUNT_FORMS = {"login": "portal.accounts.forms.PortalLoginForm"}
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_PREVENT_ENUMERATION = True
# Every person has a second factor: an authenticator app (TOTP) with recovery codes for when the
# phone is lost [NHS DSPT; OWASP ASVS 2.2]. Addresses are the organisation's, not self-verified.
MFA_ADAPTER = "portal.accounts.adapter.PortalMFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_ALLOW_UNVERIFIED_EMAIL = True
MFA_TOTP_ISSUER = "Care commissioning portal"
# Failed sign-ins are counted by django-axes (below), not by allauth's own limit.
ACCOUNT_RATE_LIMITS = {"login_failed": None}

# Lockout (django-axes): the 11th bad password in a row for one account, or from one address,
# is refused even if right, until the cool-off has passed; a good sign-in resets the count.
AXES_FAILURE_LIMIT = env.int("SIGN_IN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("SIGN_IN_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "portal.accounts.lockout.locked_out"
AXES_USERNAME_CALLABLE = "portal.accounts.lockout.username_tried"
AXES_VERBOSE = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploads (portal/uploads/limits.py): a request or file beyond UPLOAD_MAX_BYTES is refused before it
# is read (a multipart file is dropped as it arrives and the form says why; any other body gets
# 413); a workbook is refused before it is parsed if it unpacks beyond
# UPLOAD_XLSX_MAX_UNCOMPRESSED_BYTES or a sheet declares more than UPLOAD_MAX_ROWS rows. A job
# still checking or importing after UPLOAD_STUCK_AFTER_MINUTES is failed by the nightly clean-up.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=50 * 1024 * 1024)
UPLOAD_XLSX_MAX_UNCOMPRESSED_BYTES = env.int("UPLOAD_XLSX_MAX_UNCOMPRESSED_BYTES", default=200 * 1024 * 1024)
UPLOAD_MAX_ROWS = env.int("UPLOAD_MAX_ROWS", default=1_000_000)
UPLOAD_STUCK_AFTER_MINUTES = env.int("UPLOAD_STUCK_AFTER_MINUTES", default=3 * 60)
FILE_UPLOAD_HANDLERS = [
    "portal.uploads.limits.BoundedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # Django's default: larger files go to a temporary file
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # Django's default: the form fields of one request

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="portal@care-commissioning.invalid")

# A session ends after PORTAL["SESSION_IDLE_MINUTES"] without activity, and whatever the activity
# after PORTAL["SESSION_ABSOLUTE_HOURS"] (portal.accounts.sessions); the cookie goes with it.
SESSION_COOKIE_AGE = 60 * 60 * env.int("SESSION_ABSOLUTE_HOURS", default=12)
SESSION_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "portal.accounts.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"

# Content Security Policy (django-csp): scripts only from the portal's own static files, never
# inline (an injected <script> or onclick= does not run); the pages' JavaScript is in static/js/.
# Styles allow inline: Django's admin and the API documentation (Swagger UI) write <style>
# blocks, and CSS cannot run code.
from csp.constants import NONE, SELF, UNSAFE_INLINE  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Browser features the portal never uses are switched off on every page (portal.security). WebAuthn
# (publickey-credentials-*) is left at the browser's default, same-origin, for passkeys.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "accelerometer": [],
    "autoplay": [],
    "camera": [],
    "display-capture": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "usb": [],
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["portal.api.permissions.CapabilityPermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "portal.api.pagination.PortalPageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "EXCEPTION_HANDLER": "portal.api.exceptions.portal_exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Throttles: per address for anonymous calls, per account (its token) for the rest; and
    # requests for a password-reset email, per address (portal.accounts.views).
    "DEFAULT_THROTTLE_CLASSES": [
        "portal.api.throttling.AnonymousRateThrottle",
        "portal.api.throttling.AccountRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANONYMOUS", default="60/minute"),
        "user": env("API_THROTTLE_ACCOUNT", default="600/minute"),
        "password_reset": env("PASSWORD_RESET_THROTTLE", default="5/hour"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Care commissioning portal API",
    "DESCRIPTION": (
        "Councils' and providers' systems pull KPI data and invoices and push visit logs. "
        "Authenticate with `Authorization: Token <key>`; every response is scoped to the token's "
        "organisation. Tokens are read-only unless granted more."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Choice sets that share a field name across apps get names of their own.
    "ENUM_NAME_OVERRIDES": {
        "MilestoneStatusEnum": "continuing_care.models.MilestoneStatus",
        "OutcomeProgressEnum": "packages_of_care.models.OutcomeProgress",
        "VisitStatusEnum": "visits.models.VisitStatus",
        "EndReasonEnum": "packages_of_care.models.ServiceEndReason",
        "LegacyStaffEndReasonEnum": "legacy_costs.models.EndReason",
    },
}

# Celery: with no broker configured, tasks run eagerly in-process (the embedded default).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="") or None
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or "") or None
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Periodic work, run by exactly one Celery beat (see docker-compose.yml). Apps add theirs here.
CELERY_BEAT_SCHEDULE: dict = {
    "clear-expired-sessions": {"task": "portal.clear_expired_sessions", "schedule": 60 * 60 * 24},
    "revoke-expired-api-tokens": {"task": "portal.revoke_expired_api_tokens", "schedule": 60 * 60},
    "resend-overdue-webhooks": {"task": "portal.resend_overdue_webhooks", "schedule": 5 * 60},
}

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = True

# Portal-wide behaviour that councils may set differently.
PORTAL = {
    "SERVICE_NAME": "Care commissioning portal",
    # Where the portal is served: the links in emails (portal.notifications) start with it.
    "BASE_URL": env("PORTAL_BASE_URL", default="http://127.0.0.1:8000"),
    # Amber band around a KPI threshold, as a fraction of the threshold [domain: Quarterly KPIs].
    "KPI_AMBER_MARGIN": "0.10",
    # Providers per Celery task when a quarter's KPI run fans out (one scan of the visits a batch).
    "KPI_RUN_BATCH": 100,
    # A visit import that writes at least this many rows brings the planner's statistics for the
    # visits table up to date before it commits (a provider's first API page after a million-row
    # import took 1.26 s on stale statistics, 32 ms after ANALYZE).
    "IMPORT_ANALYZE_AFTER_ROWS": 10_000,
    # Webhooks: attempts before a delivery is given up, and the back-off between them (the base,
    # doubling each time, never more than the cap), in seconds; each attempt's timeout.
    "WEBHOOK_MAX_ATTEMPTS": env.int("WEBHOOK_MAX_ATTEMPTS", default=6),
    "WEBHOOK_RETRY_BASE_SECONDS": env.int("WEBHOOK_RETRY_BASE_SECONDS", default=60),
    "WEBHOOK_RETRY_CAP_SECONDS": env.int("WEBHOOK_RETRY_CAP_SECONDS", default=6 * 60 * 60),
    "WEBHOOK_TIMEOUT_SECONDS": env.int("WEBHOOK_TIMEOUT_SECONDS", default=10),
    # A known authenticator secret for the demo accounts, so a demo can be signed into; empty (no
    # demo second factor) unless the local or test settings set one. Never set in production.
    "DEMO_TOTP_SECRET": "",
    # Sessions (WCAG 2.2.1: a warning, and a way to stay signed in, before the idle limit).
    "SESSION_IDLE_MINUTES": env.int("SESSION_IDLE_MINUTES", default=30),
    "SESSION_WARNING_MINUTES": env.int("SESSION_WARNING_MINUTES", default=2),
    "SESSION_ABSOLUTE_HOURS": env.int("SESSION_ABSOLUTE_HOURS", default=12),
    # API keys expire: this many days after issue unless the issuer says otherwise, at most the max.
    "API_TOKEN_DAYS": env.int("API_TOKEN_DAYS", default=90),
    "API_TOKEN_MAX_DAYS": env.int("API_TOKEN_MAX_DAYS", default=365),
    # How long the access log (reads of personal data) is kept: two years. Government security
    # guidance keeps security logs at least 6 months and by default no longer than 2 years; the
    # second year covers a complaint or an investigation of last year's access (docs/security.md).
    "ACCESS_LOG_DAYS": env.int("ACCESS_LOG_DAYS", default=730),
    # An invitation's emailed link works once, for this many hours (issue 15).
    "INVITATION_HOURS": env.int("INVITATION_HOURS", default=72),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Packages of care (issue 3): start and end orders on their dates, alert overdue plan reviews.
CELERY_BEAT_SCHEDULE["packages-of-care-advance-orders"] = {
    "task": "packages_of_care.advance_orders",
    "schedule": 60 * 60,  # hourly, so an order accepted overnight starts soon after midnight
}
CELERY_BEAT_SCHEDULE["continuing-care-review-alerts"] = {
    "task": "continuing_care.raise_review_alerts",
    "schedule": 60 * 60 * 24,
}
CELERY_BEAT_SCHEDULE["packages-of-care-overdue-review-alerts"] = {
    "task": "packages_of_care.raise_overdue_review_alerts",
    "schedule": 60 * 60 * 6,
}
# Issue 14: orders whose care plan was not agreed face to face in time [004 §3.2.9].
CELERY_BEAT_SCHEDULE["packages-of-care-plan-agreement-alerts"] = {
    "task": "packages_of_care.raise_plan_agreement_alerts",
    "schedule": 60 * 60 * 6,
}

# Invoicing: every night, fan out an invoice run for each contract whose payment period has ended
# (or whose block quarter has begun) with no invoice yet.
from celery.schedules import crontab  # noqa: E402

# Nightly: the access log's entries past PORTAL["ACCESS_LOG_DAYS"] go (issue 15).
CELERY_BEAT_SCHEDULE["portal-purge-access-log"] = {
    "task": "portal.purge_access_log",
    "schedule": crontab(hour=3, minute=40),
}

CELERY_BEAT_SCHEDULE["invoicing-run-due-invoices"] = {
    "task": "invoicing.run_due_invoices",
    "schedule": crontab(hour=2, minute=30),
}

# KPI returns: after each quarter ends (Q1 is April–June), compute the quarter just finished, on the
# 8th so that week-one and 7-working-day windows of the quarter's last referrals have closed; a
# commissioner or provider can re-run any past quarter from the KPI returns page.
from celery.schedules import crontab  # noqa: E402

# Nightly: the access log's entries past PORTAL["ACCESS_LOG_DAYS"] go (issue 15).
CELERY_BEAT_SCHEDULE["portal-purge-access-log"] = {
    "task": "portal.purge_access_log",
    "schedule": crontab(hour=3, minute=40),
}

CELERY_BEAT_SCHEDULE["kpis-compute-previous-quarter"] = {
    "task": "kpis.compute_previous_quarter",
    "schedule": crontab(minute=0, hour=2, day_of_month=8, month_of_year="1,4,7,10"),
}

# Issue 7: provider compliance (expiring and overdue items) and closed call-offs.
CELERY_BEAT_SCHEDULE["compliance-expiry-alerts"] = {
    "task": "compliance.raise_expiry_alerts",
    "schedule": 60 * 60 * 6,
}
CELERY_BEAT_SCHEDULE["procurement-closed-calloffs"] = {
    "task": "procurement.alert_closed_calloffs",
    "schedule": 60 * 15,
}

# Visits (issue 4): late-visit alerts every five minutes and the files of uploads checked but never
# imported cleared after a week; invoicing's 4-week tolerance check daily.
CELERY_BEAT_SCHEDULE["visits-late-visit-alerts"] = {
    "task": "visits.raise_late_visit_alerts",
    "schedule": 5 * 60,
}
CELERY_BEAT_SCHEDULE["invoicing-tolerance-alerts"] = {
    "task": "invoicing.raise_tolerance_alerts",
    "schedule": 24 * 60 * 60,
}
CELERY_BEAT_SCHEDULE["visits-clear-stale-uploads"] = {
    "task": "visits.clear_stale_uploads",
    "schedule": 24 * 60 * 60,
}

# Issue 16: must-act alerts are emailed as they are raised (portal.alerts → portal.email_alerts);
# people who chose the daily digest get theirs at 07:00, London time.
CELERY_BEAT_SCHEDULE["portal-alert-digests"] = {
    "task": "portal.send_alert_digests",
    "schedule": crontab(hour=7, minute=0),
}

# Issue 16: the visits each order's schedule expects, generated every night for the next
# VISITS["EXPECTED_DAYS_AHEAD"] days (14 unless set) as `scheduled`, for providers to confirm.
CELERY_BEAT_SCHEDULE["visits-generate-expected"] = {
    "task": "visits.generate_expected_visits",
    "schedule": crontab(hour=1, minute=15),
}
