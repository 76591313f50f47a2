"""Print the current authenticator code of the demo accounts (where the settings name a demo secret)."""

import time
from typing import Any

from allauth.mfa import app_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Print the demo accounts' current authenticator code (local settings only)."

    def handle(self, *args: Any, **options: Any) -> None:
        secret = settings.PORTAL.get("DEMO_TOTP_SECRET")
        if not secret:
            raise CommandError("These settings name no demo authenticator secret.")
        period = app_settings.TOTP_PERIOD
        now = int(time.time())
        code = format_hotp_value(hotp_value(secret, now // period))
        self.stdout.write(f"{code} (for {period - now % period} more seconds)")
