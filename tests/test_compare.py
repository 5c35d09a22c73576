"""Competing figures side by side: other sources of a dataset (twins, and datasets of other
producers on the same countries, population, topic and period), migration_compare and
/compare; private datasets never shown to those who may not see them."""
import pytest
from bs4 import BeautifulSoup

from ckan.tests import factories, helpers

from ckanext.migration import compare

from .factories import create_catalogue

pytestmark = pytest.mark.usefixtures("with_plugins", "migration_db")

UNHCR = [{"name": "UNHCR"}]
# each spec changes tests/factories.py's FULL: Eurostat, SEN/DEU/FRA, asylum seekers,
# forced displacement and migration flows, 2008-2024
SPECS = [
    dict(name="base"),
    # other producers, comparable: one country in common, a closed period inside ours
    dict(name="unhcr-france", creator=UNHCR, countries=["FRA"],
         temporal_coverage=[{"start": "2020", "end": "2021"}], definitions="Persons who applied",
         unit_of_observation="persons", sample_size="", caveat_flags=[]),
    # three countries in common, a period still running: ranked before the one above
    dict(name="iom-ongoing", creator=[{"name": "IOM"}],
         temporal_coverage=[{"start": "2023-05-01"}]),
    # not comparable
    dict(name="eurostat-again", countries=["FRA"]),
    dict(name="unhcr-nineties", creator=UNHCR,
         temporal_coverage=[{"start": "1990", "end": "2007-12"}]),
    dict(name="unhcr-usa", creator=UNHCR, countries=["USA"]),
    dict(name="unhcr-refugees", creator=UNHCR, population_covered=["refugees"]),
    dict(name="unhcr-remittances", creator=UNHCR, topics=["remittances"]),
    # a twin (same producer, another platform) linked from its side only
    dict(name="mirror-of-base", also_published_by=["base"], source_platform="Mirror"),
    # comparable, but private to the organisation "catalogue"
    dict(name="secret-match", creator=[{"name": "Ministry"}], private=True),
]


@pytest.fixture
def catalogue():
    return create_catalogue(SPECS)


def _names(datasets):
    return [d["name"] for d in datasets]


def _others(user=""):
    pkg = helpers.call_action("package_show", id="base")
    return compare.other_sources(pkg, {"user": user})


def test_twins_first_then_other_producers_sharing_most(catalogue):
    others = _others()
    assert _names(others) == ["mirror-of-base", "iom-ongoing", "unhcr-france"]
    assert [d["compare_reason"] for d in others] == ["twin", "match", "match"]


def test_the_twin_finds_the_original_from_its_own_list():
    create_catalogue([dict(name="base"), dict(name="mirror-of-base", also_published_by=["base"],
                                               creator=UNHCR, countries=["USA"])])
    pkg = helpers.call_action("package_show", id="mirror-of-base")
    assert _names(compare.other_sources(pkg, {"user": ""})) == ["base"]


def test_a_longer_name_containing_the_dataset_name_is_no_twin():
    # "base" is a phrase inside "base-copy"'s twin list: found by the search, then dropped
    create_catalogue([dict(name="base"), dict(name="other", creator=UNHCR, countries=["USA"],
                                              also_published_by=["base-copy"])])
    pkg = helpers.call_action("package_show", id="base")
    assert compare.other_sources(pkg, {"user": ""}) == []


def test_without_a_period_only_twins_are_other_sources():
    create_catalogue([dict(name="base", temporal_coverage=[]),
                      dict(name="unhcr", creator=UNHCR)])
    pkg = helpers.call_action("package_show", id="base")
    assert compare.other_sources(pkg, {"user": ""}) == []


def test_private_dataset_shown_to_its_organisation_only(catalogue):
    assert "secret-match" not in _names(_others(""))
    stranger = factories.User()
    assert "secret-match" not in _names(_others(stranger["name"]))
    member = factories.User()
    helpers.call_action("organization_member_create", context={"ignore_auth": True},
                        id="catalogue", username=member["name"], role="member")
    assert "secret-match" in _names(_others(member["name"]))


def test_period_dates_are_indexed():
    assert compare.index_fields({"temporal_coverage": [
        {"start": "2008", "end": "2010-02"}, {"start": "2012-03-04", "end": "2020"}]}) == {
        "period_start_date": "2008-01-01T00:00:00Z", "period_end_date": "2020-12-31T23:59:59Z"}
    # a period still running has no end; none without a start
    assert compare.index_fields({"temporal_coverage": [{"start": "2015"}, {"end": "2016"}]}) \
        == {"period_start_date": "2015-01-01T00:00:00Z", "period_end_date": None}
    assert compare.period_bounds([{"end": "2016"}]) == (None, None)


def test_compare_rows_and_differences(catalogue):
    result = helpers.call_action("migration_compare", ids="base,unhcr-france")
    base, unhcr = result["datasets"]
    assert (base["name"], unhcr["name"]) == ("base", "unhcr-france")
    assert base["producer"] == ["Eurostat"] and unhcr["producer"] == ["UNHCR"]
    assert unhcr["definitions"] == "Persons who applied"
    assert unhcr["period"] == [{"start": "2020", "end": "2021"}]
    assert unhcr["unit_of_observation"] == {"code": "persons", "label": "Persons"}
    assert base["sample_size"] == 1000 and unhcr["sample_size"] is None
    assert base["last_updated"] == "2025-03-01"
    assert base["transparency_score"] == 100 and unhcr["transparency_score"] < 100
    assert base["caveat_flags"][0]["code"] == "provisional_figures"
    assert base["caveat_flags"][0]["label"]
    assert set(result["differs"]) >= {"producer", "definitions", "period",
                                      "unit_of_observation", "sample_size", "caveats"}
    assert "freshness" not in result["differs"]
    assert result["not_found"] == []


def test_compare_in_the_visitors_language(catalogue):
    result = helpers.call_action("migration_compare", ids=["unhcr-france"], lang="fr")
    assert result["datasets"][0]["unit_of_observation"]["label"] == "Personnes"


@pytest.mark.parametrize("ids", ["secret-match", "no-such-dataset"])
def test_private_and_unknown_are_the_same_not_found(catalogue, ids):
    stranger = factories.User()
    for user in ("", stranger["name"]):
        result = helpers.call_action("migration_compare", context={"user": user},
                                     ids=["base", ids])
        assert _names(result["datasets"]) == ["base"]
        assert result["not_found"] == [ids]


def test_member_compares_the_private_dataset(catalogue):
    member = factories.User()
    helpers.call_action("organization_member_create", context={"ignore_auth": True},
                        id="catalogue", username=member["name"], role="member")
    result = helpers.call_action("migration_compare", context={"user": member["name"]},
                                 ids="base,secret-match")
    assert _names(result["datasets"]) == ["base", "secret-match"]


@pytest.mark.parametrize("ids,message", [
    ("", "Pick at least one dataset"),
    (" , ,", "Pick at least one dataset"),
    ("a,b,c,d,e,f,g", "Too many datasets: 7 given, at most 6"),
    ("base,<script>", "Not a dataset name or id: '<script>'"),
    ({"a": 1}, "as a list or separated by commas"),
    ([1, 2], "Not a dataset name or id: '1', '2'"),
])
def test_bad_ids_are_clear_errors(ids, message):
    with pytest.raises(helpers.logic.ValidationError) as e:
        helpers.call_action("migration_compare", ids=ids)
    assert message in e.value.error_dict["ids"][0]


def test_compare_page(app, catalogue):
    page = BeautifulSoup(app.get("/compare", query_string=[
        ("ids", "base"), ("ids", "unhcr-france"), ("ids", "secret-match")]).body, "html.parser")
    table = page.select_one("table.migration-compare-table")
    assert table.caption.get_text(strip=True)
    heads = [th.get_text(" ", strip=True) for th in table.select("thead th[scope=col]")]
    assert heads[1:] == ["Dataset base", "Dataset unhcr-france"]
    row_heads = [th for th in table.select("tbody th[scope=row]")]
    assert len(row_heads) == len(compare.FIELDS)
    period = table.select_one("tr.migration-compare-period")
    assert "migration-differs" in period["class"]
    assert [td.get_text(strip=True) for td in period.select("td")] == ["2008–2024", "2020–2021"]
    # the private dataset is "not found", like a missing one
    assert "No dataset found for: secret-match" in page.get_text(" ", strip=True)
    assert "Dataset secret-match" not in page.get_text()


def test_compare_page_empty_state_and_bad_input(app):
    empty = app.get("/compare")
    assert empty.status_code == 200
    assert "Compare selected" in empty.body and "migration-compare-table" not in empty.body
    bad = app.get("/compare?ids=" + ",".join("d%d" % i for i in range(8)))
    assert bad.status_code == 400
    assert "Too many datasets: 8 given, at most 6" in bad.body


def test_dataset_page_other_sources(app, catalogue):
    page = BeautifulSoup(app.get("/dataset/base").body, "html.parser")
    section = page.select_one("section.migration-other-sources")
    assert section.h2.get_text(strip=True) == "Other sources for this"
    heads = [a.get_text(strip=True) for a in section.select("thead th a")]
    assert heads == ["Dataset base", "Dataset mirror-of-base", "Dataset iom-ongoing",
                     "Dataset unhcr-france"]
    assert "secret-match" not in str(section)
    link = section.select_one("a.migration-compare-all")["href"]
    assert link == "/compare?ids=base,mirror-of-base,iom-ongoing,unhcr-france"
    # no other source: no section
    alone = app.get("/dataset/unhcr-usa").body
    assert "migration-other-sources" not in alone


def test_search_results_have_compare_checkboxes(app, catalogue):
    page = BeautifulSoup(app.get("/dataset/").body, "html.parser")
    form = page.select_one("form#migration-compare-form")
    assert form["action"] == "/compare" and form["method"] == "get"
    boxes = page.select("input[type=checkbox][form=migration-compare-form]")
    assert {b["value"] for b in boxes} >= {"base", "unhcr-france"}
    assert all(b["name"] == "ids" for b in boxes)


def test_definition_terms_from_the_glossary():
    from ckanext.migration import glossary
    term = glossary.describe(["international-migrant-un"], "fr")[0]
    [row] = compare.rows([{"name": "x", "definitions": "Foreign-born",
                           "definition_terms": ["international-migrant-un", "unknown-code"]}],
                         "fr")
    assert row["definitions"] == "Foreign-born"
    assert row["definition_terms"] == [{
        "code": "international-migrant-un", "definition": term["definition"],
        "label": "Migrant international (%s)" % term["agency_label"], "url": term["url"]}]
