"""Demo KPI data (`load_demo`, after the visits and records steps): the three councils' KPI
definitions, returns computed from the demo records for 2026-Q1 and 2026-Q2, and a review in
several states — Q1 submitted by every provider, Derwent's queried, Wensum's lot 1 accepted;
Waveney's lot 4 submitted for Q2. Idempotent: a second run computes the same figures (unchanged)
and finds the workflow already done. With no visits or records the figures are zeros."""

from django.db import transaction

from portal.models import Organisation, User
from schemes.models import Lot

from . import catalogue, services
from .models import KpiReturn, Obtained, ReturnStatus
from .quarters import Quarter

QUARTERS = (Quarter(2026, 1), Quarter(2026, 2))
# (contract reference, quarter, what happens to it)
REVIEW = [
    ("NCC-HWC-L1", "2026-Q1", "accepted"),
    ("DCC-EC-L1", "2026-Q1", "queried"),
    ("NCC-HWC-L4", "2026-Q2", "submitted"),
]
MANAGERS = {
    "Wensum Valley Care": "wensum.manager",
    "Waveney Homecare": "waveney.manager",
    "Derwent Extra Care Services": "derwent.manager",
    "Markeaton Support": "markeaton.manager",
    "Purbeck Care Partnership": "purbeck.manager",
    "Stour Children's Support": "stour.manager",
}
COMMISSIONERS = {
    "Norfolk County Council": "norfolk.commissioner",
    "Derby City Council": "derby.commissioner",
    "Dorset Council": "dorset.commissioner",
    "NHS Dorset": "nhsdorset.commissioner",
}
FEEDBACK = (
    "Residents' meeting and survey this quarter: residents value the on-site team and the wellbeing "
    "activities; two asked for later evening calls, which the team is arranging with them."
)


def _definitions(out) -> int:
    created = 0
    for council, lots in catalogue.DEMO_LOT_SETS.items():
        for lot in Lot.objects.filter(framework__commissioner__name=council, number__in=list(lots)):
            created += catalogue.install(lot, lots[lot.number])
    out.write(f"  KPI definitions created: {created}")
    return created


def _fill_provider_figures(kpi_return, actor):
    for value in kpi_return.values.select_related("definition"):
        if value.definition.obtained == Obtained.PROVIDER and value.is_blank:
            services.value_enter(actor=actor, value=value, text=FEEDBACK)


def _submit(kpi_return, actor):
    if kpi_return.status == ReturnStatus.DRAFT:
        _fill_provider_figures(kpi_return, actor)
        services.return_commentary_set(
            actor=actor,
            kpi_return=kpi_return,
            commentary="A steady quarter. Figures are computed from our call monitoring and records in the portal.",
        )
        services.return_submit(actor=actor, kpi_return=kpi_return)


def _users():
    return {
        u.username: u for u in User.objects.filter(username__in=[*MANAGERS.values(), *COMMISSIONERS.values()])
    }


@transaction.atomic
def _review(out):
    users = _users()
    latest = KpiReturn.objects.latest().select_related("provider", "commissioner", "contract")
    for kpi_return in latest.filter(quarter="2026-Q1"):
        manager = users.get(MANAGERS.get(kpi_return.provider.name, ""))
        if manager is not None:
            _submit(kpi_return, manager)
    for reference, quarter, outcome in REVIEW:
        kpi_return = latest.filter(contract__reference=reference, quarter=quarter).first()
        if kpi_return is None:
            continue
        manager = users.get(MANAGERS.get(kpi_return.provider.name, ""))
        council = users.get(COMMISSIONERS.get(kpi_return.commissioner.name, ""))
        if manager is None or council is None:
            continue
        _submit(kpi_return, manager)
        kpi_return.refresh_from_db()
        if outcome == "accepted" and kpi_return.status == ReturnStatus.SUBMITTED:
            services.return_accept(
                actor=council, kpi_return=kpi_return, note="Discussed at the quarterly meeting."
            )
        elif outcome == "queried" and kpi_return.status == ReturnStatus.SUBMITTED:
            value = kpi_return.values.filter(definition__code="D4").first() or kpi_return.values.first()
            services.return_query(
                actor=council,
                kpi_return=kpi_return,
                queries={
                    value.pk: "Please explain the hours not used this quarter and what you are doing about them."
                },
            )
    out.write("  KPI returns reviewed: " + ", ".join(f"{r} {q} {o}" for r, q, o in REVIEW))


def load_reference(out):
    """The councils' KPI catalogues on their lots (`load_reference`)."""
    _definitions(out)


def load(out):
    _definitions(out)
    provider_ids = Organisation.objects.filter(name__in=list(MANAGERS)).values_list("pk", flat=True)
    for quarter in QUARTERS:
        for provider in Organisation.objects.filter(pk__in=provider_ids).order_by("name"):
            outcome = services.returns_compute_for_provider(provider=provider, quarter=quarter)
            out.write(
                f"  {quarter} {provider.name}: {', '.join(f'{n} {k}' for k, n in sorted(outcome.items())) or 'no contracts'}"
            )
    _review(out)
