"""/dataset/export.csv and .xlsx: search results with codes and labels, real index."""
import csv
import io

import pytest
from openpyxl import load_workbook

from ckan.tests import factories, helpers

from ckanext.migration import export, vocab

from .factories import dataset

pytestmark = pytest.mark.usefixtures("with_plugins", "migration_db")

FILTER = "countries=SEN&gcm_objectives=1"


@pytest.fixture
def sysadmin():
    return factories.SysadminWithToken()


@pytest.fixture
def catalogue(sysadmin):
    """Five public datasets (three match FILTER: ex-a, ex-c, ex-e) and a private one."""
    org = factories.Organization(name="unhcr-org", title="UNHCR")
    common = dict(owner_org=org["id"])
    specs = {
        "ex-a": dict(title="Bravo", countries=["SEN", "MLI"], gcm_objectives=["1", "20"],
                     creator=[{"name": "World Bank"}, {"name": "KNOMAD"}],
                     frequency="ANNUAL", temporal_coverage=[{"start": "2010", "end": "2015"},
                                                            {"start": "2005", "end": "2008"}]),
        "ex-b": dict(title="Delta", countries=["DEU"], gcm_objectives=["1"]),
        "ex-c": dict(title="Alpha", countries=["SEN"], gcm_objectives=["1", "8"],
                     caveat_flags=["modelled_estimates"]),
        "ex-d": dict(title="Echo", countries=["SEN"], gcm_objectives=["2"]),
        "ex-e": dict(title="=HYPERLINK(\"http://x\")", countries=["SEN"],
                     gcm_objectives=["1"]),
        "ex-private": dict(title="Secret", countries=["SEN"], gcm_objectives=["1"],
                           private=True),
    }
    for name, spec in specs.items():
        helpers.call_action("package_create", context={"user": sysadmin["name"]},
                            **dataset(name=name, **common, **spec))
    return specs


def get(app, fmt, query="", status=200, **headers):
    resp = app.get(f"/dataset/export.{fmt}?{query}", headers=headers, status=status)
    return resp


def csv_rows(app, query="", **headers):
    resp = get(app, "csv", query, **headers)
    assert resp.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in resp.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))


def xlsx_rows(app, query="", **headers):
    resp = get(app, "xlsx", query, **headers)
    sheet = load_workbook(io.BytesIO(resp.get_data())).active
    header, *rows = [[c.value for c in r] for r in sheet.iter_rows()]
    return [dict(zip(header, r)) for r in rows], sheet


def test_csv_filter_with_codes_and_labels(app, catalogue):
    rows = csv_rows(app, FILTER + "&sort=name asc")
    assert list(rows[0]) == list(export.COLUMNS)
    assert [r["name"] for r in rows] == ["ex-a", "ex-c", "ex-e"]
    a = rows[0]
    assert a["countries"] == "SEN; MLI" and a["countries_label"] == "Senegal; Mali"
    assert a["gcm_objectives"] == "1; 20"
    gcm = vocab.get_vocabulary("gcm_objectives")
    assert a["gcm_objectives_label"] == "1. %s; 20. %s" % (gcm.label("1"), gcm.label("20"))
    assert a["producer"] == "World Bank; KNOMAD"
    assert (a["collection_start"], a["collection_end"]) == ("2005", "2015")
    assert a["frequency"] == "ANNUAL" and a["frequency_label"] == "Annual"
    assert a["freshness"] == "delinquent" and a["freshness_label"] == "Delinquent"
    assert a["transparency_score"] == "100" and a["transparency_missing"] == ""
    assert (a["organization"], a["organization_title"]) == ("unhcr-org", "UNHCR")
    assert a["license_id"] == "cc-by" and a["resource_formats"] == "CSV"
    assert a["source_platform"] == "Eurostat" and a["last_updated_at_source"] == "2025-03-01"
    assert a["original_page"].startswith("https://ec.europa.eu/eurostat/")
    assert a["catalogue_url"].endswith("/dataset/ex-a")
    assert a["caveat_flags_label"] == "Provisional figures; Break in series"
    assert rows[1]["caveat_flags"] == "modelled_estimates"
    assert a["regions_label"] == "" and a["topics_label"] == "Forced displacement; Migration flows"
    assert rows[2]["title"] == "'=HYPERLINK(\"http://x\")"  # never a live formula


def test_xlsx_same_rows_as_csv(app, catalogue):
    rows, sheet = xlsx_rows(app, FILTER + "&sort=name asc")
    assert [r["name"] for r in rows] == ["ex-a", "ex-c", "ex-e"]
    assert rows[0]["countries_label"] == "Senegal; Mali"
    assert rows[0]["gcm_objectives"] == "1; 20" and rows[0]["transparency_score"] == 100
    formula = sheet.cell(row=4, column=export.COLUMNS.index("title") + 1)
    assert formula.data_type == "s" and formula.value.startswith("=HYPERLINK")
    expected = csv_rows(app, FILTER + "&sort=name asc")
    assert [r["countries_label"] for r in rows] == [r["countries_label"] for r in expected]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_sort_respected(app, catalogue, fmt):
    rows = csv_rows(app, "sort=title_string desc") if fmt == "csv" else \
        xlsx_rows(app, "sort=title_string desc")[0]
    assert [r["title"].lstrip("'") for r in rows] == [
        "Echo", "Delta", "Bravo", "Alpha", '=HYPERLINK("http://x")']


def test_pages_neither_repeat_nor_skip(app, catalogue, monkeypatch):
    monkeypatch.setattr(export, "PAGE_SIZE", 2)
    assert sorted(r["name"] for r in csv_rows(app)) == ["ex-a", "ex-b", "ex-c", "ex-d", "ex-e"]


def test_private_datasets_never_exported(app, catalogue, sysadmin):
    auth = {"Authorization": sysadmin["token"]}
    for rows in (csv_rows(app, FILTER), csv_rows(app, FILTER, **auth),
                 xlsx_rows(app, "q=Secret", **auth)[0]):
        assert "ex-private" not in [r["name"] for r in rows]
    assert helpers.call_action("package_show", id="ex-private")["private"]


@pytest.mark.ckan_config("ckanext.migration.export.max_rows", "2")
def test_over_limit_is_refused_with_count(app, catalogue):
    resp = get(app, "csv", FILTER, status=400)
    message = resp.json["error"]
    assert "matches 3 datasets" in message and "limited to 2" in message
    assert "Narrow the search" in message
    html = get(app, "xlsx", FILTER, status=400, Accept="text/html,application/xhtml+xml")
    assert "matches 3 datasets" in html.get_data(as_text=True)
    assert len(csv_rows(app, "countries=DEU")) == 1  # under the limit: exported


@pytest.mark.parametrize("query, reason", [
    ("sort=title_string sideways", 'Invalid "sort" parameter'),
    ("sort=notes asc", "can not sort on multivalued or tokenized field: notes"),
    ("coun%28tries=SEN", "Cannot parse"),
    ("q=title:(unclosed", "Invalid search query")])
def test_malformed_search_is_400(app, catalogue, query, reason):
    for fmt in ("csv", "xlsx"):
        resp = get(app, fmt, query, status=400)
        assert resp.json["error"].startswith("Invalid search") and reason in resp.json["error"]
