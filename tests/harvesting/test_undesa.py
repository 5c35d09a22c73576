"""UN DESA International Migrant Stock 2024: the real workbook through gather/fetch/import.

tests/fixtures/undesa/ holds the Population Division's own file (see SOURCES.md), replayed
at the registry entry's address. No answer of the Data Portal API was ever recorded.
"""
import io

import openpyxl
import pytest

from ckan import plugins as p
from ckan.tests import helpers

from ckanext.migration.harvesting import registry
from ckanext.migration.harvesting.undesa import read_workbook

from .conftest import Harvest, fixture_bytes, raw_data_resources

WORKBOOK = ("undesa", "undesa_pd_2024_ims_stock_by_sex_and_destination.xlsx")


@pytest.fixture
def harvester():
    return p.get_plugin("migration_undesa")


def test_read_workbook_table_1():
    book = read_workbook(fixture_bytes(*WORKBOOK), "test")
    assert book["title"] == "International Migrant Stock 2024: Destination"
    assert book["revision"] == "POP/DB/MIG/Stock/Rev.2024"
    assert book["years"] == ["1990", "1995", "2000", "2005", "2010", "2015", "2020", "2024"]
    # World (900), regions and groups, then countries and areas, by UN M49 code
    assert book["locations"][:3] == [900, 1834, 1833] and len(book["locations"]) == 285
    assert "CC BY 3.0 IGO" in book["licence"]


@pytest.mark.usefixtures("with_plugins", "harvest_db")
def test_harvest_the_workbook(harvester, http_replay):
    entry = next(e for e in registry.load() if e["harvester"] == "migration_undesa")
    http_replay.add("GET", entry["url"], body=fixture_bytes(*WORKBOOK))
    harvest = Harvest(harvester, entry["url"], entry["config"])
    job, _ = harvest.run()
    assert harvest.report(job) == {"added": 1}, harvest.errors(job)

    pkg = helpers.call_action(
        "package_show", id="un-desa-population-division-pop-db-mig-stock-rev-2024")
    assert pkg["title"] == "International Migrant Stock 2024: Destination"
    assert pkg["creator"][0]["name"].startswith("United Nations Department of Economic")
    assert pkg["temporal_coverage"] == [{"start": "1990", "end": "2024"}]
    # every 5 years to 2020, then 2024
    assert pkg["frequency"].endswith("/frequency/IRREG")
    # M49 codes of countries and areas, as ISO 3166 alpha-3; regions, groups and the
    # Channel Islands (830) have none
    assert len(pkg["countries"]) == 232
    assert {"AFG", "BRA", "DEU", "USA", "TWN", "CUW"} <= set(pkg["countries"])
    assert pkg["topics"] == ["migrant_stocks"] and pkg["gcm_objectives"] == ["1"]
    assert pkg["definition_terms"] == ["international-migrant-un"]
    assert pkg["population_covered"] == ["international_migrants"]
    assert pkg["license_id"] == "cc-by"
    raw = raw_data_resources(pkg)
    assert raw[0]["url"] == entry["url"] and raw[0]["format"] == "XLSX"

    job, _ = harvest.run()
    assert harvest.report(job) == {"not modified": 1}, harvest.errors(job)


@pytest.mark.usefixtures("with_plugins", "harvest_db")
@pytest.mark.parametrize("body,message", [
    (b"<html>moved</html>", "is not an Excel workbook"),
    ("other sheets", 'has no sheet "Table 1" (sheets: Data)'),
    ("no header", 'Table 1 has no header row with "Location code" and years'),
])
def test_not_a_workbook_is_a_clear_error(harvester, http_replay, body, message):
    url = "https://www.un.org/files/undesa_pd_2024_ims_stock_by_sex_and_destination.xlsx"
    if isinstance(body, str):   # a workbook made here, shaped the wrong way
        book = openpyxl.Workbook()
        book.active.title = "Data" if body == "other sheets" else "Table 1"
        book.active.append(["Region", "Code", 1990])
        out = io.BytesIO()
        book.save(out)
        body = out.getvalue()
    http_replay.add("GET", url, body=body)
    harvest = Harvest(harvester, url, {})
    job, _ = harvest.run()
    assert harvest.report(job) == {"errored": 1}
    assert message in harvest.errors(job)[0]
