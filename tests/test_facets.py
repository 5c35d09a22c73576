"""Facets and filters on the migration fields, through package_search and the real index."""
import datetime as dt

import pytest

from ckan.tests import helpers

from .factories import create_catalogue, dataset

pytestmark = pytest.mark.usefixtures("with_plugins", "migration_db")


@pytest.fixture
def catalogue():
    specs = [
        dict(name="aa", countries=["SEN", "MLI"], gcm_objectives=["1", "20"],
             topics=["remittances"], creator=[{"name": "World Bank"}],
             source_type="survey", frequency="ANNUAL", modified="2000-01-01"),
        dict(name="bb", countries=["SEN"], gcm_objectives=["1"], topics=["migration_flows"],
             creator=[{"name": "Eurostat"}], source_type="administrative_records",
             disaggregation=["sex"], frequency="NEVER"),
        dict(name="cc", countries=["DEU"], gcm_objectives=["8"], topics=["missing_migrants"],
             creator=[{"name": "IOM"}], source_type="ngo_monitoring",
             population_covered=["missing_migrants"], disaggregation=["sex", "age"],
             modified=dt.date.today().isoformat()),
        dict(name="dd", countries=["MEX"], gcm_objectives=["1"], regions=["150"],
             topics=["remittances"], creator=[{"name": "World Bank"}],
             source_type="survey", sample_size=None, caveats="", caveat_flags=[]),
    ]
    return create_catalogue(specs)


def search(**params):
    return helpers.call_action("package_search", **params)


def items(result, field):
    return {i["name"]: (i["count"], i["display_name"])
            for i in result["search_facets"][field]["items"]}


def test_facet_counts_and_labels(catalogue):
    result = search(**{"facet.field": '["countries", "gcm_objectives", "topics", "producer",'
                                      ' "source_type", "disaggregation", "regions",'
                                      ' "population_covered", "freshness", "res_format"]'})
    assert result["count"] == 4
    assert items(result, "countries") == {
        "SEN": (2, "Senegal"), "MLI": (1, "Mali"), "DEU": (1, "Germany"), "MEX": (1, "Mexico")}
    gcm = items(result, "gcm_objectives")
    assert gcm["1"][0] == 3 and gcm["20"][0] == 1 and gcm["8"][0] == 1
    assert gcm["8"][1].startswith("8. ")
    assert items(result, "topics") == {"remittances": (2, "Remittances"),
                                       "migration_flows": (1, "Migration flows"),
                                       "missing_migrants": (1, "Missing migrants")}
    assert items(result, "producer") == {"World Bank": (2, "World Bank"),
                                         "Eurostat": (1, "Eurostat"), "IOM": (1, "IOM")}
    assert items(result, "source_type")["survey"][0] == 2
    # aa and dd keep the factory's sex, age, citizenship
    assert {k: v[0] for k, v in items(result, "disaggregation").items()} == {
        "sex": 4, "age": 3, "citizenship": 2}
    assert items(result, "res_format") == {"CSV": (4, "CSV")}
    regions = items(result, "regions")
    # SEN and MLI are in Western Africa (011) < Sub-Saharan Africa (202) < Africa (002)
    assert regions["002"][0] == 2 and regions["011"][0] == 2
    assert regions["150"][0] == 2  # DEU (Europe) and d's explicit region
    assert regions["002"][1] == "Africa"
    freshness = items(result, "freshness")
    assert {k: v[0] for k, v in freshness.items()} == {
        "fresh": 1, "delinquent": 2, "not_applicable": 1}
    assert freshness["fresh"][1] == "Fresh"


def test_filter_by_objective_with_country_facet(catalogue):
    result = search(fq="gcm_objectives:1", **{"facet.field": '["countries"]'})
    assert sorted(r["name"] for r in result["results"]) == ["aa", "bb", "dd"]
    assert {k: v[0] for k, v in items(result, "countries").items()} == {
        "SEN": 2, "MLI": 1, "MEX": 1}


def test_region_filter_finds_countries_of_the_region(catalogue):
    assert sorted(r["name"] for r in search(fq="regions:202")["results"]) == ["aa", "bb"]
    assert sorted(r["name"] for r in search(fq="regions:419")["results"]) == ["dd"]


def test_free_text_finds_labels(catalogue):
    assert [r["name"] for r in search(q="Mali")["results"]] == ["aa"]
    assert [r["name"] for r in search(q="Mexico")["results"]] == ["dd"]
    assert [r["name"] for r in search(q="Latin America")["results"]] == ["dd"]
    assert sorted(r["name"] for r in search(q="remittances")["results"]) == ["aa", "dd"]


def test_sort_and_filter_on_transparency_and_freshness(catalogue):
    result = search(sort="transparency_score asc, name asc")
    names = [r["name"] for r in result["results"]]
    assert names[0] == "dd"  # no sample size, no caveats
    assert result["results"][0]["transparency_score"] < 100
    assert [r["name"] for r in search(fq="freshness:not_applicable")["results"]] == ["bb"]
    assert [r["name"] for r in search(fq="transparency_score:[0 TO 90]")["results"]] == ["dd"]


def test_search_page_shows_facets_with_labels(app, catalogue):
    body = app.get("/dataset/").body
    for title in ("Countries", "GCM objectives", "Topics", "Producers", "Freshness"):
        assert title in body
    assert "Senegal" in body and "Missing migrants" in body


EU_LANG = "http://publications.europa.eu/resource/authority/language/"


@pytest.fixture
def languages():
    """Datasets in English, French, French and Arabic (as URIs, codes and names), one private."""
    context = create_catalogue([
        dict(name="l1", language=[EU_LANG + "ENG"]),
        dict(name="l2", language=[EU_LANG + "FRA", EU_LANG + "ENG"]),
        dict(name="l3", language=["fr"]),
        dict(name="l4", language=["Arabic"]),
    ])
    org = helpers.call_action("organization_show", id="catalogue")
    helpers.call_action("package_create", context=dict(context), **dataset(
        name="l5", title="Private in Spanish", owner_org=org["id"], private=True,
        language=[EU_LANG + "SPA"]))


def test_language_facet_counts_and_filter(languages):
    result = search(**{"facet.field": '["language"]'})
    assert items(result, "language") == {
        "FRA": (2, "French"), "ENG": (2, "English"), "ARA": (1, "Arabic")}
    assert sorted(r["name"] for r in search(fq="language:FRA")["results"]) == ["l2", "l3"]
    assert [r["name"] for r in search(fq="language:ARA")["results"]] == ["l4"]
    # the stored value stays as given
    assert helpers.call_action("package_show", id="l3")["language"] == ["fr"]


def test_language_facet_private_dataset_counted_for_its_organization_only(app, languages):
    from ckan.tests import factories
    assert "SPA" not in items(search(**{"facet.field": '["language"]'}), "language")
    body = app.get("/dataset/").body
    assert "Languages" in body and "Spanish" not in body
    admin = factories.Sysadmin()
    result = helpers.call_action("package_search", context={"user": admin["name"]},
                                 include_private=True, **{"facet.field": '["language"]'})
    assert items(result, "language")["SPA"] == (1, "Spanish")


def test_language_facet_labels_in_the_visitors_language(app, languages):
    body = app.get("/fr/dataset/").body
    assert "Français" in body and "Anglais" in body and "Arabe" in body
    body = app.get("/ar/dataset/?language=FRA").body
    assert "الفرنسية" in body
