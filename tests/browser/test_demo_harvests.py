"""The demo's harvest jobs (`ckan migration demo-harvests`) on the harvest dashboard in a
browser, as a sysadmin: finished, failing and stalled sources side by side, accessible;
screenshot .run/test/screenshots/demo-harvest-dashboard.png."""
from playwright.sync_api import expect

from ckan.tests import factories

from ckanext.migration.demo import harvests
from ckanext.migration.harvesting import registry

from .a11y import assert_accessible


def test_demo_jobs_on_the_dashboard(page, screenshot, migration_db, clean_queues):
    registry.sync(registry.load())
    harvests.run()
    token = factories.APIToken(user=factories.Sysadmin()["name"])["token"]
    page.context.set_extra_http_headers({"Authorization": token})
    page.goto("/harvest/dashboard")
    rows = page.locator("tr.migration-harvest-source")
    expect(rows).to_have_count(len(registry.load()))
    expect(page.locator('tr[data-source="undesa-international-migrant-stock"]')) \
        .to_contain_text("Finished")
    hdx = page.locator('tr[data-source="hdx-migration"]')
    expect(hdx).to_contain_text("Failed")
    expect(hdx.locator(".migration-harvest-errors")).to_contain_text("answered HTTP 403")
    eurostat = page.locator('tr[data-source="eurostat-migration"]')
    expect(eurostat).to_contain_text("Stalled (closed by the harvest doctor)")
    expect(eurostat.locator(".migration-harvest-errors")).to_contain_text("Stalled:")
    assert_accessible(page, include="#content")
    screenshot("demo-harvest-dashboard.png")
    page.get_by_role("link", name="Failing (2)").click()
    expect(rows).to_have_count(2)
