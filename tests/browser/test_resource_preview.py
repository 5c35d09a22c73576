"""The resource page of a table loaded into the DataStore, in a browser: CKAN's table
preview (filter, rows, paging) and our chart and map views, accessible (axe-core);
screenshots preview-table.png, preview-chart.png, preview-map.png in
.run/test/screenshots/."""
import re

from playwright.sync_api import expect

from ..factories import dataset
from .a11y import assert_accessible

UNHCR = ("unhcr", "refugee_data_finder_population_EU_plus_UK.csv")


def _loaded_resource(xloader, data_server):
    from ckan.tests import factories, helpers
    org = factories.Organization(image_url="", title="UNHCR")
    context = {"user": xloader.user["name"]}
    pkg = helpers.call_action("package_create", context=context, **dataset(
        name="unhcr-population", title="Refugee population in Europe", owner_org=org["id"],
        resources=[]))
    url = data_server.serve_fixture("/population.csv", *UNHCR)
    res = helpers.call_action("resource_create", context=context, package_id=pkg["id"],
                              url=url, format="CSV", name="Population figures")
    assert xloader.load(res["id"])["status"] == "complete"
    return pkg, res


def test_table_chart_and_map_previews(page, xloader, data_server, screenshot):
    pkg, res = _loaded_resource(xloader, data_server)
    missing = []
    page.context.on("response", lambda r: r.status >= 400 and missing.append(r.url))
    page.goto("/dataset/%s/resource/%s" % (pkg["name"], res["id"]))

    # the table comes first, in CKAN's iframe: 425 rows, filtered by what one types
    table = page.frame_locator("iframe[aria-label='Data viewer']")
    rows = table.locator("#dtprv tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 10
    expect(table.locator("#dtprv")).to_contain_text("Austria")
    expect(table.get_by_text(re.compile(r"of 425 entries"))).to_be_visible()
    expect(table.locator(".dt-paging, .dataTables_paginate").first).to_be_visible()
    table.locator(".dt-paging, .dataTables_paginate").first.get_by_text("2", exact=True).click()
    expect(table.get_by_text(re.compile(r"Showing 21 to 40 of 425 entries"))).to_be_visible()
    # CKAN's table searches on Enter
    search = table.locator("input[type=search][aria-controls=dtprv]")
    search.fill("Malta")
    search.press("Enter")
    expect(table.get_by_text(re.compile(r"of 17 entries"))).to_be_visible()
    expect(rows.first).to_contain_text("Malta")
    screenshot("preview-table.png")

    page.get_by_role("link", name="Chart over time").click()
    chart = page.locator(".migration-chart-view")
    expect(chart.get_by_role("img", name=re.compile(r"^Refugees by Year"))).to_be_visible()
    expect(chart.locator(".migration-chart-series")).to_have_count(5)
    expect(chart.get_by_role("listitem").filter(has_text="Germany")).to_be_visible()
    chart.get_by_text("The figures as a table").click()
    expect(chart.get_by_role("row", name=re.compile(r"^2024 "))).to_be_visible()
    screenshot("preview-chart.png")
    assert_accessible(page)

    page.get_by_role("link", name="Map").click()
    world = page.locator(".migration-map-view")
    expect(world.get_by_role("img", name=re.compile(r"^Refugees by country, 2024"))) \
        .to_be_visible()
    assert world.locator("path[data-iso3=DEU]").get_attribute("fill") != \
        world.locator("path[data-iso3=USA]").get_attribute("fill")
    world.get_by_text("The figures as a table").click()
    expect(world.get_by_role("row", name=re.compile(r"^Germany DEU "))).to_be_visible()
    screenshot("preview-map.png")
    assert_accessible(page)
    # CKAN 2.12's datatables_view asks for an icon its package does not ship (the clear
    # button of its search boxes); nothing else may fail
    assert [url.rsplit("/webassets/", 1)[-1] for url in missing] == \
        ["ckanext-datatablesview/vendor/FontAwesome/images/times-circle-solid.svg"]
    assert [e for e in page.console_errors if "404 (NOT FOUND)" not in e] == []
