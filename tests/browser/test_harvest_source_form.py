"""The harvest source form in a browser, as a sysadmin: our harvesters first, the help of
the selected type, "Use this example", "Test this source" on the recorded Eurostat table
of contents, a bad key refused next to Configuration; accessible (axe-core); screenshots
.run/test/screenshots/harvest-source-form*.png."""
import re

from playwright.sync_api import expect

from ckan import model
from ckan.tests import factories
from ckanext.harvest.model import HarvestSource

from ..conftest import fixture_bytes
from ..harvesting.conftest import harvest_db  # noqa: F401
from .a11y import assert_accessible

TOC_URL = "https://ec.europa.eu/eurostat/api/dissemination/catalogue/toc/txt?lang=en"


def test_source_form_as_sysadmin(page, screenshot, harvest_db, http_replay):  # noqa: F811
    http_replay.add("GET", TOC_URL, body=fixture_bytes("eurostat", "table_of_contents_en.txt"))
    factories.Organization(name="eurostat")
    token = factories.APIToken(user=factories.Sysadmin()["name"])["token"]
    page.context.set_extra_http_headers({"Authorization": token})
    page.goto("/harvest/new")
    radios = page.locator('input[name="source_type"]')
    expect(radios.first).to_have_attribute("value", "migration_eurostat")
    expect(radios.first).to_be_checked()
    expect(page.locator('input[name="source_type"][value="ckan"]')).to_have_count(0)
    eurostat = page.locator('.migration-source-help[data-source-type="migration_eurostat"]')
    hdx = page.locator('.migration-source-help[data-source-type="migration_ckan"]')
    expect(eurostat).to_be_visible()
    expect(hdx).to_be_hidden()
    page.get_by_role("radio", name="CKAN portal (HDX...)").check()
    expect(hdx).to_be_visible()
    expect(hdx).to_contain_text("hdx-migration")
    expect(eurostat).to_be_hidden()
    page.get_by_role("radio", name="Eurostat table of contents").check()
    eurostat.get_by_role("button", name="Use this example").click()
    expect(page.locator("#field-url")).to_have_value(TOC_URL)
    expect(page.locator("#field-config")).to_have_value(re.compile(r'"code_prefixes"'))
    page.get_by_role("button", name="Test this source").click()
    records = page.locator(".migration-source-test-record")
    expect(records).to_have_count(5)
    expect(page.locator(".migration-source-test-records")).to_contain_text("nothing was saved")
    assert_accessible(page, include="#content")
    screenshot("harvest-source-form.png")
    # (the factory organisation's image is an outside URL, answered 404 here)
    assert [e for e in page.console_errors if "Failed to load resource" not in e] == []
    # a bad key: said next to Configuration, nothing saved
    page.locator("#field-title").fill("Eurostat")
    page.locator("#field-config").fill('{"code_prefix": ["migr_"]}')
    page.get_by_role("button", name="Test this source").click()
    expect(page.locator(".migration-source-test-errors")).to_contain_text(
        "unknown configuration keys ['code_prefix']")
    page.locator("#save").click()
    expect(page.locator("#field-config").locator("xpath=..")).to_contain_text(
        "unknown configuration keys ['code_prefix']")
    screenshot("harvest-source-form-error.png")
    model.Session.remove()
    assert model.Session.query(HarvestSource).count() == 0
