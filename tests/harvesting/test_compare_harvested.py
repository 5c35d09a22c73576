"""Other sources on harvested recordings: UNHCR's and IOM's datasets harvested from HDX, then
again from a mirror portal that republishes them (twins: same original page)."""
import json

import pytest
from bs4 import BeautifulSoup

from ckan import plugins as p
from ckan.tests import helpers

from ckanext.migration import compare

from .conftest import Harvest, fixture_bytes

HDX = "https://data.humdata.org"
MIRROR = "http://mirror.test"
UNHCR, IOM = "hdx-unhcr-population-data-for-world", "hdx-global-iom-dtm-from-api"
pytestmark = pytest.mark.usefixtures("with_plugins", "harvest_db")


def _page(datasets):
    return json.dumps({"success": True, "result": {"count": len(datasets), "results": datasets}})


@pytest.fixture
def harvested(http_replay, app):
    hdx = []
    for name in ("package_show_result_unhcr-population-data-for-world.json",
                 "package_show_result_global-iom-dtm-from-api.json"):
        data = json.loads(fixture_bytes("hdx", name))
        hdx.append(data.get("result", data))
    http_replay.add("GET", HDX + "/api/3/action/package_search", body=_page(hdx))
    from ckan.tests import factories
    # the mirror names the producer after the organisation our copy sits in
    org = factories.Organization(title="HDX harvest", image_url="")
    Harvest(p.get_plugin("migration_ckan"), HDX, org=org).run()
    # the mirror's answer is our own catalogue's, as another CKAN portal would serve it
    ours = app.get("/api/3/action/package_search").body
    http_replay.add("GET", MIRROR + "/api/3/action/package_search", body=ours)
    Harvest(p.get_plugin("migration_ckan"), MIRROR, {"platform": "Mirror"}).run()


def test_twins_are_the_other_sources(harvested):
    for name in (UNHCR, IOM):
        pkg = helpers.call_action("package_show", id=name)
        others = compare.other_sources(pkg, {"user": ""})
        # the two producers' datasets share no country: only each one's twin
        assert [(o["name"], o["compare_reason"]) for o in others] == [("mirror-" + name, "twin")]
        # and the other way round
        mirror = helpers.call_action("package_show", id="mirror-" + name)
        assert [o["name"] for o in compare.other_sources(mirror, {"user": ""})] == [name]


def test_compared_twins_show_producer_and_period(harvested):
    result = helpers.call_action("migration_compare", ids=[UNHCR, "mirror-" + UNHCR, IOM])
    unhcr, mirror, iom = result["datasets"]
    assert unhcr["producer"] == ["UNHCR"] and mirror["producer"] == ["HDX harvest"]
    assert iom["producer"] == ["International Organization for Migration (IOM)"]
    assert unhcr["period"] == [{"start": "1951-01-01", "end": "2023-06-30"}]
    # the mirror's record gives no collection period: the comparison says so
    assert mirror["period"] == []
    assert iom["period"] == [{"start": "2010-06-30", "end": "2025-01-29"}]
    assert "producer" in result["differs"] and "period" in result["differs"]


def test_dataset_page_other_sources_of_a_harvested_dataset(harvested, app):
    page = BeautifulSoup(app.get("/dataset/" + UNHCR).body, "html.parser")
    section = page.select_one("section.migration-other-sources")
    heads = section.select("thead th.migration-compare-dataset")
    assert [h.a["href"] for h in heads] == ["/dataset/" + UNHCR, "/dataset/mirror-" + UNHCR]
    assert "This dataset" in heads[0].get_text() and "another platform" in heads[1].get_text()
    producer = section.select_one("tr.migration-compare-producer")
    assert [td.get_text(strip=True) for td in producer.select("td")] == ["UNHCR", "HDX harvest"]
    period = section.select_one("tr.migration-compare-period")
    assert [td.get_text(strip=True) for td in period.select("td")] == ["1951–2023", "Not given"]
    assert "migration-differs" in period["class"]
