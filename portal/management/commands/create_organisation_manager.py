from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.accounts.people import organisation_manager_create
from portal.models import CommissionerType
from portal.roles import OrganisationKind


class Command(BaseCommand):
    help = (
        "The site administrator's step: create an organisation (if it does not exist) and invite its "
        "first manager by email. The manager then invites the organisation's people."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("organisation", help="The organisation's name, e.g. 'Dorset Council'")
        parser.add_argument("email", help="The first manager's email address (also their username)")
        parser.add_argument(
            "--kind", choices=[OrganisationKind.COMMISSIONER, OrganisationKind.PROVIDER], required=True
        )
        parser.add_argument(
            "--commissioner-type",
            choices=[c.value for c in CommissionerType],
            default="",
            help="For commissioners",
        )
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--site-url",
            default=None,
            help="Where the portal is reached (default PORTAL['BASE_URL'], from PORTAL_BASE_URL)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = organisation_manager_create(
                actor=None,
                organisation_name=options["organisation"],
                kind=options["kind"],
                commissioner_type=options["commissioner_type"],
                email=options["email"],
                first_name=options["first_name"],
                last_name=options["last_name"],
                base_url=options["site_url"] or settings.PORTAL["BASE_URL"],
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            f"Invited {user.email} as {user.get_role_display()} of {user.organisation}; "
            f"the link works for {settings.PORTAL['INVITATION_HOURS']} hours."
        )
