import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from portal.models import ApiToken, AuditEvent
from portal.roles import Role
from tests.factories import CommissionerFactory, UserFactory


def _session(key, expires):
    Session.objects.create(session_key=key, session_data="x", expire_date=expires)


@pytest.mark.django_db
def test_clear_expired_sessions_keeps_live_ones():
    from portal.tasks import clear_expired_sessions

    now = timezone.now()
    _session("old", now - dt.timedelta(minutes=1))
    _session("live", now + dt.timedelta(hours=1))
    assert clear_expired_sessions.delay().get() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]


@pytest.mark.django_db
def test_expired_tokens_are_revoked_and_audited():
    from portal.tasks import revoke_expired_api_tokens

    user = UserFactory(organisation=CommissionerFactory(), role=Role.API_CLIENT)
    expired, _ = ApiToken.issue(user=user, name="old")
    live, _ = ApiToken.issue(user=user, name="live")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    assert revoke_expired_api_tokens.delay().get() == 1
    expired.refresh_from_db()
    live.refresh_from_db()
    assert expired.revoked_at is not None and live.revoked_at is None
    assert AuditEvent.objects.filter(action="revoked (expired)", object_id=str(expired.pk)).count() == 1
    # Running again changes nothing.
    assert revoke_expired_api_tokens.delay().get() == 0


@pytest.mark.celery_worker
def test_housekeeping_runs_on_a_real_worker(celery_worker):
    now = timezone.now()
    _session("old1", now - dt.timedelta(days=2))
    _session("old2", now - dt.timedelta(seconds=5))
    _session("live", now + dt.timedelta(days=1))
    assert celery_worker("portal.clear_expired_sessions") == 2
    assert Session.objects.count() == 1
