"""/select: pivot facets (``facet.pivot``) with Solr's response shape and semantics."""
import pytest

from ckanext.migration.searchservice.core import CoreRegistry
from ckanext.migration.searchservice.errors import BadRequest
from ckanext.migration.searchservice.facets import facet_counts
from ckanext.migration.searchservice.request import Params, PivotSpec, parse_select
from ckanext.migration.searchservice.schema import parse_schema

from ..conftest import SCHEMA_XML
from .conftest import Solr, make_doc

# document number: (gcm_objectives, countries, organization, capacity, views_total)
DOCS = {
    0: (["1", "2"], ["SEN", "MLI"], "iom", "public", 10),
    1: (["1"], ["SEN"], "unhcr", "public", 10),
    2: (["2", "3"], ["MLI", "NER"], "iom", "public", 5),
    3: (["1"], ["NER"], "oecd", "private", 7),
    4: (["3"], [], "iom", "public", 5),
    5: ([], ["SEN"], "unhcr", "public", 3),
    6: (["1", "3"], ["SEN", "NER"], "ilo", "public", 3),
}
MATRIX = "gcm_objectives,countries"


@pytest.fixture
def corpus(solr):
    solr.add([make_doc(i, gcm_objectives=gcm, countries=countries, organization=org,
                       capacity=capacity, views_total=views)
              for i, (gcm, countries, org, capacity, views) in DOCS.items()])
    return solr


def pivot(solr, spec=MATRIX, key=None, **params):
    body = solr.select(q=params.pop("q", "*:*"), rows=0, facet="true", facet_pivot=spec,
                       **params)
    return body["facet_counts"]["facet_pivot"][key or spec]


def cells(rows) -> list:
    """[(value, count, [(sub value, sub count), ...])]: a two-level pivot, compactly."""
    return [(r["value"], r["count"], [(s["value"], s["count"]) for s in r.get("pivot", [])])
            for r in rows]


def test_solrs_response_shape(corpus):
    rows = pivot(corpus)
    assert rows[0] == {"field": "gcm_objectives", "value": "1", "count": 4, "pivot": [
        {"field": "countries", "value": "SEN", "count": 3},
        {"field": "countries", "value": "NER", "count": 2},
        {"field": "countries", "value": "MLI", "count": 1}]}
    assert cells(rows) == [
        ("1", 4, [("SEN", 3), ("NER", 2), ("MLI", 1)]),
        ("3", 3, [("NER", 2), ("MLI", 1), ("SEN", 1)]),  # doc 4 has no country
        ("2", 2, [("MLI", 2), ("NER", 1), ("SEN", 1)])]


def test_a_multi_valued_document_counts_in_every_cell(corpus):
    assert cells(pivot(corpus, q="name:ds-0")) == [
        ("1", 1, [("MLI", 1), ("SEN", 1)]), ("2", 1, [("MLI", 1), ("SEN", 1)])]


def test_pivots_follow_q_and_every_fq(corpus):
    rows = pivot(corpus, fq=["capacity:public", "-organization:ilo"])
    assert cells(rows) == [
        ("1", 2, [("SEN", 2), ("MLI", 1)]),
        ("2", 2, [("MLI", 2), ("NER", 1), ("SEN", 1)]),
        ("3", 2, [("MLI", 1), ("NER", 1)])]
    assert cells(pivot(corpus, q="organization:iom", fq="countries:MLI")) == [
        ("2", 2, [("MLI", 2), ("NER", 1), ("SEN", 1)]), ("1", 1, [("MLI", 1), ("SEN", 1)]),
        ("3", 1, [("MLI", 1), ("NER", 1)])]


def test_a_value_with_nothing_under_it_has_no_pivot_key(corpus):
    rows = pivot(corpus, "countries,gcm_objectives", q="organization:unhcr")
    assert rows == [{"field": "countries", "value": "SEN", "count": 2, "pivot": [
        {"field": "gcm_objectives", "value": "1", "count": 1}]}]
    rows = pivot(corpus, "countries,gcm_objectives", q="name:ds-5")
    assert rows == [{"field": "countries", "value": "SEN", "count": 1}]


def test_pivot_mincount_applies_per_level_and_facet_mincount_does_not(corpus):
    assert cells(pivot(corpus, **{"facet.pivot.mincount": "2", "facet.mincount": "4"})) == [
        ("1", 4, [("SEN", 3), ("NER", 2)]), ("3", 3, [("NER", 2)]), ("2", 2, [("MLI", 2)])]
    rows = pivot(corpus, **{"f.gcm_objectives.facet.pivot.mincount": "3"})
    assert cells(rows) == [("1", 4, [("SEN", 3), ("NER", 2), ("MLI", 1)]),
                           ("3", 3, [("NER", 2), ("MLI", 1), ("SEN", 1)])]


def test_pivot_mincount_zero_lists_every_term(corpus):
    # as in Solr: terms of the field that no matching document has are counted 0
    assert cells(pivot(corpus, q="name:ds-1", **{"facet.pivot.mincount": "0"})) == [
        ("1", 1, [("SEN", 1), ("MLI", 0), ("NER", 0)]),
        ("2", 0, [("MLI", 0), ("NER", 0), ("SEN", 0)]),
        ("3", 0, [("MLI", 0), ("NER", 0), ("SEN", 0)])]
    rows = pivot(corpus, q="name:ds-1", facet_sort="index",
                 **{"facet.pivot.mincount": "0", "facet.limit": "2"})
    assert cells(rows) == [("1", 1, [("MLI", 0), ("NER", 0)]), ("2", 0, [("MLI", 0),
                                                                       ("NER", 0)])]
    rows = pivot(corpus, q="name:ds-1", **{"facet.pivot.mincount": "0", "facet.limit": "2"})
    assert cells(rows) == [("1", 1, [("SEN", 1), ("MLI", 0)]), ("2", 0, [("MLI", 0),
                                                                       ("NER", 0)])]


def test_limit_per_level(corpus):
    rows = pivot(corpus, **{"facet.limit": "2", "f.countries.facet.limit": "1"})
    assert cells(rows) == [("1", 4, [("SEN", 3)]), ("3", 3, [("NER", 2)])]
    rows = pivot(corpus, **{"f.countries.facet.limit": "0"})
    assert [r["value"] for r in rows] == ["1", "3", "2"]
    assert not any("pivot" in r for r in rows)
    assert pivot(corpus, **{"facet.limit": "0"}) == []
    # no limit: Solr's default sort is then index order
    rows = pivot(corpus, **{"facet.limit": "-1", "f.gcm_objectives.facet.offset": "1"})
    assert [r["value"] for r in rows] == ["2", "3"]
    rows = pivot(corpus, facet_sort="count", **{"facet.limit": "-1", "facet.offset": "1"})
    assert cells(rows) == [("3", 3, [("MLI", 1), ("SEN", 1)]), ("2", 2, [("NER", 1),
                                                                      ("SEN", 1)])]


def test_sort_by_count_or_index_per_level(corpus):
    rows = pivot(corpus, facet_sort="index")
    assert cells(rows) == [
        ("1", 4, [("MLI", 1), ("NER", 2), ("SEN", 3)]),
        ("2", 2, [("MLI", 2), ("NER", 1), ("SEN", 1)]),
        ("3", 3, [("MLI", 1), ("NER", 2), ("SEN", 1)])]
    rows = pivot(corpus, **{"f.countries.facet.sort": "index", "facet.limit": "1"})
    assert cells(rows) == [("1", 4, [("MLI", 1)])]
    # equal counts are ordered by value, as Solr does
    rows = pivot(corpus, fq="capacity:public")
    assert [(r["value"], r["count"]) for r in rows] == [("1", 3), ("3", 3), ("2", 2)]


def test_key_local_param_several_pivots_and_field_facets_together(corpus):
    body = corpus.select(q="*:*", rows=0, facet="true", facet_field="organization",
                         facet_pivot=["{!key=matrix}gcm_objectives,countries",
                                      "organization", "capacity,organization,countries"])
    counts = body["facet_counts"]
    assert counts["facet_fields"]["organization"] == [
        "iom", 3, "unhcr", 2, "ilo", 1, "oecd", 1]
    assert set(counts["facet_pivot"]) == {"matrix", "organization",
                                          "capacity,organization,countries"}
    assert cells(counts["facet_pivot"]["matrix"])[0] == ("1", 4, [("SEN", 3), ("NER", 2),
                                                                  ("MLI", 1)])
    assert counts["facet_pivot"]["organization"][0] == {
        "field": "organization", "value": "iom", "count": 3}
    private = counts["facet_pivot"]["capacity,organization,countries"][1]
    assert private == {"field": "capacity", "value": "private", "count": 1, "pivot": [
        {"field": "organization", "value": "oecd", "count": 1, "pivot": [
            {"field": "countries", "value": "NER", "count": 1}]}]}


def test_parsing_local_params_are_defaults_under_per_field_params(registry):
    req = parse_select(registry.get("ckan"), Params([
        ("facet", "true"), ("facet.pivot", "{!key=m facet.limit=5}tags,countries"),
        ("facet.pivot", "tags"), ("f.countries.facet.limit", "7"), ("facet.limit", "9"),
        ("facet.sort", "false"), ("facet.mincount", "3"), ("facet.pivot.mincount", "0")]))
    first, second = req.pivots
    assert isinstance(first, PivotSpec) and first.key == "m"
    assert [(s.name, s.limit, s.sort, s.mincount) for s in first.levels] == [
        ("tags", 5, "index", 0), ("countries", 7, "index", 0)]
    assert second.key == "tags" and second.levels[0].limit == 9


def test_values_keep_their_type(corpus):
    rows = pivot(corpus, "organization,views_total", q="organization:iom")
    assert cells(rows) == [("iom", 3, [(5, 2), (10, 1)])]


def test_no_facet_pivot_section_unless_asked(corpus):
    body = corpus.select(q="*:*", rows=0, facet="true", facet_field="organization")
    assert "facet_pivot" not in body["facet_counts"]
    body = corpus.select(q="*:*", rows=0, facet_pivot=MATRIX)
    assert "facet_counts" not in body


@pytest.mark.parametrize("spec,message", [
    ("gcm_objectives,notes", "can not facet on tokenized or unindexed field: notes"),
    ("title", "can not facet on tokenized or unindexed field: title"),
    (" , ", "Pivot Facet needs at least one field name:  , "),
])
def test_bad_pivots_are_400s_naming_the_field(corpus, spec, message):
    r = corpus.select_raw(q="*:*", facet="true", facet_pivot=spec)
    assert r.status_code == 400
    assert r.get_json()["error"]["msg"] == message


def test_too_many_buckets_is_a_400_not_a_500(corpus):
    class Searcher:  # tantivy's answer to a pivot of many values on many values
        def aggregate(self, query, aggs):
            raise ValueError("Aborting aggregation because bucket limit was exceeded.")
    spec = parse_select(corpus.registry.get("ckan"), Params([
        ("facet", "true"), ("facet.pivot", "name,countries"), ("facet.limit", "-1")]))
    with pytest.raises(BadRequest, match="lower facet.limit"):
        facet_counts(Searcher(), None, [], spec.pivots)


def test_unknown_field_is_a_400(tmp_path):
    # the project schema's catch-all dynamic field "*" makes every name known: drop it
    full = open(SCHEMA_XML, "rb").read()
    xml = full.replace(
        b'<dynamicField name="*" type="string" indexed="true"  stored="false"/>', b"")
    assert xml != full
    registry = CoreRegistry(str(tmp_path / "data"), parse_schema(xml))
    try:
        r = Solr(registry).select_raw(q="*:*", facet="true", facet_pivot="countries,nosuch")
        assert r.status_code == 400
        assert r.get_json()["error"]["msg"] == 'undefined field: "nosuch"'
    finally:
        registry.close()
