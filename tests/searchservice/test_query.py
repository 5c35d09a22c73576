"""Query parsing: lucene, dismax and edismax against a known set of documents."""
import pytest

from ckanext.migration.searchservice.syntax import parse_mm

from .conftest import make_doc


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


@pytest.mark.parametrize("spec,n,expected", [
    ("2<-1 5<80%", 1, 1), ("2<-1 5<80%", 2, 2), ("2<-1 5<80%", 3, 2),
    ("2<-1 5<80%", 5, 4), ("2<-1 5<80%", 10, 8), ("100%", 4, 4), ("-1", 4, 3),
    ("1", 4, 1), ("-25%", 4, 3), (None, 3, 3),
])
def test_parse_mm(spec, n, expected):
    assert parse_mm(spec, n) == expected


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
