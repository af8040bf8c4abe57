"""A chart as inline SVG, drawn on the server: horizontal bars, one group per label, one bar per
series. Every bar carries its value as text and every series its own fill pattern (solid, hatched,
dotted, ...) shown in the legend, so the chart reads without colour. The figures are also in the
table the chart names; the SVG says so in its description.

The same SVG goes into the monthly PDF (`patterns=False` there: fpdf2 draws plain fills only, so
the series differ by shade and the legend still names them).
"""

from __future__ import annotations

from html import escape
from zoneinfo import ZoneInfo

from bot.render.cells import shown
from handlers.reports.shapes import Chart, Kind

WIDTH = 640
LABEL_WIDTH = 190
VALUE_ROOM = 70
BAR_HEIGHT = 14
BAR_GAP = 3
GROUP_GAP = 10
LEGEND_HEIGHT = 22
LABEL_CHARS = 30
FONT = "system-ui, sans-serif"
SHADES = ("#1f4e79", "#7f7f7f", "#c55a11", "#548235", "#7030a0", "#404040")
PATTERNS = ("solid", "hatch", "dots", "cross", "vertical", "solid-light")


def _defs(chart_id: str) -> str:
    ink = "#1f1f1f"
    return (
        "<defs>"
        f'<pattern id="{chart_id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#ffffff"/><rect width="2.5" height="6" fill="{ink}"/>'
        "</pattern>"
        f'<pattern id="{chart_id}-dots" width="5" height="5" patternUnits="userSpaceOnUse">'
        '<rect width="5" height="5" fill="#ffffff"/>'
        f'<circle cx="2.5" cy="2.5" r="1.4" fill="{ink}"/>'
        "</pattern>"
        f'<pattern id="{chart_id}-cross" width="6" height="6" patternUnits="userSpaceOnUse">'
        f'<rect width="6" height="6" fill="#ffffff"/>'
        f'<path d="M0 0L6 6M6 0L0 6" stroke="{ink}" stroke-width="1"/>'
        "</pattern>"
        f'<pattern id="{chart_id}-vertical" width="5" height="5" patternUnits="userSpaceOnUse">'
        f'<rect width="5" height="5" fill="#ffffff"/><rect width="2" height="5" fill="{ink}"/>'
        "</pattern>"
        "</defs>"
    )


def _fill(chart_id: str, index: int, patterns: bool) -> str:
    if not patterns:
        return SHADES[index % len(SHADES)]
    name = PATTERNS[index % len(PATTERNS)]
    if name == "solid":
        return "#1f4e79"
    if name == "solid-light":
        return "#9dc3e6"
    return f"url(#{chart_id}-{name})"


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def svg(
    chart: Chart, table_title: str = "", patterns: bool = True, zone: ZoneInfo | None = None
) -> str:
    """The chart as one `<svg>` element (no script, no style attribute: CSP-safe)."""
    chart_id = "c-" + "".join(ch for ch in chart.key if ch.isalnum() or ch == "-")
    series = len(chart.series)
    group_height = series * (BAR_HEIGHT + BAR_GAP) - BAR_GAP + GROUP_GAP
    legend = LEGEND_HEIGHT if series > 1 else 0
    height = legend + max(1, len(chart.bars)) * group_height + 4
    top = max((v for bar in chart.bars for v in bar.values), default=0.0)
    if chart.kind == Kind.PERCENT:
        top = max(top, 1.0)
    room = VALUE_ROOM
    if series > 1:
        room += 7 * min(max(len(name) for name in chart.series), LABEL_CHARS) + 6
    scale = (WIDTH - LABEL_WIDTH - room) / top if top > 0 else 0.0
    described = f"Angka lengkap ada di tabel {table_title}." if table_title else ""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-labelledby="{chart_id}-t" '
        f'font-family="{FONT}" font-size="12" class="chart">',
        f'<title id="{chart_id}-t">{escape(chart.title)}</title>',
        f"<desc>{escape(described)}</desc>",
        _defs(chart_id) if patterns else "",
    ]
    if legend:
        x = 0
        for index, name in enumerate(chart.series):
            fill = _fill(chart_id, index, patterns)
            parts.append(
                f'<rect x="{x}" y="4" width="14" height="12" fill="{fill}" stroke="#1f1f1f" '
                'stroke-width="0.5"/>'
            )
            parts.append(f'<text x="{x + 18}" y="14" fill="#1f1f1f">{escape(name)}</text>')
            x += 28 + 7 * len(name)
    if not chart.bars:
        parts.append(f'<text x="0" y="{legend + 14}" fill="#1f1f1f">Belum ada data.</text>')
    for row, bar in enumerate(chart.bars):
        y0 = legend + row * group_height
        middle = y0 + (group_height - GROUP_GAP) / 2 + 4
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{middle:.1f}" text-anchor="end" fill="#1f1f1f">'
            f"{escape(_short(bar.label))}</text>"
        )
        for index, value in enumerate(bar.values):
            y = y0 + index * (BAR_HEIGHT + BAR_GAP)
            length = max(value * scale, 0.0)
            fill = _fill(chart_id, index, patterns)
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" '
                f'fill="{fill}" stroke="#1f1f1f" stroke-width="0.5"/>'
            )
            text = shown(value, chart.kind, zone)
            if series > 1:
                text = f"{text} ({escape(_short(chart.series[index]))})"
            parts.append(
                f'<text x="{LABEL_WIDTH + length + 4:.1f}" y="{y + BAR_HEIGHT - 3}" '
                f'fill="#1f1f1f">{escape(text)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
