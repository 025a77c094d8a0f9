"""Charts drawn on the server as inline SVG: no JavaScript, no CDN, readable when printed.

Each function takes plain numbers and returns ``Markup``; every text is escaped. Bars carry a
``<title>`` so that hovering shows the exact figure.
"""

from __future__ import annotations

from typing import Sequence

from markupsafe import Markup, escape

WIDTH = 640
LABEL_WIDTH = 120
VALUE_WIDTH = 70
ROW_HEIGHT = 24
BAR_HEIGHT = 16
LEGEND_HEIGHT = 26
BAR_AREA = WIDTH - LABEL_WIDTH - VALUE_WIDTH

GOOD, FAIR, POOR, NONE = "#2e7d32", "#f9a825", "#c62828", "#bdbdbd"


def _svg(chart_id: str, title: str, height: int, body: list[str]) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" font-size="12" font-family="sans-serif">'
    )
    return Markup(head + f"<title>{escape(title)}</title>" + "".join(body) + "</svg>")


def _legend(series: Sequence[tuple[str, str]]) -> list[str]:
    parts, x = [], LABEL_WIDTH
    for name, colour in series:
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/><text x="{x + 16}" y="16">{escape(name)}</text>')
        x += 28 + 13 * len(name)
    return parts


def stacked_bars(chart_id: str, title: str, rows: Sequence[tuple[str, Sequence[int]]], series: Sequence[tuple[str, str]], unit: str = "") -> Markup:
    """One horizontal bar per row, split into ``series`` (name, colour); the total at the end."""
    top = max((sum(values) for _, values in rows), default=0) or 1
    body = _legend(series)
    for i, (label, values) in enumerate(rows):
        y = LEGEND_HEIGHT + i * ROW_HEIGHT
        body.append(f'<text x="{LABEL_WIDTH - 6}" y="{y + 13}" text-anchor="end">{escape(label)}</text>')
        x = float(LABEL_WIDTH)
        for (name, colour), value in zip(series, values):
            if value <= 0:
                continue
            width = BAR_AREA * value / top
            body.append(f'<rect x="{x:.1f}" y="{y + 2}" width="{max(width, 1):.1f}" height="{BAR_HEIGHT}" fill="{colour}"><title>{escape(label)} · {escape(name)}：{value}{escape(unit)}</title></rect>')
            x += width
        body.append(f'<text x="{x + 6:.1f}" y="{y + 13}">{sum(values)}{escape(unit)}</text>')
    return _svg(chart_id, title, LEGEND_HEIGHT + len(rows) * ROW_HEIGHT + 6, body)


def _colour(value: float, good: float, fair: float) -> str:
    return GOOD if value >= good else FAIR if value >= fair else POOR


def percent_bars(chart_id: str, title: str, rows: Sequence[tuple[str, float | None]], good: float = 90.0, fair: float = 70.0) -> Markup:
    """One bar per row on a 0–100 % scale, green from ``good``, amber from ``fair``, else red; "—" without data."""
    body = [f'<text x="{LABEL_WIDTH}" y="16">0%</text><text x="{LABEL_WIDTH + BAR_AREA}" y="16" text-anchor="end">100%</text>']
    for i, (label, value) in enumerate(rows):
        y = LEGEND_HEIGHT + i * ROW_HEIGHT
        body.append(f'<text x="{LABEL_WIDTH - 6}" y="{y + 13}" text-anchor="end">{escape(label)}</text>')
        body.append(f'<rect x="{LABEL_WIDTH}" y="{y + 2}" width="{BAR_AREA}" height="{BAR_HEIGHT}" fill="#eeeeee"/>')
        if value is None:
            body.append(f'<text x="{LABEL_WIDTH + BAR_AREA + 6}" y="{y + 13}" fill="#757575">—</text>')
            continue
        width = BAR_AREA * min(max(value, 0.0), 100.0) / 100.0
        body.append(f'<rect x="{LABEL_WIDTH}" y="{y + 2}" width="{width:.1f}" height="{BAR_HEIGHT}" fill="{_colour(value, good, fair)}"><title>{escape(label)}：{value:.1f}%</title></rect>')
        body.append(f'<text x="{LABEL_WIDTH + BAR_AREA + 6}" y="{y + 13}">{value:.1f}%</text>')
    return _svg(chart_id, title, LEGEND_HEIGHT + len(rows) * ROW_HEIGHT + 6, body)


def cap_gauge(chart_id: str, title: str, share_pct: float | None, warn_pct: float = 80.0) -> Markup:
    """Spending against the cap: a bar to 120 %, marks at the warning level and at 100 %."""
    scale = BAR_AREA / 120.0
    body = [f'<rect x="{LABEL_WIDTH}" y="20" width="{BAR_AREA}" height="20" fill="#eeeeee"/>', f'<text x="{LABEL_WIDTH - 6}" y="34" text-anchor="end">已用上限</text>']
    if share_pct is not None:
        colour = POOR if share_pct > 100 else FAIR if share_pct >= warn_pct else GOOD
        width = min(share_pct, 120.0) * scale
        body.append(f'<rect x="{LABEL_WIDTH}" y="20" width="{width:.1f}" height="20" fill="{colour}"><title>{share_pct:.1f}%</title></rect>')
        body.append(f'<text x="{LABEL_WIDTH + BAR_AREA + 6}" y="34">{share_pct:.1f}%</text>')
    for mark, label in ((warn_pct, f"{warn_pct:g}%"), (100.0, "100%")):
        x = LABEL_WIDTH + mark * scale
        body.append(f'<line x1="{x:.1f}" y1="14" x2="{x:.1f}" y2="46" stroke="#424242" stroke-dasharray="3,2"/><text x="{x:.1f}" y="58" text-anchor="middle">{label}</text>')
    return _svg(chart_id, title, 64, body)
