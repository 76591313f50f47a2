"""The returns workflow: draft → submitted → queried → resubmitted → accepted; frozen once submitted."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from kpis import services
from kpis.models import KpiDefinition, KpiReturn, ReturnComment, ReturnStatus
from kpis.quarters import Quarter
from portal.models import Alert, AuditEvent
from portal.roles import Role
from records.models import AlarmCall
from tests.factories import user_for
from tests.kpis.factories import AlarmCallFactory, contract_with_kpis, london

pytestmark = pytest.mark.django_db
Q2 = Quarter(2026, 2)


@pytest.fixture
def derby():
    contract = contract_with_kpis("derby")
    AlarmCallFactory(contract=contract, raised_at=london(dt.date(2026, 7, 7), 10))
    manager = user_for(contract.provider, Role.PROVIDER_MANAGER)
    council = user_for(contract.commissioner, Role.COMMISSIONER)
    services.returns_compute_for_provider(provider=contract.provider, quarter=Q2)
    kpi_return = KpiReturn.objects.get(contract=contract)
    return contract, kpi_return, manager, council


def _value(kpi_return, code):
    return kpi_return.values.select_related("definition").get(definition__code=code)


def test_full_review_cycle_is_audited_and_alerts_each_side(derby):
    contract, r, manager, council = derby
    assert r.status == ReturnStatus.DRAFT and r.revision == 1
    assert (
        Alert.objects.filter(
            recipient=contract.provider, kind="kpi_return_to_submit", resolved_at=None
        ).count()
        == 1
    )

    with pytest.raises(ValidationError, match="D3"):  # the provider's own figure is still blank
        services.return_submit(actor=manager, kpi_return=r)
    services.value_enter(
        actor=manager, value=_value(r, "D3"), text="Residents were positive about the garden club."
    )
    services.value_enter(actor=manager, value=_value(r, "D1"), commentary="One call this quarter.")
    with pytest.raises(ValidationError):  # computed figures cannot be typed over
        services.value_enter(actor=manager, value=_value(r, "D1"), number=D("100"))
    services.return_submit(actor=manager, kpi_return=r)
    assert r.status == ReturnStatus.SUBMITTED and r.submitted_by == manager
    assert (
        Alert.objects.filter(
            recipient=contract.commissioner, kind="kpi_return_to_review", resolved_at=None
        ).count()
        == 1
    )

    with pytest.raises(ValidationError, match="at least one"):
        services.return_query(actor=council, kpi_return=r, queries={_value(r, "D1").pk: "  "})
    d4 = _value(r, "D4")
    services.return_query(actor=council, kpi_return=r, queries={d4.pk: "Why were hours not used?"})
    assert r.status == ReturnStatus.QUERIED
    assert (
        Alert.objects.filter(recipient=contract.provider, kind="kpi_return_queried", resolved_at=None).count()
        == 1
    )
    with pytest.raises(ValidationError, match="D4"):
        services.return_resubmit(actor=manager, kpi_return=r, answers={})
    services.return_resubmit(actor=manager, kpi_return=r, answers={d4.pk: "Two people were in hospital."})
    assert r.status == ReturnStatus.RESUBMITTED
    assert [(c.kind, c.round) for c in ReturnComment.objects.filter(kpi_return=r)] == [
        ("query", 1),
        ("answer", 1),
    ]

    services.return_accept(actor=council, kpi_return=r)
    assert r.status == ReturnStatus.ACCEPTED
    assert not Alert.objects.filter(
        recipient=contract.commissioner, kind="kpi_return_to_review", resolved_at=None
    ).exists()
    actions = list(AuditEvent.objects.for_object(r).order_by("at", "id").values_list("action", flat=True))
    assert actions == ["computed", "submitted", "queried", "resubmitted", "accepted"]
    event = AuditEvent.objects.for_object(r).get(action="queried")
    assert (event.actor, event.commissioner_id, event.provider_id) == (
        council,
        contract.commissioner_id,
        contract.provider_id,
    )
    assert event.changes == {"status": ["submitted", "queried"]}


def test_invalid_transitions_are_refused(derby):
    _contract, r, manager, council = derby
    with pytest.raises(ValidationError, match="draft cannot be accepted"):
        services.return_accept(actor=council, kpi_return=r)
    with pytest.raises(ValidationError):
        services.return_query(actor=council, kpi_return=r, queries={_value(r, "D1").pk: "?"})
    with pytest.raises(ValidationError):
        services.return_resubmit(actor=manager, kpi_return=r, answers={})


def test_recomputing_a_submitted_return_makes_a_new_revision_and_keeps_what_was_submitted(derby):
    contract, r, manager, council = derby
    services.value_enter(actor=manager, value=_value(r, "D3"), text="Feedback in full.")
    services.return_submit(actor=manager, kpi_return=r)
    before = {
        (v.definition.code, v.scheme_id): (v.numerator, v.denominator, v.value)
        for v in r.values.select_related("definition")
    }

    # Running again with nothing changed: nothing happens, however often.
    counts = (KpiReturn.objects.count(), AuditEvent.objects.count())
    assert services.returns_compute_for_provider(provider=contract.provider, quarter=Q2) == {"unchanged": 1}
    assert (KpiReturn.objects.count(), AuditEvent.objects.count()) == counts

    # A late-recorded alarm call changes D1: revision 2 is a draft; revision 1 is untouched.
    AlarmCallFactory(contract=contract, raised_at=london(dt.date(2026, 9, 29), 3), responded_at=None)
    assert services.returns_compute_for_provider(provider=contract.provider, quarter=Q2) == {"revised": 1}
    r.refresh_from_db()
    assert (r.status, r.is_latest) == (ReturnStatus.SUBMITTED, False)
    assert {
        (v.definition.code, v.scheme_id): (v.numerator, v.denominator, v.value)
        for v in r.values.select_related("definition")
    } == before
    new = KpiReturn.objects.get(contract=contract, is_latest=True)
    assert (new.revision, new.status) == (2, ReturnStatus.DRAFT)
    assert _value(new, "D3").text == "Feedback in full."  # the provider's figure carries over
    d1 = new.values.get(definition__code="D1")
    assert (d1.numerator, d1.denominator) == (D(1), D(2))
    with pytest.raises(ValidationError, match="revision 1"):
        services.return_accept(actor=council, kpi_return=r)
    assert AuditEvent.objects.for_object(new).get().action == "new revision"


def test_recomputing_a_draft_updates_it_in_place(derby):
    contract, r, manager, _ = derby
    AlarmCallFactory(contract=contract, raised_at=london(dt.date(2026, 9, 1), 12), responded_at=None)
    result, what = services.return_recompute(actor=manager, kpi_return=r)
    assert (result.pk, what) == (r.pk, "updated")
    assert r.values.get(definition__code="D1").denominator == D(2)
    # A person's re-run is audited even when nothing changed.
    assert services.return_recompute(actor=manager, kpi_return=r)[1] == "unchanged"
    assert list(AuditEvent.objects.for_object(r).order_by("id").values_list("action", flat=True)) == [
        "computed",
        "recomputed",
        "recomputed",
    ]


def test_council_enters_its_own_figures_only(derby):
    contract = contract_with_kpis("norfolk")
    KpiDefinition.objects.create(
        commissioner=contract.commissioner,
        lot=contract.lot,
        code="X1",
        title="The council's own quality score",
        unit="rating",
        obtained="council",
        direction="at_least",
        target=D(3),
        position=99,
    )
    services.returns_compute_for_provider(provider=contract.provider, quarter=Q2)
    r = KpiReturn.objects.get(contract=contract)
    council = user_for(contract.commissioner, "commissioner")
    pamms = r.values.get(definition__code="X1")
    services.value_enter(actor=council, value=pamms, number=D(2), text="Requires improvement")
    pamms.refresh_from_db()
    assert (pamms.value, pamms.rag, pamms.entered_by) == (D(2), "red", council)
    with pytest.raises(ValidationError):
        services.value_enter(actor=council, value=r.values.get(definition__code="N3"), number=D(0))


def test_only_ended_quarters_are_recomputed_on_request(derby):
    contract, r, manager, _ = derby
    future = KpiReturn.objects.filter(pk=r.pk)
    future.update(quarter="2099-Q1")
    r.refresh_from_db()
    with pytest.raises(ValidationError, match="ended"):
        services.return_recompute(actor=manager, kpi_return=r)
    assert AlarmCall.objects.count() == 1
