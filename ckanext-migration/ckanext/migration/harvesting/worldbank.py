"""World Bank Indicators API v2: one dataset per configured migration indicator.

Gather reads each indicator's metadata (``/indicator/{id}``); fetch reads its values
for every economy in one page (``/country/all/indicator/{id}``) to learn the period,
the countries with data and the date of the last update.
"""
from __future__ import annotations

import logging
import re

from ckanext.migration import countries as country_codes
from ckanext.migration.harvesting import http, periods, safejson
from ckanext.migration.harvesting.base import MigrationHarvester, RecordError
from ckanext.migration.harvesting.mapping import SourceRecord

DEFAULT_INDICATORS = ("SM.POP.TOTL", "SM.POP.TOTL.ZS", "SM.POP.NETM", "BX.TRF.PWKR.CD.DT",
                      "BX.TRF.PWKR.DT.GD.ZS", "BM.TRF.PWKR.CD.DT", "SM.POP.REFG",
                      "SM.POP.REFG.OR")
log = logging.getLogger(__name__)

PLATFORM = "World Bank WDI"
PAGE = "https://data.worldbank.org/indicator/{id}"
DOWNLOAD = "https://api.worldbank.org/v2/en/indicator/{id}?downloadformat={fmt}"
PER_PAGE = 20000
MAX_PAGES = 10
INDICATOR_ID = re.compile(r"^[A-Za-z0-9_.]{2,60}$")
# what each default indicator counts (population_covered, unit_of_observation)
KINDS = {"SM.POP.TOTL": (["international_migrants"], "stocks"),
         "SM.POP.TOTL.ZS": (["international_migrants"], "stocks"),
         "SM.POP.NETM": (["international_migrants"], "flows"),
         "SM.POP.REFG": (["refugees"], "stocks"),
         "SM.POP.REFG.OR": (["refugees"], "stocks")}


class Gone(RecordError):
    """The API does not know this indicator (any more)."""


def parse_envelope(body: bytes, what: str) -> tuple:
    """(envelope dict, rows list) of a World Bank API v2 JSON answer."""
    try:
        data = safejson.loads(body.decode("utf-8-sig"), source=what)
    except ValueError as e:
        raise RecordError("%s is not World Bank API JSON: %s" % (what, e))
    if isinstance(data, list) and data and isinstance(data[0], dict) \
            and "message" in data[0]:
        messages = data[0]["message"] or [{}]
        error = Gone if any(str(m.get("id")) == "120" for m in messages) else RecordError
        raise error("the World Bank API refused %s: %s" % (what, "; ".join(
            "%s %s" % (m.get("key", ""), m.get("value", "")) for m in messages)))
    if not (isinstance(data, list) and len(data) == 2 and isinstance(data[0], dict)):
        raise RecordError("%s is not a World Bank API v2 answer ([envelope, rows])" % what)
    return data[0], data[1] or []


def summarise(envelope: dict, rows: list) -> dict:
    """Period, countries with a value and last update of an indicator's data rows."""
    years, countries = [], set()
    for row in rows:
        if not isinstance(row, dict) or row.get("value") is None:
            continue
        year = str(row.get("date") or "")[:4]
        if year.isdigit():
            years.append(year)
        code = row.get("countryiso3code") or ""
        if code:
            countries.add(code)
    return {"lastupdated": envelope.get("lastupdated") or "",
            "period": [min(years), max(years)] if years else [],
            # SM.POP.TOTL has values every 5 years in its annual grid (UN DESA's series)
            "frequency": periods.frequency_of_years(years),
            "countries": sorted(countries), "observations": len(years)}


class WorldBankHarvester(MigrationHarvester):
    NAME = "migration_worldbank"
    TITLE = "World Bank Indicators API"
    DESCRIPTION = ("Migration, refugee and remittance indicators of the World Bank's World "
                   "Development Indicators (API v2), with CSV and Excel downloads")
    CONFIG_KEYS = ("defaults", "indicators")

    def validate_config(self, config):
        config = super().validate_config(config)
        indicators = self._parse_config(config).get("indicators", DEFAULT_INDICATORS)
        if not isinstance(indicators, (list, tuple)) or not indicators or not all(
                isinstance(i, str) and INDICATOR_ID.match(i) for i in indicators):
            raise ValueError("'indicators' must be a non-empty list of World Bank "
                             "indicator codes such as \"SM.POP.TOTL\"")
        return config

    @staticmethod
    def _base(url: str) -> str:
        return url.rstrip("/")

    def gather_records(self, url, config):
        base = self._base(url)
        out = []
        for indicator in config.get("indicators") or DEFAULT_INDICATORS:
            body = http.fetch("%s/indicator/%s" % (base, indicator),
                              params={"format": "json"})
            try:
                _, rows = parse_envelope(body, "indicator %s" % indicator)
            except Gone:
                rows = []
            meta = next((r for r in rows if isinstance(r, dict) and r.get("id")), None)
            if meta is None:   # unknown or discontinued: its dataset gets withdrawn
                log.warning("World Bank API: no indicator %s", indicator)
                continue
            out.append((indicator, {"base": base, "indicator": meta}))
        return out

    def fetch_record(self, payload, config):
        indicator = payload["indicator"]["id"]
        url = "%s/country/all/indicator/%s" % (payload["base"], indicator)
        rows, envelope, page = [], {}, 1
        while True:
            envelope, page_rows = parse_envelope(http.fetch(url, params={
                "format": "json", "per_page": PER_PAGE, "page": page}),
                "the data of indicator %s" % indicator)
            rows += page_rows
            if page >= min(int(envelope.get("pages") or 1), MAX_PAGES):
                break
            page += 1
        return dict(payload, data=summarise(envelope, rows))

    def to_record(self, payload, config):
        meta = payload.get("indicator") or {}
        code, name = meta.get("id"), (meta.get("name") or "").strip()
        if not code or not name:
            raise RecordError("indicator without id or name: %r" % meta)
        data = payload.get("data") or {}
        period = data.get("period") or ["", ""]
        note = (meta.get("sourceNote") or "").strip()
        source = (meta.get("source") or {}).get("value") or "World Development Indicators"
        notes = "%s\n\nWorld Bank indicator %s (%s)%s." % (
            note or name, code, source,
            # countries only: the aggregates (regions, income groups) are not counted
            ", %s to %s, %d countries with data" % (period[0], period[1], len(
                [c for c in data.get("countries") or [] if country_codes.to_iso3(c)]))
            if period[0] else "")
        populations, unit = KINDS.get(code, ([], ""))
        extra = {"source_type": "international_organisation_estimate",
                 "geographic_granularity": "national"}
        if note:
            extra["definitions"] = note
        if populations:
            extra["population_covered"] = populations
        if unit:
            extra["unit_of_observation"] = unit
        api = "%s/country/all/indicator/%s?format=json&per_page=%d" % (
            payload.get("base") or "https://api.worldbank.org/v2", code, PER_PAGE)
        return SourceRecord(
            guid=code, identifier=code, source_platform=PLATFORM, title=name, notes=notes,
            url=PAGE.format(id=code),
            producer=(meta.get("sourceOrganization") or "").strip()[:500] or "World Bank",
            # not the WDI topics: broad ("Climate Change" on migrant stock) and misleading
            # the topic inference
            keywords=["world bank", "wdi"],
            countries=data.get("countries") or [],
            period_start=period[0], period_end=period[1],
            frequency=data.get("frequency") or "ANNUAL",
            modified=(data.get("lastupdated") or "")[:10],
            resources=[
                # the bulk downloads are what they say: an Excel 97 workbook (.xls) and a
                # ZIP of three CSV files (data, country and indicator metadata)
                {"url": DOWNLOAD.format(id=code, fmt="excel"), "name": "%s (Excel)" % code,
                 "format": "XLS", "mimetype": "application/vnd.ms-excel",
                 "raw_data": "true",
                 "description": "Sheet \"Data\": one row per economy, one column per "
                                "year, under three lines of source notes."},
                {"url": DOWNLOAD.format(id=code, fmt="csv"),
                 "name": "%s (CSV files in a ZIP)" % code, "format": "ZIP",
                 "mimetype": "application/zip", "raw_data": "true",
                 "description": "ZIP archive of the data CSV (one row per economy, one "
                                "column per year) and two metadata CSVs."},
                {"url": api, "name": "%s (World Bank API v2, JSON)" % code,
                 "format": "JSON", "raw_data": "true"},
            ],
            extra=extra)
