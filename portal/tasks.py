"""Housekeeping tasks. Tasks take ids, call one service, and nothing else."""

from celery import shared_task

from . import services


@shared_task(name="portal.clear_expired_sessions", soft_time_limit=240, time_limit=300)
def clear_expired_sessions() -> int:
    return services.sessions_clear_expired()


@shared_task(name="portal.revoke_expired_api_tokens", soft_time_limit=240, time_limit=300)
def revoke_expired_api_tokens() -> int:
    return services.api_tokens_revoke_expired()
