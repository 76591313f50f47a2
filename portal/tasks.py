"""Housekeeping tasks. Tasks take ids, call one service, and nothing else."""

from celery import Task, shared_task
from django.utils import timezone

from . import services
from .access_log.services import access_log_purge
from .notifications.services import alert_emails_send, digests_send
from .uploads.jobs import PROCESS_UPLOAD, run_job, uploads_clear_stale
from .webhooks.models import DeliveryStatus
from .webhooks.services import deliveries_overdue, delivery_attempt, retry_delay_after


@shared_task(name="portal.clear_expired_sessions", soft_time_limit=240, time_limit=300)
def clear_expired_sessions() -> int:
    return services.sessions_clear_expired()


@shared_task(name="portal.purge_access_log", soft_time_limit=25 * 60, time_limit=30 * 60)
def purge_access_log() -> int:
    """Nightly: delete access log entries older than the retention period."""
    return access_log_purge()


@shared_task(name="portal.revoke_expired_api_tokens", soft_time_limit=240, time_limit=300)
def revoke_expired_api_tokens() -> int:
    return services.api_tokens_revoke_expired()


# Uploads keep the task names they had when they lived in visits: tasks queued before a deploy,
# and the beat schedule's entry, still find them.
@shared_task(name=PROCESS_UPLOAD, soft_time_limit=55 * 60, time_limit=60 * 60, acks_late=True)
def process_upload(job_id: int, confirm: bool) -> str:
    """Check (confirm=False) or import a large upload through its kind's streaming path."""
    return run_job(job_id, confirm=confirm).status


@shared_task(name="visits.clear_stale_uploads", soft_time_limit=240, time_limit=300)
def clear_stale_uploads() -> int:
    return uploads_clear_stale()


@shared_task(bind=True, name="portal.deliver_webhook", max_retries=None, soft_time_limit=60, time_limit=90)
def deliver_webhook(self: Task, delivery_id: int) -> str:
    """Send one webhook delivery; a failure is retried after the back-off the delivery recorded."""
    delivery = delivery_attempt(delivery_id=delivery_id)
    if delivery is None:
        return "missing"
    # Run eagerly (no broker: `make run`), a retry would block the request that made the change
    # at once, back-off ignored; the delivery stays "retrying" in the log for the sweep instead.
    if delivery.status == DeliveryStatus.RETRYING and not self.request.is_eager:
        raise self.retry(countdown=retry_delay_after(delivery.attempts))
    return delivery.status


@shared_task(name="portal.resend_overdue_webhooks", soft_time_limit=240, time_limit=300)
def resend_overdue_webhooks() -> int:
    """Every few minutes: queue again the deliveries whose sending was lost."""
    overdue = deliveries_overdue(timezone.now())
    for delivery_id in overdue:
        deliver_webhook.delay(delivery_id)
    return len(overdue)


@shared_task(
    name="portal.email_alerts",
    soft_time_limit=240,
    time_limit=300,
    acks_late=True,
    autoretry_for=(OSError,),  # the mail server unreachable or refusing (smtplib's errors are OSErrors)
    retry_backoff=60,
    max_retries=6,
)
def email_alerts(alert_ids: list[int]) -> int:
    """Email must-act alerts just raised to the people who chose "immediately". Idempotent, so a
    retry after a failure sends only what was not sent."""
    return alert_emails_send(alert_ids=alert_ids)


@shared_task(name="portal.send_alert_digests", soft_time_limit=25 * 60, time_limit=30 * 60)
def send_alert_digests() -> int:
    """Each morning: one email to each person who chose the daily digest."""
    return digests_send()
