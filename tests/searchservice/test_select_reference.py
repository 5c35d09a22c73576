"""/select against a straightforward reference computation on a generated index.

The service takes short cuts for speed: sort keys read from tantivy's fast fields, only
the hits tied on the first key re-ordered, a margin of hits fetched past the page, built
queries and parsed trees cached, named fields rendered without scanning the source. Here
every answer (ids in order, numFound, facet counts) is compared with the plain way:
every matching document with its score, sorted in Python by every key (missing values
last, dates as dates), then paged; facet values counted one document at a time.
"""
import json
import random
from collections import Counter

import pytest
import tantivy

from ckanext.migration.searchservice.dates import parse_date
from ckanext.migration.searchservice.documents import SOURCE_FIELD
from ckanext.migration.searchservice.request import Params, parse_query

from .conftest import make_doc

WORDS = ["migration", "refugees", "remittances", "labour", "border"]
ORGS = ["unhcr", "iom", "oecd", "ilo", "eurostat"]
TAGS = ["a", "b", "c", "d"]
N = 240


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    from ckanext.migration.searchservice.core import CoreRegistry
    from ckanext.migration.searchservice.schema import load_schema

    from ..conftest import SCHEMA_XML
    from .conftest import Solr
    registry = CoreRegistry(str(tmp_path_factory.mktemp("reference")), load_schema(SCHEMA_XML))
    solr = Solr(registry)
    rnd = random.Random(5)
    docs = []
    for i in range(N):
        # few distinct titles of one length: many hits share a score exactly
        extra = {"title": " ".join(rnd.sample(WORDS, 2)),
                 "organization": rnd.choice(ORGS),
                 "tags": rnd.sample(TAGS, rnd.randint(1, 3)),
                 "name": "ds-%03d" % rnd.randrange(1000)}
        if i % 7:  # some documents lack the numeric sort key
            extra["views_total"] = rnd.randrange(6)
        doc = make_doc(i, **extra)
        # few distinct dates, some a fraction of a second apart (".5Z" sorts before "Z"
        # as text, after it as a date)
        doc["metadata_modified"] = "2021-01-%02dT00:00:00%s" % (
            rnd.randint(1, 4), rnd.choice(["Z", ".500Z"]))
        docs.append(doc)
    for start in range(0, N, 60):  # several segments
        solr.add(docs[start:start + 60])
    yield solr, registry.get("ckan")
    registry.close()


def _reference(core, params):
    """(ids in order, numFound, {facet field: [value, count...]}) the plain way."""
    p = Params(params)
    clauses = [(tantivy.Occur.Must, parse_query(core, p.get("q"), p.get("defType") or
                                                "lucene", p))]
    clauses += [(tantivy.Occur.Must,  # filters do not score, as in Solr
                 tantivy.Query.const_score_query(parse_query(core, fq, "lucene", p), 0.0))
                for fq in p.getlist("fq")]
    query = tantivy.Query.boolean_query(clauses)
    searcher = core.searcher()
    result = searcher.search(query, searcher.num_docs, count=True)
    rows = []
    for score, addr in result.hits:
        source = json.loads(searcher.doc(addr).get_first(SOURCE_FIELD))
        rows.append((score, source))
    sort = [item.split() for item in p.get("sort").split(",")]

    def value(name, score, source):
        if name == "score":
            return score
        v = source.get(name)
        return parse_date(v) if name == "metadata_modified" and v is not None else v

    for name, direction in reversed(sort):  # stable sorts, last key first
        present = [r for r in rows if value(name, *r) is not None]
        missing = [r for r in rows if value(name, *r) is None]
        present.sort(key=lambda r: value(name, *r), reverse=direction == "desc")
        rows = present + missing
    start, count = int(p.get("start")), int(p.get("rows"))
    ids = [source["id"] for _score, source in rows[start:start + count]]
    facets = {}
    limit, mincount = int(p.get("facet.limit")), int(p.get("facet.mincount"))
    for field in p.getlist("facet.field"):
        counts = Counter()
        for _score, source in rows:
            v = source.get(field)
            counts.update(v if isinstance(v, list) else [] if v is None else [v])
        picked = sorted(((k, c) for k, c in counts.items() if c >= mincount),
                        key=lambda kc: (-kc[1], kc[0]))[:limit]
        facets[field] = [x for kc in picked for x in kc]
    return ids, len(rows), facets


SORTS = ["score desc, metadata_modified desc, name asc, id asc",
         "score desc, views_total asc, id desc",
         "metadata_modified desc, views_total desc, id asc",
         "views_total asc, name desc, id asc",
         "name asc, metadata_modified asc, id asc"]
QUERIES = [("migration", []), ("refugees labour", []), ("*:*", ["tags:a"]),
           ("border", ["tags:b tags:c"]), ("remittances OR labour", ["-organization:iom"])]


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("q,fqs", QUERIES)
@pytest.mark.parametrize("start,rows", [(0, 10), (0, 21), (17, 9), (100, 30)])
def test_select_equals_the_reference(corpus, sort, q, fqs, start, rows):
    solr, core = corpus
    params = [("q", q), ("df", "title"), ("sort", sort), ("start", str(start)),
              ("rows", str(rows)), ("fl", "id"), ("facet", "true"), ("facet.limit", "3"),
              ("facet.mincount", "1"), ("facet.field", "organization"),
              ("facet.field", "tags")] + [("fq", fq) for fq in fqs]
    want_ids, want_found, want_facets = _reference(core, params)
    for _ in range(2):  # the second time from the caches
        body = solr.client.get(solr.url("select"), query_string=params).get_json()
        assert [d["id"] for d in body["response"]["docs"]] == want_ids
        assert body["response"]["numFound"] == want_found
        assert body["facet_counts"]["facet_fields"] == want_facets


def test_cached_filters_follow_the_default_operator(corpus):
    """One fq text, two q.op: two queries (the cache key holds what parsing reads)."""
    solr, core = corpus
    base = [("q", "*:*"), ("fq", "tags:a tags:b"), ("rows", "0")]
    both = solr.select(**dict(base + [("q.op", "AND")]))["response"]["numFound"]
    either = solr.select(**dict(base + [("q.op", "OR")]))["response"]["numFound"]
    searcher = core.searcher()
    sources = [json.loads(searcher.doc(a).get_first(SOURCE_FIELD))
               for _s, a in searcher.search(tantivy.Query.all_query(), N).hits]
    assert both == sum(1 for s in sources if {"a", "b"} <= set(s["tags"]))
    assert either == sum(1 for s in sources if {"a", "b"} & set(s["tags"]))
    assert both < either


def test_filters_on_now_are_not_frozen(corpus):
    """A filter with NOW is built again each time: its meaning moves with the clock."""
    solr, core = corpus
    fq = "metadata_modified:[NOW-1DAY TO NOW]"
    solr.select(q="*:*", fq="tags:a")
    assert solr.select(q="*:*", fq=fq)["response"]["numFound"] == 0
    assert all(key[0] != fq for key in core.query_cache._items)
    assert any(key[0] == "tags:a" for key in core.query_cache._items)
