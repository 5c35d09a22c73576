"""The front door's actions: counts from the index, public datasets only, clear errors."""
import datetime as dt

import pytest

from ckan.tests import helpers

from ..factories import create_catalogue

pytestmark = pytest.mark.usefixtures("with_plugins", "migration_db")


@pytest.fixture
def catalogue():
    """Five public datasets and one private one that must change no count."""
    specs = [
        dict(name="sen-mli", countries=["SEN", "MLI"], gcm_objectives=["1", "20"],
             topics=["remittances"], creator=[{"name": "World Bank"}], frequency="ANNUAL",
             modified="2000-01-01"),
        dict(name="sen", countries=["SEN"], gcm_objectives=["1"], topics=["migration_flows"],
             creator=[{"name": "Eurostat"}]),
        dict(name="deu", countries=["DEU"], gcm_objectives=["8"], topics=["missing_migrants"],
             creator=[{"name": "IOM"}]),
        dict(name="africa", countries=[], regions=["002"], gcm_objectives=["2"],
             creator=[{"name": "UNHCR"}]),
        dict(name="world", countries=[], regions=["001"], gcm_objectives=["23"],
             creator=[{"name": "UN DESA"}]),
        dict(name="secret", countries=["SEN", "NER"], gcm_objectives=["1", "7"],
             creator=[{"name": "Ministry"}], private=True),
    ]
    # fresh (monthly updates) unless a spec says otherwise
    return create_catalogue(specs, modified=dt.date.today().isoformat())


def test_overview_counts_public_datasets_only(catalogue):
    o = helpers.call_action("migration_overview")
    assert o["count"] == 5
    assert o["producers"] == 5          # the private dataset's "Ministry" is not counted
    assert o["by_country"] == {"SEN": 2, "MLI": 1, "DEU": 1}
    assert "NER" not in o["by_country"]
    assert o["countries_covered"] == 3
    assert o["by_objective"]["1"] == 2 and o["by_objective"]["7"] == 0
    assert len(o["by_objective"]) == 23
    assert o["top_objectives"]["SEN"] == ["1", "20"]
    assert o["by_freshness"] == {"fresh": 4, "due": 0, "overdue": 0, "delinquent": 1,
                                 "not_applicable": 0, "unknown": 0}
    assert {d["name"] for d in o["recent"]} <= {"sen-mli", "sen", "deu", "africa", "world"}
    assert o["last_harvest"] is None


def test_country_lists_datasets_covering_it_directly_or_through_a_region(catalogue):
    c = helpers.call_action("migration_country_show", id="SEN")
    names = {d["name"]: d["direct"] for d in c["datasets"]}
    assert names == {"sen-mli": True, "sen": True, "africa": False, "world": False}
    assert c["count"] == 4
    assert [r["code"] for r in c["regions"]] == ["011", "202", "002"]
    assert c["by_objective"] == {"1": 2, "20": 1, "2": 1, "23": 1}
    assert [d["name"] for d in c["objectives"]["1"]] and \
        {d["name"] for d in c["objectives"]["1"]} == {"sen-mli", "sen"}
    assert c["objectives"]["7"] == []        # only the private dataset informs 7 for SEN
    assert c["by_producer"] == {"World Bank": 1, "Eurostat": 1, "UNHCR": 1, "UN DESA": 1}
    # Germany is not in Africa: the Africa-wide dataset is not listed there
    deu = helpers.call_action("migration_country_show", id="DEU")
    assert {d["name"] for d in deu["datasets"]} == {"deu", "world"}


@pytest.mark.parametrize("value,suggestion", [
    ("Senegl", "SEN"), ("SENN", "SEN"), ("senegal", "SEN"), ("SN", "SEN"), ("XYZ", None)])
def test_unknown_country_suggests_the_right_one(catalogue, value, suggestion):
    with pytest.raises(helpers.logic.NotFound) as e:
        helpers.call_action("migration_country_show", id=value)
    assert "use an ISO 3166-1 alpha-3 code" in str(e.value)
    if suggestion:
        assert "did you mean %s?" % suggestion in str(e.value)
    else:
        assert "did you mean" not in str(e.value)


def test_objective_counts_by_country_region_and_producer(catalogue):
    o = helpers.call_action("migration_objective_show", id="1")
    assert o["title"].startswith("Objective 1: Collect and utilize accurate")
    assert o["count"] == 2
    assert o["by_country"] == {"SEN": 2, "MLI": 1}
    assert o["by_producer"] == {"World Bank": 1, "Eurostat": 1}
    assert o["by_region"]["002"] == 2


@pytest.mark.parametrize("value,suggestion", [("24", None), ("remittances", "20"),
                                              ("objective 8x", "8")])
def test_unknown_objective(catalogue, value, suggestion):
    with pytest.raises(helpers.logic.NotFound) as e:
        helpers.call_action("migration_objective_show", id=value)
    assert "objectives are numbered 1 to 23" in str(e.value)
    assert ("did you mean %s?" % suggestion in str(e.value)) if suggestion \
        else "did you mean" not in str(e.value)


def test_coverage_matrix_counts_and_gaps(catalogue):
    cov = helpers.call_action("migration_coverage")
    rows = {r["iso3"]: r for r in cov["rows"]}
    assert len(rows) == 249
    assert rows["SEN"]["cells"]["1"] == 1 + 1 and rows["SEN"]["cells"]["20"] == 1
    assert rows["SEN"]["cells"]["7"] == 0          # private dataset not counted
    assert rows["NER"]["covered"] == 0
    assert rows["SEN"]["covered"] == 2
    assert cov["empty_cells"] == cov["cells"] - 5  # SEN:1, SEN:20, MLI:1, MLI:20, DEU:8
    totals = {o["code"]: o["total"] for o in cov["objectives"]}
    assert totals["1"] == 2 and totals["8"] == 1 and totals["7"] == 0
    assert rows["SEN"]["region_label"] == "Africa"


def test_coverage_filters(catalogue):
    africa = helpers.call_action("migration_coverage", region="002")
    assert {r["iso3"] for r in africa["rows"]} >= {"SEN", "MLI"}
    assert "DEU" not in {r["iso3"] for r in africa["rows"]}
    eurostat = helpers.call_action("migration_coverage", producer="Eurostat")
    rows = {r["iso3"]: r for r in eurostat["rows"]}
    assert rows["SEN"]["cells"]["1"] == 1 and rows["MLI"]["cells"]["1"] == 0
    delinquent = helpers.call_action("migration_coverage", freshness="delinquent")
    assert {r["iso3"] for r in delinquent["rows"] if r["covered"]} == {"SEN", "MLI"}


@pytest.mark.parametrize("params,field,message", [
    ({"region": "999"}, "region", "'999' is not a UN M49 region code"),
    ({"freshness": "stale"}, "freshness", "'stale' is not one of: fresh, due"),
    ({"min_score": "high"}, "min_score", "must be a whole number from 0 to 100, got 'high'"),
    ({"min_score": "101"}, "min_score", "must be a whole number from 0 to 100"),
])
def test_coverage_bad_filters_are_field_errors(catalogue, params, field, message):
    with pytest.raises(helpers.logic.ValidationError) as e:
        helpers.call_action("migration_coverage", **params)
    assert message in " ".join(e.value.error_dict[field])


def test_home_search_sorted_by_views_sorts_by_modification_without_tracking(catalogue):
    result = helpers.call_action("package_search", sort="view_recent desc", rows=5)
    modified = [d["metadata_modified"] for d in result["results"]]
    assert modified == sorted(modified, reverse=True) and len(modified) == 5


def _views(package):
    return {r["format"]: sorted(v["view_type"] for v in helpers.call_action(
        "resource_view_list", id=r["id"])) for r in package["resources"]}


def test_default_views_are_those_ckan_creates():
    from ckan.logic.action.create import \
        package_create_default_resource_views as ckan_default_views
    from ckan.tests import factories
    from ..factories import dataset
    context = {"ignore_auth": True, "user": factories.Sysadmin()["name"]}
    org = factories.Organization(name="views-org")
    links = [{"url": "https://example.org/data.%s" % f.lower(), "name": f, "format": f}
             for f in ("CSV", "XLSX")]
    image = {"url": "https://example.org/map.png", "name": "Map", "format": "PNG"}
    tabular = helpers.call_action("package_create", context=dict(context), **dataset(
        name="only-tables", owner_org=org["id"], resources=links))
    mixed = helpers.call_action("package_create", context=dict(context), **dataset(
        name="tables-and-image", owner_org=org["id"], resources=links + [image]))
    # no default view can show a CSV or XLSX link before the DataStore holds it: none made
    assert _views(tabular) == {"CSV": [], "XLSX": []}
    # a dataset with one resource a default view can show gets CKAN's views
    assert _views(mixed) == {"CSV": [], "XLSX": [], "PNG": ["image_view"]}
    # CKAN's own action on the same datasets adds nothing more
    for package in (tabular, mixed):
        ckan_default_views(dict(context), {"package": helpers.call_action(
            "package_show", id=package["id"])})
    assert _views(tabular) == {"CSV": [], "XLSX": []}
    assert _views(mixed) == {"CSV": [], "XLSX": [], "PNG": ["image_view"]}
