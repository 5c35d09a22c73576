"""UN DESA Population Division: the International Migrant Stock workbooks.

The Population Division publishes each revision as Excel workbooks (no open API: its Data
Portal API wants a bearer token). A harvest source is one workbook; fetch downloads it
and reads its "Table 1": the title, the revision, the years (the column headers) and
the countries (rows with a UN M49 location code; regions and groups have none in ISO
3166). The workbook itself is the dataset's raw-data resource.
"""
from __future__ import annotations

import io
import os
import re
from urllib.parse import urlsplit

import openpyxl

from ckanext.migration import countries as country_codes
from ckanext.migration.harvesting import http, periods
from ckanext.migration.harvesting.base import MigrationHarvester, RecordError
from ckanext.migration.harvesting.mapping import SourceRecord

PLATFORM = "UN DESA Population Division"
PRODUCER = "United Nations Department of Economic and Social Affairs, Population Division"
PAGE = "https://www.un.org/development/desa/pd/content/international-migrant-stock"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_SCAN = 40   # rows above the table: titles, citation, licence


def _text(value) -> str:
    return re.sub(r"\s+", " ", str(value)).strip() if value is not None else ""


def read_workbook(data: bytes, what: str) -> dict:
    """Title, revision, table title, years and M49 location codes of a migrant stock
    workbook's Table 1."""
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # zipfile, XML and openpyxl errors alike
        raise RecordError("%s is not an Excel workbook (%s: %s)"
                          % (what, type(e).__name__, str(e)[:200]))
    sheet = next((book[n] for n in book.sheetnames if n.strip().lower() == "table 1"), None)
    if sheet is None:
        raise RecordError("%s has no sheet \"Table 1\" (sheets: %s)"
                          % (what, ", ".join(book.sheetnames)))
    texts, header, locations = [], None, []
    for number, row in enumerate(sheet.iter_rows(values_only=True)):
        if header is None:
            cells = [_text(c) for c in row]
            if "Location code" in cells:
                column = cells.index("Location code")
                years = []
                for value in row[column + 1:]:   # the first block: both sexes
                    if not isinstance(value, int) or (years and value <= years[-1]):
                        break
                    years.append(value)
                header = {"column": column, "years": years}
            elif number > HEADER_SCAN:
                break
            else:
                texts += [c for c in cells if c]
            continue
        code = row[header["column"]] if len(row) > header["column"] else None
        values = row[header["column"] + 1:header["column"] + 1 + len(header["years"])]
        if isinstance(code, (int, float)) and any(v not in (None, "", "..")
                                                  for v in values):
            locations.append(int(code))
    if header is None or not header["years"]:
        raise RecordError("%s: Table 1 has no header row with \"Location code\" and years"
                          % what)
    book.close()
    table = next((t for t in texts if t.lower().startswith("table 1")), "")
    return {"title": texts[0] if texts else "",
            "table": re.sub(r"^Table 1:\s*", "", table),
            "revision": next((t for t in texts if t.startswith("POP/")), ""),
            "citation": next((t for t in texts if t.startswith("Suggested citation")), ""),
            "licence": next((t for t in texts if "licen" in t.lower()), ""),
            "years": [str(y) for y in header["years"]], "locations": locations}


class UNDESAMigrantStockHarvester(MigrationHarvester):
    NAME = "migration_undesa"
    TITLE = "UN DESA International Migrant Stock (workbook)"
    DESCRIPTION = ("The Population Division's International Migrant Stock workbook: one "
                   "dataset, its years and countries read from Table 1")

    def gather_records(self, url, config):
        name = os.path.splitext(os.path.basename(urlsplit(url).path))[0]
        if not name:
            raise RecordError("the source URL must be the workbook's (…/name.xlsx): %s" % url)
        return [(name, {"url": url, "name": name})]

    def fetch_record(self, payload, config):
        return dict(payload, workbook=read_workbook(http.fetch(payload["url"]),
                                                    payload["url"]))

    def to_record(self, payload, config):
        book = payload["workbook"]
        years = book["years"]
        countries = [c for c in (country_codes.to_iso3(str(code).zfill(3))
                                 for code in book["locations"]) if c]
        notes = "%s (%s).\n\n%s rows with figures, %d of them countries or areas with an " \
                "ISO 3166 code; estimates for %s. %s %s" % (
                    book["table"] or book["title"], book["revision"] or "no revision",
                    len(book["locations"]), len(set(countries)), ", ".join(years),
                    book["citation"], book["licence"])
        return SourceRecord(
            guid=payload["name"], identifier=book["revision"] or payload["name"],
            source_platform=PLATFORM, title=book["title"] or payload["name"],
            notes=notes.strip(), url=PAGE, producer=PRODUCER,
            keywords=["un desa", "international migrant stock"], countries=countries,
            period_start=years[0], period_end=years[-1],
            # 1990, 1995, ..., 2020, then 2024: not a regular step
            frequency=periods.frequency_of_years(years) or "IRREG",
            resources=[{"url": payload["url"], "name": "%s (Excel)" % (
                book["title"] or payload["name"]), "format": "XLSX", "mimetype": XLSX,
                "raw_data": "true",
                "description": "The Population Division's workbook: table of contents, "
                               "Tables 1-5 (one row per region, group, country or area, "
                               "one column per year and sex) and notes."}],
            extra={"source_type": "international_organisation_estimate",
                   "population_covered": ["international_migrants"],
                   "unit_of_observation": "stocks", "geographic_granularity": "national",
                   "disaggregation": ["sex"]})
