"""The numeric column summed by period (and by series: a country, ...).

Statistical tables repeat each figure at several levels of a breakdown (sex T, F and M;
citizenship TOTAL and UA), so adding every row would count people twice or more. A
dimension (a text column other than the time, series and country columns) that has a
"total" cell keeps only its total rows; the others are added up. This module must not
import CKAN.
"""
from __future__ import annotations

import collections
import dataclasses

from ckanext.migration.resource_views.columns import number, period

# cells naming the total of a breakdown (SDMX codes T, _T, TOTAL; labels "Total", "All")
TOTAL_CELLS = {"total", "t", "_t", "tot", "all", "_total"}


@dataclasses.dataclass
class Aggregate:
    """``sums``: {(period, series): value}; ``kept``: {dimension: total cells kept};
    ``dropped``: series cells ``key`` left out (aggregates such as "EU27_2020")."""
    sums: dict
    periods: list
    series: list
    kept: dict
    rows_used: int
    dropped: list


def totals_kept(rows: list, dimensions: list) -> dict:
    """{dimension: {its total cells}} for the dimensions with a total and other cells."""
    kept = {}
    for name in dimensions:
        cells = {str(r.get(name) if r.get(name) is not None else "").strip() for r in rows}
        totals = {c for c in cells if c.lower() in TOTAL_CELLS}
        if totals and len(cells) > len(totals):
            kept[name] = totals
    return kept


def aggregate(rows: list, value: str, time: str | None = None, series: str | None = None,
              dimensions: list = (), key=None) -> Aggregate:
    """Sum of ``value`` per (period of ``time``, cell of ``series``); ``key`` maps a series
    cell to the series it counts for (None: the row is left out), e.g. a country name to
    its ISO code. Without ``time`` every row is in period None."""
    skip = {time, series, value}
    kept = totals_kept(rows, [d for d in dimensions if d not in skip])
    sums = collections.defaultdict(float)
    used = 0
    dropped = set()
    for row in rows:
        if any(str(row.get(d) if row.get(d) is not None else "").strip() not in cells
               for d, cells in kept.items()):
            continue
        figure = number(row.get(value))
        if figure is None:
            continue
        when = period(row.get(time)) if time else None
        if time and when is None:
            continue
        who = None
        if series:
            cell = str(row.get(series) if row.get(series) is not None else "").strip()
            who = key(cell) if key else (cell or None)
            if who is None:
                if cell:
                    dropped.add(cell)
                continue
        sums[(when, who)] += figure
        used += 1
    return Aggregate(sums=dict(sums), periods=sorted({p for p, _ in sums}, key=str),
                     series=sorted({s for _, s in sums}, key=str),
                     kept={d: sorted(c) for d, c in kept.items()}, rows_used=used,
                     dropped=sorted(dropped))


def top_series(agg: Aggregate, n: int) -> list:
    """The ``n`` series with the largest sum over all periods, largest first."""
    totals = collections.defaultdict(float)
    for (_, who), figure in agg.sums.items():
        totals[who] += figure
    return sorted(totals, key=lambda s: (-totals[s], str(s)))[:n]


def latest(agg: Aggregate) -> tuple:
    """(latest period, {series: value in it})."""
    if not agg.periods:
        return None, {}
    last = agg.periods[-1]
    return last, {who: figure for (when, who), figure in agg.sums.items() if when == last}
