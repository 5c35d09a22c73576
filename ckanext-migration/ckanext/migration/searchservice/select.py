"""The ``/select`` handler: runs a parsed ``SelectRequest`` and builds Solr's response."""
from __future__ import annotations

import fnmatch
import json

import tantivy

from .documents import SOURCE_FIELD
from .facets import facet_counts
from .request import SelectRequest


def select(core, request: SelectRequest) -> dict:
    searcher = core.searcher()
    hits, num_found, max_score = _search(core, searcher, request.query, request.sort,
                                         request.start, request.rows)
    fl = request.fl
    docs = [_render(core, searcher, addr, score, fl) for score, addr in hits]
    response = {"numFound": num_found, "start": request.start, "numFoundExact": True,
                "docs": docs}
    if fl.score:
        response["maxScore"] = max_score
    out = {"response": response}
    if request.facets is not None:
        out["facet_counts"] = facet_counts(searcher, request.query, request.facets,
                                           request.pivots)
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

    # tantivy allocates the collector for `limit` hits up front: never ask for more than
    # the index holds (a huge start or rows would abort the process), as Solr caps it
    limit = max(min(wanted, searcher.num_docs), 1)
    result = run(limit)
    num_found = result.count
    hits = result.hits
    if len(sort) > 1 and hits:
        # equal first keys at the page boundary are ordered by the next keys
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


def _fast_sortable(core, name: str) -> bool:
    if name == "score":
        return True
    hit = core.doc_builder.resolve(name)
    return hit is not None and hit[1] is None and hit[0].indexed


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
def _render(core, searcher, addr, score, fl) -> dict:
    source = json.loads(searcher.doc(addr).get_first(SOURCE_FIELD))
    out = {}
    resolve = core.doc_builder.resolve
    for name, value in source.items():
        hit = resolve(name)
        if hit is None or not hit[0].stored:
            continue
        if fl.all or name in fl.names or fl.globs and any(
                fnmatch.fnmatchcase(name, pat) for pat in fl.globs):
            out[name] = value
    if fl.score:
        out["score"] = score
    return out
