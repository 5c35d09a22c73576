"""The producers' standard definitions (rules.yaml ``definitions``) on recorded records."""
import json

import pytest

from ckan.tests import helpers

from ckanext.migration import glossary, vocab
from ckanext.migration.harvesting import mapping
from ckanext.migration.harvesting.ckan import CKANPortalHarvester
from ckanext.migration.harvesting.eurostat import EurostatHarvester, parse_toc
from ckanext.migration.harvesting.mapping import SourceRecord, to_package
from ckanext.migration.harvesting.worldbank import WorldBankHarvester

from .conftest import Harvest, fixture_bytes


def _hdx(name):
    data = json.loads(fixture_bytes("hdx", name))
    return CKANPortalHarvester().to_record(data.get("result", data), {})


@pytest.fixture(scope="module")
def toc():
    return parse_toc(fixture_bytes("eurostat", "table_of_contents_en.txt").decode("utf-8-sig"),
                     ("migr_",))


def _eurostat(toc, code):
    return EurostatHarvester().to_record(dict(toc[code], code=code), {})


def test_every_rule_names_known_definitions_and_has_a_test():
    rules = mapping.load_definition_rules()
    assert len(rules) == 11  # one test below per rule
    for _source, _match, codes in rules:
        assert codes and all(c in vocab.get_vocabulary("glossary_definitions") for c in codes)


def test_unhcr_refugee_asylum_and_stateless_rules_on_the_hdx_recording():
    # rules 1-3: UNHCR's "Data on forcibly displaced populations and stateless persons"
    record = _hdx("package_show_result_unhcr-population-data-for-world.json")
    assert mapping.infer_definitions(record) == [
        "refugee-unhcr", "asylum-seeker-unhcr", "stateless-person-unhcr"]


def test_unhcr_rules_need_unhcr_as_the_source():
    # the same words from another producer: not UNHCR's definitions
    record = _hdx("package_show_reliefweb-crisis-figures.json")
    assert not any(c.endswith("-unhcr") for c in mapping.infer_definitions(record))


def test_eurostat_immigration_rule(toc):
    # rule 4
    for code in ("migr_imm1ctz", "migr_emi1ctz"):
        assert mapping.infer_definitions(_eurostat(toc, code)) == [
            "international-migrant-eu", "long-term-migrant-eu"]


def test_eurostat_population_rule(toc):
    # rule 5: usual residence (12 months) of Regulation 862/2007
    assert mapping.infer_definitions(_eurostat(toc, "migr_pop1ctz")) == ["long-term-migrant-eu"]


def test_eurostat_asylum_rule(toc):
    # rule 6
    assert mapping.infer_definitions(_eurostat(toc, "migr_asyappctza")) == ["asylum-seeker-eu"]


def test_eurostat_asylum_decisions_rule(toc):
    # rule 7: decisions grant refugee status under Directive 2011/95/EU
    assert mapping.infer_definitions(_eurostat(toc, "migr_asydcfsta")) == [
        "asylum-seeker-eu", "refugee-eu"]


def test_eurostat_illegally_present_rule(toc):
    # rule 8
    assert mapping.infer_definitions(_eurostat(toc, "migr_eipre")) == ["irregular-migration-eu"]


def test_un_desa_migrant_stock_rule():
    # rule 9: the Population Division's International Migrant Stock 2024 workbook
    from ckanext.migration.harvesting.undesa import UNDESAMigrantStockHarvester, read_workbook
    name = "undesa_pd_2024_ims_stock_by_sex_and_destination"
    book = read_workbook(fixture_bytes("undesa", name + ".xlsx"), "test")
    record = UNDESAMigrantStockHarvester().to_record(
        {"url": "https://example.org/%s.xlsx" % name, "name": name, "workbook": book}, {})
    assert mapping.infer_definitions(record) == ["international-migrant-un"]
    # the World Bank's indicator cites it as its source (hand-written answer)
    envelope = json.loads(fixture_bytes("handwritten",
                                        "worldbank_indicator_sm_pop_totl_handwritten.json"))
    record = WorldBankHarvester().to_record({"indicator": envelope[1][0], "data": {}}, {})
    assert mapping.infer_definitions(record) == ["international-migrant-un"]


def test_ilo_migrant_workers_rule():
    # rule 10. No recorded ILOSTAT migration dataflow exists in tests/fixtures; the record is
    # what the SDMX harvester makes of one (producer ILO), with the migration-status codes of
    # the real ILOSTAT codelist CL_MIG recording.
    from ckanext.migration.harvesting import sdmx
    message = sdmx.parse_structure(
        fixture_bytes("ilo", "codelist_ILO_CL_ECO_parentsandsiblings.xml"), "ilo")
    statuses = [str(c.name) for c in message.codelist["CL_MIG"]]
    assert "Migrants" in statuses
    record = SourceRecord(guid="x", identifier="ILO:DF_X", source_platform="ILO SDMX",
                          title="Employment by sex and migration status", producer="ILO",
                          notes="Migration status: " + ", ".join(statuses))
    assert mapping.infer_definitions(record) == ["migrant-worker-ilo-icls"]
    # a labour dataset of the ILO without migrants: no migrant-worker definition
    assert mapping.infer_definitions(SourceRecord(
        guid="y", identifier="ILO:DF_Y", source_platform="ILO SDMX",
        title="Employment by sex and age", producer="ILO")) == []


def test_iom_idp_rule_on_the_hdx_recording():
    # rule 11: IOM's Displacement Tracking Matrix
    record = _hdx("package_show_result_global-iom-dtm-from-api.json")
    assert mapping.infer_definitions(record) == ["internally-displaced-person-iom"]


def test_to_package_merges_given_default_and_inferred_definitions(toc):
    record = _eurostat(toc, "migr_asyappctza")
    record.extra["definition_terms"] = ["refugee-unhcr"]
    pkg = to_package(record, {"definition_terms": ["international-migrant-un"]})
    assert pkg["definition_terms"] == ["refugee-unhcr", "international-migrant-un",
                                       "asylum-seeker-eu"]
    assert "definition_terms" not in to_package(SourceRecord(
        guid="z", identifier="z", source_platform="t", title="GDP"))
    assert glossary.describe(pkg["definition_terms"])[2]["agency"] == "eu"


@pytest.mark.usefixtures("with_plugins", "harvest_db")
def test_harvested_dataset_keeps_its_definitions(http_replay):
    from ckan import plugins as p
    url = "https://ec.europa.eu/eurostat/api/dissemination/catalogue/toc/txt?lang=en"
    http_replay.add("GET", url, body=fixture_bytes("eurostat", "table_of_contents_en.txt"))
    harvest = Harvest(p.get_plugin("migration_eurostat"), url,
                      {"code_prefixes": ["migr_asyappctza", "migr_eipre"]})
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 2}
    pkg = helpers.call_action("package_show", id="eurostat-migr_eipre")
    assert pkg["definition_terms"] == ["irregular-migration-eu"]
    found = helpers.call_action("package_search", fq='definition_terms:"asylum-seeker-eu"')
    assert [d["name"] for d in found["results"]] == ["eurostat-migr_asyappctza"]
