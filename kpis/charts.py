"""Server-rendered SVG trend charts: no JavaScript, and a table of the same figures beside each.

The chart draws one bar per quarter (a gap where there is no figure), the value above each bar and
the target as a dashed line, labelled. The accessible name and description say what it shows; the
table that follows it on the page carries every figure, so nothing depends on seeing the chart.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 24, 48
BAR_COLOUR = "#1d70b8"  # GOV.UK blue; 4.5:1 against white
TARGET_COLOUR = "#0b0c0c"


def _fmt(value: Decimal, unit: str) -> str:
    text = f"{value.normalize():f}" if value == value.to_integral() else f"{value:.2f}"
    return f"{text}%" if unit == "percentage" else text


def trend_svg(*, points, threshold, unit: str, title: str, chart_id: str) -> SafeString:
    """points: [(label, Decimal | None)], oldest first."""
    values = [v for _label, v in points if v is not None]
    top = max([*values, threshold or Decimal(0), Decimal(1)])
    if unit == "percentage":
        top = max(top, Decimal(100)) if values and max(values) > 50 else top
    top = top * Decimal("1.1")
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(points), 1)
    bar_w = slot * 0.6

    def y(v: Decimal) -> float:
        return TOP + plot_h - float(v / top) * plot_h

    described = ", ".join(
        f"{label}: {_fmt(v, unit) if v is not None else 'no figure'}" for label, v in points
    )
    if threshold is not None:
        described += f". Target {_fmt(threshold, unit)}."
    parts = [
        f'<svg class="portal-chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg" '
        'font-family="system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(described)}</desc>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" stroke="#505a5f"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#505a5f"/>',
    ]
    for fraction in (Decimal(0), Decimal("0.5"), Decimal(1)):
        tick = (top / Decimal("1.1")) * fraction
        parts.append(
            f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="12" fill="#505a5f">'
            f"{escape(_fmt(tick.quantize(Decimal('0.1')), unit))}</text>"
        )
    for i, (label, value) in enumerate(points):
        x = LEFT + slot * i + (slot - bar_w) / 2
        cx = x + bar_w / 2
        parts.append(
            f'<text x="{cx:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" font-size="12" fill="#0b0c0c">'
            f"{escape(label)}</text>"
        )
        if value is None:
            parts.append(
                f'<text x="{cx:.1f}" y="{TOP + plot_h - 6}" text-anchor="middle" font-size="11" fill="#505a5f">none</text>'
            )
            continue
        height = max(TOP + plot_h - y(value), 1.0)
        parts.append(
            f'<rect x="{x:.1f}" y="{TOP + plot_h - height:.1f}" width="{bar_w:.1f}" height="{height:.1f}" fill="{BAR_COLOUR}"/>'
        )
        parts.append(
            f'<text x="{cx:.1f}" y="{TOP + plot_h - height - 4:.1f}" text-anchor="middle" font-size="12" '
            f'font-weight="bold" fill="#0b0c0c">{escape(_fmt(value, unit))}</text>'
        )
    if threshold is not None:
        ty = y(threshold)
        parts.append(
            f'<line x1="{LEFT}" y1="{ty:.1f}" x2="{WIDTH - RIGHT}" y2="{ty:.1f}" stroke="{TARGET_COLOUR}" '
            f'stroke-width="2" stroke-dasharray="6 4"/>'
        )
        parts.append(
            f'<text x="{WIDTH - RIGHT}" y="{ty - 5:.1f}" text-anchor="end" font-size="12" fill="{TARGET_COLOUR}">'
            f"Target {escape(_fmt(threshold, unit))}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text inside is escaped above
