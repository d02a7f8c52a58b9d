"""The dashboard's two bar charts (the OEE loss waterfall, a trace's points by stage) as
plain HTML for `st.html`: positioned boxes, no script (st.html keeps HTML only: no SVG).

Why not Altair (Vega-Lite) or matplotlib, well-kept as they are: every dashboard page is a
full navigation (pages are links), and a Vega chart makes the browser parse and compile
Vega's runtime again on each one — the charted pages took ≈ 0.5–1 s longer than the same
pages without the chart (`make bench-dashboard`). matplotlib would draw on the server but
needs the 16 MB CJK font loaded for its text metrics and sends an image. A handful of bars
as boxes is laid out by the browser at once, in the page's own font, and reads offline.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str  # under the bar
    start: float  # a floating bar (a waterfall's loss) runs from start to end
    end: float
    colour: str
    text: str  # above the bar (and its tooltip)


def _ticks(top: float, count: int = 4) -> list[float]:
    """Round steps from 0 to at least `top`: 1, 2 or 5 times a power of ten."""
    if top <= 0:
        return [0.0]
    raw = top / count
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    ticks = [0.0]
    while ticks[-1] < top:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def bars_html(
    bars: list[Bar], *, height: int = 300, title: str = "", axis: str = "", css_class: str = ""
) -> str:
    """The bars on a shared zero baseline, the value axis on the left (labelled `axis`);
    `height` is the plot's, in pixels."""
    ticks = _ticks(max([max(b.start, b.end) for b in bars] + [0.0]))
    top = ticks[-1] or 1.0
    decimals = 0 if top >= 4 else 2
    esc = html.escape

    def pct(value: float) -> str:
        return f"{100 * value / top:.3f}%"

    grid = "".join(
        f'<div style="position:absolute;left:0;right:0;bottom:{pct(tick)};'
        f'border-top:1px solid {"#BBBBBB" if tick == 0 else "#EEEEEE"}"></div>'
        f'<div style="position:absolute;right:calc(100% + 6px);bottom:{pct(tick)};'
        f'transform:translateY(50%);color:#6B7280;font-size:.75rem;white-space:nowrap">'
        f"{tick:,.{decimals}f}</div>"
        for tick in ticks
    )
    columns = []
    for bar in bars:
        low, high = sorted((bar.start, bar.end))
        columns.append(
            f'<div class="bar" title="{esc(bar.label)}: {esc(bar.text)}" '
            'style="position:relative;flex:1;height:100%">'
            f'<div style="position:absolute;left:20%;right:20%;bottom:{pct(low)};'
            f'height:max({pct(high - low)},1px);background:{bar.colour}"></div>'
            f'<div style="position:absolute;left:0;right:0;bottom:{pct(high)};'
            'text-align:center;font-size:.75rem;color:#333333;padding-bottom:2px">'
            f"{esc(bar.text)}</div></div>"
        )
    labels = "".join(
        f'<div style="flex:1;text-align:center;font-size:.8rem;color:#333333">'
        f"{esc(bar.label)}</div>"
        for bar in bars
    )
    heading = (
        f'<div style="font-weight:600;color:#1F3A5F;margin-bottom:.5rem">{esc(title)}</div>'
        if title
        else ""
    )
    side = (
        f'<div style="writing-mode:vertical-rl;text-align:center;'
        f'color:#6B7280;font-size:.75rem;height:{height}px">{esc(axis)}</div>'
    )
    return (
        f'<div class="chart {esc(css_class)}" role="img" aria-label="{esc(title or axis)}">'
        f"{heading}"
        f'<div style="display:flex;gap:8px">{side}'
        f'<div style="flex:1;margin-left:3.5rem">'
        f'<div style="position:relative;height:{height}px">{grid}'
        f'<div style="position:absolute;inset:0;display:flex">{"".join(columns)}</div></div>'
        f'<div style="display:flex;margin-top:4px">{labels}</div></div></div></div>'
    )
