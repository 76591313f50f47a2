"""Local development: the embedded defaults (the embedded PostgreSQL `make run` starts in
var/postgres/, Celery eager) unless the environment says otherwise."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
