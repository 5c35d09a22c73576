"""The ``/select`` handler: runs a parsed ``SelectRequest`` and builds Solr's response."""
from __future__ import annotations

import fnmatch

import tantivy

from .documents import SOURCE_FIELD, loads
from .facets import facet_counts
from .request import SelectRequest


def select(core, request: SelectRequest) -> dict:
    # (counting the facets in a second thread while this one finds the page was tried:
    # tantivy lets go of the GIL, but on a busy machine waiting for the other thread to
    # be scheduled cost more than it saved)
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
    # the index holds (a huge start or rows would abort the process), as Solr caps it.
    # With more sort keys, hits past the page tell whether the first key's tie at the
    # page boundary goes on: a margin fetched in the same search spares a second one.
    margin = TIE_MARGIN if len(sort) > 1 else 0
    limit = max(min(wanted + margin, searcher.num_docs), 1)
    result = run(limit)
    num_found = result.count
    hits = result.hits
    if len(sort) > 1 and hits:
        # equal first keys at the page boundary are ordered by the next keys
        while len(hits) == limit < num_found and \
                hits[-1][0] == hits[min(wanted, len(hits)) - 1][0]:
            limit = min(limit * 2, searcher.num_docs)
            hits = run(limit).hits
        # tantivy returns hits in first-key order, except for "score asc" (always by
        # descending score) and documents missing the key: then all are sorted here
        in_order = desc if first == "score" else all(h[0] is not None for h in hits)
        hits = _order(core, searcher, hits, sort, wanted if in_order else None)
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


def _order(core, searcher, hits, sort, wanted=None):
    """Sort (key, address) hits by every sort key. Numbers, dates and booleans are read
    from tantivy's fast fields, other keys from the stored sources. With ``wanted``,
    ``hits`` is already in first-key order and only the first ``wanted`` are needed:
    next keys are read only for hits whose first key ties with another's."""
    if wanted is not None and len(hits) > 1:
        hits = _needed(hits, wanted)
        tied = _tied(hits)
        if not tied:
            return hits
    else:
        tied = range(len(hits))
    addrs = [hits[i][1] for i in tied]
    columns = []  # per sort key: {position in hits: value}, or None for the score
    sources = {}
    for name, _desc in sort:
        if name == "score":
            columns.append(None)
            continue
        kind = _fast_kind(core, name)
        if kind is not None:
            values = searcher.fast_field_values(name, addrs)
            columns.append(dict(zip(tied, values)))
            continue
        if not sources:
            sources.update((i, loads(searcher.doc(hits[i][1]).get_first(SOURCE_FIELD)))
                           for i in tied)
        columns.append({i: sources[i].get(name) for i in tied})

    def key(i):
        score_or_first = hits[i][0]
        out = []
        for (name, desc), column in zip(sort, columns):
            if column is None:
                value = score_or_first if isinstance(score_or_first, float) else 0.0
            else:
                value = column[i]
            if value is None:
                out.append((1, _LAST))
            else:
                out.append((0, _Reverse(value) if desc else value))
        return out
    if wanted is None:
        return [hits[i] for i in sorted(tied, key=key)]
    # only runs of equal first keys are re-ordered; their places do not change
    out = list(hits)
    for run in _runs(hits, tied):
        for pos, i in zip(run, sorted(run, key=key)):
            out[pos] = hits[i]
    return out


# hits fetched past the page when a sort has several keys (see _search)
TIE_MARGIN = 20


def _needed(hits, wanted):
    """The hits up to the page end and those tied with the last of them on the first key."""
    if len(hits) <= wanted:
        return hits
    edge = hits[wanted - 1][0]
    end = wanted
    while end < len(hits) and hits[end][0] == edge:
        end += 1
    return hits[:end]


def _tied(hits):
    """Positions of the hits whose first key equals a neighbour's (ascending)."""
    out = []
    for i in range(len(hits)):
        key = hits[i][0]
        if (i > 0 and hits[i - 1][0] == key) or (i + 1 < len(hits) and hits[i + 1][0] == key):
            out.append(i)
    return out


def _runs(hits, tied):
    """The positions of ``tied`` grouped by runs of equal first keys."""
    runs, current = [], []
    for i in tied:
        if current and (i != current[-1] + 1 or hits[i][0] != hits[current[-1]][0]):
            runs.append(current)
            current = []
        current.append(i)
    if current:
        runs.append(current)
    return runs


def _fast_kind(core, name):
    """The kind of a sort field tantivy keeps as a numeric fast field, else None."""
    hit = core.doc_builder.resolve(name)
    if hit is None or hit[1] is not None or not hit[0].indexed:
        return None
    kind = hit[0].kind
    return kind if kind in ("int", "float", "date", "boolean") else None


# -- documents -----------------------------------------------------------------------
def _render(core, searcher, addr, score, fl) -> dict:
    source = loads(searcher.doc(addr).get_first(SOURCE_FIELD))
    stored = _stored_names(core)
    if fl.all or fl.globs:
        out = {}
        for name, value in source.items():
            if not stored(name):
                continue
            if fl.all or name in fl.names or any(
                    fnmatch.fnmatchcase(name, pat) for pat in fl.globs):
                out[name] = value
    else:  # named fields only (CKAN asks for "id validated_data_dict"): no scan
        out = {name: source[name] for name in fl.names if name in source and stored(name)}
        if len(out) > 1:  # the order of the source, as when scanning it
            order = {name: i for i, name in enumerate(source)}
            out = dict(sorted(out.items(), key=lambda kv: order[kv[0]]))
    if fl.score:
        out["score"] = score
    return out


def _stored_names(core):
    """name -> whether a field of that name is stored (returned by /select)."""
    cache = core.__dict__.get("_stored_cache")
    if cache is None:
        resolve = core.doc_builder.resolve
        memo = {}

        def cache(name):
            hit = memo.get(name)
            if hit is None:
                found = resolve(name)
                hit = found is not None and found[0].stored
                if len(memo) < 100000:
                    memo[name] = hit
            return hit
        core._stored_cache = cache
    return cache
