"""Eurostat's catalogue: its table of contents lists every dataset with its last update
and period, so one request tells what changed since the last run."""
from __future__ import annotations

import csv
import io
import re

from ckanext.migration.harvesting import http, periods
from ckanext.migration.harvesting.base import MigrationHarvester, RecordError
from ckanext.migration.harvesting.mapping import SourceRecord

DEFAULT_PREFIXES = ("migr_",)
PAGE = "https://ec.europa.eu/eurostat/databrowser/view/{code}/default/table?lang=en"
API = "https://ec.europa.eu/eurostat/api/dissemination"
# the SDMX 3.0 API's SDMX-CSV 2.0 with a label column beside each code column
# ("geo,Geopolitical entity (reporting),..."): readable as it is, still machine-joinable;
# what the data browser's "SDMX-CSV, codes and labels" download is
SDMX_CSV = ("{api}/sdmx/3.0/data/dataflow/{agency}/{code}/{version}"
            "?format=csvdata&formatVersion=2.0&labels=both&lang=en&compress=false")
SDMX_CSV_MIMETYPE = "application/vnd.sdmx.data+csv;version=2.0.0"
TSV = (API + "/sdmx/2.1/data/{code}"
       "?format=TSV&compressed=false")
STRUCTURE = (API + "/sdmx/2.1/dataflow/ESTAT/"
             "{code}/latest?references=descendants")
# what the table of contents lists that has data: datasets, and the tables (tps*, tec*...)
# Eurostat builds from them, which the API serves the same way
DATA_TYPES = ("dataset", "table")
COLUMNS = ("title", "code", "type", "last_update", "structure_change", "data_start",
           "data_end", "values")


def parse_toc(text: str, prefixes=DEFAULT_PREFIXES) -> dict:
    """{code: entry} for the datasets and tables of the table of contents whose code
    matches."""
    reader = csv.reader(io.StringIO(text), delimiter="\t", quotechar='"')
    header = next(reader, None)
    if not header or [h.strip().lower() for h in header[:2]] != ["title", "code"]:
        raise RecordError("not a Eurostat table of contents (first columns must be "
                          "title, code; got %r)" % (header[:2] if header else None))
    out = {}
    for row in reader:
        if len(row) < 7:
            continue
        entry = dict(zip(COLUMNS, (c.strip() for c in row)))
        if entry["type"] not in DATA_TYPES or not entry["code"].lower().startswith(prefixes):
            continue
        out.setdefault(entry["code"], entry)
    return out


def sdmx_csv_resource(code: str, api: str = API, agency: str = "ESTAT",
                      version: str = "1.0") -> dict:
    """The raw-data resource of a Eurostat dataset: SDMX-CSV with labels, the whole
    dataset (no key: every series), uncompressed."""
    # Eurostat's dataflows are not versioned: 1.0 is the latest
    version = "1.0" if version in ("", "latest") else version
    return {"url": SDMX_CSV.format(api=api.rstrip("/"), agency=agency, code=code,
                                   version=version),
            "name": "%s (SDMX-CSV with labels)" % code, "format": "CSV",
            "mimetype": SDMX_CSV_MIMETYPE, "raw_data": "true",
            "description": "The whole dataset from Eurostat's SDMX 3.0 API in SDMX-CSV "
                           "2.0: one observation a line, each code column followed by "
                           "its English label."}


def _date(ddmmyyyy: str) -> str:
    m = re.match(r"^(\d{2})\.(\d{2})\.(\d{4})$", ddmmyyyy or "")
    return "%s-%s-%s" % (m.group(3), m.group(2), m.group(1)) if m else ""


class EurostatHarvester(MigrationHarvester):
    NAME = "migration_eurostat"
    TITLE = "Eurostat table of contents"
    DESCRIPTION = ("Eurostat datasets listed in its table of contents (filtered by code "
                   "prefix), with SDMX-CSV and TSV downloads")
    CONFIG_KEYS = ("defaults", "code_prefixes")

    def gather_records(self, url, config):
        prefixes = tuple(p.lower() for p in config.get("code_prefixes") or DEFAULT_PREFIXES)
        text = http.fetch(url).decode("utf-8-sig", "replace")
        return parse_toc(text, prefixes).items()

    def to_record(self, payload, config):
        code = payload["code"]
        start, frequency = periods.parse(payload.get("data_start"))
        end, end_frequency = periods.parse(payload.get("data_end"))
        return SourceRecord(
            guid=code, identifier=code, source_platform="Eurostat",
            title=payload["title"],
            notes="%s. Eurostat %s %s, %s to %s." % (
                payload["title"], payload.get("type") or "dataset", code,
                payload.get("data_start") or "?", payload.get("data_end") or "?"),
            url=PAGE.format(code=code), producer="Eurostat",
            producer_type="http://purl.org/adms/publishertype/SupraNationalAuthority",
            period_start=start, period_end=end,
            frequency=end_frequency or frequency,
            modified=_date(payload.get("last_update")),
            keywords=["eurostat"],
            resources=[
                sdmx_csv_resource(code),
                {"url": TSV.format(code=code), "name": "%s (TSV)" % code,
                 "format": "TSV", "raw_data": "true"},
                {"url": STRUCTURE.format(code=code), "name": "SDMX structure",
                 "format": "SDMX", "raw_data": "false"},
            ],
            extra={"source_type": "official_statistics"},
        )
