"""SDMX harvester: real recorded SDMX responses through gather/fetch/import.

The recordings (tests/fixtures, see SOURCES.md) are replayed at the addresses the
harvester asks for. The Eurostat structure was recorded from
``datastructure/ESTAT/lfsa_egai2d/latest?references=descendants``; the harvester asks for
``dataflow/.../1.0?references=descendants&detail=referencepartial``, whose answer has the
same shape (a DSD with its codelists), only with codelists cut to the codes used.
"""
import pytest

from ckan import plugins as p
from ckan.tests import helpers
from ckanext.harvest.model import HarvestGatherError

from ckanext.migration.harvesting import mapping, sdmx as harvester_module
from ckanext.migration.harvesting.mapping import SourceRecord
from ckanext.migration.harvesting.sdmx import (
    SDMXHarvester, _frequency, describe_structure, parse_json_dataflows,
    parse_structure)

from .conftest import Harvest, fixture_bytes, query_of, raw_data_resources

ESTAT = "https://ec.europa.eu/eurostat/api/dissemination/sdmx/2.1"
LFSA_FLOW = ESTAT + "/dataflow/ESTAT/LFSA_EGAI2D/latest"
LFSA_STRUCTURE = (ESTAT + "/dataflow/ESTAT/LFSA_EGAI2D/1.0"
                  "?references=descendants&detail=referencepartial")
GOV_FLOW = ESTAT + "/dataflow/ESTAT/GOV_10Q_GGNFA/latest"
GOV_STRUCTURE = (ESTAT + "/dataflow/ESTAT/GOV_10Q_GGNFA/1.0"
                 "?references=descendants&detail=referencepartial")
UNICEF = "https://sdmx.data.unicef.org/ws/public/sdmxapi/rest"
CONFIG = {"provider": "ESTAT", "dataflows": ["LFSA_EGAI2D", "GOV_10Q_GGNFA"]}


def _read(*parts):
    return fixture_bytes(*parts)


def _message(*parts):
    return parse_structure(_read(*parts), parts[-1])


# -- parsing the recorded structures ---------------------------------------------------
def test_eurostat_structure_dimensions():
    info = describe_structure(_message("eurostat",
                                       "datastructure_ESTAT_LFSA_EGAI2D_descendants.xml"),
                              "LFSA_EGAI2D")
    assert info["dimensions"] == ["freq", "isco08", "age", "sex", "unit", "geo",
                                  "TIME_PERIOD"]
    assert set(info["disaggregation"]) == {"occupation", "age", "sex"}
    assert {"DE", "FR", "EL", "UK"} <= set(info["countries"])
    assert "EU27_2020" not in info["countries"] and "BE21" not in info["countries"]


def test_ilo_structure_has_areas_and_mapped_dimensions():
    message = _message("ilo", "codelist_ILO_CL_ECO_parentsandsiblings.xml")
    info = describe_structure(message)
    assert {"FRA", "DEU", "ZAF"} <= set(info["countries"])  # from CL_AREA
    assert {"sex", "age", "occupation", "disability", "economic_activity",
            "education"} <= set(info["disaggregation"])
    mig = message.codelist["CL_MIG"]
    assert len(mig) == 6 and harvester_module.DISAGGREGATION["MIG"] == "migration_status"


def test_unicef_dataflow_and_constrained_structure():
    message = _message("unicef", "dataflow_UNICEF_GLOBAL_DATAFLOW_structure.xml")
    flows = [harvester_module.dataflow_payload(f) for f in message.dataflow.values()]
    assert flows[0]["id"] == "GLOBAL_DATAFLOW" and flows[0]["agency"] == "UNICEF"
    assert flows[0]["structure"]["id"] == "DSD_AGGREGATE"
    info = describe_structure(message, "DSD_AGGREGATE")
    assert info["countries"] == ["AFG"] and info["disaggregation"] == ["sex"]


def test_gov_structure_falls_back_to_codelists_by_id():
    info = describe_structure(_message("eurostat",
                                       "dataflow_ESTAT_GOV_10Q_GGNFA_structure.xml"),
                              "GOV_10Q_GGNFA")
    assert {"AT", "DE", "EL"} <= set(info["countries"])
    assert info["frequencies"] == []  # the reduced recording keeps FREQ with no codes


def test_oecd_json_structure_is_read_without_sdmx1():
    flows = parse_json_dataflows(_read(
        "oecd", "dataflow_OECD.CFE.EDS_DSD_FUA_CLIM-DF_LAND_TEMP_references_all.json"))
    assert len(flows) == 1
    assert flows[0]["id"] == "DSD_FUA_CLIM@DF_LAND_TEMP"
    assert flows[0]["agency"] == "OECD.CFE.EDS" and flows[0]["version"] == "1.2"
    assert flows[0]["names"]["en"] == "Land surface temperature -  Cities and FUAs"
    assert "land surface temperature" in flows[0]["description"]["en"]
    assert flows[0]["structure"] == {"agency": "OECD.CFE.EDS", "id": "DSD_FUA_CLIM",
                                     "version": "1.2"}


@pytest.mark.parametrize("codes,latest,expected", [
    ([], "2024", "ANNUAL"), ([], "2022-Q3", "QUARTERLY"), ([], "2024-03", "MONTHLY"),
    (["A"], "", "ANNUAL"), (["A", "M"], "", "MONTHLY"),
    (["A", "Q", "M", "D", "W", "S"], "", ""),   # a full FREQ codelist says nothing
])
def test_frequency(codes, latest, expected):
    assert _frequency(codes, latest) == expected




@pytest.mark.parametrize("config,message", [
    ({"provider": "NOPE", "dataflows": ["X"]}, "sdmx1 source id"),
    ({"provider": "ESTAT"}, "'dataflows'"),
    ({"provider": "ESTAT", "dataflows": "LFSA"}, "list of dataflow ids"),
    ({"provider": "ESTAT", "dataflows": ["X"], "url": "x"}, "unknown configuration keys"),
])
def test_config_is_validated(config, message):
    with pytest.raises(ValueError, match=message):
        SDMXHarvester().validate_config(config)


# -- the pipeline ------------------------------------------------------------------------
@pytest.fixture
def harvester():
    return p.get_plugin("migration_sdmx")


@pytest.fixture
def estat(http_replay):
    for address, parts in (
            (LFSA_FLOW, ("eurostat", "dataflow_ESTAT_LFSA_EGAI2D.xml")),
            (LFSA_STRUCTURE, ("eurostat", "datastructure_ESTAT_LFSA_EGAI2D_descendants.xml")),
            (GOV_FLOW, ("eurostat", "dataflow_ESTAT_GOV_10Q_GGNFA_structure.xml")),
            (GOV_STRUCTURE, ("eurostat", "dataflow_ESTAT_GOV_10Q_GGNFA_structure.xml"))):
        http_replay.add("GET", address, body=_read(*parts))
    return http_replay


def _show(name):
    return helpers.call_action("package_show", id=name)


LFSA = "estat-sdmx-estat-lfsa_egai2d"
GOV = "estat-sdmx-estat-gov_10q_ggnfa"


@pytest.mark.usefixtures("with_plugins", "harvest_db")
def test_harvest_eurostat_dataflows(harvester, estat):
    harvest = Harvest(harvester, ESTAT, dict(CONFIG, defaults={"license_id": "cc-by"}))
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 2}, harvest.errors(job)

    pkg = _show(LFSA)
    assert pkg["title"] == "Employed persons by detailed occupation (ISCO-08 two digit level)"
    assert "fr: Personnes en emploi par profession detaillée" in pkg["notes"]
    assert pkg["identifier"] == "ESTAT:LFSA_EGAI2D" and pkg["source_platform"] == "ESTAT SDMX"
    assert pkg["creator"][0]["name"] == "Eurostat"
    assert pkg["temporal_coverage"] == [{"start": "2011", "end": "2024"}]
    assert pkg["frequency"].endswith("/frequency/ANNUAL")
    assert pkg["modified"].startswith("2026-01-09")
    assert {"DEU", "FRA", "GRC", "GBR"} <= set(pkg["countries"])
    assert set(pkg["disaggregation"]) == {"occupation", "age", "sex"}
    assert "labour_migration" in pkg["topics"] and "6" in pkg["gcm_objectives"]
    assert pkg["conforms_to"] == ["https://ec.europa.eu/eurostat/cache/metadata/en/"
                                  "lfsa_esms.htm"]
    assert pkg["alternate_identifier"] == ["https://doi.org/10.2908/LFSA_EGAI2D"]
    assert pkg["url"].startswith("https://ec.europa.eu/eurostat/databrowser/view/lfsa_egai2d")
    assert pkg["license_id"] == "cc-by"
    assert [(r["format"], r["raw_data"]) for r in pkg["resources"]] == [
        ("CSV", "true"), ("SDMX", "false")]
    csv = raw_data_resources(pkg)[0]
    # Eurostat's SDMX-CSV with labels, from its SDMX 3.0 API beside the 2.1 one
    assert csv["url"] == ("https://ec.europa.eu/eurostat/api/dissemination/sdmx/3.0/data/"
                          "dataflow/ESTAT/LFSA_EGAI2D/1.0?format=csvdata&formatVersion=2.0"
                          "&labels=both&lang=en&compress=false")
    assert csv["mimetype"].startswith("application/vnd.sdmx.data+csv")

    gov = _show(GOV)
    assert gov["frequency"].endswith("/frequency/QUARTERLY")
    assert gov["temporal_coverage"] == [{"start": "1980-01", "end": "2022-07"}]
    assert {"AUT", "DEU", "GRC"} <= set(gov["countries"])
    found = helpers.call_action("package_search", fq="gcm_objectives:6")
    assert LFSA in [r["name"] for r in found["results"]]


@pytest.mark.usefixtures("with_plugins", "harvest_db")
def test_rerun_is_not_modified_and_creates_no_duplicates(harvester, estat):
    harvest = Harvest(harvester, ESTAT, CONFIG)
    harvest.run()
    job, _ = harvest.run()
    assert harvest.report(job) == {"not modified": 2}, harvest.errors(job)
    assert helpers.call_action("package_search", q="*:*")["count"] == 2


@pytest.mark.usefixtures("with_plugins", "harvest_db")
def test_harvest_unicef_dataflow(harvester, http_replay):
    body = _read("unicef", "dataflow_UNICEF_GLOBAL_DATAFLOW_structure.xml")
    http_replay.add("GET", UNICEF + "/dataflow/UNICEF/GLOBAL_DATAFLOW/latest", body=body)
    http_replay.add("GET", UNICEF + "/dataflow/UNICEF/GLOBAL_DATAFLOW/1.0?references="
                    "descendants&detail=referencepartial", body=body)
    harvest = Harvest(harvester, UNICEF, {"provider": "UNICEF",
                                          "dataflows": ["GLOBAL_DATAFLOW"]})
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 1}, harvest.errors(job)
    pkg = _show("unicef-sdmx-unicef-global_dataflow")
    assert pkg["title"] == "Cross-sector indicators" and pkg["countries"] == ["AFG"]
    assert pkg["creator"][0]["name"] == "UN Children's Fund"
    csv = raw_data_resources(pkg)[0]
    assert csv["format"] == "CSV"
    assert csv["url"].split("?")[0] == UNICEF + "/data/UNICEF,GLOBAL_DATAFLOW,1.0/all"
    assert query_of(csv["url"]) == {"format": "csv", "labels": "both"}


@pytest.mark.parametrize("provider,base,query", [
    ("OECD", "https://sdmx.oecd.org/public/rest",
     {"dimensionAtObservation": "AllDimensions", "format": "csvfilewithlabels"}),
    ("ILO", "https://sdmx.ilo.org/rest", {"format": "csv"}),
    ("UNICEF", UNICEF, {"format": "csv", "labels": "both"}),
    ("UNSD", "https://data.un.org/ws/rest", {"format": "csv"}),
])
def test_raw_data_url_of_each_provider(provider, base, query):
    res = harvester_module.data_resource(provider, base, "AG", "DF_X", "1.2")
    assert res["url"].split("?")[0] == base + "/data/AG,DF_X,1.2/all"
    assert query_of(res["url"]) == query
    assert (res["format"], res["raw_data"]) == ("CSV", "true")


@pytest.mark.usefixtures("with_plugins", "harvest_db")
def test_prefix_listing(harvester, http_replay):
    body = _read("eurostat", "dataflow_ESTAT_LFSA_EGAI2D.xml")
    http_replay.add("GET", ESTAT + "/dataflow/ESTAT/all/latest", body=body)
    http_replay.add("GET", LFSA_STRUCTURE, body=_read(
        "eurostat", "datastructure_ESTAT_LFSA_EGAI2D_descendants.xml"))
    harvest = Harvest(harvester, ESTAT, {"provider": "ESTAT",
                                         "dataflow_prefixes": ["lfsa_", "migr_"]})
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 1}, harvest.errors(job)


@pytest.mark.usefixtures("with_plugins", "harvest_db")
@pytest.mark.parametrize("failure,message", [
    ({"status": 500}, "answered HTTP 500"),
    ({"body": b"<html><body>maintenance</body></html>"}, "not an SDMX-ML 2.1 structure"),
    ({"body": b"<m:Structure xmlns:m="}, "not an SDMX-ML 2.1 structure"),
])
def test_dataflow_failures_are_job_errors(harvester, estat, failure, message):
    estat.replace("GET", LFSA_FLOW, **failure)
    harvest = Harvest(harvester, ESTAT, CONFIG)
    job, _ = harvest.run()
    errors = [e.message for e in HarvestGatherError.filter(harvest_job_id=job.id)]
    assert len(errors) == 1 and message in errors[0]
    assert helpers.call_action("package_search", q="*:*")["count"] == 0


@pytest.mark.usefixtures("with_plugins", "harvest_db")
def test_structure_failure_errors_that_dataflow_only(harvester, estat):
    estat.replace("GET", GOV_STRUCTURE, status=503)
    harvest = Harvest(harvester, ESTAT, CONFIG)
    job, _ = harvest.run()
    errors = harvest.errors(job)
    assert len(errors) == 1 and "ESTAT:GOV_10Q_GGNFA" in errors[0] and "503" in errors[0]
    assert helpers.call_action("package_search", q="*:*")["count"] == 1
    assert _show(LFSA)["countries"]


# -- OECD International Migration Database ---------------------------------------------
# The recording answers dataflow/OECD.ELS.IMD/DSD_MIG@DF_MIG/1.0?references=all (see
# SOURCES.md): the dataflow, its DSD, complete codelists and the content constraints; it
# is replayed for both requests of the harvester (the dataflow, then its structure).
OECD = "https://sdmx.oecd.org/public/rest"
IMD = ("oecd", "dataflow_OECD.ELS.IMD_DSD_MIG-DF_MIG_1.0_references_all.xml")
IMD_FLOW = OECD + "/dataflow/OECD.ELS.IMD/DSD_MIG@DF_MIG/1.0"
OECD_COUNTRIES = {"AUS", "AUT", "BEL", "BGR", "CAN", "CHE", "CHL", "COL", "CRI", "CZE",
                  "DEU", "DNK", "ESP", "EST", "FIN", "FRA", "GBR", "GRC", "HRV", "HUN",
                  "IRL", "ISL", "ISR", "ITA", "JPN", "KOR", "LTU", "LUX", "LVA", "MEX",
                  "NLD", "NOR", "NZL", "POL", "PRT", "ROU", "SVK", "SVN", "SWE", "TUR",
                  "USA"}


def test_oecd_imd_structure_reads_the_actual_constraint():
    info = describe_structure(_message(*IMD), "DSD_MIG")
    # REF_AREA as the actual constraint has it; CITIZENSHIP (also CL_AREA) is a breakdown
    assert set(info["countries"]) == OECD_COUNTRIES
    assert "citizenship" in info["disaggregation"] and info["frequencies"] == ["A"]
    assert [m.split()[0] for m in info["measures"]] == ["B11", "B12", "B13", "B15", "B16"]
    assert info["period"] == ["1995", "2024"]


@pytest.mark.usefixtures("with_plugins", "harvest_db")
def test_harvest_oecd_international_migration_database(harvester, http_replay):
    from ckanext.migration.harvesting import registry
    body = _read(*IMD)
    http_replay.add("GET", IMD_FLOW, body=body)
    http_replay.add("GET", IMD_FLOW + "?references=descendants&detail=referencepartial",
                    body=body)
    entry = next(e for e in registry.load() if e["name"] == "oecd-migration")
    config = dict(entry["config"], dataflow_prefixes=[])   # the listing was not recorded
    harvest = Harvest(harvester, entry["url"], config)
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 1}, harvest.errors(job)
    pkg = _show("oecd-sdmx-oecd-els-imd-dsd_migdf_mig")
    assert pkg["title"] == "International migration database"
    assert pkg["creator"][0]["name"] == "Organisation for Economic Co-operation and Development"
    assert set(pkg["countries"]) == OECD_COUNTRIES
    assert pkg["temporal_coverage"] == [{"start": "1995", "end": "2024"}]
    assert pkg["frequency"].endswith("/frequency/ANNUAL")
    assert "Measures: B11 Inflows of foreign population;" in pkg["notes"]
    assert {"migration_flows", "migrant_stocks", "forced_displacement",
            "integration"} <= set(pkg["topics"])
    assert {"1", "2", "16"} <= set(pkg["gcm_objectives"])
    assert pkg["license_id"] == "other-at" and pkg["source_type"] == "official_statistics"
    csv = raw_data_resources(pkg)[0]
    assert csv["url"].split("?")[0] == OECD + "/data/OECD.ELS.IMD,DSD_MIG@DF_MIG,1.0/all"


# -- UNICEF: the MG "Migration" dataflow ---------------------------------------------------
# Recorded: UNICEF's dataflow listing (dataflow/UNICEF = .../UNICEF/all/latest) and the
# indicator codelist CL_UNICEF_INDICATOR. Nobody recorded the structure (DSD MIGRATION) or
# data of MG, so its countries and period cannot be tested here.
@pytest.mark.usefixtures("with_plugins")
def test_unicef_listing_finds_the_migration_dataflow(http_replay):
    from ckanext.migration.harvesting import registry
    http_replay.add("GET", UNICEF + "/dataflow/UNICEF/all/latest",
                    body=_read("unicef", "dataflow_UNICEF_all_list.xml"))
    entry = next(e for e in registry.load() if e["name"] == "unicef-child-migration")
    config = dict(entry["config"], dataflows=[])   # the prefix listing only
    found = dict(SDMXHarvester().gather_records(entry["url"], config))
    assert list(found) == ["UNICEF:MG"]            # not MNCH, not the 69 others
    assert found["UNICEF:MG"]["names"] == {"en": "Migration"}
    assert found["UNICEF:MG"]["structure"] == {"id": "MIGRATION", "agency": "UNICEF",
                                               "version": "1.0"}


def test_unicef_migration_indicators_map_to_topics_and_objectives():
    codelist = _message("unicef", "codelist_UNICEF_CL_UNICEF_INDICATOR.xml").codelist[
        "CL_UNICEF_INDICATOR"]
    names = {c.id: str(c.name) for c in codelist if c.id.startswith("MG_")}
    assert len(names) == 25
    mapped = {code: mapping.infer(SourceRecord(guid="x", title=name, identifier=code,
                                               source_platform="UNICEF SDMX"))
              for code, name in names.items()}
    # every statistical MG indicator finds its topic; the treaty ratifications are policy
    assert [c for c, (topics, _) in mapped.items() if not topics] == ["MG_RTCN_RGHTS"]
    assert mapped["MG_INTNL_MG"] == (["migrant_stocks"], ["1"])
    assert mapped["MG_NEW_INTERNAL_DISP"] == (["internal_displacement"], ["2"])
    assert mapped["MG_INTNL-MG-NUM_U18_IN_HOST"] == (["child_migration"], ["7"])
    assert mapped["MG_RFGS_CNTRY_ASYLM"] == (["forced_displacement"], ["2"])
