""""Test this source" (migration_harvest_source_test): a dry run on recorded HTTP returns
the first records mapped, and writes nothing (no harvest objects, no datasets)."""
import json

import pytest
import requests

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.tests import factories, helpers
from ckanext.harvest.model import HarvestObject, HarvestSource

from .conftest import fixture_bytes, hdx_records

pytestmark = pytest.mark.usefixtures("with_plugins", "harvest_db")
TOC_URL = "https://ec.europa.eu/eurostat/api/dissemination/catalogue/toc/txt?lang=en"
HDX = "https://data.humdata.org"
SEARCH = HDX + "/api/3/action/package_search"


def run(user=None, **data_dict):
    user = user or factories.Sysadmin()
    return helpers.call_action("migration_harvest_source_test",
                               context={"user": user["name"], "ignore_auth": False},
                               **data_dict)


def written() -> tuple:
    return (model.Session.query(HarvestObject).count(),
            model.Session.query(model.Package).filter(model.Package.type == "dataset").count(),
            model.Session.query(HarvestSource).count())


def test_eurostat_dry_run_maps_the_first_records_and_writes_nothing(http_replay):
    http_replay.add("GET", TOC_URL, body=fixture_bytes("eurostat", "table_of_contents_en.txt"))
    before = written()
    result = run(source_type="migration_eurostat", url=TOC_URL, limit=3,
                 config=json.dumps({"code_prefixes": ["migr_asyappctza", "migr_eipre"]}))
    assert [r["guid"] for r in result["records"]] == ["migr_asyappctza", "migr_eipre"]
    assert result["more"] is False
    asylum = result["records"][0]
    assert asylum["title"].startswith("Asylum applicants")
    assert asylum["period"]["start"].startswith("2008") and asylum["frequency"].endswith("ANNUAL")
    assert asylum["gcm_objectives"] == ["2"] and "forced_displacement" in asylum["topics"]
    assert written() == before == (0, 0, 0)


def test_ckan_dry_run_on_hdx_recordings(http_replay):
    datasets = hdx_records()
    http_replay.add("GET", SEARCH, body=json.dumps(
        {"success": True, "result": {"count": len(datasets), "results": datasets}}))
    result = run(source_type="migration_ckan", url=HDX, limit=2,
                 config={"fq": "tags:refugees", "defaults": {"source_type": "survey"}})
    assert len(result["records"]) == 2 and result["more"] is True
    by_title = {r["title"]: r for r in result["records"]}
    unhcr = by_title["Data on forcibly displaced populations and stateless persons (Global)"]
    assert unhcr["period"] == {"start": "1951-01-01", "end": "2023-06-30"}
    assert unhcr["frequency"].endswith("ANNUAL_2") and "2" in unhcr["gcm_objectives"]
    assert "forced_displacement" in unhcr["topics"] and unhcr["resources"] == 5
    assert all(isinstance(r["countries"], list) for r in result["records"])
    assert written() == (0, 0, 0)


def test_a_record_that_cannot_be_mapped_is_reported_with_the_others(http_replay):
    datasets = hdx_records()
    broken = dict(datasets[0], title="", id="broken-one", name="broken-one")
    http_replay.add("GET", SEARCH, body=json.dumps(
        {"success": True, "result": {"count": 2, "results": [broken, datasets[1]]}}))
    records = run(source_type="migration_ckan", url=HDX)["records"]
    assert records[0] == {"guid": "broken-one", "error": "a dataset needs a name and a title"}
    assert records[1]["title"]


def test_unreachable_url_names_the_url(http_replay):
    http_replay.add("GET", TOC_URL, body=requests.ConnectionError("Connection refused"))
    with pytest.raises(tk.ValidationError) as raised:
        run(source_type="migration_eurostat", url=TOC_URL)
    message = raised.value.error_dict["url"][0]
    assert TOC_URL in message and "Connection refused" in message
    assert written() == (0, 0, 0)


def test_a_login_page_is_said_to_be_one(http_replay):
    login = ("<!DOCTYPE html><html><head><title>Sign in - Portal</title></head><body>"
             "<form><input type=password name=pw></form></body></html>")
    http_replay.add("GET", SEARCH, body=login, content_type="text/html")
    with pytest.raises(tk.ValidationError) as raised:
        run(source_type="migration_ckan", url=HDX)
    message = raised.value.error_dict["url"][0]
    assert "did not answer a CKAN package_search result" in message
    assert "answers a login page (Sign in - Portal)" in message and SEARCH in message


@pytest.mark.parametrize("data_dict,field,message", [
    ({"config": '{"colour": "blue"}'}, "config", "unknown configuration keys ['colour']"),
    ({"config": '{"code_prefixes": "migr_"}'}, "config",
     "'code_prefixes' must be a list of strings, not \"migr_\""),
    ({"config": '{"defaults": {"licence_id": "cc-by"}}'}, "config",
     "'defaults' has unknown keys licence_id"),
    ({"url": "ftp://example.org/toc"}, "url", "only http(s) URLs"),
    ({"source_type": "ckan"}, "source_type", "Unknown or untestable source type 'ckan'"),
])
def test_bad_input_names_the_field(data_dict, field, message):
    data_dict = dict({"source_type": "migration_eurostat", "url": TOC_URL}, **data_dict)
    with pytest.raises(tk.ValidationError) as raised:
        run(**data_dict)
    assert message in raised.value.error_dict[field][0]


def test_only_who_may_create_sources_may_test():
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("migration_harvest_source_test",
                            context={"user": "", "ignore_auth": False},
                            source_type="migration_eurostat", url=TOC_URL)
