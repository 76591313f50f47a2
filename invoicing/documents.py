"""The invoice documents `[004 App. 6 §3.1]`: (a) the individual call monitoring return, (b) the
invoice detail schedule, (c) the summary invoice, whose total is the detail schedule's — each as
rows (for pages, CSV and XLSX) and as a PDF (WeasyPrint) headed with the provider's and the
council's details, the invoice number, the period and the due dates. A remittance advice PDF too.

CSV streams row by row; XLSX uses openpyxl's write-only mode, so a large schedule never sits in
memory as a workbook. Both write every cell through `portal.exports`, so text typed into the
portal (a name, a dispute reason) can never become a spreadsheet formula.
"""

import itertools
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.http import HttpResponse, StreamingHttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from portal.exports import csv_writer, xlsx_bytes

from .models import Invoice, InvoiceLine, LineKind

SCHEDULE_HEADERS = [
    "Line",
    "Kind",
    "Order",
    "Service user reference",
    "Service user",
    "Week from",
    "Week to",
    "Commissioned hours",
    "Delivered hours",
    "Paid, not delivered (min)",
    "Retainer (min)",
    "Over tolerance (min)",
    "Payable quantity",
    "Unit",
    "Rate",
    "Net amount",
    "VAT code",
    "VAT",
    "Disputed",
    "Dispute reason",
    "Flagged for review",
]

CALL_MONITORING_HEADERS = [
    "Order",
    "Service user reference",
    "Service user",
    "Day",
    "Scheduled start",
    "Scheduled end",
    "Scheduled minutes",
    "Actual start",
    "Actual end",
    "Actual minutes",
    "Status",
    "Carer",
    "Second carer",
    "Carers",
    "Verification",
]

SUMMARY_HEADERS = [
    "Kind",
    "Lines",
    "Payable quantity",
    "Unit",
    "Net amount",
    "VAT",
    "Gross amount",
    "Of which disputed",
]


def _hours(minutes) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"))


def _plain(value: Decimal | int | None) -> Decimal | int:
    """A figure without trailing zeros and never in exponent form (600, not 6E+2)."""
    if not value:
        return 0
    return Decimal(format(Decimal(value).normalize(), "f"))


def schedule_rows(lines: Iterable[InvoiceLine]) -> Iterator[list]:
    for line in lines:
        order = line.order
        person = order.service_user if order is not None else None
        yield [
            line.position,
            line.get_kind_display(),
            order.reference if order else "",
            person.reference if person else "",
            person.name if person else (line.scheme.name if line.scheme_id else ""),
            line.week_start.isoformat() if line.week_start else "",
            line.week_end.isoformat() if line.week_end else "",
            _hours(line.commissioned_minutes) if line.order_id else "",
            line.delivered_hours if line.order_id else "",
            line.paid_not_delivered_minutes,
            _plain(line.retainer_minutes),
            _plain(line.unauthorised_minutes),
            line.quantity,
            line.unit,
            line.rate,
            line.net_amount,
            line.get_vat_code_display(),
            line.vat_amount,
            "yes" if line.disputed else "",
            line.dispute_reason,
            line.review_note if line.review_flag else "",
        ]


def call_monitoring_rows(visits) -> Iterator[list]:
    local = timezone.localtime
    for v in visits:
        yield [
            v.order.reference,
            v.order.service_user.reference,
            v.order.service_user.name,
            v.visit_date.isoformat(),
            local(v.scheduled_start).strftime("%Y-%m-%d %H:%M"),
            local(v.scheduled_end).strftime("%Y-%m-%d %H:%M"),
            v.scheduled_minutes,
            local(v.actual_start).strftime("%Y-%m-%d %H:%M") if v.actual_start else "",
            local(v.actual_end).strftime("%Y-%m-%d %H:%M") if v.actual_end else "",
            v.actual_minutes if v.actual_minutes is not None else "",
            v.get_status_display(),
            v.carer_reference,
            v.second_carer_reference,
            v.carers,
            v.get_verification_display(),
        ]


def summary_rows(invoice: Invoice, lines) -> list[list]:
    """Totals by kind of line (and unit), in SQL, and the invoice's total."""
    labels = dict(LineKind.choices)
    rows = []
    for row in (
        lines.order_by()
        .values("kind", "unit")
        .annotate(
            n=Count("id"),
            quantity=Sum("quantity"),
            net=Sum("net_amount"),
            vat=Sum("vat_amount"),
            disputed=Sum("net_amount", filter=Q(disputed=True), default=Decimal("0.00")),
        )
        .order_by("kind", "unit")
    ):
        unit = f"{row['unit']}s"
        rows.append(
            [
                labels.get(row["kind"], row["kind"]),
                row["n"],
                row["quantity"],
                unit,
                row["net"],
                row["vat"],
                row["net"] + row["vat"],
                row["disputed"],
            ]
        )
    rows.append(
        [
            "Total",
            sum(r[1] for r in rows),
            "",
            "",
            invoice.net_total,
            invoice.vat_total,
            invoice.gross_total,
            invoice.disputed_total,
        ]
    )
    return rows


class _Echo:
    def write(self, value):
        return value


def csv_response(filename: str, headers: list[str], rows: Iterable[list]) -> StreamingHttpResponse:
    writer = csv_writer(_Echo())

    def stream():
        yield "\ufeff"  # so spreadsheet programs read the £ sign and names as UTF-8
        yield writer.writerow(headers)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(filename: str, sheet: str, headers: list[str], rows: Iterable[list]) -> HttpResponse:
    response = HttpResponse(
        xlsx_bytes(sheet, itertools.chain([headers], rows)),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def render_pdf(template: str, context: dict) -> bytes:
    import logging

    from weasyprint import HTML

    # WeasyPrint logs every page it lays out at INFO; a long schedule would fill the log.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

    html = render_to_string(template, context)
    return HTML(string=html).write_pdf()


def pdf_response(filename: str, template: str, context: dict) -> HttpResponse:
    response = HttpResponse(render_pdf(template, context), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
    return response


def filename_for(invoice: Invoice, document: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in invoice.number)
    return f"{safe}-{document}"


REMITTANCE_HEADERS = ["Item", "Reference", "Date", "Description", "Amount"]


def remittance_rows(remittance, set_offs) -> list[list]:
    """The remittance advice as rows: the invoice's gross, each credit note set against it (a
    negative amount, with its interest), and the net paid `[004 App. 6 §3.5, §5.1]`."""
    invoice = remittance.invoice
    rows: list[list] = [
        ["Invoice", invoice.number, remittance.paid_on, f"Gross, {invoice.period_label}", invoice.gross_total]
    ]
    for recovery in set_offs:
        note = recovery.credit_note
        detail = f"Less set-off: credit note {note.number} on invoice {note.invoice.number}"
        if recovery.interest:
            detail += f" (£{recovery.principal:,.2f} and £{recovery.interest:,.2f} interest)"
        rows.append(["Set-off", note.number, recovery.recovered_on, detail, -recovery.total])
    rows.append(
        ["Net paid", remittance.payment_reference, remittance.paid_on, "BACS payment", remittance.amount]
    )
    return rows
