"""The platform of platforms: sync the registry, harvest several sources from their recorded
responses, and search across producers by country and GCM objective."""
import json

import pytest
import yaml

from ckan import model
from ckan import plugins as p
from ckan.tests import helpers
from ckanext.harvest.model import HarvestJob, HarvestSource
from ckanext.harvest.tests.factories import HarvestJobObj
from ckanext.harvest.tests.lib import run_harvest_job

from ckanext.migration.harvesting import registry

from .conftest import fixture_bytes

pytestmark = pytest.mark.usefixtures("with_plugins", "harvest_db")

ESTAT_SDMX = "https://ec.europa.eu/eurostat/api/dissemination/sdmx/2.1"
# the registry's sources, narrowed to what the recordings hold
SCOPE = {
    "eurostat-migration": {"code_prefixes": ["migr_asyappctza", "migr_eipre"]},
    "eurostat-sdmx-migration": {"provider": "ESTAT", "dataflows": ["LFSA_EGAI2D"]},
    "hdx-migration": {"platform": "HDX", "fq": "groups:world"},
    "iom-dtm": {"api_key": "test-key", "countries": ["TCD"]},
    "iom-missing-migrants": {"years": [2014]},
}


@pytest.fixture
def narrowed_registry(tmp_path, monkeypatch):
    for entry in registry.load():
        if entry["name"] in SCOPE:
            entry = {k: v for k, v in entry.items() if k != "file"}
            entry["config"] = dict(SCOPE[entry["name"]],
                                   defaults=(entry.get("config") or {}).get("defaults", {}))
            (tmp_path / ("%s.yaml" % entry["name"])).write_text(yaml.safe_dump(entry))
    monkeypatch.setattr(registry, "SOURCES_DIR", str(tmp_path))


@pytest.fixture
def recordings(http_replay):
    def fx(*parts):
        return fixture_bytes(*parts)
    http_replay.add("GET", "https://ec.europa.eu/eurostat/api/dissemination/catalogue/toc/txt",
                    body=fx("eurostat", "table_of_contents_en.txt"))
    http_replay.add("GET", ESTAT_SDMX + "/dataflow/ESTAT/LFSA_EGAI2D/latest",
                    body=fx("eurostat", "dataflow_ESTAT_LFSA_EGAI2D.xml"))
    http_replay.add("GET", ESTAT_SDMX + "/dataflow/ESTAT/LFSA_EGAI2D/1.0",
                    body=fx("eurostat", "datastructure_ESTAT_LFSA_EGAI2D_descendants.xml"))
    hdx = [json.loads(fx("hdx", n)) for n in (
        "package_show_reliefweb-crisis-figures.json",
        "package_show_result_unhcr-population-data-for-world.json",
        "package_show_result_global-iom-dtm-from-api.json")]
    hdx = [d.get("result", d) for d in hdx]
    http_replay.add("GET", "https://data.humdata.org/api/3/action/package_search",
                    json={"success": True, "result": {"count": 3, "results": hdx}})
    dtm = "https://dtmapi.iom.int/v3/displacement/"
    http_replay.add("GET", dtm + "country-list", body=fx("iom", "dtm_v3_displacement-country-list.json"))
    http_replay.add("GET", dtm + "operation-list", body=fx("iom", "dtm_v3_displacement-operation-list.json"))
    http_replay.add("GET", dtm + "admin0", body=fx("iom", "dtm_v3_displacement-admin0-admin0pcode-tcd.json"))
    http_replay.add("GET", "https://missingmigrants.iom.int/global-figures/2014/json",
                    body=fx("iom", "missing_migrants_global_figures_2014.json"))
    return http_replay


def test_sync_then_harvest_then_search_across_producers(narrowed_registry, recordings, cli):
    from ckan.cli.cli import ckan as ckan_command
    result = cli.invoke(ckan_command, ["migration", "sources", "sync"])
    assert result.exit_code == 0, result.output
    assert "5 created" in result.output

    harvesters = {h.info()["name"]: h for h in p.PluginImplementations(
        __import__("ckanext.harvest.interfaces", fromlist=["IHarvester"]).IHarvester)}
    for source in model.Session.query(HarvestSource).filter(HarvestSource.active == True):  # noqa
        # creating a source queues its first job: run that one
        job = model.Session.query(HarvestJob).filter(HarvestJob.source_id == source.id) \
            .filter(HarvestJob.status != "Finished").first() or \
            HarvestJobObj(source=source, run=False)
        run_harvest_job(job, harvesters[source.type])
        model.Session.remove()

    everything = helpers.call_action("package_search", rows=0, **{
        "facet.field": '["producer", "countries", "gcm_objectives", "source_platform"]',
        "facet.limit": -1})
    producers = {i["name"] for i in everything["search_facets"]["producer"]["items"]}
    assert len(producers) >= 4, producers
    platforms = {i["name"] for i in everything["search_facets"]["source_platform"]["items"]}
    assert {"Eurostat", "HDX"} <= platforms

    # a faceted search by country and objective spans several producers
    displaced = helpers.call_action("package_search", fq="gcm_objectives:2", **{
        "facet.field": '["producer", "countries"]', "facet.limit": -1})
    names = {i["name"] for i in displaced["search_facets"]["producer"]["items"]}
    assert len(names) >= 3, names
    chad = helpers.call_action("package_search", fq="countries:TCD gcm_objectives:2",
                               **{"facet.field": '["producer"]'})
    assert chad["count"] >= 1
    assert all("TCD" in r["countries"] for r in chad["results"])
