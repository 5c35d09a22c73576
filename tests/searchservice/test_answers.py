"""Facet and pivot answers (``rows=0``) are kept until the next commit, never longer."""
from ckanext.migration.searchservice import answers

from .conftest import make_doc

MATRIX = "gcm_objectives,countries"


def _pivot(solr, **extra):
    return solr.select(q="*:*", rows=0, facet="true", facet_pivot=MATRIX, **extra)


def _cache(solr):
    return solr.registry.get("ckan").answer_cache


def test_the_same_count_is_answered_from_the_cache_until_a_commit(solr):
    solr.add([make_doc(1, gcm_objectives=["1"], countries=["SEN"])])
    first = _pivot(solr)
    cache = _cache(solr)
    hits = cache.hits
    again = _pivot(solr)
    assert cache.hits == hits + 1
    assert again["facet_counts"] == first["facet_counts"]
    # a new document made visible by a commit is counted at once
    solr.add([make_doc(2, gcm_objectives=["1"], countries=["SEN", "MLI"])])
    after = _pivot(solr)["facet_counts"]["facet_pivot"][MATRIX]
    assert after == [{"field": "gcm_objectives", "value": "1", "count": 2, "pivot": [
        {"field": "countries", "value": "SEN", "count": 2},
        {"field": "countries", "value": "MLI", "count": 1}]}]
    assert _pivot(solr)["response"]["numFound"] == 2


def test_uncommitted_documents_stay_invisible_and_deletes_show_after_commit(solr):
    solr.add([make_doc(1, countries=["SEN"]), make_doc(2, countries=["SEN"])])
    counts = solr.select(q="*:*", rows=0, facet="true", facet_field="countries")
    assert counts["facet_counts"]["facet_fields"]["countries"] == ["SEN", 2]
    solr.add([make_doc(3, countries=["SEN"])], commit=False)
    counts = solr.select(q="*:*", rows=0, facet="true", facet_field="countries")
    assert counts["facet_counts"]["facet_fields"]["countries"] == ["SEN", 2]
    r = solr.update_raw('{"delete": ["idx-1", "idx-2"]}', commit="true")
    assert r.status_code == 200, r.get_data(as_text=True)
    counts = solr.select(q="*:*", rows=0, facet="true", facet_field="countries")
    assert counts["facet_counts"]["facet_fields"]["countries"] == ["SEN", 1]  # 3 only


def test_pages_of_documents_and_now_are_never_kept(solr):
    solr.add([make_doc(1, countries=["SEN"])])
    cache = _cache(solr)
    for _ in range(2):
        solr.select(q="*:*", rows=5, facet="true", facet_field="countries")
        solr.select(q="*:*", rows=0, facet="true", facet_field="countries",
                    fq="metadata_modified:[* TO NOW]")
    assert cache.hits == 0
    assert not cache._items


def test_big_answers_are_not_kept(solr):
    solr.add([make_doc(i, tags=["tag-%d" % i]) for i in range(30)])
    cache = _cache(solr)
    old = answers.MAX_VALUES
    answers.MAX_VALUES = 10
    try:
        solr.select(q="*:*", rows=0, facet="true", facet_field="tags", facet_limit=-1)
        assert not cache._items
        solr.select(q="*:*", rows=0, facet="true", facet_field="tags", facet_limit=5)
        assert len(cache._items) == 1
    finally:
        answers.MAX_VALUES = old


def test_the_cache_stays_bounded():
    cache = answers.AnswerCache(size=4)
    for i in range(10):
        cache.put(cache.key(0, [("q", str(i))]), {"response": {}})
    assert len(cache._items) <= 4
    assert cache.get(cache.key(0, [("q", "9")])) is not None
    assert cache.key(0, [("fq", "x:[NOW-1DAY TO NOW]")]) is None
