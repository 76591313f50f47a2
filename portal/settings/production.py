"""Production: PostgreSQL, Redis, HTTPS. `manage.py check --deploy` reports no warnings."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)

# Behind a TLS-terminating proxy (Caddy in docker-compose.yml), X-Forwarded-Proto says whether the
# browser used HTTPS. Only the proxy may say so: TRUSTED_PROXIES lists its addresses or networks,
# and the header is believed only then, and only from them (portal.security.TrustedProxyMiddleware
# drops it from anyone else). Unset, the header is ignored.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    MIDDLEWARE = ["portal.security.TrustedProxyMiddleware", *MIDDLEWARE]  # noqa: F405
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# No demo second factor, whatever the environment says.
PORTAL = {**PORTAL, "DEMO_TOTP_SECRET": ""}  # noqa: F405
