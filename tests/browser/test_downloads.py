"""Downloads of DataStore rows in a browser: the resource page's menu lists XLSX, and the
table preview's "Filtered download" menu gets XLSX, whose file holds the rows the table shows
after a search (screenshot download-menu.png in .run/test/screenshots/)."""
import io
import re

import openpyxl
from playwright.sync_api import expect

from .test_resource_preview import _loaded_resource


def test_xlsx_in_both_download_menus(page, xloader, data_server, screenshot):
    pkg, res = _loaded_resource(xloader, data_server)
    page.goto("/dataset/%s/resource/%s" % (pkg["name"], res["id"]))
    page.locator("#dropdownDownloadFormat").click()
    item = page.get_by_role("link", name="Excel (XLSX)")
    expect(item).to_be_visible()
    expect(item).to_have_attribute("href", "/datastore/dump/%s?format=xlsx" % res["id"])
    screenshot("download-menu.png")
    page.keyboard.press("Escape")

    table = page.frame_locator("iframe[aria-label='Data viewer']")
    expect(table.get_by_text(re.compile(r"of 425 entries"))).to_be_visible()
    search = table.locator("input[type=search][aria-controls=dtprv]")
    search.fill("Malta")
    search.press("Enter")
    expect(table.get_by_text(re.compile(r"of 17 entries"))).to_be_visible()
    table.locator("button[title='Filtered download']").click()
    with page.expect_download() as download:
        table.locator(".dt-button-collection a", has_text="XLSX").click()
    path = download.value.path()
    book = openpyxl.load_workbook(io.BytesIO(open(path, "rb").read()), read_only=True)
    rows = list(book["Data"].iter_rows(values_only=True))
    assert rows[0][:3] == ("_id", "Year", "Country of Asylum")
    assert len(rows) == 18 and {r[2] for r in rows[1:]} == {"Malta"}
    meta = dict(book["Metadata"].iter_rows(values_only=True))
    assert meta["Filters applied"].startswith("full-text query: Malta")
    # (CKAN's datatables asks for a vendor image it does not ship: a 404 of its own)
    assert [e for e in page.console_errors if "Failed to load resource" not in e] == []
