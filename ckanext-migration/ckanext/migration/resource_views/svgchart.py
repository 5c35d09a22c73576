"""Layout of a line chart drawn as SVG by the template (no script, no client library).

Periods are spaced evenly on the x axis (years, quarters and months alike); the y axis
starts at zero (or below, for negative figures) and ends at a round number. Lines differ
by colour (Okabe-Ito, readable with colour-blindness) and by dash pattern. This module
must not import CKAN.
"""
from __future__ import annotations

import math

WIDTH, HEIGHT = 900, 400
LEFT, RIGHT, TOP, BOTTOM = 72, 16, 16, 56
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
DASHES = ("", "7 4", "2 3", "9 3 2 3", "4 4", "1 2", "12 4")
MAX_X_LABELS = 12


def fmt(value: float) -> str:
    """A figure as the table shows it: thousands separated, decimals only if any."""
    if value == int(value):
        return "{:,.0f}".format(value)
    return "{:,.2f}".format(value).rstrip("0").rstrip(".")


def short(value: float) -> str:
    """A tick label: 1.5M, 250k, 12."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return ("%.1f" % (value / size)).rstrip("0").rstrip(".") + suffix
    return fmt(value)


def nice_ticks(low: float, high: float, count: int = 5) -> list:
    """Round tick values from at most ``low`` to at least ``high``."""
    low, high = min(low, 0.0), max(high, 0.0)
    if high == low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = [start]
    while ticks[-1] < high:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def layout(periods: list, lines: list) -> dict:
    """``periods``: x labels in order; ``lines``: [(label, {period: value})].
    Returns what the template draws: axes ticks, one polyline and markers per line."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    figures = [v for _, values in lines for v in values.values()]
    ticks = nice_ticks(min(figures, default=0.0), max(figures, default=1.0))
    low, high = ticks[0], ticks[-1]

    def x_of(i):
        return LEFT + (plot_w / 2 if len(periods) == 1 else i * plot_w / (len(periods) - 1))

    def y_of(v):
        return TOP + plot_h * (high - v) / (high - low)

    every = max(1, math.ceil(len(periods) / MAX_X_LABELS))
    x_labels = [{"x": round(x_of(i), 1), "label": p} for i, p in enumerate(periods)
                if i % every == 0 or i == len(periods) - 1 and i % every > every / 2]
    out_lines = []
    for n, (label, values) in enumerate(lines):
        points = [{"x": round(x_of(i), 1), "y": round(y_of(values[p]), 1), "period": p,
                   "value": fmt(values[p])}
                  for i, p in enumerate(periods) if p in values]
        # a gap in the periods breaks the line rather than bridging it
        segments, segment, last = [], [], None
        for point in points:
            index = periods.index(point["period"])
            if segment and index != last + 1:
                segments.append(segment)
                segment = []
            segment.append(point)
            last = index
        if segment:
            segments.append(segment)
        out_lines.append({
            "label": label, "colour": COLOURS[n % len(COLOURS)],
            "dash": DASHES[n % len(DASHES)], "points": points,
            "paths": [" ".join("%s,%s" % (p["x"], p["y"]) for p in s) for s in segments]})
    # long labels (days, months) would overlap side by side: slanted instead
    slanted = max((len(str(p)) for p in periods), default=0) > 7
    return {"width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - RIGHT,
            "slanted": slanted,
            "top": TOP, "bottom": HEIGHT - BOTTOM,
            "y_ticks": [{"y": round(y_of(t), 1), "label": short(t)} for t in ticks],
            "x_labels": x_labels, "lines": out_lines}
