"""JSON nesting and size bombs refused before decoding (harvesting/safejson.py).

The scanner against a reference depth on generated JSON (hypothesis), then real harvest
jobs against a local server answering each bomb: a clear job error, no dataset touched.
"""
import json
import time

import pytest
from hypothesis import given, settings, strategies as st

from ckan import plugins as p
from ckan.tests import helpers

from ckanext.migration.harvesting import safejson
from ckanext.migration.harvesting.safejson import JSONRefused

from .conftest import Harvest, fixture_bytes, hdx_records

ALLOW_PRIVATE = pytest.mark.ckan_config(
    "ckanext.migration.harvest.allow_private_addresses", True)


def reference_depth(value) -> int:
    if isinstance(value, dict):
        return 1 + max(map(reference_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(reference_depth, value), default=0)
    return 0


# text with what confuses a naive scanner: brackets, quotes and backslashes
tricky_text = st.text(alphabet=st.sampled_from('[]{}"\\ab\n\u00e9\u0645:,'), max_size=12) \
    | st.text(max_size=8)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | tricky_text,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(tricky_text, children, max_size=4),
    max_leaves=40)


@settings(max_examples=300, deadline=None)
@given(value=json_values, ensure_ascii=st.booleans(), indent=st.sampled_from([None, 1]))
def test_the_scanned_depth_is_the_depth_of_the_value(value, ensure_ascii, indent):
    text = json.dumps(value, ensure_ascii=ensure_ascii, indent=indent)
    assert safejson.depth(text) == reference_depth(value)
    assert safejson.depth(text.encode("utf-8")) == reference_depth(value)


@pytest.mark.parametrize("text,expected", [
    ('"[[[{{{"', 0),
    ('["]"]', 1),
    (r'["\"[[", ["\\"], {"a\\": [1]}]', 3),
    (r'{"k\\\"]]": [[["x\"}"]]]}', 4),
    ('[[], {}, [[]]]', 3),
    ('42', 0),
])
def test_brackets_inside_strings_and_escaped_quotes_do_not_count(text, expected):
    assert safejson.depth(text) == expected
    assert safejson.depth(text.encode()) == expected


def test_a_hundred_thousand_levels_are_refused_without_recursing():
    bomb = b"[" * 100000 + b"]" * 100000
    started = time.monotonic()
    with pytest.raises(JSONRefused, match=r"^https://x.example/a: JSON nested deeper than "
                                          r"64 levels \(refused; ckanext.migration.harvest"
                                          r"\.json_max_depth\)$"):
        safejson.loads(bomb, source="https://x.example/a")
    assert time.monotonic() - started < 1
    # unclosed too (the scan stops at the limit; json never sees it)
    with pytest.raises(JSONRefused, match="nested deeper than 10 levels"):
        safejson.loads("{\"a\":" * 100000, source="s", max_depth=10)


def test_deep_but_allowed_json_is_decoded():
    value = {"a": [1]}
    for _ in range(62):
        value = [value]
    assert reference_depth(value) == 64
    assert safejson.loads(json.dumps(value), source="s") == value
    with pytest.raises(JSONRefused, match="deeper than 63 levels"):
        safejson.loads(json.dumps(value), source="s", max_depth=63)


def test_an_answer_over_the_size_limit_is_refused_before_decoding():
    with pytest.raises(JSONRefused, match=r"^s: JSON answer larger than 0.5 MB \(refused; "
                                          r"ckanext.migration.harvest.json_max_mb\)$"):
        safejson.loads(b'"' + b"x" * (512 * 1024) + b'"', source="s", max_bytes=512 * 1024)
    # a str is measured in UTF-8 bytes: 300,000 Arabic letters are 600,000 bytes
    with pytest.raises(JSONRefused, match="larger than 0.5 MB"):
        safejson.loads('"%s"' % ("\u0645" * 300000), source="s", max_bytes=512 * 1024)
    assert safejson.loads('"%s"' % ("x" * 1000), source="s", max_bytes=1002) == "x" * 1000


def test_not_json_is_still_a_value_error_and_a_bom_is_skipped():
    with pytest.raises(ValueError) as raised:
        safejson.loads(b"<html>", source="s")
    assert not isinstance(raised.value, JSONRefused)
    assert safejson.loads(b'\xef\xbb\xbf{"a": 1}', source="s") == {"a": 1}


# -- real harvest jobs against a local server -------------------------------------------

harvest_test = pytest.mark.usefixtures("with_plugins", "harvest_db")
DEEP = b'{"result": ' + b"[" * 100000 + b"]" * 100000 + b"}"
HUGE_ARRAY = b'{"result": {"count": 1, "results": [' + b"0," * 600000 + b"0]}}"
HUGE_STRING = b'{"result": {"count": 1, "results": [], "x": "' + b"y" * (1200 * 1024) + b'"}}'


def _search_page(datasets):
    return json.dumps({"success": True, "result": {"count": len(datasets),
                                                   "results": datasets}})


def _modified(names):
    return {n: helpers.call_action("package_show", id=n)["metadata_modified"] for n in names}


@harvest_test
@ALLOW_PRIVATE
@pytest.mark.ckan_config("ckanext.migration.harvest.json_max_mb", 1)
@pytest.mark.parametrize("bomb,problem", [
    (DEEP, "JSON nested deeper than 64 levels"),
    (HUGE_ARRAY, "JSON answer larger than 1 MB"),
    (HUGE_STRING, "JSON answer larger than 1 MB"),
], ids=["deep", "huge-array", "huge-string"])
def test_a_ckan_portal_answering_a_json_bomb_is_a_job_error_and_nothing_changes(
        data_server, bomb, problem):
    search = "/api/3/action/package_search"
    data_server.serve(search, _search_page(hdx_records()),
                      headers={"Content-Type": "application/json"})
    harvest = Harvest(p.get_plugin("migration_ckan"), data_server.url)
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 3}, harvest.errors(job)
    names = [d["name"] for d in helpers.call_action("package_search", q="*:*")["results"]]
    before = _modified(names)

    data_server.serve(search, bomb, headers={"Content-Type": "application/json"})
    job, _ = harvest.run()
    errors = harvest.errors(job)
    option = safejson.DEPTH_OPTION if "nested" in problem else safejson.SIZE_OPTION
    assert errors == ["CKAN portal (HDX...): %s: %s (refused; %s)"
                      % (data_server.url, problem, option)], errors
    assert harvest.report(job) == {}  # nothing gathered: nothing withdrawn or updated
    assert _modified(names) == before
    assert all(not helpers.call_action("package_show", id=n)["private"] for n in names)


@harvest_test
@ALLOW_PRIVATE
def test_a_deep_but_allowed_answer_harvests(data_server):
    datasets = hdx_records()
    deep = "leaf"
    for _ in range(58):  # 58 + the envelope's {result: {results: [{dataset: 62 <= 64
        deep = [deep]
    datasets[0]["deep_extra"] = deep
    url = data_server.serve("/api/3/action/package_search", _search_page(datasets))
    assert safejson.depth(data_server.routes["/api/3/action/package_search"][2]) == 62
    harvest = Harvest(p.get_plugin("migration_ckan"), data_server.url)
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 3}, harvest.errors(job)
    assert data_server.hits["/api/3/action/package_search"] == 1, url


@harvest_test
@ALLOW_PRIVATE
def test_world_bank_gather_refuses_a_deep_answer(data_server):
    data_server.serve("/v2/indicator/SM.POP.TOTL", b"[" * 5000 + b"]" * 5000)
    harvest = Harvest(p.get_plugin("migration_worldbank"), data_server.url + "/v2",
                      {"indicators": ["SM.POP.TOTL"]})
    job, _ = harvest.run()
    errors = harvest.errors(job)
    assert len(errors) == 1 and errors[0].endswith(
        ": indicator SM.POP.TOTL: JSON nested deeper than 64 levels (refused; "
        "ckanext.migration.harvest.json_max_depth)"), errors
    assert helpers.call_action("package_search", q="*:*")["count"] == 0


@harvest_test
@ALLOW_PRIVATE
def test_idmc_fetch_refuses_a_deep_page_for_that_record_only(data_server):
    data_server.serve("/gidd/conflicts/", b'{"results": ' + b"{\"a\":" * 3000 + b"1"
                      + b"}" * 3000 + b"}")
    harvest = Harvest(p.get_plugin("migration_idmc"), data_server.url,
                      {"figure_types": ["conflicts"]})
    job, _ = harvest.run()
    errors = harvest.errors(job)
    assert len(errors) == 1 and errors[0].endswith(
        "GIDD conflicts page 1: JSON nested deeper than 64 levels (refused; "
        "ckanext.migration.harvest.json_max_depth)"), errors
    assert harvest.report(job) == {"errored": 1}
    assert helpers.call_action("package_search", q="*:*")["count"] == 0


# -- Turtle and JSON-LD catalogues: rdflib's parsers recurse too -----------------------------

@pytest.mark.parametrize("text,expected", [
    ('@prefix : <http://x/#a> . :a :p [ :q ( 1 2 [ :r "(((" ] ) ] .', 3),
    (':a :p """he said "[[" \\n """ ; :q \'(\' ; :r \'\'\'[[\'\'\' . # ((((', 0),
    ('<http://x/[(> :p :b\\( , [ :c [] ] .', 2),
])
def test_turtle_nesting_counts_blank_nodes_and_collections_only(text, expected):
    assert safejson.depth(text, syntax="turtle") == expected
    assert safejson.depth(text.encode(), syntax="turtle") == expected


DEEP_TURTLE = ("@prefix dcat: <http://www.w3.org/ns/dcat#> .\n<https://x.example/c> a "
               "dcat:Catalog ; dcat:p " + "[ dcat:p " * 50000 + "1" + " ]" * 50000 + " .\n")
DEEP_JSON_LD = ('{"@context": {"p": "http://x.example/p"}, "@id": "https://x.example/c", "p": '
                + '{"p": ' * 50000 + "1" + "}" * 50001)


@harvest_test
@ALLOW_PRIVATE
@pytest.mark.parametrize("bomb,content_type,what", [
    (DEEP_TURTLE, "text/turtle", "Turtle"), (DEEP_JSON_LD, "application/ld+json", "JSON"),
], ids=["turtle", "json-ld"])
def test_dcat_rdf_refuses_a_too_deep_catalogue_before_rdflib(data_server, bomb, content_type,
                                                             what):
    url = data_server.serve("/catalog", fixture_bytes("dcat", "dataset_datos.gob.es.ttl"),
                            headers={"Content-Type": "text/turtle"})
    h = Harvest(p.get_plugin("dcat_rdf_harvester"), url)
    job, _ = h.run()
    assert h.report(job) == {"added": 1}, h.errors(job)
    before = _modified([helpers.call_action("package_search", q="*:*")["results"][0]["name"]])

    data_server.serve("/catalog", bomb, headers={"Content-Type": content_type})
    job, _ = h.run()  # without the check, rdflib's RecursionError kills the gather consumer
    assert h.errors(job) == ["%s: %s nested deeper than 64 levels (refused; "
                             "ckanext.migration.harvest.json_max_depth)" % (url, what)]
    assert h.report(job) == {}
    assert _modified(list(before)) == before
