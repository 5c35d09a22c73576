"""Previews of DataStore tables on the resource page: CKAN's table (datatables_view) and
our chart (migration_chart_view) and map (migration_map_view), made as default views
when ckanext-xloader has loaded a recording (real queue, worker and DataStore), and their
figures checked against the recorded CSV read with the csv module."""
import collections
import csv
import io
import uuid

import pytest
import requests
from bs4 import BeautifulSoup
from ckan import plugins as p
from ckan.tests import factories, helpers

from ckanext.migration.resource_views import build

from ..conftest import fixture_bytes
from ..factories import dataset

PLUGINS = ("activity migration scheming_datasets harvest dcat structured_data "
           "image_view datatables_view datastore xloader migration_chart_view "
           "migration_map_view")
DEFAULT_VIEWS = "image_view datatables_view migration_chart_view migration_map_view"
UNHCR = ("unhcr", "refugee_data_finder_population_EU_plus_UK.csv")
ASYLUM = ("eurostat", "data_MIGR_ASYAPPCTZA_sdmxcsv2_labels.csv")
APPREHENDED = ("eurostat", "data_MIGR_EIPRE_sdmxcsv1_labels.csv")

pytestmark = [pytest.mark.ckan_config("ckan.plugins", PLUGINS),
              pytest.mark.ckan_config("ckan.views.default_views", DEFAULT_VIEWS)]


def _csv(parts):
    return list(csv.DictReader(io.StringIO(fixture_bytes(*parts).decode("utf-8-sig"))))


def _num(text):
    return float(text.replace(",", ""))


def _loaded(xloader, data_server, parts, private=False, org=None):
    """A dataset with one resource serving the recording, loaded into the DataStore."""
    org = org or factories.Organization()
    context = {"user": xloader.user["name"]}
    pkg = helpers.call_action("package_create", context=context, **dataset(
        name="views-" + uuid.uuid4().hex[:10], owner_org=org["id"], private=private,
        resources=[]))
    url = data_server.serve_fixture("/" + parts[-1], *parts)
    res = helpers.call_action("resource_create", context=context, package_id=pkg["id"],
                              url=url, format="CSV", name="data")
    status = xloader.load(res["id"])
    assert status["status"] == "complete", status
    return pkg, helpers.call_action("resource_show", id=res["id"])


def _views(res):
    return {v["view_type"]: v for v in helpers.call_action("resource_view_list", id=res["id"])}


def _page(live_server, pkg, res, view, headers=None):
    resp = requests.get(live_server.url_for("/dataset/%s/resource/%s" % (pkg["name"], res["id"])),
                        params={"view_id": view["id"]}, headers=headers or {}, timeout=60)
    assert resp.status_code == 200, resp.status_code
    return BeautifulSoup(resp.text, "html.parser")


def _table(soup, selector):
    """{row header: [cells]} and the column heads of the view's figures table."""
    table = soup.select_one(selector + " table")
    heads = [th.get_text(strip=True) for th in table.select("thead th")]
    rows = {tr.th.get_text(" ", strip=True): [td.get_text(strip=True) for td in tr.find_all("td")]
            for tr in table.select("tbody tr")}
    return heads, rows


def test_unhcr_table_gets_table_chart_and_map_views(xloader, data_server, live_server):
    pkg, res = _loaded(xloader, data_server, UNHCR)
    views = _views(res)
    assert sorted(views) == ["datatables_view", "migration_chart_view", "migration_map_view"]
    # the table comes first: it is the one the resource page opens with
    assert helpers.call_action("resource_view_list", id=res["id"])[0]["view_type"] \
        == "datatables_view"

    rows = _csv(UNHCR)
    by_year_country = collections.Counter()
    for row in rows:
        by_year_country[(row["Year"], row["Country of Asylum ISO"])] += int(row["Refugees"])
    by_country = collections.Counter()
    for (year, country), n in by_year_country.items():
        by_country[country] += n
    top5 = [c for c, _ in sorted(by_country.items(), key=lambda kv: (-kv[1], kv[0]))[:5]]
    assert top5[0] == "DEU"

    soup = _page(live_server, pkg, res, views["migration_chart_view"])
    chart = soup.select_one(".migration-chart-view")
    svg = chart.select_one("svg[role=img]")
    assert svg.title.get_text() == "Refugees by Year in the 5 countries with the most (of 25)"
    assert "from 2008 to 2024" in svg.desc.get_text()
    assert len(svg.select(".migration-chart-series")) == 5
    heads, table = _table(chart, ".migration-view-table")
    assert heads == ["Year", "Germany", "France", "Poland", "Sweden", "Italy"]
    assert [h for h in heads[1:]] == [
        {"DEU": "Germany", "FRA": "France", "POL": "Poland", "SWE": "Sweden",
         "ITA": "Italy"}[c] for c in top5]
    assert sorted(table) == [str(y) for y in range(2008, 2025)]
    for year in ("2008", "2015", "2024"):
        assert [_num(c) for c in table[year]] == [by_year_country[(year, c)] for c in top5]
    # the figure under the mouse: each point has its own <title>
    assert "Germany, 2024: {:,}".format(by_year_country[("2024", "DEU")]) in chart.get_text()

    # the view's own page ("Fullscreen", embedding)
    alone = requests.get(live_server.url_for("/dataset/%s/resource/%s/view/%s" % (
        pkg["name"], res["id"], views["migration_chart_view"]["id"])), timeout=60)
    assert alone.status_code == 200
    assert BeautifulSoup(alone.text, "html.parser").select_one(
        ".migration-chart-view svg[role=img]") is not None

    soup = _page(live_server, pkg, res, views["migration_map_view"])
    world = soup.select_one(".migration-map-view")
    assert world.select_one("svg[role=img] title").get_text() == "Refugees by country, 2024"
    germany = world.select_one('path[data-iso3="DEU"]')
    assert germany.title.get_text() == "Germany: {:,}".format(by_year_country[("2024", "DEU")])
    assert germany["fill"] == build.SHADES[5]  # the largest figure, the darkest shade
    assert world.select_one('path[data-iso3="USA"]')["fill"] == build.SHADES[0]
    heads, table = _table(world, ".migration-view-table")
    assert heads == ["Country", "ISO code", "Refugees"]
    latest = {c: n for (y, c), n in by_year_country.items() if y == "2024" and n}
    assert len(table) == len(latest)
    assert _num(table["Germany"][1]) == latest["DEU"]
    # Malta is too small for a 1:110m map, not for the table
    assert table["Malta (too small for the map)"][0] == "MLT"
    assert len(world.select(".migration-map-view ul li")) >= 3  # "no figure" + classes


def test_sdmx_csv_counts_the_total_rows_of_each_breakdown(xloader, data_server, live_server):
    pkg, res = _loaded(xloader, data_server, ASYLUM)
    views = _views(res)
    assert {"datatables_view", "migration_chart_view", "migration_map_view"} <= set(views)

    # citizenship TOTAL and UA are both in the table: adding both would count Ukrainians
    # twice; the view counts the TOTAL rows
    expected = collections.Counter()
    for row in _csv(ASYLUM):
        assert row["citizen"] in ("TOTAL", "UA")
        if row["citizen"] == "TOTAL" and row["OBS_VALUE"]:
            expected[(row["TIME_PERIOD"], row["geo"])] += int(row["OBS_VALUE"])

    soup = _page(live_server, pkg, res, views["migration_chart_view"])
    chart = soup.select_one(".migration-chart-view")
    assert "Only the total rows of each breakdown are counted: citizen = TOTAL; " \
        "Country of citizenship = Total." in chart.get_text(" ", strip=True)
    heads, table = _table(chart, ".migration-view-table")
    # the data dictionary's label of TIME_PERIOD (tabular.column_labels), else its id
    labels = {f["id"]: (f.get("info") or {}).get("label") or f["id"] for f in
              helpers.call_action("datastore_search", resource_id=res["id"], limit=0)["fields"]}
    assert heads[:3] == [labels["TIME_PERIOD"], "Germany", "France"]
    assert chart.select_one("svg title").get_text().startswith(
        "%s by %s in the 5 countries" % (labels["OBS_VALUE"], labels["TIME_PERIOD"]))
    assert _num(table["2022"][0]) == expected[("2022", "DE")]
    assert _num(table["2016"][1]) == expected[("2016", "FR")]

    soup = _page(live_server, pkg, res, views["migration_map_view"])
    heads, table = _table(soup, ".migration-map-view .migration-view-table")
    # Eurostat's EL is Greece
    assert _num(table["Greece"][1]) == expected[("2024", "EL")]
    assert table["Greece"][0] == "GRC"


def test_aggregates_are_left_out_of_country_lines(xloader, data_server, live_server):
    pkg, res = _loaded(xloader, data_server, APPREHENDED)
    views = _views(res)
    soup = _page(live_server, pkg, res, views["migration_chart_view"])
    text = soup.select_one(".migration-chart-view").get_text(" ", strip=True)
    assert "Left out, not a country: European Union - 27 countries (from 2020), " \
           "European Union - 28 countries (2013-2020)." in text
    assert "reason = Total; apprehen = Total" in text
    expected = sum(int(r["OBS_VALUE"]) for r in _csv(APPREHENDED)
                   if r["geo"] == "Germany" and r["TIME_PERIOD"] == "2023"
                   and r["reason"] == "Total" and r["apprehen"] == "Total")
    heads, table = _table(soup, ".migration-chart-view .migration-view-table")
    assert heads[1] == "Germany"
    assert _num(table["2023"][0]) == expected


def test_views_need_a_datastore_table_with_the_right_columns(with_plugins, datastore_db):
    """can_view: no chart or map for a file outside the DataStore, a table without time
    and country columns gets neither, one with countries and no time only the map."""
    user = factories.Sysadmin()
    org = factories.Organization()
    context = {"user": user["name"]}
    pkg = helpers.call_action("package_create", context=context, **dataset(
        name="views-can-view", owner_org=org["id"], resources=[]))
    chart, world = p.get_plugin("migration_chart_view"), p.get_plugin("migration_map_view")

    pdf = helpers.call_action("resource_create", context=context, package_id=pkg["id"],
                              url="https://example.org/methodology.pdf", format="PDF")
    assert not chart.can_view({"resource": pdf, "package": pkg})
    assert not world.can_view({"resource": pdf, "package": pkg})
    assert _views(pdf) == {}

    def table(fields, records):
        res = helpers.call_action("resource_create", context=context, package_id=pkg["id"],
                                  url="https://example.org/t.csv", format="CSV")
        helpers.call_action("datastore_create", context=context, resource_id=res["id"],
                            force=True, fields=[{"id": f, "type": "text"} for f in fields],
                            records=records)
        return helpers.call_action("resource_show", id=res["id"])

    notes = table(["name", "note"], [{"name": "a", "note": "1"}, {"name": "b", "note": "2"}])
    assert notes["datastore_active"]
    assert not chart.can_view({"resource": notes, "package": pkg})
    assert not world.can_view({"resource": notes, "package": pkg})

    # "unit" PER (persons) is not Peru
    units = table(["unit", "year", "value"], [{"unit": "PER", "year": "2020", "value": "5"}])
    assert chart.can_view({"resource": units, "package": pkg})
    assert not world.can_view({"resource": units, "package": pkg})

    stock = table(["country", "migrants"], [{"country": "Senegal", "migrants": "12"},
                                             {"country": "Mali", "migrants": "7"}])
    assert not chart.can_view({"resource": stock, "package": pkg})
    assert world.can_view({"resource": stock, "package": pkg})
    drawn = build.world(stock, {}, {"user": user["name"]})
    assert drawn["title"] == "migrants by country"
    assert [(r["iso3"], r["value"]) for r in drawn["table"]] == [("SEN", "12"), ("MLI", "7")]


def test_private_dataset_views_are_not_readable_anonymously(xloader, data_server, live_server):
    pkg, res = _loaded(xloader, data_server, UNHCR, private=True)
    views = _views(res)
    assert "migration_chart_view" in views
    chart_view = views["migration_chart_view"]
    page = "/dataset/%s/resource/%s" % (pkg["name"], res["id"])
    for path in (page, page + "?view_id=" + chart_view["id"],
                 page + "/view/" + chart_view["id"],
                 page + "/view/" + views["migration_map_view"]["id"]):
        resp = requests.get(live_server.url_for(path), timeout=60)
        assert resp.status_code == 404, path
        assert "Germany" not in resp.text
    # the figures themselves: the DataStore refuses the anonymous reader and the view
    # reads with the reader's rights
    outsider = factories.User()
    for user in ("", outsider["name"]):
        with pytest.raises(p.toolkit.NotAuthorized):
            build.chart(res, chart_view, {"user": user})
        with pytest.raises(p.toolkit.NotAuthorized):
            # (helpers.call_action would skip the authorization)
            p.toolkit.get_action("datastore_search")({"user": user},
                                                     {"resource_id": res["id"]})
    # a sysadmin sees them (an API token identifies the browser)
    token = factories.APIToken(user=xloader.user["name"])["token"]
    soup = _page(live_server, pkg, res, chart_view, headers={"Authorization": token})
    assert soup.select_one(".migration-chart-view svg[role=img]") is not None


def test_view_settings_choose_columns_and_bad_ones_are_named(xloader, data_server,
                                                             live_server):
    pkg, res = _loaded(xloader, data_server, UNHCR)
    context = {"user": xloader.user["name"]}
    total = helpers.call_action("resource_view_create", context=context, resource_id=res["id"],
                                view_type="migration_chart_view", title="Asylum seekers",
                                value_column="Asylum Seekers", series_column="none")
    soup = _page(live_server, pkg, res, total)
    heads, table = _table(soup, ".migration-chart-view .migration-view-table")
    assert heads == ["Year", "Sum of Asylum Seekers"]
    assert _num(table["2023"][0]) == sum(int(r["Asylum Seekers"]) for r in _csv(UNHCR)
                                         if r["Year"] == "2023")

    wrong = helpers.call_action("resource_view_create", context=context, resource_id=res["id"],
                                view_type="migration_map_view", title="Wrong",
                                value_column="Refugee")
    soup = _page(live_server, pkg, res, wrong)
    assert soup.select_one(".migration-map-view svg") is None
    assert soup.select_one(".migration-map-view .alert").get_text(strip=True).startswith(
        'The column "Refugee" set for this view is not in the table; its columns are: '
        "Year, Country of Asylum,")

    with pytest.raises(p.toolkit.ValidationError) as error:
        helpers.call_action("resource_view_create", context=context, resource_id=res["id"],
                            view_type="migration_chart_view", title="Bad",
                            series_count="many")
    assert "series_count" in error.value.error_dict


@pytest.mark.ckan_config("ckanext.migration.views.max_rows", "100")
def test_a_large_table_is_drawn_from_its_first_rows_and_says_so(xloader, data_server,
                                                                live_server):
    pkg, res = _loaded(xloader, data_server, UNHCR)
    soup = _page(live_server, pkg, res, _views(res)["migration_chart_view"])
    text = soup.select_one(".migration-chart-view").get_text(" ", strip=True)
    assert "Drawn from the first 100 of 425 rows (a preview reads at most 100)" in text
    heads, table = _table(soup, ".migration-chart-view .migration-view-table")
    assert sorted(table) == ["2008", "2009", "2010", "2011"]  # 25 rows a year
