"""UNHCR Refugee Population Statistics API (population/v1): one dataset per table,
plus, optionally, one per Operational Data Portal (ODP) situation's population figures.

Gather reads each table by country of asylum and year (a few pages at most), so it
knows the years and countries covered and the latest totals; an ODP situation is one
request to ``data.unhcr.org/population/get/origin``.
"""
from __future__ import annotations

import csv
import io
import re
from collections import Counter

from ckanext.migration.harvesting import http, safejson
from ckanext.migration.harvesting.base import MigrationHarvester, RecordError
from ckanext.migration.harvesting.mapping import SourceRecord

PAGE = "https://www.unhcr.org/refugee-statistics/download/"
ODP_API = "https://data.unhcr.org/population/get/origin"
LIMIT = 10000
MAX_PAGES = 20
NOT_FIGURES = {"year", "coo_id", "coa_id", "id"}
# table: (title, population_covered, unit_of_observation)
TABLES = {
    "population": ("UNHCR refugee population statistics: refugees, asylum-seekers, "
                   "IDPs, returnees and stateless people by country of asylum",
                   ["refugees", "asylum_seekers", "idps", "returnees", "stateless_persons"],
                   "stocks"),
    "asylum-applications": ("UNHCR asylum applications by country of asylum and origin",
                            ["asylum_seekers"], "applications"),
    "asylum-decisions": ("UNHCR asylum decisions by country of asylum and origin",
                         ["asylum_seekers"], "decisions"),
    "solutions": ("UNHCR durable solutions: returned refugees and IDPs, resettlement and "
                  "naturalisation", ["refugees", "returnees"], "flows"),
    "idmc": ("Internally displaced persons (IDMC figures, UNHCR Refugee Data Finder)",
             ["idps"], "stocks"),
}
DEFAULT_TABLES = ("population", "asylum-applications", "asylum-decisions", "solutions")
ODP_FREQUENCIES = {"D": "DAILY", "W": "WEEKLY", "M": "MONTHLY", "A": "ANNUAL"}
CSV_COLUMNS = {"country of asylum": "coa_name", "country of origin": "coo_name",
               "country of asylum iso": "coa_iso", "country of origin iso": "coo_iso"}


def _number(value):
    try:
        return int(str(value).replace(",", "").strip())
    except (TypeError, ValueError):
        return None


def parse_csv(text: str) -> list:
    """Rows of a Refugee Data Finder CSV download, with the API's field names."""
    reader = csv.DictReader(io.StringIO(text))
    out = []
    for row in reader:
        item = {}
        for key, value in row.items():
            name = (key or "").strip().lower()
            item[CSV_COLUMNS.get(name, re.sub(r"\W+", "_", name))] = value
        out.append(item)
    return out


def parse_page(body: bytes, what: str) -> tuple:
    """(items, number of pages) of a population/v1 answer (JSON, or its CSV download)."""
    text = body.decode("utf-8-sig", "replace")
    if text.lstrip().lower().startswith(("year,", '"year"')):
        return parse_csv(text), 1
    try:
        data = safejson.loads(text, source=what)
    except ValueError as e:
        raise RecordError("%s is not UNHCR population statistics JSON: %s" % (what, e))
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise RecordError("%s is not a UNHCR population/v1 answer (no items list)" % what)
    return data["items"], _number(data.get("maxPages")) or 1


def summarise(items: list) -> dict:
    """Years, countries (ISO3, "-" = all) and the latest year's totals of table rows."""
    years, countries, latest = set(), set(), Counter()
    for item in items:
        year = _number(item.get("year"))
        if year:
            years.add(year)
        for key in ("coa_iso", "coo_iso"):
            code = str(item.get(key) or "").strip().upper()
            if re.match(r"^[A-Z]{3}$", code):
                countries.add(code)
    last = max(years) if years else None
    for item in items:
        if _number(item.get("year")) != last:
            continue
        for key, value in item.items():
            number = None if key in NOT_FIGURES else _number(value)
            if number is not None:
                latest[key] += number
    return {"years": [min(years), max(years)] if years else [],
            "countries": sorted(countries), "rows": len(items),
            "latest": {"year": last, "totals": dict(sorted(latest.items()))}}


def summarise_odp(data: dict) -> dict:
    rows = [r for r in data.get("data") or [] if isinstance(r, dict)]
    dates = sorted(str(r.get("date") or "")[:10] for r in rows if r.get("date"))
    frequency = Counter(r.get("pop_frequency_code") for r in rows).most_common(1)
    figures = sorted({(r.get("pop_type_name") or "", r.get("pop_origin_name") or "",
                       r.get("pop_data_type_name") or "", _number(r.get("individuals")) or 0,
                       str(r.get("date") or "")[:10]) for r in rows})
    return {"host": next((r["geomaster_name"] for r in rows if r.get("geomaster_name")), ""),
            "dates": [dates[0], dates[-1]] if dates else [],
            "types": sorted({r.get("pop_type_code") or "" for r in rows} - {""}),
            "frequency": frequency[0][0] if frequency else "",
            "origins": sorted({r.get("pop_origin_name") or "" for r in rows} - {""}),
            "sources": sorted({r.get("source") or "" for r in rows} - {""}),
            "figures": [list(f) for f in figures]}


def _odp_key(situation) -> str:
    return "odp-origin-%s" % "-".join(str(situation[k]) for k in
                                      ("geo_id", "population_collection") if k in situation)


class UNHCRHarvester(MigrationHarvester):
    NAME = "migration_unhcr"
    TITLE = "UNHCR Refugee Population Statistics API"
    DESCRIPTION = ("UNHCR refugee, asylum and solutions statistics (api.unhcr.org "
                   "population/v1) and Operational Data Portal situation figures")
    CONFIG_KEYS = ("defaults", "tables", "odp_situations")

    def validate_config(self, config):
        config = super().validate_config(config)
        parsed = self._parse_config(config)
        tables = parsed.get("tables", DEFAULT_TABLES)
        if not isinstance(tables, (list, tuple)) \
                or not all(isinstance(t, str) and t in TABLES for t in tables):
            raise ValueError("'tables' must be a list of %s" % ", ".join(TABLES))
        situations = parsed.get("odp_situations", [])
        if not isinstance(situations, list) or not all(
                isinstance(s, dict) and isinstance(s.get("geo_id"), int)
                and set(s) <= {"geo_id", "population_collection", "title", "url"}
                for s in situations):
            raise ValueError("'odp_situations' must be a list of objects with an integer "
                             "geo_id and optional population_collection, title, url")
        if not tables and not situations:
            raise ValueError("nothing to harvest: give 'tables' or 'odp_situations'")
        return config

    def gather_records(self, url, config):
        base = url.rstrip("/")
        out = []
        for table in config.get("tables", DEFAULT_TABLES):
            items, page, pages = [], 1, 1
            while page <= min(pages, MAX_PAGES):
                rows, pages = parse_page(http.fetch("%s/%s/" % (base, table), params={
                    "limit": LIMIT, "page": page, "coa_all": "true", "cf_type": "ISO",
                    "yearFrom": 1951}), "UNHCR table %s" % table)
                items += rows
                page += 1
            if items:  # a table the API no longer has: its dataset gets withdrawn
                out.append((table, {"table": table, "base": base, **summarise(items)}))
        for situation in config.get("odp_situations") or []:
            params = {k: situation[k] for k in ("geo_id", "population_collection")
                      if k in situation}
            body = http.fetch(ODP_API, params=params)
            try:
                data = safejson.loads(body.decode("utf-8-sig"),
                                      source="ODP situation %s" % situation["geo_id"])
            except ValueError as e:
                raise RecordError("ODP situation %s is not JSON: %s"
                                  % (situation["geo_id"], e))
            if not isinstance(data, dict) or not isinstance(data.get("data"), list):
                raise RecordError("ODP situation %s: no data list" % situation["geo_id"])
            if data["data"]:
                out.append((_odp_key(situation), {"odp": situation, **summarise_odp(data)}))
        return out

    def to_record(self, payload, config):
        if "odp" in payload:
            return self._odp_record(payload)
        table = payload["table"]
        title, populations, unit = TABLES[table]
        years = payload.get("years") or []
        if not years:
            raise RecordError("table %s has no years" % table)
        latest = payload.get("latest") or {}
        totals = "; ".join("%s %s" % (k.replace("_", " "), format(v, ","))
                           for k, v in (latest.get("totals") or {}).items())
        notes = ("%s. UNHCR Refugee Data Finder, table \"%s\": %d rows, %s to %s, %d "
                 "countries of asylum or origin.%s" % (
                     title, table, payload.get("rows", 0), years[0], years[-1],
                     len(payload.get("countries") or []),
                     " Totals for %s: %s." % (latest.get("year"), totals) if totals else ""))
        api = "%s/%s/?coa_all=true&cf_type=ISO&yearFrom=%s&yearTo=%s" % (
            payload["base"], table, years[0], years[-1])
        # download=true: the same query answered as the Refugee Data Finder's CSV file
        download = api + "&download=true"
        return SourceRecord(
            guid=table, identifier=table, source_platform="UNHCR Refugee Data Finder",
            title=title, notes=notes, url=PAGE,
            producer="UNHCR, the UN Refugee Agency", keywords=["unhcr"],
            countries=payload.get("countries") or [],
            period_start=str(years[0]), period_end=str(years[-1]), frequency="ANNUAL",
            resources=[{"url": download, "name": "%s (CSV)" % table, "format": "CSV",
                        "mimetype": "text/csv", "raw_data": "true",
                        "description": "Refugee Data Finder CSV download from the UNHCR "
                                       "API: one row per year and country."},
                       {"url": api, "name": "%s (UNHCR API, JSON)" % table,
                        "format": "JSON", "raw_data": "true"}],
            extra={"source_type": "administrative_records",
                   "population_covered": populations, "unit_of_observation": unit,
                   "geographic_granularity": "national",
                   "disaggregation": ["country_of_origin"]})

    @staticmethod
    def _odp_record(payload):
        situation, host = payload["odp"], payload.get("host") or ""
        if not host:
            raise RecordError("ODP situation %s has no host country" % situation["geo_id"])
        title = situation.get("title") or (
            "UNHCR Operational Data Portal: refugees and asylum-seekers in %s by country "
            "of origin" % host)
        lines = ["- %s from %s (%s): %s on %s" % (kind, origin, data_type, format(n, ","),
                                                   date)
                 for kind, origin, data_type, n, date in payload.get("figures") or []]
        dates = payload.get("dates") or ["", ""]
        params = "&".join("%s=%s" % (k, situation[k])
                          for k in ("geo_id", "population_collection") if k in situation)
        populations = [p for code, p in (("REF", "refugees"), ("ASY", "asylum_seekers"))
                       if code in payload.get("types", [])]
        return SourceRecord(
            guid=_odp_key(situation), identifier=_odp_key(situation),
            source_platform="UNHCR Operational Data Portal", title=title,
            notes="%s. Population figures of UNHCR's Operational Data Portal (sources: "
                  "%s):\n\n%s" % (title, ", ".join(payload.get("sources") or ["UNHCR"]),
                                  "\n".join(lines)),
            url=situation.get("url") or "", producer="UNHCR, the UN Refugee Agency",
            keywords=["unhcr", "odp"], countries=[host] + payload.get("origins", []),
            period_start=dates[0], period_end=dates[-1],
            frequency=ODP_FREQUENCIES.get(payload.get("frequency") or "", ""),
            resources=[{"url": "%s?%s" % (ODP_API, params), "name": "ODP population "
                        "figures by origin (JSON)", "format": "JSON", "raw_data": "true"}],
            extra={"source_type": "administrative_records",
                   "population_covered": populations, "unit_of_observation": "persons",
                   "disaggregation": ["country_of_origin", "sex", "age"]})
