"""Tabular resources loaded into the DataStore by ckanext-xloader, through CKAN's real job
queue (Redis) and worker, from recordings served by a local HTTP server."""
import csv
import io

import pytest
import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ..conftest import fixture_bytes
from ..factories import dataset

PLUGINS = ("activity migration scheming_datasets harvest dcat structured_data "
           "image_view datatables_view datastore xloader")


def _resource(xloader, url, fmt="CSV", **extra):
    org = factories.Organization()
    pkg = helpers.call_action("package_create", context={"user": xloader.user["name"]},
                              **dataset(owner_org=org["id"], resources=[]))
    return helpers.call_action("resource_create", context={"user": xloader.user["name"]},
                               package_id=pkg["id"], url=url, format=fmt, name="data",
                               **extra)


@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
def test_unhcr_csv_loads_with_every_row(xloader, data_server):
    url = data_server.serve_fixture("/unhcr.csv", "unhcr",
                                    "refugee_data_finder_population_EU_plus_UK.csv")
    res = _resource(xloader, url)
    status = xloader.load(res["id"])
    assert status["status"] == "complete", status["error"]
    found = helpers.call_action("datastore_search", resource_id=res["id"], limit=1)
    assert found["total"] == 425
    assert [f["id"] for f in found["fields"]][:3] == ["_id", "Year", "Country of Asylum"]


@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
def test_sdmx_csv_loads_with_readable_column_labels(xloader, data_server):
    url = data_server.serve_fixture("/migr_asyappctza.csv", "eurostat",
                                    "data_MIGR_ASYAPPCTZA_sdmxcsv2_labels.csv")
    res = _resource(xloader, url)
    assert xloader.load(res["id"])["status"] == "complete"
    info = helpers.call_action("datastore_info", id=res["id"])
    labels = {f["id"]: (f.get("info") or {}).get("label") for f in info["fields"]}
    assert labels["geo"] == "Geopolitical entity (reporting)"
    assert labels["TIME_PERIOD"] == "Time"
    assert labels["OBS_VALUE"] == "Observation value"
    # the rows are the file's rows
    rows = list(csv.DictReader(io.StringIO(fixture_bytes(
        "eurostat", "data_MIGR_ASYAPPCTZA_sdmxcsv2_labels.csv").decode("utf-8"))))
    austria_2008 = sorted(r["OBS_VALUE"] for r in rows
                          if r["geo"] == "AT" and r["TIME_PERIOD"] == "2008")
    found = helpers.call_action("datastore_search", resource_id=res["id"],
                                filters={"geo": "AT", "TIME_PERIOD": "2008"})
    assert austria_2008 and sorted(r["OBS_VALUE"] for r in found["records"]) == austria_2008
    assert helpers.call_action("datastore_search", resource_id=res["id"],
                               limit=0)["total"] == len(rows) == 1080


@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
def test_a_broken_file_is_refused_and_the_previous_load_kept(xloader, data_server, app):
    good = fixture_bytes("unhcr", "refugee_data_finder_population_EU_plus_UK.csv")
    url = data_server.serve("/unhcr.csv", good, headers={"Content-Type": "text/csv"})
    res = _resource(xloader, url)
    assert xloader.load(res["id"])["status"] == "complete"

    # the producer now serves a file with an unclosed quote on line 3
    lines = good.decode("utf-8").splitlines(keepends=True)
    lines[2] = lines[2].replace("Belgium", '"Belgium')
    data_server.serve("/unhcr.csv", "".join(lines), headers={"Content-Type": "text/csv"})
    status = xloader.load(res["id"])
    assert status["status"] == "error"
    assert "Broken quoting in the row that starts on line 3" in status["error"]["message"]
    # nothing of the good load was lost
    assert helpers.call_action("datastore_search", resource_id=res["id"],
                               limit=0)["total"] == 425
    # and the resource page says why, to anyone
    page = app.get("/dataset/%s/resource/%s" % (res["package_id"], res["id"]))
    assert "could not be loaded for preview and download" in page.body
    assert "Broken quoting in the row that starts on line 3" in page.body
    assert "still show the previous load" in page.body


@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
@pytest.mark.parametrize("body,message", [
    ("Year,Country\n2020,C\u00f4te d'Ivoire\n".encode("latin-1"),
     "Not UTF-8: byte 0xf4 on line 2, column 7"),
    (b"<!DOCTYPE html><html><title>Data portal</title></html>", "Not a table: it is an HTML page"),
])
def test_bad_files_get_a_clear_error(xloader, data_server, body, message):
    res = _resource(xloader, data_server.serve("/bad.csv", body))
    status = xloader.load(res["id"])
    assert status["status"] == "error" and message in status["error"]["message"]
    assert not helpers.call_action("resource_show", id=res["id"]).get("datastore_active")


@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
@pytest.mark.ckan_config("ckanext.xloader.max_content_length", "10000")
def test_a_file_over_the_size_limit_is_refused(xloader, data_server):
    url = data_server.serve_fixture("/unhcr.csv", "unhcr",
                                    "refugee_data_finder_population_EU_plus_UK.csv")
    status = xloader.load(_resource(xloader, url)["id"])
    assert status["status"] == "error"
    assert "over the 10000 byte limit" in status["error"]["message"]


@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
def test_a_private_address_is_refused_like_a_harvest(xloader, data_server, ckan_config,
                                                       monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.migration.harvest.allow_private_addresses",
                        False)
    res = _resource(xloader, data_server.serve("/internal.csv", b"a,b\n1,2\n"))
    status = xloader.load(res["id"])
    assert status["status"] == "error" and "loopback" in status["error"]["message"] \
        or "private" in status["error"]["message"]
    assert data_server.hits.get("/internal.csv") is None


def _unhcr_rows():
    text = fixture_bytes("unhcr", "refugee_data_finder_population_EU_plus_UK.csv").decode()
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
def test_tsv_loads(xloader, data_server):
    # the UNHCR recording, tab-separated the way the Refugee Data Finder also offers it
    out = io.StringIO()
    csv.writer(out, delimiter="\t", lineterminator="\n").writerows(_unhcr_rows())
    res = _resource(xloader, data_server.serve("/unhcr.tsv", out.getvalue()), fmt="TSV")
    assert xloader.load(res["id"])["status"] == "complete"
    found = helpers.call_action("datastore_search", resource_id=res["id"],
                                filters={"Year": "2024", "Country of Asylum ISO": "DEU"})
    expected = [r for r in _unhcr_rows()[1:] if r[0] == "2024" and r[3] == "DEU"]
    assert found["total"] == len(expected) == 1
    assert found["records"][0]["Refugees"] == expected[0][5]


@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
def test_xlsx_loads(xloader, data_server):
    # no producer XLSX is recorded: the UNHCR recording's rows, saved as a workbook
    import openpyxl
    book = openpyxl.Workbook()
    sheet = book.active
    for row in _unhcr_rows():
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    url = data_server.serve("/unhcr.xlsx", out.getvalue(), headers={
        "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    res = _resource(xloader, url, fmt="XLSX")
    status = xloader.load(res["id"])
    assert status["status"] == "complete", status["error"]
    found = helpers.call_action("datastore_search", resource_id=res["id"], limit=0)
    assert found["total"] == 425
    assert "Country of Asylum ISO" in [f["id"] for f in found["fields"]]


@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
def test_a_dataset_created_with_its_data_gets_it_loaded(xloader, data_server):
    # a harvest or an API client sends the resources inside package_create, which xloader
    # alone does not notice
    url = data_server.serve_fixture("/unhcr.csv", "unhcr",
                                    "refugee_data_finder_population_EU_plus_UK.csv")
    org = factories.Organization()
    pkg = helpers.call_action("package_create", context={"user": xloader.user["name"]},
                              **dataset(owner_org=org["id"], resources=[
                                  {"url": url, "format": "CSV", "name": "data",
                                   "raw_data": "true"},
                                  {"url": "https://example.org/report", "format": "HTML",
                                   "name": "report"}]))
    xloader.work()
    csv_id = pkg["resources"][0]["id"]
    assert xloader.status(csv_id)["status"] == "complete"
    assert helpers.call_action("datastore_search", resource_id=csv_id, limit=0)["total"] == 425
    # the web page is not a table: never queued
    with pytest.raises(tk.ObjectNotFound):
        xloader.status(pkg["resources"][1]["id"])
