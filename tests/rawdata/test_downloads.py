"""Downloads of DataStore rows (/datastore/dump/<id>): CSV, TSV, JSON, XML by CKAN, XLSX by
views/download.py; read back and compared with datastore_search, over real HTTP from the live
server, after a real xloader load of a recorded UNHCR file."""
import csv
import datetime as dt
import io
import json
import xml.etree.ElementTree as ET

import openpyxl
import pytest
import requests
from bs4 import BeautifulSoup
from ckan.tests import factories, helpers

from ..factories import dataset

PLUGINS = ("activity migration scheming_datasets harvest dcat structured_data "
           "image_view datatables_view datastore xloader")
FORMATS = ("csv", "tsv", "json", "xml", "xlsx")
GERMANY = {"Country of Asylum": "Germany"}


def _load_unhcr(xloader, data_server, private=False):
    url = data_server.serve_fixture("/unhcr.csv", "unhcr",
                                    "refugee_data_finder_population_EU_plus_UK.csv")
    org = factories.Organization(title="UN Refugee Agency (UNHCR)")
    ctx = {"user": xloader.user["name"]}
    pkg = helpers.call_action("package_create", context=dict(ctx), **dataset(
        name="unhcr-population", title="Refugee population EU+ and UK", owner_org=org["id"],
        private=private, resources=[]))
    res = helpers.call_action("resource_create", context=dict(ctx), package_id=pkg["id"],
                              url=url, format="CSV", name="Population figures")
    status = xloader.load(res["id"])
    assert status["status"] == "complete", status
    return pkg, res


def _expected(resource_id, **params):
    """Header and rows (as text) that datastore_search answers for ``params``."""
    found = helpers.call_action("datastore_search", resource_id=resource_id,
                                **dict({"limit": 10000}, **params))
    header = [f["id"] for f in found["fields"]]
    return header, [_text(r[h] for h in header) for r in found["records"]]


def _text(values):
    return ["" if v is None else str(v) for v in values]


def read_back(fmt, body):
    """(header, rows as text) of a download in ``fmt``."""
    if fmt in ("csv", "tsv"):
        table = list(csv.reader(io.StringIO(body.decode("utf-8-sig")),
                                dialect="excel-tab" if fmt == "tsv" else "excel"))
        return table[0], table[1:]
    if fmt == "json":
        doc = json.loads(body)
        return [f["id"] for f in doc["fields"]], [_text(r) for r in doc["records"]]
    if fmt == "xml":
        root = ET.fromstring(body)
        rows = [[row.get("_id")] + [c.text or "" for c in row] for row in root]
        return None, rows  # XML names elements, not columns (spaces dropped)
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    assert book.sheetnames == ["Data", "Metadata"]
    table = [_text(r) for r in book["Data"].iter_rows(values_only=True)]
    return table[0], table[1:]


def metadata_sheet(body):
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    return {label: value for label, value in book["Metadata"].iter_rows(values_only=True)}


def _get(live_server, resource_id, token=None, **params):
    headers = {"Authorization": token} if token else {}
    return requests.get(live_server.url_for("/datastore/dump/%s" % resource_id),
                        params=params, headers=headers, timeout=60)


@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
def test_every_format_has_every_row_and_the_filtered_ones(xloader, data_server, live_server):
    pkg, res = _load_unhcr(xloader, data_server)
    header, rows = _expected(res["id"])
    assert len(rows) == 425
    g_header, g_rows = _expected(res["id"], filters=GERMANY)
    assert len(g_rows) == 17 and {r[2] for r in g_rows} == {"Germany"}
    q_header, q_rows = _expected(res["id"], q="Sweden")
    assert 0 < len(q_rows) < 425
    for fmt in FORMATS:
        full = _get(live_server, res["id"], format=fmt)
        assert full.status_code == 200, (fmt, full.text[:500])
        got_header, got_rows = read_back(fmt, full.content)
        assert got_rows == rows, fmt
        if got_header is not None:
            assert got_header == header, fmt

        filtered = _get(live_server, res["id"], format=fmt, filters=json.dumps(GERMANY))
        assert filtered.status_code == 200, fmt
        assert read_back(fmt, filtered.content)[1] == g_rows, fmt

        queried = _get(live_server, res["id"], format=fmt, q="Sweden")
        assert queried.status_code == 200, fmt
        assert read_back(fmt, queried.content)[1] == q_rows, fmt

    xlsx = _get(live_server, res["id"], format="xlsx", filters=json.dumps(GERMANY))
    assert xlsx.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert xlsx.headers["Content-Disposition"] == 'attachment; filename="%s.xlsx"' % res["id"]
    meta = metadata_sheet(xlsx.content)
    dataset_url = live_server.url_for("/dataset/unhcr-population")
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    assert meta["Title"] == "Refugee population EU+ and UK"
    assert meta["Resource"] == "Population figures"
    assert meta["Producer"] == "UN Refugee Agency (UNHCR)"
    assert meta["Period"] == "2008-01-01 – 2024-12-31"
    assert meta["Caveats"] == "Figures for the latest month are provisional."
    assert meta["Caveat flags"] == "Provisional figures; Break in series"
    assert meta["Licence"].startswith("Creative Commons Attribution")
    assert meta["Citation"] == (
        "UN Refugee Agency (UNHCR) (2025). Refugee population EU+ and UK: Population figures "
        "[Data set]. Migration data catalogue. %s (accessed %s)." % (dataset_url, today))
    assert meta["Dataset page"] == dataset_url
    assert meta["Original file"] == res["url"]
    assert meta["This download"].startswith(live_server.url_for("/datastore/dump/" + res["id"]))
    assert meta["Filters applied"] == "Country of Asylum = Germany"
    assert meta["Rows"] == 17
    full_meta = metadata_sheet(_get(live_server, res["id"], format="xlsx").content)
    assert full_meta["Filters applied"] == "None: every row of the resource"
    assert full_meta["Rows"] == 425


@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
def test_xlsx_follows_the_dump_parameters(xloader, data_server, live_server):
    _pkg, res = _load_unhcr(xloader, data_server)
    fields = ["Year", "Country of Asylum", "Refugees"]
    params = dict(filters=json.dumps({"Year": ["2020", "2021"]}), sort="Country of Asylum desc",
                  fields=",".join(fields), offset="3", limit="20")
    header, rows = _expected(res["id"], filters={"Year": ["2020", "2021"]},
                             sort="Country of Asylum desc", fields=fields, offset=3, limit=20)
    for fmt in ("csv", "xlsx"):
        got = _get(live_server, res["id"], format=fmt, **params)
        assert got.status_code == 200
        assert read_back(fmt, got.content) == (header, rows), fmt
    meta = metadata_sheet(_get(live_server, res["id"], format="xlsx", **params).content)
    assert meta["Filters applied"] == (
        "Year = 2020 or 2021; fields: Year,Country of Asylum,Refugees; "
        "sorted by Country of Asylum desc; from row 4; at most 20 rows")


@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
def test_private_dataset_rows_reach_no_anonymous_user(xloader, data_server, live_server):
    _pkg, res = _load_unhcr(xloader, data_server, private=True)
    token = factories.APIToken(user=xloader.user["name"])["token"]
    stranger = factories.APIToken(user=factories.User()["name"])["token"]
    for fmt in FORMATS:
        for who in (None, stranger):
            got = _get(live_server, res["id"], token=who, format=fmt)
            assert got.status_code == 404, (fmt, who)
            assert b"Afghanistan" not in got.content and b"PK" != got.content[:2]
        allowed = _get(live_server, res["id"], token=token, format=fmt)
        assert allowed.status_code == 200, fmt
        assert len(read_back(fmt, allowed.content)[1]) == 425


@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
def test_a_resource_not_in_the_datastore_links_to_its_original_file(xloader, live_server):
    org = factories.Organization()
    ctx = {"user": xloader.user["name"]}
    pkg = helpers.call_action("package_create", context=dict(ctx), **dataset(
        owner_org=org["id"], resources=[]))
    res = helpers.call_action("resource_create", context=dict(ctx), package_id=pkg["id"],
                              url="https://example.org/files/report.pdf", format="PDF",
                              name="Report")
    for fmt in FORMATS:
        got = _get(live_server, res["id"], format=fmt)
        assert got.status_code == 404, fmt
        page = BeautifulSoup(got.text, "html.parser")
        assert "not in the DataStore" in page.find("h1").get_text()
        link = page.select_one("a.migration-original-file")
        assert link["href"] == "https://example.org/files/report.pdf"
        assert "(PDF)" in link.get_text()
    # an id that is no resource at all
    assert _get(live_server, "no-such-resource", format="xlsx").status_code == 404
    # a private dataset's resource is not described to anonymous users
    private = helpers.call_action("package_create", context=dict(ctx), **dataset(
        name="private-report", owner_org=org["id"], private=True, resources=[]))
    hidden = helpers.call_action("resource_create", context=dict(ctx),
                                 package_id=private["id"], url="https://example.org/secret.pdf",
                                 format="PDF", name="Secret")
    got = _get(live_server, hidden["id"], format="xlsx")
    assert got.status_code == 404 and "secret.pdf" not in got.text


@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
def test_bad_download_requests_are_400s(xloader, data_server, live_server):
    _pkg, res = _load_unhcr(xloader, data_server)
    got = _get(live_server, res["id"], format="xls")
    assert got.status_code == 400
    assert "Unknown download format" in got.text and "xls" in got.text
    assert "csv, tsv, json, xml, xlsx" in got.text
    for fmt in FORMATS:  # an unknown column is the DataStore's error, not a 500
        got = _get(live_server, res["id"], format=fmt, filters=json.dumps({"Nope": "x"}))
        assert got.status_code == 400, (fmt, got.status_code)
        assert "Nope" in got.text
    got = _get(live_server, res["id"], format="xlsx", filters="{not json")
    assert got.status_code == 400 and "filters" in got.text


@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
def test_resource_page_and_filtered_table_offer_xlsx(xloader, data_server, live_server):
    pkg, res = _load_unhcr(xloader, data_server)
    page = requests.get(live_server.url_for("/dataset/%s/resource/%s" % (pkg["name"], res["id"])),
                        timeout=30)
    assert page.status_code == 200
    menu = BeautifulSoup(page.text, "html.parser").select_one("ul.migration-datastore-downloads")
    links = {a.get_text(strip=True): a["href"] for a in menu.select("a.dropdown-item")}
    assert list(links) == ["CSV", "TSV", "JSON", "XML", "Excel (XLSX)"]
    assert links["Excel (XLSX)"] == "/datastore/dump/%s?format=xlsx" % res["id"]
    for label, href in links.items():
        assert requests.get(live_server.url_for(href), timeout=60).status_code == 200, label

    # the datatables view's filtered download (its form posts params + format)
    view = helpers.call_action("resource_view_create", context={"user": xloader.user["name"]},
                               resource_id=res["id"], view_type="datatables_view", title="Table")
    header, _rows = _expected(res["id"])
    params = {"search": {"value": ""}, "order": [{"column": 0, "dir": "asc"}],
              "visible": [True] * len(header),
              "columns": [{"name": h, "search": {"value": ""}} for h in header]}
    got = requests.post(live_server.url_for("/datatables/filtered-download/" + view["id"]),
                        data={"params": json.dumps(params), "format": "xlsx",
                              "filters": "Country of Asylum:Germany"}, timeout=60)
    assert got.status_code == 200
    assert read_back("xlsx", got.content) == _expected(res["id"], filters=GERMANY)
    assert metadata_sheet(got.content)["Filters applied"].startswith(
        "Country of Asylum = Germany")
