"""World Bank Indicators API v2 through the full gather/fetch/import pipeline.

No recording of the API exists: the fixtures tests/fixtures/handwritten/worldbank_*
are hand-written from the public API documentation (see tests/fixtures/SOURCES.md).
"""
import json

import pytest
import requests

from ckan import plugins as p
from ckan.tests import helpers
from ckanext.harvest.model import HarvestGatherError

from ckanext.migration.harvesting.worldbank import parse_envelope, summarise

from .conftest import Harvest, raw_data_resources, fixture_bytes

BASE = "https://api.worldbank.org/v2"
CONFIG = {"indicators": ["SM.POP.TOTL", "BX.TRF.PWKR.CD.DT"],
          "defaults": {"license_id": "cc-by"}}
UNKNOWN = (b'[{"message":[{"id":"120","key":"Invalid value",'
           b'"value":"The provided parameter value is not valid"}]}]')


def _local(name) -> bytes:
    return fixture_bytes("handwritten", name)


def _meta_url(code):
    return "%s/indicator/%s" % (BASE, code)


def _data_url(code):
    return "%s/country/all/indicator/%s" % (BASE, code)


@pytest.fixture
def harvester():
    return p.get_plugin("migration_worldbank")


@pytest.fixture
def api(http_replay):
    for code, stem in (("SM.POP.TOTL", "sm_pop_totl"),
                       ("BX.TRF.PWKR.CD.DT", "bx_trf_pwkr_cd_dt")):
        http_replay.add("GET", _meta_url(code),
                        body=_local("worldbank_indicator_%s_handwritten.json" % stem))
        http_replay.add("GET", _data_url(code),
                        body=_local("worldbank_data_%s_handwritten.json" % stem))
    return http_replay


def _show(name):
    return helpers.call_action("package_show", id=name)


def test_summarise_keeps_rows_with_values():
    envelope, rows = parse_envelope(_local("worldbank_data_sm_pop_totl_handwritten.json"),
                                    "test")
    data = summarise(envelope, rows)
    assert data["period"] == ["1990", "2020"]
    assert data["countries"] == ["DEU", "SSF", "TCD", "WLD"]  # AFG has no value
    assert data["lastupdated"] == "2025-07-01"


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.parametrize("config,message", [
    ({"indicator": ["SM.POP.TOTL"]}, "unknown configuration keys"),
    ({"indicators": "SM.POP.TOTL"}, "non-empty list"),
    ({"indicators": ["SM POP; DROP"]}, "non-empty list"),
])
def test_config_is_validated(harvester, config, message):
    with pytest.raises(ValueError, match=message):
        harvester.validate_config(json.dumps(config))


@pytest.mark.usefixtures("with_plugins", "harvest_db")
def test_harvest_maps_indicators(harvester, api):
    harvest = Harvest(harvester, BASE, CONFIG)
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 2}, harvest.errors(job)

    pkg = _show("world-bank-wdi-sm-pop-totl")
    assert pkg["title"] == "International migrant stock, total"
    assert pkg["identifier"] == "SM.POP.TOTL" and pkg["source_platform"] == "World Bank WDI"
    assert pkg["creator"][0]["name"].startswith("United Nations Population Division")
    assert pkg["notes"].startswith("International migrant stock is the number of people")
    assert pkg["definitions"].startswith("International migrant stock is")
    assert pkg["temporal_coverage"] == [{"start": "1990", "end": "2020"}]
    assert pkg["frequency"].endswith("/frequency/ANNUAL")
    assert pkg["modified"] == "2025-07-01"
    assert pkg["countries"] == ["DEU", "TCD"]  # WLD and SSF are aggregates
    assert "migrant_stocks" in pkg["topics"] and "1" in pkg["gcm_objectives"]
    assert "environmental_migration" not in pkg["topics"]
    assert pkg["population_covered"] == ["international_migrants"]
    assert pkg["license_id"] == "cc-by"
    raw = raw_data_resources(pkg)
    # the bulk downloads as they are: an .xls workbook and a ZIP of CSV files
    assert [(r["format"], r["mimetype"]) for r in raw[:2]] == [
        ("XLS", "application/vnd.ms-excel"), ("ZIP", "application/zip")]
    assert raw[0]["url"] == ("https://api.worldbank.org/v2/en/indicator/"
                             "SM.POP.TOTL?downloadformat=excel")
    assert raw[1]["url"] == ("https://api.worldbank.org/v2/en/indicator/"
                             "SM.POP.TOTL?downloadformat=csv")
    assert raw[2]["format"] == "JSON"
    assert raw[2]["url"].startswith(_data_url("SM.POP.TOTL") + "?format=json")

    remit = _show("world-bank-wdi-bx-trf-pwkr-cd-dt")
    assert remit["countries"] == ["MEX", "PHL"]
    assert remit["temporal_coverage"] == [{"start": "2022", "end": "2023"}]
    assert "remittances" in remit["topics"] and "20" in remit["gcm_objectives"]
    found = helpers.call_action("package_search", fq="gcm_objectives:20")
    assert [r["name"] for r in found["results"]] == ["world-bank-wdi-bx-trf-pwkr-cd-dt"]


@pytest.mark.usefixtures("with_plugins", "harvest_db")
def test_rerun_and_upstream_deletion(harvester, api):
    harvest = Harvest(harvester, BASE, CONFIG)
    harvest.run()
    job, _ = harvest.run()
    assert harvest.report(job) == {"not modified": 2}
    assert helpers.call_action("package_search", q="*:*")["count"] == 2

    # the indicator is discontinued: the API no longer knows it
    api.replace("GET", _meta_url("BX.TRF.PWKR.CD.DT"), body=UNKNOWN)
    job, _ = harvest.run()
    assert harvest.report(job) == {"not modified": 1, "deleted": 1}, harvest.errors(job)
    gone = _show("world-bank-wdi-bx-trf-pwkr-cd-dt")
    assert gone["private"] is True and gone["withdrawn_at"] and gone["state"] == "active"
    assert helpers.call_action("package_search", q="*:*")["count"] == 1


@pytest.mark.usefixtures("with_plugins", "harvest_db")
@pytest.mark.parametrize("failure,message", [
    ({"status": 500}, "answered HTTP 500"),
    ({"body": requests.Timeout("read timed out")}, "timed out"),
    ({"body": b"<html>maintenance</html>"}, "is not World Bank API JSON"),
    ({"body": b'{"page": 1}'}, "is not a World Bank API v2 answer"),
])
def test_source_failures_are_job_errors(harvester, api, failure, message):
    api.replace("GET", _meta_url("BX.TRF.PWKR.CD.DT"), **failure)
    harvest = Harvest(harvester, BASE, CONFIG)
    job, _ = harvest.run()
    errors = [e.message for e in HarvestGatherError.filter(harvest_job_id=job.id)]
    assert len(errors) == 1 and message in errors[0], errors
    assert harvest.report(job) == {}
    assert helpers.call_action("package_search", q="*:*")["count"] == 0


@pytest.mark.usefixtures("with_plugins", "harvest_db")
def test_one_bad_indicator_does_not_stop_the_others(harvester, api):
    meta = json.loads(_local("worldbank_indicator_sm_pop_totl_handwritten.json"))
    meta[1][0].update(id="SM.POP.NETM", name="Net migration")
    api.add("GET", _meta_url("SM.POP.NETM"), json=meta)
    api.add("GET", _data_url("SM.POP.NETM"), body=b"<html>proxy error</html>")
    config = dict(CONFIG, indicators=CONFIG["indicators"] + ["SM.POP.NETM"])
    harvest = Harvest(harvester, BASE, config)
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 2, "errored": 1}
    errors = harvest.errors(job)
    assert len(errors) == 1 and "SM.POP.NETM" in errors[0] and "not World Bank" in errors[0]
    assert helpers.call_action("package_search", q="*:*")["count"] == 2


# -- the real recorded data answer ---------------------------------------------------------
# tests/fixtures/worldbank/: the World Bank's own answer to
# /v2/country/all/indicator/SM.POP.TOTL?format=json&date=2010:2022&per_page=20000 (see
# SOURCES.md). No indicator metadata answer was ever recorded, so the hand-written one
# stands in for /indicator/SM.POP.TOTL; everything the test checks besides the title
# and notes comes from the real data answer.
REAL_DATA = ("worldbank", "country_all_indicator_SM.POP.TOTL_2010-2022.json")


def test_summarise_real_answer():
    envelope, rows = parse_envelope(fixture_bytes(*REAL_DATA), "test")
    assert envelope["per_page"] == 20000 and len(rows) == envelope["total"] == 3445
    data = summarise(envelope, rows)
    # the 13 requested years, but values only every 5 years (UN DESA's estimates)
    assert data["period"] == ["2010", "2020"] and data["frequency"] == "QUINQUENNIAL"
    assert data["observations"] == 786 and data["lastupdated"] == "2026-07-13"


@pytest.mark.usefixtures("with_plugins", "harvest_db")
def test_harvest_real_data_answer(harvester, http_replay):
    http_replay.add("GET", _meta_url("SM.POP.TOTL"),
                    body=_local("worldbank_indicator_sm_pop_totl_handwritten.json"))
    http_replay.add("GET", _data_url("SM.POP.TOTL"), body=fixture_bytes(*REAL_DATA))
    harvest = Harvest(harvester, BASE, {"indicators": ["SM.POP.TOTL"]})
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 1}, harvest.errors(job)
    pkg = _show("world-bank-wdi-sm-pop-totl")

    _, rows = parse_envelope(fixture_bytes(*REAL_DATA), "test")
    assert {r["indicator"]["value"] for r in rows} == {pkg["title"]}
    assert pkg["temporal_coverage"] == [{"start": "2010", "end": "2020"}]
    assert pkg["frequency"].endswith("/frequency/QUINQUENNIAL")
    assert pkg["modified"] == "2026-07-13"
    # 214 countries and territories with an ISO 3166 code; the World Bank's aggregates
    # (regions, income groups, WLD) and the Channel Islands (CHI) are not countries
    assert len(pkg["countries"]) == 214
    assert {"AFG", "DEU", "USA", "TCD"} <= set(pkg["countries"])
    assert not {"WLD", "AFE", "ARB", "EUU", "HIC", "LMY", "CHI"} & set(pkg["countries"])
    assert "migrant_stocks" in pkg["topics"] and "1" in pkg["gcm_objectives"]
    assert pkg["creator"][0]["name"].startswith("United Nations Population Division")
    assert "2010 to 2020, 214 countries with data" in pkg["notes"]
