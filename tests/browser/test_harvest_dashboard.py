"""The harvest dashboard in a browser, as a sysadmin: three recorded harvests (ok, failing,
never run), accessible (axe-core); screenshot .run/test/screenshots/harvest-dashboard.png."""
from playwright.sync_api import expect

from ckan.tests import factories

from ..harvesting.conftest import harvest_db  # noqa: F401
from ..harvesting.test_dashboard import sources  # noqa: F401  (recorded harvests)
from .a11y import assert_accessible


def test_dashboard_as_sysadmin(page, screenshot, sources, clean_queues):  # noqa: F811
    token = factories.APIToken(user=factories.Sysadmin()["name"])["token"]
    page.context.set_extra_http_headers({"Authorization": token})
    page.goto("/harvest")
    page.get_by_role("link", name="Harvest dashboard").click()
    page.wait_for_url("**/harvest/dashboard")
    rows = page.locator("tr.migration-harvest-source")
    expect(rows).to_have_count(3)
    broken = page.locator('tr[data-source="broken"]')
    expect(broken.locator(".migration-harvest-errors")).to_contain_text(
        "did not answer a CKAN package_search result")
    expect(page.locator('tr[data-source="hdx"] [data-count="published"]')).to_have_text("3")
    expect(page.locator('tr[data-source="hdx"] svg.migration-harvest-trend')).to_be_visible()
    assert_accessible(page, include="#content")
    screenshot("harvest-dashboard.png")
    page.get_by_role("link", name="Failing (1)").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Broken portal")
