"""/select: facets, sorting, paging, field lists and response shapes."""
import pytest

from .conftest import make_doc

ORGS = ["unhcr", "iom", "iom", "oecd", "unhcr", "unhcr", "eurostat", "iom", "unhcr", "ilo"]


@pytest.fixture
def corpus(solr):
    docs = []
    for i, org in enumerate(ORGS):
        docs.append(make_doc(i, organization=org, title="Migration table %d" % i,
                             tags=["migration"] + (["refugees"] if org == "unhcr" else []),
                             res_format=["CSV"] if i % 2 else ["CSV", "XLSX"],
                             views_total=i * 10, capacity="private" if i == 9 else "public",
                             vocab_gcm=[str(i % 3 + 1)]))
    solr.add(docs)
    return solr


def facet_dict(flat):
    return dict(zip(flat[0::2], flat[1::2]))


def test_facet_counts_are_exact_and_sorted_by_count_then_value(corpus):
    body = corpus.select(q="*:*", rows=0, facet="true",
                         facet_field=["organization", "tags", "res_format", "vocab_gcm"])
    ff = body["facet_counts"]["facet_fields"]
    assert ff["organization"] == ["unhcr", 4, "iom", 3, "eurostat", 1, "ilo", 1, "oecd", 1]
    assert facet_dict(ff["tags"]) == {"migration": 10, "refugees": 4}
    assert facet_dict(ff["res_format"]) == {"CSV": 10, "XLSX": 5}
    assert facet_dict(ff["vocab_gcm"]) == {"1": 4, "2": 3, "3": 3}


def test_facets_follow_the_query_and_filters(corpus):
    body = corpus.select(q="*:*", fq=["capacity:public", "tags:refugees"], rows=0,
                         facet="true", facet_field="organization")
    assert body["response"]["numFound"] == 4
    assert body["facet_counts"]["facet_fields"]["organization"] == ["unhcr", 4]


def test_facet_limit_mincount_and_index_sort(corpus):
    body = corpus.select(q="*:*", rows=0, facet="true", facet_field="organization",
                         facet_limit="2")
    assert body["facet_counts"]["facet_fields"]["organization"] == ["unhcr", 4, "iom", 3]
    body = corpus.select(q="*:*", rows=0, facet="true", facet_field="organization",
                         facet_sort="index", **{"facet.mincount": "2"})
    assert body["facet_counts"]["facet_fields"]["organization"] == ["iom", 3, "unhcr", 4]
    body = corpus.select(q="*:*", rows=0, facet="true", facet_field="organization",
                         **{"f.organization.facet.limit": "1"})
    assert body["facet_counts"]["facet_fields"]["organization"] == ["unhcr", 4]


def test_facet_on_a_numeric_field(corpus):
    body = corpus.select(q="views_total:[0 TO 20]", rows=0, facet="true",
                         facet_field="views_total")
    assert facet_dict(body["facet_counts"]["facet_fields"]["views_total"]) == \
        {"0": 1, "10": 1, "20": 1}


def test_facet_on_text_field_is_a_clear_error(corpus):
    r = corpus.select_raw(q="*:*", facet="true", facet_field="notes")
    assert r.status_code == 400
    assert "notes" in r.get_json()["error"]["msg"]


@pytest.mark.parametrize("sort,expected", [
    ("views_total desc", ["ds-9", "ds-8", "ds-7"]),
    ("views_total asc", ["ds-0", "ds-1", "ds-2"]),
    ("name desc", ["ds-9", "ds-8", "ds-7"]),
    ("organization asc, views_total desc", ["ds-6", "ds-9", "ds-7"]),
    ("organization desc, name asc", ["ds-0", "ds-4", "ds-5"]),
])
def test_sort(corpus, sort, expected):
    assert corpus.names(q="*:*", sort=sort, rows=3) == expected


def test_score_sort_with_tie_breaker(corpus):
    # every doc scores the same for this query: the second key decides
    names = corpus.names(q="state:active", sort="score desc, views_total asc", rows=4)
    assert names == ["ds-0", "ds-1", "ds-2", "ds-3"]
    names = corpus.names(q="state:active", sort="score desc, views_total asc", rows=3,
                         start=6)
    assert names == ["ds-6", "ds-7", "ds-8"]


def test_bad_sort_is_a_clear_error(corpus):
    r = corpus.select_raw(q="*:*", sort="views_total")
    assert r.status_code == 400
    assert "Can't determine a Sort Order" in r.get_json()["error"]["msg"]
    r = corpus.select_raw(q="*:*", sort="title asc")
    assert r.status_code == 400


def test_paging(corpus):
    first = corpus.names(q="*:*", sort="name asc", rows=4)
    second = corpus.names(q="*:*", sort="name asc", rows=4, start=4)
    last = corpus.names(q="*:*", sort="name asc", rows=4, start=8)
    assert first + second + last == ["ds-%d" % i for i in range(10)]
    body = corpus.select(q="*:*", rows=0)
    assert body["response"]["numFound"] == 10 and body["response"]["docs"] == []


def test_field_list_and_stored_fields(corpus):
    doc = corpus.select(q="name:ds-3", fl="id name score")["response"]["docs"][0]
    assert set(doc) == {"id", "name", "score"}
    doc = corpus.select(q="name:ds-3")["response"]["docs"][0]
    # permission_labels-like unstored fields and copy-field targets are not returned
    assert "text" not in doc and "title_ngram" not in doc
    assert doc["tags"] == ["migration"]
    assert "views_total" not in doc  # indexed, not stored
    assert doc["metadata_modified"] == "2021-01-04T00:00:00Z"
    assert "indexed_ts" in doc  # schema default NOW
    doc = corpus.select(q="name:ds-3", fl="vocab_*,name")["response"]["docs"][0]
    assert doc == {"name": "ds-3", "vocab_gcm": ["1"]}


def test_response_shape_is_solrs(corpus):
    body = corpus.select(q="*:*", rows=1, fl="name,score", wt="json")
    assert body["responseHeader"]["status"] == 0
    assert isinstance(body["responseHeader"]["QTime"], int)
    assert body["responseHeader"]["params"]["rows"] == "1"
    assert set(body["response"]) >= {"numFound", "start", "docs", "maxScore"}


def test_ngram_title_matches_partial_words(corpus):
    assert corpus.names(q="title_ngram:igrat", rows=1) != []


def test_dates_sort_at_millisecond_precision(solr):
    solr.add([make_doc(i, metadata_created="2024-01-01T10:00:00.%03d5Z" % (3 - i))
              for i in range(3)])
    assert solr.names(q="*:*", sort="metadata_created asc") == ["ds-2", "ds-1", "ds-0"]
    assert solr.names(q="metadata_created:[2024-01-01T10:00:00.002Z TO *]",
                      sort="metadata_created desc") == ["ds-0", "ds-1"]
