"""The ``/select`` handler: query, filters, sorting, paging, field lists and facets."""
from __future__ import annotations

import fnmatch
import json
import re

import tantivy

from .documents import SOURCE_FIELD, dynamic_field_name, from_millis, json_path
from .errors import BadRequest
from .query import Occur, Q, combine
from .syntax import parse_qf, split_local_params

_SORT_ITEM = re.compile(r"^\s*(\S+)\s+(asc|desc)\s*$", re.I)
_MATCH_ALL = ("*:*", "*")


class Params:
    """Solr request parameters: a multi-dict with Solr's per-field overrides."""

    def __init__(self, pairs):
        self._data = {}
        for key, value in pairs:
            self._data.setdefault(key, []).append(value)

    def get(self, key, default=None):
        values = self._data.get(key)
        return values[-1] if values else default

    def getlist(self, key) -> list:
        return list(self._data.get(key, []))

    def field(self, field: str, key: str, default=None):
        return self.get("f.%s.%s" % (field, key), self.get(key, default))

    def int(self, key, default: int, field: str = None) -> int:
        raw = self.field(field, key, None) if field else self.get(key, None)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise BadRequest("Invalid integer for parameter '%s': '%s'" % (key, raw))

    def echo_pairs(self):
        for key, values in self._data.items():
            for value in values:
                yield key, value

    def echo(self) -> dict:
        return {k: (v[0] if len(v) == 1 else v) for k, v in self._data.items()}


def parse_sort(core, spec: str) -> list:
    """[(field or 'score', descending)] from a Solr ``sort`` parameter."""
    keys = []
    for item in (spec or "").split(","):
        if not item.strip():
            continue
        m = _SORT_ITEM.match(item)
        if not m:
            raise BadRequest("Can't determine a Sort Order (asc or desc) in sort spec '%s'"
                             % item.strip())
        name, direction = m.group(1), m.group(2).lower()
        if name != "score":
            hit = core.doc_builder.resolve(name)
            if hit is None:
                raise BadRequest("sort param field can't be found: %s" % name)
            fd, _dyn = hit
            if fd.kind == "text" or fd.multi:
                raise BadRequest("can not sort on multivalued or tokenized field: %s" % name)
        keys.append((name, direction == "desc"))
    return keys or [("score", True)]


def _fast_sortable(core, name: str) -> bool:
    if name == "score":
        return True
    hit = core.doc_builder.resolve(name)
    return hit is not None and hit[1] is None and hit[0].indexed


def _parse(core, text: str, def_type: str, params: Params, local: dict = None):
    """A query string under a parser; local params (``{!dismax qf=...}``) override."""
    qtype, lp, rest = split_local_params(text)
    if qtype is not None:
        merged = Params(list(params.echo_pairs()) + list(lp.items()))
        return _parse(core, rest, qtype, merged, lp)
    qb = core.queries
    df = params.get("df") or "text"
    q_op = params.get("q.op") or "OR"
    try:
        tie = float(params.get("tie") or 0.0)
    except ValueError:
        raise BadRequest("Invalid 'tie' parameter: %r" % params.get("tie"))
    text = text.strip()
    if def_type == "dismax":
        qf = parse_qf(params.get("qf")) or [(df, 1.0)]
        if text in _MATCH_ALL:
            return Q.all_query()
        return qb.dismax(text, qf, params.get("mm"), tie)
    if def_type == "edismax":
        qf = parse_qf(params.get("qf")) or [(df, 1.0)]
        return qb.lucene(text, df, q_op, qf=qf, tie=tie)
    if def_type in ("lucene", "standard"):
        return qb.lucene(text, df, q_op)
    if def_type == "bool" and local is not None:
        clauses = []
        for key, occur in (("must", Occur.Must), ("should", Occur.Should),
                           ("must_not", Occur.MustNot), ("filter", Occur.Must)):
            if key in local:
                built = qb.lucene(local[key], df, q_op)
                if built is not None:
                    clauses.append((occur, built))
        return combine(clauses)
    if def_type in ("term", "field") and local is not None and "f" in local:
        fd, path, dyn = qb._field(local["f"])
        return qb.value(fd, path, dyn, text)
    raise BadRequest("Unknown query parser '%s'" % def_type)


def select(core, params: Params) -> dict:
    q = (params.get("q") or "").strip()
    def_type = (params.get("defType") or "lucene").lower()

    constant_score = q in _MATCH_ALL or not q
    main = _parse(core, q, def_type, params) if q else None
    clauses = [(Occur.Must, main if main is not None else
                (Q.all_query() if constant_score else Q.empty_query()))]
    for fq in params.getlist("fq"):
        if fq and fq.strip():
            built = _parse(core, fq, "lucene", params)
            if built is not None:
                clauses.append((Occur.Must, Q.const_score_query(built, 0.0)))
    query = combine(clauses)

    start = params.int("start", 0)
    rows = params.int("rows", 10)
    if start < 0 or rows < 0:
        raise BadRequest("'start' and 'rows' must not be negative")
    sort = parse_sort(core, params.get("sort"))
    if constant_score:
        sort = [k for k in sort if k[0] != "score"] or [("score", True)]

    searcher = core.searcher()
    hits, num_found, max_score = _search(core, searcher, query, sort, start, rows)

    fl = _field_list(params.get("fl"))
    docs = [_render(core, searcher, addr, score, fl) for score, addr in hits]
    response = {"numFound": num_found, "start": start, "numFoundExact": True, "docs": docs}
    if fl["score"]:
        response["maxScore"] = max_score
    out = {"response": response}

    if (params.get("facet") or "").lower() == "true":
        fields = params.getlist("facet.field")
        out["facet_counts"] = {"facet_queries": {},
                               "facet_fields": _facets(core, searcher, query, fields, params),
                               "facet_ranges": {}, "facet_intervals": {}, "facet_heatmaps": {}}
    return out


# -- search and sort -----------------------------------------------------------------
def _search(core, searcher, query, sort, start, rows):
    """[(score, address)] of the requested page, the total count and the best score."""
    wanted = start + rows
    first, desc = sort[0]
    if not _fast_sortable(core, first):
        return _sort_all(core, searcher, query, sort, start, rows)

    def run(limit):
        if first == "score":
            return searcher.search(query, limit, count=True)
        return searcher.search(query, limit, count=True, order_by_field=first,
                               order=tantivy.Order.Desc if desc else tantivy.Order.Asc)

    result = run(max(wanted, 1))
    num_found = result.count
    hits = result.hits
    if len(sort) > 1 and hits:
        # equal first keys at the page boundary are ordered by the next keys
        limit = max(wanted, 1)
        while len(hits) == limit < num_found and \
                hits[-1][0] == hits[min(wanted, len(hits)) - 1][0]:
            limit *= 2
            hits = run(limit).hits
        hits = _order(core, searcher, hits, sort)
    max_score = None
    if first == "score" and hits:
        max_score = max(score for score, _ in hits)
    page = hits[start:wanted]
    if first != "score":
        page = [(1.0, addr) for _key, addr in page]
    return page, num_found, max_score


def _sort_all(core, searcher, query, sort, start, rows):
    result = searcher.search(query, max(searcher.num_docs, 1), count=True)
    hits = _order(core, searcher, result.hits, sort)
    max_score = max((s for s, _ in result.hits), default=None)
    return [(1.0, addr) for _k, addr in hits[start:start + rows]], result.count, max_score


class _Last:
    """Sorts after everything: Solr puts documents missing the sort field last."""

    def __lt__(self, other):
        return False

    def __gt__(self, other):
        return True


_LAST = _Last()


class _Reverse:
    __slots__ = ("v",)

    def __init__(self, v):
        self.v = v

    def __lt__(self, other):
        return other.v < self.v

    def __eq__(self, other):
        return self.v == other.v


def _order(core, searcher, hits, sort):
    """Sort (key, address) hits by every sort key, reading keys from stored sources."""
    def key(hit):
        score_or_first, addr = hit
        source = None
        out = []
        for name, desc in sort:
            if name == "score":
                value = score_or_first if isinstance(score_or_first, float) else 0.0
            else:
                if source is None:
                    source = json.loads(searcher.doc(addr).get_first(SOURCE_FIELD))
                value = source.get(name)
            if value is None:
                out.append((1, _LAST))
            else:
                out.append((0, _Reverse(value) if desc else value))
        return out
    return sorted(hits, key=key)


# -- documents -----------------------------------------------------------------------
def _field_list(fl):
    names = [n for n in re.split(r"[\s,]+", fl or "*") if n]
    return {"score": "score" in names,
            "all": "*" in names,
            "names": [n for n in names if n not in ("*", "score")]}


def _render(core, searcher, addr, score, fl) -> dict:
    source = json.loads(searcher.doc(addr).get_first(SOURCE_FIELD))
    out = {}
    resolve = core.doc_builder.resolve
    for name, value in source.items():
        hit = resolve(name)
        if hit is None or not hit[0].stored:
            continue
        if fl["all"] or name in fl["names"] or any(
                "*" in pat and fnmatch.fnmatchcase(name, pat) for pat in fl["names"]):
            out[name] = value
    if fl["score"]:
        out["score"] = score
    return out


# -- facets --------------------------------------------------------------------------
def _facets(core, searcher, query, fields, params) -> dict:
    aggs = {}
    plan = {}
    for i, name in enumerate(fields):
        hit = core.doc_builder.resolve(name)
        if hit is None:
            raise BadRequest("undefined field %s" % name)
        fd, dyn = hit
        if fd.kind == "text" or not fd.indexed:
            raise BadRequest("can not facet on tokenized or unindexed field: %s" % name)
        limit = params.int("facet.limit", 100, field=name)
        mincount = max(params.int("facet.mincount", 0, field=name), 1)
        sort = (params.field(name, "facet.sort") or ("count" if limit > 0 else "index"))
        path = name if dyn is None else "%s.%s" % (dynamic_field_name(dyn), json_path(name))
        size = 65000 if limit < 0 or sort == "index" else limit + 50
        aggs["f%d" % i] = {"terms": {"field": path, "size": size,
                                     "segment_size": max(size * 4, 1000),
                                     "min_doc_count": mincount}}
        plan["f%d" % i] = (name, fd.kind, limit, sort)
    result = searcher.aggregate(query, aggs) if aggs else {}
    out = {}
    for agg_name, (name, kind, limit, sort) in plan.items():
        buckets = [(_facet_key(b.get("key_as_string", b["key"]), kind), b["doc_count"])
                   for b in result.get(agg_name, {}).get("buckets", [])]
        if sort == "index":
            buckets.sort(key=lambda b: b[0])
        else:
            buckets.sort(key=lambda b: (-b[1], b[0]))
        if limit >= 0:
            buckets = buckets[:limit]
        flat = []
        for value, count in buckets:
            flat += [value, count]
        out[name] = flat
    return out


def _facet_key(key, kind) -> str:
    if kind == "date":
        return from_millis(int(key))
    if kind == "boolean":
        if isinstance(key, str):
            return key
        return "true" if key else "false"
    if kind == "int" and isinstance(key, float):
        return str(int(key))
    return str(key)
