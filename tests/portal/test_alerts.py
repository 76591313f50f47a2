import pytest

from portal.alerts import raise_alert, raise_alerts, resolve, resolve_matching
from portal.models import Alert, AuditEvent
from portal.roles import Capability, Role
from tests.factories import CommissionerFactory, ProviderFactory, user_for


@pytest.mark.django_db
def test_raising_the_same_condition_twice_is_one_alert():
    org = ProviderFactory()
    first, created = raise_alert(
        recipient=org, capability=Capability.PROVIDER_RECORD, kind="late_visit", key="v1", title="Late"
    )
    again, created_again = raise_alert(
        recipient=org, capability=Capability.PROVIDER_RECORD, kind="late_visit", key="v1", title="Late"
    )
    assert created and not created_again and first.pk == again.pk
    new = raise_alerts(
        [
            Alert(recipient=org, capability="provider_record", kind="late_visit", key="v1", title="Late"),
            Alert(recipient=org, capability="provider_record", kind="late_visit", key="v2", title="Late 2"),
        ]
    )
    assert new == 1 and Alert.objects.count() == 2


@pytest.mark.django_db
def test_resolving_is_audited_and_resolve_matching_closes_open_ones():
    org = CommissionerFactory()
    user = user_for(org, Role.BROKERAGE)
    alert, _ = raise_alert(
        recipient=org, capability=Capability.BROKER, kind="declined", key="o1", title="Declined"
    )
    resolve(alert=alert, actor=user, resolution="Re-issued to another provider")
    assert AuditEvent.objects.filter(action="resolved", object_id=str(alert.pk)).exists()
    raise_alert(recipient=org, capability=Capability.BROKER, kind="declined", key="o2", title="Declined 2")
    assert resolve_matching(kind="declined", key="o2") == 1
    assert Alert.objects.open().count() == 0


@pytest.mark.django_db
def test_dashboard_shows_alerts_for_the_users_capability_only(login):
    org = ProviderFactory()
    raise_alert(
        recipient=org, capability=Capability.PROVIDER_MANAGE, kind="k", key="1", title="Accept order ISO-1"
    )
    raise_alert(
        recipient=org, capability=Capability.PROVIDER_RECORD, kind="k", key="2", title="Explain missed visit"
    )
    staff_page = login(user_for(org, Role.PROVIDER_STAFF)).get("/").content.decode()
    assert "Explain missed visit" in staff_page and "Accept order ISO-1" not in staff_page
