"""Bar charts drawn on the server as SVG, with each number written beside its bar."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.html import escape

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 260
BAR_WIDTH = 320
VALUE_WIDTH = 70


def bar_chart_svg(title: str, data: Sequence[tuple[Any, Any]]) -> str:
    """Horizontal bars. Suppressed ("<5") or missing values get no bar but keep their text."""
    numeric = [v for _l, v in data if isinstance(v, int | float) and not isinstance(v, bool)]
    top = max(numeric, default=0) or 1
    height = len(data) * (BAR_HEIGHT + GAP) + GAP
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="100%" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="chart-title">',
        f'<title id="chart-title">{escape(title)}</title>',
    ]
    for i, (label, value) in enumerate(data):
        y = GAP + i * (BAR_HEIGHT + GAP)
        text = "Not available" if value is None else str(value)
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end" font-size="14" '
            f'fill="#212b32">{escape(str(label))[:40]}</text>'
        )
        bar = 0.0
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            bar = BAR_WIDTH * float(value) / float(top)
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{bar:.1f}" height="{BAR_HEIGHT}" '
            f'fill="#005eb8"/>'
        )
        parts.append(
            f'<text x="{LABEL_WIDTH + bar + 6:.1f}" y="{y + 16}" font-size="14" '
            f'fill="#212b32">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
