"""What the chart and map templates draw, from a resource's DataStore table, its view's
settings and the user reading it."""
from __future__ import annotations

import ckan.plugins.toolkit as tk

from ckanext.migration import countries, helpers, vocab, worldmap
from ckanext.migration.resource_views import aggregate, columns, datastore, mapframe, svgchart

DEFAULT_SERIES = 5
MAX_SERIES = len(svgchart.COLOURS)
# the view setting that asks for one line (the sum) instead of one line per series
NO_SERIES = "none"
# fills of the map's shades (the front door's scale, frontdoor.css)
SHADES = ("#d9dee3", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")


class ViewProblem(Exception):
    """Why a view cannot be drawn, for the reader."""


def _setting(view: dict, key: str, fields: list) -> str | None:
    name = str(view.get(key) or "").strip()
    if not name or name.lower() == NO_SERIES:
        return None
    if name not in fields:
        raise ViewProblem(tk._('The column "{name}" set for this view is not in the table; '
                               'its columns are: {names}.')
                          .format(name=name, names=", ".join(fields)))
    return name


def _columns(resource: dict, view: dict, context: dict) -> columns.Columns:
    try:
        fields, rows = datastore.sample(resource["id"], context)
    except tk.ObjectNotFound:
        raise ViewProblem(tk._("This resource has no data in the DataStore."))
    found = columns.detect(fields, rows)
    for attr, key in (("time", "time_column"), ("value", "value_column"),
                      ("country", "country_column")):
        chosen = _setting(view, key, found.names)
        if chosen:
            setattr(found, attr, chosen)
    return found


def _read(resource: dict, found: columns.Columns, wanted: list, context: dict) -> dict:
    names = list(dict.fromkeys([c for c in wanted if c] + found.dimensions))
    limit = datastore.max_rows()
    rows, total = datastore.read(resource["id"], names, context, limit)
    return {"rows": rows, "total": total, "read": len(rows), "limit": limit,
            "truncated": total > len(rows)}


def _country_label(cell) -> str:
    iso3 = countries.to_iso3(cell)
    return vocab.get_vocabulary("countries").label(iso3, str(cell)) if iso3 else str(cell)


def _notes(agg: aggregate.Aggregate, source: dict) -> list:
    notes = []
    if agg.dropped:
        more = len(agg.dropped) - 5
        notes.append(tk._("Left out, not a country: {cells}.").format(
            cells=", ".join(agg.dropped[:5]) + (tk._(" and {n} more").format(n=more)
                                                if more > 0 else "")))
    if agg.kept:
        notes.append(tk._("Only the total rows of each breakdown are counted: {kept}.").format(
            kept="; ".join("%s = %s" % (d, " or ".join(c)) for d, c in agg.kept.items())))
    if source["truncated"]:
        notes.append(tk._("Drawn from the first {read:,} of {total:,} rows (a preview reads "
                          "at most {limit:,}); download the data for the rest.").format(
            read=source["read"], total=source["total"], limit=source["limit"]))
    return notes


def chart(resource: dict, view: dict, context: dict) -> dict:
    """Template variables of the time-series chart."""
    found = _columns(resource, view, context)
    if not (found.time and found.value):
        raise ViewProblem(tk._("This table has no time column with a numeric column to "
                               "draw over time."))
    series = found.country
    if "series_column" in view and str(view.get("series_column") or "").strip():
        series = _setting(view, "series_column", found.names)
    try:
        count = int(view.get("series_count") or DEFAULT_SERIES)
    except ValueError:
        count = DEFAULT_SERIES
    count = max(1, min(MAX_SERIES, count))
    source = _read(resource, found, [found.time, found.value, series], context)
    # countries by their ISO code: aggregates (EU27_2020) would dwarf them and add up
    # the same people again
    by_country = series in found.countries
    agg = aggregate.aggregate(source["rows"], found.value, found.time, series,
                              found.dimensions,
                              key=countries.to_iso3 if by_country else None)
    if not agg.sums:
        raise ViewProblem(tk._('No row has both a period in "{time}" and a number in '
                               '"{value}".').format(time=found.time, value=found.value))
    shown = aggregate.top_series(agg, count) if series else [None]
    label = _country_label if by_country else str
    value_name, time_name = found.label(found.value), found.label(found.time)
    lines = [(label(s) if series else tk._("Sum of {value}").format(value=value_name),
              {p: v for (p, who), v in agg.sums.items() if who == s}) for s in shown]
    drawing = svgchart.layout(agg.periods, lines)
    if by_country:
        title = tk._("{value} by {time} in the {n} countries with the most (of {total})") \
            .format(value=value_name, time=time_name, n=len(shown), total=len(agg.series))
    elif series:
        title = tk._("{value} by {time}, the {n} largest {series} (of {total})").format(
            value=value_name, time=time_name, n=len(shown), total=len(agg.series),
            series=found.label(series))
    else:
        title = tk._("Sum of {value} by {time}").format(value=value_name, time=time_name)
    points = ", ".join("%s %s" % (line["label"], "; ".join(
        "%s: %s" % (p["period"], p["value"]) for p in line["points"][-3:]))
        for line in drawing["lines"])
    return {
        "kind": "chart", "drawing": drawing, "title": title,
        "desc": tk._("Line chart over {n} periods from {first} to {last}. Latest figures: "
                     "{points}.").format(n=len(agg.periods), first=agg.periods[0],
                                        last=agg.periods[-1], points=points),
        "columns": {"time": time_name, "value": value_name, "series": series},
        "table": {"head": [line["label"] for line in drawing["lines"]],
                  "rows": [(p, [svgchart.fmt(values[p]) if p in values else ""
                                for _, values in lines]) for p in agg.periods]},
        "notes": _notes(agg, source)}


def world(resource: dict, view: dict, context: dict) -> dict:
    """Template variables of the map: the latest period's figures per country."""
    found = _columns(resource, view, context)
    if not (found.country and found.value):
        raise ViewProblem(tk._("This table has no country column with a numeric column to "
                               "map."))
    source = _read(resource, found, [found.time, found.value, found.country], context)
    agg = aggregate.aggregate(source["rows"], found.value, found.time, found.country,
                              found.dimensions, key=countries.to_iso3)
    when, values = aggregate.latest(agg)
    if not values:
        raise ViewProblem(tk._('No row has a country in "{country}" and a number in '
                               '"{value}".').format(country=found.country, value=found.value))
    drawn = helpers.migration_world_map(values)
    shapes = [{"iso3": s["iso3"], "name": s["name"], "d": s["d"], "fill": SHADES[s["shade"]],
               "label": "%s: %s" % (s["name"], svgchart.fmt(values[s["iso3"]]))
               if s["iso3"] in values else s["name"]} for s in drawn["shapes"]]
    bounds = worldmap.classes(values)
    by_shade = {}
    for figure in values.values():
        by_shade.setdefault(worldmap.shade(figure, bounds), []).append(figure)
    legend = [{"fill": SHADES[shade], "label": svgchart.fmt(min(figures))
               if min(figures) == max(figures)
               else "%s – %s" % (svgchart.fmt(min(figures)), svgchart.fmt(max(figures)))}
              for shade, figures in sorted(by_shade.items()) if shade]
    if when:
        title = tk._("{value} by country, {period}").format(
            value=found.label(found.value), period=when)
    else:
        title = tk._("{value} by country").format(value=found.label(found.value))
    drawn_codes = {s["iso3"] for s in drawn["shapes"]}
    box = mapframe.frame([s["d"] for s in drawn["shapes"] if s["iso3"] in values],
                         drawn["width"], drawn["height"])
    return {
        "kind": "map", "title": title, "period": when, "shapes": shapes, "legend": legend,
        "viewbox": " ".join(str(v) for v in box),
        "desc": tk._("World map shading {n} countries by {value}; the table below gives each "
                     "figure.").format(n=len(values), value=found.label(found.value)),
        "columns": {"time": found.label(found.time), "value": found.label(found.value),
                    "country": found.label(found.country)},
        "table": [{"name": r["name"], "iso3": r["iso3"], "value": svgchart.fmt(r["count"]),
                   "on_map": r["iso3"] in drawn_codes} for r in drawn["rows"]],
        "notes": _notes(agg, source)}
