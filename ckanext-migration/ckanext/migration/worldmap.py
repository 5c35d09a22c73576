"""The world map, drawn server-side as SVG from the country geometry shipped with the package.

The geometry is world-atlas's Natural Earth 1:110m TopoJSON (``geometry/README.md``),
projected with the Equal Earth projection (areas compare truthfully on a choropleth).
No tile server and no network are needed. This module must not import CKAN.
"""
from __future__ import annotations

import functools
import json
import math
import os

from ckanext.migration import countries

GEOMETRY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "geometry",
                        "world-atlas-countries-110m.json")
WIDTH = 960
# Equal Earth constants (Šavrič, Patterson and Jenny, 2018)
_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2
_X_MAX = 2 * math.sqrt(3) * math.pi / (3 * _A1)
_Y_MAX = _A4 * (math.pi / 3) ** 9 + _A3 * (math.pi / 3) ** 7 + _A2 * (math.pi / 3) ** 3 \
    + _A1 * math.pi / 3
SCALE = WIDTH / (2 * _X_MAX)
HEIGHT = round(2 * _Y_MAX * SCALE)
# the shapes' drawing order is the file's; Antarctica is dropped (no migration data, much room)
_SKIP = {"ATA"}


def _project(lon: float, lat: float) -> tuple:
    lam, phi = math.radians(lon), math.radians(lat)
    theta = math.asin(_M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = 2 * math.sqrt(3) * lam * math.cos(theta) / (
        3 * (9 * _A4 * t6 * t2 + 7 * _A3 * t6 + 3 * _A2 * t2 + _A1))
    y = theta * (_A4 * t6 * t2 + _A3 * t6 + _A2 * t2 + _A1)
    return (x + _X_MAX) * SCALE, (_Y_MAX - y) * SCALE


def _decode_arcs(topology: dict) -> list:
    """Absolute, projected points of every arc (TopoJSON arcs are quantised deltas)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append(_project(x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _ring(arcs: list, indexes: list) -> list:
    points = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def _pieces(ring: list) -> list:
    """A ring cut where it crosses the antimeridian (Russia, Fiji): a jump across half the
    map would otherwise draw a line around the world."""
    pieces, piece, last_x = [], [], None
    for x, y in ring:
        if last_x is not None and abs(x - last_x) > WIDTH / 2:
            pieces.append(piece)
            piece = []
        piece.append((x, y))
        last_x = x
    pieces.append(piece)
    if len(pieces) > 1:
        # the ring is closed: its end and its start are one piece, on one side
        pieces[0] = pieces.pop() + pieces[0]
    return pieces


def _path(rings: list) -> str:
    parts = []
    for ring in rings:
        for piece in _pieces(ring):
            coords = []
            for x, y in piece:
                xy = "%.1f,%.1f" % (x, y)
                if not coords or xy != coords[-1]:
                    coords.append(xy)
            if len(coords) >= 3:
                parts.append("M" + "L".join(coords) + "Z")
    return "".join(parts)


@functools.lru_cache(maxsize=1)
def shapes() -> tuple:
    """((ISO3, name, SVG path data), ...) for every country drawn, in drawing order."""
    with open(GEOMETRY, encoding="utf-8") as f:
        topology = json.load(f)
    arcs = _decode_arcs(topology)
    out = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        iso3 = countries.to_iso3(geometry.get("id"))
        if not iso3 or iso3 in _SKIP:
            # N. Cyprus, Somaliland and Kosovo have no ISO 3166-1 code in the geometry
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" \
            else [geometry["arcs"]]
        rings = [_ring(arcs, ring) for polygon in polygons for ring in polygon]
        out.append((iso3, geometry["properties"]["name"], _path(rings)))
    return tuple(out)


def classes(counts: dict, steps: int = 5) -> tuple:
    """Upper bounds of ``steps`` choropleth classes for the non-zero counts (quantiles,
    so one country with many datasets does not wash out the others)."""
    values = sorted(v for v in counts.values() if v > 0)
    if not values:
        return ()
    bounds = []
    for i in range(1, steps + 1):
        bound = values[min(len(values) - 1, math.ceil(i * len(values) / steps) - 1)]
        if not bounds or bound > bounds[-1]:
            bounds.append(bound)
    return tuple(bounds)


def shade(count: int, bounds: tuple, steps: int = 5) -> int:
    """The shade (1..steps) of a count's class, spread over the scale when there are fewer
    classes than shades; 0 for no data."""
    if not count:
        return 0
    for i, bound in enumerate(bounds, 1):
        if count <= bound:
            return math.ceil(i * steps / len(bounds))
    return steps
