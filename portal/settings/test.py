"""Tests run against PostgreSQL, the production database."""

from portal.dbserver import LOCAL_URL

from .base import *  # noqa: F403
from .base import env

# `make test` sets DATABASE_URL (portal.dbserver: the environment's, else 127.0.0.1:5432 if it
# answers, else the embedded server); pytest creates test_<name> databases beside it.
DATABASES = {"default": env.db("DATABASE_URL", default=LOCAL_URL)}
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests run Celery eagerly unless a test starts its own worker (see tests/conftest.py).
CELERY_BROKER_URL = None
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The demo's known authenticator secret (browser tests type its codes), and one period either side
# accepted so that a test signing the same person in twice in 30 seconds has a fresh code to type.
PORTAL = {**PORTAL, "DEMO_TOTP_SECRET": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"}  # noqa: F405
MFA_TOTP_TOLERANCE = 1
# No throttling in the suite (tests of throttling set their own rates).
REST_FRAMEWORK = {  # noqa: F405
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None, "password_reset": None},
}
