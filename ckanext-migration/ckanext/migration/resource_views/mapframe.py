"""The part of the world map a table's countries need: a European table shows Europe,
not a world in which Malta is a dot. This module must not import CKAN."""
from __future__ import annotations

import re

_PIECE = re.compile(r"M([^MZ]+)Z")
# the frame never gets narrower than this share of the world's width (a single country)
MIN_SHARE = 0.18
PAD = 0.06


def _boxes(d: str) -> list:
    boxes = []
    for piece in _PIECE.findall(d):
        xs, ys = [], []
        for pair in piece.split("L"):
            x, y = pair.split(",")
            xs.append(float(x))
            ys.append(float(y))
        boxes.append((min(xs), min(ys), max(xs), max(ys)))
    return boxes


def frame(paths: list, width: float, height: float) -> tuple:
    """(x, y, w, h) of an SVG viewBox around the shapes of ``paths`` (SVG path data), in
    the map's proportions. Only the largest piece of each country counts: France's
    French Guiana or Norway's Svalbard would stretch the frame across an ocean."""
    largest = []
    for d in paths:
        boxes = _boxes(d)
        if boxes:
            largest.append(max(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1])))
    if not largest:
        return (0, 0, width, height)
    x0, y0 = min(b[0] for b in largest), min(b[1] for b in largest)
    x1, y1 = max(b[2] for b in largest), max(b[3] for b in largest)
    w = max(x1 - x0, (y1 - y0) * width / height, width * MIN_SHARE) * (1 + 2 * PAD)
    h = w * height / width
    if w >= width:
        return (0, 0, width, height)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    x = min(max(cx - w / 2, 0), width - w)
    y = min(max(cy - h / 2, 0), height - h)
    return tuple(round(v, 1) for v in (x, y, w, h))
