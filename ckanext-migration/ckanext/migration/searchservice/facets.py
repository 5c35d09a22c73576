"""Facet counts on tantivy aggregations: ``facet.field`` and ``facet.pivot``.

Every facet and every pivot of a request is one aggregation of a single
``searcher.aggregate`` call, so the matching documents are visited once. A pivot is a
nested terms aggregation, one level per field; Solr's per-level sort, offset, limit and
mincount are then applied to the buckets here, which are few.
"""
from __future__ import annotations

from .documents import from_millis
from .errors import BadRequest

# tantivy refuses an aggregation whose result holds more buckets than this
MAX_BUCKETS = 65000
# count-sorted levels fetch a few more terms than shown, so that ties at the cut are
# still ordered by value, as in Solr
MARGIN = 50
MAX_MINCOUNT = 2 ** 63 - 1


def facet_counts(searcher, query, fields: list, pivots: tuple) -> dict:
    """Solr's ``facet_counts`` section for the documents matching ``query``."""
    aggs = {"f%d" % i: _terms(spec) for i, spec in enumerate(fields)}
    for i, pivot in enumerate(pivots):
        nested = _nested(pivot.levels)
        if nested:
            aggs["p%d" % i] = nested
        for depth, spec in enumerate(pivot.levels):
            if spec.mincount == 0 and spec.limit != 0:  # terms to show counted 0
                aggs["u%d_%d" % (i, depth)] = _terms(spec, all_terms=True)
    try:
        result = searcher.aggregate(query, aggs) if aggs else {}
    except ValueError as e:
        if "bucket limit" not in str(e):
            raise
        raise BadRequest("facets would count more than %d values: lower facet.limit "
                         "(%s)" % (MAX_BUCKETS, e))
    out = {"facet_queries": {}, "facet_fields": {}, "facet_ranges": {},
           "facet_intervals": {}, "facet_heatmaps": {}}
    for i, spec in enumerate(fields):
        flat = []
        for value, count, _bucket in _select(_buckets(result, "f%d" % i), spec):
            flat += [_label(value, spec.kind), count]
        out["facet_fields"][spec.name] = flat
    if pivots:
        out["facet_pivot"] = {}
    for i, pivot in enumerate(pivots):
        universe = [[b["key"] for b in _buckets(result, "u%d_%d" % (i, depth))]
                    for depth in range(len(pivot.levels))]
        out["facet_pivot"][pivot.key] = _pivot_rows(
            _buckets(result, "p%d" % i), pivot.levels, universe)
    return out


def _terms(spec, all_terms: bool = False) -> dict:
    """A terms aggregation sure to hold every bucket Solr would show for ``spec``; with
    ``all_terms``, the field's first terms in index order, counted 0 or more."""
    shown = spec.offset + spec.limit
    if spec.limit < 0:
        size = MAX_BUCKETS
    elif all_terms:
        # under one value, fewer than `shown` terms counted >= 1 means twice `shown`
        # first terms hold every row counted 0; more means no such row is shown
        size = 2 * shown
    else:
        size = shown + (MARGIN if spec.sort == "count" else 0)
    # a huge facet.limit or facet.offset asks for no more than every bucket there can be
    size = min(size, MAX_BUCKETS)
    # index order is exact across segments; count order is when a segment's share of
    # terms (segment_size) covers all its terms, as for vocabularies
    return {"terms": {"field": spec.path, "size": size,
                      "segment_size": max(size * 4, 1000) if size < MAX_BUCKETS else size,
                      # a mincount past any count matches nothing; tantivy refuses
                      # numbers over 64 bits
                      "min_doc_count": 0 if all_terms else
                      min(max(spec.mincount, 1), MAX_MINCOUNT),
                      "order": {"_key": "asc"} if all_terms or spec.sort == "index" else
                      {"_count": "desc"}}}


def _nested(levels: tuple):
    """The nested terms aggregation of a pivot; a level with limit 0 ends it."""
    agg = None
    for spec in reversed(levels):
        if spec.limit == 0:
            agg = None
            continue
        inner = _terms(spec)
        if agg is not None:
            inner["aggs"] = {"p": agg}
        agg = inner
    return agg


def _buckets(result: dict, name: str) -> list:
    return (result.get(name) or {}).get("buckets", [])


def _pivot_rows(buckets: list, levels: tuple, universe: list) -> list:
    """One pivot level as Solr writes it: field, value, count and the next level."""
    spec = levels[0]
    rows = []
    for value, count, bucket in _select(buckets, spec, universe[0]):
        row = {"field": spec.name, "value": _typed(value, spec.kind), "count": count}
        if len(levels) > 1:
            sub = _pivot_rows(_buckets(bucket, "p"), levels[1:], universe[1:])
            if sub:  # Solr leaves "pivot" out when nothing is under a value
                row["pivot"] = sub
        rows.append(row)
    return rows


def _select(buckets: list, spec, universe=()) -> list:
    """[(value, count, bucket)]: Solr's mincount, sort, offset and limit for a level."""
    rows = {}
    for b in buckets:
        rows[_value(b.get("key_as_string", b["key"]), spec.kind)] = (b["doc_count"], b)
    for key in universe:  # facet.pivot.mincount=0: terms not counted here count 0
        rows.setdefault(_value(key, spec.kind), (0, {}))
    picked = [(v, c, b) for v, (c, b) in rows.items() if c >= spec.mincount]
    if spec.sort == "index":
        picked.sort(key=lambda r: r[0])
    else:
        picked.sort(key=lambda r: (-r[1], r[0]))
    end = None if spec.limit < 0 else spec.offset + spec.limit
    return picked[spec.offset:end]


def _value(key, kind):
    """A bucket key as a value that sorts in index order: numbers, booleans, text."""
    if kind in ("int", "date"):
        return int(key)
    if kind == "float":
        return float(key)
    if kind == "boolean":
        return key == "true" if isinstance(key, str) else bool(key)
    return str(key)


def _typed(value, kind):
    """A pivot value as Solr's JSON writer prints it: typed, dates as ISO strings."""
    return from_millis(value) if kind == "date" else value


def _label(value, kind) -> str:
    """A facet.field value as Solr names it: always a string."""
    if kind == "boolean":
        return "true" if value else "false"
    return from_millis(value) if kind == "date" else str(value)
