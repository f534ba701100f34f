"""Server-rendered SVG charts: no JavaScript, nothing vendored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 560, 160, 44, 22, 10


def bar_chart(title: str, days: Sequence[dt.date], values: Sequence[float], *, percent: bool = False) -> Markup:
    """One bar per day, the y axis from 0 to the largest value, labelled; each bar has a tooltip.

    ``days`` and ``values`` have the same length. The result is safe to insert into a template."""
    top = max(values, default=0) or 1
    inner_w, inner_h = WIDTH - PAD_LEFT - 4, HEIGHT - PAD_BOTTOM - PAD_TOP
    step = inner_w / max(len(values), 1)
    fmt = (lambda v: f"{v:.1%}") if percent else (lambda v: f"{v:,.0f}" if v == int(v) else f"{v:,.2f}")
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
        f'<text x="{PAD_LEFT}" y="{PAD_TOP - 1}" class="axis">{escape(fmt(top))}</text>',
        f'<line x1="{PAD_LEFT}" y1="{PAD_TOP + inner_h}" x2="{WIDTH - 4}" y2="{PAD_TOP + inner_h}" class="base"/>',
    ]
    for i, (day, value) in enumerate(zip(days, values, strict=True)):
        h = inner_h * (value / top)
        x = PAD_LEFT + i * step
        parts.append(
            f'<rect x="{x + step * 0.1:.1f}" y="{PAD_TOP + inner_h - h:.1f}" width="{max(step * 0.8, 1):.1f}" '
            f'height="{h:.1f}"><title>{escape(day.isoformat())}: {escape(fmt(value))}</title></rect>'
        )
    if days:
        # First, middle and last day; the outer labels are anchored inwards so they are never cut off.
        for i, anchor in sorted({0: "start", len(days) // 2: "middle", len(days) - 1: "end"}.items()):
            x = PAD_LEFT + i * step + {"start": 0, "middle": step / 2, "end": step}[anchor]
            parts.append(f'<text x="{x:.1f}" y="{HEIGHT - 6}" class="axis" text-anchor="{anchor}">'
                         f'{escape(days[i].strftime("%b %d"))}</text>')
    parts.append(f'<text x="2" y="{PAD_TOP + inner_h}" class="axis">0</text></svg>')
    # bandit B704 (XSS): every text and attribute above is escaped or a number we formatted.
    return Markup("".join(parts))  # nosec B704
