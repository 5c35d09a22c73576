"""Request parsing (request.py): parameters, local params, query parsers and syntax.

Pure parsers are checked on their output; query parsers against a known set of documents.
"""
import datetime as dt

import pytest

from ckanext.migration.searchservice.dates import UTC
from ckanext.migration.searchservice.errors import BadRequest
from ckanext.migration.searchservice.request import (
    FacetSpec, FieldList, Params, date_math, dismax_tokens, escape_dismax, field_path,
    parse_bound, parse_fl, parse_mm, parse_qf, parse_select, parse_sort,
    split_local_params, wildcard_regex)

from .conftest import make_doc

NOW = dt.datetime(2024, 2, 29, 13, 45, 10, 500000, tzinfo=UTC)


@pytest.fixture
def core(registry):
    return registry.get("ckan")


# -- parameters ----------------------------------------------------------------------
def test_params_last_value_lists_and_per_field_overrides():
    p = Params([("fq", "a"), ("fq", "b"), ("rows", "5"), ("facet.limit", "10"),
                ("f.tags.facet.limit", "3")])
    assert p.get("fq") == "b" and p.getlist("fq") == ["a", "b"]
    assert p.get("q") is None and p.get("q", "*:*") == "*:*" and p.getlist("q") == []
    assert p.int("rows", 10) == 5 and p.int("start", 0) == 0
    assert p.int("facet.limit", 100, field="tags") == 3
    assert p.int("facet.limit", 100, field="organization") == 10
    assert p.echo() == {"fq": ["a", "b"], "rows": "5", "facet.limit": "10",
                        "f.tags.facet.limit": "3"}
    with pytest.raises(BadRequest, match="Invalid integer for parameter 'rows'"):
        Params([("rows", "ten")]).int("rows", 10)


@pytest.mark.parametrize("text,expected", [
    ("{!dismax qf=title}migrants", ("dismax", {"qf": "title"}, "migrants")),
    ("{!type=bool must=a must_not='b c'}", ("bool", {"must": "a", "must_not": "b c"}, "")),
    ('{!lucene q.op=AND v="x y"}', ("lucene", {"q.op": "AND"}, "x y")),
    ("  {!q.op=AND}europe", ("lucene", {"q.op": "AND"}, "europe")),
    ("{!TERM f=organization}iom", ("term", {"f": "organization"}, "iom")),
    ("title:x", (None, {}, "title:x")),
])
def test_split_local_params(text, expected):
    assert split_local_params(text) == expected


@pytest.mark.parametrize("text,error", [("{!dismax qf=title", "unterminated local params"),
                                        ("{!dismax =x}y", "bad local params")])
def test_bad_local_params(text, error):
    with pytest.raises(BadRequest, match=error):
        split_local_params(text)


def test_parse_qf():
    assert parse_qf("title^2 text  notes^0.5") == [("title", 2.0), ("text", 1.0),
                                                  ("notes", 0.5)]
    assert parse_qf("") == [] and parse_qf(None) == []


@pytest.mark.parametrize("spec,n,expected", [
    ("2<-1 5<80%", 1, 1), ("2<-1 5<80%", 2, 2), ("2<-1 5<80%", 3, 2),
    ("2<-1 5<80%", 5, 4), ("2<-1 5<80%", 10, 8), ("100%", 4, 4), ("-1", 4, 3),
    ("1", 4, 1), ("-25%", 4, 3), (None, 3, 3),
])
def test_parse_mm(spec, n, expected):
    assert parse_mm(spec, n) == expected


def test_parse_mm_bounds_and_errors():
    assert parse_mm("2", 0) == 0 and parse_mm("7", 3) == 3 and parse_mm("-5", 3) == 0
    for bad in ("most", "2<x", "50%%"):
        with pytest.raises(BadRequest, match="Invalid 'mm' parameter"):
            parse_mm(bad, 3)


def test_dismax_tokens_and_escaping():
    assert dismax_tokens('+migrants -"labour migration" senegal (remittances') == \
        ["+migrants", '-"labour migration"', "senegal", "(remittances"]
    assert escape_dismax("a:b(c)^2~!/") == r"a\:b\(c\)\^2\~\!\/"
    assert escape_dismax("plain-word") == "plain-word"


@pytest.mark.parametrize("raw,lowercase,expected", [
    ("migr*", False, "migr.*"), ("i?m", False, "i.m"), (r"a\*b*", False, r"a\*b.*"),
    ("World-Bank*", True, "world-bank.*"), ("World-Bank*", False, "World-Bank.*"),
    (r"a\ b*", False, "a b.*"), ("x.y?", False, r"x\.y."),
])
def test_wildcard_regex(raw, lowercase, expected):
    assert wildcard_regex(raw, lowercase) == expected


def test_range_bounds_follow_the_field_type(core):
    resolve = core.doc_builder.resolve
    views, modified, name = (resolve(f)[0] for f in ("views_total", "metadata_modified",
                                                      "name"))
    assert parse_bound(views, "42") == 42 and parse_bound(views, " * ") is None
    assert parse_bound(modified, "2021-01-02T00:00:00Z") == 1609545600000
    assert parse_bound(modified, "2021-01-02T10:00:00Z/DAY") == 1609545600000
    assert parse_bound(name, r"ds\-2") == "ds-2"
    with pytest.raises(BadRequest, match="Invalid Number: x for field views_total"):
        parse_bound(views, "x")


# -- date math -----------------------------------------------------------------------
@pytest.mark.parametrize("expr,expected", [
    ("NOW", NOW),
    ("NOW/DAY", dt.datetime(2024, 2, 29, tzinfo=UTC)),
    ("NOW-1DAY", NOW - dt.timedelta(days=1)),
    ("NOW+1YEAR/DAY", dt.datetime(2025, 2, 28, tzinfo=UTC)),
    ("NOW/MONTH-1MONTH", dt.datetime(2024, 1, 1, tzinfo=UTC)),
    ("2020-01-01T00:00:00Z+6HOURS", dt.datetime(2020, 1, 1, 6, tzinfo=UTC)),
    ("2020-05-01", dt.datetime(2020, 5, 1, tzinfo=UTC)),
])
def test_date_math(expr, expected):
    assert date_math(expr, now=NOW) == expected


@pytest.mark.parametrize("unit,expected", [
    ("YEAR", (2024, 1, 1, 0, 0, 0, 0)), ("MONTH", (2024, 2, 1, 0, 0, 0, 0)),
    ("DAY", (2024, 2, 29, 0, 0, 0, 0)), ("HOUR", (2024, 2, 29, 13, 0, 0, 0)),
    ("MINUTE", (2024, 2, 29, 13, 45, 0, 0)), ("SECOND", (2024, 2, 29, 13, 45, 10, 0)),
    ("MILLI", (2024, 2, 29, 13, 45, 10, 500000)),
])
def test_date_math_rounds_every_unit(unit, expected):
    now = NOW.replace(microsecond=500600)
    assert date_math("NOW/" + unit, now=now) == dt.datetime(*expected, tzinfo=UTC)
    assert date_math("NOW+250MILLIS", now=NOW) == NOW + dt.timedelta(milliseconds=250)


@pytest.mark.parametrize("bad", ["NOW-1FORTNIGHT", "yesterday", "2020-13-01", "NOW+"])
def test_bad_dates_are_rejected(bad):
    with pytest.raises(BadRequest):
        date_math(bad, now=NOW)


# -- sort, fl, facets and the whole request ------------------------------------------
def test_parse_sort(core):
    assert parse_sort(core, "views_total desc, name asc") == [("views_total", True),
                                                              ("name", False)]
    assert parse_sort(core, "score DESC,") == [("score", True)]
    assert parse_sort(core, "") == parse_sort(core, None) == [("score", True)]
    for spec, error in (("views_total", "Can't determine a Sort Order"),
                        ("title asc", "can not sort on multivalued or tokenized field"),
                        ("tags asc", "can not sort on multivalued or tokenized field")):
        with pytest.raises(BadRequest, match=error):
            parse_sort(core, spec)


def test_parse_fl():
    assert parse_fl(None) == FieldList(False, True, frozenset(), ())
    assert parse_fl("id, name score vocab_*") == \
        FieldList(True, False, frozenset({"id", "name", "vocab_*"}), ("vocab_*",))
    assert parse_fl("*,score") == FieldList(True, True, frozenset(), ())


def test_parse_select(core):
    req = parse_select(core, Params([
        ("q", "*:*"), ("sort", "score desc, name asc"), ("start", "5"), ("rows", "3"),
        ("fl", "name"), ("facet", "true"), ("facet.field", "organization"),
        ("facet.field", "vocab_gcm"), ("f.organization.facet.limit", "2"),
        ("facet.sort", "index"), ("facet.mincount", "0")]))
    # a match-all query scores every document alike: score keys are dropped
    assert req.sort == [("name", False)]
    assert (req.start, req.rows, req.fl) == (5, 3, parse_fl("name"))
    gcm_path = field_path("vocab_gcm", core.doc_builder.resolve("vocab_gcm")[1])
    assert gcm_path != "vocab_gcm"
    assert req.facets == [FacetSpec("organization", "organization", "string", 2, 1, "index"),
                          FacetSpec("vocab_gcm", gcm_path, "string", 100, 1, "index")]
    req = parse_select(core, Params([("q", "migrants"), ("facet.limit", "0"),
                                     ("facet", "TRUE"), ("facet.field", "tags")]))
    assert req.sort == [("score", True)] and (req.start, req.rows) == (0, 10)
    assert req.facets == [FacetSpec("tags", "tags", "string", 0, 1, "index")]
    assert parse_select(core, Params([("facet.field", "tags")])).facets is None


@pytest.mark.parametrize("pairs,error", [
    ([("rows", "-1")], "'start' and 'rows' must not be negative"),
    ([("facet", "true"), ("facet.field", "notes")], "can not facet on tokenized"),
    ([("facet", "true"), ("facet.field", "data_dict")], "tokenized or unindexed field"),
    ([("q", "x"), ("defType", "dismax"), ("tie", "high")], "Invalid 'tie' parameter"),
    ([("q", "x"), ("defType", "dismax"), ("mm", "most")], "Invalid 'mm' parameter"),
    ([("q", "x"), ("defType", "frobnicate")], "Unknown query parser 'frobnicate'"),
    ([("q", "{!term}x")], "Unknown query parser 'term'"),
])
def test_bad_requests(core, pairs, error):
    with pytest.raises(BadRequest, match=error):
        parse_select(core, Params(pairs))


# -- query parsers against documents -------------------------------------------------


@pytest.fixture
def corpus(solr):
    solr.add([
        make_doc(1, title="Migrants in Europe", notes="Stocks of international migrants",
                 tags=["migration", "europe"], views_total=10,
                 res_format=["CSV"], organization="eurostat"),
        make_doc(2, title="Remittances to Senegal", notes="Personal remittances received",
                 tags=["remittances", "africa"], views_total=20,
                 res_format=["XLSX", "CSV"], organization="world-bank"),
        make_doc(3, title="Missing migrant deaths", notes="Deaths on migratory routes",
                 tags=["missing migrants"], views_total=30, res_format=["JSON"],
                 organization="iom", extras_source_type="NGO monitoring"),
        make_doc(4, title="Refugee population statistics", notes="Refugees by country",
                 tags=["refugees"], views_total=40, state="draft", organization="unhcr",
                 vocab_gcm=["1", "23"]),
        make_doc(5, title="Café workers survey", notes="Labour migration survey N=1,000",
                 tags=["labour migration"], views_total=50, organization="ilo",
                 vocab_gcm=["6"]),
    ])
    return solr


def test_stemming_finds_singular_from_plural(corpus):
    assert corpus.names(q="text:migrants", sort="name asc") == ["ds-1", "ds-3"]
    assert corpus.names(q="migrant", defType="dismax", qf="text", sort="name asc") == \
        ["ds-1", "ds-3"]


def test_ascii_folding(corpus):
    assert corpus.names(q="title:cafe") == ["ds-5"]


def test_stop_words_are_ignored_in_dismax(corpus):
    assert corpus.names(q="deaths on the routes", defType="dismax", qf="text",
                        mm="2<-1 5<80%") == ["ds-3"]


def test_string_fields_match_exactly(corpus):
    assert corpus.names(q='tags:"missing migrants"') == ["ds-3"]
    assert corpus.names(q="tags:missing") == []
    assert corpus.names(q="organization:IOM") == []


def test_q_op_and_versus_or(corpus):
    assert corpus.names(q="text:europe text:senegal", **{"q.op": "AND"}) == []
    assert corpus.names(q="text:europe text:senegal", sort="name asc",
                        **{"q.op": "OR"}) == ["ds-1", "ds-2"]


def test_boolean_groups_and_negation(corpus):
    assert corpus.names(q="(tags:europe OR tags:africa) AND -organization:eurostat") == ["ds-2"]
    assert corpus.names(q="-state:active") == ["ds-4"]
    assert corpus.names(q="*:*", fq=["-tags:refugees", "-tags:europe", "-tags:africa",
                                     "-tags:\"missing migrants\""]) == ["ds-5"]


def test_field_group_and_plus(corpus):
    assert corpus.names(q='+organization:("iom" OR "ilo")', sort="name asc") == ["ds-3", "ds-5"]


def test_wildcards(corpus):
    assert corpus.names(q="organization:world*") == ["ds-2"]
    assert corpus.names(q="title:migr*", sort="name asc") == ["ds-1", "ds-3"]
    assert corpus.names(q="organization:i?m") == ["ds-3"]
    assert corpus.names(q="vocab_gcm:*", sort="name asc") == ["ds-4", "ds-5"]
    assert corpus.names(q="extras_source_type:*") == ["ds-3"]


def test_ranges(corpus):
    assert corpus.names(q="views_total:[20 TO 40]", sort="name asc") == ["ds-2", "ds-3", "ds-4"]
    assert corpus.names(q="views_total:{20 TO 40]", sort="name asc") == ["ds-3", "ds-4"]
    assert corpus.names(q="views_total:[45 TO *]") == ["ds-5"]
    assert corpus.names(q="metadata_modified:[2021-01-04T00:00:00Z TO NOW]",
                        sort="name asc") == ["ds-3", "ds-4", "ds-5"]
    assert corpus.names(q="metadata_modified:[* TO 2021-01-02T00:00:00Z}") == []
    assert corpus.names(q="metadata_modified:[NOW-100YEARS TO NOW/DAY+1DAY]", rows=0) == []
    assert corpus.select(q="metadata_modified:[NOW-100YEARS TO NOW/DAY+1DAY]")[
        "response"]["numFound"] == 5
    assert corpus.names(q="name:[ds-2 TO ds-3]", sort="name asc") == ["ds-2", "ds-3"]


def test_phrases_and_proximity(corpus):
    assert corpus.names(q='notes:"international migrants"') == ["ds-1"]
    assert corpus.names(q='notes:"migrants international"') == []
    assert corpus.names(q='notes:"stocks migrants"~2') == ["ds-1"]


def test_fuzzy(corpus):
    assert corpus.names(q="organization:eurostot~1") == ["ds-1"]
    assert corpus.names(q="organization:eurostot~0") == []
    # multi-term queries are lowercased, not stemmed: "deaht" is one swap from "death"
    assert corpus.names(q="title:DEAHT~1") == ["ds-3"]


def test_dynamic_fields(corpus):
    assert corpus.names(q="vocab_gcm:23") == ["ds-4"]
    assert corpus.names(q='extras_source_type:"ngo monitoring"') == ["ds-3"]
    assert corpus.names(q="extras_source_type:monitor") == ["ds-3"]


def test_dismax_qf_boosts_rank(corpus):
    names = corpus.names(q="migration", defType="dismax", qf="tags^10 text", fl="name")
    assert names[0] == "ds-1"  # exact tag match boosted above text matches
    assert set(names) == {"ds-1", "ds-5"}


def test_dismax_mm(corpus):
    # 3 optional clauses with "2<-1": all but one must match
    assert corpus.names(q="europe senegal remittances", defType="dismax", qf="text",
                        mm="2<-1 5<80%") == ["ds-2"]
    assert corpus.names(q="europe senegal remittances", defType="dismax", qf="text",
                        mm="1", sort="name asc") == ["ds-1", "ds-2"]


def test_dismax_plus_minus_and_quotes(corpus):
    assert corpus.names(q='migrants -europe', defType="dismax", qf="text") == ["ds-3"]
    assert corpus.names(q='"personal remittances"', defType="dismax", qf="notes") == ["ds-2"]


def test_dismax_takes_lucene_syntax_literally(corpus):
    assert corpus.names(q="senegal (remittances", defType="dismax", qf="text") == ["ds-2"]


def test_edismax_mixes_fielded_and_free_text(corpus):
    assert corpus.names(q="migrants AND organization:iom", defType="edismax",
                        qf="title^2 text") == ["ds-3"]


def test_df_is_the_default_field(corpus):
    assert corpus.names(q="senegal", df="title") == ["ds-2"]
    assert corpus.names(q="received", df="title") == []


@pytest.mark.parametrize("q", ["title:(foo", "title:[1 TO", "views_total:abc",
                               "unknown(field:", "metadata_modified:[NOW-1FORTNIGHT TO *]"])
def test_bad_queries_answer_400_with_solr_error_body(corpus, q):
    r = corpus.select_raw(q=q)
    assert r.status_code == 400
    body = r.get_json()
    assert body["error"]["code"] == 400
    assert body["error"]["msg"]
    # the service still answers and lost nothing
    assert corpus.select(q="*:*")["response"]["numFound"] == 5


def test_bad_filter_answers_400(corpus):
    r = corpus.select_raw(q="*:*", fq="views_total:[x TO y]")
    assert r.status_code == 400
    assert "Invalid Number" in r.get_json()["error"]["msg"]


def test_local_params(corpus):
    assert corpus.names(q="{!bool must=remittances}", df="text") == ["ds-2"]
    assert corpus.names(q="{!type=bool must=remittances must_not=senegal}") == []
    assert corpus.names(q="*:*", fq="{!lucene q.op=AND}europe senegal") == []
    assert corpus.names(q="*:*", fq="{!lucene q.op=OR}europe senegal", sort="name asc") == \
        ["ds-1", "ds-2"]
    assert corpus.names(q="{!dismax qf=title}migrants europe") == ["ds-1"]
    assert corpus.names(q="{!term f=organization}iom") == ["ds-3"]
    r = corpus.select_raw(q="{!frobnicate}x")
    assert r.status_code == 400 and "Unknown query parser" in r.get_json()["error"]["msg"]


def scores(solr, **params):
    docs = solr.select(fl="name,score", rows=100, **params)["response"]["docs"]
    return {d["name"]: d["score"] for d in docs}


def test_tie_adds_the_other_fields_scores(corpus):
    # ds-1 matches "migrants" in title and notes, ds-3 in its title only
    params = dict(q="migrants", defType="dismax", qf="title notes")
    max_only, summed = scores(corpus, tie="0", **params), scores(corpus, tie="1", **params)
    title, notes = (scores(corpus, q="%s:migrants" % f) for f in ("title", "notes"))
    assert set(max_only) == set(summed) == {"ds-1", "ds-3"}
    assert max_only["ds-1"] == pytest.approx(max(title["ds-1"], notes["ds-1"]))
    assert summed["ds-1"] == pytest.approx(title["ds-1"] + notes["ds-1"])
    assert summed["ds-3"] == pytest.approx(max_only["ds-3"]) == pytest.approx(title["ds-3"])


def test_def_types(corpus):
    assert corpus.names(q="title:senegal", defType="standard") == ["ds-2"]
    # dismax reads "title:senegal" as two words of the qf fields
    assert corpus.names(q="title:senegal", defType="dismax", qf="notes") == []
    assert corpus.names(q="title:senegal", defType="edismax", qf="notes") == ["ds-2"]
    assert len(corpus.names(q="*:*", defType="dismax", qf="notes")) == 5
    # edismax takes free text across qf, unlike lucene's single default field
    assert corpus.names(q="senegal", defType="edismax", qf="notes title") == ["ds-2"]
    assert corpus.names(q="senegal", df="notes") == []


@pytest.mark.parametrize("q,error", [
    ("views_total:1*", "wildcard queries need a string or text field"),
    ("vocab_gcm:2*", "wildcard queries are not supported on dynamic field"),
    ("views_total:>5", "open range syntax"),
    ('name:["a b" TO c]', "must be plain words"),
])
def test_unsupported_wildcards_and_ranges_are_clear_errors(corpus, q, error):
    r = corpus.select_raw(q=q)
    assert r.status_code == 400 and error in r.get_json()["error"]["msg"]
