"""Local development: the embedded defaults (the embedded PostgreSQL `make run` starts in
var/postgres/, Celery eager) unless the environment says otherwise."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)

# The demo accounts' authenticator secret (`load_demo` prints it): add it to an authenticator app
# (or `python manage.py demo_totp_code` prints the current code).
PORTAL = {**PORTAL, "DEMO_TOTP_SECRET": env("DEMO_TOTP_SECRET", default="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")}  # noqa: F405
