import pytest

from portal.alerts import (
    alert_kind,
    kind_label,
    raise_alert,
    raise_alerts,
    registered_kinds,
    resolve,
    resolve_matching,
)
from portal.models import Alert, AuditEvent
from portal.roles import Capability, Role
from tests.factories import CommissionerFactory, ProviderFactory, user_for

LATE = alert_kind("test_late_visit", "Late visit (test)", Capability.PROVIDER_RECORD)
DECLINED = alert_kind("test_declined", "Declined (test)", Capability.BROKER)
ANY = alert_kind("test_any", "Anything (test)", Capability.PROVIDER_MANAGE)


def test_alert_kinds_are_declared_once_and_an_unknown_kind_is_refused():
    assert alert_kind("test_late_visit", "Late visit (test)", Capability.PROVIDER_RECORD) is not LATE
    with pytest.raises(ValueError, match="declared twice"):
        alert_kind("test_late_visit", "Another label", Capability.PROVIDER_RECORD)
    with pytest.raises(ValueError, match="Unknown alert kind 'no_such_kind'"):
        raise_alert(recipient=None, kind="no_such_kind", key="x", title="x")  # type: ignore[arg-type]
    # Every app's kinds are registered at start-up, with the labels the alert list shows.
    codes = {k.code for k in registered_kinds()}
    assert {"order_awaiting_acceptance", "visit_missed", "invoice_to_pay", "hours_over_tolerance"} <= codes
    assert kind_label("invoice_to_pay") == "Invoice to pay"


@pytest.mark.django_db
def test_raising_the_same_condition_twice_is_one_alert():
    org = ProviderFactory()
    first, created = raise_alert(
        recipient=org, capability=Capability.PROVIDER_RECORD, kind=LATE, key="v1", title="Late"
    )
    again, created_again = raise_alert(
        recipient=org, capability=Capability.PROVIDER_RECORD, kind=LATE, key="v1", title="Late"
    )
    assert created and not created_again and first.pk == again.pk
    new = raise_alerts(
        [
            Alert(recipient=org, capability="provider_record", kind=LATE, key="v1", title="Late"),
            Alert(recipient=org, capability="provider_record", kind=LATE, key="v2", title="Late 2"),
        ]
    )
    assert new == 1 and Alert.objects.count() == 2


@pytest.mark.django_db
def test_resolving_is_audited_and_resolve_matching_closes_open_ones():
    org = CommissionerFactory()
    user = user_for(org, Role.BROKERAGE)
    alert, _ = raise_alert(
        recipient=org, capability=Capability.BROKER, kind=DECLINED, key="o1", title="Declined"
    )
    resolve(alert=alert, actor=user, resolution="Re-issued to another provider")
    assert AuditEvent.objects.filter(action="resolved", object_id=str(alert.pk)).exists()
    raise_alert(recipient=org, capability=Capability.BROKER, kind=DECLINED, key="o2", title="Declined 2")
    assert resolve_matching(kind=DECLINED, key="o2") == 1
    assert Alert.objects.open().count() == 0


@pytest.mark.django_db
def test_dashboard_shows_alerts_for_the_users_capability_only(login):
    org = ProviderFactory()
    raise_alert(
        recipient=org, capability=Capability.PROVIDER_MANAGE, kind=ANY, key="1", title="Accept order ISO-1"
    )
    raise_alert(
        recipient=org, capability=Capability.PROVIDER_RECORD, kind=ANY, key="2", title="Explain missed visit"
    )
    staff_page = login(user_for(org, Role.PROVIDER_STAFF)).get("/").content.decode()
    assert "Explain missed visit" in staff_page and "Accept order ISO-1" not in staff_page
