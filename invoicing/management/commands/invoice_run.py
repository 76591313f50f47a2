"""Run invoices from the command line: one contract's period, or every run due.

    python manage.py invoice_run --contract NCC-HWC-L2 --period 2026-04-27
    python manage.py invoice_run --all-due [--today 2026-05-30]

Each run is `invoicing.services.invoice_generate` (idempotent: a second run with nothing changed
writes nothing); `--all-due` runs what `invoice_runs_due` names, as the nightly beat task does,
but in this process. Prints each invoice and exits non-zero if any run failed."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from invoicing import services
from portal.money import format_money
from schemes.models import Contract
from schemes.selectors import contract_by_reference


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date: write it as YYYY-MM-DD.") from None


def _messages(exc: ValidationError) -> str:
    return "; ".join(exc.messages)


class Command(BaseCommand):
    help = "Generate (or bring up to date) invoices: one contract and period, or every run due."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--contract", help="The contract's reference, e.g. NCC-HWC-L2.")
        parser.add_argument("--commissioner", help="The commissioner's name, where references repeat.")
        parser.add_argument("--period", help="The first day of the payment period (or quarter), YYYY-MM-DD.")
        parser.add_argument("--all-due", action="store_true", help="Every run due today (or on --today).")
        parser.add_argument("--today", help="With --all-due: the day to judge what is due, YYYY-MM-DD.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["all_due"] == bool(options["contract"]):
            raise CommandError("Give either --contract REF --period YYYY-MM-DD, or --all-due.")
        if options["all_due"]:
            today = _date(options["today"]) if options["today"] else timezone.localdate()
            runs = services.invoice_runs_due(today)
            self.stdout.write(f"{len(runs)} invoice run(s) due on {today:%-d %B %Y}.")
        else:
            if not options["period"]:
                raise CommandError("--contract needs --period YYYY-MM-DD (the period's first day).")
            try:
                contract = contract_by_reference(options["contract"], options["commissioner"])
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            runs = [(contract.pk, _date(options["period"]))]
        failed = 0
        for contract_id, period_start in runs:
            reference = Contract.objects.values_list("reference", flat=True).get(pk=contract_id)
            try:
                result = services.invoice_generate(contract_id=contract_id, period_start=period_start)
            except ValidationError as exc:
                failed += 1
                self.stderr.write(f"{reference} {period_start}: failed: {_messages(exc)}")
                continue
            invoice = result.invoice
            what = "created" if result.created else "regenerated" if result.changed else "unchanged"
            self.stdout.write(
                f"{reference} {invoice.period_start}–{invoice.period_end}: {what} invoice {invoice.number} "
                f"({invoice.get_status_display().lower()}, {invoice.lines.count()} lines, "
                f"net {format_money(invoice.net_total)}, gross {format_money(invoice.gross_total)})"
            )
        if failed:
            raise CommandError(f"{failed} of {len(runs)} invoice run(s) failed.")
