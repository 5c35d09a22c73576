"""IOM DTM API v3 and Missing Migrants Project through the full harvest pipeline, on the
real recordings in tests/fixtures/iom."""
import json

import pytest
import requests
from responses import matchers

from ckan import plugins as p
from ckan.tests import helpers
from ckanext.harvest.model import HarvestGatherError

from ckanext.migration.harvesting.iom import summarise_admin0, summarise_incidents

from .conftest import Harvest, fixture_bytes, raw_data_resources

DTM = "https://dtmapi.iom.int/v3"
DTM_CONFIG = {"api_key": "test-key", "countries": ["TCD", "NGA"]}
MMP = "https://missingmigrants.iom.int"
MMP_CONFIG = {"years": [2014, 2015]}


def _show(name):
    return helpers.call_action("package_show", id=name)


def _count():
    return helpers.call_action("package_search", q="*:*")["count"]


def _gather_errors(job):
    return [e.message for e in HarvestGatherError.filter(harvest_job_id=job.id)]


# -- DTM --------------------------------------------------------------------------------
@pytest.fixture
def dtm_files():
    def read(name):
        return fixture_bytes("iom", "dtm_v3_displacement-%s.json" % name)
    tcd = read("admin0-admin0pcode-tcd")
    # Nigeria: the Chad recording relabelled (no recording of another country exists)
    nga = tcd.replace(b'"TCD"', b'"NGA"').replace(b'"Chad"', b'"Nigeria"')
    return {"country-list": read("country-list"), "operation-list": read("operation-list"),
            "TCD": tcd, "NGA": nga}


@pytest.fixture
def dtm(http_replay, dtm_files):
    key = matchers.header_matcher({"Ocp-Apim-Subscription-Key": "test-key"})
    for name in ("country-list", "operation-list"):
        http_replay.add("GET", "%s/displacement/%s" % (DTM, name), body=dtm_files[name],
                        match=[key])
    for code in ("TCD", "NGA"):
        http_replay.add("GET", DTM + "/displacement/admin0", body=dtm_files[code],
                        match=[key, matchers.query_param_matcher({"Admin0Pcode": code})])
    return http_replay


@pytest.fixture
def dtm_harvester():
    return p.get_plugin("migration_iom_dtm")


def test_admin0_summary_of_the_real_chad_recording(dtm_files):
    data = summarise_admin0(json.loads(dtm_files["TCD"])["result"])
    assert data["period"] == ["2017-09-30", "2025-01-31"]
    assert data["rounds"] == list(range(1, 25)) and data["records"] == 56
    assert "Conflict" in data["reasons"] and "Natural disaster" in data["reasons"]
    assert data["operations"] == ["Lake Chad Basin Crisis"]


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.parametrize("config,message", [
    ({"apikey": "x"}, "unknown configuration keys"),
    ({"countries": ["Chad"]}, "alpha-3"),
    ({"api_key": 42}, "'api_key' must be a string"),
])
def test_dtm_config_is_validated(dtm_harvester, config, message):
    with pytest.raises(ValueError, match=message):
        dtm_harvester.validate_config(json.dumps(config))


@pytest.mark.usefixtures("with_plugins", "harvest_db")
def test_dtm_harvest_maps_countries(dtm_harvester, dtm):
    harvest = Harvest(dtm_harvester, DTM, DTM_CONFIG)
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 2}, harvest.errors(job)

    pkg = _show("iom-dtm-tcd")
    assert pkg["title"] == "IOM DTM internal displacement data — Chad"
    assert pkg["creator"][0]["name"] == "International Organization for Migration (IOM)"
    assert pkg["countries"] == ["TCD"]
    assert pkg["temporal_coverage"] == [{"start": "2017-09-30", "end": "2025-01-31"}]
    assert "24 rounds" in pkg["notes"] and "Lake Chad Basin Crisis (active)" in pkg["notes"]
    assert "Conflict" in pkg["notes"]
    assert pkg["population_covered"] == ["idps"] and pkg["unit_of_observation"] == "persons"
    assert pkg["source_type"] == "international_organisation_estimate"
    assert "internal_displacement" in pkg["topics"] and "2" in pkg["gcm_objectives"]
    assert pkg["frequency"].endswith("/frequency/IRREG")
    assert [r["url"] for r in pkg["resources"]][0] == \
        DTM + "/displacement/admin0?Admin0Pcode=TCD"
    # the DTM API answers JSON only: that is the raw data
    assert [r["format"] for r in raw_data_resources(pkg)] == ["JSON"] * 3
    nga = _show("iom-dtm-nga")
    assert nga["title"].endswith("— Nigeria") and nga["countries"] == ["NGA"]
    assert "North Central and North West (active)" in nga["notes"]
    # the key is never stored in what the harvest keeps
    from ckanext.harvest.model import HarvestObject
    from ckan import model
    assert all("test-key" not in (o.content or "")
               for o in model.Session.query(HarvestObject))


@pytest.mark.usefixtures("with_plugins", "harvest_db")
@pytest.mark.ckan_config("ckanext.migration.harvest.dtm_api_key", "test-key")
def test_dtm_key_from_ckan_config(dtm_harvester, dtm):
    harvest = Harvest(dtm_harvester, DTM, {"countries": ["TCD"]})
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 1}, harvest.errors(job)


@pytest.mark.usefixtures("with_plugins", "harvest_db")
def test_dtm_without_key_is_a_clear_job_error(dtm_harvester, dtm):
    harvest = Harvest(dtm_harvester, DTM, {"countries": ["TCD"]})
    job, _ = harvest.run()
    errors = _gather_errors(job)
    assert len(errors) == 1 and "needs a subscription key" in errors[0]


@pytest.mark.usefixtures("with_plugins", "harvest_db")
def test_dtm_rerun_and_upstream_deletion(dtm_harvester, dtm, dtm_files):
    harvest = Harvest(dtm_harvester, DTM, DTM_CONFIG)
    harvest.run()
    job, _ = harvest.run()
    assert harvest.report(job) == {"not modified": 2}

    listing = json.loads(dtm_files["country-list"])
    listing["result"] = [c for c in listing["result"] if c["admin0Pcode"] != "NGA"]
    dtm.replace("GET", DTM + "/displacement/country-list", json=listing)
    job, _ = harvest.run()
    assert harvest.report(job) == {"not modified": 1, "deleted": 1}, harvest.errors(job)
    gone = _show("iom-dtm-nga")
    assert gone["private"] is True and gone["withdrawn_at"] and gone["state"] == "active"
    assert _count() == 1


@pytest.mark.usefixtures("with_plugins", "harvest_db")
@pytest.mark.parametrize("failure,message", [
    ({"status": 500}, "answered HTTP 500"),
    ({"body": requests.Timeout("read timed out")}, "timed out"),
    ({"body": b"<html>maintenance</html>"}, "is not JSON"),
    ({"json": {"isSuccess": False, "result": [], "errorMessages": ["Access denied"]}},
     "Access denied"),
])
def test_dtm_source_failures_are_job_errors(dtm_harvester, dtm, failure, message):
    dtm.replace("GET", DTM + "/displacement/operation-list", **failure)
    harvest = Harvest(dtm_harvester, DTM, DTM_CONFIG)
    job, _ = harvest.run()
    errors = _gather_errors(job)
    assert len(errors) == 1 and message in errors[0], errors
    assert harvest.report(job) == {} and _count() == 0


@pytest.mark.usefixtures("with_plugins", "harvest_db")
def test_dtm_one_bad_country_does_not_stop_the_others(dtm_harvester, dtm, dtm_files):
    dtm.remove("GET", DTM + "/displacement/admin0")
    dtm.add("GET", DTM + "/displacement/admin0", body=dtm_files["TCD"],
            match=[matchers.query_param_matcher({"Admin0Pcode": "TCD"})])
    dtm.add("GET", DTM + "/displacement/admin0", body=b"<html>gateway timeout</html>",
            match=[matchers.query_param_matcher({"Admin0Pcode": "NGA"})])
    harvest = Harvest(dtm_harvester, DTM, DTM_CONFIG)
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 1, "errored": 1}
    errors = harvest.errors(job)
    assert len(errors) == 1 and errors[0].startswith("NGA") and "not JSON" in errors[0]
    assert _count() == 1


# -- Missing Migrants -------------------------------------------------------------------
@pytest.fixture
def mmp_2014():
    return fixture_bytes("iom", "missing_migrants_global_figures_2014.json")


@pytest.fixture
def mmp(http_replay, mmp_2014):
    http_replay.add("GET", MMP + "/global-figures/2014/json", body=mmp_2014)
    # 2015: the first five incidents of 2014 moved a year on (no recording of 2015)
    later = json.loads(mmp_2014)[:5]
    for incident in later:
        incident["reported_date"] = incident["reported_date"].replace("2014", "2015")
    http_replay.add("GET", MMP + "/global-figures/2015/json", json=later)
    return http_replay


@pytest.fixture
def mmp_harvester():
    return p.get_plugin("migration_missing_migrants")


def test_incident_summary_of_the_real_2014_recording(mmp_2014):
    data = summarise_incidents(json.loads(mmp_2014))
    assert data["incidents"] == 535
    assert data["totals"]["total_dead_and_missing"] == 5548
    assert data["dates"][0].startswith("2014-01") and data["dates"][1] == "2014-12-31"
    assert "Libya" in data["places"] and "Iran (Islamic Republic of)" in data["places"]


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.parametrize("config", [{"years": [2013]}, {"years": "2014"}, {"year": [2014]}])
def test_mmp_config_is_validated(mmp_harvester, config):
    with pytest.raises(ValueError):
        mmp_harvester.validate_config(json.dumps(config))


@pytest.mark.usefixtures("with_plugins", "harvest_db")
def test_mmp_harvest_maps_years(mmp_harvester, mmp):
    harvest = Harvest(mmp_harvester, MMP, MMP_CONFIG)
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 2}, harvest.errors(job)

    pkg = _show("iom-missing-migrants-project-missing-migrants-2014")
    assert pkg["title"] == ("IOM Missing Migrants Project: migrants recorded dead or "
                            "missing in 2014")
    assert pkg["creator"][0]["name"] == "International Organization for Migration (IOM)"
    assert pkg["temporal_coverage"][0]["end"] == "2014-12-31"
    assert pkg["temporal_coverage"][0]["start"].startswith("2014-01")
    assert "535 incidents, 5,548 dead and missing migrants" in pkg["notes"]
    assert {"LBY", "ITA", "MEX", "USA", "IRN", "TUR", "GBR", "MMR"} <= set(pkg["countries"])
    assert pkg["topics"][0] == "missing_migrants" and "8" in pkg["gcm_objectives"]
    assert "minimum estimates" in pkg["caveats"]
    assert pkg["caveat_flags"] == ["partial_geographic_coverage"]
    assert pkg["unit_of_observation"] == "deaths_and_disappearances"
    assert pkg["resources"][0]["url"] == MMP + "/global-figures/2014/json"
    assert [r["format"] for r in raw_data_resources(pkg)] == ["JSON"]
    assert _show("iom-missing-migrants-project-missing-migrants-2015")["countries"]


@pytest.mark.usefixtures("with_plugins", "harvest_db")
def test_mmp_rerun_and_upstream_deletion(mmp_harvester, mmp):
    harvest = Harvest(mmp_harvester, MMP, MMP_CONFIG)
    harvest.run()
    job, _ = harvest.run()
    assert harvest.report(job) == {"not modified": 2}
    mmp.replace("GET", MMP + "/global-figures/2015/json", json=[])
    job, _ = harvest.run()
    assert harvest.report(job) == {"not modified": 1, "deleted": 1}, harvest.errors(job)
    gone = _show("iom-missing-migrants-project-missing-migrants-2015")
    assert gone["private"] is True and gone["withdrawn_at"]
    assert _count() == 1


@pytest.mark.usefixtures("with_plugins", "harvest_db")
@pytest.mark.parametrize("failure,message", [
    ({"status": 500}, "answered HTTP 500"),
    ({"body": requests.Timeout("read timed out")}, "timed out"),
    ({"body": b"<!DOCTYPE html><html>Page not found</html>"}, "is not JSON"),
    ({"json": {"error": "no data"}}, "not a list of incidents"),
])
def test_mmp_source_failures_are_job_errors(mmp_harvester, mmp, failure, message):
    mmp.replace("GET", MMP + "/global-figures/2015/json", **failure)
    harvest = Harvest(mmp_harvester, MMP, MMP_CONFIG)
    job, _ = harvest.run()
    errors = _gather_errors(job)
    assert len(errors) == 1 and message in errors[0], errors
    assert harvest.report(job) == {} and _count() == 0


@pytest.mark.usefixtures("with_plugins", "harvest_db")
def test_mmp_one_bad_year_does_not_stop_the_others(mmp_harvester, mmp):
    mmp.replace("GET", MMP + "/global-figures/2015/json",
                json=[{"web_id": "2015.X", "reported_date": "soon"}])
    harvest = Harvest(mmp_harvester, MMP, MMP_CONFIG)
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 1, "errored": 1}
    errors = harvest.errors(job)
    assert len(errors) == 1 and "2015" in errors[0] and "no incident" in errors[0]
    assert _count() == 1
