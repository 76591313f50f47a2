"""Reads for provider compliance, scoped to the user, in a fixed number of queries; and the
unscoped reads the services and the periodic check build on (current certificates and policies,
the councils a provider must notify, the lots it reports capacity for)."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum

from portal.models import CqcRating, Organisation, User
from portal.roles import OrganisationKind
from portal.tenancy import scoped
from schemes.models import Contract, Lot, LotMembership, MembershipStatus
from workforce.models import StaffMember
from workforce.rules import TrainingState
from workforce.selectors import WorkforceSummary, training_gaps_by_provider, workforce_summaries

from . import rules
from .models import (
    CapacitySnapshot,
    InsuranceCertificate,
    InsuranceKind,
    InsuranceRequirement,
    NoticeStatus,
    OfstedRegistration,
    PolicyKind,
    ProviderDuty,
    ProviderPolicy,
    RatingChange,
    RatingNotification,
)
from .rules import fmt_day


@dataclass
class Gap:
    text: str
    overdue: bool  # needs action now; otherwise a warning (due within 30 days)


@dataclass
class ProviderGaps:
    provider: Organisation
    gaps: list[Gap] = field(default_factory=list)

    @property
    def overdue(self) -> list[Gap]:
        return [g for g in self.gaps if g.overdue]

    @property
    def warnings(self) -> list[Gap]:
        return [g for g in self.gaps if not g.overdue]


def providers_for(user: User) -> QuerySet[Organisation]:
    """The providers whose compliance the user may see: its own, or its partners'."""
    return scoped(Organisation, user).providers()


def _latest_per(model: type[InsuranceCertificate] | type[ProviderPolicy], order: list[str]) -> QuerySet:
    """The latest record of each (provider, kind), chosen in SQL."""
    latest = (
        model.objects.filter(provider=OuterRef("provider"), kind=OuterRef("kind"))
        .order_by(*order)
        .values("pk")[:1]
    )
    return model.objects.filter(pk=Subquery(latest))


def current_certificates() -> QuerySet[InsuranceCertificate]:
    """The certificate in force of each kind for each provider: the latest to expire."""
    return _latest_per(InsuranceCertificate, ["-expires_on", "-id"])


def current_policies() -> QuerySet[ProviderPolicy]:
    """The current version of each policy for each provider: the latest approved."""
    return _latest_per(ProviderPolicy, ["-approved_on", "-id"])


def commissioners_with_live_contracts(provider: Organisation, day: dt.date) -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        pk__in=Contract.objects.filter(provider=provider).live_on(day).values("commissioner_id")
    ).order_by("name")


def lots_for_capacity(provider: Organisation) -> QuerySet[Lot]:
    """The lots a provider reports capacity for: those it is admitted to or holds a contract on."""
    return Lot.objects.filter(
        Q(pk__in=LotMembership.objects.admitted().filter(provider=provider).values("lot_id"))
        | Q(pk__in=Contract.objects.filter(provider=provider).values("lot_id"))
    )


def compliance_gaps(user: User, providers: Iterable[Organisation], today: dt.date) -> dict[int, ProviderGaps]:
    """Each provider's gaps, as the user's organisation judges them: a council checks insurance
    against its own requirements, a provider against every council it works with. About ten
    queries however many providers."""
    providers = list(providers)
    ids = [p.pk for p in providers]
    result = {p.pk: ProviderGaps(p) for p in providers}
    if not ids:
        return result
    kind_labels = dict(InsuranceKind.choices)
    policy_labels = dict(PolicyKind.choices)

    for p in providers:
        if not p.cqc_location_id:
            continue
        if p.cqc_rating in rules.BELOW_GOOD:
            when = f" ({fmt_day(p.cqc_rating_date)})" if p.cqc_rating_date else ""
            result[p.pk].gaps.append(Gap(f"CQC rated {CqcRating(p.cqc_rating).label}{when}", True))
    for reg in scoped(OfstedRegistration, user).filter(provider__in=ids):
        if reg.rating in rules.BELOW_GOOD:
            result[reg.provider_id].gaps.append(Gap(f"Ofsted rated {CqcRating(reg.rating).label}", True))

    notices = scoped(RatingNotification, user).filter(provider__in=ids).exclude(status=NoticeStatus.ACCEPTED)
    for n in notices.select_related("commissioner"):
        notice_gap = _notice_gap(n, today)
        if notice_gap is not None:
            result[n.provider_id].gaps.append(notice_gap)

    duties = (
        scoped(ProviderDuty, user)
        .open()
        .filter(provider__in=ids, due_on__lte=today + dt.timedelta(days=rules.EXPIRY_WARNING_DAYS))
    )
    for d in duties.select_related("commissioner"):
        late = d.due_on < today
        result[d.provider_id].gaps.append(
            Gap(
                f"{d.get_kind_display()} to {d.commissioner.name} "
                + (f"overdue since {fmt_day(d.due_on)}" if late else f"due by {fmt_day(d.due_on)}"),
                late,
            )
        )

    certificates = {
        (c.provider_id, c.kind): rules.Certificate(c.kind, c.cover_amount, c.expires_on)
        for c in current_certificates().filter(
            provider__in=scoped(InsuranceCertificate, user).filter(provider__in=ids).values("provider_id")
        )
    }
    organisation = user.organisation
    requirements = scoped(InsuranceRequirement, user).select_related("commissioner")
    if organisation.kind == OrganisationKind.COMMISSIONER:
        # A council judges against its own requirements.
        reqs = [
            rules.Requirement(r.kind, r.minimum_cover, "")
            for r in requirements.filter(commissioner=organisation)
        ]
    elif organisation.kind == OrganisationKind.PROVIDER:
        # A provider sees the check against every council it works with, naming each.
        reqs = [rules.Requirement(r.kind, r.minimum_cover, r.commissioner.name) for r in requirements]
    else:
        reqs = []  # the operator sees no one's certificates, so judges none
    by_provider: dict[int, dict[str, rules.Certificate]] = defaultdict(dict)
    for (provider_id, kind), cert in certificates.items():
        by_provider[provider_id][kind] = cert
    for pid in ids:
        for gap in rules.insurance_gaps(reqs, by_provider.get(pid, {}), today, kind_labels):
            result[pid].gaps.append(Gap(gap.text, gap.overdue))

    policies = current_policies().filter(
        provider__in=scoped(ProviderPolicy, user).filter(provider__in=ids).values("provider_id")
    )
    for policy in policies.values("provider_id", "kind", "review_due_on").order_by("provider_id", "kind"):
        due, label = policy["review_due_on"], policy_labels.get(policy["kind"], policy["kind"])
        state = rules.expiry_state(due, today)
        if state == rules.ExpiryState.EXPIRED:
            result[policy["provider_id"]].gaps.append(
                Gap(f"{label} policy review overdue since {fmt_day(due)}", True)
            )
        elif state == rules.ExpiryState.EXPIRING:
            result[policy["provider_id"]].gaps.append(
                Gap(f"{label} policy review due by {fmt_day(due)}", False)
            )

    staff = scoped(StaffMember, user).filter(provider__in=ids)
    for pid, counts in training_gaps_by_provider(staff, today).items():
        overdue, not_done, soon = (
            counts[TrainingState.OVERDUE],
            counts[TrainingState.NOT_DONE],
            counts[TrainingState.EXPIRING],
        )
        if overdue or not_done:
            result[pid].gaps.append(Gap(f"Training: {overdue} overdue, {not_done} not done", True))
        if soon:
            result[pid].gaps.append(Gap(f"Training: {soon} due within 30 days", False))
    judge = organisation if organisation.kind == OrganisationKind.COMMISSIONER else None
    for pid, summary in workforce_summaries(staff, today, judge).items():
        result[pid].gaps.extend(_workforce_gaps(summary))
    return result


def _notice_gap(n: RatingNotification, today: dt.date) -> Gap | None:
    """What a notice still needs: the notice itself, or the action plan on the agreed timescale."""
    who = n.commissioner.name
    if n.status == NoticeStatus.DUE:
        late = today > n.due_on
        what = "Rating notice" if n.plan_required else "Inspection outcome and report"
        return Gap(
            f"{what} for {who} "
            + (f"overdue since {fmt_day(n.due_on)}" if late else f"due by {fmt_day(n.due_on)}"),
            late,
        )
    if not n.plan_required:
        return None
    if n.status == NoticeStatus.PLAN_SENT:
        return Gap(f"Action plan sent to {who}, not yet accepted", False)
    returned = " (returned with comments)" if n.status == NoticeStatus.RETURNED else ""
    if n.plan_due_on is None:
        return Gap(f"Action plan for {who}{returned}: the council has not set its timescale yet", False)
    late = today > n.plan_due_on
    return Gap(
        f"Action plan for {who}{returned} "
        + (f"overdue since {fmt_day(n.plan_due_on)}" if late else f"due by {fmt_day(n.plan_due_on)}"),
        late or bool(returned),
    )


def _workforce_gaps(summary: WorkforceSummary) -> list[Gap]:
    gaps = []
    missing = [(ref, g) for _id, ref, g in summary.gaps if g.overdue]
    if missing:
        people = len({ref for ref, _g in missing})
        gaps.append(
            Gap(
                f"Vetting: {len(missing)} item{'s' if len(missing) != 1 else ''} missing or expired for "
                f"{people} member{'s' if people != 1 else ''} of staff",
                True,
            )
        )
    for _id, ref, g in summary.gaps:
        if not g.overdue:
            gaps.append(Gap(f"Staff {ref}: {g.text}", False))
    if summary.asc_wds_below_target and summary.standard.asc_wds_target is not None:
        gaps.append(
            Gap(
                f"ASC-WDS: {summary.asc_wds_percent}% of staff records updated this financial year "
                f"(target {summary.standard.asc_wds_target.normalize():f}%)",
                True,
            )
        )
    return gaps


@dataclass
class ComplianceRecord:
    provider: Organisation
    ofsted: OfstedRegistration | None
    rating_changes: list
    notifications: list
    certificates: list
    requirements: list
    policies: list
    gaps: ProviderGaps


def compliance_record(user: User, provider: Organisation, today: dt.date) -> ComplianceRecord:
    """One provider's compliance record as the user may see it."""
    current_cert_ids = set(current_certificates().filter(provider=provider).values_list("pk", flat=True))
    current_policy_ids = set(current_policies().filter(provider=provider).values_list("pk", flat=True))
    certificates = list(scoped(InsuranceCertificate, user).filter(provider=provider))
    for c in certificates:
        c.is_current = c.pk in current_cert_ids
        c.state = rules.expiry_state(c.expires_on, today)
    policies = list(scoped(ProviderPolicy, user).filter(provider=provider))
    for p in policies:
        p.is_current = p.pk in current_policy_ids
        p.state = rules.expiry_state(p.review_due_on, today)
    requirements = scoped(InsuranceRequirement, user).select_related("commissioner")
    if user.organisation.kind == OrganisationKind.COMMISSIONER:
        requirements = requirements.filter(commissioner=user.organisation)
    elif user.organisation.kind != OrganisationKind.PROVIDER:
        requirements = requirements.none()
    return ComplianceRecord(
        provider=provider,
        ofsted=scoped(OfstedRegistration, user).filter(provider=provider).first(),
        rating_changes=list(
            scoped(RatingChange, user).filter(provider=provider).select_related("recorded_by")[:20]
        ),
        notifications=list(
            scoped(RatingNotification, user)
            .filter(provider=provider)
            .select_related("commissioner", "change")[:20]
        ),
        certificates=certificates,
        requirements=list(requirements),
        policies=policies,
        gaps=compliance_gaps(user, [provider], today)[provider.pk],
    )


@dataclass
class CapacityRow:
    lot: object
    week: dt.date
    hours: Decimal
    areas: int
    reported: list[str]
    missing: list[str]


def capacity_overview(user: User, weeks: list[dt.date]) -> list[CapacityRow]:
    """Capacity by lot and week for a council: total hours, who reported and who has not.
    Expected to report: providers admitted to the lot or holding a contract on it. Three queries."""
    lots = list(
        scoped(Lot, user).select_related("framework").order_by("framework__name", "position", "number")
    )
    lot_ids = [lot.pk for lot in lots]
    expected: dict[int, dict[int, str]] = defaultdict(dict)
    for lot_id, pid, name in LotMembership.objects.filter(
        lot__in=lot_ids, status=MembershipStatus.ADMITTED
    ).values_list("lot_id", "provider_id", "provider__name"):
        expected[lot_id][pid] = name
    today_contracts = Contract.objects.filter(lot__in=lot_ids).live_on(max(weeks))
    for lot_id, pid, name in today_contracts.values_list("lot_id", "provider_id", "provider__name"):
        expected[lot_id][pid] = name
    totals = (
        scoped(CapacitySnapshot, user)
        .filter(lot__in=lot_ids, week_starting__in=weeks)
        .values("lot_id", "week_starting", "provider_id", "provider__name")
        .annotate(hours=Sum("available_hours"), areas=Count("id"))
    )
    cells: dict[tuple[int, dt.date], list[dict]] = defaultdict(list)
    for row in totals:
        cells[(row["lot_id"], row["week_starting"])].append(row)
    rows = []
    for lot in lots:
        if not expected.get(lot.pk) and not any(cells.get((lot.pk, w)) for w in weeks):
            continue
        for week in weeks:
            reported = cells.get((lot.pk, week), [])
            reported_ids = {r["provider_id"] for r in reported}
            rows.append(
                CapacityRow(
                    lot=lot,
                    week=week,
                    hours=sum((r["hours"] for r in reported), Decimal("0")),
                    areas=sum(r["areas"] for r in reported),
                    reported=sorted(r["provider__name"] for r in reported),
                    missing=sorted(
                        n for pid, n in expected.get(lot.pk, {}).items() if pid not in reported_ids
                    ),
                )
            )
    return rows


def capacity_missing_for_provider(provider: Organisation, week: dt.date) -> list[Lot]:
    """The lots a provider has not reported capacity for in a week."""
    reported = CapacitySnapshot.objects.filter(provider=provider, week_starting=week).values("lot_id")
    return list(lots_for_capacity(provider).exclude(pk__in=reported).select_related("framework"))
