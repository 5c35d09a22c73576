"""CKAN portals (HDX) through the full pipeline, from real HDX package_show records."""
import json

import pytest

from ckan import plugins as p
from ckan.tests import helpers

from ckanext.migration.harvesting.ckan import _hdx_period

from .conftest import Harvest, hdx_records, raw_data_resources

HDX = "https://data.humdata.org"
SEARCH = HDX + "/api/3/action/package_search"
pytestmark = pytest.mark.usefixtures("with_plugins", "harvest_db")


@pytest.fixture
def hdx_datasets():
    return hdx_records()


def search_page(datasets):
    """A package_search answer around recorded datasets (HDX's envelope shape)."""
    return json.dumps({"help": SEARCH, "success": True,
                       "result": {"count": len(datasets), "results": datasets}})


@pytest.mark.parametrize("value,expected", [
    ("[1951-01-01T00:00:00 TO 2023-06-30T23:59:59]", ("1951-01-01", "2023-06-30")),
    ("04/24/2020", ("2020-04-24", "2020-04-24")),
    ("01/01/2019-12/31/2020", ("2019-01-01", "2020-12-31")),
    ("", ("", "")),
])
def test_hdx_dates(value, expected):
    assert _hdx_period(value) == expected


def test_hdx_records_are_mapped(http_replay, hdx_datasets):
    http_replay.add("GET", SEARCH, body=search_page(hdx_datasets))
    harvest = Harvest(p.get_plugin("migration_ckan"), HDX,
                      {"fq": "tags:refugees", "defaults": {"source_type": "administrative_records"}})
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 3}, harvest.errors(job)
    unhcr = helpers.call_action("package_show", id="hdx-unhcr-population-data-for-world")
    assert unhcr["title"] == "Data on forcibly displaced populations and stateless persons (Global)"
    assert [c["name"] for c in unhcr["creator"]] == ["UNHCR"]
    assert unhcr["temporal_coverage"] == [{"start": "1951-01-01", "end": "2023-06-30"}]
    assert unhcr["frequency"].endswith("/ANNUAL_2")
    assert unhcr["modified"] == "2024-03-01"
    assert unhcr["url"] == HDX + "/dataset/unhcr-population-data-for-world"
    assert unhcr["source_platform"] == "HDX" and unhcr["license_id"] == "cc-by-igo"
    assert "forced_displacement" in unhcr["topics"] and "2" in unhcr["gcm_objectives"]
    assert unhcr["source_type"] == "administrative_records"
    assert len(unhcr["resources"]) == 5
    assert [r["format"] for r in raw_data_resources(unhcr)] == ["CSV"] * 5
    dtm = helpers.call_action("package_show", id="hdx-global-iom-dtm-from-api")
    assert "internal_displacement" in dtm["topics"]
    # population from the tags, caveat flags from the caveats, regions from the groups
    assert unhcr["population_covered"] == ["refugees", "asylum_seekers", "idps",
                                           "stateless_persons"]
    assert dtm["population_covered"] == ["idps"]
    assert dtm["caveat_flags"] == ["redacted_for_privacy"]
    assert not unhcr.get("caveat_flags")
    assert unhcr["regions"] == ["001"] and unhcr["geographic_granularity"] == "global"
    assert not dtm.get("regions") and len(dtm["countries"]) == 51
    # dataset_source "Multiple Sources" names no one: the HDX organisation is the producer
    reliefweb = helpers.call_action("package_show", id="hdx-reliefweb-crisis-figures")
    assert [c["name"] for c in reliefweb["creator"]] == ["ReliefWeb"]
    assert [c["name"] for c in dtm["creator"]] == [
        "International Organization for Migration (IOM)"]
    # the query sent to HDX carries the configured filter
    sent = [c.request.url for c in http_replay.calls if c.request.url.startswith(SEARCH)]
    assert "fq=tags%3Arefugees" in sent[0]


def test_bad_record_does_not_stop_the_job(http_replay, hdx_datasets):
    broken = dict(hdx_datasets[0], title="", id="broken-one", name="broken-one")
    http_replay.add("GET", SEARCH, body=search_page(hdx_datasets[1:] + [broken]))
    harvest = Harvest(p.get_plugin("migration_ckan"), HDX)
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 2, "errored": 1}
    assert any("needs a name and a title" in e for e in harvest.errors(job))


def test_garbage_answer_is_a_clear_job_error(http_replay):
    http_replay.add("GET", SEARCH, body="<html>Cloudflare</html>")
    harvest = Harvest(p.get_plugin("migration_ckan"), HDX)
    job, _ = harvest.run()
    errors = harvest.errors(job)
    assert len(errors) == 1 and "did not answer a CKAN package_search result" in errors[0]


def test_harvest_our_own_running_catalogue(http_replay, hdx_datasets, app):
    """Our catalogue is a real CKAN: its package_search answer (from the test app) is
    harvested again by the same harvester."""
    http_replay.add("GET", SEARCH, body=search_page(hdx_datasets))
    Harvest(p.get_plugin("migration_ckan"), HDX).run()
    ours = app.get("/api/3/action/package_search", query_string={"rows": 10}).body
    local = "http://catalogue.test"
    http_replay.add("GET", local + "/api/3/action/package_search", body=ours)
    harvest = Harvest(p.get_plugin("migration_ckan"), local, {"platform": "Migration catalogue"})
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 3}, harvest.errors(job)
    copy = helpers.call_action("package_show",
                               id="migration-catalogue-hdx-unhcr-population-data-for-world")
    assert copy["title"] == "Data on forcibly displaced populations and stateless persons (Global)"


def test_twins_are_linked_not_imported_as_strangers(http_replay, hdx_datasets, app):
    """The same dataset from a second portal (same original page) is linked both ways."""
    http_replay.add("GET", SEARCH, body=search_page(hdx_datasets[1:2]))
    Harvest(p.get_plugin("migration_ckan"), HDX).run()
    ours = app.get("/api/3/action/package_search").body
    mirror = "http://mirror.test"
    http_replay.add("GET", mirror + "/api/3/action/package_search", body=ours)
    Harvest(p.get_plugin("migration_ckan"), mirror, {"platform": "Mirror"}).run()
    original = helpers.call_action("package_show", id="hdx-unhcr-population-data-for-world")
    copy = helpers.call_action("package_show",
                               id="mirror-hdx-unhcr-population-data-for-world")
    assert original["also_published_by"] == [copy["name"]]
    assert copy["also_published_by"] == [original["name"]]
    page = app.get("/dataset/%s" % original["name"]).body
    assert "Also published by" in page and copy["name"] in page
