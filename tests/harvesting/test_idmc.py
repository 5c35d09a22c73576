"""IDMC GIDD harvester: the real recorded GIDD API pages through gather/fetch/import.

tests/fixtures/idmc/ (see SOURCES.md): the complete conflict answer (961 records in 10
pages of 100) and the first and last of the 222 disaster pages, each replayed at the
address its predecessor's ``next`` link names. HDX's client_id is blanked in those links.
"""
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from ckan import plugins as p
from ckan.tests import helpers

from ckanext.migration.harvesting import registry
from ckanext.migration.harvesting.idmc import IDMCHarvester, Summary, parse_page

from .conftest import Harvest, fixture_bytes, raw_data_resources

BASE = "https://helix-tools-api.idmcdb.org/external-api"


def _page(kind, number):
    return fixture_bytes("idmc", "gidd_%s_page%d.json" % (kind, number))


@pytest.fixture
def harvester():
    return p.get_plugin("migration_idmc")


@pytest.fixture
def gidd(http_replay):
    """Each page by its offset; what the harvester asked for, in order."""
    asked = []
    recorded = {("conflicts", n): _page("conflicts", n) for n in range(10)}
    recorded.update({("disasters", 0): _page("disasters", 0),
                     ("disasters", 221): _page("disasters", 221)})

    def answer(request):
        kind = urlsplit(request.url).path.rstrip("/").rsplit("/", 1)[-1]
        query = parse_qs(urlsplit(request.url).query)
        asked.append((kind, query))
        body = recorded.get((kind, int(query.get("offset", ["0"])[0]) // 100))
        return (200, {}, body) if body else (503, {}, "not recorded")

    http_replay.add_callback("GET", re.compile(re.escape(BASE) + r"/gidd/\w+/.*"),
                             callback=answer)
    http_replay.asked = asked
    return http_replay


def test_summary_of_the_real_disaster_pages():
    summary = Summary()
    for number in (0, 221):
        page = parse_page(_page("disasters", number), "test")
        assert page["count"] == 22119 and page["last_updated"] == "2025-05-13"
        summary.add(page["results"])
    data = summary.as_dict()
    assert data["records"] == 119 and data["period"] == ["2008", "2024"]
    assert "Flood" in data["hazards"] and "AFG" in data["countries"]


@pytest.mark.usefixtures("with_plugins", "harvest_db")
def test_harvest_gidd_conflicts(harvester, gidd):
    entry = next(e for e in registry.load() if e["harvester"] == "migration_idmc")
    config = dict(entry["config"], figure_types=["conflicts"])
    harvest = Harvest(harvester, entry["url"], config)
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 1}, harvest.errors(job)
    # the first page asked for, the nine others through the next links
    assert [q.get("offset", ["0"])[0] for _, q in gidd.asked] == [
        str(100 * n) for n in range(10)]
    assert gidd.asked[0][1] == {"format": ["json"], "limit": ["100"]}

    records = [r for n in range(10) for r in json.loads(_page("conflicts", n))["results"]]
    assert len(records) == 961
    with_figures = [r for r in records
                    if r["new_displacement"] is not None or r["total_displacement"] is not None]
    pkg = helpers.call_action("package_show", id="idmc-gidd-gidd-conflicts")
    assert pkg["title"].endswith("internal displacement by conflict and violence")
    assert pkg["creator"][0]["name"] == "Internal Displacement Monitoring Centre (IDMC)"
    # IDMC's codes for Abyei and Kosovo are not ISO 3166-1 codes
    expected = {r["iso3"] for r in with_figures} - {"AB9", "XKX"}
    assert set(pkg["countries"]) == expected and len(expected) > 50
    years = sorted({r["year"] for r in with_figures})
    assert pkg["temporal_coverage"] == [{"start": str(years[0]), "end": str(years[-1])}]
    assert (years[0], years[-1]) == (2009, 2024)
    assert pkg["frequency"].endswith("/frequency/ANNUAL")
    assert pkg["modified"] == "2025-05-13"
    assert pkg["population_covered"] == ["idps"]
    # from the rules on the record's words, not set by the harvester
    assert "internal_displacement" in pkg["topics"] and pkg["gcm_objectives"] == ["2"]
    assert pkg["source_type"] == "ngo_monitoring"
    raw = raw_data_resources(pkg)
    assert raw[0]["url"] == BASE + "/gidd/conflicts/?format=json"
    assert "client_id=HDX" not in json.dumps(pkg)

    job, _ = harvest.run()
    assert harvest.report(job) == {"not modified": 1}, harvest.errors(job)


@pytest.mark.usefixtures("with_plugins", "harvest_db")
def test_a_missing_page_errors_that_figure_type_only(harvester, gidd):
    # the 220 middle disaster pages were not recorded: the second page fails
    harvest = Harvest(harvester, BASE, {})
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 1, "errored": 1}
    errors = harvest.errors(job)
    assert len(errors) == 1 and "503" in errors[0], errors
    assert helpers.call_action("package_search", q="*:*")["count"] == 1


@pytest.mark.usefixtures("with_plugins", "harvest_db")
def test_next_link_elsewhere_is_refused(harvester, http_replay):
    page = json.loads(_page("conflicts", 0))
    page["next"] = "https://example.org/gidd/conflicts/?offset=100"
    http_replay.add("GET", BASE + "/gidd/conflicts/", json=page)
    harvest = Harvest(harvester, BASE, {"figure_types": ["conflicts"]})
    job, _ = harvest.run()
    assert harvest.report(job) == {"errored": 1}
    assert "is not on " + BASE + "/gidd/conflicts/" in harvest.errors(job)[0]


@pytest.mark.parametrize("config,message", [
    ({"figure_types": ["idus"]}, "'figure_types' must be a non-empty list"),
    ({"figure_types": []}, "'figure_types' must be a non-empty list"),
    ({"client_id": 3}, "'client_id' must be a string"),
])
def test_config_is_validated(config, message):
    with pytest.raises(ValueError, match=message):
        IDMCHarvester().validate_config(config)
