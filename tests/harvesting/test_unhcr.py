"""UNHCR population/v1 tables and ODP situations through the full harvest pipeline.

population/v1 JSON: hand-written fixtures (fixtures/unhcr_population_v1_*_handwritten,
no recording exists); the ODP situations and the Refugee Data Finder CSV are real
recordings in tests/fixtures/unhcr.
"""
import json

import pytest
import requests
from responses import matchers

from ckan import plugins as p
from ckan.tests import helpers
from ckanext.harvest.model import HarvestGatherError

from ckanext.migration.harvesting.unhcr import ODP_API, parse_page, summarise

from .conftest import Harvest, query_of, raw_data_resources, fixture_bytes

BASE = "https://api.unhcr.org/population/v1/"
CONFIG = {"tables": ["population", "asylum-applications"],
          "defaults": {"license_id": "cc-by"}}


def _local(name) -> bytes:
    return fixture_bytes("handwritten", name)


def _table_url(table):
    return BASE + table + "/"


@pytest.fixture
def harvester():
    return p.get_plugin("migration_unhcr")


@pytest.fixture
def api(http_replay):
    for table in CONFIG["tables"]:
        http_replay.add("GET", _table_url(table),
                        body=_local("unhcr_population_v1_%s_handwritten.json" % table))
    return http_replay


def _show(name):
    return helpers.call_action("package_show", id=name)


def _count():
    return helpers.call_action("package_search", q="*:*")["count"]


def test_real_refugee_data_finder_csv_gives_years_and_countries():
    body = fixture_bytes("unhcr", "refugee_data_finder_population_EU_plus_UK.csv")
    rows, pages = parse_page(body, "csv")
    assert len(rows) == 425 and pages == 1
    assert rows[0]["coa_iso"] == "AUT" and rows[0]["coo_iso"] == "-"
    data = summarise(rows)
    assert data["years"] == [2008, 2024]
    assert {"AUT", "DEU", "SWE", "FRA"} <= set(data["countries"])
    assert "-" not in data["countries"]
    assert data["latest"]["year"] == 2024
    assert data["latest"]["totals"]["refugees"] == 7397224


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.parametrize("config,message", [
    ({"table": ["population"]}, "unknown configuration keys"),
    ({"tables": ["population", "nowhere"]}, "'tables' must be a list"),
    ({"tables": "population"}, "'tables' must be a list"),
    ({"odp_situations": [{"geo_id": "259"}]}, "integer geo_id"),
    ({"odp_situations": [{"geo_id": 259, "colour": "red"}]}, "integer geo_id"),
    ({"tables": []}, "nothing to harvest"),
])
def test_config_is_validated(harvester, config, message):
    with pytest.raises(ValueError, match=message):
        harvester.validate_config(json.dumps(config))


@pytest.mark.usefixtures("with_plugins", "harvest_db")
def test_harvest_maps_tables(harvester, api):
    harvest = Harvest(harvester, BASE, CONFIG)
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 2}, harvest.errors(job)

    pkg = _show("unhcr-refugee-data-finder-population")
    assert pkg["title"].startswith("UNHCR refugee population statistics")
    assert pkg["creator"][0]["name"] == "UNHCR, the UN Refugee Agency"
    assert pkg["identifier"] == "population"
    assert pkg["temporal_coverage"] == [{"start": "2022", "end": "2023"}]
    assert pkg["countries"] == ["DEU", "TCD"]
    assert pkg["frequency"].endswith("/frequency/ANNUAL")
    assert "Totals for 2023: asylum seekers 335,903" in pkg["notes"]
    assert "forced_displacement" in pkg["topics"]
    assert {"2", "4"} <= set(pkg["gcm_objectives"])   # refugees; statelessness
    assert pkg["population_covered"][:2] == ["refugees", "asylum_seekers"]
    assert pkg["unit_of_observation"] == "stocks"
    csv, api_json = raw_data_resources(pkg)
    assert (csv["format"], csv["mimetype"], api_json["format"]) == ("CSV", "text/csv", "JSON")
    assert csv["url"].split("?")[0] == api_json["url"].split("?")[0] == BASE + "population/"
    assert query_of(csv["url"]) == {"coa_all": "true", "cf_type": "ISO", "yearFrom": "2022",
                                    "yearTo": "2023", "download": "true"}
    assert "download" not in query_of(api_json["url"])

    apps = _show("unhcr-refugee-data-finder-asylum-applications")
    assert apps["countries"] == ["AFG", "DEU", "SYR"]
    assert apps["temporal_coverage"] == [{"start": "2021", "end": "2023"}]
    assert apps["unit_of_observation"] == "applications"
    found = helpers.call_action("package_search", fq="gcm_objectives:2")
    assert found["count"] == 2


@pytest.mark.usefixtures("with_plugins", "harvest_db")
def test_harvest_maps_real_odp_situations(harvester, http_replay):
    for geo_id in (259, 295):
        http_replay.add("GET", ODP_API, body=fixture_bytes(
            "unhcr", "odp_population_get_origin_geo_id_%d.json" % geo_id),
            match=[matchers.query_param_matcher({"geo_id": str(geo_id),
                                                 "population_collection": "429"})])
    config = {"tables": [], "odp_situations": [
        {"geo_id": 259, "population_collection": 429},
        {"geo_id": 295, "population_collection": 429, "title": "Sudan situation"}]}
    harvest = Harvest(harvester, BASE, config)
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 2}, harvest.errors(job)

    ssd = _show("unhcr-operational-data-portal-odp-origin-259-429")
    assert ssd["title"] == ("UNHCR Operational Data Portal: refugees and asylum-seekers in "
                            "South Sudan by country of origin")
    assert {"SSD", "SDN", "COD", "CAF", "ERI", "ETH", "BDI", "SOM"} == set(ssd["countries"])
    assert ssd["temporal_coverage"] == [{"start": "2024-02-14", "end": "2024-06-30"}]
    assert ssd["population_covered"] == ["refugees", "asylum_seekers"]
    assert ssd["frequency"].endswith("/frequency/DAILY")
    assert "Refugees from Sudan (New Arrivals): 762,283 on 2024-06-30" in ssd["notes"]
    assert "2" in ssd["gcm_objectives"]
    assert ssd["resources"][0]["url"] == ODP_API + "?geo_id=259&population_collection=429"
    sdn = _show("unhcr-operational-data-portal-odp-origin-295-429")
    assert sdn["title"] == "Sudan situation" and set(sdn["countries"]) == {"SDN", "SSD"}


@pytest.mark.usefixtures("with_plugins", "harvest_db")
def test_rerun_and_upstream_deletion(harvester, api):
    harvest = Harvest(harvester, BASE, CONFIG)
    harvest.run()
    job, _ = harvest.run()
    assert harvest.report(job) == {"not modified": 2}
    assert _count() == 2

    api.replace("GET", _table_url("asylum-applications"),
                json={"page": 1, "maxPages": 0, "total": 0, "items": []})
    job, _ = harvest.run()
    assert harvest.report(job) == {"not modified": 1, "deleted": 1}, harvest.errors(job)
    gone = _show("unhcr-refugee-data-finder-asylum-applications")
    assert gone["private"] is True and gone["withdrawn_at"] and gone["state"] == "active"
    assert _count() == 1


@pytest.mark.usefixtures("with_plugins", "harvest_db")
@pytest.mark.parametrize("failure,message", [
    ({"status": 500}, "answered HTTP 500"),
    ({"body": requests.Timeout("read timed out")}, "timed out"),
    ({"body": b"<html>maintenance</html>"}, "is not UNHCR population statistics JSON"),
    ({"json": {"detail": "Not found"}}, "no items list"),
])
def test_source_failures_are_job_errors(harvester, api, failure, message):
    api.replace("GET", _table_url("asylum-applications"), **failure)
    harvest = Harvest(harvester, BASE, CONFIG)
    job, _ = harvest.run()
    errors = [e.message for e in HarvestGatherError.filter(harvest_job_id=job.id)]
    assert len(errors) == 1 and message in errors[0], errors
    assert harvest.report(job) == {} and _count() == 0


@pytest.mark.usefixtures("with_plugins", "harvest_db")
def test_one_bad_table_does_not_stop_the_others(harvester, api):
    api.add("GET", _table_url("solutions"),
            json={"page": 1, "maxPages": 1, "items": [{"coa_iso": "TCD", "returned": 5}]})
    harvest = Harvest(harvester, BASE, dict(CONFIG, tables=CONFIG["tables"] + ["solutions"]))
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 2, "errored": 1}
    errors = harvest.errors(job)
    assert len(errors) == 1 and "solutions" in errors[0] and "no years" in errors[0]
    assert _count() == 2
