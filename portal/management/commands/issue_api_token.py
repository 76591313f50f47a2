from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.models import ApiToken, User
from portal.roles import GRANTABLE_TO_TOKENS


class Command(BaseCommand):
    help = "Issue an API key to an API client account. The key is shown once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("name", help="What the key is for, e.g. 'Finance system'")
        parser.add_argument(
            "--scope", action="append", default=[], help="Grant a write capability (repeatable)"
        )

    def handle(self, username: str, name: str, scope: list[str], **options: Any) -> None:
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
        _token, key = ApiToken.issue(user=user, name=name, scopes=scope)
        self.stdout.write(key)
