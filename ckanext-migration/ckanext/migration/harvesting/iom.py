"""IOM: Displacement Tracking Matrix (DTM API v3) and the Missing Migrants Project.

DTM: one dataset per country, not per operation. The API is queried by country
(``displacement/admin0?Admin0Pcode=``, which returns every operation's rounds there),
country codes are stable ISO3 identifiers where operations are renamed, split and closed,
and users search the catalogue by country; a country's operations are named in its notes.
Missing Migrants: one dataset per year of the yearly JSON export of incidents.
"""
from __future__ import annotations

import datetime as dt
import re

import ckan.plugins.toolkit as tk

from ckanext.migration.harvesting import http, safejson
from ckanext.migration.harvesting.base import MigrationHarvester, RecordError
from ckanext.migration.harvesting.mapping import SourceRecord

DTM_KEY_OPTION = "ckanext.migration.harvest.dtm_api_key"
DTM_PAGE = "https://dtm.iom.int/data-and-analysis/dtm-api"
MMP_PAGE = "https://missingmigrants.iom.int/data"
MMP_FIRST_YEAR = 2014
MMP_CAVEATS = (
    "The Missing Migrants Project records deaths and disappearances of people in the "
    "process of migration from official records, media reports, NGOs and survivors' "
    "testimonies. The figures are minimum estimates: many deaths, at sea, in deserts and "
    "remote border areas, are never reported or found, and coverage differs between "
    "regions and years. Figures of the current year are provisional.")


def _json(body: bytes, what: str):
    try:
        return safejson.loads(body.decode("utf-8-sig"), source=what)
    except ValueError as e:
        raise RecordError("%s is not JSON: %s" % (what, e))


def dtm_result(body: bytes, what: str) -> list:
    """The ``result`` list of a DTM API v3 envelope."""
    data = _json(body, what)
    if not isinstance(data, dict) or not isinstance(data.get("result"), list):
        raise RecordError("%s is not a DTM API v3 answer (no result list)" % what)
    if data.get("isSuccess") is False:
        raise RecordError("DTM API refused %s: %s" % (what, "; ".join(
            map(str, data.get("errorMessages") or [])) or data.get("statusCode")))
    return data["result"]


def summarise_admin0(rows: list) -> dict:
    rows = [r for r in rows if isinstance(r, dict) and r.get("reportingDate")]
    if not rows:
        return {}
    dates = sorted(str(r["reportingDate"])[:10] for r in rows)
    latest = [r for r in rows if str(r["reportingDate"])[:10] == dates[-1]]
    return {"period": [dates[0], dates[-1]],
            "rounds": sorted({r["roundNumber"] for r in rows
                              if isinstance(r.get("roundNumber"), int)}),
            "reasons": sorted({r.get("displacementReason") or "" for r in rows} - {""}),
            "operations": sorted({r.get("operation") or "" for r in rows} - {""}),
            "latest_idps": max((r.get("numPresentIdpInd") or 0) for r in latest),
            "records": len(rows)}


class DTMHarvester(MigrationHarvester):
    NAME = "migration_iom_dtm"
    TITLE = "IOM Displacement Tracking Matrix (DTM API v3)"
    DESCRIPTION = "Internal displacement figures of IOM's DTM, one dataset per country"
    CONFIG_KEYS = ("defaults", "api_key", "countries")

    def validate_config(self, config):
        config = super().validate_config(config)
        parsed = self._parse_config(config)
        if not isinstance(parsed.get("api_key", ""), str):
            raise ValueError("'api_key' must be a string")
        countries = parsed.get("countries", [])
        if not isinstance(countries, list) or not all(
                isinstance(c, str) and re.match(r"^[A-Z]{3}$", c) for c in countries):
            raise ValueError("'countries' must be a list of ISO 3166-1 alpha-3 codes")
        return config

    @staticmethod
    def _headers(config) -> dict:
        key = config.get("api_key") or tk.config.get(DTM_KEY_OPTION)
        if not key:
            raise http.FetchError("the DTM API v3 needs a subscription key: set 'api_key' "
                                  "in the source configuration or %s" % DTM_KEY_OPTION)
        return {"Ocp-Apim-Subscription-Key": key}

    def gather_records(self, url, config):
        base, headers = url.rstrip("/"), self._headers(config)
        countries = dtm_result(http.fetch(base + "/displacement/country-list",
                                          headers=headers), "the DTM country list")
        operations = dtm_result(http.fetch(base + "/displacement/operation-list",
                                           headers=headers), "the DTM operation list")
        wanted = set(config.get("countries") or [])
        out = []
        for country in countries:
            code = str((country or {}).get("admin0Pcode") or "").upper()
            if not code or (wanted and code not in wanted):
                continue
            ops = sorted([o.get("operation") or "", o.get("operationStatus") or ""]
                         for o in operations if isinstance(o, dict)
                         and str(o.get("admin0Pcode") or "").upper() == code)
            out.append((code, {"base": base, "country": code,
                               "name": country.get("admin0Name") or code,
                               "operations": ops}))
        return out

    def fetch_record(self, payload, config):
        rows = dtm_result(http.fetch(payload["base"] + "/displacement/admin0",
                                     params={"Admin0Pcode": payload["country"]},
                                     headers=self._headers(config)),
                          "DTM admin0 figures of %s" % payload["country"])
        return dict(payload, data=summarise_admin0(rows))

    def to_record(self, payload, config):
        code, data = payload["country"], payload.get("data") or {}
        if not data:
            raise RecordError("DTM has no admin0 displacement figures for %s" % code)
        name = re.sub(r"\s*\(the\)$", "", payload.get("name") or code)
        period = data["period"]
        rounds = data.get("rounds") or []
        ops = ", ".join("%s (%s)" % (op, status.lower()) if status else op
                        for op, status in payload.get("operations") or []) \
            or ", ".join(data.get("operations") or [])
        notes = (
            "Internally displaced persons (IDPs) in %s counted by IOM's Displacement "
            "Tracking Matrix (DTM), at national level, from %s to %s (%d records, %d "
            "rounds%s). Latest figure: %s IDPs on %s. Displacement reasons: %s. "
            "DTM operations: %s." % (
                name, period[0], period[1], data.get("records", 0), len(rounds),
                ", last round %d" % rounds[-1] if rounds else "",
                format(data.get("latest_idps") or 0, ","), period[1],
                ", ".join(data.get("reasons") or []) or "not reported", ops or "none"))
        base = payload["base"]
        resources = [{"url": "%s/displacement/%s?Admin0Pcode=%s" % (base, level, code),
                      "name": "DTM %s displacement figures (JSON, API key needed)" % level,
                      "format": "JSON", "raw_data": "true"}
                     for level in ("admin0", "admin1", "admin2")]
        return SourceRecord(
            guid=code, identifier=code, source_platform="IOM DTM",
            title="IOM DTM internal displacement data — %s" % name, notes=notes,
            url=DTM_PAGE, producer="International Organization for Migration (IOM)",
            keywords=["dtm", "idps", "internal displacement"], countries=[code],
            period_start=period[0], period_end=period[1], frequency="IRREG",
            resources=resources,
            extra={"source_type": "international_organisation_estimate",
                   "population_covered": ["idps"], "unit_of_observation": "persons",
                   "geographic_granularity": "subnational",
                   "disaggregation": ["subnational_area", "reason_for_migration"],
                   "caveats": "Figures cover the areas DTM could assess in each round; "
                              "rounds are irregular and coverage changes between them.",
                   "caveat_flags": ["partial_geographic_coverage"]})


def _int(value) -> int:
    try:
        return int(float(str(value).replace(",", "").strip()))
    except ValueError:
        return 0


def summarise_incidents(incidents: list) -> dict:
    incidents = [i for i in incidents if isinstance(i, dict)]
    dates = sorted(d for d in (str(i.get("reported_date") or i.get("incident_date") or "")
                               [:10] for i in incidents) if re.match(r"^\d{4}-\d\d-\d\d$", d))
    places = set()
    for incident in incidents:
        for key in ("country_of_incident", "country_of_origin"):
            places.update(p.strip() for p in str(incident.get(key) or "").split(",")
                          if p.strip() and p.strip().lower() != "unknown")
    sums = {key: sum(_int(i.get(key)) for i in incidents)
            for key in ("number_dead", "number_missing", "total_dead_and_missing",
                        "number_of_survivors", "number_of_children")}
    return {"incidents": len(incidents), "dates": [dates[0], dates[-1]] if dates else [],
            "places": sorted(places), "totals": sums,
            "regions": sorted({i.get("region") or "" for i in incidents} - {""})}


class MissingMigrantsHarvester(MigrationHarvester):
    NAME = "migration_missing_migrants"
    TITLE = "IOM Missing Migrants Project"
    DESCRIPTION = "Migrants recorded dead or missing, one dataset per year"
    CONFIG_KEYS = ("defaults", "years")

    def validate_config(self, config):
        config = super().validate_config(config)
        years = self._parse_config(config).get("years", [MMP_FIRST_YEAR])
        if not isinstance(years, list) or not years or not all(
                isinstance(y, int) and MMP_FIRST_YEAR <= y <= 2100 for y in years):
            raise ValueError("'years' must be a list of years from %d" % MMP_FIRST_YEAR)
        return config

    @staticmethod
    def year_url(url: str, year: int) -> str:
        if "{year}" in url:
            return url.replace("{year}", str(year))
        return "%s/global-figures/%d/json" % (url.rstrip("/"), year)

    def gather_records(self, url, config):
        years = config.get("years") or range(MMP_FIRST_YEAR, dt.date.today().year + 1)
        out = []
        for year in years:
            link = self.year_url(url, year)
            incidents = _json(http.fetch(link), "Missing Migrants figures of %d" % year)
            if not isinstance(incidents, list):
                raise RecordError("Missing Migrants figures of %d are not a list of "
                                  "incidents" % year)
            if incidents:   # nothing (yet) for that year: no dataset
                out.append((str(year), {"year": year, "link": link,
                                        **summarise_incidents(incidents)}))
        return out

    def to_record(self, payload, config):
        year, dates, totals = payload["year"], payload.get("dates"), payload["totals"]
        if not dates:
            raise RecordError("no incident of %s has a date" % year)
        title = "IOM Missing Migrants Project: migrants recorded dead or missing in %s" % year
        notes = ("%s. %s incidents, %s dead and missing migrants (%s dead, %s missing), "
                 "%s survivors, %s children among the dead and missing, recorded from %s "
                 "to %s. Regions: %s." % (
                     title, format(payload["incidents"], ","),
                     *(format(totals[k], ",") for k in (
                         "total_dead_and_missing", "number_dead", "number_missing",
                         "number_of_survivors", "number_of_children")),
                     dates[0], dates[-1], ", ".join(payload.get("regions") or [])))
        return SourceRecord(
            guid=str(year), identifier="missing-migrants-%s" % year,
            source_platform="IOM Missing Migrants Project", title=title, notes=notes,
            url=MMP_PAGE, producer="International Organization for Migration (IOM)",
            keywords=["missing migrants"], countries=payload.get("places") or [],
            period_start=dates[0], period_end=dates[-1], frequency="UPDATE_CONT",
            topics=["missing_migrants"],
            resources=[{"url": payload["link"], "name": "Incidents of %s (JSON)" % year,
                        "format": "JSON", "raw_data": "true"}],
            # mostly compiled from media, NGO and survivors' reports
            extra={"source_type": "media_monitoring", "population_covered": ["migrants"],
                   "unit_of_observation": "deaths_and_disappearances",
                   "disaggregation": ["sex", "age"], "geographic_granularity": "subnational",
                   "caveats": MMP_CAVEATS, "caveat_flags": ["partial_geographic_coverage"]})
