"""Eurostat table of contents through the full gather/fetch/import pipeline."""
import pytest
import requests

from ckan.tests import helpers
from ckanext.harvest.model import HarvestGatherError
from ckan import plugins as p

from ckanext.migration.harvesting.eurostat import parse_toc

from .conftest import Harvest, fixture_bytes, query_of, raw_data_resources

TOC_URL = "https://ec.europa.eu/eurostat/api/dissemination/catalogue/toc/txt?lang=en"
CONFIG = {"code_prefixes": ["migr_asyappctza", "migr_eipre", "migr_resfirst"],
          "defaults": {"license_id": "cc-by"}}
SMALL_TOC = (
    '"title"\t"code"\t"type"\t"last update of data"\t"last table structure change"\t'
    '"data start"\t"data end"\t"values"\n'
    '"Population"\t"migr"\t"folder"\t" "\t" "\t" "\t" "\t\n'
    '"    Asylum applicants - monthly"\t"migr_asyappctzm"\t"dataset"\t"01.10.2024"\t'
    '"09.03.2023"\t"2008M01"\t"2024M08"\t\n'
    '"    GDP"\t"nama_10_gdp"\t"dataset"\t"01.10.2024"\t"01.10.2024"\t"1975"\t"2023"\t\n'
)


def test_parse_toc_filters_datasets_by_prefix():
    entries = parse_toc(SMALL_TOC, ("migr_",))
    assert list(entries) == ["migr_asyappctzm"]
    assert entries["migr_asyappctzm"]["data_end"] == "2024M08"




@pytest.fixture
def toc():
    return fixture_bytes("eurostat", "table_of_contents_en.txt")


@pytest.fixture
def harvester():
    return p.get_plugin("migration_eurostat")


def _show(name):
    return helpers.call_action("package_show", id=name)


@pytest.mark.usefixtures("with_plugins", "harvest_db")
def test_harvest_maps_real_toc_records(toc, harvester, http_replay):
    http_replay.add('GET', TOC_URL, body=toc)
    harvest = Harvest(harvester, TOC_URL, CONFIG)
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 3}

    pkg = _show("eurostat-migr_asyappctza")
    assert pkg["title"] == ("Asylum applicants by type of applicant, citizenship, age and "
                            "sex - annual aggregated data")
    assert pkg["creator"][0]["name"] == "Eurostat"
    assert pkg["source_platform"] == "Eurostat" and pkg["identifier"] == "migr_asyappctza"
    assert pkg["temporal_coverage"] == [{"start": "2008", "end": "2022"}]
    assert pkg["frequency"].endswith("/frequency/ANNUAL")
    assert pkg["modified"] == "2023-06-02"
    assert "forced_displacement" in pkg["topics"] and "2" in pkg["gcm_objectives"]
    assert pkg["license_id"] == "cc-by"
    assert [r["format"] for r in pkg["resources"]] == ["CSV", "TSV", "SDMX"]
    eipre = _show("eurostat-migr_eipre")
    assert "irregular_migration" in eipre["topics"] and "11" in eipre["gcm_objectives"]
    # searchable through the real index
    found = helpers.call_action("package_search", fq="gcm_objectives:2")
    assert "eurostat-migr_asyappctza" in [r["name"] for r in found["results"]]


@pytest.mark.usefixtures("with_plugins", "harvest_db")
def test_raw_data_is_the_sdmx_csv_with_labels_first(toc, harvester, http_replay):
    http_replay.add('GET', TOC_URL, body=toc)
    Harvest(harvester, TOC_URL, CONFIG).run()
    raw = raw_data_resources(_show("eurostat-migr_asyappctza"))
    assert [r["format"] for r in raw] == ["CSV", "TSV"]
    csv = raw[0]
    # the SDMX 3.0 data query the recording data_MIGR_ASYAPPCTZA_sdmxcsv2_labels.csv
    # answers: every series of the dataflow, codes and labels
    assert csv["url"].split("?")[0] == (
        "https://ec.europa.eu/eurostat/api/dissemination/sdmx/3.0/data/dataflow/ESTAT/"
        "migr_asyappctza/1.0")
    assert query_of(csv["url"]) == {"format": "csvdata", "formatVersion": "2.0",
                                    "labels": "both", "lang": "en", "compress": "false"}
    assert csv["mimetype"] == "application/vnd.sdmx.data+csv;version=2.0.0"
    assert "SDMX-CSV" in csv["name"]
    assert query_of(raw[1]["url"]) == {"format": "TSV", "compressed": "false"}


@pytest.mark.usefixtures("with_plugins", "harvest_db")
def test_rerun_updates_changes_and_withdraws_what_disappeared(toc, harvester, http_replay):
    http_replay.add('GET', TOC_URL, body=toc)
    harvest = Harvest(harvester, TOC_URL, CONFIG)
    harvest.run()
    job, _ = harvest.run()
    assert harvest.report(job) == {"not modified": 3}
    assert helpers.call_action("package_search", q="*:*")["count"] == 3

    text = toc.decode("utf-8")
    changed = text.replace('"migr_eipre"\t"dataset"\t"11.05.2023"',
                           '"migr_eipre"\t"dataset"\t"20.11.2026"')
    gone = "\n".join(line for line in changed.splitlines() if '"migr_resfirst"' not in line)
    http_replay.replace('GET', TOC_URL, body=gone.encode("utf-8"))
    job, _ = harvest.run()
    assert harvest.report(job) == {"not modified": 1, "updated": 1, "deleted": 1}, \
        harvest.errors(job)
    assert _show("eurostat-migr_eipre")["modified"] == "2026-11-20"
    withdrawn = _show("eurostat-migr_resfirst")
    assert withdrawn["private"] is True and withdrawn["withdrawn_at"]
    assert withdrawn["state"] == "active"  # kept, not deleted
    assert helpers.call_action("package_search", q="*:*")["count"] == 2

    # it comes back upstream: public again
    http_replay.replace('GET', TOC_URL, body=toc)
    job, _ = harvest.run()
    back = _show("eurostat-migr_resfirst")
    assert back["private"] is False and not back.get("withdrawn_at")


@pytest.mark.usefixtures("with_plugins", "harvest_db")
@pytest.mark.parametrize("failure,message", [
    ({"status": 500}, "answered HTTP 500"),
    ({"body": requests.Timeout("read timed out")}, "timed out"),
    ({"body": b"<html>maintenance</html>"}, "not a Eurostat table of contents"),
])
def test_source_failures_are_job_errors_and_keep_good_data(toc, harvester, failure, message,
                                                           http_replay):
    http_replay.add('GET', TOC_URL, body=toc)
    harvest = Harvest(harvester, TOC_URL, CONFIG)
    harvest.run()
    http_replay.replace('GET', TOC_URL, **failure)
    job, _ = harvest.run()
    errors = [e.message for e in HarvestGatherError.filter(harvest_job_id=job.id)]
    assert len(errors) == 1 and message in errors[0]
    assert helpers.call_action("package_search", q="*:*")["count"] == 3
    assert _show("eurostat-migr_eipre")["private"] is False


@pytest.mark.usefixtures("with_plugins", "harvest_db")
@pytest.mark.parametrize("url", ["file:///etc/passwd", "http://127.0.0.1:8983/solr",
                                 "http://localhost/toc", "http://169.254.169.254/latest",
                                 "http://10.0.0.8/toc"])
def test_unsafe_source_urls_are_refused(harvester, url):
    harvest = Harvest(harvester, url, CONFIG)
    job, _ = harvest.run()
    errors = [e.message for e in HarvestGatherError.filter(harvest_job_id=job.id)]
    assert len(errors) == 1
    assert "only http(s)" in errors[0] or "refusing to fetch" in errors[0]


def test_registry_prefixes_take_the_tables_too(toc):
    """The registry asks for three tables (tps*) beside the migr_ datasets: the real table
    of contents lists them as type "table"."""
    from ckanext.migration.harvesting import registry
    [source] = [s for s in registry.load() if s["harvester"] == "migration_eurostat"]
    prefixes = tuple(p.lower() for p in source["config"]["code_prefixes"])
    entries = parse_toc(toc.decode("utf-8-sig"), prefixes)
    assert {"tps00176", "tps00177", "tps00191"} <= set(entries)
    assert {e["type"] for e in entries.values()} == {"dataset", "table"}
    # folders are never taken
    assert "migr" not in entries


@pytest.mark.usefixtures("with_plugins", "harvest_db")
def test_tables_are_harvested_like_datasets(toc, harvester, http_replay):
    http_replay.add('GET', TOC_URL, body=toc)
    harvest = Harvest(harvester, TOC_URL,
                      {"code_prefixes": ["tps00176", "tps00177", "tps00191"]})
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 3}, harvest.errors(job)
    immigration = _show("eurostat-tps00176")
    assert immigration["title"] == "Immigration"
    assert immigration["temporal_coverage"] == [{"start": "2010", "end": "2021"}]
    assert immigration["modified"] == "2023-03-29"
    assert "Eurostat table tps00176" in immigration["notes"]
    assert "migration_flows" in immigration["topics"]
    assert [r["format"] for r in immigration["resources"]] == ["CSV", "TSV", "SDMX"]
    asylum = _show("eurostat-tps00191")
    assert "forced_displacement" in asylum["topics"]
    assert asylum["population_covered"] == ["asylum_seekers"]
    assert "migration_flows" in _show("eurostat-tps00177")["topics"]


@pytest.mark.usefixtures("with_plugins", "harvest_db")
def test_countries_named_in_titles_are_inferred_and_marked(toc, harvester, http_replay):
    """The table of contents states no countries: those a title names are inferred (and
    said to be), an index base "(Belgium = 100)" is no coverage, and a title naming none
    gets none."""
    http_replay.add('GET', TOC_URL, body=toc)
    harvest = Harvest(harvester, TOC_URL, {"code_prefixes": [
        "rail_tf_ns20_cz", "rail_tf_ns15_tr", "prc_colc_nat", "migr_asyappctza"]})
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 4}, harvest.errors(job)
    czechia = _show("eurostat-rail_tf_ns20_cz")
    assert czechia["title"] == "Train traffic on the rail network - Czechia (2020)"
    assert czechia["countries"] == ["CZE"] and czechia["countries_inferred"] is True
    assert _show("eurostat-rail_tf_ns15_tr")["countries"] == ["TUR"]
    for name in ("eurostat-prc_colc_nat", "eurostat-migr_asyappctza"):
        pkg = _show(name)
        assert pkg["countries"] == [] and not pkg.get("countries_inferred")
    found = helpers.call_action("package_search", fq="countries:CZE")["results"]
    assert [p["name"] for p in found] == ["eurostat-rail_tf_ns20_cz"]
