"""Broken links in a browser: the dataset page's notices and the report page of an
organisation admin, accessible (axe-core); screenshots .run/test/screenshots/
broken-links-dataset.png and broken-links-report.png."""
from playwright.sync_api import expect

from ckan.tests import factories, helpers

from ckanext.migration import linkcheck

from ..test_linkcheck import ALLOW_PRIVATE, server  # noqa: F401  (the local HTTP server)
from .a11y import assert_accessible

pytestmark = ALLOW_PRIVATE


def _resources(url, *paths):
    return [{"url": url + path, "name": name, "format": "CSV", "raw_data": raw}
            for path, name, raw in paths]


def test_dataset_page_and_report(page, create_dataset, screenshot, server):  # noqa: F811
    pkg = create_dataset(name="asylum-gone", title="Asylum applicants (links gone)",
                         resources=_resources(server.url,
                                              ("/missing", "Monthly table (CSV)", "true"),
                                              ("/error", "Annual table (CSV)", "true"),
                                              ("/ok", "Methodology note", "false")))
    create_dataset(name="asylum-secret", title="Secret asylum table", private=True,
                   resources=_resources(server.url, ("/missing", "Secret table", "true")))
    create_dataset(name="asylum-fine", title="Asylum applicants (links fine)",
                   resources=_resources(server.url, ("/ok", "Table", "true")))
    assert linkcheck.run()["broken"] == 3

    page.goto("/dataset/%s" % pkg["name"])
    badge = page.locator("section.migration-quality .migration-link-health")
    expect(badge).to_contain_text("Raw data links broken since")
    notices = page.locator("li.resource-item .migration-link-broken")
    expect(notices).to_have_count(2)
    expect(notices.first).to_contain_text("HTTP 404")
    expect(notices.nth(1)).to_contain_text("HTTP 500")
    assert_accessible(page)
    screenshot("broken-links-dataset.png")

    # the search page's facet and filter
    page.goto("/dataset/")
    page.get_by_role("link", name="Raw data links broken").first.click()
    page.wait_for_url("**link_health=raw_data_broken**")
    expect(page.locator(".dataset-heading a")).to_have_text(["Asylum applicants (links gone)"])

    # the report, as the organisation's admin (the private dataset is theirs)
    admin = factories.User()
    org_id = pkg["owner_org"]
    helpers.call_action("organization_member_create", id=org_id, username=admin["name"],
                        role="admin")
    token = factories.APIToken(user=admin["name"])["token"]
    page.context.set_extra_http_headers({"Authorization": token})
    page.goto("/report/broken-links")
    expect(page.locator(".migration-broken-count")).to_have_text("3 broken links")
    rows = page.locator("tr.migration-broken-link")
    expect(rows).to_have_count(3)
    expect(rows.nth(2)).to_contain_text("Secret asylum table")
    expect(rows.nth(2)).to_contain_text("Private")
    # the content: CKAN's own logged-in header (account links named "View profile",
    # "Dashboard (0 new items)") fails label-content-name-mismatch, outside this page
    assert_accessible(page, include="#content")
    screenshot("broken-links-report.png")
    page.get_by_role("link", name="Monthly table (CSV)").click()
    expect(page.locator(".alert.migration-link-broken h2")).to_contain_text(
        "Link broken since")
    assert_accessible(page, include="#content")
    screenshot("broken-links-resource.png")
