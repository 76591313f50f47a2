import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from portal.models import User
from portal.roles import GRANTABLE_TO_TOKENS
from portal.services import api_token_issue


class Command(BaseCommand):
    help = "Issue an API key to an API client account. The key is shown once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("name", help="What the key is for, e.g. 'Finance system'")
        parser.add_argument(
            "--scope", action="append", default=[], help="Grant a write capability (repeatable)"
        )
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Days until the key expires (default PORTAL['API_TOKEN_DAYS'], 90)",
        )

    def handle(self, username: str, name: str, scope: list[str], days: int | None, **options: Any) -> None:
        try:
            user = User.objects.select_related("organisation").get(username=username)
        except User.DoesNotExist as exc:
            raise CommandError(f"No user {username!r}") from exc
        grantable = GRANTABLE_TO_TOKENS.get(user.organisation.kind, frozenset())
        bad = [s for s in scope if s not in grantable]
        if bad:
            raise CommandError(
                f"{user.organisation} cannot be granted {', '.join(bad)}; choose from {sorted(grantable)}"
            )
        days = settings.PORTAL["API_TOKEN_DAYS"] if days is None else days
        try:
            token, key = api_token_issue(
                actor=None,
                user=user,
                name=name,
                scopes=scope,
                expires_at=timezone.now() + dt.timedelta(days=days),
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(key)
        self.stderr.write(f"Expires {timezone.localtime(token.expires_at):%d %b %Y %H:%M}.")
