"""Organisations, people, API tokens and the audit trail: what every app shares."""

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.conf import settings
from django.contrib.auth.models import AbstractUser, AnonymousUser, UserManager
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.deletion import ProtectedError
from django.utils import timezone

from .access_log.models import AccessLogEntry  # noqa: F401 - the access log's model
from .accounts.models import Invitation  # noqa: F401 - accounts' model
from .modelbases import Timestamped
from .notifications.models import AlertEmail, NotificationPreference  # noqa: F401 - notifications' models
from .roles import ROLES_BY_KIND, Capability, OrganisationKind, Role, has_capability
from .tenancy import TenantQuerySet
from .uploads.models import UPLOAD_OPEN_STATUSES, UploadJob, UploadStatus  # noqa: F401 - uploads' model
from .webhooks.models import WebhookDelivery, WebhookSubscription  # noqa: F401 - webhooks' models


class CqcRating(models.TextChoices):
    OUTSTANDING = "outstanding", "Outstanding"
    GOOD = "good", "Good"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate"
    NOT_YET_RATED = "not_yet_rated", "Not yet rated"

    @classmethod
    def good_or_better(cls) -> set[str]:
        return {cls.OUTSTANDING, cls.GOOD}


class CommissionerType(models.TextChoices):
    COUNCIL = "council", "Council"
    NHS = "nhs", "NHS commissioner"


# Other apps say which organisations are partners (and so may see each other's names):
# schemes registers contracts, framework membership registers applications and admissions.
# Each entry maps an organisation to a `values()` queryset (of any model) of partner organisation ids.
PartnerSource = Callable[["Organisation"], models.QuerySet[Any, Any]]
_PARTNER_SOURCES: list[PartnerSource] = []


def register_partner_source(fn: PartnerSource) -> None:
    """`fn(organisation)` returns a values-queryset of the ids of that organisation's partners."""
    if fn not in _PARTNER_SOURCES:
        _PARTNER_SOURCES.append(fn)


class OrganisationQuerySet(TenantQuerySet["Organisation"]):
    reference_data = True

    def _partners_of(self, organisation: "Organisation") -> Self:
        q = models.Q(pk=organisation.pk)
        for source in _PARTNER_SOURCES:
            q |= models.Q(pk__in=source(organisation))
        return self.filter(q)

    def for_commissioner(self, organisation: "Organisation") -> Self:
        return self._partners_of(organisation)

    def for_provider(self, organisation: "Organisation") -> Self:
        return self._partners_of(organisation)

    def commissioners(self) -> Self:
        return self.filter(kind=OrganisationKind.COMMISSIONER)

    def providers(self) -> Self:
        return self.filter(kind=OrganisationKind.PROVIDER)


class Organisation(Timestamped):
    """A council or NHS commissioner, a care provider, or the portal's operator.

    Providers carry their CQC registration: location ID, current rating and the rating's date
    (a fall below Good obliges the provider to tell the council `[002 §4.3]`).
    """

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=OrganisationKind.choices)
    commissioner_type = models.CharField(
        max_length=20,
        choices=CommissionerType.choices,
        blank=True,
        help_text="Council or NHS commissioner (commissioners only).",
    )
    cqc_location_id = models.CharField("CQC location ID", max_length=20, blank=True)
    cqc_rating = models.CharField("CQC rating", max_length=30, choices=CqcRating.choices, blank=True)
    cqc_rating_date = models.DateField("CQC rating date", null=True, blank=True)
    address = models.TextField(blank=True)
    email = models.EmailField(blank=True)
    telephone = models.CharField(max_length=40, blank=True)
    # What invoices and remittances need `[004 App. 6 §3]`: where a commissioner takes invoices, and
    # a provider's VAT status and the account it is paid into.
    invoice_address = models.TextField(
        blank=True, help_text="Where invoices are sent, if not the address above (commissioners)."
    )
    vat_number = models.CharField(
        "VAT registration number",
        max_length=20,
        blank=True,
        help_text="Leave blank if not registered for VAT.",
    )
    bank_account_name = models.CharField(max_length=100, blank=True)
    bank_sort_code = models.CharField(
        max_length=8,
        blank=True,
        validators=[RegexValidator(r"^\d{2}-?\d{2}-?\d{2}$", "A sort code is six digits, e.g. 20-00-00.")],
    )
    bank_account_number = models.CharField(
        max_length=8,
        blank=True,
        validators=[RegexValidator(r"^\d{8}$", "An account number is eight digits.")],
    )

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="organisation_commissioner_type_only_for_commissioners",
                condition=models.Q(kind=OrganisationKind.COMMISSIONER) | models.Q(commissioner_type=""),
            ),
        ]
        # The header search finds providers by part of their name (portal.search).
        indexes = [GinIndex(fields=["name"], opclasses=["gin_trgm_ops"], name="organisation_name_trgm")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == OrganisationKind.COMMISSIONER and not self.commissioner_type:
            raise ValidationError(
                {"commissioner_type": "Say whether this is a council or an NHS commissioner."}
            )
        if self.kind != OrganisationKind.PROVIDER and (self.cqc_location_id or self.cqc_rating):
            raise ValidationError({"cqc_location_id": "Only providers hold a CQC registration."})

    def audit_parties(self) -> tuple[int | None, int | None]:
        """Changes to an organisation are its own side's to read (see `portal.audit.parties`)."""
        return _own_side(self)

    @property
    def invoice_address_or_address(self) -> str:
        return self.invoice_address or self.address

    @property
    def is_commissioner(self) -> bool:
        return self.kind == OrganisationKind.COMMISSIONER

    @property
    def is_provider(self) -> bool:
        return self.kind == OrganisationKind.PROVIDER


class UserQuerySet(TenantQuerySet["User"]):
    commissioner_lookup = provider_lookup = "organisation"

    def for_site_admin(self) -> Self:
        return self.all()  # the operator administers everyone's accounts


if TYPE_CHECKING:
    # At run time the manager also carries UserQuerySet's methods (`from_queryset`). django-stubs
    # 6.1 types a `from_queryset` base in any other module, but not in AUTH_USER_MODEL's own
    # ('Variable "..." is not valid as a type' [valid-type]), so here the checker sees a plain
    # UserManager: `User.objects.visible_to(...)` works but is not known to mypy.
    _UserManagerBase = UserManager
else:
    _UserManagerBase = UserManager.from_queryset(UserQuerySet)


class PortalUserManager(_UserManagerBase["User"]):
    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra_fields: Any
    ) -> "User":
        if "organisation" not in extra_fields:
            operator, _ = Organisation.objects.get_or_create(
                name="Portal operations", defaults={"kind": OrganisationKind.OPERATOR}
            )
            extra_fields["organisation"] = operator
        extra_fields.setdefault("role", Role.SITE_ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person (or, for the API client role, a system) in exactly one organisation, with one role."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="users")
    role = models.CharField(max_length=30, choices=Role.choices)

    objects: ClassVar[PortalUserManager] = PortalUserManager()

    REQUIRED_FIELDS = ["email"]

    class Meta:
        ordering = ["username"]

    def clean(self) -> None:
        super().clean()
        if self.organisation_id and self.role not in ROLES_BY_KIND.get(self.organisation.kind, set()):
            raise ValidationError(
                {
                    "role": f"A {self.get_role_display()} cannot belong to a {self.organisation.get_kind_display().lower()}."
                }
            )

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Only the portal operator's administrators reach Django's admin site.
        self.is_staff = self.role == Role.SITE_ADMIN
        self.is_superuser = self.role == Role.SITE_ADMIN
        super().save(*args, **kwargs)

    @property
    def is_commissioner_side(self) -> bool:
        return self.organisation.kind == OrganisationKind.COMMISSIONER

    @property
    def is_provider_side(self) -> bool:
        return self.organisation.kind == OrganisationKind.PROVIDER

    def can(self, capability: Capability, token: "ApiToken | None" = None) -> bool:
        return has_capability(self, capability, token)

    def audit_parties(self) -> tuple[int | None, int | None]:
        """A person's trail (invited, role changed, deactivated…) belongs to their organisation, so
        its managers read it (see `portal.audit.parties`)."""
        return _own_side(self.organisation)

    def has_acted(self) -> bool:
        """True once the person appears as the actor of any audit entry: then their account is
        deactivated, never deleted, so the trail keeps naming them (issue 15)."""
        return AuditEvent.objects.filter(actor=self).exists()

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.pk and self.has_acted():
            raise ProtectedError(ACTED_NOT_DELETED.format(name=self.get_full_name() or self.username), set())
        return super().delete(*args, **kwargs)


ACTED_NOT_DELETED = (
    "{name} has acted in the portal, so the account cannot be deleted (the audit trail names who "
    "did what). Deactivate it instead: the person can no longer sign in or use an API key."
)


def _own_side(organisation: Organisation) -> tuple[int | None, int | None]:
    """(commissioner, provider) for a record that belongs to `organisation` alone."""
    if organisation.kind == OrganisationKind.COMMISSIONER:
        return organisation.pk, None
    if organisation.kind == OrganisationKind.PROVIDER:
        return None, organisation.pk
    return None, None


#: Whoever a query or a change is made for: a signed-in user, an anonymous visitor (a request's
#: `user` before any login check), or None (the portal itself: tasks, bulk jobs, the demo loader).
Actor = User | AnonymousUser | None


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(TenantQuerySet["ApiToken"]):
    commissioner_lookup = provider_lookup = "user__organisation"

    def for_site_admin(self) -> Self:
        return self.all()  # the operator revokes keys

    def active(self) -> Self:
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """A bearer token for an API client. Only a hash of the key is stored; the key is shown once.

    Tokens read only, unless granted scopes (write capabilities of the owning organisation).
    DRF's own authtoken keeps keys in clear and allows one token per user with no scopes,
    which is why this small model exists.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(
        default=list, blank=True, help_text="Write capabilities granted; empty = read-only."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Every key expires (issue 15): PORTAL["API_TOKEN_DAYS"] after issue unless set otherwise.
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(
        cls,
        *,
        user: User,
        name: str,
        scopes: Iterable[str] = (),
        key: str | None = None,
        expires_at: dt.datetime | None = None,
    ) -> tuple["ApiToken", str]:
        """Create a token and return it with its key, which is not stored anywhere. It expires at
        `expires_at`, by default PORTAL["API_TOKEN_DAYS"] from now, never more than
        PORTAL["API_TOKEN_MAX_DAYS"]. (`portal.services.api_token_issue` issues and audits.)"""
        if user.role != Role.API_CLIENT:
            raise ValidationError("Only API client accounts hold API tokens.")
        now = timezone.now()
        if expires_at is None:
            expires_at = now + dt.timedelta(days=int(settings.PORTAL["API_TOKEN_DAYS"]))
        if expires_at <= now:
            raise ValidationError("A key's expiry must be in the future.")
        if expires_at > now + dt.timedelta(days=int(settings.PORTAL["API_TOKEN_MAX_DAYS"])):
            raise ValidationError(f"A key lasts at most {settings.PORTAL['API_TOKEN_MAX_DAYS']} days.")
        key = key or secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            name=name,
            prefix=key[:8],
            key_hash=_hash_key(key),
            scopes=sorted(set(scopes)),
            expires_at=expires_at,
        )
        return token, key

    def audit_parties(self) -> tuple[int | None, int | None]:
        """A key's trail belongs to its account's organisation (see `portal.audit.parties`)."""
        return _own_side(self.user.organisation)

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "Revoked"
        if self.expires_at <= timezone.now():
            return "Expired"
        return "Active"

    @classmethod
    def authenticate(cls, key: str) -> "ApiToken | None":
        return (
            cls.objects.active()
            .select_related("user", "user__organisation")
            .filter(key_hash=_hash_key(key))
            .first()
        )


class AuditEventQuerySet(TenantQuerySet["AuditEvent"]):
    commissioner_lookup = "commissioner"
    provider_lookup = "provider"

    def for_object(self, obj: models.Model) -> Self:
        return self.filter(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
            object_id=str(obj.pk),
        )


class AuditEvent(models.Model):
    """Who did what to which record, when, and what changed. Written by services, never edited.

    `commissioner` and `provider` are the organisations party to the record, so each side sees
    the trail of its own records and nothing else.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # Who acted, as they were named when they acted: the names stay when the account is later
    # deactivated or renamed (and an account that has acted is never deleted: PROTECT).
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=300, blank=True, db_default="")
    actor_organisation_name = models.CharField(max_length=200, blank=True, db_default="")
    action = models.CharField(max_length=60)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    changes = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    commissioner = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    provider = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    @property
    def actor_label(self) -> str:
        """Who acted, as the trail shows it: "Nadia Khan (nadia), Dorset Council", or "The portal"."""
        if not self.actor_name:
            return "The portal"
        if self.actor_organisation_name:
            return f"{self.actor_name}, {self.actor_organisation_name}"
        return self.actor_name


class AlertQuerySet(TenantQuerySet["Alert"]):
    commissioner_lookup = provider_lookup = "recipient"

    def open(self) -> Self:
        return self.filter(resolved_at__isnull=True)


class Alert(models.Model):
    """Something an organisation must act on: an order awaiting acceptance, a missed visit to
    explain, a rating below Good to notify, a tolerance breach to review…

    Raised by services with a `key` that makes raising idempotent (the same condition raised
    twice is one alert), shown on the recipient's dashboard to the people whose capability can
    act on it, resolved by the service that deals with it (or by hand).
    """

    class Severity(models.TextChoices):
        INFO = "info", "Information"
        ACTION = "action", "Action needed"
        URGENT = "urgent", "Urgent"

    recipient = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="alerts")
    capability = models.CharField(
        max_length=30,
        choices=[(c.value, c.value) for c in Capability],
        help_text="Who in the recipient organisation should act.",
    )
    kind = models.CharField(max_length=60)
    key = models.CharField(max_length=200, help_text="Identifies the condition; raising it again is a no-op.")
    title = models.CharField(max_length=300)
    detail = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True, help_text="The record to act on.")
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.ACTION)
    due_at = models.DateTimeField(null=True, blank=True)
    raised_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolution = models.TextField(blank=True)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    object_id = models.CharField(max_length=64, blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["resolved_at", "-severity", "due_at", "-raised_at"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "kind", "key"], name="alert_unique_condition")
        ]
        indexes = [models.Index(fields=["recipient", "resolved_at"], name="alert_open_idx")]

    def __str__(self) -> str:
        return self.title

    def audit_parties(self) -> tuple[int | None, int | None]:
        """The alert belongs to its recipient's side only (see `portal.audit.parties`)."""
        kind = self.recipient.kind
        return (
            (self.recipient_id, None) if kind == OrganisationKind.COMMISSIONER else (None, self.recipient_id)
        )

    @property
    def is_overdue(self) -> bool:
        return self.resolved_at is None and self.due_at is not None and self.due_at < timezone.now()
